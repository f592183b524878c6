/* Sending: queued states and waiting control messages become sealed
 * datagrams within the reliability window (rel.c), with every peer's
 * ack and nack in each header; the short timer (flush, retransmission,
 * gaps, acks due) and the defer callback, which sends at once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ct.h"
#include "defer.h"
#include "defer_ring.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "rel.h"
#include "ruleset.h"
#include "seal.h"
#include "syncd.h"

/* Two links: every datagram says which of ours hear the peer, so that
 * the peer leaves a link that loses its datagrams one way (link_health.c).
 * A few bytes, and the peer needs them most when the stream is busy and
 * no bare heartbeat goes out. */
static void
tx_links_heard(const struct syncd *sc, struct msg_ctl *c)
{
	if (sc->link == NULL || sc->link->n < 2)
		return;
	c->heartbeat = 1;
	c->nlinks = (uint32_t)sc->link->n;
	c->heard = link_heard_bits(sc->link, clock_ms());
}

/* The control messages of the next datagram, and the rel ctl bits of
 * those whose delivery the window guarantees. */
static uint32_t
tx_ctl(struct syncd *sc, struct msg_ctl *c, int data_ok, int heartbeat)
{
	uint32_t	 ctlbits = 0;

	c->bulk_request = sc->want.bulk_request;
	if (data_ok && sc->want.resync) {
		c->resync = 1;
		c->resync_node = sc->want.resync_node;
		ctlbits |= REL_CTL_RESYNC;
	}
	/* bulk end closes the bulk: only once every queued state is out */
	if (data_ok && sc->want.bulk_end && msg_queue_len(sc->outq) == 0) {
		c->bulk_end = 1;
		ctlbits |= REL_CTL_BULK_END;
	}
	c->heartbeat = heartbeat;
	c->heartbeat_ms = SYNCD_HEARTBEAT_MS;
	tx_links_heard(sc, c);
	return (ctlbits);
}

/* What went out is no longer wanted. */
static void
tx_sent(struct syncd *sc, const struct msg_hdr *h, const struct msg_ctl *c,
    uint64_t now)
{
	sc->want.bulk_request = 0;
	if (h->flags & MSG_F_ACKNOW)
		sc->want.acknow = 0;
	if (c->resync)
		sc->want.resync = 0;
	if (c->bulk_end)
		sc->want.bulk_end = 0;
	peer_acks_sent(sc);
	sc->last_sent_ms = now;
}

/* The header of the next datagram: our session, the next seq, the
 * window's low end, every peer's ack. */
void
tx_header(struct syncd *sc, struct msg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->nonce = sc->nonce;
	h->node = sc->node;
	h->seq = rel_tx_seq(sc->tx);
	h->base = rel_tx_base(sc->tx);
	peer_acks(sc, h);
}

/* Build, seal and send one datagram. heartbeat: send even when there is
 * nothing else to say. Returns 1 if something was sent. */
int
tx_send(struct syncd *sc, int heartbeat, uint64_t now)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	static struct msg_built	 built;	/* 22 KB: not on the stack */
	struct msg_built	*b = &built;
	struct msg_hdr		 h;
	struct msg_ctl		 c;
	uint32_t		 ctlbits;
	ssize_t			 len;
	int			 data_ok = rel_tx_room(sc->tx);

	memset(&c, 0, sizeof(c));
	tx_header(sc, &h);
	peer_nacks(sc, &c, now);
	ctlbits = tx_ctl(sc, &c, data_ok, heartbeat);
	/* our ruleset's digest: in a heartbeat, once a second at least */
	if ((c.ruleset_len = ruleset_wire(sc, c.heartbeat, now,
	    c.ruleset)) > 0) {
		c.heartbeat = 1;
		c.heartbeat_ms = SYNCD_HEARTBEAT_MS;
	}
	if (sc->want.acknow && data_ok && msg_queue_len(sc->outq) > 0)
		h.flags |= MSG_F_ACKNOW;
	/* window full: control messages and acks only, no states */
	if (msg_build(data_ok ? sc->outq : NULL, &h, &c, buf,
	    sc->room, b) == -1 ||
	    (len = seal_sign(sc->seal, buf, b->len, sizeof(buf))) == -1) {
		syncd_error(sc, "cannot build a datagram");
		return (0);
	}
	if (rel_tx_sent(sc->tx, b->keys, b->nkeys, ctlbits, now) ==
	    REL_RESYNC)
		log_warnx("sync: send window overflowed, peers will resync");
	if (link_send(sc->link, buf, (size_t)len) == -1)
		sc->st.send_errors++;	/* the window repairs it */
	sc->st.messages_sent++;
	sc->st.states_sent += b->nkeys;
	tx_sent(sc, &h, &c, now);
	return (1);
}

/* A probe of a standby link (docs/PROTOCOL.md 6.17): a heartbeat marked
 * probe, with no states, no control and no seq of its own. It may reach
 * the peer before the data queued on the link in use, so a seq in it
 * would look like a gap there and draw a needless nack; the peer takes
 * it only as the link heard. */
void
tx_probe(struct syncd *sc, size_t link)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	static struct msg_built	 built;	/* 22 KB: not on the stack */
	struct msg_hdr		 h;
	struct msg_ctl		 c;
	ssize_t			 len;

	memset(&c, 0, sizeof(c));
	tx_header(sc, &h);
	c.heartbeat = c.probe = 1;
	c.heartbeat_ms = SYNCD_HEARTBEAT_MS;
	tx_links_heard(sc, &c);
	if (msg_build(NULL, &h, &c, buf, sc->room, &built) == -1 ||
	    (len = seal_sign(sc->seal, buf, built.len, sizeof(buf))) == -1) {
		syncd_error(sc, "cannot build a probe");
		return;
	}
	link_use(sc->link, (int)link);
	if (link_send(sc->link, buf, (size_t)len) == -1)
		sc->st.send_errors++;
	link_use(sc->link, -1);
	sc->st.messages_sent++;
}

static int
tx_pending_ctl(const struct syncd *sc)
{
	return (sc->want.bulk_request || sc->want.resync ||
	    (sc->want.bulk_end && msg_queue_len(sc->outq) == 0));
}

/* Send what is queued, as many datagrams as the window allows. */
void
syncd_flush(struct syncd *sc)
{
	uint64_t	 now = clock_ms();
	int		 i;

	/* bounded: the rest goes at the next tick */
	for (i = 0; i < 256; i++) {
		if (!tx_pending_ctl(sc) &&
		    (msg_queue_len(sc->outq) == 0 || !rel_tx_room(sc->tx)))
			break;
		if (!tx_send(sc, 0, now))
			break;
	}
	sc->flush_due_ms = msg_queue_len(sc->outq) > 0 ? now : 0;
	/* after the states: an expectation's master may be among them */
	expect_flush(sc);
	if (sc->need_requeue && msg_queue_len(sc->outq) == 0) {
		sc->need_requeue = 0;
		sc->st.resyncs++;
		table_requeue(sc, "send queue overflowed");
	}
}

/* When the engine must run next, 0 for never (until an event). Queued
 * states and control messages that travel with data wait while the send
 * window is full: an ack or the retransmission timer wakes us then, and
 * counting them would spin. Acks and nacks are in the rx deadlines. */
static uint64_t
tx_next_deadline(struct syncd *sc, uint64_t now)
{
	uint64_t	 d = 0, t;
	int		 room = rel_tx_room(sc->tx);

	if (room && sc->flush_due_ms != 0)
		d = sc->flush_due_ms;
	if (sc->want.bulk_request || (room && tx_pending_ctl(sc)))
		d = now;
	if ((t = rel_tx_deadline(sc->tx)) != 0 && (d == 0 || t < d))
		d = t;
	if ((t = delay_next(sc->delay)) != 0 && (d == 0 || t < d))
		d = t;		/* a young state's delay ends */
	return (peer_deadline(sc, d));
}

/* A burst faster than the peers take it fills the send window, and the
 * queue behind it grew by a whole read of events (tens of thousands of
 * states, 14 MB at sync/100000). Events wait in the kernel instead,
 * until the queue has half drained; a long wait may overrun the event
 * socket, which the resync after an overrun repairs. */
static void
tx_backpressure(struct syncd *sc)
{
	size_t	 n = msg_queue_len(sc->outq);

	/* Not behind a walk of the whole table (a bulk, a resync): the
	 * queue holds every state then, events coalesce into it, and a
	 * pause as long as its drain could overrun the event socket and
	 * start the walk again. */
	if (n == 0)
		sc->queue_walk = 0;
	if (sc->queue_walk)
		ct_events_hold(0);
	else if (n >= sc->queue_hold)
		ct_events_hold(1);
	else if (n < sc->queue_hold / 2)
		ct_events_hold(0);
}

void
syncd_schedule(struct syncd *sc)
{
	struct timeval	 tv;
	uint64_t	 now = clock_ms(), d = tx_next_deadline(sc, now);

	tx_backpressure(sc);

	if (d == 0) {
		evtimer_del(sc->ev_tick);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)((d % 1000) * 1000);
	evtimer_add(sc->ev_tick, &tv);
}

/* The short timer: retransmissions, gaps, the flush, acks due (they go
 * out even with no data to carry them). */
void
syncd_on_tick(struct syncd *sc)
{
	uint64_t	 now = clock_ms();

	young_expire(sc, now);
	rel_tx_tick(sc->tx, now);
	expect_flush(sc);	/* what a repair asked for */
	if (peer_tick(sc, now) & REL_RESYNC)
		syncd_resync(sc, "gap could not be repaired");
	if (sc->flush_due_ms != 0 && sc->flush_due_ms <= now)
		syncd_flush(sc);
	else if (tx_pending_ctl(sc))
		syncd_flush(sc);
	if (peer_ack_due(sc, now))
		tx_send(sc, 0, now);
	syncd_schedule(sc);
}

static void
tx_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	syncd_on_tick(arg);
}

/* defer.c's callback: the connection a held packet belongs to goes to
 * the peers now, flagged to be acked at once; the packet waits for the
 * ack of the datagram that carried it. */
int
syncd_defer(const struct defer_flow *f, uint32_t *token, void *arg)
{
	struct syncd		*sc = arg;
	struct sync_state	 key, cur;

	defer_flow_key(f, 0, &key);
	if (ct_get(&key, &cur) == -1 || ct_ignored(&cur))
		return (-1);
	/* no live peer will acknowledge it: holding the packet for the
	 * whole defer-timeout would only delay every new connection (its
	 * conntrack event still sends the state, for a peer that returns) */
	if (syncd_peers_alive(sc) == 0)
		return (-1);
	table_local(sc, &cur);
	asym_sent(sc, &cur);
	sc->want.acknow = 1;
	syncd_flush(sc);
	/* still queued (window full): let the packet go rather than guess */
	if (msg_queue_len(sc->outq) > 0)
		return (-1);
	*token = rel_tx_seq(sc->tx) - 1;
	return (0);
}

/* ------------------------------------------------------------- start */

/* Repairs come back as keys to send again from the current state, and
 * as control messages to send again. */
static void
tx_resend(void *arg, const struct sync_key *k)
{
	table_resend(arg, k);
}

static void
tx_resend_ctl(void *arg, uint32_t ctl)
{
	struct syncd	*sc = arg;

	if (ctl & REL_CTL_BULK_END)
		sc->want.bulk_end = 1;
	if (ctl & REL_CTL_RESYNC)
		sc->want.resync = 1;
	if (ctl & REL_CTL_EXPECT)
		expect_resend_all(sc, "repair");
}

static const struct rel_tx_ops tx_rel_ops = {
	tx_resend,
	tx_resend_ctl,
	peer_txnext,
};

/* The link, the seal, the send window and queue, the short timer. */
int
tx_start(struct syncd *sc)
{
	uint32_t	 seq0;

	if ((sc->link = link_open(sc->base, sc->cs, rx_datagram, sc)) ==
	    NULL)
		return (-1);
	sc->room = link_payload_max(sc->link) - SEAL_TAGLEN;
	sc->queue_hold = SYNCD_QUEUE_HOLD;
	if ((sc->seal = seal_new(sc->cs->key, sc->cs->keylen)) == NULL) {
		log_warnx("cannot set up datagram authentication");
		return (-1);
	}
	arc4random_buf(&seq0, sizeof(seq0));
	if ((sc->tx = rel_tx_new(sc->node, sc->nonce, seq0, &tx_rel_ops,
	    sc)) == NULL ||
	    (sc->outq = msg_queue_new(SYNCD_QUEUE_LIMIT)) == NULL ||
	    (sc->ev_tick = evtimer_new(sc->base, tx_tick, sc)) == NULL)
		return (-1);
	return (0);
}
