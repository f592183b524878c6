/*
 * ctgen: fill, count or empty the current namespace's conntrack table
 * with synthetic states, for the sync benchmarks and tests.
 *
 *	ctgen [-p tcp|udp] [-n N] [-t timeout]	create N states
 *	ctgen [-p tcp|udp] -r RATE [-n N] [-t timeout] [-T secs]
 *						the same, RATE per second
 *						(for secs at most)
 *	ctgen [-p tcp|udp] [-n N] -d		delete them again
 *	ctgen [-p tcp|udp] -c			count the ones in the table
 *	ctgen [-p tcp|udp] -c -w N [-T secs]	wait until N are there
 *	ctgen -r RATE -x PCT [-L ms] [-o FILE] ...	churn: PCT in 100
 *						deleted within -L ms
 *	ctgen [-p tcp|udp] -c -x PCT		count long and short apart
 *	ctgen [-x PCT] -E -T secs		print "i epoch" of each new
 *						(long-lived) state seen
 *
 * State i: 192.0.2.(1 + i % 250):(10000 + i / 250) -> 198.51.100.200:7777,
 * TCP ESTABLISHED (or UDP) with status ASSURED|SEEN_REPLY and a long
 * timeout (default one hour). Requests go to ctnetlink many per
 * sendmsg() (the kernel handles every message of one buffer in the
 * sender's context, so the acks are queued when sendmsg returns); with
 * NETLINK_CAP_ACK an ack is 36 bytes, so one batch never overruns the
 * receive buffer.
 *
 * With -r the requests are paced by the clock (a batch every millisecond
 * or so, as many as are due), a flood of new states at a steady rate as
 * a busy firewall sees it; give them a short timeout (-t) so the table
 * does not fill. It prints the rate the kernel actually took.
 *
 * Churn (-x): state i is short-lived when i % 100 < PCT, and is deleted
 * a random lifetime in [0, -L) ms after its creation (default 1000);
 * the others live on, and -o FILE gets "i epoch" for each of them, its
 * creation time, to match against a listener's (-E) on the peer. The
 * rule is by index so that a count on the peer tells them apart.
 *
 * Times are printed as CLOCK_REALTIME epochs so that a process in
 * another namespace can be compared with them (same machine, one clock).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#define CTGEN_SRC_NET	0xc0000200u	/* 192.0.2.0/24 */
#define CTGEN_DST	0xc63364c8u	/* 198.51.100.200 */
#define CTGEN_DPORT	7777
#define CTGEN_SPORT0	10000
#define CTGEN_PERNET	250
#define CTGEN_MAX	(CTGEN_PERNET * (65536 - CTGEN_SPORT0))
#define CTGEN_BATCH	(64 * 1024)
#define CTGEN_RCVBUF	(4 * 1024 * 1024)

struct ctgen_due {
	double		 at;
	unsigned long	 i;
};

struct ctgen {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint32_t		 seq;
	uint8_t			 proto;
	unsigned long		 ok, exist, noent, errors;
	int			 first_errno;
	unsigned int		 shortpct;	/* churn: 0 off */
	unsigned int		 life_ms;
	FILE			*log;		/* long-lived creations */
	struct ctgen_due	*heap;		/* pending deletes */
	size_t			 nheap, heapcap;
	unsigned long		 deleted;
};

static void	 usage(void) __attribute__((noreturn));
static double	 now_real(void);
static double	 now_mono(void);
static void	 ctgen_open(struct ctgen *);
static void	 ctgen_tuple(struct nf_conntrack *, uint8_t, unsigned long);
static void	 ctgen_put(struct ctgen *, struct mnl_nlmsg_batch *, int,
		    unsigned long, uint32_t);
static void	 ctgen_acks(struct ctgen *, unsigned int);
static void	 ctgen_send(struct ctgen *, struct mnl_nlmsg_batch *,
		    unsigned int);
static void	 ctgen_range(struct ctgen *, struct mnl_nlmsg_batch *, int,
		    unsigned long, unsigned long, uint32_t);
static void	 ctgen_run(struct ctgen *, int, unsigned long, uint32_t);
static void	 ctgen_flood(struct ctgen *, unsigned long, uint32_t,
		    unsigned long, double);
static int	 ctgen_long(const struct ctgen *, unsigned long);
static void	 ctgen_push(struct ctgen *, double, unsigned long);
static void	 ctgen_pop(struct ctgen *);
static void	 ctgen_churn(struct ctgen *, struct mnl_nlmsg_batch *,
		    unsigned long, unsigned long, double);
static int	 ctgen_listen(struct ctgen *, double);
static int	 ctgen_match_cb(const struct nlmsghdr *, void *);
static long	 ctgen_count(struct ctgen *);
static long	 ctgen_kcount(void);
static int	 ctgen_wait(struct ctgen *, long, double);

static long	 ctgen_count_long;	/* of the last count, with -x */

static void
usage(void)
{
	fprintf(stderr, "usage: ctgen [-p tcp|udp] [-n N] [-t timeout] [-d]\n"
	    "       ctgen [-p tcp|udp] -r rate [-n N] [-t timeout] [-T seconds]\n"
	    "       ctgen [-p tcp|udp] -c [-w N [-T seconds]]\n"
	    "       ctgen -r rate -x pct [-L ms] [-o file] [-n N] [-T seconds]\n"
	    "       ctgen [-p tcp|udp] [-x pct] -c | -E -T seconds\n");
	exit(2);
}

static double
now_real(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static double
now_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
ctgen_open(struct ctgen *g)
{
	int	 on = 1, size = CTGEN_RCVBUF;

	if ((g->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		err(1, "netlink socket");
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) == -1)
		err(1, "netlink bind");
	g->portid = mnl_socket_get_portid(g->nl);
	/* acks without the request echoed */
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &on, sizeof(on));
	/* FORCE needs CAP_NET_ADMIN; fall back to what rmem_max allows */
	if (setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &size, sizeof(size)) == -1)
		setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_RCVBUF,
		    &size, sizeof(size));
	g->seq = (uint32_t)time(NULL);
}

/* The original and reply tuples of state i. */
static void
ctgen_tuple(struct nf_conntrack *ct, uint8_t proto, unsigned long i)
{
	uint32_t	 src = htonl(CTGEN_SRC_NET + 1 + i % CTGEN_PERNET);
	uint32_t	 dst = htonl(CTGEN_DST);
	uint16_t	 sport = htons(CTGEN_SPORT0 + i / CTGEN_PERNET);
	uint16_t	 dport = htons(CTGEN_DPORT);

	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, proto);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, src);
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, dst);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, sport);
	nfct_set_attr_u16(ct, ATTR_PORT_DST, dport);
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, proto);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, dst);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, src);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, dport);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, sport);
}

/* Append one create (or delete) request for state i to the batch. */
static void
ctgen_put(struct ctgen *g, struct mnl_nlmsg_batch *b, int del,
    unsigned long i, uint32_t timeout)
{
	static struct nf_conntrack	*ct;
	struct nlmsghdr			*nlh;
	struct nfgenmsg			*nfg;

	if (ct == NULL && (ct = nfct_new()) == NULL)
		err(1, "nfct_new");
	ctgen_tuple(ct, g->proto, i);
	if (!del) {
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, timeout);
		nfct_set_attr_u32(ct, ATTR_STATUS,
		    IPS_ASSURED | IPS_SEEN_REPLY);
		if (g->proto == IPPROTO_TCP)
			nfct_set_attr_u8(ct, ATTR_TCP_STATE,
			    TCP_CONNTRACK_ESTABLISHED);
	}
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 |
	    (del ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
	    (del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	nlh->nlmsg_seq = ++g->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (nfct_nlmsg_build(nlh, ct) == -1)
		err(1, "nfct_nlmsg_build");
}

/* Read the acks of the n requests just sent, counting the outcomes. */
static void
ctgen_acks(struct ctgen *g, unsigned int n)
{
	static char		 buf[CTGEN_RCVBUF];
	const struct nlmsghdr	*nlh;
	const struct nlmsgerr	*e;
	ssize_t			 r;
	int			 len;

	while (n > 0) {
		r = mnl_socket_recvfrom(g->nl, buf, sizeof(buf));
		if (r == -1)
			err(1, "netlink recv (%u acks missing)", n);
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			n--;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error == 0)
				g->ok++;
			else if (e->error == -EEXIST)
				g->exist++;
			else if (e->error == -ENOENT)
				g->noent++;
			else {
				if (g->errors++ == 0)
					g->first_errno = -e->error;
			}
		}
	}
}

static void
ctgen_send(struct ctgen *g, struct mnl_nlmsg_batch *b, unsigned int n)
{
	if (n == 0)
		return;
	if (mnl_socket_sendto(g->nl, mnl_nlmsg_batch_head(b),
	    mnl_nlmsg_batch_size(b)) == -1)
		err(1, "netlink send");
	ctgen_acks(g, n);
	mnl_nlmsg_batch_reset(b);
}

/* Requests for states from..to-1, batched, all acks read. */
static void
ctgen_range(struct ctgen *g, struct mnl_nlmsg_batch *b, int del,
    unsigned long from, unsigned long to, uint32_t timeout)
{
	unsigned long	 i;
	unsigned int	 inbatch = 0;

	for (i = from; i < to; i++) {
		ctgen_put(g, b, del, i, timeout);
		inbatch++;
		if (!mnl_nlmsg_batch_next(b)) {
			/* the last message did not fit: send the rest,
			 * then move it to the front of the buffer */
			ctgen_send(g, b, inbatch - 1);
			inbatch = 1;
		}
	}
	/* after an overflow, reset moved the message that did not fit to
	 * the front: the batch always holds inbatch messages here */
	ctgen_send(g, b, inbatch);
}

static void
ctgen_run(struct ctgen *g, int del, unsigned long n, uint32_t timeout)
{
	static char		 buf[CTGEN_BATCH * 2];
	struct mnl_nlmsg_batch	*b;
	double			 t0, t1;

	if ((b = mnl_nlmsg_batch_start(buf, CTGEN_BATCH)) == NULL)
		err(1, "batch");
	t0 = now_mono();
	ctgen_range(g, b, del, 0, n, timeout);
	t1 = now_mono();
	mnl_nlmsg_batch_stop(b);
	printf("ctgen: %s %lu %s states: ok %lu, %s %lu, errors %lu%s%s; "
	    "%.3f s (%.0f/s); done at %.6f\n",
	    del ? "deleted" : "created", n, g->proto == IPPROTO_TCP ?
	    "tcp" : "udp", g->ok, del ? "absent" : "existed",
	    del ? g->noent : g->exist, g->errors,
	    g->errors ? " first: " : "",
	    g->errors ? strerror(g->first_errno) : "",
	    t1 - t0, n / (t1 - t0 > 0 ? t1 - t0 : 1e-9), now_real());
}

/*
 * Create n states at rate per second, for limit seconds at most (a
 * flood that falls behind its rate still ends with the window it
 * loads). Each round sends what is due by now (10 ms worth at most: a
 * round that falls behind catches up in the next ones), then sleeps a
 * millisecond when nothing is due, so the flood is steady rather than
 * one burst per second.
 */
static void
ctgen_flood(struct ctgen *g, unsigned long n, uint32_t timeout,
    unsigned long rate, double limit)
{
	static char		 buf[CTGEN_BATCH * 2];
	struct mnl_nlmsg_batch	*b;
	unsigned long		 i = 0, due;
	double			 t0, t1, tc;

	if ((b = mnl_nlmsg_batch_start(buf, CTGEN_BATCH)) == NULL)
		err(1, "batch");
	t0 = now_mono();
	while (i < n && now_mono() - t0 < limit) {
		due = (unsigned long)((now_mono() - t0) * rate);
		/* at most 10 ms worth a round: the time limit is looked
		 * at between rounds even while catching up */
		if (due > i + rate / 100 + 1)
			due = i + rate / 100 + 1;
		if (due > n)
			due = n;
		if (due <= i) {
			usleep(1000);
			continue;
		}
		ctgen_range(g, b, 0, i, due, timeout);
		if (g->shortpct)
			ctgen_churn(g, b, i, due, now_mono());
		i = due;
	}
	tc = now_mono();
	/* the short-lived states still pending go at their time */
	while (g->nheap > 0 && now_mono() - t0 < limit + g->life_ms / 1e3 + 5) {
		ctgen_churn(g, b, 0, 0, now_mono());
		usleep(1000);
	}
	t1 = now_mono();
	mnl_nlmsg_batch_stop(b);
	/* achieved: the creations the kernel took (ok counts the deletes
	 * too in churn mode), over the time they took */
	printf("ctgen: flood of %lu %s states at %lu/s asked: ok %lu, existed "
	    "%lu, errors %lu%s%s; %.3f s, achieved %.0f/s; done at %.6f\n",
	    i, g->proto == IPPROTO_TCP ? "tcp" : "udp", rate, g->ok, g->exist,
	    g->errors, g->errors ? " first: " : "",
	    g->errors ? strerror(g->first_errno) : "", t1 - t0,
	    (g->ok - g->deleted + g->noent) / (tc - t0 > 0 ? tc - t0 : 1e-9),
	    now_real());
	if (g->shortpct)
		printf("ctgen: churn: %lu short-lived deleted (absent %lu), "
		    "%lu long-lived kept, %zu deletes not sent\n", g->deleted,
		    g->noent, i - (i / 100) * g->shortpct -
		    (i % 100 < g->shortpct ? i % 100 : g->shortpct), g->nheap);
}

static int
ctgen_long(const struct ctgen *g, unsigned long i)
{
	return (i % 100 >= g->shortpct);
}

/* A binary min-heap of pending deletes, by due time. */
static void
ctgen_push(struct ctgen *g, double at, unsigned long i)
{
	struct ctgen_due	 d = { at, i };
	size_t			 k, up;

	if (g->nheap == g->heapcap) {
		g->heapcap = g->heapcap ? g->heapcap * 2 : 4096;
		if ((g->heap = reallocarray(g->heap, g->heapcap,
		    sizeof(*g->heap))) == NULL)
			err(1, "heap");
	}
	for (k = g->nheap++; k > 0; k = up) {
		up = (k - 1) / 2;
		if (g->heap[up].at <= at)
			break;
		g->heap[k] = g->heap[up];
	}
	g->heap[k] = d;
}

static void
ctgen_pop(struct ctgen *g)
{
	struct ctgen_due	 last = g->heap[--g->nheap];
	size_t			 k = 0, c;

	while ((c = 2 * k + 1) < g->nheap) {
		if (c + 1 < g->nheap && g->heap[c + 1].at < g->heap[c].at)
			c++;
		if (last.at <= g->heap[c].at)
			break;
		g->heap[k] = g->heap[c];
		k = c;
	}
	if (g->nheap > 0)
		g->heap[k] = last;
}

/*
 * After states from..to-1 were created at mono time t: schedule the
 * short-lived ones' deletes, log the long-lived ones' creation, then
 * send every delete that is due.
 */
static void
ctgen_churn(struct ctgen *g, struct mnl_nlmsg_batch *b, unsigned long from,
    unsigned long to, double t)
{
	double		 real = now_real();
	unsigned long	 i;
	unsigned int	 inbatch = 0;

	for (i = from; i < to; i++) {
		if (!ctgen_long(g, i))
			ctgen_push(g, t + (random() % (g->life_ms * 1000)) / 1e6,
			    i);
		else if (g->log)
			fprintf(g->log, "%lu %.6f\n", i, real);
	}
	while (g->nheap > 0 && g->heap[0].at <= t) {
		ctgen_put(g, b, 1, g->heap[0].i, 0);
		ctgen_pop(g);
		g->deleted++;
		inbatch++;
		if (!mnl_nlmsg_batch_next(b)) {
			ctgen_send(g, b, inbatch - 1);
			inbatch = 1;
		}
	}
	ctgen_send(g, b, inbatch);
}

/*
 * Print "i epoch" for each new state of ours the kernel announces (the
 * long-lived ones only in churn mode), for secs. Lost events (ENOBUFS)
 * are counted on stderr at the end.
 */
static int
ctgen_listen(struct ctgen *g, double secs)
{
	static char		 buf[256 * 1024];
	static struct nf_conntrack *ct;
	const struct nlmsghdr	*nlh;
	struct pollfd		 pfd;
	double			 t0 = now_mono(), real;
	unsigned long		 i, seen = 0, lost = 0;
	uint32_t		 src;
	uint16_t		 sport;
	ssize_t			 r;
	int			 len;

	if ((ct = nfct_new()) == NULL)
		err(1, "nfct_new");
	mnl_socket_close(g->nl);
	if ((g->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		err(1, "netlink socket");
	if (mnl_socket_bind(g->nl, 1 << (NFNLGRP_CONNTRACK_NEW - 1),
	    MNL_SOCKET_AUTOPID) == -1)
		err(1, "netlink bind");
	len = 16 * 1024 * 1024;
	if (setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &len, sizeof(len)) == -1)
		warn("SO_RCVBUFFORCE");
	pfd.fd = mnl_socket_get_fd(g->nl);
	pfd.events = POLLIN;
	while (now_mono() - t0 < secs) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((r = recv(pfd.fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == ENOBUFS)
				lost++;
			continue;
		}
		real = now_real();
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nfct_nlmsg_parse(nlh, ct) == -1 ||
			    nfct_get_attr_u8(ct, ATTR_L4PROTO) != g->proto ||
			    ntohl(nfct_get_attr_u32(ct, ATTR_IPV4_DST)) !=
			    CTGEN_DST)
				continue;
			src = ntohl(nfct_get_attr_u32(ct, ATTR_IPV4_SRC));
			sport = ntohs(nfct_get_attr_u16(ct, ATTR_PORT_SRC));
			if ((src & 0xffffff00u) != CTGEN_SRC_NET ||
			    sport < CTGEN_SPORT0)
				continue;
			i = (unsigned long)(sport - CTGEN_SPORT0) *
			    CTGEN_PERNET + (src & 0xff) - 1;
			seen++;
			if (!g->shortpct || ctgen_long(g, i))
				printf("%lu %.6f\n", i, real);
		}
	}
	/* the last line whole before stderr's, both going to one log */
	fflush(stdout);
	fprintf(stderr, "ctgen: listened %.1f s: %lu new states, %lu "
	    "overruns\n", secs, seen, lost);
	return (0);
}

struct ctgen_match {
	struct nf_conntrack	*ct;
	uint8_t			 proto;
	long			 count;
	unsigned int		 shortpct;
	long			 nlong;
};

static int
ctgen_match_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ctgen_match	*m = arg;
	uint32_t		 src;
	uint16_t		 sport;

	if (nfct_nlmsg_parse(nlh, m->ct) == -1)
		return (MNL_CB_OK);
	if (nfct_get_attr_u8(m->ct, ATTR_L3PROTO) != AF_INET ||
	    nfct_get_attr_u8(m->ct, ATTR_L4PROTO) != m->proto)
		return (MNL_CB_OK);
	src = ntohl(nfct_get_attr_u32(m->ct, ATTR_IPV4_SRC));
	sport = ntohs(nfct_get_attr_u16(m->ct, ATTR_PORT_SRC));
	if ((src & 0xffffff00u) == CTGEN_SRC_NET &&
	    ntohl(nfct_get_attr_u32(m->ct, ATTR_IPV4_DST)) == CTGEN_DST &&
	    ntohs(nfct_get_attr_u16(m->ct, ATTR_PORT_DST)) == CTGEN_DPORT &&
	    sport >= CTGEN_SPORT0) {
		m->count++;
		if (m->shortpct && ((unsigned long)(sport - CTGEN_SPORT0) *
		    CTGEN_PERNET + (src & 0xff) - 1) % 100 >= m->shortpct)
			m->nlong++;
	}
	return (MNL_CB_OK);
}

/* Dump the table, count the states that look like ours; -1 on error. */
static long
ctgen_count(struct ctgen *g)
{
	static char		 buf[256 * 1024];
	static struct ctgen_match m;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	uint32_t		 seq = ++g->seq;
	ssize_t			 n;
	int			 rv = MNL_CB_OK;

	if (m.ct == NULL && (m.ct = nfct_new()) == NULL)
		err(1, "nfct_new");
	m.proto = g->proto;
	m.count = 0;
	m.shortpct = g->shortpct;
	m.nlong = 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) == -1)
		err(1, "dump request");
	while ((n = mnl_socket_recvfrom(g->nl, buf, sizeof(buf))) > 0) {
		rv = mnl_cb_run(buf, n, seq, g->portid, ctgen_match_cb, &m);
		if (rv <= MNL_CB_STOP)
			break;
	}
	if (n == -1 || rv == MNL_CB_ERROR) {
		warn("dump");
		return (-1);
	}
	ctgen_count_long = m.nlong;
	return (m.count);
}

/* The namespace's total, cheap: a pre-check before a full dump. */
static long
ctgen_kcount(void)
{
	FILE	*f;
	long	 c = -1;

	if ((f = fopen("/proc/sys/net/netfilter/nf_conntrack_count", "r"))) {
		if (fscanf(f, "%ld", &c) != 1)
			c = -1;
		fclose(f);
	}
	return (c);
}

/*
 * Poll until at least want of our states are in the table. The cheap
 * total (nf_conntrack_count) is polled every 2 ms; once it reaches want
 * a dump (100,000 states take some 0.3 s) confirms. The time printed is
 * when the total got there, so the dump's own duration does not count
 * (other states in the table can only make it early by the time a few
 * states take to arrive).
 */
static int
ctgen_wait(struct ctgen *g, long want, double limit)
{
	double	 t0 = now_mono(), t, kreal = 0;
	long	 c, k = -1;
	int	 dumps = 1;

	if ((c = ctgen_count(g)) == -1)
		return (1);
	for (;;) {
		t = now_mono();
		if (c >= want)
			break;
		k = ctgen_kcount();
		if (k == -1 || k >= want) {
			if (kreal == 0)
				kreal = now_real();
			c = ctgen_count(g);
			dumps++;
			if (c >= want)
				break;
			/* others came and went: look again later */
			kreal = 0;
		}
		if (t - t0 > limit) {
			printf("ctgen: timeout after %.3f s: %ld of %ld states "
			    "(table %ld)\n", t - t0, c, want, k);
			return (1);
		}
		usleep(2000);
	}
	if (kreal == 0)
		kreal = now_real();
	printf("ctgen: %ld states present at %.6f (confirmed at %.6f; "
	    "waited %.3f s, %d dumps)\n", c, kreal, now_real(),
	    now_mono() - t0, dumps);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct ctgen	 g = { .proto = IPPROTO_TCP };
	unsigned long	 n = 1000, rate = 0;
	long		 want = -1, c;
	double		 limit = -1;
	uint32_t	 timeout = 3600;
	int		 ch, del = 0, count = 0, listen = 0;
	char		*ep;

	while ((ch = getopt(argc, argv, "cdEL:n:o:p:r:t:T:w:x:")) != -1) {
		switch (ch) {
		case 'c':
			count = 1;
			break;
		case 'd':
			del = 1;
			break;
		case 'E':
			listen = 1;
			break;
		case 'L':
			g.life_ms = strtoul(optarg, &ep, 10);
			if (*ep || g.life_ms == 0)
				usage();
			break;
		case 'o':
			if ((g.log = fopen(optarg, "w")) == NULL)
				err(1, "%s", optarg);
			break;
		case 'x':
			g.shortpct = strtoul(optarg, &ep, 10);
			if (*ep || g.shortpct > 100)
				usage();
			break;
		case 'n':
			n = strtoul(optarg, &ep, 10);
			if (*ep || n == 0 || n > CTGEN_MAX)
				errx(2, "-n: 1..%d", CTGEN_MAX);
			break;
		case 'p':
			if (strcmp(optarg, "tcp") == 0)
				g.proto = IPPROTO_TCP;
			else if (strcmp(optarg, "udp") == 0)
				g.proto = IPPROTO_UDP;
			else
				usage();
			break;
		case 'r':
			rate = strtoul(optarg, &ep, 10);
			if (*ep || rate == 0)
				usage();
			break;
		case 't':
			timeout = strtoul(optarg, &ep, 10);
			if (*ep || timeout == 0)
				usage();
			break;
		case 'T':
			limit = strtod(optarg, &ep);
			if (*ep || limit <= 0)
				usage();
			break;
		case 'w':
			want = strtol(optarg, &ep, 10);
			if (*ep || want < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (want >= 0 && !count) || (count && del) ||
	    (rate && (count || del)))
		usage();
	if (g.life_ms == 0)
		g.life_ms = 1000;
	ctgen_open(&g);
	if (listen)
		return (ctgen_listen(&g, limit > 0 ? limit : 60));
	if (count && want >= 0)
		return (ctgen_wait(&g, want, limit > 0 ? limit : 60));
	if (count) {
		if ((c = ctgen_count(&g)) == -1)
			return (1);
		if (g.shortpct)
			printf("long %ld short %ld\n", ctgen_count_long, c -
			    ctgen_count_long);
		else
			printf("%ld\n", c);
		return (0);
	}
	if (rate)
		ctgen_flood(&g, n, timeout, rate, limit > 0 ? limit : 1e9);
	if (g.log)
		fclose(g.log);
	else
		ctgen_run(&g, del, n, timeout);
	return (g.errors ? 1 : 0);
}
