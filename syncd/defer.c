/* defer (pfsync semantics): a new forwarded connection is held until the
 * peer has acknowledged its state or defer-timeout passes; at most
 * DEFER_MAX packets held at once, then packets pass and are counted. The
 * packets held are the connection's first replies (NFQUEUE, rule and the
 * reason in nft.c). With asymmetric paths a TCP SYN-ACK queued before
 * conntrack may also wait for the peer's state (the hook it was queued
 * on tells which; the ring of held packets and its rules: defer_ring.c). The queue is bound with fail-open and the rule with
 * bypass, so neither a full queue nor a dead syncd black-holes traffic.
 *
 * libnetfilter_queue is used for what it is made for: building the
 * config and verdict messages and parsing queued packets. Only the
 * headers are copied to us. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "clock.h"
#include "defer.h"
#include "defer_ring.h"
#include "log.h"
#include "nft.h"

#define DEFER_COPY	128	/* bytes of each packet: IP + L4 headers */

static struct {
	struct mnl_socket	*nl;
	struct event		*ev;
	struct event		*timer;
	uint16_t		 queue;
	unsigned		 timeout_ms;
	struct defer_ops	 ops;
	void			*arg;
	struct defer_ring	 ring;
	struct defer_stats	 st;
	int			 installed;
} dq;

static void
defer_verdict(uint32_t id, void *arg)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;

	(void)arg;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, dq.queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	if (mnl_socket_sendto(dq.nl, nlh, nlh->nlmsg_len) == -1) {
		dq.st.errors++;
		log_warn("defer: verdict for packet %u", id);
	}
}

static void
defer_arm(void)
{
	struct timeval	 tv;
	uint64_t	 now, due;

	dq.st.queued = dq.ring.n;
	if (dq.timer == NULL)
		return;
	if (dq.ring.n == 0) {
		evtimer_del(dq.timer);
		return;
	}
	now = clock_ms();
	due = defer_ring_due(&dq.ring);
	due = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(due / 1000);
	tv.tv_usec = (suseconds_t)((due % 1000) * 1000);
	evtimer_add(dq.timer, &tv);
}

static void
defer_expire(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	dq.st.timeouts += defer_ring_expire(&dq.ring, clock_ms());
	defer_arm();
}

void
defer_ack(uint32_t token)
{
	if (dq.ring.n == 0)
		return;
	dq.st.released += defer_ring_ack(&dq.ring, token);
	defer_arm();
}

void
defer_arrived(const struct defer_flow *f)
{
	defer_ring_arrived(&dq.ring, f);
}

void
defer_applied(void)
{
	unsigned	 n;

	if ((n = defer_ring_applied(&dq.ring)) == 0)
		return;
	dq.st.released += n;
	defer_arm();
}

void
defer_flush(void)
{
	dq.st.released += defer_ring_flush(&dq.ring);
	defer_arm();
}

/* Ports of TCP, UDP, UDP-Lite, SCTP and DCCP all open the L4 header. */
static int
defer_ports(uint8_t proto, const uint8_t *l4, size_t len,
    struct defer_flow *f)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		break;
	default:
		return (-1);
	}
	if (len < 4)
		return (-1);
	/* a reply: its destination port is the connection's source */
	f->dport = (uint16_t)(l4[0] << 8 | l4[1]);
	f->sport = (uint16_t)(l4[2] << 8 | l4[3]);
	f->l4proto = proto;
	return (0);
}

int
defer_parse(const uint8_t *p, size_t len, int family, struct defer_flow *f)
{
	const struct ip		*ip = (const struct ip *)p;
	const struct ip6_hdr	*ip6 = (const struct ip6_hdr *)p;
	size_t			 hl;

	memset(f, 0, sizeof(*f));
	f->family = family;
	if (family == AF_INET) {
		if (len < sizeof(*ip) || ip->ip_v != 4 ||
		    (hl = (size_t)ip->ip_hl * 4) < sizeof(*ip) || hl > len)
			return (-1);
		f->src.v4 = ip->ip_dst;
		f->dst.v4 = ip->ip_src;
		return (defer_ports(ip->ip_p, p + hl, len - hl, f));
	}
	/* IPv6 with extension headers is passed, not parsed */
	if (family != AF_INET6 || len < sizeof(*ip6) ||
	    (ip6->ip6_vfc >> 4) != 6)
		return (-1);
	f->src.v6 = ip6->ip6_dst;
	f->dst.v6 = ip6->ip6_src;
	return (defer_ports(ip6->ip6_nxt, p + sizeof(*ip6),
	    len - sizeof(*ip6), f));
}

/* Decide for one queued packet: hold it, or pass it at once. The hook
 * says which rule queued it: prerouting's is the first reply's, before
 * conntrack (nft.c). */
static void
defer_packet(uint32_t id, int family, uint8_t hook,
    const struct nlattr *payload)
{
	struct defer_flow	 f;
	uint64_t		 deadline = clock_ms() + dq.timeout_ms;
	uint32_t		 token;
	int			 first = hook == NF_INET_PRE_ROUTING, rv = -1;

	if (defer_ring_full(&dq.ring)) {
		dq.st.overflows++;
		defer_verdict(id, NULL);
		return;
	}
	if (payload != NULL && defer_parse(mnl_attr_get_payload(payload),
	    mnl_attr_get_payload_len(payload), family, &f) == 0)
		rv = first ? (dq.ops.first != NULL ? dq.ops.first(&f,
		    dq.arg) : -1) : dq.ops.reply(&f, &token, dq.arg);
	if (rv != 0) {
		dq.st.passed++;
		defer_verdict(id, NULL);
		return;
	}
	if (first)
		defer_ring_hold_state(&dq.ring, id, &f, deadline);
	else
		defer_ring_hold_ack(&dq.ring, id, token, deadline);
	dq.st.deferred++;
	if (dq.ring.n == 1)
		defer_arm();
	dq.st.queued = dq.ring.n;
}

static int
defer_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr			*attr[NFQA_MAX + 1] = { NULL };
	const struct nfqnl_msg_packet_hdr *ph;
	const struct nfgenmsg		*nfg = mnl_nlmsg_get_payload(nlh);

	(void)arg;
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL) {
		dq.st.errors++;
		return (MNL_CB_OK);
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	defer_packet(ntohl(ph->packet_id), nfg->nfgen_family, ph->hook,
	    attr[NFQA_PAYLOAD]);
	return (MNL_CB_OK);
}

static void
defer_read(evutil_socket_t fd, short ev, void *arg)
{
	char	 buf[MNL_SOCKET_BUFFER_SIZE + 0xffff];
	int	 n, i;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < 64; i++) {
		n = (int)mnl_socket_recvfrom(dq.nl, buf, sizeof(buf));
		if (n == -1) {
			/* ENOBUFS: the kernel dropped queue messages; with
			 * fail-open those packets passed. */
			if (errno == ENOBUFS)
				dq.st.errors++;
			else if (errno != EAGAIN && errno != EINTR)
				log_warn("defer: recv");
			return;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, defer_msg, NULL) == -1) {
			dq.st.errors++;
			log_warn("defer: queue %u", dq.queue);
		}
	}
}

static int
defer_config(struct nlmsghdr *(*fill)(char *), char *buf)
{
	struct nlmsghdr	*nlh = fill(buf);

	return ((int)mnl_socket_sendto(dq.nl, nlh, nlh->nlmsg_len));
}

static struct nlmsghdr *
defer_cfg_bind(char *buf)
{
	struct nlmsghdr	*nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, dq.queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	return (nlh);
}

/* The headers only, and fail-open so a full kernel queue passes
 * packets. */
static struct nlmsghdr *
defer_cfg_params(char *buf)
{
	struct nlmsghdr	*nlh;
	uint32_t	 flags = NFQA_CFG_F_FAIL_OPEN;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, dq.queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, DEFER_COPY);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, DEFER_MAX * 8);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	return (nlh);
}

int
defer_init(struct event_base *base, uint16_t queue, unsigned timeout_ms,
    const struct defer_ops *ops, void *arg)
{
	char	 buf[MNL_SOCKET_BUFFER_SIZE];
	int	 compat;

	memset(&dq, 0, sizeof(dq));
	dq.queue = queue;
	dq.timeout_ms = timeout_ms;
	dq.ops = *ops;
	dq.arg = arg;
	defer_ring_init(&dq.ring, defer_verdict, NULL);
	if ((dq.nl = mnl_socket_open2(NETLINK_NETFILTER,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(dq.nl, 0, MNL_SOCKET_AUTOPID) == -1 ||
	    defer_config(defer_cfg_bind, buf) == -1 ||
	    defer_config(defer_cfg_params, buf) == -1) {
		log_warn("defer: queue %u", queue);
		defer_cleanup();
		return (-1);
	}
	dq.ev = event_new(base, mnl_socket_get_fd(dq.nl), EV_READ | EV_PERSIST,
	    defer_read, NULL);
	dq.timer = evtimer_new(base, defer_expire, NULL);
	if (dq.ev == NULL || dq.timer == NULL || event_add(dq.ev, NULL) == -1)
		fatalx("defer: event");
	/* the rule goes in last: nothing is queued before we listen */
	if (nft_defer_install(queue, ops->first != NULL, &compat) == -1) {
		defer_cleanup();
		return (-1);
	}
	dq.installed = 1;
	log_info("defer: queue %u, timeout %u ms, at most %d held%s%s", queue,
	    timeout_ms, DEFER_MAX, ops->first != NULL ? ", first replies "
	    "wait for the peer's state (asymmetric paths)" : "",
	    compat ? " (xt NFQUEUE target)" : "");
	return (0);
}

void
defer_cleanup(void)
{
	/* rule first, so nothing new is queued while we let the rest go */
	if (dq.installed)
		nft_defer_remove();
	dq.installed = 0;
	if (dq.nl != NULL)
		defer_flush();
	if (dq.ev != NULL)
		event_free(dq.ev);
	if (dq.timer != NULL)
		event_free(dq.timer);
	dq.ev = dq.timer = NULL;
	if (dq.nl != NULL)
		mnl_socket_close(dq.nl);
	dq.nl = NULL;
}

const struct defer_stats *
defer_stats(void)
{
	return (&dq.st);
}
