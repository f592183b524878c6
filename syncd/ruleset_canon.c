/* The canonical form of an nftables ruleset, and its SHA-256 digest
 * (docs/PROTOCOL.md, section 6.18). Two boxes with the same ruleset must
 * get the same digest however their kernels got there: in another order,
 * with other handles, after other traffic. So:
 *
 *   - every table, chain, set, element and rule becomes a record: its
 *     sort key (family, table, kind, chain or set name, position) and
 *     the netlink message libnftnl builds back from the parsed object,
 *     once what the kernel changes at run time is taken out of it;
 *   - left out: handles, use counts, rule positions (previous handles)
 *     and ids, the owner's port id, chain and rule counters (counter and
 *     quota expressions are zeroed, last's time too), element
 *     expirations and their counters;
 *   - a rule's position is its index in its chain (dumps give a chain's
 *     rules in order), not a handle;
 *   - anonymous sets (the kernel's "__set%d", numbered by creation
 *     history) are renamed after a digest of their contents, and the
 *     rules' lookups and objrefs with them (a dynset needs a named set);
 *   - the elements of dynamic sets (filled by the dataplane: meters,
 *     "update @set") and of sets with timeouts (they expire) are left
 *     out; the set itself is kept;
 *   - syncd's own tables ("carp_syncd", ip and ip6: nft.c, for defer)
 *     are left out: a node may run defer and its peer not; so are
 *     carpd's balancing tables ("carp_bal_*", netdev and arp), which
 *     follow each node's share;
 *   - named objects (counters, quotas, limits as objects) and flowtables
 *     are not in the digest.
 *
 * The records are sorted and hashed, each with its key and its length,
 * so that no two different rulesets concatenate the same. */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <openssl/evp.h>

#include "compat.h"
#include "ruleset_canon.h"

#define RS_OWN_TABLE	"carp_syncd"	/* nft.c's defer tables */
#define RS_BAL_PREFIX	"carp_bal_"	/* carpd's, per balanced carp */
#define RS_MSG_MAX	(128 * 1024)	/* a rebuilt message: a dump's
					   messages fit 64 KB */
#define RS_ANON_PREFIX	"__set"

enum rs_kind { RS_TABLE, RS_CHAIN, RS_SET, RS_ELEM, RS_RULE };

struct rs_rec {
	uint8_t			 kind;
	uint8_t			 family;
	uint32_t		 pos;		/* rules: index in the chain */
	char			*table;
	char			*name;		/* chain or set; "" */
	uint8_t			*bytes;		/* canonical message */
	size_t			 len;
	struct nftnl_rule	*rule;		/* built at the digest */
};

struct rs_set {
	uint8_t			 family;
	char			*table;
	char			*name;
	char			 canon[32];	/* anonymous: renamed */
	struct nftnl_set	*set;
	int			 anon;
	int			 elems;		/* its elements count */
};

/* a chain's next rule position */
struct rs_chain {
	uint8_t			 family;
	char			*table;
	char			*name;
	uint32_t		 next;
};

struct rs_canon {
	struct rs_rec		*recs;
	size_t			 nrecs, maxrecs;
	struct rs_set		*sets;
	size_t			 nsets, maxsets;
	struct rs_chain		*chains;
	size_t			 nchains, maxchains;
	size_t			 lastchain;
};

static uint8_t	 rs_buf[RS_MSG_MAX];

/* Grow an array of n elements of size sz to hold one more. */
static int
rs_grow(void *pp, size_t n, size_t *max, size_t sz)
{
	void	**p = pp, *np;
	size_t	 m;

	if (n < *max)
		return (0);
	m = *max ? *max * 2 : 64;
	if ((np = reallocarray(*p, m, sz)) == NULL)
		return (-1);
	*p = np;
	*max = m;
	return (0);
}

struct rs_canon *
rs_canon_new(void)
{
	return (calloc(1, sizeof(struct rs_canon)));
}

void
rs_canon_free(struct rs_canon *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nrecs; i++) {
		free(c->recs[i].table);
		free(c->recs[i].name);
		free(c->recs[i].bytes);
		if (c->recs[i].rule != NULL)
			nftnl_rule_free(c->recs[i].rule);
	}
	for (i = 0; i < c->nsets; i++) {
		free(c->sets[i].table);
		free(c->sets[i].name);
		nftnl_set_free(c->sets[i].set);
	}
	for (i = 0; i < c->nchains; i++) {
		free(c->chains[i].table);
		free(c->chains[i].name);
	}
	free(c->recs);
	free(c->sets);
	free(c->chains);
	free(c);
}

/* syncd's defer tables, and carpd's balancing tables (netdev and arp
 * carp_bal_NAME: carpd/bal_nft.c), whose sets follow each node's share
 * and so differ between peers by design. */
static int
rs_own(uint8_t family, const char *table)
{
	if (family == NFPROTO_NETDEV || family == NFPROTO_ARP)
		return (strncmp(table, RS_BAL_PREFIX,
		    sizeof(RS_BAL_PREFIX) - 1) == 0);
	return ((family == NFPROTO_IPV4 || family == NFPROTO_IPV6) &&
	    strcmp(table, RS_OWN_TABLE) == 0);
}

static struct rs_rec *
rs_rec_new(struct rs_canon *c, uint8_t kind, uint8_t family,
    const char *table, const char *name)
{
	struct rs_rec	*r;

	if (rs_grow(&c->recs, c->nrecs, &c->maxrecs, sizeof(*r)) == -1)
		return (NULL);
	r = &c->recs[c->nrecs];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->family = family;
	if ((r->table = strdup(table)) == NULL ||
	    (r->name = strdup(name != NULL ? name : "")) == NULL) {
		free(r->table);
		free(r->name);
		return (NULL);
	}
	c->nrecs++;
	return (r);
}

/* The message libnftnl builds from the object: the canonical bytes. */
static int
rs_rec_bytes(struct rs_rec *r, uint16_t type,
    void (*payload)(struct nlmsghdr *, void *), void *obj)
{
	struct nlmsghdr	*nlh;

	nlh = nftnl_nlmsg_build_hdr((char *)rs_buf, type, r->family, 0, 0);
	payload(nlh, obj);
	if ((r->bytes = malloc(nlh->nlmsg_len)) == NULL)
		return (-1);
	memcpy(r->bytes, nlh, nlh->nlmsg_len);
	r->len = nlh->nlmsg_len;
	/* libmnl leaves attribute padding as the buffer had it: keep the
	 * buffer zeroed, or the padding makes equal rulesets differ */
	memset(rs_buf, 0, nlh->nlmsg_len);
	return (0);
}

static void
rs_table_payload(struct nlmsghdr *nlh, void *obj)
{
	nftnl_table_nlmsg_build_payload(nlh, obj);
}

static void
rs_chain_payload(struct nlmsghdr *nlh, void *obj)
{
	nftnl_chain_nlmsg_build_payload(nlh, obj);
}

static void
rs_set_payload(struct nlmsghdr *nlh, void *obj)
{
	nftnl_set_nlmsg_build_payload(nlh, obj);
}

static void
rs_elem_payload(struct nlmsghdr *nlh, void *obj)
{
	nftnl_set_elem_nlmsg_build_payload(nlh, obj);
}

static void
rs_rule_payload(struct nlmsghdr *nlh, void *obj)
{
	nftnl_rule_nlmsg_build_payload(nlh, obj);
}

static uint8_t
rs_family(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg	*nfg = mnl_nlmsg_get_payload(nlh);

	return (nfg->nfgen_family);
}

static int
rs_add_table(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	struct nftnl_table	*t;
	struct rs_rec		*r;
	const char		*name;
	int			 rv = -1;

	if ((t = nftnl_table_alloc()) == NULL)
		return (-1);
	if (nftnl_table_nlmsg_parse(nlh, t) < 0 ||
	    (name = nftnl_table_get_str(t, NFTNL_TABLE_NAME)) == NULL)
		goto out;
	rv = 0;
	if (rs_own(rs_family(nlh), name))
		goto out;
	nftnl_table_unset(t, NFTNL_TABLE_HANDLE);
	nftnl_table_unset(t, NFTNL_TABLE_USE);
	nftnl_table_unset(t, NFTNL_TABLE_OWNER);
	if ((r = rs_rec_new(c, RS_TABLE, rs_family(nlh), name, NULL)) == NULL ||
	    rs_rec_bytes(r, NFT_MSG_NEWTABLE, rs_table_payload, t) == -1)
		rv = -1;
out:
	nftnl_table_free(t);
	return (rv);
}

static int
rs_add_chain(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	struct nftnl_chain	*ch;
	struct rs_rec		*r;
	const char		*table, *name;
	int			 rv = -1;

	if ((ch = nftnl_chain_alloc()) == NULL)
		return (-1);
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0 ||
	    (table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE)) == NULL ||
	    (name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME)) == NULL)
		goto out;
	rv = 0;
	if (rs_own(rs_family(nlh), table))
		goto out;
	nftnl_chain_unset(ch, NFTNL_CHAIN_HANDLE);
	nftnl_chain_unset(ch, NFTNL_CHAIN_USE);
	nftnl_chain_unset(ch, NFTNL_CHAIN_PACKETS);
	nftnl_chain_unset(ch, NFTNL_CHAIN_BYTES);
	nftnl_chain_unset(ch, NFTNL_CHAIN_ID);
	if ((r = rs_rec_new(c, RS_CHAIN, rs_family(nlh), table, name)) ==
	    NULL || rs_rec_bytes(r, NFT_MSG_NEWCHAIN, rs_chain_payload,
	    ch) == -1)
		rv = -1;
out:
	nftnl_chain_free(ch);
	return (rv);
}

static int
rs_add_set(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	struct nftnl_set	*s;
	struct rs_set		*e;
	const char		*table, *name;
	uint32_t		 flags;

	if ((s = nftnl_set_alloc()) == NULL)
		return (-1);
	if (nftnl_set_nlmsg_parse(nlh, s) < 0 ||
	    (table = nftnl_set_get_str(s, NFTNL_SET_TABLE)) == NULL ||
	    (name = nftnl_set_get_str(s, NFTNL_SET_NAME)) == NULL)
		goto fail;
	if (rs_own(rs_family(nlh), table)) {
		nftnl_set_free(s);
		return (0);
	}
	if (rs_grow(&c->sets, c->nsets, &c->maxsets, sizeof(*e)) == -1)
		goto fail;
	e = &c->sets[c->nsets];
	memset(e, 0, sizeof(*e));
	flags = nftnl_set_is_set(s, NFTNL_SET_FLAGS) ?
	    nftnl_set_get_u32(s, NFTNL_SET_FLAGS) : 0;
	e->family = rs_family(nlh);
	e->anon = (flags & NFT_SET_ANONYMOUS) != 0;
	/* filled by the dataplane, or expiring: differ legitimately */
	e->elems = (flags & (NFT_SET_EVAL | NFT_SET_TIMEOUT)) == 0;
	nftnl_set_unset(s, NFTNL_SET_HANDLE);
	nftnl_set_unset(s, NFTNL_SET_ID);
	e->set = s;
	if ((e->table = strdup(table)) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e->table);
		free(e->name);
		goto fail;
	}
	strlcpy(e->canon, name, sizeof(e->canon));
	c->nsets++;
	return (0);
fail:
	nftnl_set_free(s);
	return (-1);
}

static struct rs_set *
rs_set_find(struct rs_canon *c, uint8_t family, const char *table,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nsets; i++)
		if (c->sets[i].family == family &&
		    strcmp(c->sets[i].table, table) == 0 &&
		    strcmp(c->sets[i].name, name) == 0)
			return (&c->sets[i]);
	return (NULL);
}

/* Per-element counters (a set's "counter" flag) are zeroed too. */
static int
rs_expr_zero(struct nftnl_expr *e, void *arg)
{
	const char	*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	(void)arg;
	if (name == NULL)
		return (0);
	if (strcmp(name, "counter") == 0) {
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, 0);
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, 0);
	} else if (strcmp(name, "quota") == 0)
		nftnl_expr_set_u64(e, NFTNL_EXPR_QUOTA_CONSUMED, 0);
	else if (strcmp(name, "last") == 0) {
		nftnl_expr_set_u64(e, NFTNL_EXPR_LAST_MSECS, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LAST_SET, 0);
	}
	return (0);
}

struct rs_elem_arg {
	struct rs_canon		*c;
	uint8_t			 family;
	const char		*table, *set;
	int			 err;
};

static int
rs_add_elem(struct nftnl_set_elem *el, void *arg)
{
	struct rs_elem_arg	*a = arg;
	struct rs_rec		*r;

	nftnl_set_elem_unset(el, NFTNL_SET_ELEM_EXPIRATION);
	(void)nftnl_set_elem_expr_foreach(el, rs_expr_zero, NULL);
	if ((r = rs_rec_new(a->c, RS_ELEM, a->family, a->table, a->set)) ==
	    NULL || rs_rec_bytes(r, NFT_MSG_NEWSETELEM, rs_elem_payload,
	    el) == -1) {
		a->err = 1;
		return (-1);
	}
	return (0);
}

static int
rs_add_elems(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	struct nftnl_set	*s;
	struct rs_set		*known;
	struct rs_elem_arg	 a;
	int			 rv = -1;

	if ((s = nftnl_set_alloc()) == NULL)
		return (-1);
	memset(&a, 0, sizeof(a));
	a.c = c;
	a.family = rs_family(nlh);
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ||
	    (a.table = nftnl_set_get_str(s, NFTNL_SET_TABLE)) == NULL ||
	    (a.set = nftnl_set_get_str(s, NFTNL_SET_NAME)) == NULL)
		goto out;
	rv = 0;
	/* a set we do not know, or whose elements do not count */
	known = rs_set_find(c, a.family, a.table, a.set);
	if (known == NULL || !known->elems)
		goto out;
	(void)nftnl_set_elem_foreach(s, rs_add_elem, &a);
	rv = a.err ? -1 : 0;
out:
	nftnl_set_free(s);
	return (rv);
}

/* The next position in the rule's chain: a dump gives each chain's
 * rules in order, one chain after the other. */
static int
rs_chain_pos(struct rs_canon *c, uint8_t family, const char *table,
    const char *chain, uint32_t *pos)
{
	struct rs_chain	*ch;
	size_t		 i;

	for (i = 0; i < c->nchains; i++) {
		ch = &c->chains[(c->lastchain + i) % c->nchains];
		if (ch->family == family && strcmp(ch->table, table) == 0 &&
		    strcmp(ch->name, chain) == 0) {
			c->lastchain = (c->lastchain + i) % c->nchains;
			*pos = ch->next++;
			return (0);
		}
	}
	if (rs_grow(&c->chains, c->nchains, &c->maxchains, sizeof(*ch)) == -1)
		return (-1);
	ch = &c->chains[c->nchains];
	ch->family = family;
	ch->next = 1;
	ch->table = strdup(table);
	ch->name = strdup(chain);
	if (ch->table == NULL || ch->name == NULL) {
		free(ch->table);
		free(ch->name);
		return (-1);
	}
	c->lastchain = c->nchains++;
	*pos = 0;
	return (0);
}

static int
rs_add_rule(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	struct nftnl_rule	*ru;
	struct rs_rec		*r;
	const char		*table, *chain;
	uint32_t		 pos;

	if ((ru = nftnl_rule_alloc()) == NULL)
		return (-1);
	if (nftnl_rule_nlmsg_parse(nlh, ru) < 0 ||
	    (table = nftnl_rule_get_str(ru, NFTNL_RULE_TABLE)) == NULL ||
	    (chain = nftnl_rule_get_str(ru, NFTNL_RULE_CHAIN)) == NULL)
		goto fail;
	if (rs_own(rs_family(nlh), table)) {
		nftnl_rule_free(ru);
		return (0);
	}
	if (rs_chain_pos(c, rs_family(nlh), table, chain, &pos) == -1 ||
	    (r = rs_rec_new(c, RS_RULE, rs_family(nlh), table, chain)) ==
	    NULL)
		goto fail;
	r->pos = pos;
	r->rule = ru;
	return (0);
fail:
	nftnl_rule_free(ru);
	return (-1);
}

int
rs_canon_add(struct rs_canon *c, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    nlh->nlmsg_len > RS_MSG_MAX / 2)
		return (-1);
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return (rs_add_table(c, nlh));
	case NFT_MSG_NEWCHAIN:
		return (rs_add_chain(c, nlh));
	case NFT_MSG_NEWSET:
		return (rs_add_set(c, nlh));
	case NFT_MSG_NEWSETELEM:
		return (rs_add_elems(c, nlh));
	case NFT_MSG_NEWRULE:
		return (rs_add_rule(c, nlh));
	default:
		return (0);	/* not part of the digest */
	}
}

int
rs_canon_set(const struct rs_canon *c, size_t i, uint8_t *family,
    const char **table, const char **name)
{
	size_t	 j;

	for (j = 0; j < c->nsets; j++) {
		if (!c->sets[j].elems)
			continue;
		if (i-- > 0)
			continue;
		*family = c->sets[j].family;
		*table = c->sets[j].table;
		*name = c->sets[j].name;
		return (1);
	}
	return (0);
}

/* ------------------------------------------------------------ digest */

static int
rs_rec_cmp(const void *a, const void *b)
{
	const struct rs_rec	*x = a, *y = b;
	int			 d;

	if (x->family != y->family)
		return (x->family < y->family ? -1 : 1);
	if ((d = strcmp(x->table, y->table)) != 0)
		return (d);
	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	if ((d = strcmp(x->name, y->name)) != 0)
		return (d);
	if (x->pos != y->pos)
		return (x->pos < y->pos ? -1 : 1);
	if (x->len != y->len)
		return (x->len < y->len ? -1 : 1);
	return (memcmp(x->bytes, y->bytes, x->len));
}

static int
rs_hash_field(EVP_MD_CTX *ctx, const void *p, size_t len)
{
	uint32_t	 n = htonl((uint32_t)len);

	return (EVP_DigestUpdate(ctx, &n, sizeof(n)) == 1 &&
	    EVP_DigestUpdate(ctx, p, len) == 1 ? 0 : -1);
}

static int
rs_hash_rec(EVP_MD_CTX *ctx, const struct rs_rec *r)
{
	uint8_t		 k[2] = { r->kind, r->family };
	uint32_t	 pos = htonl(r->pos);

	if (EVP_DigestUpdate(ctx, k, sizeof(k)) != 1 ||
	    EVP_DigestUpdate(ctx, &pos, sizeof(pos)) != 1 ||
	    rs_hash_field(ctx, r->table, strlen(r->table)) == -1 ||
	    rs_hash_field(ctx, r->name, strlen(r->name)) == -1)
		return (-1);
	return (rs_hash_field(ctx, r->bytes, r->len));
}

/* SHA-256 of records [from, to) of c, sorted first. */
static int
rs_hash(struct rs_canon *c, size_t from, size_t to, uint8_t *out)
{
	EVP_MD_CTX	*ctx;
	size_t		 i;
	int		 rv = -1;

	qsort(c->recs + from, to - from, sizeof(*c->recs), rs_rec_cmp);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = from; i < to; i++)
		if (rs_hash_rec(ctx, &c->recs[i]) == -1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, NULL) == 1)
		rv = 0;
out:
	EVP_MD_CTX_free(ctx);
	return (rv);
}

/* An anonymous set's name after its contents: the set without its name
 * and its elements, hashed like a ruleset of their own. */
static int
rs_anon_name(struct rs_canon *c, struct rs_set *s)
{
	struct rs_canon	 sub;
	struct rs_rec	*r;
	uint8_t		 d[RS_DIGEST_LEN];
	size_t		 i;
	int		 rv = -1;

	memset(&sub, 0, sizeof(sub));
	nftnl_set_set_str(s->set, NFTNL_SET_NAME, "");
	if ((r = rs_rec_new(&sub, RS_SET, s->family, "", NULL)) == NULL ||
	    rs_rec_bytes(r, NFT_MSG_NEWSET, rs_set_payload, s->set) == -1)
		goto out;
	for (i = 0; i < c->nrecs; i++) {
		if (c->recs[i].kind != RS_ELEM ||
		    c->recs[i].family != s->family ||
		    strcmp(c->recs[i].table, s->table) != 0 ||
		    strcmp(c->recs[i].name, s->name) != 0)
			continue;
		if ((r = rs_rec_new(&sub, RS_ELEM, s->family, "", NULL)) ==
		    NULL || (r->bytes = malloc(c->recs[i].len)) == NULL)
			goto out;
		memcpy(r->bytes, c->recs[i].bytes, c->recs[i].len);
		r->len = c->recs[i].len;
	}
	if (rs_hash(&sub, 0, sub.nrecs, d) == -1)
		goto out;
	snprintf(s->canon, sizeof(s->canon), RS_ANON_PREFIX
	    "%02x%02x%02x%02x%02x%02x%02x%02x",
	    d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
	rv = 0;
out:
	for (i = 0; i < sub.nrecs; i++) {
		free(sub.recs[i].table);
		free(sub.recs[i].name);
		free(sub.recs[i].bytes);
	}
	free(sub.recs);
	return (rv);
}

/* Renamed anonymous sets: their elements follow. */
static int
rs_rename_elems(struct rs_canon *c)
{
	struct rs_set	*s;
	char		*n;
	size_t		 i;

	for (i = 0; i < c->nrecs; i++) {
		if (c->recs[i].kind != RS_ELEM ||
		    (s = rs_set_find(c, c->recs[i].family, c->recs[i].table,
		    c->recs[i].name)) == NULL || !s->anon)
			continue;
		if ((n = strdup(s->canon)) == NULL)
			return (-1);
		free(c->recs[i].name);
		c->recs[i].name = n;
	}
	return (0);
}

static int
rs_add_sets(struct rs_canon *c)
{
	struct rs_set	*s;
	struct rs_rec	*r;
	size_t		 i;

	for (i = 0; i < c->nsets; i++) {
		s = &c->sets[i];
		if (s->anon && rs_anon_name(c, s) == -1)
			return (-1);
	}
	if (rs_rename_elems(c) == -1)
		return (-1);
	for (i = 0; i < c->nsets; i++) {
		s = &c->sets[i];
		nftnl_set_set_str(s->set, NFTNL_SET_NAME, s->canon);
		if ((r = rs_rec_new(c, RS_SET, s->family, s->table,
		    s->canon)) == NULL ||
		    rs_rec_bytes(r, NFT_MSG_NEWSET, rs_set_payload, s->set) ==
		    -1)
			return (-1);
	}
	return (0);
}

/* An anonymous set's new name for a reference n, or NULL (a named
 * set's reference stays). */
static const char *
rs_anon_ref(struct rs_canon *c, const struct rs_rec *r,
    const struct nftnl_expr *e, uint16_t attr)
{
	const struct rs_set	*s;
	const char		*n;

	if (!nftnl_expr_is_set(e, attr) ||
	    (n = nftnl_expr_get_str(e, attr)) == NULL ||
	    (s = rs_set_find(c, r->family, r->table, n)) == NULL || !s->anon)
		return (NULL);
	return (s->canon);
}

static void
rs_copy_u32(struct nftnl_expr *to, const struct nftnl_expr *from,
    uint16_t attr)
{
	if (nftnl_expr_is_set(from, attr))
		nftnl_expr_set_u32(to, attr, nftnl_expr_get_u32(from, attr));
}

/* A lookup or objref of an anonymous set, made again with the set's
 * new name: libnftnl's setters leak a name set twice. Dynsets need a
 * named set; the set ids are a transaction's, dumps carry none. NULL
 * if e stays as it is. */
static struct nftnl_expr *
rs_expr_renamed(struct rs_canon *c, const struct rs_rec *r,
    const struct nftnl_expr *e)
{
	const char		*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char		*canon;
	struct nftnl_expr	*n;

	if (name == NULL)
		return (NULL);
	if (strcmp(name, "lookup") == 0 &&
	    (canon = rs_anon_ref(c, r, e, NFTNL_EXPR_LOOKUP_SET)) != NULL) {
		if ((n = nftnl_expr_alloc("lookup")) == NULL)
			return (NULL);
		rs_copy_u32(n, e, NFTNL_EXPR_LOOKUP_SREG);
		rs_copy_u32(n, e, NFTNL_EXPR_LOOKUP_DREG);
		rs_copy_u32(n, e, NFTNL_EXPR_LOOKUP_FLAGS);
		nftnl_expr_set_str(n, NFTNL_EXPR_LOOKUP_SET, canon);
		return (n);
	}
	if (strcmp(name, "objref") == 0 && (canon = rs_anon_ref(c, r, e,
	    NFTNL_EXPR_OBJREF_SET_NAME)) != NULL) {
		if ((n = nftnl_expr_alloc("objref")) == NULL)
			return (NULL);
		rs_copy_u32(n, e, NFTNL_EXPR_OBJREF_IMM_TYPE);
		if (nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_IMM_NAME))
			nftnl_expr_set_str(n, NFTNL_EXPR_OBJREF_IMM_NAME,
			    nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME));
		rs_copy_u32(n, e, NFTNL_EXPR_OBJREF_SET_SREG);
		nftnl_expr_set_str(n, NFTNL_EXPR_OBJREF_SET_NAME, canon);
		return (n);
	}
	return (NULL);
}

/* The rule's expressions in order, each taken out and put back, or its
 * renamed copy in its place; counters zeroed. */
static int
rs_rule_exprs(struct rs_canon *c, struct rs_rec *r)
{
	struct nftnl_expr_iter	*it;
	struct nftnl_expr	*e, *n, **v = NULL, **nv;
	size_t			 i, ne = 0, max = 0;
	int			 rv = -1;

	if ((it = nftnl_expr_iter_create(r->rule)) == NULL)
		return (-1);
	while ((e = nftnl_expr_iter_next(it)) != NULL) {
		if (ne == max) {
			max = max ? max * 2 : 16;
			if ((nv = reallocarray(v, max, sizeof(*v))) == NULL)
				goto out;
			v = nv;
		}
		v[ne++] = e;
	}
	for (i = 0; i < ne; i++) {
		n = rs_expr_renamed(c, r, v[i]);
		nftnl_rule_del_expr(v[i]);
		if (n != NULL) {
			nftnl_expr_free(v[i]);
			v[i] = n;
		}
		(void)rs_expr_zero(v[i], NULL);
		nftnl_rule_add_expr(r->rule, v[i]);
	}
	rv = 0;
out:
	nftnl_expr_iter_destroy(it);
	free(v);
	return (rv);
}

static int
rs_build_rules(struct rs_canon *c)
{
	struct rs_rec		*r;
	size_t			 i;

	for (i = 0; i < c->nrecs; i++) {
		r = &c->recs[i];
		if (r->kind != RS_RULE || r->bytes != NULL)
			continue;
		nftnl_rule_unset(r->rule, NFTNL_RULE_HANDLE);
		nftnl_rule_unset(r->rule, NFTNL_RULE_POSITION);
		nftnl_rule_unset(r->rule, NFTNL_RULE_ID);
		nftnl_rule_unset(r->rule, NFTNL_RULE_POSITION_ID);
		if (rs_rule_exprs(c, r) == -1 ||
		    rs_rec_bytes(r, NFT_MSG_NEWRULE, rs_rule_payload,
		    r->rule) == -1)
			return (-1);
	}
	return (0);
}

int
rs_canon_digest(struct rs_canon *c, uint8_t out[RS_DIGEST_LEN])
{
	if (rs_add_sets(c) == -1 || rs_build_rules(c) == -1)
		return (-1);
	return (rs_hash(c, 0, c->nrecs, out));
}
