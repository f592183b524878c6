/* Transport for syncd: UDP on the sync links. Unicast sends to syncpeer and
 * accepts datagrams only from it; multicast joins the group on syncdev
 * with TTL 1 so state never leaves the link. Each link's socket is bound
 * to one address (ours, or the group) on its syncdev and never shared
 * with another socket. With two links, a datagram takes the link
 * link_health.c chose, and datagrams are taken from either.
 * Authentication is seal.c's job: this layer only moves bytes. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"
#include "link.h"
#include "log.h"

#define LINK_RCVBUF	(4 * 1024 * 1024)
#define LINK_SNDBUF	(4 * 1024 * 1024)

static int	link_unicast_open(struct link_path *);
static int	link_mcast_open(struct link_path *);
static int	link_udp_send(struct link_path *, const uint8_t *, size_t);

static const struct link_ops link_unicast = {
	"unicast", link_unicast_open, link_udp_send
};
static const struct link_ops link_mcast = {
	"multicast", link_mcast_open, link_udp_send
};

static void
link_sockaddr(const struct conf_addr *a, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a.v6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr = a->a.v4;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	}
}

/* The address bytes of a sockaddr_in or sockaddr_in6 (af says which:
 * getifaddrs' netmasks need not say), and their count. */
static const uint8_t *
link_abytes(const void *sa, int af, size_t *n)
{
	const struct sockaddr_in	*sin = sa;
	const struct sockaddr_in6	*sin6 = sa;

	if (af == AF_INET6) {
		*n = sizeof(sin6->sin6_addr);
		return ((const uint8_t *)&sin6->sin6_addr);
	}
	*n = sizeof(sin->sin_addr);
	return ((const uint8_t *)&sin->sin_addr);
}

static void
link_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	size_t	 n;

	inet_ntop(ss->ss_family, link_abytes(ss, ss->ss_family, &n), buf,
	    (socklen_t)len);
}

/* 1 if the interface address i's prefix holds the peer p (same family). */
static int
link_same_prefix(const struct ifaddrs *i, const struct sockaddr_storage *p)
{
	const uint8_t	*a, *m, *d;
	size_t		 n, k;

	if (i->ifa_netmask == NULL)
		return (0);
	a = link_abytes(i->ifa_addr, p->ss_family, &n);
	m = link_abytes(i->ifa_netmask, p->ss_family, &n);
	d = link_abytes(p, p->ss_family, &n);
	for (k = 0; k < n; k++)
		if ((a[k] & m[k]) != (d[k] & m[k]))
			return (0);
	return (1);
}

static int
link_is_ll(const struct sockaddr *sa)
{
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)
	    (const void *)sa;

	return (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr));
}

/* How well the interface address suits the peer: 0 not at all (other
 * family, or link-local against a global peer and back), 1 usable, 2
 * in the peer's prefix. */
static int
link_addr_score(const struct link_path *l, const struct ifaddrs *i)
{
	if (i->ifa_addr->sa_family != l->dst.ss_family ||
	    link_is_ll(i->ifa_addr) !=
	    link_is_ll((const struct sockaddr *)&l->dst))
		return (0);
	return (1 + link_same_prefix(i, &l->dst));
}

/* Our address on syncdev in the peer's family: the one whose prefix
 * holds the peer, else the first (link-local IPv6 only for a link-local
 * peer, which needs the scope). -1 if syncdev has none. */
static int
link_local_addr(const struct link_path *l, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct ifaddrs	*ifa, *i;
	int		 best = 0, score;

	if (getifaddrs(&ifa) == -1)
		return (-1);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, l->ifname) != 0 ||
		    (score = link_addr_score(l, i)) <= best)
			continue;
		best = score;
		*len = l->dst.ss_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		memcpy(ss, i->ifa_addr, *len);
	}
	freeifaddrs(ifa);
	if (best == 0) {
		errno = EADDRNOTAVAIL;
		return (-1);
	}
	return (0);
}

static void
link_buffers(int fd)
{
	int	 buf;

	buf = LINK_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	buf = LINK_SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
}

/* A UDP socket on syncdev bound to addr and the port, alone: no
 * SO_REUSEADDR or SO_REUSEPORT, so while syncd holds it nobody else can
 * bind the same address and port (nor the wildcard, which conflicts with
 * every address of the port), and if someone got there first we refuse
 * to start instead of sharing the stream with them (hardening bug 2: a
 * process as nobody bound the port next to the wildcard socket and got
 * every datagram). */
static int
link_socket(struct link_path *l, const struct sockaddr_storage *addr,
    socklen_t len)
{
	char	 a[INET6_ADDRSTRLEN] = "?";
	int	 on = 1;

	if ((l->fd = socket(addr->ss_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	link_buffers(l->fd);
	/* the kernel's count of datagrams dropped on a full buffer rides
	 * with each datagram: rx.c tells a real jump of the peer's stream
	 * from a forged one by it */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) == -1)
		return (-1);
	if (setsockopt(l->fd, SOL_SOCKET, SO_BINDTODEVICE, l->ifname,
	    strlen(l->ifname)) == -1)
		return (-1);
	/* the address is syncdev's (link_local_addr found it there), but
	 * a new IPv6 address stays tentative until DAD ends and cannot be
	 * bound before; freebind lifts only that check */
	if (setsockopt(l->fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) == -1)
		return (-1);
	if (bind(l->fd, (const struct sockaddr *)addr, len) == 0)
		return (0);
	if (errno == EADDRINUSE) {
		link_ntop(addr, a, sizeof(a));
		log_warnx("sync link: %s port %u on %s is already bound by "
		    "another socket: refusing to share the sync traffic",
		    a, l->port, l->ifname);
	}
	return (-1);
}

/* Unicast: bound to our own address on syncdev, the one the peer sends
 * to. */
static int
link_unicast_open(struct link_path *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if (link_local_addr(l, &ss, &len) == -1) {
		log_warnx("sync link: %s has no address of the syncpeer's "
		    "family", l->ifname);
		return (-1);
	}
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(l->port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(l->port);
	return (link_socket(l, &ss, len));
}

/* Multicast: bound to the group itself (datagrams to the group and port
 * only), the group joined on syncdev only, and IP_MULTICAST_ALL off so
 * that no other membership on the host is delivered here; TTL 1 and no
 * loopback. Binding the group alone, without SO_REUSEADDR, keeps another
 * user from binding it (or the wildcard) beside us on syncdev. */
static int
link_mcast_open(struct link_path *l)
{
	struct sockaddr_in	*grp = (struct sockaddr_in *)&l->dst;
	struct ip_mreqn		 mr;
	int			 ttl = 1, off = 0;

	if (link_socket(l, &l->dst, l->dstlen) == -1)
		return (-1);
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr = grp->sin_addr;
	mr.imr_ifindex = (int)l->ifindex;
	if (setsockopt(l->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_ALL, &off,
	    sizeof(off)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off,
	    sizeof(off)) == -1)
		return (-1);
	return (0);
}

static int
link_udp_send(struct link_path *l, const uint8_t *buf, size_t len)
{
	if (sendto(l->fd, buf, len, 0, (struct sockaddr *)&l->dst,
	    l->dstlen) == -1) {
		l->send_errors++;
		return (-1);
	}
	return (0);
}

static int
link_from_peer(const struct link_path *l, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*a = (const struct sockaddr_in *)ss;
	const struct sockaddr_in	*p = (const struct sockaddr_in *)&l->dst;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in6	*p6 =
	    (const struct sockaddr_in6 *)&l->dst;

	if (l->ops == &link_mcast)
		return (1);
	if (ss->ss_family != l->dst.ss_family)
		return (0);
	if (ss->ss_family == AF_INET)
		return (a->sin_addr.s_addr == p->sin_addr.s_addr);
	return (memcmp(&a6->sin6_addr, &p6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0);
}

/* One datagram into buf; the kernel's drop count (SO_RXQ_OVFL) noted. */
static ssize_t
link_recv(struct link_path *l, uint8_t *buf, size_t len,
    struct sockaddr_storage *from)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(uint32_t))];
	}			 cbuf;
	struct iovec		 iov = { buf, len };
	struct msghdr		 msg;
	struct cmsghdr		*c;
	uint32_t		 drops;
	ssize_t			 n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = from;
	msg.msg_namelen = sizeof(*from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(l->fd, &msg, 0)) == -1)
		return (-1);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&drops, CMSG_DATA(c), sizeof(drops));
			l->set->kernel_drops += drops - l->kernel_drops;
			l->kernel_drops = drops;
		}
	return (n);
}

static void
link_read(evutil_socket_t fd, short ev, void *arg)
{
	static uint8_t		 buf[LINK_MAXDGRAM];
	struct link_path	*l = arg;
	struct sync_link	*set = l->set;
	struct sockaddr_storage	 from;
	ssize_t			 n;
	int			 i;

	(void)fd;
	(void)ev;
	/* Drain a bounded number per wake-up so timers still run. */
	for (i = 0; i < 256; i++) {
		if ((n = link_recv(l, buf, sizeof(buf), &from)) == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				l->rx_errors++;
				set->rx_errors++;
				log_warn("sync link %s: recv", l->ifname);
			}
			return;
		}
		if (!link_from_peer(l, &from)) {
			l->foreign++;
			set->foreign++;
			continue;
		}
		l->received++;
		/* link_heard() knows the link by this while rx.c runs */
		set->reading = l;
		set->recv(buf, (size_t)n, &from, set->arg);
		set->reading = NULL;
	}
}

static int
link_ifreq(const struct link_path *l, unsigned long req, struct ifreq *ifr)
{
	int	 s, rv;

	memset(ifr, 0, sizeof(*ifr));
	strlcpy(ifr->ifr_name, l->ifname, sizeof(ifr->ifr_name));
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	rv = ioctl(s, req, ifr);
	close(s);
	return (rv);
}

static int
link_path_carrier(const struct link_path *l)
{
	struct ifreq	 ifr;

	if (link_ifreq(l, SIOCGIFFLAGS, &ifr) == -1)
		return (0);
	return ((ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING));
}

int
link_carrier(struct sync_link *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		set->paths[i].carrier = link_path_carrier(&set->paths[i]);
	return (link_any_carrier(set));
}

static size_t
link_path_payload_max(const struct link_path *l)
{
	struct ifreq	 ifr;
	size_t		 hdr;
	int		 mtu = 1500;

	if (link_ifreq(l, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 1280)
		mtu = ifr.ifr_mtu;
	if (mtu > 65535)
		mtu = 65535;
	hdr = (l->dst.ss_family == AF_INET6 ? 40 : 20) + 8;
	return ((size_t)mtu - hdr);
}

size_t
link_payload_max(const struct sync_link *set)
{
	size_t	 i, m, min = LINK_MAXDGRAM;

	for (i = 0; i < set->n; i++)
		if ((m = link_path_payload_max(&set->paths[i])) < min)
			min = m;
	return (min);
}

/* Link i of the sync block: its syncpeer, or the group on its syncdev. */
static int
link_path_open(struct event_base *base, const struct conf_sync *cs,
    struct sync_link *set, size_t i)
{
	struct link_path	*l = &set->paths[i];

	l->set = set;
	l->fd = -1;
	l->port = cs->port;
	strlcpy(l->ifname, cs->syncdev[i], sizeof(l->ifname));
	if ((l->ifindex = if_nametoindex(l->ifname)) == 0) {
		log_warn("syncdev %s", l->ifname);
		return (-1);
	}
	if ((int)i < cs->nsyncpeer) {
		l->ops = &link_unicast;
		link_sockaddr(&cs->syncpeer[i], cs->port, &l->dst, &l->dstlen);
	} else {
		l->ops = &link_mcast;
		link_sockaddr(&cs->mcast, cs->port, &l->dst, &l->dstlen);
	}
	if (l->ops->open(l) == -1) {
		log_warn("sync link: %s on %s", l->ops->name, l->ifname);
		return (-1);
	}
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, link_read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		return (-1);
	log_info("sync link: %s on %s port %u", l->ops->name, l->ifname,
	    l->port);
	return (0);
}

struct sync_link *
link_open(struct event_base *base, const struct conf_sync *cs,
    link_recv_cb recv, void *arg)
{
	struct sync_link	*set;
	size_t			 i;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return (NULL);
	set->recv = recv;
	set->arg = arg;
	set->use = -1;
	for (i = 0; i < LINK_MAX; i++)
		set->paths[i].fd = -1;
	for (i = 0; i < (size_t)cs->nsyncdev && i < LINK_MAX; i++) {
		set->n = i + 1;
		if (link_path_open(base, cs, set, i) == -1) {
			link_close(set);
			return (NULL);
		}
	}
	link_carrier(set);
	link_health_init(set, clock_ms());
	return (set);
}

void
link_close(struct sync_link *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		if (set->paths[i].ev != NULL)
			event_free(set->paths[i].ev);
		if (set->paths[i].fd != -1)
			close(set->paths[i].fd);
	}
	free(set);
}

/* A send error is the window's to repair (rel.c): counted, not retried
 * on the other link, whose health link_health.c judges on its own. */
int
link_send(struct sync_link *set, const uint8_t *buf, size_t len)
{
	struct link_path	*l;

	l = &set->paths[set->use >= 0 ? (size_t)set->use : set->active];
	l->sent++;
	l->sent_ms = clock_ms();
	if (l->ops->send(l, buf, len) == -1) {
		set->send_errors++;
		return (-1);
	}
	return (0);
}
