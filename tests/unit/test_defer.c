/* defer_parse (syncd/defer.c): a queued packet is one of a connection's
 * first replies; the flow it belongs to is read in the original
 * direction (addresses and ports swapped). IPv4 (with and without
 * options) and IPv6, TCP/UDP/SCTP; truncated, mislabelled and ICMP
 * packets are refused. */
#include <arpa/inet.h>
#include <string.h>

#include <check.h>

#include "syncd/defer.h"
#include "tests/unit/unit.h"

/* The reply of 192.0.2.10:41001 -> 198.51.100.10:8080, i.e. a packet
 * from 198.51.100.10:8080 to 192.0.2.10:41001. */
#define CLI4	"192.0.2.10"
#define SRV4	"198.51.100.10"
#define CLI6	"2001:db8:1::10"
#define SRV6	"2001:db8:2::10"
#define CPORT	41001
#define SPORT	8080

static size_t
put_ports(uint8_t *l4, uint16_t src, uint16_t dst)
{
	l4[0] = (uint8_t)(src >> 8);
	l4[1] = (uint8_t)src;
	l4[2] = (uint8_t)(dst >> 8);
	l4[3] = (uint8_t)dst;
	return (20);	/* room for a TCP header; UDP's is 8 */
}

/* IPv4 reply packet with optlen bytes of options; the length. */
static size_t
v4_reply(uint8_t *p, uint8_t proto, size_t optlen)
{
	size_t	 hl = 20 + optlen, len;

	memset(p, 0, 128);
	p[0] = (uint8_t)(0x40 | (hl / 4));
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, SRV4, p + 12);
	inet_pton(AF_INET, CLI4, p + 16);
	if (optlen > 0)
		memset(p + 20, 1, optlen);	/* NOPs */
	len = hl + put_ports(p + hl, SPORT, CPORT);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return (len);
}

static size_t
v6_reply(uint8_t *p, uint8_t nxt)
{
	memset(p, 0, 128);
	p[0] = 0x60;
	p[5] = 20;
	p[6] = nxt;
	p[7] = 64;
	inet_pton(AF_INET6, SRV6, p + 8);
	inet_pton(AF_INET6, CLI6, p + 24);
	return (40 + put_ports(p + 40, SPORT, CPORT));
}

static void
check_flow4(const struct defer_flow *f, uint8_t proto)
{
	struct in_addr	 cli, srv;

	inet_pton(AF_INET, CLI4, &cli);
	inet_pton(AF_INET, SRV4, &srv);
	ck_assert_int_eq(f->family, AF_INET);
	ck_assert_uint_eq(f->l4proto, proto);
	ck_assert_uint_eq(f->src.v4.s_addr, cli.s_addr);
	ck_assert_uint_eq(f->dst.v4.s_addr, srv.s_addr);
	ck_assert_uint_eq(f->sport, CPORT);
	ck_assert_uint_eq(f->dport, SPORT);
}

static void
check_flow6(const struct defer_flow *f, uint8_t proto)
{
	struct in6_addr	 cli, srv;

	inet_pton(AF_INET6, CLI6, &cli);
	inet_pton(AF_INET6, SRV6, &srv);
	ck_assert_int_eq(f->family, AF_INET6);
	ck_assert_uint_eq(f->l4proto, proto);
	ck_assert_mem_eq(&f->src.v6, &cli, 16);
	ck_assert_mem_eq(&f->dst.v6, &srv, 16);
	ck_assert_uint_eq(f->sport, CPORT);
	ck_assert_uint_eq(f->dport, SPORT);
}

START_TEST(test_v4_tcp_udp)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 len;

	len = v4_reply(p, IPPROTO_TCP, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_TCP);
	len = v4_reply(p, IPPROTO_UDP, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_UDP);
	len = v4_reply(p, IPPROTO_SCTP, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_SCTP);
	/* only the headers are copied to syncd: the ports are enough */
	len = v4_reply(p, IPPROTO_TCP, 0);
	ck_assert_int_eq(defer_parse(p, 24, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_TCP);
}
END_TEST

/* Options move the L4 header: the ports are read after them. */
START_TEST(test_v4_options)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 len;

	len = v4_reply(p, IPPROTO_TCP, 12);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_TCP);
	len = v4_reply(p, IPPROTO_UDP, 40);	/* the maximum, IHL 15 */
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), 0);
	check_flow4(&f, IPPROTO_UDP);
}
END_TEST

START_TEST(test_v6_tcp_udp)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 len;

	len = v6_reply(p, IPPROTO_TCP);
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), 0);
	check_flow6(&f, IPPROTO_TCP);
	len = v6_reply(p, IPPROTO_UDP);
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), 0);
	check_flow6(&f, IPPROTO_UDP);
	ck_assert_int_eq(defer_parse(p, 44, AF_INET6, &f), 0);
	check_flow6(&f, IPPROTO_UDP);
}
END_TEST

START_TEST(test_truncated)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 n;

	v4_reply(p, IPPROTO_TCP, 0);
	/* every length short of IP header + 4 port bytes is refused */
	for (n = 0; n < 24; n++)
		ck_assert_int_eq(defer_parse(p, n, AF_INET, &f), -1);
	v4_reply(p, IPPROTO_TCP, 12);
	for (n = 0; n < 36; n++)
		ck_assert_int_eq(defer_parse(p, n, AF_INET, &f), -1);
	v6_reply(p, IPPROTO_TCP);
	for (n = 0; n < 44; n++)
		ck_assert_int_eq(defer_parse(p, n, AF_INET6, &f), -1);
	ck_assert_int_eq(defer_parse(p, 44, AF_INET6, &f), 0);
}
END_TEST

START_TEST(test_odd_headers)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 len;

	/* IHL below 5 */
	len = v4_reply(p, IPPROTO_TCP, 0);
	p[0] = 0x44;
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
	p[0] = 0x40;
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
	/* IHL past the end of what we have */
	p[0] = 0x4f;
	ck_assert_int_eq(defer_parse(p, 40, AF_INET, &f), -1);
	/* wrong version for the family, both ways */
	len = v4_reply(p, IPPROTO_TCP, 0);
	p[0] = 0x65;
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
	len = v4_reply(p, IPPROTO_TCP, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), -1);
	len = v6_reply(p, IPPROTO_TCP);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
	/* a family we do not know */
	ck_assert_int_eq(defer_parse(p, len, AF_UNSPEC, &f), -1);
	ck_assert_int_eq(defer_parse(p, len, AF_PACKET, &f), -1);
	/* extension headers are passed, not parsed */
	len = v6_reply(p, 0);			/* hop-by-hop */
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), -1);
	len = v6_reply(p, 44);			/* fragment */
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), -1);
	/* a protocol without ports */
	len = v4_reply(p, IPPROTO_GRE, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
}
END_TEST

START_TEST(test_icmp)
{
	uint8_t			 p[128];
	struct defer_flow	 f;
	size_t			 len;

	len = v4_reply(p, IPPROTO_ICMP, 0);
	ck_assert_int_eq(defer_parse(p, len, AF_INET, &f), -1);
	len = v6_reply(p, IPPROTO_ICMPV6);
	ck_assert_int_eq(defer_parse(p, len, AF_INET6, &f), -1);
}
END_TEST

static Suite *
defer_suite(void)
{
	Suite	*s = suite_create("defer");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_v4_tcp_udp);
	tcase_add_test(tc, test_v4_options);
	tcase_add_test(tc, test_v6_tcp_udp);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_odd_headers);
	tcase_add_test(tc, test_icmp);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(defer_suite()));
}
