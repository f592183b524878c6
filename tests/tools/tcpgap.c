/*
 * tcpgap: the longest stall of a TCP stream, for the failover
 * benchmarks (tests/bench/bench-tcp.sh).
 *
 *	tcpgap -l PORT
 *		serve: a connection that sends 'b' gets a bulk stream, 8 KiB
 *		every 2 ms (4 MB/s: steady, and light enough to leave the
 *		CPU to the daemons measured); one that sends 'e' gets every
 *		byte echoed (an interactive session)
 *	tcpgap -c ADDR -p PORT -m bulk|echo -t SECONDS
 *		connect, run for SECONDS (echo: one byte every 10 ms, like
 *		keystrokes) and print
 *		"gap_ms last_before first_after bytes"
 *		where gap_ms is the longest time between two receipts and
 *		last_before/first_after its ends as CLOCK_REALTIME epochs
 *		(comparable across namespaces: one machine, one clock);
 *		first_after 0: still silent at the end, gap_ms so far.
 *
 * Exits 1 if the connection fails or resets: a stall is measured only on
 * a connection that survived the failover.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TG_CHUNK	8192
#define TG_BULK_NS	2000000L	/* one chunk per 2 ms */
#define TG_ECHO_NS	10000000L	/* one keystroke per 10 ms */

struct tg_gap {
	double	 last;		/* previous receipt, 0 before the first */
	double	 gap;
	double	 before;
	double	 after;
	long long bytes;
};

static double
tg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long
tg_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
tg_receipt(struct tg_gap *g, ssize_t n)
{
	double t = tg_now();

	if (g->last != 0 && t - g->last > g->gap) {
		g->gap = t - g->last;
		g->before = g->last;
		g->after = t;
	}
	g->last = t;
	g->bytes += n;
}

/* A stream still silent at the end: its silence so far is a lower
 * bound of the stall, reported with first_after 0 so the caller can
 * tell (the run was too short for it). */
static void
tg_open_gap(struct tg_gap *g)
{
	double t = tg_now();

	if (g->last != 0 && t - g->last > g->gap) {
		g->gap = t - g->last;
		g->before = g->last;
		g->after = 0;
	}
}

/* The bulk sender: paced, and after a stall it resumes the pace rather
 * than bursting to catch up, so the stream looks the same on both sides
 * of a failover. */
static void
tg_serve_bulk(int s)
{
	static char buf[TG_CHUNK];
	struct timespec ts;
	long long next = tg_mono_ns();

	for (;;) {
		if (write(s, buf, sizeof(buf)) <= 0)
			return;
		next += TG_BULK_NS;
		if (next < tg_mono_ns())
			next = tg_mono_ns();
		ts.tv_sec = next / 1000000000LL;
		ts.tv_nsec = next % 1000000000LL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void
tg_serve_echo(int s)
{
	char buf[512];
	ssize_t n;

	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write(s, buf, n) != n)
			return;
}

static void
tg_serve_one(int s)
{
	char mode;
	int one = 1;

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (read(s, &mode, 1) != 1)
		return;
	if (mode == 'b')
		tg_serve_bulk(s);
	else
		tg_serve_echo(s);
}

static int
tg_listen(int port)
{
	struct sockaddr_in sin;
	int s, one = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "bind %d", port);
	if (listen(s, 8) == -1)
		err(1, "listen");
	return s;
}

/* One child per connection; a child dies with the server. */
static int
tg_server(int port)
{
	int l = tg_listen(port), s;

	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if ((s = accept(l, NULL, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "accept");
		}
		switch (fork()) {
		case -1:
			err(1, "fork");
		case 0:
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			close(l);
			tg_serve_one(s);
			_exit(0);
		}
		close(s);
	}
}

static int
tg_connect(const char *addr, int port, char mode)
{
	struct sockaddr_in sin;
	int s, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		errx(1, "bad address %s", addr);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect %s:%d", addr, port);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (write(s, &mode, 1) != 1)
		err(1, "write");
	return s;
}

/* The client loop: receive whatever comes; in echo mode also send one
 * byte every TG_ECHO_NS. */
static int
tg_client(const char *addr, int port, int echo, int secs)
{
	static char buf[65536];
	struct tg_gap g = { 0, 0, 0, 0, 0 };
	struct pollfd pfd;
	long long end, next, now;
	ssize_t n;
	int s, ms;

	s = tg_connect(addr, port, echo ? 'e' : 'b');
	now = tg_mono_ns();
	end = now + secs * 1000000000LL;
	next = now;
	pfd.fd = s;
	pfd.events = POLLIN;
	while ((now = tg_mono_ns()) < end) {
		if (echo && now >= next) {
			if (write(s, "k", 1) != 1)
				err(1, "write");
			next += TG_ECHO_NS;
		}
		ms = (int)(((echo ? next : end) - now) / 1000000) + 1;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			err(1, "poll");
		if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		if ((n = read(s, buf, sizeof(buf))) <= 0)
			errx(1, "connection lost after %lld bytes%s%s", g.bytes,
			    n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		tg_receipt(&g, n);
	}
	tg_open_gap(&g);
	printf("%.0f %.6f %.6f %lld\n", g.gap * 1000, g.before, g.after,
	    g.bytes);
	return 0;
}

static void
tg_usage(void)
{
	fprintf(stderr, "usage: tcpgap -l port\n"
	    "       tcpgap -c addr -p port -m bulk|echo -t seconds\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *addr = NULL, *mode = "bulk";
	int c, port = 0, listen_port = 0, secs = 10;

	while ((c = getopt(argc, argv, "c:l:m:p:t:")) != -1) {
		switch (c) {
		case 'c': addr = optarg; break;
		case 'l': listen_port = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		default: tg_usage();
		}
	}
	if (listen_port > 0)
		return tg_server(listen_port);
	if (addr == NULL || port <= 0 || secs <= 0 ||
	    (strcmp(mode, "bulk") != 0 && strcmp(mode, "echo") != 0))
		tg_usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return tg_client(addr, port, strcmp(mode, "echo") == 0, secs);
}
