/* The ruleset digest (syncd/ruleset_canon.c) without a kernel: the dump
 * messages are built here with libnftnl, as the kernel would send them
 * (ruleset_kern.c is the only part that talks to one), and the digest
 * must not care about their order, handles, counters, syncd's own table
 * or the numbering of anonymous sets, but must see a rule more or two
 * rules swapped. And the digest's trip in a heartbeat (proto/sync.c). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "proto/sync.h"
#include "syncd/queue.h"
#include "syncd/ruleset_canon.h"
#include "tests/unit/unit.h"

#define FAM	NFPROTO_INET

static char	 buf[65536];

static void
add(struct rs_canon *c, struct nlmsghdr *nlh)
{
	ck_assert_msg(rs_canon_add(c, nlh) == 0, "message type %#x refused",
	    nlh->nlmsg_type);
}

static void
table(struct rs_canon *c, const char *name, uint64_t handle, uint32_t use)
{
	struct nftnl_table	*t = nftnl_table_alloc();
	struct nlmsghdr		*nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nftnl_table_set_u64(t, NFTNL_TABLE_HANDLE, handle);
	nftnl_table_set_u32(t, NFTNL_TABLE_USE, use);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, FAM, 0, 1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	add(c, nlh);
}

static void
chain(struct rs_canon *c, const char *tbl, const char *name,
    uint64_t handle, uint64_t pkts)
{
	struct nftnl_chain	*ch = nftnl_chain_alloc();
	struct nlmsghdr		*nlh;

	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, tbl);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_set_u64(ch, NFTNL_CHAIN_HANDLE, handle);
	nftnl_chain_set_u64(ch, NFTNL_CHAIN_PACKETS, pkts);
	nftnl_chain_set_u64(ch, NFTNL_CHAIN_BYTES, pkts * 100);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWCHAIN, FAM, 0, 1);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	nftnl_chain_free(ch);
	add(c, nlh);
}

/* A rule: "meta l4proto PROTO [lookup @set] counter accept". */
static void
rule(struct rs_canon *c, const char *tbl, const char *ch, uint8_t proto,
    const char *set, uint64_t handle, uint64_t pkts)
{
	struct nftnl_rule	*r = nftnl_rule_alloc();
	struct nftnl_expr	*e;
	struct nlmsghdr		*nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, tbl);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, ch);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, FAM);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nftnl_rule_set_u64(r, NFTNL_RULE_POSITION, handle - 1);
	e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &proto, sizeof(proto));
	nftnl_rule_add_expr(r, e);
	if (set != NULL) {
		e = nftnl_expr_alloc("lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_rule_add_expr(r, e);
	}
	e = nftnl_expr_alloc("counter");
	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, pkts);
	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, pkts * 60);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	nftnl_rule_add_expr(r, e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, FAM, 0, 1);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	add(c, nlh);
}

static void
set(struct rs_canon *c, const char *tbl, const char *name, uint32_t flags,
    uint64_t handle)
{
	struct nftnl_set	*s = nftnl_set_alloc();
	struct nlmsghdr		*nlh;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, tbl);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 7);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u64(s, NFTNL_SET_HANDLE, handle);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSET, FAM, 0, 1);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	add(c, nlh);
}

/* The elements of a set, one message each: libnftnl numbers the nests
 * of several (1, 2, ...) where the kernel marks each NFTA_LIST_ELEM, so
 * that its parser takes only one of its own. */
static void
elems(struct rs_canon *c, const char *tbl, const char *name,
    const uint32_t *addr, size_t n, uint64_t expiration)
{
	struct nftnl_set	*s;
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s = nftnl_set_alloc();
		nftnl_set_set_str(s, NFTNL_SET_TABLE, tbl);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		e = nftnl_set_elem_alloc();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &addr[i], 4);
		if (expiration)
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_EXPIRATION,
			    expiration + i);
		nftnl_set_elem_add(s, e);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSETELEM, FAM, 0,
		    1);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		add(c, nlh);
	}
}

static const uint32_t	 addr_fwd[] = { 0x0a0200c0, 0x0b0200c0, 0x07643364 };
static const uint32_t	 addr_rev[] = { 0x07643364, 0x0b0200c0, 0x0a0200c0 };

#define V_SWAP		1	/* the input chain's two rules swapped */
#define V_ELEM_LESS	2	/* an element less in "trusted" */
#define V_RULE_MORE	4	/* a rule more in forward */

/* The reference ruleset, in the kernel's usual order, or a variant. */
static void
ruleset_v(struct rs_canon *c, int v)
{
	table(c, "filter", 1, 4);
	chain(c, "filter", "input", 1, 10);
	chain(c, "filter", "forward", 2, 0);
	set(c, "filter", "trusted", 0, 3);
	set(c, "filter", "__set0", NFT_SET_ANONYMOUS | NFT_SET_CONSTANT, 4);
	set(c, "filter", "meter", NFT_SET_EVAL, 5);
	elems(c, "filter", "trusted", addr_fwd, v & V_ELEM_LESS ? 2 : 3, 0);
	elems(c, "filter", "__set0", addr_fwd, 2, 0);
	elems(c, "filter", "meter", addr_fwd, 1, 0);
	if (v & V_SWAP)
		rule(c, "filter", "input", IPPROTO_UDP, "__set0", 7, 5);
	rule(c, "filter", "input", IPPROTO_TCP, "trusted", 6, 5);
	if (!(v & V_SWAP))
		rule(c, "filter", "input", IPPROTO_UDP, "__set0", 7, 5);
	rule(c, "filter", "forward", IPPROTO_ICMP, NULL, 8, 5);
	if (v & V_RULE_MORE)
		rule(c, "filter", "forward", IPPROTO_TCP, NULL, 9, 0);
}

static void
ruleset_a(struct rs_canon *c)
{
	ruleset_v(c, 0);
}

static void
digest(struct rs_canon *c, uint8_t *d)
{
	ck_assert_int_eq(rs_canon_digest(c, d), 0);
	rs_canon_free(c);
}

static void
digest_a(uint8_t *d)
{
	struct rs_canon	*c = rs_canon_new();

	ruleset_a(c);
	digest(c, d);
}

/* The same, another order, other handles, counters, anonymous set
 * number and dynamic set contents. */
START_TEST(order_handles_counters)
{
	struct rs_canon	*c = rs_canon_new();
	uint8_t		 a[RS_DIGEST_LEN], b[RS_DIGEST_LEN];
	const uint32_t	 other = 0x01020304;

	digest_a(a);
	rule(c, "filter", "forward", IPPROTO_ICMP, NULL, 108, 999);
	set(c, "filter", "meter", NFT_SET_EVAL, 105);
	elems(c, "filter", "meter", &other, 1, 0);
	set(c, "filter", "__set7", NFT_SET_ANONYMOUS | NFT_SET_CONSTANT, 104);
	elems(c, "filter", "__set7", addr_fwd, 2, 0);
	set(c, "filter", "trusted", 0, 103);
	elems(c, "filter", "trusted", addr_rev, 3, 0);
	rule(c, "filter", "input", IPPROTO_TCP, "trusted", 106, 12345);
	rule(c, "filter", "input", IPPROTO_UDP, "__set7", 107, 0);
	chain(c, "filter", "forward", 102, 77);
	chain(c, "filter", "input", 101, 0);
	table(c, "filter", 100, 9);
	digest(c, b);
	ck_assert_mem_eq(a, b, RS_DIGEST_LEN);
}
END_TEST

/* syncd's own defer table is left out. */
START_TEST(own_table_ignored)
{
	struct rs_canon	*c = rs_canon_new();
	uint8_t		 a[RS_DIGEST_LEN], b[RS_DIGEST_LEN];
	struct nftnl_table	*t = nftnl_table_alloc();
	struct nlmsghdr		*nlh;

	digest_a(a);
	ruleset_a(c);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "carp_syncd");
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, NFPROTO_IPV4, 0, 1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	add(c, nlh);
	digest(c, b);
	ck_assert_mem_eq(a, b, RS_DIGEST_LEN);
}
END_TEST

/* An empty table of family fam. */
static void
table_of(struct rs_canon *c, int fam, const char *name)
{
	struct nftnl_table	*t = nftnl_table_alloc();
	struct nlmsghdr		*nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, (uint16_t)fam, 0,
	    1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	add(c, nlh);
}

/* carpd's balancing tables (netdev and arp carp_bal_*, carpd/bal_nft.c)
 * are left out with their elements, which follow each node's share; an
 * ip table of that name is not. */
START_TEST(bal_tables_ignored)
{
	struct rs_canon		*c = rs_canon_new();
	uint8_t			 a[RS_DIGEST_LEN], b[RS_DIGEST_LEN];
	uint8_t			 mac[6] = { 0, 0, 0x5e, 0, 1, 1 };
	struct nftnl_set	*s = nftnl_set_alloc();
	struct nftnl_set_elem	*e = nftnl_set_elem_alloc();
	struct nlmsghdr		*nlh;

	digest_a(a);
	ruleset_a(c);
	table_of(c, NFPROTO_NETDEV, "carp_bal_lan");
	table_of(c, NFPROTO_ARP, "carp_bal_lan");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, "carp_bal_lan");
	nftnl_set_set_str(s, NFTNL_SET_NAME, "macs");
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, mac, sizeof(mac));
	nftnl_set_elem_add(s, e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSETELEM, NFPROTO_NETDEV,
	    0, 1);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	add(c, nlh);
	digest(c, b);
	ck_assert_mem_eq(a, b, RS_DIGEST_LEN);
	c = rs_canon_new();
	ruleset_a(c);
	table_of(c, NFPROTO_IPV4, "carp_bal_lan");
	digest(c, b);
	ck_assert_mem_ne(a, b, RS_DIGEST_LEN);
}
END_TEST

/* A rule more, two rules swapped, an element less: all differ. */
START_TEST(changes_seen)
{
	static const int	 v[] = { V_RULE_MORE, V_SWAP, V_ELEM_LESS };
	struct rs_canon		*c;
	uint8_t			 a[RS_DIGEST_LEN], b[RS_DIGEST_LEN];
	size_t			 i;

	digest_a(a);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		c = rs_canon_new();
		ruleset_v(c, v[i]);
		digest(c, b);
		ck_assert_msg(memcmp(a, b, RS_DIGEST_LEN) != 0,
		    "variant %d: the same digest", v[i]);
	}
}
END_TEST

/* Elements of a set with timeouts expire: left out, expirations too. */
START_TEST(timeout_elems_ignored)
{
	struct rs_canon	*c = rs_canon_new();
	uint8_t		 a[RS_DIGEST_LEN], b[RS_DIGEST_LEN];
	uint8_t		 fam;
	const char	*t, *n;

	table(c, "filter", 1, 0);
	set(c, "filter", "seen", NFT_SET_TIMEOUT, 2);
	elems(c, "filter", "seen", addr_fwd, 3, 5000);
	/* no element dump is asked for it */
	ck_assert_int_eq(rs_canon_set(c, 0, &fam, &t, &n), 0);
	digest(c, a);
	c = rs_canon_new();
	table(c, "filter", 1, 0);
	set(c, "filter", "seen", NFT_SET_TIMEOUT, 2);
	digest(c, b);
	ck_assert_mem_eq(a, b, RS_DIGEST_LEN);
}
END_TEST

/* The digest's first 16 bytes in a heartbeat, and none without. */
static int
roundtrip(const uint8_t *digest, size_t len, uint8_t *out)
{
	static uint8_t		 dg[MSG_MAXDGRAM];
	struct msg_queue	*q = msg_queue_new(1);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_dgram	*d = calloc(1, sizeof(*d));
	struct msg_hdr		 h;
	struct msg_ctl		 ctl;
	int			 rv;

	memset(&h, 0, sizeof(h));
	memset(&ctl, 0, sizeof(ctl));
	h.node = 1;
	ctl.heartbeat = 1;
	ctl.heartbeat_ms = 1000;
	ctl.ruleset_len = len;
	if (len > 0)
		memcpy(ctl.ruleset, digest, MSG_RULESET_LEN);
	ck_assert_int_eq(msg_build(q, &h, &ctl, dg, sizeof(dg), b), 0);
	ck_assert_int_eq(msg_decode(d, dg, b->len), 0);
	rv = msg_dgram_ruleset(d, out);
	msg_dgram_free(d);
	free(d);
	free(b);
	msg_queue_free(q);
	return (rv);
}

START_TEST(wire)
{
	uint8_t	 a[RS_DIGEST_LEN], out[MSG_RULESET_LEN];

	digest_a(a);
	ck_assert_int_eq(roundtrip(a, MSG_RULESET_LEN, out), 1);
	ck_assert_mem_eq(a, out, MSG_RULESET_LEN);
	/* an older peer: a heartbeat without: unknown, not "differs" */
	ck_assert_int_eq(roundtrip(a, 0, out), 0);
}
END_TEST

static Suite *
ruleset_suite(void)
{
	Suite	*s = suite_create("ruleset");
	TCase	*tc = tcase_create("canon");

	tcase_add_test(tc, order_handles_counters);
	tcase_add_test(tc, own_table_ignored);
	tcase_add_test(tc, bal_tables_ignored);
	tcase_add_test(tc, changes_seen);
	tcase_add_test(tc, timeout_elems_ignored);
	tcase_add_test(tc, wire);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(ruleset_suite()));
}
