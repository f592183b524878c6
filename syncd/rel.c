/* Reliability window. See rel.h for the protocol rules. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rel.h"

#define REL_RX_WORDS	(REL_RX_WINDOW / 64)

/* One datagram with data, until every peer acked it or it is
 * superseded by a retransmission. */
struct rel_ent {
	uint32_t		 seq;
	uint32_t		 ctl;
	int			 live;
	uint32_t		 got;	/* peers (rel_txpeer.bit) known to
					   have it beyond their ack */
	size_t			 nkeys;
	struct sync_key		*keys;
};

struct rel_tx {
	uint32_t		 self;
	uint64_t		 nonce;
	uint32_t		 next;	/* seq of the next datagram */
	struct rel_ent		 ring[REL_TX_WINDOW];
	size_t			 head, count;
	uint32_t		 rto;
	unsigned		 retries;
	uint64_t		 deadline;	/* 0: timer off */
	const struct rel_tx_ops	*ops;
	void			*arg;
	struct rel_stats	 stats;
};

struct rel_rx {
	uint32_t		 node;
	uint64_t		 nonce;
	int			 started;
	uint32_t		 next;	/* lowest seq not yet received */
	uint32_t		 top;	/* highest seq received */
	uint64_t		 bits[REL_RX_WORDS];	/* seq % window */
	int			 gap_open;
	uint64_t		 gap_since;
	uint64_t		 nack_at;
	int			 ack_pending;
	unsigned		 unacked;
	uint64_t		 ack_at;
	struct rel_stats	 stats;
};

/* ------------------------------------------------------------------ */
/* sender */

struct rel_tx *
rel_tx_new(uint32_t self, uint64_t nonce, uint32_t first_seq,
    const struct rel_tx_ops *ops, void *arg)
{
	struct rel_tx	*tx;

	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return (NULL);
	tx->self = self;
	tx->nonce = nonce;
	tx->next = first_seq;
	tx->rto = REL_RTO_MS;
	tx->ops = ops;
	tx->arg = arg;
	return (tx);
}

static struct rel_ent *
rel_tx_at(struct rel_tx *tx, size_t i)
{
	return (&tx->ring[(tx->head + i) % REL_TX_WINDOW]);
}

static void
rel_ent_clear(struct rel_ent *e)
{
	free(e->keys);
	memset(e, 0, sizeof(*e));
}

void
rel_tx_free(struct rel_tx *tx)
{
	size_t	 i;

	if (tx == NULL)
		return;
	for (i = 0; i < tx->count; i++)
		rel_ent_clear(rel_tx_at(tx, i));
	free(tx);
}

uint32_t
rel_tx_seq(const struct rel_tx *tx)
{
	return (tx->next);
}

uint32_t
rel_tx_base(const struct rel_tx *tx)
{
	return (tx->count > 0 ? tx->ring[tx->head].seq : tx->next);
}

int
rel_tx_room(const struct rel_tx *tx)
{
	return (tx->count < REL_TX_WINDOW);
}

size_t
rel_tx_inflight(const struct rel_tx *tx)
{
	return (tx->count);
}

const struct rel_stats *
rel_tx_stats(const struct rel_tx *tx)
{
	return (&tx->stats);
}

uint64_t
rel_tx_deadline(const struct rel_tx *tx)
{
	return (tx->count > 0 ? tx->deadline : 0);
}

/* The caller's peers that hold the window: heard, and not lost. */
static struct rel_txpeer *
rel_tx_next(const struct rel_tx *tx, struct rel_txpeer *p)
{
	if (tx->ops == NULL || tx->ops->peer_next == NULL)
		return (NULL);
	while ((p = tx->ops->peer_next(tx->arg, p)) != NULL)
		if (p->node != 0 && !p->lost && !p->down)
			break;
	return (p);
}

#define REL_TX_FOREACH(p, tx)						\
	for ((p) = rel_tx_next((tx), NULL); (p) != NULL;		\
	    (p) = rel_tx_next((tx), (p)))

static int
rel_tx_npeers(const struct rel_tx *tx)
{
	struct rel_txpeer	*p;
	int			 n = 0;

	REL_TX_FOREACH(p, tx)
		n++;
	return (n);
}

/* p holds e: acked in order, or named received by one of its nacks. */
static int
rel_tx_has(const struct rel_txpeer *p, const struct rel_ent *e)
{
	return (!rel_seq_lt(p->ack, e->seq) || (e->got & p->bit) != 0);
}

/* An entry is done when every live peer holds it. */
static int
rel_tx_acked(const struct rel_tx *tx, const struct rel_ent *e)
{
	struct rel_txpeer	*p;

	REL_TX_FOREACH(p, tx)
		if (!rel_tx_has(p, e))
			return (0);
	return (1);
}

/* Free the entries at the head that are acked or superseded. */
static void
rel_tx_pop(struct rel_tx *tx)
{
	struct rel_ent	*e;

	while (tx->count > 0) {
		e = &tx->ring[tx->head];
		if (e->live && !rel_tx_acked(tx, e))
			break;
		rel_ent_clear(e);
		tx->head = (tx->head + 1) % REL_TX_WINDOW;
		tx->count--;
	}
}

/* Retransmission from the current state: hand the keys back to be
 * queued again; the seq is superseded and will be skipped via base. */
static void
rel_tx_supersede(struct rel_tx *tx, struct rel_ent *e)
{
	size_t	 i;

	for (i = 0; i < e->nkeys && tx->ops->resend != NULL; i++)
		tx->ops->resend(tx->arg, &e->keys[i]);
	if (e->ctl != 0 && tx->ops->resend_ctl != NULL)
		tx->ops->resend_ctl(tx->arg, e->ctl);
	tx->stats.retransmits++;
	tx->stats.resent_keys += e->nkeys;
	free(e->keys);
	e->keys = NULL;
	e->nkeys = 0;
	e->live = 0;
}

/* The peers holding up an entry (NULL: every peer) are given up on:
 * they will be told to resync when heard from again. */
static void
rel_tx_lose_laggards(struct rel_tx *tx, const struct rel_ent *e)
{
	struct rel_txpeer	*p;

	REL_TX_FOREACH(p, tx) {
		if (e == NULL || !rel_tx_has(p, e)) {
			log_warnx("sync: peer %u lost datagram %u, "
			    "resync needed", p->node, e != NULL ? e->seq :
			    tx->next - 1);
			p->lost = 1;
			tx->stats.resyncs++;
		}
	}
}

/* Data went out while these peers were down: it never reaches them. */
static void
rel_tx_miss_down(struct rel_tx *tx)
{
	struct rel_txpeer	*p = NULL;

	if (tx->ops == NULL || tx->ops->peer_next == NULL)
		return;
	while ((p = tx->ops->peer_next(tx->arg, p)) != NULL)
		if (p->node != 0 && p->down) {
			p->down = 0;
			p->lost = 1;
			tx->stats.resyncs++;
		}
}

int
rel_tx_sent(struct rel_tx *tx, const struct sync_key *keys, size_t nkeys,
    uint32_t ctl, uint64_t now)
{
	struct rel_ent	*e;
	uint32_t	 seq = tx->next++;
	int		 rv = 0;

	if (nkeys == 0 && ctl == 0)
		return (0);
	rel_tx_miss_down(tx);
	/* Nobody to deliver to: a peer that appears will bulk-request. */
	if (rel_tx_npeers(tx) == 0)
		return (0);
	if (tx->count == REL_TX_WINDOW) {
		rel_tx_lose_laggards(tx, &tx->ring[tx->head]);
		rel_tx_pop(tx);
		rv = REL_RESYNC;
		if (rel_tx_npeers(tx) == 0)
			return (rv);
	}
	e = rel_tx_at(tx, tx->count);
	memset(e, 0, sizeof(*e));
	if (nkeys > 0 &&
	    (e->keys = calloc(nkeys, sizeof(*keys))) == NULL) {
		/* Cannot remember it: the peers must resync instead. */
		log_warn("sync: window entry");
		rel_tx_lose_laggards(tx, NULL);
		return (REL_RESYNC);
	}
	if (nkeys > 0)
		memcpy(e->keys, keys, nkeys * sizeof(*keys));
	e->seq = seq;
	e->ctl = ctl;
	e->nkeys = nkeys;
	e->live = 1;
	if (tx->count++ == 0)
		tx->deadline = now + tx->rto;
	tx->stats.sent++;
	return (rv);
}

/* A bit no other peer in the window uses, for rel_ent.got; 0 (no
 * selective acks, only cumulative ones) if there are more peers than
 * bits. Entries forget what an earlier holder of the bit had. */
static uint32_t
rel_tx_bit(struct rel_tx *tx, const struct rel_txpeer *self)
{
	struct rel_txpeer	*p;
	uint32_t		 used = 0, bit;
	size_t			 i;

	REL_TX_FOREACH(p, tx)
		if (p != self)
			used |= p->bit;
	for (bit = 1; bit != 0 && (used & bit); bit <<= 1)
		;
	for (i = 0; bit != 0 && i < tx->count; i++)
		rel_tx_at(tx, i)->got &= ~bit;
	return (bit);
}

/* node's peer enters the window, or comes back after it was lost: it
 * holds nothing acked yet, so every entry waits for it. 1 if it had
 * been lost (it must resync). */
static int
rel_tx_join(struct rel_tx *tx, struct rel_txpeer *p, uint32_t node)
{
	int	 lost = p->lost;

	if (p->node != 0 && !p->lost && !p->down)
		return (0);
	p->node = node;
	p->lost = 0;
	p->down = 0;
	p->ack = rel_tx_base(tx) - 1;
	p->bit = rel_tx_bit(tx, p);
	return (lost);
}

void
rel_tx_peer_del(struct rel_tx *tx, struct rel_txpeer *p)
{
	memset(p, 0, sizeof(*p));
	rel_tx_pop(tx);
}

void
rel_tx_peer_down(struct rel_tx *tx, struct rel_txpeer *p)
{
	size_t	 i;

	if (p->node == 0 || p->lost || p->down)
		return;
	p->down = 1;
	for (i = 0; i < tx->count; i++)
		if (!rel_tx_has(p, rel_tx_at(tx, i))) {
			p->down = 0;
			p->lost = 1;
			tx->stats.resyncs++;
			break;
		}
	rel_tx_pop(tx);
}

/* Cumulative ack from a peer in the window. One that acks a seq not sent
 * yet, or goes backwards, is stale or bogus and ignored. Progress
 * restarts the timer at its initial value. */
int
rel_tx_ack(struct rel_tx *tx, struct rel_txpeer *p, uint32_t seq,
    uint64_t now)
{
	int	 resync;

	if (p->node == 0)
		return (0);
	resync = rel_tx_join(tx, p, p->node);
	if (!rel_seq_lt(seq, tx->next) || !rel_seq_lt(p->ack, seq))
		return (resync);
	p->ack = seq;
	tx->rto = REL_RTO_MS;
	tx->retries = 0;
	tx->deadline = now + tx->rto;
	rel_tx_pop(tx);
	return (resync);
}

int
rel_tx_heard(struct rel_tx *tx, struct rel_txpeer *p,
    const struct msg_hdr *h, uint64_t now)
{
	size_t	 i;
	int	 resync;

	resync = rel_tx_join(tx, p, h->node);
	for (i = 0; i < h->acks_len && i < MSG_MAXPEERS; i++)
		if (h->acks[i].node == tx->self &&
		    h->acks[i].nonce == tx->nonce)
			(void)rel_tx_ack(tx, p, h->acks[i].seq, now);
	return (resync ? REL_RESYNC : 0);
}

static int
rel_in_range(uint32_t seq, const struct msg_range *r)
{
	return ((uint32_t)(seq - r->first) < r->count);
}

static int
rel_nacked(uint32_t seq, const struct msg_nack *n)
{
	size_t	 j;

	for (j = 0; j < n->nranges && j < MSG_MAXRANGES; j++)
		if (rel_in_range(seq, &n->ranges[j]))
			return (1);
	return (0);
}

/* A nack lists every run missing between the peer's in-order point and
 * the end of its last range: what lies in between and is not named
 * arrived. Marking it lets the window move past a gap once the gap is
 * resent, instead of one round trip per gap (no more room: nothing new
 * goes out, and 30% loss leaves a gap every few datagrams). */
void
rel_tx_nack(struct rel_tx *tx, struct rel_txpeer *p,
    const struct msg_nack *n, uint64_t now)
{
	struct rel_ent		*e;
	const struct msg_range	*last;
	uint32_t		 end = 0;
	size_t			 i;
	int			 sack;

	(void)now;
	if (n->node != tx->self || n->nranges == 0)
		return;
	sack = p != NULL && p->node != 0 && !p->lost && p->bit != 0;
	if (sack) {
		last = &n->ranges[(n->nranges > MSG_MAXRANGES ?
		    MSG_MAXRANGES : n->nranges) - 1];
		end = last->first + last->count;
	}
	for (i = 0; i < tx->count; i++) {
		e = rel_tx_at(tx, i);
		if (rel_nacked(e->seq, n)) {
			if (e->live)
				rel_tx_supersede(tx, e);
		} else if (sack && rel_seq_lt(p->ack, e->seq) &&
		    rel_seq_lt(e->seq, end))
			e->got |= p->bit;
	}
	rel_tx_pop(tx);
}

/* The oldest live entry, resent on timeout; backoff doubles, and after
 * REL_MAX_RETRIES without progress the laggards are lost. */
void
rel_tx_tick(struct rel_tx *tx, uint64_t now)
{
	struct rel_ent	*e;
	size_t		 i;

	if (tx->count == 0 || now < tx->deadline)
		return;
	tx->stats.timeouts++;
	if (++tx->retries > REL_MAX_RETRIES) {
		rel_tx_lose_laggards(tx, &tx->ring[tx->head]);
		tx->retries = 0;
		tx->rto = REL_RTO_MS;
		tx->deadline = now + tx->rto;
		rel_tx_pop(tx);
		return;
	}
	for (i = 0; i < tx->count; i++) {
		e = rel_tx_at(tx, i);
		if (e->live && !rel_tx_acked(tx, e)) {
			rel_tx_supersede(tx, e);
			break;
		}
	}
	rel_tx_pop(tx);
	tx->rto = tx->rto * 2 > REL_RTO_MAX_MS ? REL_RTO_MAX_MS : tx->rto * 2;
	tx->deadline = now + tx->rto;
}

/* ------------------------------------------------------------------ */
/* receiver */

struct rel_rx *
rel_rx_new(uint32_t node)
{
	struct rel_rx	*rx;

	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return (NULL);
	rx->node = node;
	return (rx);
}

void
rel_rx_free(struct rel_rx *rx)
{
	free(rx);
}

const struct rel_stats *
rel_rx_stats(const struct rel_rx *rx)
{
	return (&rx->stats);
}

static int
rel_rx_bit(const struct rel_rx *rx, uint32_t seq)
{
	uint32_t	 b = seq % REL_RX_WINDOW;

	return ((rx->bits[b / 64] >> (b % 64)) & 1);
}

static void
rel_rx_setbit(struct rel_rx *rx, uint32_t seq, int on)
{
	uint32_t	 b = seq % REL_RX_WINDOW;

	if (on)
		rx->bits[b / 64] |= 1ULL << (b % 64);
	else
		rx->bits[b / 64] &= ~(1ULL << (b % 64));
}

static int
rel_rx_gap(const struct rel_rx *rx)
{
	return (!rel_seq_lt(rx->top, rx->next));
}

/* Move the in-order point to seq (everything below counts as done), then
 * over whatever had arrived out of order just above it. */
static void
rel_rx_advance(struct rel_rx *rx, uint32_t seq)
{
	if ((uint32_t)(seq - rx->next) >= REL_RX_WINDOW) {
		memset(rx->bits, 0, sizeof(rx->bits));
		rx->next = seq;
	}
	while (rx->next != seq)
		rel_rx_setbit(rx, rx->next++, 0);
	while (rel_rx_bit(rx, rx->next))
		rel_rx_setbit(rx, rx->next++, 0);
	if (rel_seq_lt(rx->top, rx->next - 1))
		rx->top = rx->next - 1;
}

/* A new session (first contact or peer restart): start at the sender's
 * base, so whatever it still holds can be asked for. */
static void
rel_rx_reset(struct rel_rx *rx, uint64_t nonce, uint32_t seq, uint32_t base)
{
	struct rel_stats	 st = rx->stats;
	uint32_t		 node = rx->node;

	memset(rx, 0, sizeof(*rx));
	rx->stats = st;
	rx->node = node;
	rx->nonce = nonce;
	rx->started = 1;
	if (rel_seq_lt(seq, base) || seq - base >= REL_RX_WINDOW)
		base = seq;
	rx->next = base;
	rx->top = base - 1;
}

/* Gap bookkeeping after a datagram: a new gap is nacked at once; the
 * give-up timer restarts whenever the in-order point moves. */
static void
rel_rx_gap_update(struct rel_rx *rx, uint32_t old_next, int new_gap,
    uint64_t now)
{
	if (!rel_rx_gap(rx)) {
		rx->gap_open = 0;
		return;
	}
	if (!rx->gap_open || rx->next != old_next)
		rx->gap_since = now;
	rx->gap_open = 1;
	/* a new gap, or the in-order point moved past the runs asked for
	 * (a nack names MSG_MAXRANGES of them): ask for the next ones now */
	if (new_gap || rx->next != old_next)
		rx->nack_at = now;
}

static int
rel_rx_session(struct rel_rx *rx, uint64_t nonce, uint32_t seq,
    uint32_t base)
{
	int	 ev;

	if (rx->started && rx->nonce == nonce)
		return (0);
	ev = rx->started ? REL_RESTART : REL_FIRST;
	if (ev == REL_RESTART) {
		log_info("sync: peer %u restarted (new session)", rx->node);
		rx->stats.restarts++;
	}
	rel_rx_reset(rx, nonce, seq, base);
	return (ev);
}

int
rel_rx_recv(struct rel_rx *rx, uint64_t nonce, uint32_t seq, uint32_t base,
    int data, uint64_t now)
{
	uint32_t	 old_next;
	int		 ev, new_gap = 0;

	ev = rel_rx_session(rx, nonce, seq, base);
	old_next = rx->next;
	/* Below base: acked or superseded by the sender, done. */
	if (rel_seq_lt(rx->next, base) && !rel_seq_lt(seq, base))
		rel_rx_advance(rx, base);
	/* the sender still holds what we miss: it repairs it or gives us
	 * up (and tells us to resync), so the gap is not ours to give up */
	if (rx->gap_open && !rel_seq_lt(rx->next, base))
		rx->gap_since = now;
	if (rel_seq_lt(seq, rx->next) || (seq - rx->next < REL_RX_WINDOW &&
	    rel_rx_bit(rx, seq))) {
		rx->stats.duplicates++;
		return (ev | REL_DUP);
	}
	if (seq - rx->next >= REL_RX_WINDOW) {
		/* Too far ahead to track what is missing. */
		log_warnx("sync: peer %u jumped %u datagrams ahead, resync",
		    rx->node, seq - rx->next);
		rx->stats.resyncs++;
		rx->stats.gaps += seq - rx->top - 1;
		rel_rx_advance(rx, seq);
		ev |= REL_RESYNC;
	} else if (rel_seq_lt(rx->top, seq)) {
		if (seq != rx->top + 1) {
			rx->stats.gaps += seq - rx->top - 1;
			new_gap = 1;
		}
		rx->top = seq;
	}
	rel_rx_setbit(rx, seq, 1);
	rel_rx_advance(rx, rx->next);
	rel_rx_gap_update(rx, old_next, new_gap, now);
	rx->stats.received++;
	if (data) {
		if (!rx->ack_pending)
			rx->ack_at = now + REL_ACK_DELAY_MS;
		rx->ack_pending = 1;
		rx->unacked++;
	}
	return (ev | REL_ACCEPT);
}

int
rel_rx_ack(const struct rel_rx *rx, struct msg_ack *a)
{
	if (!rx->started)
		return (0);
	a->node = rx->node;
	a->nonce = rx->nonce;
	a->seq = rx->next - 1;
	return (1);
}

/* A nack that is due goes out on its own too: a sender whose window is
 * full of datagrams waiting for this gap sends nothing that could carry
 * it, and waiting for the next heartbeat stalls the stream for a second
 * per gap (and would spin the caller, whose deadline is past). */
static int
rel_rx_nack_due(const struct rel_rx *rx, uint64_t now)
{
	return (rx->started && rel_rx_gap(rx) && now >= rx->nack_at);
}

int
rel_rx_ack_due(const struct rel_rx *rx, uint64_t now)
{
	return ((rx->ack_pending &&
	    (rx->unacked >= REL_ACK_EVERY || now >= rx->ack_at)) ||
	    rel_rx_nack_due(rx, now));
}

void
rel_rx_ack_sent(struct rel_rx *rx)
{
	rx->ack_pending = 0;
	rx->unacked = 0;
}

/* The missing runs between the in-order point and the highest seq
 * received, at most MSG_MAXRANGES of them, oldest first. */
size_t
rel_rx_nacks(struct rel_rx *rx, uint64_t now, struct msg_nack *n)
{
	uint32_t	 seq;

	memset(n, 0, sizeof(*n));
	if (!rx->started || !rel_rx_gap(rx) || now < rx->nack_at)
		return (0);
	n->node = rx->node;
	for (seq = rx->next; !rel_seq_lt(rx->top, seq) &&
	    n->nranges < MSG_MAXRANGES; seq++) {
		if (rel_rx_bit(rx, seq))
			continue;
		if (n->nranges > 0 && n->ranges[n->nranges - 1].first +
		    n->ranges[n->nranges - 1].count == seq)
			n->ranges[n->nranges - 1].count++;
		else {
			n->ranges[n->nranges].first = seq;
			n->ranges[n->nranges++].count = 1;
		}
	}
	rx->nack_at = now + REL_NACK_IVL_MS;
	rx->stats.nacks++;
	return (n->nranges);
}

/* Some seq below the highest received is still missing (its states
 * may yet come): the bulk sweep waits for it (sweep.c). */
int
rel_rx_gap_open(const struct rel_rx *rx)
{
	return (rx->started && rel_rx_gap(rx));
}

/* A gap that nacks did not fill in REL_GAP_TIMEOUT_MS (the sender lost
 * it, or the peer is gone) is given up: skip it, bulk-request. */
int
rel_rx_tick(struct rel_rx *rx, uint64_t now)
{
	if (!rx->started || !rel_rx_gap(rx) ||
	    now < rx->gap_since + REL_GAP_TIMEOUT_MS)
		return (0);
	log_warnx("sync: peer %u: datagram %u lost for good, resync",
	    rx->node, rx->next);
	rx->stats.resyncs++;
	rel_rx_advance(rx, rx->top + 1);
	rx->gap_open = 0;
	return (REL_RESYNC);
}

uint64_t
rel_rx_deadline(const struct rel_rx *rx)
{
	uint64_t	 d = 0;

	if (rx->ack_pending)
		d = rx->ack_at;
	if (rx->started && rel_rx_gap(rx)) {
		if (d == 0 || rx->nack_at < d)
			d = rx->nack_at;
		if (rx->gap_since + REL_GAP_TIMEOUT_MS < d)
			d = rx->gap_since + REL_GAP_TIMEOUT_MS;
	}
	return (d);
}
