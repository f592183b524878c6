/* struct nf_expect (libnetfilter_conntrack) <-> struct sync_expect. An
 * expectation's master, expected tuple, mask and NAT tuple are each a
 * struct nf_conntrack whose orig tuple alone is used. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "ct_expect.h"

static int
ctx_has_ports(uint8_t l4proto)
{
	return (l4proto == IPPROTO_TCP || l4proto == IPPROTO_UDP ||
	    l4proto == IPPROTO_UDPLITE || l4proto == IPPROTO_SCTP ||
	    l4proto == IPPROTO_DCCP);
}

static int
ctx_is_icmp(uint8_t l4proto)
{
	return (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6);
}

static void
ctx_get_addr(const struct nf_conntrack *c, int family, int v4, int v6,
    union sync_addr *a)
{
	const void	*p;

	if ((p = nfct_get_attr(c, family == AF_INET ? v4 : v6)) != NULL)
		memcpy(a->b, p, family == AF_INET ? 4 : 16);
}

/* The orig tuple of c; its protocol in *l4proto. */
static void
ctx_tuple_from(const struct nf_conntrack *c, int family,
    struct sync_tuple *t, uint8_t *l4proto)
{
	memset(t, 0, sizeof(*t));
	*l4proto = nfct_get_attr_u8(c, ATTR_ORIG_L4PROTO);
	ctx_get_addr(c, family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC,
	    &t->src);
	ctx_get_addr(c, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST,
	    &t->dst);
	if (ctx_has_ports(*l4proto)) {
		t->sport = ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_SRC));
		t->dport = ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_DST));
	} else if (ctx_is_icmp(*l4proto)) {
		t->icmp_id = ntohs(nfct_get_attr_u16(c, ATTR_ICMP_ID));
		t->icmp_type = nfct_get_attr_u8(c, ATTR_ICMP_TYPE);
		t->icmp_code = nfct_get_attr_u8(c, ATTR_ICMP_CODE);
	}
}

static void
ctx_tuple_to(struct nf_conntrack *c, int family, uint8_t l4proto,
    const struct sync_tuple *t)
{
	nfct_set_attr_u8(c, ATTR_ORIG_L3PROTO, family);
	if (family == AF_INET) {
		nfct_set_attr(c, ATTR_ORIG_IPV4_SRC, t->src.b);
		nfct_set_attr(c, ATTR_ORIG_IPV4_DST, t->dst.b);
	} else {
		nfct_set_attr(c, ATTR_ORIG_IPV6_SRC, t->src.b);
		nfct_set_attr(c, ATTR_ORIG_IPV6_DST, t->dst.b);
	}
	nfct_set_attr_u8(c, ATTR_ORIG_L4PROTO, l4proto);
	if (ctx_has_ports(l4proto)) {
		nfct_set_attr_u16(c, ATTR_ORIG_PORT_SRC, htons(t->sport));
		nfct_set_attr_u16(c, ATTR_ORIG_PORT_DST, htons(t->dport));
	} else if (ctx_is_icmp(l4proto)) {
		nfct_set_attr_u16(c, ATTR_ICMP_ID, htons(t->icmp_id));
		nfct_set_attr_u8(c, ATTR_ICMP_TYPE, t->icmp_type);
		nfct_set_attr_u8(c, ATTR_ICMP_CODE, t->icmp_code);
	}
}

static void
ctx_string(const struct nf_expect *e, int attr, char *out, size_t len)
{
	const char	*s;

	if (nfexp_attr_is_set(e, attr) && (s = nfexp_get_attr(e, attr)) !=
	    NULL)
		strncpy(out, s, len - 1);
}

static void
ctx_nat_from(const struct nf_expect *e, struct sync_expect *x)
{
	const struct nf_conntrack	*n;
	uint8_t				 p;

	if (!nfexp_attr_is_set(e, ATTR_EXP_NAT_TUPLE) ||
	    (n = nfexp_get_attr(e, ATTR_EXP_NAT_TUPLE)) == NULL)
		return;
	ctx_tuple_from(n, x->family, &x->nat, &p);
	x->has_nat = 1;
	if (nfexp_attr_is_set(e, ATTR_EXP_NAT_DIR))
		x->nat_dir = nfexp_get_attr_u8(e, ATTR_EXP_NAT_DIR) ? 1 : 0;
}

int
ct_expect_from_nfexp(const struct nf_expect *e, struct sync_expect *x)
{
	const struct nf_conntrack	*m, *t, *k;
	uint8_t				 p;

	memset(x, 0, sizeof(*x));
	if ((t = nfexp_get_attr(e, ATTR_EXP_EXPECTED)) == NULL) {
		errno = EINVAL;
		return (-1);
	}
	x->family = nfct_get_attr_u8(t, ATTR_ORIG_L3PROTO);
	ctx_tuple_from(t, x->family, &x->tuple, &x->exp_l4proto);
	/* a destroy event may carry the key alone */
	if ((m = nfexp_get_attr(e, ATTR_EXP_MASTER)) != NULL)
		ctx_tuple_from(m, x->family, &x->master, &x->l4proto);
	if ((k = nfexp_get_attr(e, ATTR_EXP_MASK)) != NULL)
		ctx_tuple_from(k, x->family, &x->mask, &p);
	if (nfexp_attr_is_set(e, ATTR_EXP_ZONE))
		x->zone = nfexp_get_attr_u16(e, ATTR_EXP_ZONE);
	x->timeout = nfexp_get_attr_u32(e, ATTR_EXP_TIMEOUT);
	x->flags = nfexp_get_attr_u32(e, ATTR_EXP_FLAGS);
	x->cls = nfexp_get_attr_u32(e, ATTR_EXP_CLASS);
	ctx_string(e, ATTR_EXP_HELPER_NAME, x->helper, sizeof(x->helper));
	ctx_string(e, ATTR_EXP_FN, x->fn, sizeof(x->fn));
	ctx_nat_from(e, x);
	return (0);
}

/* One tuple object set into e as attr; e keeps its own copy. */
static int
ctx_set_tuple(struct nf_expect *e, int attr, int family, uint8_t l4proto,
    const struct sync_tuple *t)
{
	struct nf_conntrack	*c;

	if ((c = nfct_new()) == NULL)
		return (-1);
	ctx_tuple_to(c, family, l4proto, t);
	nfexp_set_attr(e, attr, c);
	nfct_destroy(c);
	return (0);
}

static void
ctx_options_to(const struct sync_expect *x, struct nf_expect *e)
{
	nfexp_set_attr_u32(e, ATTR_EXP_TIMEOUT, x->timeout);
	nfexp_set_attr_u32(e, ATTR_EXP_FLAGS, x->flags);
	if (x->helper[0] != '\0') {
		/* the class is checked against the helper's, so only with it */
		nfexp_set_attr(e, ATTR_EXP_HELPER_NAME, x->helper);
		nfexp_set_attr_u32(e, ATTR_EXP_CLASS, x->cls);
	}
	if (x->fn[0] != '\0')
		nfexp_set_attr(e, ATTR_EXP_FN, x->fn);
}

int
ct_expect_to_nfexp(const struct sync_expect *x, struct nf_expect *e,
    int keyonly)
{
	if (ctx_set_tuple(e, ATTR_EXP_EXPECTED, x->family, x->exp_l4proto,
	    &x->tuple) == -1)
		return (-1);
	nfexp_set_attr_u16(e, ATTR_EXP_ZONE, x->zone);
	if (keyonly)
		return (0);
	if (ctx_set_tuple(e, ATTR_EXP_MASTER, x->family, x->l4proto,
	    &x->master) == -1 ||
	    ctx_set_tuple(e, ATTR_EXP_MASK, x->family, x->exp_l4proto,
	    &x->mask) == -1)
		return (-1);
	ctx_options_to(x, e);
	if (x->has_nat) {
		if (ctx_set_tuple(e, ATTR_EXP_NAT_TUPLE, x->family,
		    x->l4proto, &x->nat) == -1)
			return (-1);
		nfexp_set_attr_u8(e, ATTR_EXP_NAT_DIR, x->nat_dir);
	}
	return (0);
}
