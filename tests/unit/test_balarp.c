/* carpd/bal_arp.c: ARP for a balanced carp. Which node answers a
 * request (arp mode: the master of the slot the requester hashes to; ip
 * modes: every node with a share), what the answer says (slot MAC or
 * cluster MAC as sender, which Ethernet source), what is refused and
 * counted, the probe that teaches the switch a slot's MAC, and the pair
 * set of the ip filter against balance_ip_index. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "compat.h"
#include "carpd/bal.h"
#include "carpd/balance.h"
#include "tests/unit/unit.h"

#define VIP	"192.0.2.254"
#define VIP2	"192.0.2.253"
#define HOST	"192.0.2.10"

static const uint8_t	 devmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t	 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
addr4(struct conf_addr *a, const char *s)
{
	a->af = AF_INET;
	a->plen = 24;
	ck_assert_int_eq(inet_pton(AF_INET, s, &a->a.v4), 1);
}

/* Two slots, vhids 1 and 2; an IPv6 address first, so that "the first
 * IPv4 address" is not simply addrs[0]. */
static void
bal_make(struct carp_bal *bal, enum conf_balancing mode, uint32_t share)
{
	memset(bal, 0, sizeof(*bal));
	strlcpy(bal->conf.name, "carp1", sizeof(bal->conf.name));
	bal->conf.balancing = mode;
	bal->conf.addrs[0].af = AF_INET6;
	(void)inet_pton(AF_INET6, "2001:db8::1", &bal->conf.addrs[0].a.v6);
	addr4(&bal->conf.addrs[1], VIP);
	addr4(&bal->conf.addrs[2], VIP2);
	bal->conf.naddrs = 3;
	bal->nslots = 2;
	balance_mac(0, 1, bal->mac[0]);
	balance_mac(0, 2, bal->mac[1]);
	balance_mac(mode == BAL_IP || mode == BAL_IP_STEALTH, 1,
	    bal->cluster_mac);
	memcpy(bal->devmac, devmac, 6);
	bal->share = share;
	bal->addrs_installed = share != 0;
}

/* An ARP request from sha/spa for tpa, as a host sends it (42 bytes:
 * Linux hands the packet socket the frame without padding). */
static size_t
req_frame(uint8_t *f, const uint8_t sha[6], const char *spa,
    const char *tpa)
{
	static const uint8_t	 hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0, 64);
	memcpy(f, bcast, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, sizeof(hdr));
	memcpy(f + 22, sha, 6);
	ck_assert_int_eq(inet_pton(AF_INET, spa, f + 28), 1);
	ck_assert_int_eq(inet_pton(AF_INET, tpa, f + 38), 1);
	return (42);
}

static void
host_mac(uint8_t mac[6], unsigned i)
{
	mac[0] = 0x02;
	mac[1] = 0x10;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* The reply carries: to the requester, from src, sender sha and the
 * asked address, target the requester. */
static void
check_reply(const uint8_t *out, const uint8_t host[6], const uint8_t src[6],
    const uint8_t sha[6], const char *vip)
{
	uint8_t		 ip[4], hip[4], zero[18];

	(void)inet_pton(AF_INET, vip, ip);
	(void)inet_pton(AF_INET, HOST, hip);
	memset(zero, 0, sizeof(zero));
	ck_assert_mem_eq(out, host, 6);
	ck_assert_mem_eq(out + 6, src, 6);
	ck_assert_uint_eq(out[12], 0x08);
	ck_assert_uint_eq(out[13], 0x06);
	ck_assert_uint_eq(out[20], 0);
	ck_assert_uint_eq(out[21], 2);		/* reply */
	ck_assert_mem_eq(out + 22, sha, 6);
	ck_assert_mem_eq(out + 28, ip, 4);
	ck_assert_mem_eq(out + 32, host, 6);
	ck_assert_mem_eq(out + 38, hip, 4);
	ck_assert_mem_eq(out + 42, zero, sizeof(zero));	/* padding */
}

/* arp mode, two nodes with complementary shares: every host is
 * answered by exactly one, with the MAC of the slot it hashes to; the
 * 64 hosts land on both slots. */
START_TEST(test_arp_mode)
{
	struct carp_bal	 a, b;
	uint8_t		 f[64], out[BAL_ARP_FRAMELEN], host[6];
	size_t		 len, na, nb;
	unsigned	 i, slot, per[2] = { 0, 0 };

	bal_make(&a, BAL_ARP, 1);
	bal_make(&b, BAL_ARP, 2);
	for (i = 0; i < 64; i++) {
		host_mac(host, i);
		len = req_frame(f, host, HOST, i % 2 ? VIP : VIP2);
		slot = balance_arp_index(host, 6, 2);
		na = bal_arp_input(&a, f, len, out);
		if (na > 0)
			check_reply(out, host, a.mac[slot], a.mac[slot],
			    i % 2 ? VIP : VIP2);
		nb = bal_arp_input(&b, f, len, out);
		if (nb > 0)
			check_reply(out, host, b.mac[slot], b.mac[slot],
			    i % 2 ? VIP : VIP2);
		ck_assert_uint_eq((na > 0) + (nb > 0), 1);
		ck_assert_uint_eq(na > 0 ? 0 : 1, slot);
		ck_assert_uint_eq(na + nb, BAL_ARP_FRAMELEN);
		per[slot]++;
	}
	ck_assert_uint_gt(per[0], 16);
	ck_assert_uint_gt(per[1], 16);
	ck_assert_uint_eq(a.cnt.arp_requests, 64);
	ck_assert_uint_eq(a.cnt.arp_replies, per[0]);
	ck_assert_uint_eq(a.cnt.arp_others, per[1]);
	ck_assert_uint_eq(b.cnt.arp_replies, per[1]);
	ck_assert_uint_eq(a.cnt.arp_bad + b.cnt.arp_bad, 0);
}
END_TEST

/* The survivor masters both slots and answers everyone; a node whose
 * addresses are not installed answers nobody, whatever its share. */
START_TEST(test_arp_survivor)
{
	struct carp_bal	 all, off;
	uint8_t		 f[64], out[BAL_ARP_FRAMELEN], host[6];
	unsigned	 i;

	bal_make(&all, BAL_ARP, 3);
	bal_make(&off, BAL_ARP, 3);
	off.addrs_installed = 0;
	for (i = 0; i < 16; i++) {
		host_mac(host, i);
		(void)req_frame(f, host, HOST, VIP);
		ck_assert_uint_eq(bal_arp_input(&all, f, 42, out),
		    BAL_ARP_FRAMELEN);
		ck_assert_uint_eq(bal_arp_input(&off, f, 42, out), 0);
	}
	ck_assert_uint_eq(all.cnt.arp_replies, 16);
	ck_assert_uint_eq(off.cnt.arp_others, 16);
}
END_TEST

/* ip modes: every node with a share answers, the cluster MAC as sender
 * and its own MAC as Ethernet source; a node without a share does not. */
START_TEST(test_ip_modes)
{
	static const enum conf_balancing modes[] = {
		BAL_IP, BAL_IP_STEALTH, BAL_IP_UNICAST
	};
	struct carp_bal	 a, b, none;
	uint8_t		 f[64], out[BAL_ARP_FRAMELEN], host[6], cl[6];
	size_t		 m;

	host_mac(host, 7);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		bal_make(&a, modes[m], 1);
		bal_make(&b, modes[m], 2);
		bal_make(&none, modes[m], 0);
		balance_mac(modes[m] != BAL_IP_UNICAST, 1, cl);
		ck_assert_mem_eq(a.cluster_mac, cl, 6);
		(void)req_frame(f, host, HOST, VIP);
		ck_assert_uint_eq(bal_arp_input(&a, f, 42, out),
		    BAL_ARP_FRAMELEN);
		check_reply(out, host, devmac, cl, VIP);
		ck_assert_uint_eq(bal_arp_input(&b, f, 42, out),
		    BAL_ARP_FRAMELEN);
		check_reply(out, host, devmac, cl, VIP);
		ck_assert_uint_eq(bal_arp_input(&none, f, 42, out), 0);
		ck_assert_uint_eq(none.cnt.arp_requests, 1);
		ck_assert_uint_eq(none.cnt.arp_others, 1);
	}
}
END_TEST

/* Not questions about our addresses: another address, a probe (sender
 * 0.0.0.0, as our own learn frame), a gratuitous ARP; an ARP reply; a
 * frame that is no ARP. Ignored and not counted. */
START_TEST(test_not_ours)
{
	struct carp_bal	 bal;
	uint8_t		 f[64], out[BAL_ARP_FRAMELEN], host[6];

	bal_make(&bal, BAL_ARP, 3);
	host_mac(host, 1);
	(void)req_frame(f, host, HOST, "192.0.2.1");
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	(void)req_frame(f, host, "0.0.0.0", VIP);
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	(void)req_frame(f, host, VIP, VIP);
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	(void)req_frame(f, host, VIP2, VIP);
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	(void)req_frame(f, host, HOST, VIP);
	f[21] = 2;				/* a reply */
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	(void)req_frame(f, host, HOST, VIP);
	f[13] = 0x00;				/* IPv4, not ARP */
	ck_assert_uint_eq(bal_arp_input(&bal, f, 42, out), 0);
	ck_assert_uint_eq(bal.cnt.arp_requests, 0);
	ck_assert_uint_eq(bal.cnt.arp_bad, 0);
}
END_TEST

/* Short or malformed: refused, counted in arp_bad, never answered. */
START_TEST(test_bad)
{
	struct carp_bal	 bal;
	uint8_t		 f[64], out[BAL_ARP_FRAMELEN], host[6], mc[6];
	struct bal_arp_req req;
	size_t		 len;
	int		 i;

	bal_make(&bal, BAL_ARP, 3);
	host_mac(host, 1);
	len = req_frame(f, host, HOST, VIP);
	for (i = 0; i < (int)len; i++)
		ck_assert_uint_eq(bal_arp_input(&bal, f, (size_t)i, out), 0);
	ck_assert_uint_eq(bal.cnt.arp_bad, len);
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_ANSWER);
	f[15] = 6;				/* IEEE 802 hardware */
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_BAD);
	(void)req_frame(f, host, HOST, VIP);
	f[16] = 0x86;				/* IPv6 protocol */
	f[17] = 0xdd;
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_BAD);
	(void)req_frame(f, host, HOST, VIP);
	f[18] = 8;				/* hardware length */
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_BAD);
	(void)req_frame(f, host, HOST, VIP);
	f[19] = 16;				/* protocol length */
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_BAD);
	balance_mac(1, 9, mc);			/* a group as sender */
	(void)req_frame(f, mc, HOST, VIP);
	ck_assert_int_eq(bal_arp_parse(f, len, &req), BAL_ARP_BAD);
	memset(mc, 0, sizeof(mc));		/* nobody as sender */
	(void)req_frame(f, mc, HOST, VIP);
	ck_assert_uint_eq(bal_arp_input(&bal, f, len, out), 0);
	ck_assert_uint_eq(bal.cnt.arp_bad, len + 1);
	ck_assert_uint_eq(bal.cnt.arp_requests, 0);
}
END_TEST

/* The learn frame: broadcast from the slot's MAC, a request whose
 * sender is that MAC with IP 0.0.0.0, for the first IPv4 address; no
 * host rebinds on it, and another node does not answer it. */
START_TEST(test_probe)
{
	struct carp_bal	 bal, other;
	uint8_t		 f[BAL_ARP_FRAMELEN], out[BAL_ARP_FRAMELEN], ip[4];
	static const uint8_t zero[6];

	bal_make(&bal, BAL_ARP, 2);
	bal_make(&other, BAL_ARP, 1);
	(void)inet_pton(AF_INET, VIP, ip);
	ck_assert_int_eq(bal_arp_probe(&bal, 1, f), 0);
	ck_assert_mem_eq(f, bcast, 6);
	ck_assert_mem_eq(f + 6, bal.mac[1], 6);
	ck_assert_uint_eq(f[21], 1);		/* request */
	ck_assert_mem_eq(f + 22, bal.mac[1], 6);
	ck_assert_mem_eq(f + 28, zero, 4);
	ck_assert_mem_eq(f + 32, zero, 6);
	ck_assert_mem_eq(f + 38, ip, 4);
	ck_assert_uint_eq(bal_arp_input(&other, f, sizeof(f), out), 0);
	ck_assert_uint_eq(other.cnt.arp_requests + other.cnt.arp_bad, 0);
	ck_assert_int_eq(bal_arp_probe(&bal, 2, f), -1);
	ck_assert_int_eq(bal_arp_probe(&bal, -1, f), -1);
	bal.conf.naddrs = 1;			/* IPv6 only */
	ck_assert_int_eq(bal_arp_probe(&bal, 0, f), -1);
}
END_TEST

/* The kernel filter's pairs are exactly the flows balance_ip_index
 * gives this share: for every (s, d) and several slot counts and
 * shares; complementary shares split the 65,536 pairs. */
START_TEST(test_pairs)
{
	static uint8_t	 pairs[BAL_PAIRS_MAX][2];
	static uint8_t	 member[256][256];
	static const uint32_t shares[] = { 0, 1, 2, 4, 3, 5, 7 };
	uint8_t		 s[1], d[1];
	unsigned	 nslots, i, j;
	size_t		 k, n, m, total, wrong = 0;

	for (nslots = 1; nslots <= 3; nslots++) {
		total = 0;
		for (k = 0; k < sizeof(shares) / sizeof(shares[0]); k++) {
			memset(member, 0, sizeof(member));
			n = bal_pairs(shares[k], nslots, pairs);
			for (m = 0; m < n; m++)
				member[pairs[m][0]][pairs[m][1]]++;
			for (i = 0; i < 256; i++)
				for (j = 0; j < 256; j++) {
					s[0] = (uint8_t)i;
					d[0] = (uint8_t)j;
					wrong += member[i][j] !=
					    (uint8_t)balance_mine(shares[k],
					    balance_ip_index(s, d, 1, nslots));
				}
			if (shares[k] < (1u << nslots) &&
			    (shares[k] & (shares[k] - 1)) == 0)
				total += n;	/* one slot each */
		}
		ck_assert_uint_eq(total, BAL_PAIRS_MAX);
	}
	ck_assert_uint_eq(wrong, 0);
	ck_assert_uint_eq(bal_pairs(1, 2, pairs), 32768);
	ck_assert_uint_eq(bal_pairs(3, 2, pairs), BAL_PAIRS_MAX);
}
END_TEST

static Suite *
balarp_suite(void)
{
	Suite	*s = suite_create("balarp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_arp_mode);
	tcase_add_test(tc, test_arp_survivor);
	tcase_add_test(tc, test_ip_modes);
	tcase_add_test(tc, test_not_ours);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_pairs);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(balarp_suite()));
}
