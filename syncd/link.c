/* Transport for syncd: UDP on the sync link. Unicast sends to syncpeer and
 * accepts datagrams only from it; multicast joins the group on syncdev
 * with TTL 1 so state never leaves the link. Authentication is seal.c's
 * job: this layer only moves bytes. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "link.h"
#include "log.h"

#define LINK_RCVBUF	(4 * 1024 * 1024)
#define LINK_SNDBUF	(4 * 1024 * 1024)

static int	link_unicast_open(struct sync_link *);
static int	link_mcast_open(struct sync_link *);
static int	link_udp_send(struct sync_link *, const uint8_t *, size_t);

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

/* A UDP socket on syncdev, bound to the port on every address of it. */
static int
link_socket(struct sync_link *l, int af)
{
	struct sockaddr_storage	 ss;
	struct conf_addr	 any;
	socklen_t		 len;
	int			 on = 1, buf;

	if ((l->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-1);
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	buf = LINK_RCVBUF;
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	buf = LINK_SNDBUF;
	if (setsockopt(l->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf,
	    sizeof(buf)) == -1)
		setsockopt(l->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (setsockopt(l->fd, SOL_SOCKET, SO_BINDTODEVICE, l->ifname,
	    strlen(l->ifname)) == -1)
		return (-1);
	memset(&any, 0, sizeof(any));
	any.af = af;
	link_sockaddr(&any, l->port, &ss, &len);
	return (bind(l->fd, (struct sockaddr *)&ss, len));
}

static int
link_unicast_open(struct sync_link *l)
{
	return (link_socket(l, l->dst.ss_family));
}

/* Multicast: TTL 1 and no loopback, the group joined on syncdev only. */
static int
link_mcast_open(struct sync_link *l)
{
	struct sockaddr_in	*grp = (struct sockaddr_in *)&l->dst;
	struct ip_mreqn		 mr;
	int			 ttl = 1, loop = 0;

	if (link_socket(l, AF_INET) == -1)
		return (-1);
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr = grp->sin_addr;
	mr.imr_ifindex = (int)l->ifindex;
	if (setsockopt(l->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl)) == -1 ||
	    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop)) == -1)
		return (-1);
	return (0);
}

static int
link_udp_send(struct sync_link *l, const uint8_t *buf, size_t len)
{
	if (sendto(l->fd, buf, len, 0, (struct sockaddr *)&l->dst,
	    l->dstlen) == -1) {
		l->send_errors++;
		return (-1);
	}
	return (0);
}

static int
link_from_peer(const struct sync_link *l, const struct sockaddr_storage *ss)
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

static void
link_read(evutil_socket_t fd, short ev, void *arg)
{
	static uint8_t		 buf[LINK_MAXDGRAM];
	struct sync_link	*l = arg;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	ssize_t			 n;
	int			 i;

	(void)ev;
	/* Drain a bounded number per wake-up so timers still run. */
	for (i = 0; i < 256; i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				l->rx_errors++;
				log_warn("sync link: recv");
			}
			return;
		}
		if (!link_from_peer(l, &from)) {
			l->foreign++;
			continue;
		}
		l->recv(buf, (size_t)n, &from, l->arg);
	}
}

static int
link_ifreq(const struct sync_link *l, unsigned long req, struct ifreq *ifr)
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

int
link_carrier(const struct sync_link *l)
{
	struct ifreq	 ifr;

	if (link_ifreq(l, SIOCGIFFLAGS, &ifr) == -1)
		return (0);
	return ((ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING));
}

size_t
link_payload_max(const struct sync_link *l)
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

struct sync_link *
link_open(struct event_base *base, const struct conf_sync *cs,
    link_recv_cb recv, void *arg)
{
	struct sync_link	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	l->fd = -1;
	l->recv = recv;
	l->arg = arg;
	l->port = cs->port;
	strlcpy(l->ifname, cs->syncdev, sizeof(l->ifname));
	if ((l->ifindex = if_nametoindex(cs->syncdev)) == 0) {
		log_warn("syncdev %s", cs->syncdev);
		goto fail;
	}
	if (cs->syncpeer.af != 0) {
		l->ops = &link_unicast;
		link_sockaddr(&cs->syncpeer, cs->port, &l->dst, &l->dstlen);
	} else {
		l->ops = &link_mcast;
		link_sockaddr(&cs->mcast, cs->port, &l->dst, &l->dstlen);
	}
	if (l->ops->open(l) == -1) {
		log_warn("sync link: %s on %s", l->ops->name, l->ifname);
		goto fail;
	}
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, link_read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		goto fail;
	log_info("sync link: %s on %s port %u", l->ops->name, l->ifname,
	    l->port);
	return (l);
 fail:
	link_close(l);
	return (NULL);
}

void
link_close(struct sync_link *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd != -1)
		close(l->fd);
	free(l);
}

int
link_send(struct sync_link *l, const uint8_t *buf, size_t len)
{
	return (l->ops->send(l, buf, len));
}
