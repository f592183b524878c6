/* ct.c conversions without the kernel: states built the way the library
 * hands them to us from a netlink message, converted to struct sync_state
 * and back, must come out identical (memcmp), and the ignore list must
 * match what it says. No root needed. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_dccp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "syncd/ct.h"
#include "syncd/ct_var.h"
#include "tests/unit/unit.h"

static void
a4(struct nf_conntrack *c, int attr, const char *s)
{
	struct in_addr	 a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	nfct_set_attr_u32(c, attr, a.s_addr);
}

static void
a6(struct nf_conntrack *c, int attr, const char *s)
{
	struct in6_addr	 a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	nfct_set_attr(c, attr, &a);
}

static union sync_addr
sa(const char *s)
{
	union sync_addr	 a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s,
	    &a), 1);
	return (a);
}

/* A kernel-like entry: both tuples, ports, status, mark, timeout. */
static struct nf_conntrack *
mk(int family, int proto, const char *os, const char *od, uint16_t sp,
    uint16_t dp, const char *rs, const char *rd, uint16_t rsp, uint16_t rdp)
{
	struct nf_conntrack	*c = nfct_new();

	ck_assert_ptr_nonnull(c);
	nfct_set_attr_u8(c, ATTR_L3PROTO, family);
	nfct_set_attr_u8(c, ATTR_L4PROTO, proto);
	nfct_set_attr_u8(c, ATTR_REPL_L3PROTO, family);
	nfct_set_attr_u8(c, ATTR_REPL_L4PROTO, proto);
	if (family == AF_INET) {
		a4(c, ATTR_ORIG_IPV4_SRC, os);
		a4(c, ATTR_ORIG_IPV4_DST, od);
		a4(c, ATTR_REPL_IPV4_SRC, rs);
		a4(c, ATTR_REPL_IPV4_DST, rd);
	} else {
		a6(c, ATTR_ORIG_IPV6_SRC, os);
		a6(c, ATTR_ORIG_IPV6_DST, od);
		a6(c, ATTR_REPL_IPV6_SRC, rs);
		a6(c, ATTR_REPL_IPV6_DST, rd);
	}
	if (proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6) {
		nfct_set_attr_u16(c, ATTR_ORIG_PORT_SRC, htons(sp));
		nfct_set_attr_u16(c, ATTR_ORIG_PORT_DST, htons(dp));
		nfct_set_attr_u16(c, ATTR_REPL_PORT_SRC, htons(rsp));
		nfct_set_attr_u16(c, ATTR_REPL_PORT_DST, htons(rdp));
	}
	nfct_set_attr_u32(c, ATTR_STATUS, IPS_CONFIRMED | IPS_SEEN_REPLY |
	    IPS_ASSURED);
	nfct_set_attr_u32(c, ATTR_MARK, 0x2a);
	nfct_set_attr_u32(c, ATTR_TIMEOUT, 431999);
	return (c);
}

/* nf_conntrack -> sync_state -> nf_conntrack -> sync_state, equal. */
static struct sync_state
round_trip(struct nf_conntrack *c, int flags)
{
	struct sync_state	 s1, s2;
	struct nf_conntrack	*c2 = nfct_new();

	ck_assert_int_eq(ct_from_nfct(c, &s1), 0);
	ck_assert_int_eq(ct_to_nfct(&s1, c2, flags), 0);
	ck_assert_int_eq(ct_from_nfct(c2, &s2), 0);
	ck_assert_msg(memcmp(&s1, &s2, sizeof(s1)) == 0, "round trip differs");
	ck_assert(sync_state_key_equal(&s1, &s2));
	nfct_destroy(c2);
	nfct_destroy(c);
	return (s1);
}

START_TEST(test_tcp_established)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.7", 40000, 443,
	    "198.51.100.7", "192.0.2.1", 443, 40000);
	nfct_set_attr_u8(c, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	nfct_set_attr_u8(c, ATTR_TCP_WSCALE_ORIG, 7);
	nfct_set_attr_u8(c, ATTR_TCP_WSCALE_REPL, 9);
	/* window tracking flags (0x30) are not ours to carry */
	nfct_set_attr_u8(c, ATTR_TCP_FLAGS_ORIG, IP_CT_TCP_FLAG_WINDOW_SCALE |
	    IP_CT_TCP_FLAG_SACK_PERM | 0x30);
	nfct_set_attr_u8(c, ATTR_TCP_FLAGS_REPL, IP_CT_TCP_FLAG_WINDOW_SCALE);
	nfct_set_attr_u16(c, ATTR_ZONE, 3);
	s = round_trip(c, 0);
	ck_assert_int_eq(s.family, AF_INET);
	ck_assert_int_eq(s.l4proto, IPPROTO_TCP);
	ck_assert_int_eq(s.zone, 3);
	ck_assert_uint_eq(s.orig.src.v4.s_addr, sa("192.0.2.1").v4.s_addr);
	ck_assert_uint_eq(s.orig.dst.v4.s_addr, sa("198.51.100.7").v4.s_addr);
	ck_assert_uint_eq(s.orig.sport, 40000);
	ck_assert_uint_eq(s.orig.dport, 443);
	ck_assert_uint_eq(s.reply.sport, 443);
	ck_assert_uint_eq(s.reply.dport, 40000);
	ck_assert_uint_eq(s.status, IPS_CONFIRMED | IPS_SEEN_REPLY |
	    IPS_ASSURED);
	ck_assert_uint_eq(s.mark, 0x2a);
	ck_assert_uint_eq(s.timeout, 431999);
	ck_assert_uint_eq(s.tcp_state, TCP_CONNTRACK_ESTABLISHED);
	ck_assert_uint_eq(s.tcp_wscale_orig, 7);
	ck_assert_uint_eq(s.tcp_wscale_repl, 9);
	ck_assert_uint_eq(s.tcp_flags_orig, IP_CT_TCP_FLAG_WINDOW_SCALE |
	    IP_CT_TCP_FLAG_SACK_PERM);
	ck_assert_uint_eq(s.tcp_flags_repl, IP_CT_TCP_FLAG_WINDOW_SCALE);
	ck_assert_int_eq(s.has_labels, 0);
	ck_assert_str_eq(s.helper, "");
}
END_TEST

START_TEST(test_udp_labels_helper)
{
	struct nf_conntrack	*c;
	struct nfct_bitmask	*b;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_UDP, "192.0.2.1", "203.0.113.9", 5060, 5060,
	    "203.0.113.9", "192.0.2.1", 5060, 5060);
	b = nfct_bitmask_new(127);
	nfct_bitmask_set_bit(b, 0);
	nfct_bitmask_set_bit(b, 77);
	nfct_bitmask_set_bit(b, 127);
	nfct_set_attr(c, ATTR_CONNLABELS, b);
	nfct_set_attr(c, ATTR_HELPER_NAME, "sip");
	s = round_trip(c, 0);
	ck_assert_int_eq(s.l4proto, IPPROTO_UDP);
	ck_assert_uint_eq(s.orig.sport, 5060);
	ck_assert_int_eq(s.has_labels, 1);
	ck_assert_uint_eq(s.labels[0], 0x01);
	ck_assert_uint_eq(s.labels[9], 1 << 5);
	ck_assert_uint_eq(s.labels[15], 0x80);
	ck_assert_str_eq(s.helper, "sip");
}
END_TEST

static int
reply_is_inverse(const struct sync_state *s)
{
	struct sync_tuple	 inv;

	sync_tuple_invert(s->l4proto, &s->orig, &inv);
	return (memcmp(&inv, &s->reply, sizeof(inv)) == 0);
}

START_TEST(test_icmp)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_ICMP, "192.0.2.1", "198.51.100.1", 0, 0,
	    "198.51.100.1", "192.0.2.1", 0, 0);
	nfct_set_attr_u8(c, ATTR_ICMP_TYPE, 8);
	nfct_set_attr_u8(c, ATTR_ICMP_CODE, 0);
	nfct_set_attr_u16(c, ATTR_ICMP_ID, htons(0x1234));
	s = round_trip(c, 0);
	ck_assert_uint_eq(s.orig.icmp_type, 8);
	ck_assert_uint_eq(s.orig.icmp_id, 0x1234);
	ck_assert_uint_eq(s.reply.icmp_type, 0);
	ck_assert_uint_eq(s.reply.icmp_id, 0x1234);
	ck_assert_uint_eq(s.orig.sport, 0);	/* the codec rebuilds exactly this reply when it is left out */
	ck_assert(reply_is_inverse(&s));
}
END_TEST

START_TEST(test_icmpv6)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;
	union sync_addr		 a = sa("2001:db8::1");

	c = mk(AF_INET6, IPPROTO_ICMPV6, "2001:db8::1", "2001:db8:1::2", 0, 0,
	    "2001:db8:1::2", "2001:db8::1", 0, 0);
	nfct_set_attr_u8(c, ATTR_ICMP_TYPE, 128);
	nfct_set_attr_u8(c, ATTR_ICMP_CODE, 0);
	nfct_set_attr_u16(c, ATTR_ICMP_ID, htons(77));
	s = round_trip(c, 0);
	ck_assert_int_eq(s.family, AF_INET6);
	ck_assert(memcmp(&s.orig.src, &a, 16) == 0);
	ck_assert(memcmp(&s.reply.dst, &a, 16) == 0);
	ck_assert_uint_eq(s.orig.icmp_type, 128);
	ck_assert_uint_eq(s.reply.icmp_type, 129);
	ck_assert_uint_eq(s.reply.icmp_id, 77);	/* the codec rebuilds exactly this reply when it is left out */
	ck_assert(reply_is_inverse(&s));
}
END_TEST

START_TEST(test_tcp6)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;
	union sync_addr		 a = sa("2001:db8:1::2");

	c = mk(AF_INET6, IPPROTO_TCP, "2001:db8::1", "2001:db8:1::2", 1234,
	    22, "2001:db8:1::2", "2001:db8::1", 22, 1234);
	nfct_set_attr_u8(c, ATTR_TCP_STATE, TCP_CONNTRACK_SYN_SENT);
	s = round_trip(c, 0);
	ck_assert(memcmp(&s.orig.dst, &a, 16) == 0);
	ck_assert(memcmp(&s.reply.src, &a, 16) == 0);
	ck_assert_uint_eq(s.tcp_state, TCP_CONNTRACK_SYN_SENT);
	ck_assert_uint_eq(s.reply.sport, 22);
}
END_TEST

START_TEST(test_sctp)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_SCTP, "192.0.2.1", "198.51.100.1", 2905, 2905,
	    "198.51.100.1", "192.0.2.1", 2905, 2905);
	nfct_set_attr_u8(c, ATTR_SCTP_STATE, 3);
	nfct_set_attr_u32(c, ATTR_SCTP_VTAG_ORIG, 0xdeadbeef);
	nfct_set_attr_u32(c, ATTR_SCTP_VTAG_REPL, 0x01020304);
	s = round_trip(c, 0);
	ck_assert_uint_eq(s.sctp_state, 3);
	ck_assert_uint_eq(s.sctp_vtag_orig, 0xdeadbeef);
	ck_assert_uint_eq(s.sctp_vtag_repl, 0x01020304);
}
END_TEST

START_TEST(test_dccp)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_DCCP, "192.0.2.1", "198.51.100.1", 5001, 5002,
	    "198.51.100.1", "192.0.2.1", 5002, 5001);
	nfct_set_attr_u8(c, ATTR_DCCP_STATE, DCCP_CONNTRACK_OPEN);
	s = round_trip(c, 0);
	ck_assert_uint_eq(s.dccp_state, DCCP_CONNTRACK_OPEN);
}
END_TEST

/* SNAT: 192.0.2.10:40000 leaves as 203.0.113.1:61000. The binding the
 * kernel gets on apply is the reply's destination. */
START_TEST(test_snat)
{
	struct nf_conntrack	*c, *c2;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_TCP, "192.0.2.10", "198.51.100.7", 40000, 80,
	    "198.51.100.7", "203.0.113.1", 80, 61000);
	nfct_set_attr_u32(c, ATTR_STATUS, IPS_CONFIRMED | IPS_SRC_NAT |
	    IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE | IPS_SEEN_REPLY);
	nfct_set_attr_u8(c, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	s = round_trip(c, 0);
	ck_assert_uint_eq(s.reply.dport, 61000);
	ck_assert_uint_eq(ct_apply_status(s.status), IPS_SEEN_REPLY);

	c2 = nfct_new();
	ck_assert_int_eq(ct_to_nfct(&s, c2, CT_NFCT_NAT), 0);
	ck_assert(nfct_attr_is_set(c2, ATTR_SNAT_IPV4));
	ck_assert_uint_eq(nfct_get_attr_u32(c2, ATTR_SNAT_IPV4),
	    sa("203.0.113.1").v4.s_addr);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c2, ATTR_SNAT_PORT)), 61000);
	ck_assert(!nfct_attr_is_set(c2, ATTR_DNAT_IPV4));
	/* the reply tuple goes un-NATed: the kernel NATs it itself */
	ck_assert_uint_eq(nfct_get_attr_u32(c2, ATTR_REPL_IPV4_DST),
	    sa("192.0.2.10").v4.s_addr);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c2, ATTR_REPL_PORT_DST)),
	    40000);
	ck_assert_uint_eq(nfct_get_attr_u32(c2, ATTR_REPL_IPV4_SRC),
	    sa("198.51.100.7").v4.s_addr);
	nfct_destroy(c2);

	/* without the flag, no binding */
	c2 = nfct_new();
	ck_assert_int_eq(ct_to_nfct(&s, c2, 0), 0);
	ck_assert(!nfct_attr_is_set(c2, ATTR_SNAT_IPV4));
	nfct_destroy(c2);
}
END_TEST

/* DNAT: 198.51.100.7 -> 203.0.113.80:80 is forwarded to 192.0.2.20:8080. */
START_TEST(test_dnat)
{
	struct nf_conntrack	*c, *c2;
	struct sync_state	 s;

	c = mk(AF_INET, IPPROTO_TCP, "198.51.100.7", "203.0.113.80", 50000, 80,
	    "192.0.2.20", "198.51.100.7", 8080, 50000);
	nfct_set_attr_u32(c, ATTR_STATUS, IPS_CONFIRMED | IPS_DST_NAT |
	    IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE);
	s = round_trip(c, 0);
	c2 = nfct_new();
	ck_assert_int_eq(ct_to_nfct(&s, c2, CT_NFCT_NAT), 0);
	ck_assert(!nfct_attr_is_set(c2, ATTR_SNAT_IPV4));
	ck_assert_uint_eq(nfct_get_attr_u32(c2, ATTR_DNAT_IPV4),
	    sa("192.0.2.20").v4.s_addr);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c2, ATTR_DNAT_PORT)), 8080);
	ck_assert_uint_eq(nfct_get_attr_u32(c2, ATTR_REPL_IPV4_SRC),
	    sa("203.0.113.80").v4.s_addr);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c2, ATTR_REPL_PORT_SRC)),
	    80);
	nfct_destroy(c2);
}
END_TEST

START_TEST(test_snat6)
{
	struct nf_conntrack	*c, *c2;
	struct sync_state	 s;
	union sync_addr		 a = sa("2001:db8:ff::1");

	c = mk(AF_INET6, IPPROTO_UDP, "2001:db8::10", "2001:db8:1::53", 3333,
	    53, "2001:db8:1::53", "2001:db8:ff::1", 53, 3333);
	nfct_set_attr_u32(c, ATTR_STATUS, IPS_CONFIRMED | IPS_SRC_NAT);
	s = round_trip(c, 0);
	c2 = nfct_new();
	ck_assert_int_eq(ct_to_nfct(&s, c2, CT_NFCT_NAT), 0);
	ck_assert(memcmp(nfct_get_attr(c2, ATTR_SNAT_IPV6), &a, 16) == 0);
	nfct_destroy(c2);
}
END_TEST

START_TEST(test_not_ip)
{
	struct nf_conntrack	*c = nfct_new();
	struct sync_state	 s;

	ck_assert_int_eq(ct_from_nfct(c, &s), -1);
	nfct_set_attr_u8(c, ATTR_L3PROTO, AF_BRIDGE);
	nfct_set_attr_u8(c, ATTR_L4PROTO, IPPROTO_TCP);
	ck_assert_int_eq(ct_from_nfct(c, &s), -1);
	nfct_destroy(c);
	memset(&s, 0, sizeof(s));
	c = nfct_new();
	ck_assert_int_eq(ct_to_nfct(&s, c, 0), -1);
	nfct_destroy(c);
}
END_TEST

static struct ct_prefix
pfx(const char *s, int plen)
{
	struct ct_prefix	 p;

	memset(&p, 0, sizeof(p));
	p.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	p.plen = (uint8_t)plen;
	p.addr = sa(s);
	return (p);
}

START_TEST(test_prefix_match)
{
	struct ct_prefix	 p = pfx("203.0.113.0", 24);
	struct ct_prefix	 q = pfx("198.51.100.128", 25);
	struct ct_prefix	 h = pfx("2001:db8::2", 128);
	struct ct_prefix	 z = pfx("2001:db8::", 36);
	union sync_addr		 a;

	a = sa("203.0.113.77");
	ck_assert(ct_prefix_match(&p, AF_INET, &a));
	ck_assert(!ct_prefix_match(&p, AF_INET6, &a));
	a = sa("203.0.114.1");
	ck_assert(!ct_prefix_match(&p, AF_INET, &a));
	a = sa("198.51.100.200");
	ck_assert(ct_prefix_match(&q, AF_INET, &a));
	a = sa("198.51.100.127");
	ck_assert(!ct_prefix_match(&q, AF_INET, &a));
	a = sa("2001:db8::2");
	ck_assert(ct_prefix_match(&h, AF_INET6, &a));
	ck_assert(ct_prefix_match(&z, AF_INET6, &a));
	a = sa("2001:db8::3");
	ck_assert(!ct_prefix_match(&h, AF_INET6, &a));
	a = sa("2001:db7::2");
	ck_assert(!ct_prefix_match(&z, AF_INET6, &a));
	a = sa("2001:db8:fff::2");
	ck_assert(ct_prefix_match(&z, AF_INET6, &a));
	a = sa("2001:db8:1000::2");	/* bit 35 set */
	ck_assert(!ct_prefix_match(&z, AF_INET6, &a));
	p.plen = 0;
	ck_assert(!ct_prefix_match(&p, AF_INET6, &a));	/* family */
	a = sa("192.0.2.1");
	ck_assert(ct_prefix_match(&p, AF_INET, &a));
}
END_TEST

static struct sync_state
st(const char *os, const char *od, const char *rs, const char *rd)
{
	struct sync_state	 s;

	memset(&s, 0, sizeof(s));
	s.family = strchr(os, ':') ? AF_INET6 : AF_INET;
	s.l4proto = IPPROTO_UDP;
	s.orig.src = sa(os);
	s.orig.dst = sa(od);
	s.reply.src = sa(rs);
	s.reply.dst = sa(rd);
	return (s);
}

START_TEST(test_ignored)
{
	struct ct_prefix	 ig[2];
	struct sync_state	 s;

	ig[0] = pfx("203.0.113.0", 24);		/* sync subnet */
	ig[1] = pfx("2001:db8:5::1", 128);	/* sync peer */
	ck_assert_int_eq(ct_set_ignore(ig, 2), 0);

	s = st("192.0.2.1", "198.51.100.1", "198.51.100.1", "192.0.2.1");
	ck_assert(!ct_ignored(&s));
	s = st("203.0.113.2", "198.51.100.1", "198.51.100.1", "203.0.113.2");
	ck_assert(ct_ignored(&s));
	s = st("192.0.2.1", "203.0.113.5", "203.0.113.5", "192.0.2.1");
	ck_assert(ct_ignored(&s));
	/* SNAT to an ignored address shows only in the reply tuple */
	s = st("192.0.2.1", "198.51.100.1", "198.51.100.1", "203.0.113.1");
	ck_assert(ct_ignored(&s));
	s = st("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1");
	ck_assert(ct_ignored(&s));
	s = st("::1", "::1", "::1", "::1");
	ck_assert(ct_ignored(&s));
	s = st("2001:db8:5::1", "2001:db8::9", "2001:db8::9", "2001:db8:5::1");
	ck_assert(ct_ignored(&s));
	s = st("2001:db8:5::2", "2001:db8::9", "2001:db8::9", "2001:db8:5::2");
	ck_assert(!ct_ignored(&s));

	ck_assert_int_eq(ct_set_ignore(NULL, 0), 0);
	s = st("203.0.113.2", "198.51.100.1", "198.51.100.1", "203.0.113.2");
	ck_assert(!ct_ignored(&s));
}
END_TEST

START_TEST(test_apply_status)
{
	ck_assert_uint_eq(ct_apply_status(IPS_CONFIRMED | IPS_DYING |
	    IPS_EXPECTED | IPS_SRC_NAT | IPS_DST_NAT_DONE | IPS_OFFLOAD), 0);
	ck_assert_uint_eq(ct_apply_status(IPS_ASSURED | IPS_SEEN_REPLY |
	    IPS_CONFIRMED), IPS_ASSURED | IPS_SEEN_REPLY);
}
END_TEST

/* ct_get_reply's request names the entry by its reply tuple alone
 * (nfct_nlmsg_build refuses that): what the kernel reads back from it. */
START_TEST(test_reply_key)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg		*nfg;
	struct nf_conntrack	*c;
	struct sync_state	 s;
	struct in_addr		 a;

	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.l4proto = IPPROTO_TCP;
	s.zone = 7;
	inet_pton(AF_INET, "198.51.100.10", &s.reply.src.v4);
	inet_pton(AF_INET, "198.51.100.100", &s.reply.dst.v4);
	s.reply.sport = 8080;
	s.reply.dport = 1024;
	ct_reply_key_put(nlh, &s);
	ck_assert_ptr_nonnull(c = nfct_new());
	ck_assert_int_eq(nfct_nlmsg_parse(nlh, c), 0);
	ck_assert(!nfct_attr_is_set(c, ATTR_ORIG_IPV4_SRC));
	inet_pton(AF_INET, "198.51.100.10", &a);
	ck_assert_uint_eq(nfct_get_attr_u32(c, ATTR_REPL_IPV4_SRC), a.s_addr);
	inet_pton(AF_INET, "198.51.100.100", &a);
	ck_assert_uint_eq(nfct_get_attr_u32(c, ATTR_REPL_IPV4_DST), a.s_addr);
	ck_assert_uint_eq(nfct_get_attr_u8(c, ATTR_REPL_L4PROTO), IPPROTO_TCP);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c, ATTR_REPL_PORT_SRC)), 8080);
	ck_assert_uint_eq(ntohs(nfct_get_attr_u16(c, ATTR_REPL_PORT_DST)), 1024);
	ck_assert_uint_eq(nfct_get_attr_u16(c, ATTR_ZONE), 7);
	nfct_destroy(c);
}
END_TEST

static Suite *
ct_suite(void)
{
	Suite	*s = suite_create("ct");
	TCase	*tc = tcase_create("convert");

	tcase_add_test(tc, test_tcp_established);
	tcase_add_test(tc, test_udp_labels_helper);
	tcase_add_test(tc, test_icmp);
	tcase_add_test(tc, test_icmpv6);
	tcase_add_test(tc, test_tcp6);
	tcase_add_test(tc, test_sctp);
	tcase_add_test(tc, test_dccp);
	tcase_add_test(tc, test_snat);
	tcase_add_test(tc, test_dnat);
	tcase_add_test(tc, test_snat6);
	tcase_add_test(tc, test_not_ip);
	suite_add_tcase(s, tc);
	tc = tcase_create("ignore");
	tcase_add_test(tc, test_prefix_match);
	tcase_add_test(tc, test_ignored);
	tcase_add_test(tc, test_apply_status);
	tcase_add_test(tc, test_reply_key);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(ct_suite()));
}
