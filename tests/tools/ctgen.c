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

struct ctgen {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint32_t		 seq;
	uint8_t			 proto;
	unsigned long		 ok, exist, noent, errors;
	int			 first_errno;
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
static int	 ctgen_match_cb(const struct nlmsghdr *, void *);
static long	 ctgen_count(struct ctgen *);
static long	 ctgen_kcount(void);
static int	 ctgen_wait(struct ctgen *, long, double);

static void
usage(void)
{
	fprintf(stderr, "usage: ctgen [-p tcp|udp] [-n N] [-t timeout] [-d]\n"
	    "       ctgen [-p tcp|udp] -r rate [-n N] [-t timeout] [-T seconds]\n"
	    "       ctgen [-p tcp|udp] -c [-w N [-T seconds]]\n");
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
	double			 t0, t1;

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
		i = due;
	}
	t1 = now_mono();
	mnl_nlmsg_batch_stop(b);
	printf("ctgen: flood of %lu %s states at %lu/s asked: ok %lu, existed "
	    "%lu, errors %lu%s%s; %.3f s, achieved %.0f/s; done at %.6f\n",
	    i, g->proto == IPPROTO_TCP ? "tcp" : "udp", rate, g->ok, g->exist,
	    g->errors, g->errors ? " first: " : "",
	    g->errors ? strerror(g->first_errno) : "", t1 - t0,
	    g->ok / (t1 - t0 > 0 ? t1 - t0 : 1e-9), now_real());
}

struct ctgen_match {
	struct nf_conntrack	*ct;
	uint8_t			 proto;
	long			 count;
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
	    sport >= CTGEN_SPORT0)
		m->count++;
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
	int		 ch, del = 0, count = 0;
	char		*ep;

	while ((ch = getopt(argc, argv, "cdn:p:r:t:T:w:")) != -1) {
		switch (ch) {
		case 'c':
			count = 1;
			break;
		case 'd':
			del = 1;
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
	ctgen_open(&g);
	if (count && want >= 0)
		return (ctgen_wait(&g, want, limit > 0 ? limit : 60));
	if (count) {
		if ((c = ctgen_count(&g)) == -1)
			return (1);
		printf("%ld\n", c);
		return (0);
	}
	if (rate)
		ctgen_flood(&g, n, timeout, rate, limit > 0 ? limit : 1e9);
	else
		ctgen_run(&g, del, n, timeout);
	return (g.errors ? 1 : 0);
}
