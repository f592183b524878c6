/* kif.c against the real kernel: every test runs in a forked child that
 * moves into a network namespace of its own (unshare), builds a veth pair
 * there with ip(8), and checks what kif did with ip(8) again. The
 * namespace dies with the child, so nothing is left behind.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN); without it the program says
 * so and exits 77 (skip). */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "carpd/kif.h"

#define SKIP_EXIT	77

static unsigned	 ka;		/* veth end the tests work on */

static void
sh(const char *fmt, ...)
{
	char	 cmd[512];
	va_list	 ap;
	int	 rv;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rv = system(cmd);
	ck_assert_msg(rv == 0, "'%s' failed: %d", cmd, rv);
}

/* Output of a command, as one string. */
static char *
out(const char *cmd)
{
	static char	 buf[8192];
	FILE		*f;
	size_t		 n;

	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	pclose(f);
	return (buf);
}

static struct conf_addr
addr(const char *s, int plen)
{
	struct conf_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = strchr(s, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a.af, s, &a.a), 1);
	a.plen = (uint8_t)plen;
	return (a);
}

/* A namespace of our own with the veth pair ka/kb, both up, no DAD so
 * that link-local addresses are usable at once. */
static void
setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %m");
	sh("echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad");
	sh("ip link add ka type veth peer name kb");
	sh("ip link set ka up && ip link set kb up && ip link set lo up");
	ka = if_nametoindex("ka");
	ck_assert_uint_ne(ka, 0);
}

static void
teardown(void)
{
	kif_cleanup();
}

START_TEST(test_ifindex_mac)
{
	uint8_t		 mac[6];
	char		 want[32], *o;

	ck_assert_uint_eq(kif_ifindex("ka"), ka);
	ck_assert_uint_eq(kif_ifindex("nosuchif0"), 0);
	sh("ip link set ka address 02:00:00:00:00:0a");
	ck_assert_int_eq(kif_link_mac(ka, mac), 0);
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ck_assert_str_eq(want, "02:00:00:00:00:0a");
	o = out("ip -o link show ka");
	ck_assert_ptr_nonnull(strstr(o, want));
	/* a link that is gone is an error */
	ck_assert_int_eq(kif_link_mac(99999, mac), -1);
}
END_TEST

START_TEST(test_link_up)
{
	ck_assert_int_eq(kif_link_up(ka), 1);
	sh("ip link set kb down");	/* carrier lost, ka still admin up */
	ck_assert_int_eq(kif_link_up(ka), 0);
	sh("ip link set kb up");
	ck_assert_int_eq(kif_link_up(ka), 1);
	sh("ip link set ka down");
	ck_assert_int_eq(kif_link_up(ka), 0);
	ck_assert_int_eq(kif_link_up(99999), -1);
}
END_TEST

START_TEST(test_addr4)
{
	struct conf_addr	 a = addr("192.0.2.100", 24);

	ck_assert_int_eq(kif_addr_add(ka, &a), 0);
	ck_assert_ptr_nonnull(strstr(out("ip -o -4 addr show dev ka"),
	    "inet 192.0.2.100/24"));
	/* adding again (EEXIST) is success */
	ck_assert_int_eq(kif_addr_add(ka, &a), 0);
	ck_assert_int_eq(kif_addr_del(ka, &a), 0);
	ck_assert_ptr_null(strstr(out("ip -o -4 addr show dev ka"),
	    "192.0.2.100"));
	/* removing one that is not there (EADDRNOTAVAIL) is success */
	ck_assert_int_eq(kif_addr_del(ka, &a), 0);
	/* a real error is reported */
	ck_assert_int_eq(kif_addr_add(99999, &a), -1);
}
END_TEST

START_TEST(test_addr6_nodad)
{
	struct conf_addr	 a = addr("2001:db8::100", 64);
	char			*o;

	/* DAD on for this interface: the address must skip it anyway */
	sh("echo 1 > /proc/sys/net/ipv6/conf/ka/accept_dad");
	ck_assert_int_eq(kif_addr_add(ka, &a), 0);
	/* only this address's line: the link-local may still be in DAD */
	o = out("ip -o -6 addr show dev ka to 2001:db8::100/128");
	ck_assert_msg(strstr(o, "inet6 2001:db8::100/64") != NULL, "%s", o);
	ck_assert_msg(strstr(o, "tentative") == NULL, "%s", o);
	ck_assert_int_eq(kif_addr_add(ka, &a), 0);
	ck_assert_int_eq(kif_addr_del(ka, &a), 0);
	ck_assert_ptr_null(strstr(out("ip -o -6 addr show dev ka"),
	    "2001:db8::100"));
	ck_assert_int_eq(kif_addr_del(ka, &a), 0);
}
END_TEST

static void
check_primary(int af, const struct conf_addr *skip, int nskip,
    const char *want)
{
	struct sockaddr_storage	 ss;
	char			 got[INET6_ADDRSTRLEN];
	const void		*p;

	ck_assert_int_eq(kif_primary_addr(ka, af, skip, nskip, &ss), 0);
	ck_assert_int_eq(ss.ss_family, af);
	p = af == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	inet_ntop(af, p, got, sizeof(got));
	if (want[strlen(want) - 1] == '*')
		ck_assert_msg(strncmp(got, want, strlen(want) - 1) == 0,
		    "got %s, want %s", got, want);
	else
		ck_assert_str_eq(got, want);
}

START_TEST(test_primary4)
{
	struct conf_addr	 vips[2];
	struct sockaddr_storage	 ss;

	vips[0] = addr("198.51.100.100", 24);
	vips[1] = addr("203.0.113.100", 24);
	/* only VIPs: there is no source address */
	ck_assert_int_eq(kif_addr_add(ka, &vips[0]), 0);
	ck_assert_int_eq(kif_primary_addr(ka, AF_INET, vips, 2, &ss), -1);
	/* the VIP came first and is the kernel's primary: skipped */
	sh("ip addr add 198.51.100.1/24 dev ka");
	check_primary(AF_INET, vips, 2, "198.51.100.1");
	/* without the skip list the VIP would have been taken */
	check_primary(AF_INET, NULL, 0, "198.51.100.100");
	/* 198.51.100.1 is a secondary behind the VIP: a primary in another
	 * subnet is preferred, as the kernel's own source selection does */
	sh("ip addr add 192.0.2.1/24 dev ka");
	ck_assert_int_eq(kif_addr_add(ka, &vips[1]), 0);
	check_primary(AF_INET, vips, 2, "192.0.2.1");
	/* addresses on another interface do not count */
	sh("ip addr del 192.0.2.1/24 dev ka");
	sh("ip addr add 192.0.2.9/24 dev kb");
	check_primary(AF_INET, vips, 2, "198.51.100.1");
}
END_TEST

START_TEST(test_primary6)
{
	struct conf_addr	 vip = addr("2001:db8::100", 64);
	struct conf_addr	 llvip = addr("fe80::100", 64);

	sh("ip -6 addr flush dev ka");
	sh("ip addr add 2001:db8::1/64 dev ka nodad");
	ck_assert_int_eq(kif_addr_add(ka, &vip), 0);
	ck_assert_int_eq(kif_addr_add(ka, &llvip), 0);
	sh("ip addr add fe80::1/64 dev ka nodad");
	/* the link-local, never a global one, never a VIP */
	check_primary(AF_INET6, &llvip, 1, "fe80::1");
	check_primary(AF_INET6, NULL, 0, "fe80::*");
}
END_TEST

struct linkev {
	struct event_base	*base;
	unsigned		 ifindex;
	int			 up;
	int			 calls;
};

static void
link_cb(unsigned ifindex, int up, void *arg)
{
	struct linkev	*le = arg;

	/* kb's carrier follows too; only ka counts here */
	if (ifindex != ka)
		return;
	le->ifindex = ifindex;
	le->up = up;
	le->calls++;
	event_base_loopbreak(le->base);
}

/* Run the loop until the callback fired, at most 3 s. */
static int
kif_wait_running(unsigned ifindex)
{
	int	 i;

	for (i = 0; i < 100; i++) {
		if (kif_link_up(ifindex) == 1) {
			usleep(50 * 1000);	/* let the event drain */
			return (1);
		}
		usleep(50 * 1000);
	}
	return (0);
}

static void
wait_link(struct linkev *le)
{
	struct timeval	 tv = { 0, 100 * 1000 };
	int		 i, quiet = 0;

	/* until a report came and 1 s passed without another (linkwatch
	 * may hold a carrier change back for up to a second), or 6 s */
	le->calls = 0;
	for (i = 0; i < 60 && quiet < 10; i++) {
		int	 before = le->calls;

		event_base_loopexit(le->base, &tv);
		event_base_dispatch(le->base);
		quiet = (le->calls > 0 && le->calls == before) ? quiet + 1 : 0;
		if (le->calls == 0 && i >= 30)
			break;	/* nothing at all for 3 s */
	}
}

START_TEST(test_monitor)
{
	struct linkev	 le;

	memset(&le, 0, sizeof(le));
	le.base = event_base_new();
	ck_assert_ptr_nonnull(le.base);
	/* both ends running first, or the set-up's own carrier event
	 * (linkwatch may deliver it late) counts as a report below */
	ck_assert_int_eq(kif_wait_running(ka), 1);
	ck_assert_int_eq(kif_init(le.base, link_cb, &le), 0);

	sh("ip link set ka down");
	wait_link(&le);
	ck_assert_int_eq(le.calls, 1);
	ck_assert_uint_eq(le.ifindex, ka);
	ck_assert_int_eq(le.up, 0);

	sh("ip link set ka up");
	wait_link(&le);
	ck_assert_int_eq(le.calls, 1);
	ck_assert_int_eq(le.up, 1);

	/* carrier loss: the peer goes down, ka stays admin up */
	sh("ip link set kb down");
	wait_link(&le);
	ck_assert_int_eq(le.calls, 1);
	ck_assert_int_eq(le.up, 0);

	/* a change that is not about the carrier reports nothing */
	sh("ip link set ka mtu 1400");
	wait_link(&le);
	ck_assert_int_eq(le.calls, 0);

	sh("ip link set kb up");
	wait_link(&le);
	ck_assert_int_eq(le.up, 1);

	/* deleting the link reports it down */
	sh("ip link del ka");
	wait_link(&le);
	ck_assert_int_eq(le.calls, 1);
	ck_assert_int_eq(le.up, 0);

	kif_cleanup();
	event_base_free(le.base);
}
END_TEST

/* Far more link messages than the monitor socket holds while the loop
 * is not running (kif logs "monitor overrun"): after ENOBUFS kif throws
 * the stale queue away and re-reads every link, so the last state
 * reported must be the kernel's. */
START_TEST(test_monitor_overrun)
{
	struct linkev	 le;
	char		 path[64];
	FILE		*f;
	int		 i;

	memset(&le, 0, sizeof(le));
	le.base = event_base_new();
	ck_assert_ptr_nonnull(le.base);
	ck_assert_int_eq(kif_init(le.base, link_cb, &le), 0);
	snprintf(path, sizeof(path), "/tmp/test_kif.%d.batch", (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 3000; i++)
		fprintf(f, "link set kb %s\n", i % 2 ? "up" : "down");
	fprintf(f, "link set kb down\n");
	fclose(f);
	sh("ip -batch %s", path);
	unlink(path);
	/* drain everything: callbacks break the loop, so loop a bounded
	 * number of times until a quiet second passes */
	for (i = 0; i < 10000; i++) {
		wait_link(&le);
		if (le.calls == 0)
			break;
	}
	ck_assert_int_eq(kif_link_up(ka), 0);
	ck_assert_int_eq(le.up, 0);
	kif_cleanup();
	event_base_free(le.base);
}
END_TEST

START_TEST(test_vmac)
{
	const uint8_t	 mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x07 };
	const uint8_t	 other[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x08 };
	unsigned	 idx, idx2;
	uint8_t		 got[6];
	char		*o;

	idx = kif_vmac_create("carp7", ka, mac);
	ck_assert_uint_ne(idx, 0);
	ck_assert_uint_eq(idx, if_nametoindex("carp7"));
	o = out("ip -d -o link show carp7");
	ck_assert_msg(strstr(o, "carp7@ka") != NULL, "%s", o);
	ck_assert_msg(strstr(o, "macvlan mode bridge") != NULL, "%s", o);
	ck_assert_msg(strstr(o, "00:00:5e:00:01:07") != NULL, "%s", o);
	ck_assert_msg(strstr(o, ",UP") != NULL, "%s", o);
	ck_assert_int_eq(kif_link_mac(idx, got), 0);
	ck_assert_mem_eq(got, mac, 6);
	ck_assert_int_eq(kif_link_up(idx), 1);

	/* an existing one is reused, and its MAC put right */
	idx2 = kif_vmac_create("carp7", ka, other);
	ck_assert_uint_eq(idx2, idx);
	ck_assert_int_eq(kif_link_mac(idx, got), 0);
	ck_assert_mem_eq(got, other, 6);

	/* something else with that name is not taken over */
	sh("ip link add carp9 type veth peer name carp9p");
	ck_assert_uint_eq(kif_vmac_create("carp9", ka, mac), 0);
	ck_assert_ptr_nonnull(strstr(out("ip -d -o link show carp9"),
	    "veth"));

	ck_assert_int_eq(kif_vmac_destroy("carp7"), 0);
	ck_assert_uint_eq(if_nametoindex("carp7"), 0);
	ck_assert_int_eq(kif_vmac_destroy("carp7"), 0);
	/* a bad parent is an error, not a crash */
	ck_assert_uint_eq(kif_vmac_create("carp8", 99999, mac), 0);
}
END_TEST

static Suite *
kif_suite(void)
{
	Suite	*s = suite_create("kif");
	TCase	*tc = tcase_create("kernel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ifindex_mac);
	tcase_add_test(tc, test_link_up);
	tcase_add_test(tc, test_addr4);
	tcase_add_test(tc, test_addr6_nodad);
	tcase_add_test(tc, test_primary4);
	tcase_add_test(tc, test_primary6);
	tcase_add_test(tc, test_monitor);
	tcase_add_test(tc, test_monitor_overrun);
	tcase_add_test(tc, test_vmac);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail;

	if (geteuid() != 0) {
		printf("test_kif: SKIP: needs root for network namespaces\n");
		return (SKIP_EXIT);
	}
	sr = srunner_create(kif_suite());
	/* Each test's unshare() must stay in its own child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
