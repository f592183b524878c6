/* syncd reliability window: a simulated link between a sender (rel_tx)
 * and a receiver (rel_rx) with loss, reordering, duplication and seq
 * wraparound; every state must arrive with its latest value. Then the
 * failure paths: window overflow, silent peer, unrepairable gap, peer
 * restart. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "syncd/rel.h"
#include "tests/unit/unit.h"

#define A		1	/* sender node */
#define B		2	/* receiver node */
#define NONCE		0xa5a5a5a5deadbeefULL
#define NIDS		2000
#define PERDG		20
#define MAXNET		4096

struct dg {
	uint32_t	 seq, base;
	int		 data;
	int		 n;
	int		 ids[PERDG];
	int		 vals[PERDG];
};

struct sim {
	struct rel_tx	*tx;
	struct rel_rx	*rx;
	uint64_t	 now;
	int		 src[NIDS], dst[NIDS];
	int		 pending[NIDS];
	int		 fifo[NIDS * 4], fhead, ftail;
	struct dg	 net[MAXNET];	/* A -> B, in flight */
	int		 nnet;
	uint64_t	 last_hb;
	int		 sent;		/* datagrams A sent */
	int		 accepted, dups, events;
	/* policies */
	int		 drop_every;	/* drop the Nth datagram sent */
	unsigned	 drop_pct;
	int		 reorder;	/* deliver in reverse batches */
	int		 duplicate;
	int		 ack_loss;	/* drop every B -> A message */
	unsigned	 fb_drop_pct;	/* drop this many B -> A, in % */
	unsigned	 seed;
};

static void
key_of(int id, struct sync_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = 2;
	k->l4proto = 6;
	k->orig.sport = id & 0xffff;
	k->orig.dport = id >> 16;
}

static int
id_of(const struct sync_key *k)
{
	return (k->orig.sport | (k->orig.dport << 16));
}

static void
sim_queue(struct sim *s, int id)
{
	if (s->pending[id])
		return;
	s->pending[id] = 1;
	s->fifo[s->ftail++ % (NIDS * 4)] = id;
}

/* The caller's peer table: each peer's send state lives in its slot
 * (B, B + 1, B + 2), rel_tx walks them. */
#define NTPEERS		3
static struct rel_txpeer tpeers[NTPEERS];

static struct rel_txpeer *
tpeer(uint32_t node)
{
	return (&tpeers[node - B]);
}

static struct rel_txpeer *
tpeer_next(void *arg, struct rel_txpeer *p)
{
	(void)arg;
	p = p == NULL ? tpeers : p + 1;
	return (p < tpeers + NTPEERS ? p : NULL);
}

static void
tpeer_reset(void)
{
	memset(tpeers, 0, sizeof(tpeers));
}

/* rel_tx_ops: the current value is read when the datagram is built. */
static void
sim_resend(void *arg, const struct sync_key *k)
{
	sim_queue(arg, id_of(k));
}

static const struct rel_tx_ops sim_ops = { sim_resend, NULL, tpeer_next };

static void
sim_init(struct sim *s, uint32_t first_seq)
{
	int	 i;

	memset(s, 0, sizeof(*s));
	tpeer_reset();
	s->tx = rel_tx_new(A, NONCE, first_seq, &sim_ops, s);
	s->rx = rel_rx_new(A);
	s->now = 1000;
	s->seed = 42;
	for (i = 0; i < NIDS; i++) {
		s->src[i] = i * 3 + 1;
		sim_queue(s, i);
	}
	/* B is heard once before the data starts (its bulk request) */
	{
		struct msg_hdr h;

		memset(&h, 0, sizeof(h));
		h.node = B;
		ck_assert_int_eq(rel_tx_heard(s->tx, tpeer(B), &h, s->now), 0);
	}
}

static void
sim_free(struct sim *s)
{
	rel_tx_free(s->tx);
	rel_rx_free(s->rx);
}

static int
sim_dropped(struct sim *s)
{
	if (s->drop_every && s->sent % s->drop_every == 0)
		return (1);
	return (s->drop_pct && (unsigned)rand_r(&s->seed) % 100 < s->drop_pct);
}

static void
sim_emit(struct sim *s, struct dg *d)
{
	struct sync_key	 keys[PERDG];
	int		 i;

	d->seq = rel_tx_seq(s->tx);
	d->base = rel_tx_base(s->tx);
	d->data = d->n > 0;
	for (i = 0; i < d->n; i++)
		key_of(d->ids[i], &keys[i]);
	ck_assert_int_eq(rel_tx_sent(s->tx, keys, d->n, 0, s->now), 0);
	s->sent++;
	if (sim_dropped(s))
		return;
	ck_assert_int_lt(s->nnet, MAXNET - 1);
	s->net[s->nnet++] = *d;
	if (s->duplicate)
		s->net[s->nnet++] = *d;
}

/* A: flush the queue while the window has room; heartbeat when idle. */
static void
sim_send(struct sim *s)
{
	struct dg	 d;
	int		 id;

	while (s->fhead != s->ftail && rel_tx_room(s->tx)) {
		memset(&d, 0, sizeof(d));
		while (s->fhead != s->ftail && d.n < PERDG) {
			id = s->fifo[s->fhead++ % (NIDS * 4)];
			s->pending[id] = 0;
			d.ids[d.n] = id;
			d.vals[d.n++] = s->src[id];
		}
		sim_emit(s, &d);
	}
	if (s->now - s->last_hb >= 1000) {
		memset(&d, 0, sizeof(d));
		sim_emit(s, &d);
		s->last_hb = s->now;
	}
}

static void
sim_deliver_one(struct sim *s, const struct dg *d)
{
	int	 ev, i;

	ev = rel_rx_recv(s->rx, NONCE, d->seq, d->base, d->data, s->now);
	if (ev & REL_DUP) {
		ck_assert_int_eq(ev & REL_ACCEPT, 0);
		s->dups++;
		return;
	}
	ck_assert(ev & REL_ACCEPT);
	s->events |= ev;
	s->accepted++;
	for (i = 0; i < d->n; i++)
		s->dst[d->ids[i]] = d->vals[i];
}

static void
sim_deliver(struct sim *s)
{
	int	 i;

	if (s->reorder)
		for (i = s->nnet - 1; i >= 0; i--)
			sim_deliver_one(s, &s->net[i]);
	else
		for (i = 0; i < s->nnet; i++)
			sim_deliver_one(s, &s->net[i]);
	s->nnet = 0;
}

/* B -> A: acks and nacks. */
static void
sim_feedback(struct sim *s)
{
	struct msg_hdr	 h;
	struct msg_nack	 n;
	size_t		 nr;

	memset(&h, 0, sizeof(h));
	h.node = B;
	nr = rel_rx_nacks(s->rx, s->now, &n);
	if (nr > 0 || rel_rx_ack_due(s->rx, s->now)) {
		ck_assert_int_eq(rel_rx_ack(s->rx, &h.acks[0]), 1);
		ck_assert_uint_eq(h.acks[0].node, A);
		h.acks_len = 1;
		rel_rx_ack_sent(s->rx);
		if (s->ack_loss || (s->fb_drop_pct &&
		    (unsigned)rand_r(&s->seed) % 100 < s->fb_drop_pct))
			return;
		ck_assert_int_eq(rel_tx_heard(s->tx, tpeer(B), &h, s->now), 0);
		if (nr > 0)
			rel_tx_nack(s->tx, tpeer(B), &n, s->now);
	}
}

static void
sim_step(struct sim *s)
{
	sim_send(s);
	sim_deliver(s);
	sim_feedback(s);
	rel_tx_tick(s->tx, s->now);
	s->events |= rel_rx_tick(s->rx, s->now);
	s->now += 10;
}

/* Run until everything is acked and equal, or the deadline. */
static int
sim_run(struct sim *s, int ms)
{
	uint64_t	 end = s->now + ms;

	while (s->now < end) {
		sim_step(s);
		if (s->fhead == s->ftail && rel_tx_inflight(s->tx) == 0 &&
		    memcmp(s->src, s->dst, sizeof(s->src)) == 0)
			return (1);
	}
	return (0);
}

static void
sim_check(struct sim *s)
{
	int	 i;

	for (i = 0; i < NIDS; i++)
		ck_assert_msg(s->dst[i] == s->src[i], "id %d: %d != %d", i,
		    s->dst[i], s->src[i]);
	ck_assert_int_eq(s->events & REL_RESYNC, 0);
}

START_TEST(test_clean)
{
	struct sim	*s = calloc(1, sizeof(*s));

	sim_init(s, 1);
	ck_assert(sim_run(s, 5000));
	sim_check(s);
	ck_assert_uint_eq(rel_tx_stats(s->tx)->retransmits, 0);
	ck_assert_uint_eq(rel_rx_stats(s->rx)->gaps, 0);
	ck_assert_int_eq(s->events & REL_FIRST, REL_FIRST);
	sim_free(s);
	free(s);
}
END_TEST

START_TEST(test_loss)
{
	struct sim	*s = calloc(1, sizeof(*s));
	int		 i;

	sim_init(s, 1);
	s->drop_every = 7;
	s->drop_pct = 10;
	/* values change while datagrams are lost: the latest must win */
	for (i = 0; i < 20; i++) {
		sim_step(s);
		s->src[i * 50] += 1000;
		sim_queue(s, i * 50);
	}
	ck_assert(sim_run(s, 20000));
	sim_check(s);
	ck_assert_uint_gt(rel_tx_stats(s->tx)->retransmits, 10);
	ck_assert_uint_gt(rel_rx_stats(s->rx)->gaps, 10);
	ck_assert_uint_gt(rel_rx_stats(s->rx)->nacks, 0);
	sim_free(s);
	free(s);
}
END_TEST

/* Lost acks and nacks too: the retransmission timer repairs. */
START_TEST(test_loss_rto)
{
	struct sim	*s = calloc(1, sizeof(*s));
	int		 i;

	sim_init(s, 1);
	s->drop_every = 5;
	/* no feedback at all for a while */
	s->ack_loss = 1;
	for (i = 0; i < 30; i++)
		sim_step(s);
	ck_assert_uint_gt(rel_tx_stats(s->tx)->timeouts, 0);
	s->ack_loss = 0;
	ck_assert(sim_run(s, 20000));
	sim_check(s);
	sim_free(s);
	free(s);
}
END_TEST

/* 30% loss both ways with the whole table queued at once: a nack names
 * the gaps and, by what it leaves out, what arrived, so the window moves
 * past every gap it resent in one round trip (not one per gap). */
START_TEST(test_loss30)
{
	struct sim	*s = calloc(1, sizeof(*s));
	uint64_t	 t0;

	sim_init(s, 1);
	s->drop_pct = 30;
	s->fb_drop_pct = 30;
	t0 = s->now;
	ck_assert(sim_run(s, 20000));
	sim_check(s);
	ck_assert_uint_lt(s->now - t0, 5000);
	sim_free(s);
	free(s);
}
END_TEST

/* Seqs 1..10 out, B has 1, 3, 4, 7 and nacks 2 and 5-6: 3 and 4 count
 * as B's, so once 2, 5 and 6 are resent the base is 7 at once. */
START_TEST(test_nack_sack)
{
	struct sim	*s = calloc(1, sizeof(*s));
	struct rel_tx	*tx = rel_tx_new(A, NONCE, 1, &sim_ops, s);
	struct msg_hdr	 h;
	struct msg_nack	 n;
	struct sync_key	 k;
	int		 i;

	tpeer_reset();
	memset(&h, 0, sizeof(h));
	h.node = B;
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(B), &h, 0), 0);
	ck_assert_uint_ne(tpeer(B)->bit, 0);
	for (i = 1; i <= 10; i++) {
		key_of(i, &k);
		ck_assert_int_eq(rel_tx_sent(tx, &k, 1, 0, 0), 0);
	}
	h.acks_len = 1;
	h.acks[0].node = A;
	h.acks[0].nonce = NONCE;
	h.acks[0].seq = 1;
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(B), &h, 0), 0);
	ck_assert_uint_eq(rel_tx_base(tx), 2);
	memset(&n, 0, sizeof(n));
	n.node = A;
	n.nranges = 2;
	n.ranges[0].first = 2;
	n.ranges[0].count = 1;
	n.ranges[1].first = 5;
	n.ranges[1].count = 2;
	rel_tx_nack(tx, tpeer(B), &n, 0);
	ck_assert_uint_eq(rel_tx_stats(tx)->retransmits, 3);
	ck_assert_uint_eq(rel_tx_base(tx), 7);
	ck_assert_uint_eq(rel_tx_inflight(tx), 4);
	/* the timer resends 8 (7 is unknown: beyond the last range) */
	rel_tx_tick(tx, rel_tx_deadline(tx));
	ck_assert_uint_eq(rel_tx_stats(tx)->retransmits, 4);
	ck_assert_uint_eq(rel_tx_base(tx), 8);
	rel_tx_free(tx);
	free(s);
}
END_TEST

START_TEST(test_reorder)
{
	struct sim	*s = calloc(1, sizeof(*s));

	sim_init(s, 1);
	s->reorder = 1;
	ck_assert(sim_run(s, 10000));
	sim_check(s);
	ck_assert_uint_eq(rel_rx_stats(s->rx)->duplicates, 0);
	sim_free(s);
	free(s);
}
END_TEST

START_TEST(test_duplicates)
{
	struct sim	*s = calloc(1, sizeof(*s));

	sim_init(s, 1);
	s->duplicate = 1;
	s->reorder = 1;
	ck_assert(sim_run(s, 10000));
	sim_check(s);
	ck_assert_int_gt(s->dups, 90);
	ck_assert_uint_eq(rel_rx_stats(s->rx)->duplicates, (uint64_t)s->dups);
	sim_free(s);
	free(s);
}
END_TEST

START_TEST(test_wrap)
{
	struct sim	*s = calloc(1, sizeof(*s));

	sim_init(s, 0xffffffff - 40);
	s->drop_every = 6;
	s->reorder = 1;
	ck_assert(sim_run(s, 20000));
	sim_check(s);
	ck_assert_uint_lt(rel_tx_seq(s->tx), 1000);
	ck_assert_uint_gt(rel_tx_stats(s->tx)->retransmits, 0);
	sim_free(s);
	free(s);
}
END_TEST

/* B never answers and the caller ignores rel_tx_room: the window
 * overflows, B is lost, and is told to resync once heard again. */
START_TEST(test_window_overflow)
{
	struct rel_tx	*tx = rel_tx_new(A, NONCE, 7, &sim_ops, NULL);
	struct sync_key	 k;
	struct msg_hdr	 h;
	int		 i, rv = 0;

	tpeer_reset();
	memset(&h, 0, sizeof(h));
	h.node = B;
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(h.node), &h, 0), 0);
	key_of(1, &k);
	for (i = 0; i < REL_TX_WINDOW; i++) {
		ck_assert_int_eq(rel_tx_room(tx), 1);
		ck_assert_int_eq(rel_tx_sent(tx, NULL, 0, REL_CTL_BULK_END,
		    0), 0);
	}
	ck_assert_int_eq(rel_tx_room(tx), 0);
	ck_assert_uint_eq(rel_tx_base(tx), 7);
	rv = rel_tx_sent(tx, NULL, 0, REL_CTL_BULK_END, 0);
	ck_assert_int_eq(rv, REL_RESYNC);
	ck_assert_uint_eq(rel_tx_stats(tx)->resyncs, 1);
	/* nobody holds the window now: not tracked */
	ck_assert_uint_eq(rel_tx_inflight(tx), 0);
	ck_assert_uint_eq(rel_tx_base(tx), rel_tx_seq(tx));
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(h.node), &h, 0), REL_RESYNC);
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(h.node), &h, 0), 0);
	rel_tx_free(tx);
}
END_TEST

static int	 ctl_resent;

static void
ctl_resend(void *arg, uint32_t ctl)
{
	(void)arg;
	ctl_resent |= ctl;
}

/* A silent peer: the timer backs off, then gives up on it. */
START_TEST(test_silent_peer)
{
	struct rel_tx_ops ops = { NULL, ctl_resend, tpeer_next };
	struct rel_tx	*tx = rel_tx_new(A, NONCE, 1, &ops, NULL);
	struct msg_hdr	 h;
	uint64_t	 now = 1000, d, prev = 0;
	int		 i;

	tpeer_reset();
	memset(&h, 0, sizeof(h));
	h.node = B;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, now);
	ck_assert_uint_eq(rel_tx_deadline(tx), 0);
	ck_assert_int_eq(rel_tx_sent(tx, NULL, 0, REL_CTL_RESYNC, now), 0);
	ck_assert_uint_eq(rel_tx_deadline(tx), now + REL_RTO_MS);
	for (i = 0; i < REL_MAX_RETRIES; i++) {
		now = rel_tx_deadline(tx);
		ck_assert_uint_ne(now, 0);
		if (prev)
			ck_assert_uint_ge(now - prev, REL_RTO_MS);
		rel_tx_tick(tx, now);
		ck_assert_int_eq(ctl_resent, REL_CTL_RESYNC);
		ctl_resent = 0;
		/* the caller resends the control message */
		ck_assert_int_eq(rel_tx_sent(tx, NULL, 0, REL_CTL_RESYNC,
		    now), 0);
		d = rel_tx_deadline(tx) - now;
		ck_assert_uint_eq(d, (REL_RTO_MS << (i + 1)) > REL_RTO_MAX_MS ?
		    REL_RTO_MAX_MS : (REL_RTO_MS << (i + 1)));
		prev = now;
	}
	ck_assert_uint_eq(rel_tx_stats(tx)->retransmits, REL_MAX_RETRIES);
	rel_tx_tick(tx, rel_tx_deadline(tx));
	ck_assert_uint_eq(rel_tx_stats(tx)->resyncs, 1);
	ck_assert_uint_eq(rel_tx_inflight(tx), 0);
	ck_assert_int_eq(rel_tx_heard(tx, tpeer(h.node), &h, now), REL_RESYNC);
	rel_tx_free(tx);
}
END_TEST

/* Two receivers: an entry lives until both acked it; a bogus ack (a
 * seq never sent) is ignored. */
START_TEST(test_two_peers)
{
	struct rel_tx	*tx = rel_tx_new(A, NONCE, 100, &sim_ops, NULL);
	struct msg_hdr	 h;
	struct sync_key	 k;

	tpeer_reset();
	memset(&h, 0, sizeof(h));
	h.node = B;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	h.node = B + 1;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	key_of(5, &k);
	ck_assert_int_eq(rel_tx_sent(tx, &k, 1, 0, 0), 0);
	ck_assert_int_eq(rel_tx_sent(tx, &k, 1, 0, 0), 0);
	ck_assert_uint_eq(rel_tx_inflight(tx), 2);
	ck_assert_int_eq(rel_tx_ack(tx, tpeer(B), 500, 0), 0);	/* never sent */
	ck_assert_uint_eq(rel_tx_inflight(tx), 2);
	h.node = B;
	h.acks_len = 1;
	h.acks[0].node = A;
	h.acks[0].nonce = NONCE;
	h.acks[0].seq = 101;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_inflight(tx), 2);
	/* an ack for another session of ours is not ours */
	h.node = B + 1;
	h.acks[0].nonce = NONCE + 1;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_inflight(tx), 2);
	h.acks[0].nonce = NONCE;
	h.acks[0].seq = 100;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_inflight(tx), 1);
	ck_assert_uint_eq(rel_tx_base(tx), 101);
	/* B+1 dies: B alone decides */
	rel_tx_peer_del(tx, tpeer(B + 1));
	ck_assert_uint_eq(rel_tx_inflight(tx), 0);
	ck_assert_uint_eq(rel_tx_base(tx), 102);
	rel_tx_free(tx);
}
END_TEST

/* Three receivers: the base is the oldest seq a live one has not acked;
 * a free slot between them and a deleted one do not hold it. */
START_TEST(test_three_peers_base)
{
	struct rel_tx	*tx = rel_tx_new(A, NONCE, 10, &sim_ops, NULL);
	struct msg_hdr	 h;
	struct sync_key	 k;
	int		 i;

	tpeer_reset();
	memset(&h, 0, sizeof(h));
	h.node = B;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	h.node = B + 2;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	key_of(5, &k);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(rel_tx_sent(tx, &k, 1, 0, 0), 0);
	h.acks_len = 1;
	h.acks[0].node = A;
	h.acks[0].nonce = NONCE;
	h.node = B;
	h.acks[0].seq = 12;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_base(tx), 10);
	h.node = B + 2;
	h.acks[0].seq = 11;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_base(tx), 12);
	/* B + 1 joins late: every entry held waits for it too */
	h.node = B + 1;
	h.acks_len = 0;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_base(tx), 12);
	h.acks_len = 1;
	h.acks[0].seq = 13;
	(void)rel_tx_heard(tx, tpeer(h.node), &h, 0);
	ck_assert_uint_eq(rel_tx_base(tx), 12);
	ck_assert_uint_eq(rel_tx_inflight(tx), 2);
	/* B + 2 dies: the minimum is over B and B + 1 */
	rel_tx_peer_del(tx, tpeer(B + 2));
	ck_assert_uint_eq(rel_tx_base(tx), 13);
	ck_assert_uint_eq(rel_tx_inflight(tx), 1);
	rel_tx_free(tx);
}
END_TEST

START_TEST(test_rx_nacks_and_base)
{
	struct rel_rx	*rx = rel_rx_new(A);
	struct msg_nack	 n;
	struct msg_ack	 a;
	uint64_t	 now = 5000;

	ck_assert_int_eq(rel_rx_ack(rx, &a), 0);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 10, 10, 1, now),
	    REL_ACCEPT | REL_FIRST);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 13, 10, 1, now), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 16, 10, 1, now), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 10);
	ck_assert_uint_eq(a.nonce, NONCE);
	ck_assert_uint_eq(rel_rx_nacks(rx, now, &n), 2);
	ck_assert_uint_eq(n.node, A);
	ck_assert_uint_eq(n.ranges[0].first, 11);
	ck_assert_uint_eq(n.ranges[0].count, 2);
	ck_assert_uint_eq(n.ranges[1].first, 14);
	ck_assert_uint_eq(n.ranges[1].count, 2);
	/* paced */
	ck_assert_uint_eq(rel_rx_nacks(rx, now + 1, &n), 0);
	ck_assert_uint_eq(rel_rx_nacks(rx, now + REL_NACK_IVL_MS, &n), 2);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 13, 10, 1, now), REL_DUP);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 9, 9, 1, now), REL_DUP);
	/* the sender superseded 11 and 12: base moves past them */
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 17, 14, 1, now), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 13);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 14, 14, 1, now), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 15, 14, 1, now), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 17);
	ck_assert_uint_eq(rel_rx_nacks(rx, now + 1000, &n), 0);
	ck_assert_uint_eq(rel_rx_stats(rx)->duplicates, 2);
	rel_rx_free(rx);
}
END_TEST

START_TEST(test_rx_ack_timing)
{
	struct rel_rx	*rx = rel_rx_new(A);
	uint64_t	 now = 100;
	uint32_t	 i;

	(void)rel_rx_recv(rx, NONCE, 1, 1, 0, now);
	ck_assert_int_eq(rel_rx_ack_due(rx, now + 1000), 0);	/* no data */
	(void)rel_rx_recv(rx, NONCE, 2, 1, 1, now);
	ck_assert_int_eq(rel_rx_ack_due(rx, now), 0);
	ck_assert_uint_eq(rel_rx_deadline(rx), now + REL_ACK_DELAY_MS);
	ck_assert_int_eq(rel_rx_ack_due(rx, now + REL_ACK_DELAY_MS), 1);
	rel_rx_ack_sent(rx);
	ck_assert_int_eq(rel_rx_ack_due(rx, now + 1000), 0);
	for (i = 3; i < 3 + REL_ACK_EVERY; i++)
		(void)rel_rx_recv(rx, NONCE, i, i, 1, now);
	ck_assert_int_eq(rel_rx_ack_due(rx, now), 1);
	rel_rx_free(rx);
}
END_TEST

START_TEST(test_rx_gap_timeout)
{
	struct rel_rx	*rx = rel_rx_new(A);
	struct msg_ack	 a;
	uint64_t	 now = 100;

	(void)rel_rx_recv(rx, NONCE, 1, 1, 1, now);
	(void)rel_rx_recv(rx, NONCE, 3, 1, 1, now);
	ck_assert_int_eq(rel_rx_tick(rx, now + REL_GAP_TIMEOUT_MS - 1), 0);
	ck_assert_uint_le(rel_rx_deadline(rx), now + REL_GAP_TIMEOUT_MS);
	/* the sender still holds 2 (base 1): it repairs it or gives us up,
	 * so the timer counts from its last datagram; silent, given up */
	(void)rel_rx_recv(rx, NONCE, 4, 1, 1, now + 1000);
	ck_assert_int_eq(rel_rx_tick(rx, now + REL_GAP_TIMEOUT_MS), 0);
	ck_assert_int_eq(rel_rx_tick(rx, now + 1000 + REL_GAP_TIMEOUT_MS),
	    REL_RESYNC);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 4);
	ck_assert_uint_eq(rel_rx_stats(rx)->resyncs, 1);
	/* a jump wider than the window cannot be repaired either */
	ck_assert_int_eq(rel_rx_recv(rx, NONCE, 5 + REL_RX_WINDOW, 5, 1, now),
	    REL_ACCEPT | REL_RESYNC);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 5 + REL_RX_WINDOW);
	ck_assert_uint_eq(rel_rx_stats(rx)->resyncs, 2);
	rel_rx_free(rx);
}
END_TEST

START_TEST(test_rx_new_nonce)
{
	struct rel_rx	*rx = rel_rx_new(A);
	struct msg_nack	 n;
	struct msg_ack	 a;
	uint32_t	 i;

	for (i = 1000; i < 1010; i++)
		ck_assert(rel_rx_recv(rx, NONCE, i, i, 1, 0) & REL_ACCEPT);
	(void)rel_rx_recv(rx, NONCE, 1012, 1012, 1, 0);	/* gap at 1010 */
	/* restart: seq starts over, the old gap is forgotten */
	ck_assert_int_eq(rel_rx_recv(rx, NONCE + 1, 5, 3, 1, 0),
	    REL_ACCEPT | REL_RESTART);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.nonce, NONCE + 1);
	ck_assert_uint_eq(a.seq, 2);	/* 3 and 4 are asked for */
	ck_assert_uint_eq(rel_rx_nacks(rx, 0, &n), 1);
	ck_assert_uint_eq(n.ranges[0].first, 3);
	ck_assert_uint_eq(n.ranges[0].count, 2);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE + 1, 3, 3, 1, 0), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_recv(rx, NONCE + 1, 4, 3, 1, 0), REL_ACCEPT);
	ck_assert_int_eq(rel_rx_ack(rx, &a), 1);
	ck_assert_uint_eq(a.seq, 5);
	ck_assert_uint_eq(rel_rx_stats(rx)->restarts, 1);
	rel_rx_free(rx);
}
END_TEST

static Suite *
rel_suite(void)
{
	Suite	*s = suite_create("rel");
	TCase	*tc;

	tc = tcase_create("link");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_loss);
	tcase_add_test(tc, test_loss_rto);
	tcase_add_test(tc, test_loss30);
	tcase_add_test(tc, test_nack_sack);
	tcase_add_test(tc, test_reorder);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_wrap);
	suite_add_tcase(s, tc);

	tc = tcase_create("sender");
	tcase_add_test(tc, test_window_overflow);
	tcase_add_test(tc, test_silent_peer);
	tcase_add_test(tc, test_two_peers);
	tcase_add_test(tc, test_three_peers_base);
	suite_add_tcase(s, tc);

	tc = tcase_create("receiver");
	tcase_add_test(tc, test_rx_nacks_and_base);
	tcase_add_test(tc, test_rx_ack_timing);
	tcase_add_test(tc, test_rx_gap_timeout);
	tcase_add_test(tc, test_rx_new_nonce);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(rel_suite()));
}
