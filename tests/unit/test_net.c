/* net.c: the IPv4 receive parser against malformed packets (no root),
 * then the real sockets in a network namespace of each test's own
 * (forked child, unshare) over a veth pair na/nb: what net sends out of
 * na is captured on nb with an AF_PACKET socket and checked byte by
 * byte; what a raw socket sends out of nb must reach carp_input with the
 * right interface, source and TTL.
 *
 * carp_input is defined here and records its arguments, so fsm.o is not
 * linked in (nothing else of it is needed by net.o or kif.o).
 *
 * Without root only the parser runs; the kernel tests are skipped with a
 * message, and the program exits 77 when nothing else failed. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/icmp6.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "carpd/carpd.h"
#include "carpd/kif.h"
#include "carpd/net.h"
#include "log.h"

#define SKIP_EXIT	77

/* net.c's parser, not in net.h: only this test calls it from outside. */
int	net_parse_ip4(const uint8_t *, size_t, struct sockaddr_in *, int *,
	    size_t *, size_t *);

static const uint8_t vmac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x01 };

/* What the last carp_input call saw. */
static struct {
	int			 calls;
	unsigned		 ifindex;
	int			 af;
	struct sockaddr_storage	 src;
	int			 ttl;
	uint8_t			 pkt[256];
	size_t			 len;
} in;

static struct carpd	 env;
static struct carp_if	 cif;
static unsigned		 na, nb;

void
carp_input(struct carpd *e, unsigned ifindex, int af,
    const struct sockaddr *src, int ttl, const uint8_t *pkt, size_t len)
{
	in.calls++;
	in.ifindex = ifindex;
	in.af = af;
	memcpy(&in.src, src, af == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6));
	in.ttl = ttl;
	in.len = len;
	memcpy(in.pkt, pkt, len < sizeof(in.pkt) ? len : sizeof(in.pkt));
	/* test_drop_log: the first byte says how the real one would drop */
	if (len > 0 && pkt[0] == 0xd1 && !TAILQ_EMPTY(&e->carps))
		net_drop(&TAILQ_FIRST(&e->carps)->cnt.bad_checksum,
		    NET_DROP_CKSUM, src);
	else if (len > 0 && pkt[0] == 0xd2)
		net_drop(&e->unknown_vhid, NET_DROP_VHID, src);
	event_base_loopbreak(e->base);
}

/* ---- the parser ---- */

static size_t
mkip4(uint8_t *buf, int ihl, int proto, size_t paylen)
{
	struct ip	 ip;
	size_t		 hl = (size_t)ihl * 4;

	memset(buf, 0, hl + paylen);
	memset(&ip, 0, sizeof(ip));
	ip.ip_v = 4;
	ip.ip_hl = (unsigned)ihl;
	ip.ip_len = htons((uint16_t)(hl + paylen));
	ip.ip_ttl = 255;
	ip.ip_p = (uint8_t)proto;
	inet_pton(AF_INET, "192.0.2.7", &ip.ip_src);
	inet_pton(AF_INET, "224.0.0.18", &ip.ip_dst);
	memcpy(buf, &ip, sizeof(ip));
	memset(buf + hl, 0xab, paylen);
	return (hl + paylen);
}

START_TEST(test_parse_good)
{
	uint8_t			 buf[128];
	struct sockaddr_in	 src;
	size_t			 len, off, plen;
	int			 ttl;

	len = mkip4(buf, 5, 112, 36);
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen), 0);
	ck_assert_int_eq(ttl, 255);
	ck_assert_uint_eq(off, 20);
	ck_assert_uint_eq(plen, 36);
	ck_assert_str_eq(inet_ntoa(src.sin_addr), "192.0.2.7");
	/* IP options: the payload starts after them */
	len = mkip4(buf, 7, 112, 36);
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen), 0);
	ck_assert_uint_eq(off, 28);
	ck_assert_uint_eq(plen, 36);
	/* trailing link padding beyond ip_len is cut off */
	len = mkip4(buf, 5, 112, 36);
	ck_assert_int_eq(net_parse_ip4(buf, len + 10, &src, &ttl, &off,
	    &plen), 0);
	ck_assert_uint_eq(plen, 36);
}
END_TEST

START_TEST(test_parse_bad)
{
	uint8_t			 buf[128];
	struct sockaddr_in	 src;
	size_t			 len, off, plen;
	int			 ttl, i;

	len = mkip4(buf, 5, 112, 36);
	/* truncated IP header, down to nothing */
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(net_parse_ip4(buf, (size_t)i, &src, &ttl,
		    &off, &plen), -1);
	/* ip_len claims more than arrived */
	ck_assert_int_eq(net_parse_ip4(buf, len - 1, &src, &ttl, &off,
	    &plen), -1);
	/* ihl beyond the packet */
	len = mkip4(buf, 5, 112, 8);
	buf[0] = 0x4f;
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen),
	    -1);
	/* ihl below the minimum header */
	buf[0] = 0x44;
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen),
	    -1);
	/* not IPv4 */
	buf[0] = 0x65;
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen),
	    -1);
	/* ip_len shorter than the header */
	len = mkip4(buf, 5, 112, 36);
	buf[2] = 0;
	buf[3] = 10;
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen),
	    -1);
	/* another protocol */
	len = mkip4(buf, 5, 17, 36);
	ck_assert_int_eq(net_parse_ip4(buf, len, &src, &ttl, &off, &plen),
	    -1);
}
END_TEST

/* Every length and every byte value in the header: never a crash, and
 * an accepted packet always lies inside the buffer. */
START_TEST(test_parse_fuzz)
{
	uint8_t			 buf[64];
	struct sockaddr_in	 src;
	size_t			 len, off, plen;
	int			 ttl, i, v;

	for (i = 0; i < 20; i++)
		for (v = 0; v < 256; v++)
			for (len = 0; len <= sizeof(buf); len += 7) {
				mkip4(buf, 5, 112, 36);
				buf[i] = (uint8_t)v;
				if (net_parse_ip4(buf, len, &src, &ttl, &off,
				    &plen) == 0)
					ck_assert_uint_le(off + plen, len);
			}
}
END_TEST

/* ---- the kernel ---- */

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

/* One namespace per test: na (carpdev, 192.0.2.1) and nb (the "wire",
 * 192.0.2.2). No DAD, so link-local sources work at once. */
static void
setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %m");
	sh("echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad");
	sh("ip link add na type veth peer name nb");
	sh("ip link set na up && ip link set nb up && ip link set lo up");
	sh("ip addr add 192.0.2.1/24 dev na && ip addr add 192.0.2.2/24 dev nb");
	/* nb's packets carry a source that is local to this namespace */
	sh("echo 1 > /proc/sys/net/ipv4/conf/na/accept_local");
	na = if_nametoindex("na");
	nb = if_nametoindex("nb");
	ck_assert_uint_ne(na, 0);

	memset(&in, 0, sizeof(in));
	memset(&env, 0, sizeof(env));
	TAILQ_INIT(&env.carps);
	TAILQ_INIT(&env.groups);
	env.base = event_base_new();
	ck_assert_ptr_nonnull(env.base);
	ck_assert_int_eq(net_init(&env), 0);

	memset(&cif, 0, sizeof(cif));
	cif.env = &env;
	snprintf(cif.conf.name, sizeof(cif.conf.name), "carp1");
	snprintf(cif.conf.carpdev, sizeof(cif.conf.carpdev), "na");
	cif.conf.vhid = 1;
	cif.conf.addrs[0] = addr("192.0.2.100", 24);
	cif.conf.addrs[1] = addr("2001:db8::100", 64);
	cif.conf.naddrs = 2;
	cif.carpdev_index = cif.addr_index = na;
	memcpy(cif.mac, vmac, sizeof(vmac));
	/* the VIPs are there, as on a master: never a source */
	ck_assert_int_eq(kif_addr_add(na, &cif.conf.addrs[0]), 0);
	ck_assert_int_eq(kif_addr_add(na, &cif.conf.addrs[1]), 0);
}

static void
teardown(void)
{
	net_cleanup();
	kif_cleanup();
	event_base_free(env.base);
}

/* Capture on nb: frames arriving there (not nb's own). */
static int
cap_open(unsigned ifindex)
{
	struct sockaddr_ll	 sll;
	struct timeval		 tv = { 0, 200000 };
	int			 fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ck_assert_int_ne(fd, -1);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (fd);
}

/* Next incoming frame of ethertype type whose byte at off (after the
 * Ethernet header) is val; 0 if none within 2 s. */
static size_t
cap_next(int fd, uint16_t type, size_t off, uint8_t val, uint8_t *buf,
    size_t size)
{
	struct sockaddr_ll	 from;
	struct ether_header	 eh;
	socklen_t		 fl;
	time_t			 end = time(NULL) + 2;
	ssize_t			 n;

	while (time(NULL) <= end) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)(sizeof(eh) + off + 1) ||
		    from.sll_pkttype == PACKET_OUTGOING)
			continue;
		memcpy(&eh, buf, sizeof(eh));
		if (ntohs(eh.ether_type) == type &&
		    buf[sizeof(eh) + off] == val)
			return ((size_t)n);
	}
	return (0);
}

static void
fill(uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0x21 + i);
}

/* Run the loop until carp_input is called, at most ms. */
static void
run(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	in.calls = 0;
	event_base_loopexit(env.base, &tv);
	event_base_dispatch(env.base);
}

static void
check_ip4(const uint8_t *f, size_t n, const char *dst, const uint8_t *pay)
{
	struct ip	 ip;
	char		 s[INET_ADDRSTRLEN];

	ck_assert_uint_ge(n, ETHER_HDR_LEN + 20 + 36);
	memcpy(&ip, f + ETHER_HDR_LEN, sizeof(ip));
	ck_assert_int_eq(ip.ip_ttl, 255);
	ck_assert_int_eq(ip.ip_tos, IPTOS_LOWDELAY);
	ck_assert(ntohs(ip.ip_off) & IP_DF);
	ck_assert_int_eq(ip.ip_hl, 5);
	ck_assert_int_eq(ntohs(ip.ip_len), 20 + 36);
	ck_assert_str_eq(inet_ntop(AF_INET, &ip.ip_dst, s, sizeof(s)), dst);
	/* the carpdev's own address, not the VIP */
	ck_assert_str_eq(inet_ntop(AF_INET, &ip.ip_src, s, sizeof(s)),
	    "192.0.2.1");
	ck_assert_mem_eq(f + ETHER_HDR_LEN + 20, pay, 36);
}

START_TEST(test_send4)
{
	uint8_t		 pay[36], f[2048];
	const uint8_t	 mcmac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 };
	size_t		 n;
	int		 cap = cap_open(nb);

	fill(pay, sizeof(pay));
	ck_assert_int_eq(net_join(&cif), 0);
	ck_assert_int_eq(net_send(&cif, AF_INET, pay, sizeof(pay)), 0);
	n = cap_next(cap, ETHERTYPE_IP, 9, 112, f, sizeof(f));
	ck_assert_uint_ne(n, 0);
	ck_assert_mem_eq(f, mcmac, 6);
	check_ip4(f, n, "224.0.0.18", pay);
	/* multicast loop is off: our own advert does not come back */
	run(300);
	ck_assert_int_eq(in.calls, 0);

	/* a configured group */
	cif.conf.mcast = addr("239.192.0.1", 32);
	ck_assert_int_eq(net_send(&cif, AF_INET, pay, sizeof(pay)), 0);
	n = cap_next(cap, ETHERTYPE_IP, 9, 112, f, sizeof(f));
	check_ip4(f, n, "239.192.0.1", pay);

	/* a unicast peer (neighbour entry: nobody answers ARP for it) */
	sh("ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev na");
	cif.conf.peer = addr("192.0.2.3", 32);
	ck_assert_int_eq(net_send(&cif, AF_INET, pay, sizeof(pay)), 0);
	n = cap_next(cap, ETHERTYPE_IP, 9, 112, f, sizeof(f));
	check_ip4(f, n, "192.0.2.3", pay);
	close(cap);
}
END_TEST

/* No address of our own on the carpdev, only the VIP: nothing to send
 * from, and the error is returned. */
START_TEST(test_send4_nosource)
{
	uint8_t	 pay[36];

	fill(pay, sizeof(pay));
	sh("ip addr del 192.0.2.1/24 dev na");
	ck_assert_int_eq(net_send(&cif, AF_INET, pay, sizeof(pay)), -1);
	ck_assert_int_eq(net_send(&cif, AF_INET, pay, sizeof(pay)), -1);
}
END_TEST

START_TEST(test_send6)
{
	uint8_t			 pay[36], f[2048];
	struct ip6_hdr		 ip6;
	struct sockaddr_storage	 ll;
	char			 s[INET6_ADDRSTRLEN];
	size_t			 n;
	int			 cap = cap_open(nb);

	fill(pay, sizeof(pay));
	ck_assert_int_eq(net_source(&cif, AF_INET6, &ll), 0);
	ck_assert_int_eq(net_send(&cif, AF_INET6, pay, sizeof(pay)), 0);
	n = cap_next(cap, ETHERTYPE_IPV6, 6, 112, f, sizeof(f));
	ck_assert_uint_eq(n, ETHER_HDR_LEN + sizeof(ip6) + 36);
	memcpy(&ip6, f + ETHER_HDR_LEN, sizeof(ip6));
	ck_assert_int_eq(ip6.ip6_hlim, 255);
	ck_assert_str_eq(inet_ntop(AF_INET6, &ip6.ip6_dst, s, sizeof(s)),
	    "ff02::12");
	ck_assert(IN6_IS_ADDR_LINKLOCAL(&ip6.ip6_src));
	ck_assert_mem_eq(&ip6.ip6_src,
	    &((struct sockaddr_in6 *)&ll)->sin6_addr, 16);
	ck_assert_mem_eq(f + ETHER_HDR_LEN + sizeof(ip6), pay, 36);
	close(cap);
}
END_TEST

/* A peer on nb: a raw socket that sends out of nb. */
static int
peer4(int ttl)
{
	struct ip_mreqn	 mr;
	int		 fd, off = 0;

	fd = socket(AF_INET, SOCK_RAW, 112);
	ck_assert_int_ne(fd, -1);
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)nb;
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr)), 0);
	setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off));
	return (fd);
}

static void
peer4_send(int fd, const char *dst, const uint8_t *p, size_t len)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, dst, &sin.sin_addr);
	ck_assert_int_eq(sendto(fd, p, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)len);
}

START_TEST(test_recv4)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&in.src;
	struct carp_if		 cif2;
	uint8_t			 pay[36];
	int			 fd = peer4(255), fd1 = peer4(1);

	fill(pay, sizeof(pay));
	ck_assert_int_eq(net_join(&cif), 0);
	ck_assert_int_eq(net_join(&cif), 0);	/* twice is once */
	peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
	run(2000);
	ck_assert_int_eq(in.calls, 1);
	ck_assert_uint_eq(in.ifindex, na);
	ck_assert_int_eq(in.af, AF_INET);
	ck_assert_int_eq(in.ttl, 255);
	ck_assert_str_eq(inet_ntoa(sin->sin_addr), "192.0.2.2");
	ck_assert_uint_eq(in.len, sizeof(pay));
	ck_assert_mem_eq(in.pkt, pay, sizeof(pay));

	/* the TTL is passed on as received, for carp_input to judge */
	peer4_send(fd1, "224.0.0.18", pay, sizeof(pay));
	run(2000);
	ck_assert_int_eq(in.calls, 1);
	ck_assert_int_eq(in.ttl, 1);

	/* two carps on one carpdev: the group stays while one needs it */
	cif2 = cif;
	ck_assert_int_eq(net_join(&cif2), 0);
	net_leave(&cif);
	peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
	run(2000);
	ck_assert_int_eq(in.calls, 1);
	net_leave(&cif2);
	peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
	run(500);
	ck_assert_int_eq(in.calls, 0);
	ck_assert_uint_eq(env.bad_packets, 0);
	close(fd);
	close(fd1);
}
END_TEST

/* Log lines of stderr (redirected to path) that contain what. */
static int
count_lines(const char *path, const char *what)
{
	char	 line[512];
	FILE	*f;
	int	 n = 0;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, what) != NULL)
			n++;
	fclose(f);
	return (n);
}

/* A flood of dropped adverts is counted per packet but logged once per
 * reason and interval, naming the last source; other vhids on the LAN
 * are not worth a warning. */
START_TEST(test_drop_log)
{
	char		 path[] = "/tmp/test_net_log.XXXXXX";
	uint8_t		 pay[36];
	int		 fd = peer4(255), lfd, i;

	ck_assert_int_ne(lfd = mkstemp(path), -1);
	ck_assert_int_ne(dup2(lfd, 2), -1);
	log_init("test_net", 1, 0);
	TAILQ_INSERT_TAIL(&env.carps, &cif, entry);
	ck_assert_int_eq(net_join(&cif), 0);
	fill(pay, sizeof(pay));
	for (i = 0; i < 40; i++) {
		pay[0] = i % 2 ? 0xd1 : 0xd2;
		peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
		run(2000);
		ck_assert_int_eq(in.calls, 1);
	}
	ck_assert_uint_eq(cif.cnt.bad_checksum, 20);
	ck_assert_uint_eq(env.unknown_vhid, 20);
	ck_assert_int_eq(count_lines(path, "net: dropped 1 adverts: bad "
	    "checksum (last from 192.0.2.2)"), 1);
	ck_assert_int_eq(count_lines(path, "dropped"), 1);
	TAILQ_REMOVE(&env.carps, &cif, entry);
	close(fd);
	close(lfd);
	unlink(path);
}
END_TEST

/* With a unicast peer no group is joined; a configured group is. */
START_TEST(test_join_variants)
{
	uint8_t	 pay[36];
	int	 fd = peer4(255);

	fill(pay, sizeof(pay));
	cif.conf.mcast = addr("239.192.0.1", 32);
	ck_assert_int_eq(net_join(&cif), 0);
	peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
	run(500);
	ck_assert_int_eq(in.calls, 0);
	peer4_send(fd, "239.192.0.1", pay, sizeof(pay));
	run(2000);
	ck_assert_int_eq(in.calls, 1);
	net_leave(&cif);

	memset(&cif.conf.mcast, 0, sizeof(cif.conf.mcast));
	cif.conf.peer = addr("192.0.2.2", 32);
	ck_assert_int_eq(net_join(&cif), 0);
	peer4_send(fd, "224.0.0.18", pay, sizeof(pay));
	run(500);
	ck_assert_int_eq(in.calls, 0);
	net_leave(&cif);
	close(fd);
}
END_TEST

START_TEST(test_recv6)
{
	struct sockaddr_in6	 dst, *src = (struct sockaddr_in6 *)&in.src;
	uint8_t			 pay[36];
	int			 fd, hops = 255, off = 0, i;

	fill(pay, sizeof(pay));
	ck_assert_int_eq(net_join(&cif), 0);
	fd = socket(AF_INET6, SOCK_RAW, 112);
	ck_assert_int_ne(fd, -1);
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off));
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "ff02::12", &dst.sin6_addr);
	dst.sin6_scope_id = nb;
	/* nb's link-local may not be usable yet: retry for up to 3 s */
	for (i = 0; i < 60; i++) {
		if (sendto(fd, pay, sizeof(pay), 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == (ssize_t)sizeof(pay))
			break;
		usleep(50 * 1000);
	}
	ck_assert_int_lt(i, 60);
	run(2000);
	ck_assert_int_eq(in.calls, 1);
	ck_assert_int_eq(in.af, AF_INET6);
	ck_assert_uint_eq(in.ifindex, na);
	ck_assert_int_eq(in.ttl, 255);
	ck_assert(IN6_IS_ADDR_LINKLOCAL(&src->sin6_addr));
	ck_assert_uint_eq(in.len, sizeof(pay));
	ck_assert_mem_eq(in.pkt, pay, sizeof(pay));
	net_leave(&cif);
	close(fd);
}
END_TEST

START_TEST(test_garp)
{
	uint8_t		 f[2048], ip[4];
	const uint8_t	 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t	 zero[6] = { 0 };
	const uint8_t	 arph[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	size_t		 n;
	int		 cap = cap_open(nb);

	inet_pton(AF_INET, "192.0.2.100", ip);
	net_announce(&cif);
	/* byte 7 of the ARP header: opcode low byte, 1 = request */
	n = cap_next(cap, ETHERTYPE_ARP, 7, 1, f, sizeof(f));
	ck_assert_uint_eq(n, 60);
	ck_assert_mem_eq(f, bcast, 6);
	ck_assert_mem_eq(f + 6, vmac, 6);
	ck_assert_int_eq(f[12], 0x08);
	ck_assert_int_eq(f[13], 0x06);
	ck_assert_mem_eq(f + 14, arph, 8);
	ck_assert_mem_eq(f + 22, vmac, 6);	/* sender MAC */
	ck_assert_mem_eq(f + 28, ip, 4);	/* sender IP = VIP */
	ck_assert_mem_eq(f + 32, zero, 6);	/* target MAC */
	ck_assert_mem_eq(f + 38, ip, 4);	/* target IP = VIP */
	close(cap);
}
END_TEST

/* Next NA sent by net (the kernel sends its own for na's addresses). */
static size_t
cap_una(int fd, uint8_t *f, size_t size)
{
	size_t	 n;
	int	 i;

	for (i = 0; i < 20; i++) {
		n = cap_next(fd, ETHERTYPE_IPV6, sizeof(struct ip6_hdr),
		    ND_NEIGHBOR_ADVERT, f, size);
		if (n == 0 || memcmp(f + 6, vmac, 6) == 0)
			return (n);
	}
	return (0);
}

/* ICMPv6 checksum over the pseudo-header: a correct packet sums to 0. */
static uint16_t
icmp6_sum(const struct ip6_hdr *ip6, const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	const uint8_t	*a = (const uint8_t *)&ip6->ip6_src;
	size_t		 i;

	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(a[i] << 8 | a[i + 1]);
	sum += (uint32_t)len + 58;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

START_TEST(test_una)
{
	uint8_t			 f[2048];
	struct ip6_hdr		 ip6;
	struct nd_neighbor_advert na_;
	const uint8_t		*p;
	char			 s[INET6_ADDRSTRLEN];
	size_t			 n, plen;
	unsigned		 vidx;
	int			 cap = cap_open(nb);

	/* as with vmac yes: the address on a macvlan with the virtual MAC,
	 * which is also the Ethernet source the kernel puts on the NA */
	vidx = kif_vmac_create("carp1", na, vmac);
	ck_assert_uint_ne(vidx, 0);
	ck_assert_int_eq(kif_addr_add(vidx, &cif.conf.addrs[1]), 0);
	cif.addr_index = vidx;
	net_announce(&cif);
	n = cap_una(cap, f, sizeof(f));
	ck_assert_uint_ne(n, 0);
	memcpy(&ip6, f + ETHER_HDR_LEN, sizeof(ip6));
	ck_assert_int_eq(ip6.ip6_nxt, IPPROTO_ICMPV6);
	ck_assert_int_eq(ip6.ip6_hlim, 255);
	ck_assert_str_eq(inet_ntop(AF_INET6, &ip6.ip6_dst, s, sizeof(s)),
	    "ff02::1");
	ck_assert_str_eq(inet_ntop(AF_INET6, &ip6.ip6_src, s, sizeof(s)),
	    "2001:db8::100");
	plen = ntohs(ip6.ip6_plen);
	ck_assert_uint_eq(plen, sizeof(na_) + 8);
	ck_assert_uint_ge(n, ETHER_HDR_LEN + sizeof(ip6) + plen);
	p = f + ETHER_HDR_LEN + sizeof(ip6);
	memcpy(&na_, p, sizeof(na_));
	ck_assert_int_eq(na_.nd_na_code, 0);
	ck_assert(na_.nd_na_flags_reserved & ND_NA_FLAG_OVERRIDE);
	ck_assert(!(na_.nd_na_flags_reserved & ND_NA_FLAG_SOLICITED));
	/* not a router in this namespace: the R flag says so */
	ck_assert(!(na_.nd_na_flags_reserved & ND_NA_FLAG_ROUTER));
	ck_assert_str_eq(inet_ntop(AF_INET6, &na_.nd_na_target, s, sizeof(s)),
	    "2001:db8::100");
	ck_assert_int_eq(p[sizeof(na_)], ND_OPT_TARGET_LINKADDR);
	ck_assert_int_eq(p[sizeof(na_) + 1], 1);
	ck_assert_mem_eq(p + sizeof(na_) + 2, vmac, 6);
	ck_assert_uint_eq(icmp6_sum(&ip6, p, plen), 0);
	close(cap);

	/* with forwarding on, the router flag is set */
	sh("echo 1 > /proc/sys/net/ipv6/conf/carp1/forwarding");
	cap = cap_open(nb);
	net_announce(&cif);
	n = cap_una(cap, f, sizeof(f));
	ck_assert_uint_ne(n, 0);
	memcpy(&na_, f + ETHER_HDR_LEN + sizeof(ip6), sizeof(na_));
	ck_assert(na_.nd_na_flags_reserved & ND_NA_FLAG_ROUTER);
	close(cap);
}
END_TEST

/* Announcing on an interface that went away logs and returns. */
START_TEST(test_announce_gone)
{
	cif.addr_index = 99999;
	net_announce(&cif);
	net_announce(&cif);
}
END_TEST

static Suite *
net_suite(int root)
{
	Suite	*s = suite_create("net");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_fuzz);
	suite_add_tcase(s, tc);
	if (!root)
		return (s);
	tc = tcase_create("kernel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_send4);
	tcase_add_test(tc, test_send4_nosource);
	tcase_add_test(tc, test_send6);
	tcase_add_test(tc, test_recv4);
	tcase_add_test(tc, test_drop_log);
	tcase_add_test(tc, test_join_variants);
	tcase_add_test(tc, test_recv6);
	tcase_add_test(tc, test_garp);
	tcase_add_test(tc, test_una);
	tcase_add_test(tc, test_announce_gone);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail, root = geteuid() == 0;

	if (!root)
		printf("test_net: kernel tests SKIPPED: need root for "
		    "network namespaces\n");
	sr = srunner_create(net_suite(root));
	/* Each test's unshare() must stay in its own child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (nfail != 0)
		return (EXIT_FAILURE);
	return (root ? EXIT_SUCCESS : SKIP_EXIT);
}
