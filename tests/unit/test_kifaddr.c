/* kif_addr.c, the address table kif.c's rtnetlink monitor keeps: fed
 * RTM_NEWADDR / RTM_DELADDR messages built here, no kernel, no root. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "carpd/kif.h"

/* One address message as the kernel sends it. flags go in the header's
 * 8 bits and, when above them, in IFA_FLAGS as the kernel does. */
static void
feed(uint16_t type, unsigned ifindex, const char *addr, int plen,
    uint32_t flags)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	struct in6_addr		 a;
	int			 af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(af, addr, &a), 1);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)af;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_flags = (uint8_t)flags;
	ifa->ifa_index = ifindex;
	if (af == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
		/* a point-to-point peer: never the source */
		mnl_attr_put(nlh, IFA_ADDRESS, 4, "\xc6\x33\x64\x63");
	} else
		mnl_attr_put(nlh, IFA_ADDRESS, 16, &a);
	if (flags > 0xff)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
}

static struct conf_addr
caddr(const char *s)
{
	struct conf_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = strchr(s, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a.af, s, &a.a), 1);
	return (a);
}

/* The source lookup gives want, or (want NULL) nothing. */
static void
check(unsigned ifindex, int af, const struct conf_addr *skip, int nskip,
    const char *want)
{
	struct sockaddr_storage	 ss;
	char			 got[INET6_ADDRSTRLEN];
	const void		*p;
	int			 rv;

	rv = kif_addr_lookup(ifindex, af, skip, nskip, &ss);
	if (want == NULL) {
		ck_assert_int_eq(rv, -1);
		ck_assert_int_eq(errno, EADDRNOTAVAIL);
		return;
	}
	ck_assert_int_eq(rv, 0);
	ck_assert_int_eq(ss.ss_family, af);
	p = af == AF_INET ?
	    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	inet_ntop(af, p, got, sizeof(got));
	ck_assert_str_eq(got, want);
	if (af == AF_INET6)
		ck_assert_uint_eq(((struct sockaddr_in6 *)&ss)->sin6_scope_id,
		    ifindex);
}

static void
teardown(void)
{
	kif_addr_cleanup();
}

START_TEST(test_empty)
{
	check(2, AF_INET, NULL, 0, NULL);
	check(2, AF_INET6, NULL, 0, NULL);
}
END_TEST

/* The rules of the old per-advert dump: primary before secondary, the
 * VIPs never, the first listed on a tie, other interfaces never. */
START_TEST(test_primary4)
{
	struct conf_addr	 vips[2] = { caddr("198.51.100.100"),
				    caddr("203.0.113.100") };

	feed(RTM_NEWADDR, 2, "198.51.100.100", 24, 0);
	check(2, AF_INET, vips, 2, NULL);
	feed(RTM_NEWADDR, 2, "198.51.100.1", 24, IFA_F_SECONDARY);
	check(2, AF_INET, vips, 2, "198.51.100.1");
	check(2, AF_INET, NULL, 0, "198.51.100.100");
	feed(RTM_NEWADDR, 2, "192.0.2.1", 24, 0);
	feed(RTM_NEWADDR, 2, "203.0.113.100", 24, 0);
	check(2, AF_INET, vips, 2, "192.0.2.1");
	feed(RTM_NEWADDR, 3, "192.0.2.9", 24, 0);
	feed(RTM_DELADDR, 2, "192.0.2.1", 24, 0);
	check(2, AF_INET, vips, 2, "198.51.100.1");
	check(3, AF_INET, vips, 2, "192.0.2.9");
	check(2, AF_INET6, NULL, 0, NULL);
}
END_TEST

/* The kernel promotes a secondary when the primary goes: a new message
 * for a known address changes its flags, not its place. */
START_TEST(test_promote)
{
	feed(RTM_NEWADDR, 2, "192.0.2.100", 24, 0);
	feed(RTM_NEWADDR, 2, "192.0.2.1", 24, IFA_F_SECONDARY);
	feed(RTM_NEWADDR, 2, "192.0.2.2", 24, IFA_F_SECONDARY);
	check(2, AF_INET, NULL, 0, "192.0.2.100");
	feed(RTM_DELADDR, 2, "192.0.2.100", 24, 0);
	check(2, AF_INET, NULL, 0, "192.0.2.1");
	feed(RTM_NEWADDR, 2, "192.0.2.2", 24, 0);
	check(2, AF_INET, NULL, 0, "192.0.2.2");
	/* the same address with another prefix is another entry */
	feed(RTM_DELADDR, 2, "192.0.2.2", 16, 0);
	check(2, AF_INET, NULL, 0, "192.0.2.2");
}
END_TEST

/* IPv6: the link-local only, a usable one before a tentative one (the
 * flag may come in IFA_FLAGS), DAD ending is an update. */
START_TEST(test_primary6)
{
	struct conf_addr	 llvip = caddr("fe80::100");

	feed(RTM_NEWADDR, 2, "2001:db8::1", 64, 0);
	check(2, AF_INET6, NULL, 0, NULL);
	feed(RTM_NEWADDR, 2, "fe80::100", 64, IFA_F_NODAD);
	feed(RTM_NEWADDR, 2, "fe80::1", 64, IFA_F_TENTATIVE);
	check(2, AF_INET6, &llvip, 1, "fe80::1");
	check(2, AF_INET6, NULL, 0, "fe80::100");
	feed(RTM_NEWADDR, 2, "fe80::2", 64, IFA_F_DADFAILED |
	    IFA_F_MANAGETEMPADDR);
	feed(RTM_NEWADDR, 2, "fe80::3", 64, 0);
	check(2, AF_INET6, &llvip, 1, "fe80::3");
	feed(RTM_NEWADDR, 2, "fe80::1", 64, 0);
	check(2, AF_INET6, &llvip, 1, "fe80::1");
	check(2, AF_INET, NULL, 0, NULL);
}
END_TEST

/* A deleted link, a re-dump, junk. */
START_TEST(test_forget)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;

	feed(RTM_NEWADDR, 2, "192.0.2.1", 24, 0);
	feed(RTM_NEWADDR, 3, "192.0.2.3", 24, 0);
	kif_addr_forget_link(2);
	check(2, AF_INET, NULL, 0, NULL);
	check(3, AF_INET, NULL, 0, "192.0.2.3");
	kif_addr_flush();
	check(3, AF_INET, NULL, 0, NULL);
	/* too short, no address, another family, another type: ignored */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = 2;
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
	mnl_attr_put(nlh, IFA_LOCAL, 2, "ab");
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
	ifa->ifa_family = AF_PACKET;
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
	nlh->nlmsg_type = RTM_NEWLINK;
	ck_assert_int_eq(kif_addr_event(nlh, NULL), MNL_CB_OK);
	check(2, AF_INET, NULL, 0, NULL);
	ck_assert_int_eq(kif_addr_lookup(2, AF_PACKET, NULL, 0,
	    (struct sockaddr_storage *)buf), -1);
}
END_TEST

/* Many addresses: the table grows. */
START_TEST(test_many)
{
	char	 a[32];
	int	 i;

	for (i = 1; i <= 200; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250);
		feed(RTM_NEWADDR, (unsigned)(100 + i), a, 8, 0);
	}
	check(300, AF_INET, NULL, 0, "10.0.0.200");
	check(101, AF_INET, NULL, 0, "10.0.0.1");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kifaddr");
	TCase	*tc = tcase_create("table");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_primary4);
	tcase_add_test(tc, test_promote);
	tcase_add_test(tc, test_primary6);
	tcase_add_test(tc, test_forget);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
