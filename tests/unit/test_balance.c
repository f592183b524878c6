/* carpd/balance.c: the balancing hash must spread hosts over the nodes,
 * give every node the same answer, and send a reply where its request
 * went. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "carpd/balance.h"
#include "tests/unit/unit.h"

/* 16 hosts 192.0.2.1 .. 192.0.2.16 talking to 198.51.100.7, two nodes:
 * both get a real share (OpenBSD's fold splits them evenly). */
START_TEST(test_ip4_distribution)
{
	uint8_t		 src[4] = { 192, 0, 2, 0 }, dst[4] = { 198, 51, 100, 7 };
	unsigned int	 count[2] = { 0, 0 }, i;

	for (i = 1; i <= 16; i++) {
		src[3] = (uint8_t)i;
		count[balance_ip_index(src, dst, 4, 2)]++;
	}
	ck_assert_uint_eq(count[0], 8);
	ck_assert_uint_eq(count[1], 8);
}
END_TEST

/* Fixed answers: a change of the hash would split a running cluster of
 * old and new versions, so these values are part of the protocol. */
START_TEST(test_ip4_stable)
{
	uint8_t	 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 6 };

	/* 1 ^ 6 = 7: 7 % 2 = 1, 7 % 3 = 1, 7 % 4 = 3 */
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 2), 1);
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 3), 1);
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 4), 3);
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 1), 0);
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 0), 0);
}
END_TEST

START_TEST(test_ip_symmetric)
{
	uint8_t		 s4[4] = { 203, 0, 113, 9 }, d4[4] = { 192, 0, 2, 77 };
	uint8_t		 s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x21 };
	uint8_t		 d6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x05 };
	unsigned int	 n;

	for (n = 1; n <= BALANCE_MAXNODES; n++) {
		ck_assert_uint_eq(balance_ip_index(s4, d4, 4, n),
		    balance_ip_index(d4, s4, 4, n));
		ck_assert_uint_eq(balance_ip_index(s6, d6, 16, n),
		    balance_ip_index(d6, s6, 16, n));
	}
}
END_TEST

/* IPv6 as IPv4: the last byte of each address, whatever the rest (the
 * kernel filter sees only those two bytes). */
START_TEST(test_ip6)
{
	uint8_t		 src[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t		 dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	unsigned int	 count[3] = { 0, 0, 0 }, i;

	/* 0x01 ^ 0x01 = 0, and the high words do not count */
	src[15] = 1;
	src[7] = 0x55;
	ck_assert_uint_eq(balance_ip_index(src, dst, 16, 3), 0);
	for (i = 0; i < 15; i++) {
		src[15] = (uint8_t)(0x10 + i);
		count[balance_ip_index(src, dst, 16, 3)]++;
	}
	/* 0x10 .. 0x1f but 0x1e: 4, 6 and 5 */
	ck_assert_uint_eq(count[0], 4);
	ck_assert_uint_eq(count[1], 6);
	ck_assert_uint_eq(count[2], 5);
}
END_TEST

/* The last byte only: two flows whose addresses differ elsewhere but end
 * alike land on the same slot (the nft pair set depends on it). */
START_TEST(test_ip_last_byte)
{
	uint8_t	 a[4] = { 192, 0, 2, 9 }, b[4] = { 198, 51, 100, 20 };
	uint8_t	 c[4] = { 203, 0, 113, 9 }, d[4] = { 192, 0, 2, 20 };
	unsigned int n;

	for (n = 2; n <= 5; n++)
		ck_assert_uint_eq(balance_ip_index(a, b, 4, n),
		    balance_ip_index(c, d, 4, n));
	/* 9 ^ 20 = 29: 29 % 2 = 1, 29 % 3 = 2 */
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 2), 1);
	ck_assert_uint_eq(balance_ip_index(a, b, 4, 3), 2);
}
END_TEST

START_TEST(test_mac)
{
	uint8_t	 m[6];

	balance_mac(0, 7, m);
	ck_assert_mem_eq(m, "\x00\x00\x5e\x00\x01\x07", 6);
	balance_mac(1, 200, m);
	ck_assert_mem_eq(m, "\x01\x00\x5e\x00\x01\xc8", 6);
}
END_TEST

/* ARP: 16 requesters whose MACs differ only in the last byte, as on a
 * LAN of one vendor's cards, over 2 and 3 nodes: no node idle, none
 * carrying nearly all. */
START_TEST(test_arp_distribution)
{
	uint8_t		 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0 };
	unsigned int	 c2[2] = { 0, 0 }, c3[3] = { 0, 0, 0 }, i;

	for (i = 0; i < 16; i++) {
		mac[5] = (uint8_t)(0x10 + i);
		c2[balance_arp_index(mac, 6, 2)]++;
		c3[balance_arp_index(mac, 6, 3)]++;
	}
	ck_assert_uint_ge(c2[0], 5);
	ck_assert_uint_ge(c2[1], 5);
	ck_assert_uint_ge(c3[0], 2);
	ck_assert_uint_ge(c3[1], 2);
	ck_assert_uint_ge(c3[2], 2);
}
END_TEST

/* Same bytes, same answer, on every call and every host: the expected
 * value is fixed here, so a big-endian build checks the little-endian
 * one's answer. */
START_TEST(test_arp_stable)
{
	const uint8_t	 mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x01 };
	unsigned int	 a = balance_arp_index(mac, 6, 7);

	ck_assert_uint_eq(a, balance_arp_index(mac, 6, 7));
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(balance_arp_index(mac, 6, 0), 0);
}
END_TEST

START_TEST(test_mine)
{
	ck_assert_int_eq(balance_mine(0x5, 0), 1);
	ck_assert_int_eq(balance_mine(0x5, 1), 0);
	ck_assert_int_eq(balance_mine(0x5, 2), 1);
	ck_assert_int_eq(balance_mine(0x80000000u, 31), 1);
	ck_assert_int_eq(balance_mine(0xffffffffu, 32), 0);
}
END_TEST

static Suite *
balance_suite(void)
{
	Suite	*s = suite_create("balance");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_ip4_distribution);
	tcase_add_test(tc, test_ip4_stable);
	tcase_add_test(tc, test_ip_symmetric);
	tcase_add_test(tc, test_ip6);
	tcase_add_test(tc, test_ip_last_byte);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_arp_distribution);
	tcase_add_test(tc, test_arp_stable);
	tcase_add_test(tc, test_mine);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(balance_suite()));
}
