/* Kernel conntrack table access: sockets, events, ignore list, dump, get.
 *
 * Three netlink sockets:
 *   events  subscribed to NEW/UPDATE/DESTROY, non-blocking, big buffer
 *   apply   our create/update/delete requests; its portid is what the
 *           kernel puts in nlmsg_pid of the events our requests cause,
 *           which is how we tell our own injections from real traffic
 *   dump    opened per ct_dump(), blocking
 *
 * The rest of the module: ct_conv.c (conversion), ct_apply.c (apply). */
#include <sys/socket.h>
#include <linux/filter.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "log.h"
#include "ct_var.h"
#include "nl.h"

/* 32 MB overran under a burst of 100,000 states at 186,000 a second
 * (make bench, sync/100000), and the resync it forces sends the table
 * twice. Kernel memory is charged only for events not yet read. */
#define CT_EV_RCVBUF		(128 * 1024 * 1024)
#define CT_EV_RCVBUF_MAX	(256 * 1024 * 1024)
#define CT_EVENT_BURST		512	/* events per read callback */

struct ct_stats		 ct_counters;

static struct {
	uint32_t		 rcvbuf;	/* initial, 0: CT_EV_RCVBUF */
	int			 overrun_pending; /* resync once drained */
	int			 held;		/* ct_events_hold */
	struct mnl_socket	*ev;
	struct event		*ev_read;
	struct ct_cb		 cb;
	void			*arg;
	struct ct_prefix	*ignore;
	size_t			 nignore;
} ct;

/* Ignore list */

int
ct_prefix_match(const struct ct_prefix *p, int family,
    const union sync_addr *a)
{
	size_t	 full, rest, alen = family == AF_INET ? 4 : 16;

	if (p->family != family || p->plen > alen * 8)
		return (0);
	full = p->plen / 8;
	rest = p->plen % 8;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((p->addr.b[full] ^ a->b[full]) & (0xff00 >> rest)) == 0);
}

static int
ct_addr_ignored(int family, const union sync_addr *a)
{
	static const struct ct_prefix lo4 = { AF_INET, 8, { .b = { 127 } } };
	static const struct ct_prefix lo6 = { AF_INET6, 128,
	    { .b = { [15] = 1 } } };
	size_t	 i;

	if (ct_prefix_match(&lo4, family, a) ||
	    ct_prefix_match(&lo6, family, a))
		return (1);
	for (i = 0; i < ct.nignore; i++)
		if (ct_prefix_match(&ct.ignore[i], family, a))
			return (1);
	return (0);
}

/* Either end in either tuple: the reply source is the original
 * destination after DNAT, the reply destination the SNAT address.
 * Every event and every received state passes here: the reply's
 * addresses are checked only when NAT made them differ. */
int
ct_ignored(const struct sync_state *s)
{
	if (ct_addr_ignored(s->family, &s->orig.src) ||
	    ct_addr_ignored(s->family, &s->orig.dst))
		return (1);
	if (memcmp(&s->reply.src, &s->orig.dst, sizeof(s->reply.src)) != 0 &&
	    ct_addr_ignored(s->family, &s->reply.src))
		return (1);
	return (memcmp(&s->reply.dst, &s->orig.src, sizeof(s->reply.dst)) != 0 &&
	    ct_addr_ignored(s->family, &s->reply.dst));
}

int
ct_set_ignore(const struct ct_prefix *p, size_t n)
{
	struct ct_prefix	*np = NULL;

	if (n > 0) {
		if ((np = calloc(n, sizeof(*np))) == NULL)
			return (-1);
		memcpy(np, p, n * sizeof(*np));
	}
	free(ct.ignore);
	ct.ignore = np;
	ct.nignore = n;
	return (0);
}

const struct ct_stats *
ct_stats(void)
{
	return (&ct_counters);
}

/* Sockets */

/* A ctnetlink request of type (IPCTNL_MSG_CT_*) for family in buf. */
struct nlmsghdr *
ct_nlmsg_put(void *buf, uint16_t type, uint16_t flags, uint32_t seq,
    uint8_t family)
{
	return (nl_nfmsg_put(buf, NFNL_SUBSYS_CTNETLINK, (uint8_t)type, flags,
	    seq, family));
}

struct mnl_socket *
ct_socket(unsigned int groups)
{
	struct mnl_socket	*nl;

	if ((nl = nl_open(NETLINK_NETFILTER, groups, 0)) == NULL)
		log_warn("ct: netlink socket");
	return (nl);
}

static void	 ct_event_read(int, short, void *);
static void	 ct_dump_async_cancel(void);

/* Drop the events our own apply socket causes in the kernel, before they
 * take room in the event socket's buffer: applying a peer's bulk would
 * otherwise overrun it with our own echo. The check in ct_event_state()
 * stays, for a kernel that refuses the filter. The word at offset 12 is
 * nlmsg_pid in host order; BPF loads words big-endian, hence ntohl. */
static void
ct_echo_filter(int fd)
{
	struct sock_filter	 code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(ct_apply_portid()),
		    0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog	 prog = { sizeof(code) / sizeof(code[0]), code };

	if (ct_apply_portid() == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		log_warn("ct: echo filter (filtering in userspace instead)");
}

static int
ct_open_events(struct event_base *base)
{
	int	 fd;

	ct.ev = ct_socket(1 << (NFNLGRP_CONNTRACK_NEW - 1) |
	    1 << (NFNLGRP_CONNTRACK_UPDATE - 1) |
	    1 << (NFNLGRP_CONNTRACK_DESTROY - 1));
	if (ct.ev == NULL)
		return (-1);
	fd = mnl_socket_get_fd(ct.ev);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("ct: event socket non-blocking");
		return (-1);
	}
	if (ct.rcvbuf == 0)
		ct.rcvbuf = CT_EV_RCVBUF;
	if (nl_rcvbuf(ct.ev, (int)ct.rcvbuf) == -1)
		log_warn("ct: event socket buffer");
	ct_counters.rcvbuf = ct.rcvbuf;
	ct_echo_filter(fd);
	ct.ev_read = event_new(base, fd, EV_READ | EV_PERSIST, ct_event_read,
	    NULL);
	if (ct.ev_read == NULL || event_add(ct.ev_read, NULL) == -1) {
		log_warnx("ct: event_add");
		return (-1);
	}
	return (0);
}

void
ct_set_event_buffer(uint32_t bytes)
{
	ct.rcvbuf = bytes;
}

void
ct_events_hold(int on)
{
	if (ct.ev_read == NULL || on == ct.held)
		return;
	ct.held = on;
	if (on) {
		ct_counters.holds++;
		event_del(ct.ev_read);
		return;
	}
	if (event_add(ct.ev_read, NULL) == -1)
		log_warnx("ct: event_add");
	/* one read from the loop even if the socket is empty by now: an
	 * overrun waits for the read that says drained (EAGAIN), which a
	 * hold may have cut off, and no new event may come to wake us */
	event_active(ct.ev_read, EV_READ, 0);
}

int
ct_events_held(void)
{
	return (ct.held);
}

int
ct_init(struct event_base *base, const struct ct_cb *cb, void *arg)
{
	if (ct_apply_open() == -1)
		return (-1);
	if (cb != NULL) {
		ct.cb = *cb;
		ct.arg = arg;
		if (ct_open_events(base) == -1) {
			ct_shutdown();
			return (-1);
		}
	}
	return (0);
}

void
ct_shutdown(void)
{
	ct_dump_async_cancel();
	if (ct.ev_read != NULL)
		event_free(ct.ev_read);
	if (ct.ev != NULL)
		mnl_socket_close(ct.ev);
	ct_apply_close();
	free(ct.ignore);
	memset(&ct, 0, sizeof(ct));	/* the buffer size too: set per start */
	memset(&ct_counters, 0, sizeof(ct_counters));
}

/* Events */

/* The events of one read, parsed and kept until the read is done, so
 * that cb.on_prefetch sees all of them before any is passed on. */
#define CT_EV_PEND	64

static struct {
	struct sync_state	 s[CT_EV_PEND];
	uint8_t			 del[CT_EV_PEND];
	int			 n;
} ct_pend;

static void
ct_event_flush(void)
{
	int	 i, n = ct_pend.n;

	ct_pend.n = 0;
	for (i = 0; ct.cb.on_prefetch != NULL && i < n; i++)
		ct.cb.on_prefetch(&ct_pend.s[i], ct.arg);
	for (i = 0; i < n; i++) {
		if (ct_pend.del[i]) {
			if (ct.cb.on_delete != NULL)
				ct.cb.on_delete(&ct_pend.s[i], ct.arg);
		} else if (ct.cb.on_update != NULL)
			ct.cb.on_update(&ct_pend.s[i], ct.arg);
	}
}

static void
ct_event_state(const struct nlmsghdr *nlh)
{
	struct sync_state	*s = &ct_pend.s[ct_pend.n];

	if (ct_nlmsg_state(nlh, s) == -1 || ct_ignored(s)) {
		ct_counters.ignored++;
		return;
	}
	ct_pend.del[ct_pend.n] =
	    NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_CT_DELETE;
	if (++ct_pend.n == CT_EV_PEND)
		ct_event_flush();
}

static int
ct_event_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	ct_counters.events++;
	/* the kernel stamps events caused by a request with the
	 * requester's portid; kernel-originated ones carry 0 */
	if (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid == ct_apply_portid()) {
		ct_counters.echo_suppressed++;
		return (MNL_CB_OK);
	}
	ct_event_state(nlh);
	return (MNL_CB_OK);
}

/* Events were dropped: grow the buffer so it happens less, and let the
 * caller resync from a dump, which is the only way to learn what was
 * lost. */
static void
ct_overrun(void)
{
	uint32_t	 size = ct_counters.rcvbuf, max = CT_EV_RCVBUF_MAX;

	ct_counters.overruns++;
	if (ct.rcvbuf > max)
		max = ct.rcvbuf;
	if (size < max) {
		size = size > max / 2 ? max : size * 2;
		if (nl_rcvbuf(ct.ev, (int)size) == 0)
			ct_counters.rcvbuf = size;
	}
	log_warnx("ct: event overrun, buffer %u bytes, resync once drained",
	    ct_counters.rcvbuf);
	ct.overrun_pending = 1;
}

/* The kernel sends each event as its own netlink datagram, so one recv
 * a event made the system call the largest cost of a burst (a third of
 * the sender's CPU at sync/100000). recvmmsg takes up to CT_EV_BATCH a
 * call. An event is far smaller than its slot; a truncated one is lost,
 * which is an overrun. Only the kernel (port 0) sends events. */
#define CT_EV_BATCH	64
#define CT_EV_SLOT	4096

static struct {
	char			 buf[CT_EV_BATCH][CT_EV_SLOT];
	struct iovec		 iov[CT_EV_BATCH];
	struct sockaddr_nl	 from[CT_EV_BATCH];
	struct mmsghdr		 msg[CT_EV_BATCH];
} ct_rx;

static int
ct_event_recv(int fd)
{
	int	 i;

	for (i = 0; i < CT_EV_BATCH; i++) {
		ct_rx.iov[i].iov_base = ct_rx.buf[i];
		ct_rx.iov[i].iov_len = CT_EV_SLOT;
		memset(&ct_rx.msg[i].msg_hdr, 0, sizeof(struct msghdr));
		ct_rx.msg[i].msg_hdr.msg_name = &ct_rx.from[i];
		ct_rx.msg[i].msg_hdr.msg_namelen = sizeof(ct_rx.from[i]);
		ct_rx.msg[i].msg_hdr.msg_iov = &ct_rx.iov[i];
		ct_rx.msg[i].msg_hdr.msg_iovlen = 1;
	}
	return (recvmmsg(fd, ct_rx.msg, CT_EV_BATCH, MSG_DONTWAIT, NULL));
}

static void
ct_event_batch(int n)
{
	const struct msghdr	*h;
	int			 i;

	for (i = 0; i < n; i++) {
		h = &ct_rx.msg[i].msg_hdr;
		if (ct_rx.from[i].nl_pid != 0)
			continue;
		if (h->msg_flags & MSG_TRUNC) {
			ct_overrun();
			continue;
		}
		if (mnl_cb_run(ct_rx.buf[i], ct_rx.msg[i].msg_len, 0, 0,
		    ct_event_cb, NULL) == -1)
			log_warn("ct: event parse");
	}
	ct_event_flush();
}

static void
ct_event_read(int fd, short event, void *arg)
{
	int	 i, n;

	(void)event;
	(void)arg;
	/* bounded so that a storm of events cannot starve the loop */
	for (i = 0; i < CT_EVENT_BURST && !ct.held; i += CT_EV_BATCH) {
		if ((n = ct_event_recv(fd)) == -1) {
			/* The kernel reports ENOBUFS once per congestion and
			 * drops silently until the queue is empty: only a
			 * dump made after the drain misses nothing, since any
			 * later drop is reported again. */
			if (errno == EAGAIN && ct.overrun_pending) {
				ct.overrun_pending = 0;
				if (ct.cb.on_overrun != NULL)
					ct.cb.on_overrun(ct.arg);
				return;
			}
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				ct_overrun();
				continue;
			}
			log_warn("ct: event read");
			return;
		}
		ct_event_batch(n);
		/* drained; after an overrun, read on to see EAGAIN */
		if (n < CT_EV_BATCH && !ct.overrun_pending)
			return;
	}
	/* out of turns with an overrun pending: come back next turn even
	 * if no event comes to wake us (the burst may be over) */
	if (ct.overrun_pending && !ct.held)
		event_active(ct.ev_read, EV_READ, 0);
}

/* Dump */

struct ct_dump_ctx {
	void	(*fn)(const struct sync_state *, void *);
	void	 *arg;
};

static int
ct_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_dump_ctx	*d = arg;
	struct sync_state	 s;

	if (ct_nlmsg_state(nlh, &s) != -1 && !ct_ignored(&s))
		d->fn(&s, d->arg);
	return (MNL_CB_OK);
}

int
ct_dump(void (*fn)(const struct sync_state *, void *), void *arg)
{
	static char		 buf[CT_RECVBUF];
	struct ct_dump_ctx	 d = { fn, arg };
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	uint32_t		 seq = (uint32_t)time(NULL);
	int			 rv = -1;

	if ((nl = ct_socket(0)) == NULL)
		return (-1);
	nlh = ct_nlmsg_put(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq,
	    AF_UNSPEC);
	if ((rv = nl_talk(nl, nlh, ct_dump_cb, &d)) == -1)
		log_warn("ct: dump");
	mnl_socket_close(nl);
	return (rv);
}

/* A dump read from the event loop, a few buffers a turn, so that a
 * walk of a million states (the refresh) never keeps heartbeats, acks
 * and events waiting for seconds. The kernel fills the next buffer only
 * when the last was read, so a slow reader costs it nothing. */
#define CT_DUMP_TURN		8	/* buffers (64 KB each) per turn */

static struct {
	struct mnl_socket	*nl;
	struct event		*ev;
	struct ct_dump_ctx	 d;
	void			(*done)(int, void *);
	uint32_t		 seq;
} ct_async;

/* Close the dump and tell its caller, if it has one, how it ended. */
static void
ct_dump_async_end(int rv)
{
	void	(*done)(int, void *) = ct_async.done;
	void	 *arg = ct_async.d.arg;

	if (ct_async.ev != NULL)
		event_free(ct_async.ev);
	mnl_socket_close(ct_async.nl);
	memset(&ct_async, 0, sizeof(ct_async));
	if (done != NULL)
		done(rv, arg);
}

static void
ct_dump_async_read(int fd, short event, void *arg)
{
	static char	 buf[CT_RECVBUF];
	ssize_t		 n;
	int		 i, rv;

	(void)event;
	(void)arg;
	for (i = 0; i < CT_DUMP_TURN; i++) {
		if ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			log_warn("ct: dump");
			ct_dump_async_end(-1);
			return;
		}
		rv = mnl_cb_run(buf, (size_t)n, ct_async.seq,
		    mnl_socket_get_portid(ct_async.nl), ct_dump_cb,
		    &ct_async.d);
		if (rv <= MNL_CB_STOP) {
			if (rv == MNL_CB_ERROR)
				log_warn("ct: dump");
			ct_dump_async_end(rv == MNL_CB_ERROR ? -1 : 0);
			return;
		}
	}
}

static void
ct_dump_async_cancel(void)
{
	if (ct_async.nl != NULL) {
		ct_async.done = NULL;
		ct_dump_async_end(-1);
	}
}

int
ct_dump_busy(void)
{
	return (ct_async.nl != NULL);
}

int
ct_dump_async(struct event_base *base,
    void (*fn)(const struct sync_state *, void *),
    void (*done)(int, void *), void *arg)
{
	static uint32_t		 buf[64];	/* one request, aligned */
	struct nlmsghdr		*nlh;

	if (ct_async.nl != NULL) {
		errno = EBUSY;
		return (-1);
	}
	if ((ct_async.nl = ct_socket(0)) == NULL)
		return (-1);
	ct_async.seq = (uint32_t)time(NULL);
	nlh = ct_nlmsg_put(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, ct_async.seq,
	    AF_UNSPEC);
	ct_async.ev = event_new(base, mnl_socket_get_fd(ct_async.nl),
	    EV_READ | EV_PERSIST, ct_dump_async_read, NULL);
	if (ct_async.ev == NULL || event_add(ct_async.ev, NULL) == -1 ||
	    mnl_socket_sendto(ct_async.nl, nlh, nlh->nlmsg_len) == -1) {
		log_warn("ct: dump");
		ct_dump_async_end(-1);	/* no done yet: nobody is told */
		return (-1);
	}
	ct_async.d.fn = fn;
	ct_async.d.arg = arg;
	ct_async.done = done;
	return (0);
}

struct ct_get_ctx {
	struct sync_state	*out;
	int			 found;
};

static int
ct_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_get_ctx	*g = arg;

	if (ct_nlmsg_state(nlh, g->out) != -1)
		g->found = 1;
	return (MNL_CB_OK);
}

/* One entry by key's orig tuple (ct_get) or reply tuple (ct_get_reply):
 * for retransmissions, which must carry the state as it is now, and
 * defer's first replies. 0 and *out filled, or -1 (errno ENOENT if the
 * kernel has no such entry). One blocking round trip on a socket of its
 * own: not for the hot path. */
static int
ct_get_by(const struct sync_state *key, struct sync_state *out, int reply)
{
	static struct mnl_socket	*nl;
	static char			 buf[CT_RECVBUF];
	struct ct_get_ctx		 g = { out, 0 };
	struct nf_conntrack		*c;
	struct nlmsghdr			*nlh;
	static uint32_t			 seq;
	int				 rv = 0;

	/* each request its own seq, so a late answer is never taken for
	 * the answer to the next one */
	if (seq == 0)
		seq = (uint32_t)time(NULL);
	seq++;
	if (nl == NULL && (nl = ct_socket(0)) == NULL)
		return (-1);
	nlh = ct_nlmsg_put(buf, IPCTNL_MSG_CT_GET, NLM_F_ACK, seq,
	    key->family);
	if (reply)
		ct_reply_key_put(nlh, key);
	else {
		if ((c = nfct_new()) == NULL)
			return (-1);
		ct_key_to(c, key);
		rv = nfct_nlmsg_build(nlh, c);
		nfct_destroy(c);
	}
	memset(out, 0, sizeof(*out));
	/* the entry, then the ack (or only an error) */
	if (rv == -1 || nl_talk(nl, nlh, ct_get_cb, &g) == -1)
		return (-1);
	if (!g.found) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

int
ct_get(const struct sync_state *key, struct sync_state *out)
{
	return (ct_get_by(key, out, 0));
}

int
ct_get_reply(const struct sync_state *key, struct sync_state *out)
{
	return (ct_get_by(key, out, 1));
}

