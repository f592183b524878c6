/* Kernel interface of carpd over rtnetlink (libmnl), after bgpd's
 * kroute.c: one request socket for synchronous requests (each one is
 * acknowledged by the kernel at once, so a short receive timeout keeps
 * the event loop from stalling), one monitor socket on the link and
 * address groups: carrier changes of any link go to carpd through a
 * callback, addresses to the table in kif_addr.c, so that sending an
 * advert asks the kernel nothing. */
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libmnl/libmnl.h>

#include "kif.h"
#include "nl.h"
#include "log.h"

/* A request is answered at once; waiting longer would hold up adverts. */
#define KIF_REQ_TIMEOUT_MS	500
#define KIF_MON_RCVBUF		(1024 * 1024)
/* Messages read per monitor event, so a storm cannot starve timers. */
#define KIF_MON_BURST		64
/* Dump replies come in chunks of up to 32k on big-page machines. */
#define KIF_RCVBUFSZ		32768

struct kif_linkstate {
	unsigned	 ifindex;
	int		 up;
	unsigned	 gen;		/* dump that last saw it */
};

/* What one RTM_GETLINK answer tells us. */
struct kif_linkinfo {
	unsigned	 ifindex;
	unsigned	 flags;
	uint8_t		 mac[6];
	int		 have_mac;
	char		 kind[16];
	int		 found;
};

static struct {
	struct mnl_socket	*req;
	struct mnl_socket	*mon;
	struct event		*ev;
	kif_link_cb		 cb;
	void			*arg;
	uint32_t		 seq;
	struct kif_linkstate	*links;
	size_t			 nlinks;
	size_t			 maxlinks;
	unsigned		 gen;
} kif;

static struct mnl_socket *kif_req_socket(void);
static int	kif_talk(struct nlmsghdr *, mnl_cb_t, void *);
static struct nlmsghdr *kif_msg(char *, uint16_t type, uint16_t flags);
static int	kif_link_get(unsigned, const char *, struct kif_linkinfo *);
static int	kif_link_parse(const struct nlmsghdr *, void *);
static int	kif_link_attr(const struct nlattr *, void *);
static int	kif_linkinfo_attr(const struct nlattr *, void *);
static int	kif_link_running(unsigned flags);
static struct kif_linkstate *kif_link_find(unsigned);
static void	kif_link_update(unsigned, int up, int notify);
static void	kif_link_forget(unsigned);
static void	kif_link_sweep(void);
static int	kif_link_event(const struct nlmsghdr *, void *);
static int	kif_link_dump(int notify);
static void	kif_mon_read(evutil_socket_t, short, void *);
static void	kif_mon_drain(void);
static int	kif_mon_event(const struct nlmsghdr *, void *);
static int	kif_addr_req(uint16_t, unsigned, const struct conf_addr *);
static int	kif_addr_dump(void);
static unsigned	kif_vmac_reuse(const char *, const uint8_t *);
static int	kif_link_set(unsigned, const uint8_t *);

int
kif_init(struct event_base *base, kif_link_cb cb, void *arg)
{
	int	 bufsz = KIF_MON_RCVBUF;

	if (kif_req_socket() == NULL)
		return (-1);
	kif.cb = cb;
	kif.arg = arg;
	kif.mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (kif.mon == NULL) {
		log_warn("kif: monitor socket");
		goto fail;
	}
	/* A big buffer makes ENOBUFS rare; it is still handled below. */
	if (setsockopt(mnl_socket_get_fd(kif.mon), SOL_SOCKET, SO_RCVBUFFORCE,
	    &bufsz, sizeof(bufsz)) == -1)
		(void)setsockopt(mnl_socket_get_fd(kif.mon), SOL_SOCKET,
		    SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (mnl_socket_bind(kif.mon, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("kif: monitor bind");
		goto fail;
	}
	/* Learn the current states silently: carpd asks kif_link_up()
	 * when it starts; the callback is for changes only. Subscribed
	 * first, dumped then: a change in between is queued, not lost. */
	if (kif_link_dump(0) == -1 || kif_addr_dump() == -1)
		goto fail;
	kif.ev = event_new(base, mnl_socket_get_fd(kif.mon),
	    EV_READ | EV_PERSIST, kif_mon_read, NULL);
	if (kif.ev == NULL || event_add(kif.ev, NULL) == -1) {
		log_warnx("kif: cannot register the monitor event");
		goto fail;
	}
	return (0);
 fail:
	kif_cleanup();
	return (-1);
}

void
kif_cleanup(void)
{
	if (kif.ev != NULL)
		event_free(kif.ev);
	if (kif.mon != NULL)
		mnl_socket_close(kif.mon);
	if (kif.req != NULL)
		mnl_socket_close(kif.req);
	free(kif.links);
	kif_addr_cleanup();
	memset(&kif, 0, sizeof(kif));
}

/* The request socket is opened on first use, so that the address and
 * macvlan calls work before (and without) the link monitor. */
static struct mnl_socket *
kif_req_socket(void)
{
	if (kif.req != NULL)
		return (kif.req);
	kif.req = nl_open(NETLINK_ROUTE, 0, KIF_REQ_TIMEOUT_MS);
	if (kif.req == NULL) {
		log_warn("kif: request socket");
		return (NULL);
	}
	if (kif.seq == 0)
		kif.seq = (uint32_t)time(NULL);
	return (kif.req);
}

static struct nlmsghdr *
kif_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr	*nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++kif.seq;
	return (nlh);
}

/* A link request: the header and its ifinfomsg for ifindex (0: named
 * by IFLA_IFNAME, or every link in a dump). */
static struct nlmsghdr *
kif_link_msg(char *buf, uint16_t type, uint16_t flags, unsigned ifindex,
    struct ifinfomsg **ifip)
{
	struct nlmsghdr		*nlh = kif_msg(buf, type, flags);
	struct ifinfomsg	*ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (ifip != NULL)
		*ifip = ifi;
	return (nlh);
}

/* One request, read to its ack, error or end of dump (common/nl.c). */
static int
kif_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket	*nl;

	if ((nl = kif_req_socket()) == NULL)
		return (-1);
	return (nl_talk(nl, nlh, cb, data));
}

/* ---- links ---- */

unsigned
kif_ifindex(const char *ifname)
{
	return (if_nametoindex(ifname));
}

/* Up means administratively up and running: the kernel sets IFF_RUNNING
 * from the operational state (carrier present, lower layers up), and
 * interfaces without carrier detection (dummy) report it as well. */
static int
kif_link_running(unsigned flags)
{
	return ((flags & IFF_UP) && (flags & IFF_RUNNING));
}

int
kif_link_up(unsigned ifindex)
{
	struct kif_linkinfo	 li;

	if (kif_link_get(ifindex, NULL, &li) == -1)
		return (-1);
	return (kif_link_running(li.flags));
}

int
kif_link_mac(unsigned ifindex, uint8_t mac[6])
{
	struct kif_linkinfo	 li;

	if (kif_link_get(ifindex, NULL, &li) == -1)
		return (-1);
	if (!li.have_mac) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	memcpy(mac, li.mac, sizeof(li.mac));
	return (0);
}

/* RTM_GETLINK for one link, by index or (ifindex 0) by name. */
static int
kif_link_get(unsigned ifindex, const char *name, struct kif_linkinfo *li)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;

	memset(li, 0, sizeof(*li));
	/* The ack marks the end of the answer. */
	nlh = kif_link_msg(buf, RTM_GETLINK, NLM_F_ACK, ifindex, NULL);
	if (ifindex == 0)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (kif_talk(nlh, kif_link_parse, li) == -1)
		return (-1);
	if (!li->found) {
		errno = ENODEV;
		return (-1);
	}
	return (0);
}

static int
kif_link_parse(const struct nlmsghdr *nlh, void *data)
{
	struct kif_linkinfo	*li = data;
	struct ifinfomsg	*ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return (MNL_CB_OK);
	ifi = mnl_nlmsg_get_payload(nlh);
	li->ifindex = (unsigned)ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	li->found = 1;
	/* A bad attribute leaves what the header said. */
	(void)mnl_attr_parse(nlh, sizeof(*ifi), kif_link_attr, li);
	return (MNL_CB_OK);
}

static int
kif_link_attr(const struct nlattr *a, void *data)
{
	struct kif_linkinfo	*li = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_ADDRESS:
		/* Ethernet-like links only: ARP and macvlan need 6 bytes. */
		if (mnl_attr_get_payload_len(a) == sizeof(li->mac)) {
			memcpy(li->mac, mnl_attr_get_payload(a),
			    sizeof(li->mac));
			li->have_mac = 1;
		}
		break;
	case IFLA_LINKINFO:
		(void)mnl_attr_parse_nested(a, kif_linkinfo_attr, li);
		break;
	}
	return (MNL_CB_OK);
}

static int
kif_linkinfo_attr(const struct nlattr *a, void *data)
{
	struct kif_linkinfo	*li = data;
	size_t			 len;

	if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
		return (MNL_CB_OK);
	len = mnl_attr_get_payload_len(a);
	if (len >= sizeof(li->kind))
		len = sizeof(li->kind) - 1;
	memcpy(li->kind, mnl_attr_get_payload(a), len);
	li->kind[len] = '\0';
	return (MNL_CB_OK);
}

/* ---- link monitor ---- */

static struct kif_linkstate *
kif_link_find(unsigned ifindex)
{
	size_t	 i;

	for (i = 0; i < kif.nlinks; i++)
		if (kif.links[i].ifindex == ifindex)
			return (&kif.links[i]);
	return (NULL);
}

/* Remember the state and tell carpd when it changed. A link seen for the
 * first time is reported only when it is up (a carpdev that appears). */
static void
kif_link_update(unsigned ifindex, int up, int notify)
{
	struct kif_linkstate	*ls, *n;
	size_t			 max;

	if ((ls = kif_link_find(ifindex)) != NULL) {
		ls->gen = kif.gen;
		if (ls->up == up)
			return;
		ls->up = up;
	} else {
		if (kif.nlinks == kif.maxlinks) {
			max = kif.maxlinks ? kif.maxlinks * 2 : 16;
			n = reallocarray(kif.links, max, sizeof(*n));
			if (n == NULL) {
				log_warn("kif: link table");
				return;
			}
			kif.links = n;
			kif.maxlinks = max;
		}
		ls = &kif.links[kif.nlinks++];
		ls->ifindex = ifindex;
		ls->up = up;
		ls->gen = kif.gen;
		if (!up)
			return;
	}
	log_debug("kif: link %u %s", ifindex, up ? "up" : "down");
	if (notify && kif.cb != NULL)
		kif.cb(ifindex, up, kif.arg);
}

static void
kif_link_forget(unsigned ifindex)
{
	struct kif_linkstate	*ls;
	int			 was_up;

	if ((ls = kif_link_find(ifindex)) == NULL)
		return;
	was_up = ls->up;
	*ls = kif.links[--kif.nlinks];
	log_debug("kif: link %u removed", ifindex);
	if (was_up && kif.cb != NULL)
		kif.cb(ifindex, 0, kif.arg);
}

/* After a re-dump: a link the dump did not show was deleted while the
 * monitor was overrun. */
static void
kif_link_sweep(void)
{
	size_t	 i;

	for (i = 0; i < kif.nlinks; )
		if (kif.links[i].gen != kif.gen)
			kif_link_forget(kif.links[i].ifindex);
		else
			i++;
}

static int
kif_link_event(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg	*ifi;
	int			 notify = *(int *)data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return (MNL_CB_OK);	/* malformed: ignore, keep going */
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return (MNL_CB_OK);
	if (nlh->nlmsg_type == RTM_NEWLINK)
		kif_link_update((unsigned)ifi->ifi_index,
		    kif_link_running(ifi->ifi_flags), notify);
	else if (nlh->nlmsg_type == RTM_DELLINK && notify) {
		kif_addr_forget_link((unsigned)ifi->ifi_index);
		kif_link_forget((unsigned)ifi->ifi_index);
	}
	return (MNL_CB_OK);
}

/* The monitor carries both groups: one message at a time to its table. */
static int
kif_mon_event(const struct nlmsghdr *nlh, void *data)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return (kif_addr_event(nlh, NULL));
	default:
		return (kif_link_event(nlh, data));
	}
}

/* Fetch every link's state over the request socket; with notify, report
 * the differences (after the monitor lost messages). */
static int
kif_link_dump(int notify)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;

	nlh = kif_link_msg(buf, RTM_GETLINK, NLM_F_DUMP, 0, NULL);
	kif.gen++;
	if (kif_talk(nlh, kif_link_event, &notify) == -1) {
		log_warn("kif: link dump");
		return (-1);
	}
	if (notify)
		kif_link_sweep();
	return (0);
}

static void
kif_mon_drain(void)
{
	char	 buf[KIF_RCVBUFSZ];
	int	 i;

	for (i = 0; i < 100000; i++)
		if (mnl_socket_recvfrom(kif.mon, buf, sizeof(buf)) == -1 &&
		    errno != ENOBUFS && errno != EINTR)
			break;
}

static void
kif_mon_read(evutil_socket_t fd, short ev, void *arg)
{
	char	 buf[KIF_RCVBUFSZ];
	ssize_t	 n;
	int	 i, notify = 1;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < KIF_MON_BURST; i++) {
		n = mnl_socket_recvfrom(kif.mon, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS) {
				log_warn("kif: monitor read");
				return;
			}
			/* The kernel dropped messages: re-read every link
			 * and address so that no change goes unseen. What
			 * is still queued is older than the dumps and would
			 * undo them: thrown away first. */
			log_warnx("kif: monitor overrun, re-reading links "
			    "and addresses");
			kif_mon_drain();
			(void)kif_link_dump(1);
			(void)kif_addr_dump();
			continue;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, kif_mon_event,
		    &notify) == MNL_CB_ERROR)
			log_warn("kif: monitor message");
	}
}

/* ---- addresses ---- */

static int
kif_addr_req(uint16_t type, unsigned ifindex, const struct conf_addr *a)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;
	uint16_t		 flags = NLM_F_ACK;

	if (a->af != AF_INET && a->af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	if (type == RTM_NEWADDR)
		flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh = kif_msg(buf, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->af;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (a->af == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, sizeof(a->a.v4), &a->a.v4);
		mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a->a.v4), &a->a.v4);
	} else {
		if (IN6_IS_ADDR_LINKLOCAL(&a->a.v6))
			ifa->ifa_scope = RT_SCOPE_LINK;
		mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a->a.v6), &a->a.v6);
		/* A virtual address must answer at once after failover;
		 * duplicate address detection would hold it a second. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return (kif_talk(nlh, NULL, NULL));
}

int
kif_addr_add(unsigned ifindex, const struct conf_addr *a)
{
	if (kif_addr_req(RTM_NEWADDR, ifindex, a) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

int
kif_addr_del(unsigned ifindex, const struct conf_addr *a)
{
	if (kif_addr_req(RTM_DELADDR, ifindex, a) == -1 &&
	    errno != EADDRNOTAVAIL)
		return (-1);
	return (0);
}

/* Every address of every interface into kif_addr.c's table, which
 * starts over: after an overrun it may hold addresses long gone. */
static int
kif_addr_dump(void)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifaddrmsg	*ifa;

	kif_addr_flush();
	nlh = kif_msg(buf, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (kif_talk(nlh, kif_addr_event, NULL) == -1) {
		log_warn("kif: address dump");
		return (-1);
	}
	return (0);
}

/* With the monitor running the table is current: a lookup, no request.
 * Without it (kif_init not called: tools, tests) one dump refreshes it
 * first. */
int
kif_primary_addr(unsigned ifindex, int af, const struct conf_addr *skip,
    int nskip, struct sockaddr_storage *out)
{
	if (kif.mon == NULL && kif_addr_dump() == -1)
		return (-1);
	return (kif_addr_lookup(ifindex, af, skip, skip != NULL ? nskip : 0,
	    out));
}

/* ---- macvlan ---- */

/* Set the MAC (when given) and bring the link up. */
static int
kif_link_set(unsigned ifindex, const uint8_t *mac)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;

	nlh = kif_link_msg(buf, RTM_NEWLINK, NLM_F_ACK, ifindex, &ifi);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mac != NULL)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return (kif_talk(nlh, NULL, NULL));
}

/* An IPv4 devconf value of ifindex through rtnetlink (IFLA_AF_SPEC,
 * AF_INET, IFLA_INET_CONF; the attribute type is the devconf index), not
 * /proc/sys: systemd's ProtectKernelTunables makes that read-only, and
 * CAP_NET_ADMIN is all this needs. */
int
kif_inet_conf(unsigned ifindex, int key, uint32_t value)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct nlattr		*spec, *inet, *cnf;

	nlh = kif_link_msg(buf, RTM_SETLINK, NLM_F_ACK, ifindex, NULL);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet = mnl_attr_nest_start(nlh, AF_INET);
	cnf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, (uint16_t)key, value);
	mnl_attr_nest_end(nlh, cnf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	return (kif_talk(nlh, NULL, NULL));
}

int
kif_promote_secondaries(unsigned ifindex)
{
	return (kif_inet_conf(ifindex, IPV4_DEVCONF_PROMOTE_SECONDARIES, 1));
}

/* An interface of that name exists (left over from an earlier run, or a
 * reload): take it over if it is a macvlan, refuse anything else. */
static unsigned
kif_vmac_reuse(const char *name, const uint8_t *mac)
{
	struct kif_linkinfo	 li;

	if (kif_link_get(0, name, &li) == -1) {
		log_warn("kif: %s", name);
		return (0);
	}
	if (strcmp(li.kind, "macvlan") != 0) {
		log_warnx("kif: %s exists and is not a macvlan", name);
		return (0);
	}
	if ((!li.have_mac || memcmp(li.mac, mac, 6) != 0 ||
	    !(li.flags & IFF_UP)) && kif_link_set(li.ifindex, mac) == -1) {
		log_warn("kif: %s: set address", name);
		return (0);
	}
	return (li.ifindex);
}

/* A macvlan in bridge mode: it talks to other macvlans on the same
 * parent too, and carries the virtual MAC so that ARP caches on the
 * segment need no update on failover. */
unsigned
kif_vmac_create(const char *name, unsigned parent, const uint8_t mac[6])
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	struct ifinfomsg	*ifi;
	struct nlattr		*linkinfo, *data;

	nlh = kif_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL |
	    NLM_F_ACK, 0, &ifi);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, parent);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (kif_talk(nlh, NULL, NULL) == -1) {
		if (errno == EEXIST)
			return (kif_vmac_reuse(name, mac));
		log_warn("kif: create macvlan %s", name);
		return (0);
	}
	return (if_nametoindex(name));
}

int
kif_vmac_destroy(const char *name)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;

	nlh = kif_link_msg(buf, RTM_DELLINK, NLM_F_ACK, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (kif_talk(nlh, NULL, NULL) == -1 && errno != ENODEV) {
		log_warn("kif: destroy %s", name);
		return (-1);
	}
	return (0);
}
