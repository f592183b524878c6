/* syncd's engine without root: two (or more) engines wired to each other
 * through the stub wire, each over its own stub conntrack table, with a
 * clock that moves only when the test says (see stub_kern.h). */
#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "clock.h"
#include "log.h"
#include "engine_test.h"
#include "stub_kern.h"
#include "tests/unit/unit.h"
#include "syncd/ct.h"
#include "syncd/defer.h"
#include "syncd/link.h"
#include "proto/sync.h"
#include "syncd/rel.h"
#include "syncd/seal.h"
#include "syncd/syncd.h"

START_TEST(test_replicate)
{
	struct sync_state	 s[8];
	uint32_t		 i;

	pair();
	for (i = 0; i < 8; i++) {
		mk_tcp4(&s[i], i);
		stub_ct_event_update(i % 2 ? B : A, &s[i]);
	}
	pump(300);
	for (i = 0; i < 8; i++) {
		ck_assert(has(A, &s[i]));
		ck_assert(has(B, &s[i]));
	}
	/* an update: the latest value wins */
	s[0].mark = 0x99;
	s[0].tcp_state = 4;
	stub_ct_event_update(A, &s[0]);
	pump(300);
	ck_assert(has(B, &s[0]));
	/* deletes, both ways */
	stub_ct_event_delete(A, &s[2]);
	stub_ct_event_delete(B, &s[3]);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &s[2]));
	ck_assert_ptr_null(stub_ct_find(A, &s[3]));
	ck_assert_uint_eq(stub_ct_count(A), 6);
	ck_assert_uint_eq(stub_ct_count(B), 6);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 1);
	ck_assert_uint_eq(eng[A]->st.auth_failures, 0);
	ck_assert_uint_eq(eng[B]->st.replays, 0);
}
END_TEST

/* A node that starts later gets the table by bulk. */
START_TEST(test_bulk_at_start)
{
	struct sync_state	 s[20];
	uint32_t		 i;

	eng_start(A);
	pump(1000);
	for (i = 0; i < 20; i++) {
		mk_tcp4(&s[i], i);
		stub_ct_event_update(A, &s[i]);
	}
	pump(1000);
	eng_start(B);
	ck_assert_int_eq(syncd_bulk_in_progress(eng[B]), 1);
	pump(3000);
	for (i = 0; i < 20; i++)
		ck_assert(has(B, &s[i]));
	ck_assert_int_eq(syncd_bulk_in_progress(eng[B]), 0);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
	ck_assert_uint_ge(eng[A]->st.bulk_served, 1);
}
END_TEST

/* Drop data datagrams from `from` while armed: drop_left of them. */
struct drop {
	int	 from;
	int	 left;		/* -1: every one */
	int	 dropped;
	int	 all;		/* not only data: heartbeats and acks too */
};

static int
is_data(const uint8_t *buf, size_t len)
{
	struct msg_hdr	 h;

	return (msg_peek_header(buf, len - SEAL_TAGLEN, &h) == 0 &&
	    (h.flags & MSG_F_DATA));
}

static enum stub_fate
drop_data(int from, int to, const uint8_t *buf, size_t len, void *arg)
{
	struct drop	*d = arg;

	(void)to;
	if (from != d->from || d->left == 0 ||
	    (!d->all && !is_data(buf, len)))
		return (STUB_DELIVER);
	if (d->left > 0)
		d->left--;
	d->dropped++;
	return (STUB_DROP);
}

/* One lost datagram is repaired by a nack (the next one shows the gap)
 * without asking for the whole table. */
START_TEST(test_repair_dropped)
{
	struct sync_state	 s1, s2;
	struct drop		 d = { A, 1, 0 };
	const struct rel_stats	*rs;
	uint64_t		 req;

	pair();
	req = eng[B]->st.bulk_requests;
	stub_wire_filter(drop_data, &d);
	mk_tcp4(&s1, 1);
	mk_tcp4(&s2, 2);
	stub_ct_event_update(A, &s1);
	pump(150);		/* s1's datagram goes, and is lost */
	ck_assert_int_eq(d.dropped, 1);
	ck_assert(!has(B, &s1));
	stub_ct_event_update(A, &s2);
	pump(1000);
	ck_assert(has(B, &s1));
	ck_assert(has(B, &s2));
	rs = rel_rx_stats(peer_find(eng[B], eng[A]->node)->rx);
	ck_assert_uint_ge(rs->gaps, 1);
	ck_assert_uint_ge(rs->nacks, 1);
	ck_assert_uint_ge(rel_tx_stats(eng[A]->tx)->retransmits, 1);
	ck_assert_uint_eq(eng[B]->st.bulk_requests, req);
}
END_TEST

/* A bulk whose first datagram is lost: its bulk end, in a later one,
 * arrives over the gap. B must not say "in sync" (and so drop its
 * demotion) before the repair brings the lost states. */
START_TEST(test_bulk_end_over_gap)
{
	struct sync_state	 s[5];
	struct drop		 d = { A, 1, 0 };
	int			 i, t, seen = 0;

	pair();
	eng[A]->room = 100;	/* a state a datagram, the end apart */
	for (i = 0; i < 5; i++) {
		mk_tcp4(&s[i], (uint32_t)i + 1);
		stub_ct_put(A, &s[i]);
	}
	stub_select(B);
	syncd_resync(eng[B], "test");
	ck_assert_int_eq(syncd_in_sync(eng[B]), 0);
	stub_wire_filter(drop_data, &d);
	for (t = 0; t < 3000; t += STEP_MS) {
		pump(STEP_MS);
		if (!syncd_in_sync(eng[B]))
			continue;
		seen = 1;
		for (i = 0; i < 5; i++)
			ck_assert_msg(has(B, &s[i]), "in sync without state %d",
			    i);
	}
	ck_assert_int_eq(d.dropped, 1);
	ck_assert_int_eq(seen, 1);
}
END_TEST

/* A's first data datagram held back, to go after what follows it. */
struct held {
	uint8_t	 buf[2048];
	size_t	 len;
};

static enum stub_fate
hold_data(int from, int to, const uint8_t *buf, size_t len, void *arg)
{
	struct held	*h = arg;

	(void)to;
	if (from != A || h->len != 0 || !is_data(buf, len) ||
	    len > sizeof(h->buf))
		return (STUB_DELIVER);
	memcpy(h->buf, buf, len);
	h->len = len;
	return (STUB_DROP);
}

/* Two links: a probe on the standby one overtakes the data still on its
 * way on the link in use. It carries no seq of the stream, so B sees no
 * gap and sends no nack; only the link is heard. */
START_TEST(test_probe_no_gap)
{
	static struct held	 h;
	struct sync_state	 s;
	const struct rel_stats	*rs;
	uint64_t		 gaps, nacks, heard;

	pair();
	memset(&h, 0, sizeof(h));
	rs = rel_rx_stats(peer_find(eng[B], eng[A]->node)->rx);
	gaps = rs->gaps;
	nacks = rs->nacks;
	stub_wire_filter(hold_data, &h);
	mk_tcp4(&s, 1);
	stub_ct_event_update(A, &s);
	pump(150);
	ck_assert_uint_gt(h.len, 0);
	stub_clock_add(STEP_MS);
	stub_select(A);
	tx_probe(eng[A], 0);
	stub_wire_run();
	heard = eng[B]->link->paths[0].heard_ms;
	ck_assert_uint_eq(heard, clock_ms());
	stub_wire_filter(NULL, NULL);
	stub_wire_put(A, B, h.buf, h.len);
	stub_wire_run();
	pump(500);
	ck_assert(has(B, &s));
	ck_assert_uint_eq(rs->gaps, gaps);
	ck_assert_uint_eq(rs->nacks, nacks);
	ck_assert_uint_eq(rel_tx_stats(eng[A]->tx)->retransmits, 0);
}
END_TEST

/* The retransmission timer alone repairs a loss no later datagram shows. */
START_TEST(test_repair_timeout)
{
	struct sync_state	 s1;
	struct drop		 d = { A, 1, 0 };

	pair();
	stub_wire_filter(drop_data, &d);
	mk_tcp4(&s1, 1);
	stub_ct_event_update(A, &s1);
	pump(2000);
	ck_assert_int_eq(d.dropped, 1);
	ck_assert(has(B, &s1));
	ck_assert_uint_ge(rel_tx_stats(eng[A]->tx)->timeouts, 1);
}
END_TEST

/* Everything from A lost for longer than the window waits: A gives B
 * up and, once B is heard again, asks it to resync; B gets the whole
 * table by bulk instead of the lost datagrams. */
START_TEST(test_resync_gap)
{
	struct sync_state	 s[10];
	struct drop		 d = { A, -1, 0, 1 };
	uint64_t		 req;
	uint32_t		 i;

	pair();
	req = eng[B]->st.bulk_requests;
	stub_wire_filter(drop_data, &d);
	for (i = 0; i < 10; i++) {
		mk_tcp4(&s[i], i);
		stub_ct_event_update(A, &s[i]);
		pump(100);
	}
	pump(12000);
	ck_assert_uint_ge(rel_tx_stats(eng[A]->tx)->resyncs, 1);
	for (i = 0; i < 10; i++)
		ck_assert(!has(B, &s[i]));
	stub_wire_filter(NULL, NULL);
	pump(5000);
	for (i = 0; i < 10; i++)
		ck_assert(has(B, &s[i]));
	ck_assert_uint_gt(eng[B]->st.bulk_requests, req);
	ck_assert_uint_ge(eng[A]->st.bulk_served, 2);
}
END_TEST

/* A datagram for B, as A would send it, carrying s: sealed with key. */
static size_t
forge(const char *key, const struct sync_state *s, uint32_t seq,
    uint8_t *buf, size_t cap)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct seal		*seal;
	struct msg_hdr		 h;
	ssize_t			 n;

	ck_assert_ptr_nonnull(seal = seal_new((const uint8_t *)key,
	    strlen(key)));
	memset(&h, 0, sizeof(h));
	h.node = eng[A]->node;
	h.nonce = eng[A]->nonce;
	h.seq = seq;
	h.base = seq;
	h.acks_len = 1;
	h.acks[0].node = eng[B]->node;
	h.acks[0].nonce = eng[B]->nonce;
	h.acks[0].seq = rel_tx_seq(eng[B]->tx) - 1;
	ck_assert_int_eq(msg_queue_update(q, s), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, 1400, b), 0);
	n = seal_sign(seal, buf, b->len, cap);
	ck_assert_int_gt(n, 0);
	seal_free(seal);
	msg_queue_free(q);
	free(b);
	return ((size_t)n);
}

START_TEST(test_forged)
{
	struct sync_state	 s;
	uint8_t			 buf[2048];
	size_t			 len;
	uint32_t		 seq;

	pair();
	mk_tcp4(&s, 7);
	seq = rel_tx_seq(eng[A]->tx);
	len = forge("not the shared secret", &s, seq, buf, sizeof(buf));
	stub_wire_inject(B, buf, len);
	ck_assert(!has(B, &s));
	ck_assert_uint_eq(eng[B]->st.auth_failures, 1);
	/* one flipped byte of a real datagram */
	len = forge(test_key, &s, seq, buf, sizeof(buf));
	buf[len / 2] ^= 1;
	stub_wire_inject(B, buf, len);
	ck_assert(!has(B, &s));
	ck_assert_uint_eq(eng[B]->st.auth_failures, 2);
	/* the same with the key is taken: the forgery was otherwise good */
	buf[len / 2] ^= 1;
	stub_wire_inject(B, buf, len);
	ck_assert(has(B, &s));
}
END_TEST

/* A correctly keyed forger (a compromised peer) sends B a datagram of
 * A's live session with a seq far ahead: dropped and counted, and A's
 * real stream is not wedged behind it (its states still replicate, none
 * of its datagrams is taken for a replay). A jump after B's socket
 * dropped datagrams is taken. */
START_TEST(test_seq_jump)
{
	struct sync_state	 s, t[4];
	uint8_t			 buf[2048];
	size_t			 len;
	uint32_t		 i;

	pair();
	mk_tcp4(&s, 9);
	len = forge(test_key, &s, rel_tx_seq(eng[A]->tx) + 100000, buf,
	    sizeof(buf));
	stub_wire_inject(B, buf, len);
	ck_assert(!has(B, &s));
	ck_assert_uint_eq(eng[B]->st.seq_jumps, 1);
	for (i = 0; i < 4; i++) {
		mk_tcp4(&t[i], 20 + i);
		stub_ct_event_update(A, &t[i]);
	}
	pump(300);
	for (i = 0; i < 4; i++)
		ck_assert(has(B, &t[i]));
	ck_assert_uint_eq(eng[B]->st.replays, 0);
	ck_assert_int_eq(syncd_peers_alive(eng[B]), 1);
	/* but when B's socket overflowed since (B was stopped or swamped
	 * and A gave it up), the jump is real and taken */
	eng[B]->link->kernel_drops += 2000;
	len = forge(test_key, &s, rel_tx_seq(eng[A]->tx) + 5000, buf,
	    sizeof(buf));
	stub_wire_inject(B, buf, len);
	ck_assert(has(B, &s));
	ck_assert_uint_eq(eng[B]->st.seq_jumps, 1);
}
END_TEST

/* A datagram of A's played to B again after the state it created was
 * deleted: nothing comes back. */
START_TEST(test_replayed)
{
	struct sync_state	 s;
	const uint8_t		*old;
	size_t			 first, i, len;

	pair();
	mk_tcp4(&s, 3);
	first = stub_wire_sent(A);
	stub_ct_event_update(A, &s);
	pump(300);
	ck_assert(has(B, &s));
	stub_ct_event_delete(A, &s);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &s));
	for (i = first; i < stub_wire_sent(A); i++) {
		old = stub_wire_sent_get(A, i, &len);
		stub_wire_inject(B, old, len);
	}
	ck_assert_ptr_null(stub_ct_find(B, &s));
	ck_assert_uint_ge(eng[B]->st.replays, 1);
	ck_assert_uint_eq(eng[B]->st.auth_failures, 0);
	pump(1000);
	ck_assert_ptr_null(stub_ct_find(B, &s));
}
END_TEST

/* Duplicated and corrupted datagrams on the wire change nothing. */
static enum stub_fate
dup_corrupt(int from, int to, const uint8_t *buf, size_t len, void *arg)
{
	int	*n = arg;

	(void)from;
	(void)to;
	(void)buf;
	(void)len;
	switch (random() % 5) {
	case 0:
		return (STUB_DUP);
	case 1:
		(*n)++;
		return (STUB_CORRUPT);
	default:
		return (STUB_DELIVER);
	}
}

START_TEST(test_dup_corrupt)
{
	struct sync_state	 s[6];
	uint32_t		 i;
	int			 n = 0;

	pair();
	stub_wire_filter(dup_corrupt, &n);
	for (i = 0; i < 6; i++) {
		mk_tcp4(&s[i], i);
		stub_ct_event_update(A, &s[i]);
		pump(50);
	}
	pump(3000);
	for (i = 0; i < 6; i++)
		ck_assert(has(B, &s[i]));
	ck_assert_uint_gt(eng[B]->st.auth_failures, 0);
}
END_TEST

/* The peer restarts (a new node id each time) more often than there are
 * peer slots: every new session still replicates. */
START_TEST(test_sessions)
{
	struct sync_state	 s;
	uint32_t		 i;

	pair();
	for (i = 0; i < MSG_MAXPEERS + 4; i++) {
		eng_stop(B);
		pump(SYNCD_DEAD_MS + 1000);
		eng_start(B);
		pump(2000);
		mk_tcp4(&s, 100 + i);
		stub_ct_event_update(A, &s);
		pump(300);
		ck_assert_msg(has(B, &s), "session %u", i);
		ck_assert_int_eq(syncd_peers_alive(eng[A]), 1);
	}
}
END_TEST

static enum stub_fate
drop_all(int from, int to, const uint8_t *buf, size_t len, void *arg)
{
	(void)from;
	(void)to;
	(void)buf;
	(void)len;
	(void)arg;
	return (STUB_DROP);
}

/* The link cut for longer than the dead time while A's table grows:
 * A sent to nobody, so once B is heard again A tells it to resync; B
 * asks for A's table as a bulk held with its demotion (B is not master;
 * the stub wire delivers the whole bulk at once, the namespace test
 * sync-fault-link.sh watches the hold) and then has every state. */
START_TEST(test_outage)
{
	struct sync_state	 s[20];
	uint64_t		 req, served;
	uint32_t		 i;

	pair();
	eng[B]->masters = 0;
	req = eng[B]->st.bulk_requests;
	served = eng[A]->st.bulk_served;
	stub_wire_filter(drop_all, NULL);
	for (i = 0; i < 20; i++) {
		mk_tcp4(&s[i], i);
		stub_ct_event_update(A, &s[i]);
	}
	pump(SYNCD_DEAD_MS + 2000);
	ck_assert_int_eq(syncd_peers_alive(eng[B]), 0);
	ck_assert(!has(B, &s[0]));
	stub_wire_filter(NULL, NULL);
	pump(3000);
	for (i = 0; i < 20; i++)
		ck_assert(has(B, &s[i]));
	ck_assert_uint_gt(eng[B]->st.bulk_requests, req);
	ck_assert_uint_gt(eng[A]->st.bulk_served, served);
	ck_assert_int_eq(eng[B]->bulk.hold, 1);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
	ck_assert_int_eq(syncd_bulk_in_progress(eng[B]), 0);
}
END_TEST

/* A peer silent past the dead time that missed nothing of ours (a
 * stall, a frozen syncd) is not told to resync by the sender, but the
 * receiver asks for its table all the same: the peer may still have a
 * backlog for it, and only a bulk end says it is in sync again. */
START_TEST(test_stall)
{
	struct sync_state	 s;
	uint64_t		 lost, req;

	pair();
	lost = rel_tx_stats(eng[A]->tx)->resyncs;
	req = eng[B]->st.bulk_requests;
	stub_wire_filter(drop_all, NULL);
	pump(SYNCD_DEAD_MS + 2000);
	ck_assert_int_eq(syncd_peers_alive(eng[A]), 0);
	stub_wire_filter(NULL, NULL);
	pump(2000);
	ck_assert_int_eq(syncd_peers_alive(eng[A]), 1);
	ck_assert_uint_eq(rel_tx_stats(eng[A]->tx)->resyncs, lost);
	ck_assert_uint_gt(eng[B]->st.bulk_requests, req);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
	mk_tcp4(&s, 5);
	stub_ct_event_update(A, &s);
	pump(300);
	ck_assert(has(B, &s));
}
END_TEST

/* A state of A's ends while A's events are lost: A cannot name it (the
 * ownership table keeps no keys), so it tells B to ask for its table,
 * and B's copy, which A's bulk does not refresh, is swept from B's
 * kernel. B's own states and A's live ones stay. */
START_TEST(test_overrun_sweep)
{
	struct sync_state	 gone, kept, mine;

	pair();
	eng[B]->masters = 0;
	mk_tcp4(&gone, 1);
	mk_tcp4(&kept, 2);
	mk_tcp4(&mine, 3);
	stub_ct_event_update(A, &gone);
	stub_ct_event_update(A, &kept);
	stub_ct_event_update(B, &mine);
	pump(300);
	ck_assert(has(B, &gone));
	ck_assert(has(A, &mine));
	stub_ct_drop(A, &gone);
	stub_ct_overrun(A);
	pump(4000);
	ck_assert_ptr_null(stub_ct_find(B, &gone));
	ck_assert(has(B, &kept));
	ck_assert(has(B, &mine));
	ck_assert(has(A, &mine));
	ck_assert_uint_eq(eng[B]->st.bulk_swept, 1);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
}
END_TEST

/* B hears nothing for a while: A's send window fills, and A stops
 * reading events once its queue holds queue_hold states, rather than
 * queue every event the kernel has. When B hears again, the queue
 * drains, reading resumes and every state arrives. */
START_TEST(test_backpressure)
{
	struct sync_state	 s;
	size_t			 i, peak = 0;

	pair();
	eng[A]->queue_hold = 64;
	/* a state or two a datagram: the window fills within the test */
	eng[A]->room = 100;
	stub_wire_filter(drop_all, NULL);
	for (i = 0; i < 900; i++) {
		mk_tcp4(&s, (uint32_t)i + 1);
		stub_ct_event_update(A, &s);
		if (msg_queue_len(eng[A]->outq) > peak)
			peak = msg_queue_len(eng[A]->outq);
		if (i % 8 == 0)
			pump(STEP_MS);
	}
	stub_select(A);
	ck_assert_int_eq(ct_events_held(), 1);
	ck_assert_uint_ge(ct_stats()->holds, 1);
	ck_assert_uint_lt(peak, 64 + 64);
	ck_assert_uint_eq(stub_ct_count(B), 0);
	stub_wire_filter(NULL, NULL);
	pump(5000);
	stub_select(A);
	ck_assert_int_eq(ct_events_held(), 0);
	ck_assert_uint_eq(stub_ct_count(B), 900);
}
END_TEST

/* Behind a walk of the whole table (a bulk served) events are read on:
 * they coalesce into the queued table, and a pause as long as the walk
 * could overrun the event socket. */
START_TEST(test_backpressure_bulk)
{
	struct sync_state	 s;
	uint32_t		 i;

	pair();
	eng[A]->queue_hold = 4;
	for (i = 0; i < 100; i++) {
		mk_tcp4(&s, i + 1);
		stub_ct_put(A, &s);
	}
	stub_select(A);
	table_serve_bulk(eng[A], eng[B]->node);
	ck_assert_uint_ge(msg_queue_len(eng[A]->outq), 100);
	ck_assert_int_eq(ct_events_held(), 0);
	pump(3000);
	ck_assert_uint_eq(stub_ct_count(B), 100);
}
END_TEST

/* With two links each datagram says which links hear the peer: A's
 * first link, whose datagrams B no longer gets, goes down on B's word
 * while A still hears B on it, and comes back when B hears A again.
 * (The stub wire has one path, the second has no carrier; pump() runs
 * no probe timer, so the silence allowed is above the heartbeat's.) */
START_TEST(test_link_one_way)
{
	struct drop	 lost = { A, -1, 0, 1 };
	int		 n;

	pair();
	for (n = A; n <= B; n++) {
		eng[n]->link->n = 2;
		eng[n]->link->silent_ms = SYNCD_HEARTBEAT_MS * 3 / 2;
	}
	pump(1000);
	ck_assert_int_eq(eng[A]->link->peer_reports, 1);
	ck_assert_int_eq(eng[A]->link->paths[0].up, 1);
	stub_wire_filter(drop_data, &lost);
	pump(SYNCD_HEARTBEAT_MS * 4);
	ck_assert_int_gt(lost.dropped, 0);
	ck_assert_uint_ge(eng[A]->link->paths[0].heard_ms +
	    SYNCD_HEARTBEAT_MS, clock_ms());
	ck_assert_int_eq(eng[A]->link->paths[0].up, 0);
	stub_wire_filter(NULL, NULL);
	pump(SYNCD_HEARTBEAT_MS * 3);
	ck_assert_int_eq(eng[A]->link->paths[0].up, 1);
	ck_assert_int_eq(eng[B]->link->paths[0].up, 1);
}
END_TEST

/* A bulk that refreshed every PEER record leaves nothing to sweep: no
 * walk of the kernel table, which on a master in a burst of its own new
 * states cost a fifth of its CPU (make bench, sync/100000). */
START_TEST(test_sweep_nothing_stale)
{
	struct sync_state	 kept, mine;
	unsigned int		 dumps;

	pair();
	eng[B]->masters = 0;
	mk_tcp4(&kept, 1);
	mk_tcp4(&mine, 2);
	stub_ct_event_update(A, &kept);
	stub_ct_event_update(B, &mine);
	pump(300);
	dumps = stub_ct_dumps(B);
	/* B asks A's table; A's bulk refreshes B's only PEER record */
	stub_select(B);
	syncd_resync(eng[B], "test");
	pump(4000);
	ck_assert_uint_gt(eng[B]->st.bulk_requests, 0);
	ck_assert(has(B, &kept));
	ck_assert(has(B, &mine));
	ck_assert_uint_eq(eng[B]->st.bulk_swept, 0);
	ck_assert_uint_eq(stub_ct_dumps(B), dumps);
}
END_TEST

/* gone ends on A while A's events are lost: B, asked to take A's
 * table, must keep its copy and count the sweep as skipped. */
static void
expect_sweep_skipped(const struct sync_state *gone)
{
	stub_ct_drop(A, gone);
	stub_ct_overrun(A);
	pump(4000);
	ck_assert(has(B, gone));
	ck_assert_uint_eq(eng[B]->st.bulk_swept, 0);
	ck_assert_uint_ge(eng[B]->st.bulk_sweeps_skipped, 1);
}

/* A master keeps its PEER states: they may be connections it forwards
 * since a failover, which the peer (rebooted, say) no longer has. */
START_TEST(test_sweep_master)
{
	struct sync_state	 gone;

	pair();
	mk_tcp4(&gone, 1);
	stub_ct_event_update(A, &gone);
	pump(300);
	stub_select(B);
	syncd_masters_changed(eng[B], 1);
	expect_sweep_skipped(&gone);
}
END_TEST

/* A state ends on A while A's syncd is down: A's new run is a new
 * session, whose bulk B asks for; B's slot of A's first run is dead but
 * of the same host, so B still sweeps the copy. */
START_TEST(test_sweep_restart)
{
	struct sync_state	 gone, kept;

	pair();
	mk_tcp4(&gone, 1);
	mk_tcp4(&kept, 2);
	stub_ct_event_update(A, &gone);
	stub_ct_event_update(A, &kept);
	pump(300);
	ck_assert(has(B, &gone));
	eng_stop(A);
	stub_ct_drop(A, &gone);
	pump(1000);
	eng_start(A);
	pump(SYNCD_DEAD_MS + 3000);
	ck_assert_ptr_null(stub_ct_find(B, &gone));
	ck_assert(has(B, &kept));
	ck_assert_uint_eq(eng[B]->st.bulk_swept, 1);
	ck_assert_uint_eq(eng[B]->st.bulk_sweeps_skipped, 0);
}
END_TEST

/* With two peers a PEER record does not say whose it is: one peer's
 * bulk sweeps nothing, and the sweep is counted as skipped. */
START_TEST(test_sweep_two_peers)
{
	struct sync_state	 gone;

	pair();
	eng_start(2);
	pump(3000);
	mk_tcp4(&gone, 1);
	stub_ct_event_update(A, &gone);
	pump(300);
	ck_assert(has(B, &gone));
	expect_sweep_skipped(&gone);
}
END_TEST

/* A's own TCP state s, in its kernel, and A master of 2 carps. */
static void
own_tcp_master(struct sync_state *s)
{
	pair();
	mk_tcp4(s, 9);
	stub_ct_event_update(A, s);
	stub_select(A);
	syncd_masters_changed(eng[A], 2);
}

/* Mastership pushed to the engine: a drop makes this node's TCP states
 * liberal for their return; an unknown count or a rise changes nothing. */
START_TEST(test_masters_changed)
{
	struct sync_state	 s;
	const struct sync_state	*c;
	uint8_t			 f = IP_CT_TCP_FLAG_BE_LIBERAL;

	own_tcp_master(&s);
	syncd_masters_changed(eng[A], -1);
	syncd_masters_changed(eng[A], 3);
	ck_assert_ptr_nonnull(c = stub_ct_find(A, &s));
	ck_assert_int_eq(c->tcp_flags_orig & f, 0);
	ck_assert_int_eq(eng[A]->masters, 3);
	syncd_masters_changed(eng[A], 1);
	ck_assert_ptr_nonnull(c = stub_ct_find(A, &s));
	ck_assert_int_eq(c->tcp_flags_orig & f, f);
	ck_assert_int_eq(c->tcp_flags_repl & f, f);
	ck_assert_int_eq(eng[A]->masters, 1);
}
END_TEST

/* A MASTER that heard another master keeps its count, but its TCP
 * states become liberal: the other forwarded them for a moment. */
START_TEST(test_rival_heard)
{
	struct sync_state	 s;
	const struct sync_state	*c;
	uint8_t			 f = IP_CT_TCP_FLAG_BE_LIBERAL;

	own_tcp_master(&s);
	ck_assert_ptr_nonnull(c = stub_ct_find(A, &s));
	ck_assert_int_eq(c->tcp_flags_orig & f, 0);
	syncd_rival_heard(eng[A], "carp1");
	ck_assert_ptr_nonnull(c = stub_ct_find(A, &s));
	ck_assert_int_eq(c->tcp_flags_orig & f, f);
	ck_assert_int_eq(c->tcp_flags_repl & f, f);
	ck_assert_int_eq(eng[A]->masters, 2);
}
END_TEST

/* defer: a held packet's connection goes at once, flagged to be acked
 * now, and the peer's ack of that datagram releases the packet. */
START_TEST(test_defer_ack)
{
	struct sync_state	 s;
	struct defer_flow	 f;
	uint32_t		 token;

	test_cs.defer = 1;
	pair();
	mk_tcp4(&s, 11);
	stub_ct_put(A, &s);	/* the kernel has it; its event is late */
	memset(&f, 0, sizeof(f));
	f.family = AF_INET;
	f.l4proto = IPPROTO_TCP;
	memcpy(&f.src, &s.orig.src, sizeof(s.orig.src.v4));
	memcpy(&f.dst, &s.orig.dst, sizeof(s.orig.dst.v4));
	f.sport = s.orig.sport;
	f.dport = s.orig.dport;
	stub_select(A);
	ck_assert_int_eq(syncd_defer(&f, &token, eng[A]), 0);
	ck_assert(rel_seq_lt(stub_defer_acked(A), token));
	/* the datagram is out; B applies it and acks it before any timer */
	stub_wire_run();
	ck_assert(has(B, &s));
	stub_wire_run();
	ck_assert(!rel_seq_lt(stub_defer_acked(A), token));
	/* a flow the kernel does not know passes at once */
	f.sport++;
	ck_assert_int_eq(syncd_defer(&f, &token, eng[A]), -1);
	/* and so does any, once no peer is alive to acknowledge it */
	f.sport--;
	stub_wire_filter(drop_all, NULL);
	pump(SYNCD_DEAD_MS + 2000);
	ck_assert_int_eq(syncd_peers_alive(eng[A]), 0);
	stub_select(A);
	ck_assert_int_eq(syncd_defer(&f, &token, eng[A]), -1);
	stub_wire_filter(NULL, NULL);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite	*s = suite_create("engine");
	TCase	*tc;

	tc = tcase_create("two engines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replicate);
	tcase_add_test(tc, test_bulk_at_start);
	tcase_add_test(tc, test_repair_dropped);
	tcase_add_test(tc, test_repair_timeout);
	tcase_add_test(tc, test_probe_no_gap);
	tcase_add_test(tc, test_resync_gap);
	tcase_add_test(tc, test_forged);
	tcase_add_test(tc, test_replayed);
	tcase_add_test(tc, test_seq_jump);
	tcase_add_test(tc, test_dup_corrupt);
	tcase_add_test(tc, test_sessions);
	tcase_add_test(tc, test_outage);
	tcase_add_test(tc, test_stall);
	tcase_add_test(tc, test_masters_changed);
	tcase_add_test(tc, test_rival_heard);
	tcase_add_test(tc, test_defer_ack);
	tcase_add_test(tc, test_overrun_sweep);
	tcase_add_test(tc, test_sweep_two_peers);
	tcase_add_test(tc, test_sweep_restart);
	tcase_add_test(tc, test_sweep_master);
	tcase_add_test(tc, test_sweep_nothing_stale);
	tcase_add_test(tc, test_backpressure);
	tcase_add_test(tc, test_backpressure_bulk);
	tcase_add_test(tc, test_bulk_end_over_gap);
	tcase_add_test(tc, test_link_one_way);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	log_init("test_engine", 1, 0);
	return (unit_run(engine_suite()));
}
