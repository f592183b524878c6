/* ct.c against the real kernel conntrack table. Every test runs in a
 * forked child that unshares a network namespace of its own, which has a
 * conntrack table of its own; it dies with the child.
 *
 * Needs root; without it the program says so and exits 77 (skip). */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "syncd/ct.h"

#define SKIP_EXIT	77
#define NSTATES		1000
#define NKINDS		7

static struct sync_state	 sent[NSTATES];
static struct sync_state	 got[65536];
static size_t			 ngot;
static size_t			 nseen;		/* dumped, stored or not */

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

static union sync_addr
sa(const char *s)
{
	union sync_addr	 a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s,
	    &a), 1);
	return (a);
}

static union sync_addr
sa4(const char *net, unsigned int host)
{
	union sync_addr	 a = sa(net);

	a.b[2] = (uint8_t)(a.b[2] + host / 256);
	a.b[3] = (uint8_t)(host % 256);
	return (a);
}

static union sync_addr
sa6(const char *net, unsigned int host)
{
	union sync_addr	 a = sa(net);

	a.b[14] = (uint8_t)(host >> 8);
	a.b[15] = (uint8_t)host;
	return (a);
}

static void
tcp_est(struct sync_state *s)
{
	s->l4proto = IPPROTO_TCP;
	s->tcp_state = TCP_CONNTRACK_ESTABLISHED;
	s->tcp_wscale_orig = 7;
	s->tcp_wscale_repl = 8;
	s->tcp_flags_orig = IP_CT_TCP_FLAG_WINDOW_SCALE |
	    IP_CT_TCP_FLAG_SACK_PERM;
	s->tcp_flags_repl = IP_CT_TCP_FLAG_WINDOW_SCALE;
	s->status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED;
}

static void
invert(struct sync_state *s)
{
	s->reply.src = s->orig.dst;
	s->reply.dst = s->orig.src;
	s->reply.sport = s->orig.dport;
	s->reply.dport = s->orig.sport;
	s->reply.icmp_id = s->orig.icmp_id;
	s->reply.icmp_code = s->orig.icmp_code;
}

/* State number i: seven kinds, the way a peer would send them. */
static struct sync_state
mkstate(unsigned int i)
{
	struct sync_state	 s;
	unsigned int		 h = i / NKINDS + 1;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.mark = i;
	s.timeout = 300 + i;
	s.orig.src = sa4("192.0.2.0", h % 250 + 1);
	s.orig.dst = sa4("198.51.100.0", h / 250 + 1);
	s.orig.sport = (uint16_t)(10000 + i);
	s.orig.dport = 443;
	switch (i % NKINDS) {
	case 0:
		tcp_est(&s);
		invert(&s);
		break;
	case 1:
		s.l4proto = IPPROTO_UDP;
		s.zone = (uint16_t)(i % 2);
		s.status = IPS_CONFIRMED | IPS_SEEN_REPLY;
		invert(&s);
		break;
	case 2:
		s.l4proto = IPPROTO_ICMP;
		s.orig.sport = s.orig.dport = 0;
		s.orig.icmp_type = 8;
		s.orig.icmp_id = (uint16_t)i;
		s.status = IPS_CONFIRMED | IPS_SEEN_REPLY;
		invert(&s);
		s.reply.icmp_type = 0;
		break;
	case 3:
		s.family = AF_INET6;
		s.orig.src = sa6("2001:db8::", h);
		s.orig.dst = sa6("2001:db8:1::", 1);
		tcp_est(&s);
		invert(&s);
		break;
	case 4:
		s.family = AF_INET6;
		s.l4proto = IPPROTO_ICMPV6;
		s.orig.src = sa6("2001:db8::", h);
		s.orig.dst = sa6("2001:db8:1::", 1);
		s.orig.sport = s.orig.dport = 0;
		s.orig.icmp_type = 128;
		s.orig.icmp_id = (uint16_t)i;
		invert(&s);
		s.reply.icmp_type = 129;
		break;
	case 5:		/* SNAT to 203.0.113.1, port 20000 + i */
		tcp_est(&s);
		invert(&s);
		s.status |= IPS_SRC_NAT | IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
		s.reply.dst = sa("203.0.113.1");
		s.reply.dport = (uint16_t)(20000 + i);
		break;
	case 6:		/* DNAT 203.0.113.80:53 to 192.0.2.253:5353 */
		s.l4proto = IPPROTO_UDP;
		s.orig.dst = sa("203.0.113.80");
		s.orig.dport = 53;
		s.status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_DST_NAT |
		    IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
		invert(&s);
		s.reply.src = sa("192.0.2.253");
		s.reply.sport = 5353;
		break;
	}
	return (s);
}

static void
collect(const struct sync_state *s, void *arg)
{
	(void)arg;
	nseen++;
	if (ngot < sizeof(got) / sizeof(got[0]))
		got[ngot++] = *s;
}

static void
dump(void)
{
	ngot = nseen = 0;
	ck_assert_int_eq(ct_dump(collect, NULL), 0);
}

static const struct sync_state *
find(const struct sync_state *s)
{
	size_t	 i;

	for (i = 0; i < ngot; i++)
		if (sync_state_key_equal(&got[i], s))
			return (&got[i]);
	return (NULL);
}

#define STATUS_CMP	(IPS_SEEN_REPLY | IPS_ASSURED | IPS_NAT_MASK)

/* What the kernel holds matches what was applied. */
static void
check_equal(const struct sync_state *s, uint32_t tmin, uint32_t tmax)
{
	const struct sync_state	*g = find(s);

	ck_assert_msg(g != NULL, "state %u missing", s->mark);
	ck_assert_msg(memcmp(&g->reply, &s->reply, sizeof(s->reply)) == 0,
	    "state %u reply tuple differs", s->mark);
	ck_assert_uint_eq(g->status & STATUS_CMP, s->status & STATUS_CMP);
	ck_assert_uint_eq(g->mark, s->mark);
	ck_assert_msg(g->timeout >= tmin && g->timeout <= tmax,
	    "state %u timeout %u not in %u..%u", s->mark, g->timeout, tmin,
	    tmax);
	ck_assert_uint_eq(g->tcp_state, s->tcp_state);
	ck_assert_uint_eq(g->tcp_wscale_orig, s->tcp_wscale_orig);
	ck_assert_uint_eq(g->tcp_wscale_repl, s->tcp_wscale_repl);
	ck_assert_uint_eq(g->tcp_flags_orig, s->tcp_flags_orig);
	ck_assert_uint_eq(g->tcp_flags_repl, s->tcp_flags_repl);
}

static void
apply_all(unsigned int n)
{
	unsigned int	 i;

	for (i = 0; i < n; i++) {
		sent[i] = mkstate(i);
		ck_assert_int_eq(ct_apply_update(&sent[i]), 0);
	}
	ck_assert_int_eq(ct_apply_flush(), 0);
}

static void
show_errors(void)
{
	const struct ct_stats	*st = ct_stats();
	int			 e;

	for (e = 0; e < CT_ERRNO_MAX; e++)
		if (st->errors_by_errno[e] != 0)
			fprintf(stderr, "errno %d (%s): %llu\n", e,
			    strerror(e), (unsigned long long)
			    st->errors_by_errno[e]);
}

static void
setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %m");
	sh("echo 1 > /proc/sys/net/netfilter/nf_conntrack_events");
	ck_assert_int_eq(ct_init(NULL, NULL, NULL), 0);
}

static void
teardown(void)
{
	ct_shutdown();
}

START_TEST(test_apply_dump)
{
	const struct ct_stats	*st = ct_stats();
	unsigned int		 i;

	apply_all(NSTATES);
	show_errors();
	ck_assert_uint_eq(st->apply_errors, 0);
	ck_assert_uint_eq(st->applied, NSTATES);
	dump();
	ck_assert_uint_eq(ngot, NSTATES);
	for (i = 0; i < NSTATES; i++)
		check_equal(&sent[i], sent[i].timeout - 5, sent[i].timeout);
}
END_TEST

/* A second apply of the same states updates them: mark and timeout
 * change, NAT bindings stay (NATed ones go the EEXIST -> update way). */
START_TEST(test_update)
{
	const struct ct_stats	*st = ct_stats();
	unsigned int		 i;

	apply_all(NSTATES);
	for (i = 0; i < NSTATES; i++) {
		sent[i].mark = 100000 + i;
		sent[i].timeout = 5000 + i;
		ck_assert_int_eq(ct_apply_update(&sent[i]), 0);
	}
	ck_assert_int_eq(ct_apply_flush(), 0);
	show_errors();
	ck_assert_uint_eq(st->apply_errors, 0);
	ck_assert_uint_eq(st->applied, 2 * NSTATES);
	dump();
	ck_assert_uint_eq(ngot, NSTATES);
	for (i = 0; i < NSTATES; i++)
		check_equal(&sent[i], sent[i].timeout - 5, sent[i].timeout);
}
END_TEST

START_TEST(test_delete)
{
	const struct ct_stats	*st = ct_stats();
	unsigned int		 i;

	apply_all(NSTATES);
	for (i = 0; i < NSTATES; i += 2)
		ck_assert_int_eq(ct_apply_delete(&sent[i]), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	ck_assert_uint_eq(st->apply_errors, 0);
	dump();
	ck_assert_uint_eq(ngot, NSTATES / 2);
	for (i = 0; i < NSTATES; i++)
		ck_assert_msg((find(&sent[i]) == NULL) == (i % 2 == 0),
		    "state %u", i);
	/* deleting what is gone is not an error */
	ck_assert_int_eq(ct_apply_delete(&sent[0]), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	ck_assert_uint_eq(st->apply_errors, 0);
	ck_assert_uint_eq(st->delete_missing, 1);
}
END_TEST

/* The slack goes on top of the sender's timeout. */
START_TEST(test_timeout_slack)
{
	struct sync_state	 s = mkstate(1);

	s.timeout = 30;
	ct_set_timeout_slack(600);
	ck_assert_int_eq(ct_apply_update(&s), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	dump();
	check_equal(&s, 625, 630);
}
END_TEST

/* ASSURED cannot be cleared on an existing entry (EBUSY): a state that
 * went backwards is deleted and created again. */
START_TEST(test_replace)
{
	const struct ct_stats	*st = ct_stats();
	struct sync_state	 s = mkstate(0);	/* TCP, ASSURED */

	ck_assert_int_eq(ct_apply_update(&s), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	s.status = IPS_CONFIRMED | IPS_SEEN_REPLY;
	s.tcp_state = TCP_CONNTRACK_SYN_RECV;
	s.mark = 2;
	ck_assert_int_eq(ct_apply_update(&s), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	show_errors();
	ck_assert_uint_eq(st->apply_errors, 0);
	ck_assert_uint_eq(st->applied, 3);	/* create, delete, create */
	dump();
	ck_assert_uint_eq(ngot, 1);
	check_equal(&s, s.timeout - 5, s.timeout);
}
END_TEST

/* A helper the kernel has is attached; one it lacks is dropped rather
 * than losing the flow. */
START_TEST(test_helper)
{
	const struct ct_stats	*st = ct_stats();
	struct sync_state	 s = mkstate(0), t = mkstate(7);

	s.orig.dport = s.reply.sport = 21;
	strcpy(s.helper, "ftp");
	strcpy(t.helper, "nosuchhelper");
	ck_assert_int_eq(ct_apply_update(&s), 0);
	ck_assert_int_eq(ct_apply_update(&t), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	show_errors();
	ck_assert_uint_eq(st->apply_errors, 0);
	ck_assert_uint_eq(st->applied, 2);
	dump();
	ck_assert_uint_eq(ngot, 2);
	ck_assert_str_eq(find(&s)->helper, "ftp");
	ck_assert_str_eq(find(&t)->helper, "");
}
END_TEST

START_TEST(test_dump_ignored)
{
	struct ct_prefix	 ig;

	apply_all(NSTATES);
	memset(&ig, 0, sizeof(ig));
	ig.family = AF_INET;
	ig.plen = 24;
	ig.addr = sa("203.0.113.0");	/* SNAT and DNAT kinds */
	ck_assert_int_eq(ct_set_ignore(&ig, 1), 0);
	dump();
	ck_assert_uint_eq(ngot, NSTATES - 2 * (NSTATES / NKINDS) -
	    (NSTATES % NKINDS > 5));
	ck_assert_ptr_null(find(&sent[5]));
	ck_assert_ptr_null(find(&sent[6]));
	ck_assert_ptr_nonnull(find(&sent[7]));
}
END_TEST

/* Events */

static struct event_base	*base;
static struct sync_state	 ev_last;
static unsigned int		 ev_updates, ev_deletes, ev_overruns;
static unsigned int		 ev_prefetched;
static struct sync_state	 ev_pf_last;

/* every event is shown to on_prefetch before it is passed on */
static void
on_prefetch(const struct sync_state *s, void *arg)
{
	(void)arg;
	ev_pf_last = *s;
	ev_prefetched++;
}

static void
on_update(const struct sync_state *s, void *arg)
{
	(void)arg;
	ck_assert_uint_gt(ev_prefetched, ev_updates + ev_deletes);
	ev_last = *s;
	ev_updates++;
}

static void
on_delete(const struct sync_state *s, void *arg)
{
	(void)arg;
	ck_assert_uint_gt(ev_prefetched, ev_updates + ev_deletes);
	ev_last = *s;
	ev_deletes++;
}

static void
on_overrun(void *arg)
{
	(void)arg;
	ev_overruns++;
}

static void
setup_events(void)
{
	static const struct ct_cb cb = { on_update, on_delete, on_overrun,
	    on_prefetch };

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %m");
	sh("echo 1 > /proc/sys/net/netfilter/nf_conntrack_events");
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	/* test_overrun's flood is sized for this buffer, not the default */
	ct_set_event_buffer(32 * 1024 * 1024);
	ck_assert_int_eq(ct_init(base, &cb, NULL), 0);
}

static void
teardown_events(void)
{
	ct_shutdown();
	event_base_free(base);
}

/* Events are queued by the time the request returns; a few rounds of
 * the loop read them all. */
static void
pump(void)
{
	int	 i;

	for (i = 0; i < 20; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

START_TEST(test_no_echo)
{
	const struct ct_stats	*st = ct_stats();

	apply_all(100);
	pump();
	ck_assert_uint_eq(ev_updates, 0);
	/* the socket filter drops our echo in the kernel: nothing of it
	 * even reaches the event socket */
	ck_assert_uint_eq(st->events, 0);
	/* updates and deletes we cause are ours too */
	apply_all(100);
	ck_assert_int_eq(ct_apply_delete(&sent[0]), 0);
	ck_assert_int_eq(ct_apply_flush(), 0);
	pump();
	ck_assert_uint_eq(ev_updates, 0);
	ck_assert_uint_eq(ev_deletes, 0);
	ck_assert_uint_eq(st->echo_suppressed, st->events);
}
END_TEST

/* Another program's changes are reported, also on states we injected. */
START_TEST(test_foreign_events)
{
	union sync_addr		 a = sa("192.0.2.77");

	sh("conntrack -I -p tcp -s 192.0.2.77 -d 198.51.100.77 --sport 1111 "
	    "--dport 2222 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 120 "
	    "-m 7 >/dev/null 2>&1");
	pump();
	ck_assert_uint_eq(ev_updates, 1);
	ck_assert_int_eq(ev_last.family, AF_INET);
	ck_assert_int_eq(ev_last.l4proto, IPPROTO_TCP);
	ck_assert_uint_eq(ev_last.orig.src.v4.s_addr, a.v4.s_addr);
	ck_assert_uint_eq(ev_last.reply.dst.v4.s_addr, a.v4.s_addr);
	ck_assert_uint_eq(ev_last.orig.sport, 1111);
	ck_assert_uint_eq(ev_last.orig.dport, 2222);
	ck_assert_uint_eq(ev_last.reply.sport, 2222);
	ck_assert_uint_eq(ev_last.mark, 7);
	ck_assert_uint_eq(ev_last.tcp_state, TCP_CONNTRACK_ESTABLISHED);
	ck_assert(ev_last.status & IPS_ASSURED);
	ck_assert_uint_le(ev_last.timeout, 120);
	ck_assert_uint_ge(ev_last.timeout, 115);

	/* a state we injected, then changed by someone else */
	apply_all(1);
	pump();
	ck_assert_uint_eq(ev_updates, 1);
	sh("conntrack -U -p tcp -s 192.0.2.2 -d 198.51.100.1 --sport 10000 "
	    "--dport 443 -m 9 >/dev/null 2>&1");
	pump();
	ck_assert_uint_eq(ev_updates, 2);
	ck_assert_uint_eq(ev_last.mark, 9);
	ck_assert(sync_state_key_equal(&ev_last, &sent[0]));
	sh("conntrack -D -p tcp -s 192.0.2.2 -d 198.51.100.1 --sport 10000 "
	    "--dport 443 >/dev/null 2>&1");
	pump();
	ck_assert_uint_eq(ev_deletes, 1);
	ck_assert(sync_state_key_equal(&ev_last, &sent[0]));
	ck_assert_uint_eq(ev_prefetched, ev_updates + ev_deletes);
	ck_assert(sync_state_key_equal(&ev_pf_last, &sent[0]));
}
END_TEST

START_TEST(test_event_ignored)
{
	struct ct_prefix	 ig;

	memset(&ig, 0, sizeof(ig));
	ig.family = AF_INET;
	ig.plen = 32;
	ig.addr = sa("203.0.113.2");	/* the sync peer */
	ck_assert_int_eq(ct_set_ignore(&ig, 1), 0);
	sh("conntrack -I -p udp -s 203.0.113.2 -d 203.0.113.1 --sport 8372 "
	    "--dport 8372 -t 30 >/dev/null 2>&1");
	sh("conntrack -I -p udp -s 127.0.0.1 -d 127.0.0.1 --sport 1 "
	    "--dport 2 -t 30 >/dev/null 2>&1");
	pump();
	ck_assert_uint_eq(ev_updates, 0);
	ck_assert_uint_eq(ct_stats()->ignored, 2);
}
END_TEST

/* Someone else floods the table while we do not read: the kernel drops
 * events (ENOBUFS); we count it, grow the buffer and ask for a resync. */
#define OVERRUN_N	120000

START_TEST(test_overrun)
{
	const struct ct_stats	*st = ct_stats();
	struct nfct_handle	*h;
	struct nf_conntrack	*c;
	struct sync_state	 s;
	uint32_t		 before = st->rcvbuf;
	unsigned int		 i;

	h = nfct_open(CONNTRACK, 0);
	ck_assert_ptr_nonnull(h);
	/* more events than the 32 MB the event socket starts with here */
	for (i = 0; i < OVERRUN_N; i++) {
		s = mkstate(i * NKINDS + 1);	/* UDP */
		s.orig.src = sa4("192.0.2.0", i % 250 + 1);
		s.orig.dst = sa4("198.51.100.0", i / 250 % 250 + 1);
		s.orig.sport = (uint16_t)(20000 + i / 62500);
		s.zone = 0;
		s.status = 0;
		s.reply.src = s.orig.dst;
		s.reply.dst = s.orig.src;
		s.reply.dport = s.orig.sport;
		c = nfct_new();
		ck_assert_int_eq(ct_to_nfct(&s, c, 0), 0);
		if (nfct_query(h, NFCT_Q_CREATE, c) == -1)
			ck_abort_msg("create %u: %m", i);
		nfct_destroy(c);
	}
	nfct_close(h);
	pump();
	ck_assert_uint_ge(st->overruns, 1);
	ck_assert_uint_ge(ev_overruns, 1);
	ck_assert_uint_gt(st->rcvbuf, before);
	ck_assert_uint_eq(st->echo_suppressed, 0);
	/* the dump has what the events missed */
	dump();
	ck_assert_uint_eq(nseen, OVERRUN_N);
}
END_TEST

static Suite *
ctkern_suite(void)
{
	Suite	*s = suite_create("ctkern");
	TCase	*tc = tcase_create("apply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_apply_dump);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_timeout_slack);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_helper);
	tcase_add_test(tc, test_dump_ignored);
	suite_add_tcase(s, tc);
	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup_events, teardown_events);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_no_echo);
	tcase_add_test(tc, test_foreign_events);
	tcase_add_test(tc, test_event_ignored);
	tcase_add_test(tc, test_overrun);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail;

	if (geteuid() != 0) {
		printf("test_ctkern: SKIP: needs root for network namespaces\n");
		return (SKIP_EXIT);
	}
	sr = srunner_create(ctkern_suite());
	/* Each test's unshare() must stay in its own child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
