/* carpd's wire: one raw IPv4 and one raw IPv6 socket for CARP_PROTO
 * (carp.h), shared by every carp; multicast memberships counted per (carpdev,
 * group) so that two carps on one carpdev do not leave each other's
 * group; gratuitous ARP over AF_PACKET and unsolicited neighbour
 * advertisements over a raw ICMPv6 socket. */
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "carpd.h"
#include "carp.h"
#include "kif.h"
#include "log.h"
#include "net.h"

#define NET_PKTSZ		2048	/* adverts are 56 bytes */
#define NET_BURST		32	/* packets read per event */
#define NET_ERR_INTERVAL	10	/* s between repeats of one error */
#define NET_ETH_MINLEN		60	/* Ethernet minimum without FCS */

/* Which carp joined which group where: the kernel membership exists
 * while at least one entry for (af, ifindex, group) is here. */
struct net_member {
	TAILQ_ENTRY(net_member)	 entry;
	const struct carp_if	*cif;
	int			 af;
	unsigned		 ifindex;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 group;
};

/* One repeated error is logged once per NET_ERR_INTERVAL. */
struct net_errlog {
	time_t		 last;
	int		 err;
	unsigned	 suppressed;
};

/* Unsolicited neighbour advertisement with a target link-layer address
 * option (RFC 4861 7.2.6). */
struct net_una {
	struct nd_neighbor_advert na;
	struct nd_opt_hdr	 opt;
	uint8_t			 mac[ETH_ALEN];
} __attribute__((packed));

static struct {
	struct carpd		*env;
	int			 fd4;
	int			 fd6;
	int			 fdarp;
	int			 fdna;
	struct event		*ev4;
	struct event		*ev6;
	TAILQ_HEAD(, net_member) members;
	struct net_errlog	 err_send;
	struct net_errlog	 err_arp;
	struct net_errlog	 err_na;
} net = {
	.fd4 = -1, .fd6 = -1, .fdarp = -1, .fdna = -1,
	.members = TAILQ_HEAD_INITIALIZER(net.members)
};

/* The IPv4 receive parser, not static so that tests/unit/test_net.c can
 * feed it malformed packets directly. */
int		net_parse_ip4(const uint8_t *, size_t, struct sockaddr_in *,
		    int *ttl, size_t *off, size_t *plen);

static int	net_open4(void);
static int	net_open6(void);
static int	net_open_announce(void);
static int	net_setopt(int, int, int, int, const char *);
static void	net_recv(evutil_socket_t, short, void *);
static int	net_read4(void);
static int	net_read6(void);
static void	net_group(const struct carp_if *, int, void *);
static struct net_member *net_member_find(const struct carp_if *, int,
		    unsigned, const void *);
static int	net_member_op(int, int, unsigned, const void *);
static int	net_join_af(struct carp_if *, int);
static int	net_sendmsg(int, const void *, size_t, const void *dst,
		    socklen_t, int level, int type, const void *pi,
		    size_t pilen);
static void	net_dest(const struct carp_if *, int,
		    struct sockaddr_storage *, int *mcast);
static int	net_send4(struct carp_if *, const uint8_t *, size_t);
static int	net_send6(struct carp_if *, const uint8_t *, size_t);
static int	net_garp(const struct carp_if *, const struct conf_addr *);
static int	net_una(const struct carp_if *, const struct conf_addr *);
static int	net_is_router(unsigned);
static void	net_logerr(struct net_errlog *, const char *, const char *);

int
net_init(struct carpd *env)
{
	net.env = env;
	if (net_open4() == -1)
		goto fail;
	/* IPv6 may be disabled on this host: carry on with IPv4. */
	if (net_open6() == -1)
		log_warnx("net: no IPv6 CARP socket, IPv6 carps cannot work");
	if (net_open_announce() == -1)
		goto fail;
	net.ev4 = event_new(env->base, net.fd4, EV_READ | EV_PERSIST,
	    net_recv, NULL);
	if (net.ev4 == NULL || event_add(net.ev4, NULL) == -1)
		goto fail;
	if (net_drop_init(env) == -1)
		goto fail;
	if (net.fd6 != -1) {
		net.ev6 = event_new(env->base, net.fd6, EV_READ | EV_PERSIST,
		    net_recv, NULL);
		if (net.ev6 == NULL || event_add(net.ev6, NULL) == -1)
			goto fail;
	}
	return (0);
 fail:
	log_warnx("net: cannot set up the CARP sockets");
	net_cleanup();
	return (-1);
}

void
net_cleanup(void)
{
	struct net_member	*m;

	if (net.ev4 != NULL)
		event_free(net.ev4);
	if (net.ev6 != NULL)
		event_free(net.ev6);
	net_drop_cleanup();
	/* Closing the sockets drops the kernel memberships. */
	while ((m = TAILQ_FIRST(&net.members)) != NULL) {
		TAILQ_REMOVE(&net.members, m, entry);
		free(m);
	}
	if (net.fd4 != -1)
		close(net.fd4);
	if (net.fd6 != -1)
		close(net.fd6);
	if (net.fdarp != -1)
		close(net.fdarp);
	if (net.fdna != -1)
		close(net.fdna);
	memset(&net, 0, sizeof(net));
	TAILQ_INIT(&net.members);
	net.fd4 = net.fd6 = net.fdarp = net.fdna = -1;
}

static int
net_setopt(int fd, int level, int name, int val, const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) == -1) {
		log_warn("net: %s", what);
		return (-1);
	}
	return (0);
}

/* docs/PROTOCOL.md: TTL 255 always, DF, TOS low-delay; our own multicast must
 * not come back to us (it would look like a second master). */
static int
net_open4(void)
{
	int	 fd;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    CARP_PROTO);
	if (fd == -1) {
		log_warn("net: raw IPv4 socket");
		return (-1);
	}
	net.fd4 = fd;
	if (net_setopt(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO") == -1 ||
	    net_setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0,
	    "IP_MULTICAST_LOOP") == -1 ||
	    net_setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255,
	    "IP_MULTICAST_TTL") == -1 ||
	    net_setopt(fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL") == -1 ||
	    net_setopt(fd, IPPROTO_IP, IP_TOS, IPTOS_LOWDELAY, "IP_TOS") == -1 ||
	    net_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO,
	    "IP_MTU_DISCOVER") == -1)
		return (-1);
	return (0);
}

/* No IPV6_CHECKSUM: the CARP checksum has no pseudo-header, the codec
 * computes it. */
static int
net_open6(void)
{
	int	 fd;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    CARP_PROTO);
	if (fd == -1) {
		log_warn("net: raw IPv6 socket");
		return (-1);
	}
	net.fd6 = fd;
	if (net_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1,
	    "IPV6_RECVPKTINFO") == -1 ||
	    net_setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1,
	    "IPV6_RECVHOPLIMIT") == -1 ||
	    net_setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0,
	    "IPV6_MULTICAST_LOOP") == -1 ||
	    net_setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255,
	    "IPV6_MULTICAST_HOPS") == -1 ||
	    net_setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255,
	    "IPV6_UNICAST_HOPS") == -1) {
		close(fd);
		net.fd6 = -1;
		return (-1);
	}
	return (0);
}

/* Send-only sockets: AF_PACKET with protocol 0 receives nothing, the
 * ICMPv6 one filters every type out. */
static int
net_open_announce(void)
{
	struct icmp6_filter	 filt;

	net.fdarp = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (net.fdarp == -1) {
		log_warn("net: packet socket");
		return (-1);
	}
	net.fdna = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	if (net.fdna == -1) {
		log_warn("net: ICMPv6 socket, no neighbour advertisements");
		return (0);
	}
	ICMP6_FILTER_SETBLOCKALL(&filt);
	(void)setsockopt(net.fdna, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
	    sizeof(filt));
	/* RFC 4861 7.1.2: a receiver drops ND with a hop limit below 255. */
	if (net_setopt(net.fdna, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255,
	    "IPV6_MULTICAST_HOPS") == -1 ||
	    net_setopt(net.fdna, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0,
	    "IPV6_MULTICAST_LOOP") == -1)
		return (-1);
	return (0);
}

/* ---- receive ---- */

/* A raw IPv4 socket hands us the IP header. Nothing in it is trusted:
 * the header length must fit, the total length must not claim more than
 * we got (a shorter one trims link padding). */
int
net_parse_ip4(const uint8_t *pkt, size_t len, struct sockaddr_in *src,
    int *ttl, size_t *off, size_t *plen)
{
	struct ip	 ip;
	size_t		 hl, tot;

	if (len < sizeof(ip))
		return (-1);
	memcpy(&ip, pkt, sizeof(ip));
	hl = (size_t)ip.ip_hl << 2;
	tot = ntohs(ip.ip_len);
	if (ip.ip_v != 4 || hl < sizeof(ip) || hl > len)
		return (-1);
	if (ip.ip_p != CARP_PROTO)
		return (-1);
	if (tot < hl || tot > len)
		return (-1);
	memset(src, 0, sizeof(*src));
	src->sin_family = AF_INET;
	src->sin_addr = ip.ip_src;
	*ttl = ip.ip_ttl;
	*off = hl;
	*plen = tot - hl;
	return (0);
}

/* Read a bounded burst from either socket, so timers still run. */
static void
net_recv(evutil_socket_t fd, short ev, void *arg)
{
	int	(*readfn)(void) = fd == net.fd4 ? net_read4 : net_read6;
	int	 i;

	(void)ev;
	(void)arg;
	for (i = 0; i < NET_BURST; i++)
		if (readfn() == -1)
			break;
}

/* One packet; -1 when there is nothing more to read. */
static int
net_read4(void)
{
	uint8_t			 buf[NET_PKTSZ];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cbuf;
	struct iovec		 iov = { buf, sizeof(buf) };
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct sockaddr_in	 src;
	unsigned		 ifindex = 0;
	size_t			 off, plen;
	ssize_t			 n;
	int			 ttl;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(net.fd4, &msg, 0)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("net: recvmsg");
		return (-1);
	}
	memset(&src, 0, sizeof(src));
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = (unsigned)pi.ipi_ifindex;
		}
	if ((msg.msg_flags & MSG_TRUNC) || ifindex == 0 ||
	    net_parse_ip4(buf, (size_t)n, &src, &ttl, &off, &plen) == -1)
		net_drop(&net.env->bad_packets, NET_DROP_MALFORMED,
		    src.sin_family == AF_INET ? (struct sockaddr *)&src : NULL);
	else
		carp_input(net.env, ifindex, AF_INET, (struct sockaddr *)&src,
		    ttl, buf + off, plen);
	return (0);
}


/* IPv6 raw sockets give the payload only; interface and hop limit come
 * as ancillary data. A packet without them cannot be checked: dropped. */
static int
net_read6(void)
{
	uint8_t			 buf[NET_PKTSZ];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(int))];
	}			 cbuf;
	struct iovec		 iov = { buf, sizeof(buf) };
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in6_pktinfo	 pi;
	struct sockaddr_in6	 src;
	unsigned		 ifindex = 0;
	ssize_t			 n;
	int			 hlim = -1;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &src;
	msg.msg_namelen = sizeof(src);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(net.fd6, &msg, 0)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("net: recvmsg6");
		return (-1);
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = pi.ipi6_ifindex;
		} else if (cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&hlim, CMSG_DATA(cm), sizeof(hlim));
	}
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || ifindex == 0 ||
	    hlim < 0 || msg.msg_namelen < sizeof(src) ||
	    src.sin6_family != AF_INET6)
		net_drop(&net.env->bad_packets, NET_DROP_MALFORMED,
		    msg.msg_namelen >= sizeof(src) &&
		    src.sin6_family == AF_INET6 ? (struct sockaddr *)&src :
		    NULL);
	else
		carp_input(net.env, ifindex, AF_INET6,
		    (struct sockaddr *)&src, hlim, buf, (size_t)n);
	return (0);
}

/* ---- multicast membership ---- */

/* The group of af: the configured mcast when it is of that family, else
 * CARP's own (carp.h). */
static void
net_group(const struct carp_if *cif, int af, void *out)
{
	if (cif->conf.mcast.af == af) {
		memcpy(out, &cif->conf.mcast.a, af == AF_INET ?
		    sizeof(struct in_addr) : sizeof(struct in6_addr));
		return;
	}
	if (af == AF_INET)
		(void)inet_pton(AF_INET, CARP_MCAST4, out);
	else
		(void)inet_pton(AF_INET6, CARP_MCAST6, out);
}

/* Find cif's entry (cif NULL: anyone's) for (af, ifindex, group). */
static struct net_member *
net_member_find(const struct carp_if *cif, int af, unsigned ifindex,
    const void *group)
{
	struct net_member	*m;
	size_t			 len;

	len = af == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
	TAILQ_FOREACH(m, &net.members, entry)
		if ((cif == NULL || m->cif == cif) && m->af == af &&
		    m->ifindex == ifindex && memcmp(&m->group, group, len) == 0)
			return (m);
	return (NULL);
}

/* Kernel join (or leave) of one group on one interface. */
static int
net_member_op(int join, int af, unsigned ifindex, const void *group)
{
	struct ip_mreqn		 mr;
	struct ipv6_mreq	 mr6;

	if (af == AF_INET) {
		memset(&mr, 0, sizeof(mr));
		memcpy(&mr.imr_multiaddr, group, sizeof(mr.imr_multiaddr));
		mr.imr_ifindex = (int)ifindex;
		return (setsockopt(net.fd4, IPPROTO_IP, join ?
		    IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr, sizeof(mr)));
	}
	if (net.fd6 == -1) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memset(&mr6, 0, sizeof(mr6));
	memcpy(&mr6.ipv6mr_multiaddr, group, sizeof(mr6.ipv6mr_multiaddr));
	mr6.ipv6mr_interface = ifindex;
	return (setsockopt(net.fd6, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP :
	    IPV6_LEAVE_GROUP, &mr6, sizeof(mr6)));
}

static int
net_join_af(struct carp_if *cif, int af)
{
	struct net_member	*m;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 group;

	/* A unicast peer of this family needs no membership. */
	if (!carp_has_af(cif, af) || cif->conf.peer.af == af)
		return (0);
	/* Index 0 would let the kernel pick an interface for us. */
	if (cif->carpdev_index == 0) {
		errno = ENODEV;
		return (-1);
	}
	net_group(cif, af, &group);
	if (net_member_find(cif, af, cif->carpdev_index, &group) != NULL)
		return (0);
	if (net_member_find(NULL, af, cif->carpdev_index, &group) == NULL &&
	    net_member_op(1, af, cif->carpdev_index, &group) == -1 &&
	    errno != EADDRINUSE) {
		log_warn("net: %s: join %s group on %s", cif->conf.name,
		    af == AF_INET ? "IPv4" : "IPv6", cif->conf.carpdev);
		return (-1);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("net: %s", __func__);
		return (-1);
	}
	m->cif = cif;
	m->af = af;
	m->ifindex = cif->carpdev_index;
	memcpy(&m->group, &group, sizeof(group));
	TAILQ_INSERT_TAIL(&net.members, m, entry);
	return (0);
}

int
net_join(struct carp_if *cif)
{
	int	 rv = 0;

	if (net_join_af(cif, AF_INET) == -1)
		rv = -1;
	if (net_join_af(cif, AF_INET6) == -1)
		rv = -1;
	return (rv);
}

/* Leave what cif joined (as recorded: its config may have changed since),
 * and drop the kernel membership when no other carp still needs it. */
void
net_leave(struct carp_if *cif)
{
	struct net_member	*m, *next;

	for (m = TAILQ_FIRST(&net.members); m != NULL; m = next) {
		next = TAILQ_NEXT(m, entry);
		if (m->cif != cif)
			continue;
		TAILQ_REMOVE(&net.members, m, entry);
		if (net_member_find(NULL, m->af, m->ifindex, &m->group) ==
		    NULL && net_member_op(0, m->af, m->ifindex, &m->group) ==
		    -1 && errno != EADDRNOTAVAIL && errno != ENODEV)
			log_warn("net: %s: leave group", cif->conf.name);
		free(m);
	}
}

/* ---- send ---- */

int
net_source(struct carp_if *cif, int af, struct sockaddr_storage *out)
{
	return (kif_primary_addr(cif->carpdev_index, af, cif->conf.addrs,
	    cif->conf.naddrs, out));
}

/* Destination of an advert over af: the unicast peer, the configured
 * group, or the CARP group; mcast says which kind. */
static void
net_dest(const struct carp_if *cif, int af, struct sockaddr_storage *ss,
    int *mcast)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	*mcast = cif->conf.peer.af != af;
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		if (*mcast)
			net_group(cif, af, &sin->sin_addr);
		else
			sin->sin_addr = cif->conf.peer.a.v4;
		return;
	}
	sin6->sin6_family = AF_INET6;
	if (*mcast)
		net_group(cif, af, &sin6->sin6_addr);
	else
		sin6->sin6_addr = cif->conf.peer.a.v6;
	if (IN6_IS_ADDR_MC_LINKLOCAL(&sin6->sin6_addr) ||
	    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
		sin6->sin6_scope_id = cif->carpdev_index;
}

int
net_send(struct carp_if *cif, int af, const uint8_t *buf, size_t len)
{
	int	 rv;

	if (af == AF_INET)
		rv = net_send4(cif, buf, len);
	else if (af == AF_INET6)
		rv = net_send6(cif, buf, len);
	else {
		errno = EAFNOSUPPORT;
		rv = -1;
	}
	if (rv == -1)
		net_logerr(&net.err_send, cif->conf.name, "send advert");
	return (rv);
}

/* The source is the carpdev's own address (never a VIP: a backup must
 * see who the master is). Multicast leaves through the carpdev; a
 * unicast peer is reached however the routing table says. */
static int
net_send4(struct carp_if *cif, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 dst, src;
	struct in_pktinfo	 pi;
	int			 mcast;

	if (net_source(cif, AF_INET, &src) == -1)
		return (-1);
	net_dest(cif, AF_INET, &dst, &mcast);
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = mcast ? (int)cif->carpdev_index : 0;
	pi.ipi_spec_dst = ((struct sockaddr_in *)&src)->sin_addr;
	return (net_sendmsg(net.fd4, buf, len, &dst,
	    sizeof(struct sockaddr_in), IPPROTO_IP, IP_PKTINFO, &pi,
	    sizeof(pi)));
}

static int
net_send6(struct carp_if *cif, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 dst, src;
	struct in6_pktinfo	 pi;
	int			 mcast;

	if (net.fd6 == -1) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (net_source(cif, AF_INET6, &src) == -1)
		return (-1);
	net_dest(cif, AF_INET6, &dst, &mcast);
	/* The source is a link-local address: only valid on the carpdev,
	 * whatever the destination. */
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_ifindex = cif->carpdev_index;
	pi.ipi6_addr = ((struct sockaddr_in6 *)&src)->sin6_addr;
	return (net_sendmsg(net.fd6, buf, len, &dst,
	    sizeof(struct sockaddr_in6), IPPROTO_IPV6, IPV6_PKTINFO, &pi,
	    sizeof(pi)));
}

/* One datagram to dst with one pktinfo control message (outgoing
 * interface and source address), the way every IP packet of ours
 * leaves: adverts over both families and the neighbour advertisements. */
static int
net_sendmsg(int fd, const void *buf, size_t len, const void *dst,
    socklen_t dstlen, int level, int type, const void *pi, size_t pilen)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cbuf;
	struct iovec		 iov = { (void *)(uintptr_t)buf, len };
	struct msghdr		 msg;
	struct cmsghdr		*cm;

	if (CMSG_SPACE(pilen) > sizeof(cbuf.buf)) {
		errno = EINVAL;
		return (-1);
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_name = (void *)(uintptr_t)dst;
	msg.msg_namelen = dstlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(pilen);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(pilen);
	memcpy(CMSG_DATA(cm), pi, pilen);
	if (sendmsg(fd, &msg, 0) == -1)
		return (-1);
	return (0);
}

/* ---- announce ---- */

/* docs/PROTOCOL.md: on becoming master, tell the segment where the addresses
 * live now: a gratuitous ARP per IPv4 address, an unsolicited NA with
 * the override flag per IPv6 address. */
void
net_announce(struct carp_if *cif)
{
	int	 i;

	for (i = 0; i < cif->conf.naddrs; i++) {
		if (cif->conf.addrs[i].af == AF_INET &&
		    net_garp(cif, &cif->conf.addrs[i]) == -1)
			net_logerr(&net.err_arp, cif->conf.name,
			    "gratuitous ARP");
		if (cif->conf.addrs[i].af == AF_INET6 &&
		    net_una(cif, &cif->conf.addrs[i]) == -1)
			net_logerr(&net.err_na, cif->conf.name,
			    "neighbour advertisement");
	}
}

/* Gratuitous ARP, as OpenBSD's arprequest(): an ARP request for the
 * address itself, broadcast. */
static int
net_garp(const struct carp_if *cif, const struct conf_addr *a)
{
	uint8_t			 frame[NET_ETH_MINLEN];
	struct net_arp		 g;
	struct sockaddr_ll	 sll;

	memset(&g, 0, sizeof(g));
	memset(g.eh.ether_dhost, 0xff, ETH_ALEN);
	memcpy(g.eh.ether_shost, cif->mac, ETH_ALEN);
	g.eh.ether_type = htons(ETHERTYPE_ARP);
	g.ah.ar_hrd = htons(ARPHRD_ETHER);
	g.ah.ar_pro = htons(ETHERTYPE_IP);
	g.ah.ar_hln = ETH_ALEN;
	g.ah.ar_pln = 4;
	g.ah.ar_op = htons(ARPOP_REQUEST);
	memcpy(g.sha, cif->mac, ETH_ALEN);
	memcpy(g.spa, &a->a.v4, 4);
	memcpy(g.tpa, &a->a.v4, 4);
	/* Padded here: veth and some drivers do not pad short frames. */
	memset(frame, 0, sizeof(frame));
	memcpy(frame, &g, sizeof(g));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_ARP);
	sll.sll_ifindex = (int)cif->addr_index;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	if (sendto(net.fdarp, frame, sizeof(frame), 0,
	    (struct sockaddr *)&sll, sizeof(sll)) == -1)
		return (-1);
	return (0);
}

/* The router flag must tell the truth (RFC 4861 7.2.5): a host that
 * sees it drop from 1 to 0 removes us from its default routers, and a
 * firewall's VIP usually is the default router. */
static int
net_is_router(unsigned ifindex)
{
	char	 ifname[IF_NAMESIZE], path[128];
	FILE	*f;
	int	 v = 0;

	if (if_indextoname(ifindex, ifname) == NULL)
		return (0);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding",
	    ifname);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return (v != 0);
}

/* Sent from the address itself (usable at once: kif adds it without
 * DAD), to all nodes, out of the interface that holds it. */
static int
net_una(const struct carp_if *cif, const struct conf_addr *a)
{
	struct net_una		 p;
	struct sockaddr_in6	 dst;
	struct in6_pktinfo	 pi;

	if (net.fdna == -1) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memset(&p, 0, sizeof(p));
	p.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	p.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	if (net_is_router(cif->addr_index))
		p.na.nd_na_flags_reserved |= ND_NA_FLAG_ROUTER;
	p.na.nd_na_target = a->a.v6;
	p.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	p.opt.nd_opt_len = 1;		/* in units of 8 bytes */
	memcpy(p.mac, cif->mac, ETH_ALEN);
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	(void)inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	dst.sin6_scope_id = cif->addr_index;
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = a->a.v6;
	pi.ipi6_ifindex = cif->addr_index;
	/* The kernel fills in the ICMPv6 checksum on this socket type. */
	return (net_sendmsg(net.fdna, &p, sizeof(p), &dst, sizeof(dst),
	    IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)));
}

/* A failing link makes the same error every interval: say it once, then
 * at most every NET_ERR_INTERVAL seconds with the count in between. */
static void
net_logerr(struct net_errlog *el, const char *name, const char *what)
{
	time_t	 now = time(NULL);
	int	 saved = errno;

	if (el->err == saved && now - el->last < NET_ERR_INTERVAL) {
		el->suppressed++;
		return;
	}
	if (el->suppressed > 0)
		log_warnx("net: %s: %s: %u more errors", name, what,
		    el->suppressed);
	errno = saved;
	log_warn("net: %s: %s", name, what);
	el->err = saved;
	el->last = now;
	el->suppressed = 0;
	errno = saved;
}
