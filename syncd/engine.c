/* syncd's engine: kernel events become queued states, queued states
 * become sealed datagrams within the reliability window, and datagrams
 * from the peers become kernel states. Everything from the wire is
 * authenticated (seal.c) and validated as a whole (msg.c) before a
 * single state reaches the kernel table.
 *
 * Timers: the coalescing flush (at most SYNCD_FLUSH_MS after the first
 * queued change, at once when a datagram's worth is queued), a short
 * tick while acks, nacks or retransmissions are due, the heartbeat
 * (liveness both ways, link state, demotion), and the refresh walk. */
#include <sys/types.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ct.h"
#include "defer.h"
#include "ctl.h"
#include "link.h"
#include "log.h"
#include "own.h"
#include "rel.h"
#include "seal.h"
#include "syncd.h"

/* seal_accept runs only for a node that holds a peer slot, and a freed
 * slot forgets its node there too: seal's table can never fill first. */
_Static_assert(SEAL_MAXPEERS >= MSG_MAXPEERS, "seal table too small");

/* Rough size of one queued state on the wire: when this many bytes are
 * waiting, a datagram is full and goes now. */
#define SYNCD_STATE_WIRE	64

void
syncd_error(struct syncd *sc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sc->last_error, sizeof(sc->last_error), fmt, ap);
	va_end(ap);
	log_warnx("%s", sc->last_error);
}

/* ------------------------------------------------------------- peers */

/* The slot a new session may take when none is free: one that never
 * proved it is live first (a peer starting, or a replay), then one long
 * dead, the least recently heard of either kind. A live peer is never
 * pushed out. */
static struct syncd_peer *
syncd_peer_victim(struct syncd *sc)
{
	struct syncd_peer	*p, *best = NULL;
	size_t			 i;

	for (i = 0; i < MSG_MAXPEERS; i++) {
		p = &sc->peers[i];
		if (p->fresh && p->alive)
			continue;
		if (best == NULL || (best->fresh && !p->fresh) ||
		    (best->fresh == p->fresh && p->last_ms < best->last_ms))
			best = p;
	}
	return (best);
}

/* Free a slot and everything kept for its node elsewhere, so that
 * sessions can come and go for as long as the daemon runs. A session
 * that proved itself and died is retired: a replay of it cannot take a
 * slot again. */
static void
syncd_peer_free(struct syncd *sc, struct syncd_peer *p)
{
	if (p->fresh) {
		sc->retired[sc->nretired % SYNCD_RETIRED].node = p->node;
		sc->retired[sc->nretired % SYNCD_RETIRED].nonce = p->seen_nonce;
		sc->nretired++;
	}
	seal_forget(sc->seal, p->node);
	rel_tx_peer_del(sc->tx, p->node);
	rel_rx_free(p->rx);
	memset(p, 0, sizeof(*p));
}

static int
syncd_peer_retired(const struct syncd *sc, uint32_t node, uint64_t nonce)
{
	size_t	 i;

	for (i = 0; i < SYNCD_RETIRED && i < sc->nretired; i++)
		if (sc->retired[i].node == node &&
		    sc->retired[i].nonce == nonce)
			return (1);
	return (0);
}

struct syncd_peer *
syncd_peer_get(struct syncd *sc, uint32_t node,
    const struct sockaddr_storage *from, int create)
{
	struct syncd_peer	*p, *free_slot = NULL;
	size_t			 i;

	for (i = 0; i < MSG_MAXPEERS; i++) {
		p = &sc->peers[i];
		if (p->node == node)
			return (p);
		if (p->node == 0 && free_slot == NULL)
			free_slot = p;
	}
	if (!create)
		return (NULL);
	if (free_slot == NULL && (free_slot = syncd_peer_victim(sc)) != NULL)
		syncd_peer_free(sc, free_slot);
	if (free_slot == NULL)
		return (NULL);
	if ((free_slot->rx = rel_rx_new(node)) == NULL)
		return (NULL);
	free_slot->node = node;
	if (from != NULL)
		free_slot->addr = *from;
	return (free_slot);
}

int
syncd_peers_alive(const struct syncd *sc)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < MSG_MAXPEERS; i++)
		if (sc->peers[i].node != 0 && sc->peers[i].alive)
			n++;
	return (n);
}

/* ------------------------------------------------------- local states */

/* Account for one change put in the send queue (rv from msg_queue_*).
 * A full queue drops the change: the whole table is sent again once the
 * queue has drained, so nothing is lost for good. */
int
syncd_queued(struct syncd *sc, int rv)
{
	if (rv == -1 && errno != ENOBUFS) {
		/* a state the wire cannot carry (CARP, IGMP, GRE...) */
		sc->st.unsupported++;
		return (rv);
	}
	if (rv == -1) {
		sc->st.queue_overflows++;
		if (!sc->need_requeue)
			syncd_error(sc, "send queue full: the whole table "
			    "follows once it drains");
		sc->need_requeue = 1;
	}
	if (sc->flush_due_ms == 0)
		sc->flush_due_ms = clock_ms() + SYNCD_FLUSH_MS;
	return (rv);
}

/* A state this node owns goes to the peers. */
int
syncd_queue_local(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key		 k;
	struct own_info		*oi;

	msg_state_key(s, &k);
	if ((oi = own_put(sc->own, &k)) != NULL) {
		oi->origin = OWN_LOCAL;
		oi->gen = sc->gen;
		oi->sent_timeout = s->timeout;
		oi->sent_ms = clock_ms();
	}
	return (syncd_queued(sc, msg_queue_update(sc->outq, s)));
}

/* Queue a state as it is now, for a bulk or a repair: as ours if we own
 * it (no entry: its NEW event was lost, so the kernel made it here), as a
 * relay otherwise, which no receiver lets override a state it owns. */
int
syncd_queue_current(struct syncd *sc, const struct sync_state *s)
{
	struct sync_state	 c;
	struct sync_key		 k;
	struct own_info		*oi;

	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	if (oi == NULL || oi->origin == OWN_LOCAL)
		return (syncd_queue_local(sc, s));
	oi->gen = sc->gen;
	oi->sent_timeout = s->timeout;
	oi->sent_ms = clock_ms();
	c = *s;
	c.relay = 1;
	return (syncd_queued(sc, msg_queue_update(sc->outq, &c)));
}

/* Both directions liberal: see ct_apply_liberal(). */
static int
syncd_liberal(struct sync_state *s)
{
	uint8_t	 f = IP_CT_TCP_FLAG_BE_LIBERAL;

	if (s->l4proto != IPPROTO_TCP ||
	    ((s->tcp_flags_orig & f) && (s->tcp_flags_repl & f)))
		return (0);
	s->tcp_flags_orig |= f;
	s->tcp_flags_repl |= f;
	return (1);
}

static void
syncd_ct_update(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	int		 idle = sc->flush_due_ms == 0;

	syncd_queue_local(sc, s);
	if (msg_queue_len(sc->outq) * SYNCD_STATE_WIRE >= sc->room) {
		syncd_flush(sc);
		syncd_schedule(sc);
	} else if (idle)
		syncd_schedule(sc);	/* else the flush is armed already */
}

static void
syncd_ct_delete(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;
	int		 idle;

	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	/* A peer's state expired here while the peer still has it: its
	 * owner decides when it ends, not our timer. A state from before
	 * we started is most likely ours (a backup's copies are applied
	 * with slack and refreshed, so they outlive the master's). */
	if (oi != NULL && oi->origin == OWN_PEER) {
		sc->st.expired_peer++;
		own_del(sc->own, &k);
		return;
	}
	own_del(sc->own, &k);
	idle = sc->flush_due_ms == 0;
	syncd_queued(sc, msg_queue_delete(sc->outq, &k));
	if (idle)
		syncd_schedule(sc);	/* else the flush is armed already */
}

/* A state carrying only a key, for ct_get and ct_apply_delete. */
static void
syncd_key_state(const struct sync_key *k, struct sync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->family = k->family;
	s->l4proto = k->l4proto;
	s->zone = k->zone;
	s->orig = k->orig;
}

/* After a netlink overrun (or for a peer that lost our stream): the
 * whole local table again, and deletes for local states that vanished
 * while events were lost. */
static void
syncd_requeue_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;

	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	if (oi != NULL && oi->origin == OWN_PEER) {
		oi->gen = sc->gen;
		return;
	}
	syncd_queue_current(sc, s);
}

/* A local state the dump did not show is gone, unless the dump missed
 * it (a dump of a changing table is not a snapshot): ask the kernel
 * before telling the peers to delete it. */
static int
syncd_sweep_one(const struct sync_key *k, struct own_info *oi, void *arg)
{
	struct syncd		*sc = arg;
	struct sync_state	 key, cur;

	if (oi->gen == sc->gen)
		return (0);
	if (oi->origin != OWN_LOCAL)
		return (1);
	syncd_key_state(k, &key);
	if (ct_get(&key, &cur) == 0) {
		oi->gen = sc->gen;
		syncd_queue_local(sc, &cur);
		return (0);
	}
	syncd_queued(sc, msg_queue_delete(sc->outq, k));
	return (1);
}

void
syncd_requeue_table(struct syncd *sc, const char *why)
{
	log_info("sending the whole local table (%s)", why);
	sc->gen++;
	if (ct_dump(syncd_requeue_one, sc) == -1)
		syncd_error(sc, "conntrack dump failed: %s", strerror(errno));
	else
		own_walk(sc->own, syncd_sweep_one, sc);
	sc->flush_due_ms = clock_ms();
	syncd_schedule(sc);
}

static void
syncd_ct_overrun(void *arg)
{
	struct syncd	*sc = arg;

	sc->st.resyncs++;
	syncd_requeue_table(sc, "conntrack events lost");
}

/* ------------------------------------------------------------ sending */

static void
syncd_hdr_acks(struct syncd *sc, struct msg_hdr *h)
{
	size_t	 i;

	struct syncd_peer	*p;
	struct msg_ack		*a;

	for (i = 0; i < MSG_MAXPEERS && h->acks_len < MSG_MAXPEERS; i++) {
		p = &sc->peers[i];
		if (p->node == 0)
			continue;
		a = &h->acks[h->acks_len];
		if (p->fresh && rel_rx_ack(p->rx, a)) {
			h->acks_len++;
			continue;
		}
		/* hello: this session heard, nothing acknowledged */
		a->node = p->node;
		a->nonce = p->seen_nonce;
		a->seq = p->seen_base - 1;
		h->acks_len++;
	}
}

static void
syncd_ctl_nacks(struct syncd *sc, struct msg_ctl *c, uint64_t now)
{
	size_t	 i;

	for (i = 0; i < MSG_MAXPEERS && c->nnacks < MSG_MAXPEERS; i++) {
		if (sc->peers[i].node == 0)
			continue;
		if (rel_rx_nacks(sc->peers[i].rx, now,
		    &c->nacks[c->nnacks]) > 0)
			c->nnacks++;
	}
}

static void
syncd_acks_sent(struct syncd *sc)
{
	size_t	 i;

	for (i = 0; i < MSG_MAXPEERS; i++)
		if (sc->peers[i].node != 0)
			rel_rx_ack_sent(sc->peers[i].rx);
}

/* Build, seal and send one datagram. heartbeat: send even when there is
 * nothing else to say. Returns 1 if something was sent. */
static int
syncd_send_one(struct syncd *sc, int heartbeat, uint64_t now)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	static struct msg_built	 built;	/* 22 KB: not on the stack */
	struct msg_built	*b = &built;
	struct msg_hdr		 h;
	struct msg_ctl		 c;
	uint32_t		 ctlbits = 0;
	ssize_t			 len;
	int			 data_ok = rel_tx_room(sc->tx);

	memset(&h, 0, sizeof(h));
	memset(&c, 0, sizeof(c));
	h.nonce = sc->nonce;
	h.node = sc->node;
	h.seq = rel_tx_seq(sc->tx);
	h.base = rel_tx_base(sc->tx);
	syncd_hdr_acks(sc, &h);
	syncd_ctl_nacks(sc, &c, now);
	c.bulk_request = sc->want_bulk_request;
	if (data_ok && sc->want_resync) {
		c.resync = 1;
		c.resync_node = sc->resync_node;
		ctlbits |= REL_CTL_RESYNC;
	}
	/* bulk end closes the bulk: only once every queued state is out */
	if (data_ok && sc->want_bulk_end && msg_queue_len(sc->outq) == 0) {
		c.bulk_end = 1;
		ctlbits |= REL_CTL_BULK_END;
	}
	c.heartbeat = heartbeat;
	c.heartbeat_ms = SYNCD_HEARTBEAT_MS;
	if (sc->want_acknow && data_ok && msg_queue_len(sc->outq) > 0)
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
	sc->want_bulk_request = 0;
	if (h.flags & MSG_F_ACKNOW)
		sc->want_acknow = 0;
	if (c.resync)
		sc->want_resync = 0;
	if (c.bulk_end)
		sc->want_bulk_end = 0;
	syncd_acks_sent(sc);
	sc->last_sent_ms = now;
	return (1);
}

static int
syncd_pending_ctl(const struct syncd *sc)
{
	return (sc->want_bulk_request || sc->want_resync ||
	    (sc->want_bulk_end && msg_queue_len(sc->outq) == 0));
}

/* Send what is queued, as many datagrams as the window allows. */
void
syncd_flush(struct syncd *sc)
{
	uint64_t	 now = clock_ms();
	int		 i;

	/* bounded: the rest goes at the next tick */
	for (i = 0; i < 256; i++) {
		if (!syncd_pending_ctl(sc) &&
		    (msg_queue_len(sc->outq) == 0 || !rel_tx_room(sc->tx)))
			break;
		if (!syncd_send_one(sc, 0, now))
			break;
	}
	sc->flush_due_ms = msg_queue_len(sc->outq) > 0 ? now : 0;
	if (sc->need_requeue && msg_queue_len(sc->outq) == 0) {
		sc->need_requeue = 0;
		sc->st.resyncs++;
		syncd_requeue_table(sc, "send queue overflowed");
	}
}

/* Acks and nacks that are due go out even with no data to carry them. */
static void
syncd_acks_due(struct syncd *sc, uint64_t now)
{
	size_t	 i;

	for (i = 0; i < MSG_MAXPEERS; i++)
		if (sc->peers[i].node != 0 &&
		    rel_rx_ack_due(sc->peers[i].rx, now)) {
			syncd_send_one(sc, 0, now);
			return;
		}
}

/* When the engine must run next, 0 for never (until an event). Queued
 * states and control messages that travel with data wait while the send
 * window is full: an ack or the retransmission timer wakes us then, and
 * counting them would spin. Acks and nacks are in the rx deadlines. */
static uint64_t
syncd_next_deadline(const struct syncd *sc, uint64_t now)
{
	uint64_t	 d = 0, t;
	int		 room = rel_tx_room(sc->tx);
	size_t		 i;

	if (room && sc->flush_due_ms != 0)
		d = sc->flush_due_ms;
	if (sc->want_bulk_request || (room && syncd_pending_ctl(sc)))
		d = now;
	if ((t = rel_tx_deadline(sc->tx)) != 0 && (d == 0 || t < d))
		d = t;
	for (i = 0; i < MSG_MAXPEERS; i++) {
		if (sc->peers[i].node == 0)
			continue;
		t = rel_rx_deadline(sc->peers[i].rx);
		if (t != 0 && (d == 0 || t < d))
			d = t;
	}
	return (d);
}

void
syncd_schedule(struct syncd *sc)
{
	struct timeval	 tv;
	uint64_t	 now = clock_ms(), d = syncd_next_deadline(sc, now);

	if (d == 0) {
		evtimer_del(sc->ev_tick);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)((d % 1000) * 1000);
	evtimer_add(sc->ev_tick, &tv);
}

/* The short timer: retransmissions, gaps, the flush, acks due. */
void
syncd_on_tick(struct syncd *sc)
{
	uint64_t	 now = clock_ms();
	size_t		 i;

	rel_tx_tick(sc->tx, now);
	for (i = 0; i < MSG_MAXPEERS; i++) {
		if (sc->peers[i].node == 0)
			continue;
		if (rel_rx_tick(sc->peers[i].rx, now) & REL_RESYNC)
			bulk_request(sc, "gap could not be repaired");
	}
	if (sc->flush_due_ms != 0 && sc->flush_due_ms <= now)
		syncd_flush(sc);
	else if (syncd_pending_ctl(sc))
		syncd_flush(sc);
	syncd_acks_due(sc, now);
	syncd_schedule(sc);
}

static void
syncd_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	syncd_on_tick(arg);
}

/* ---------------------------------------------------------- receiving */

struct syncd_rx {
	struct syncd		*sc;
	struct syncd_peer	*peer;
};

static int
syncd_rx_header(void *arg, const struct msg_hdr *h)
{
	(void)arg;
	(void)h;
	return (0);
}

static void
syncd_rx_nack(void *arg, const struct msg_hdr *h, const struct msg_nack *n)
{
	struct syncd_rx	*r = arg;

	(void)h;
	if (n->node == r->sc->node)
		rel_tx_nack(r->sc->tx, n, clock_ms());
}

static void
syncd_rx_resync(void *arg, const struct msg_hdr *h, uint32_t node)
{
	struct syncd_rx	*r = arg;

	(void)h;
	if (node == 0 || node == r->sc->node)
		bulk_request(r->sc, "the peer lost our stream");
}

static void
syncd_rx_bulk_request(void *arg, const struct msg_hdr *h)
{
	struct syncd_rx	*r = arg;

	bulk_serve(r->sc, h->node);
}

static void
syncd_rx_heartbeat(void *arg, const struct msg_hdr *h, uint32_t ms)
{
	(void)arg;
	(void)h;
	(void)ms;
}

static void
syncd_rx_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	struct syncd_rx		*r = arg;
	struct sync_state	 c;
	struct sync_key		 k;
	struct own_info		*oi;

	(void)h;
	if (ct_ignored(s))
		return;
	msg_state_key(s, &k);
	oi = own_get(r->sc->own, &k);
	/* a relay never takes a state from its owner: ours, or one from
	 * before we started (most likely ours) */
	if (s->relay && oi != NULL && oi->origin != OWN_PEER)
		return;
	if ((oi = own_put(r->sc->own, &k)) != NULL) {
		oi->origin = OWN_PEER;
		oi->gen = r->sc->gen;
	}
	c = *s;
	syncd_liberal(&c);
	if (ct_apply_update(&c) == 0)
		r->sc->st.states_applied++;
}

static void
syncd_rx_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	struct syncd_rx		*r = arg;
	struct sync_state	 s;

	(void)h;
	syncd_key_state(k, &s);
	own_del(r->sc->own, k);
	if (ct_apply_delete(&s) == 0)
		r->sc->st.deletes_applied++;
}

static void
syncd_rx_bulk_end(void *arg, const struct msg_hdr *h)
{
	struct syncd_rx	*r = arg;

	bulk_end_received(r->sc, h->node);
}

static const struct msg_cb syncd_msg_cb = {
	syncd_rx_header,
	syncd_rx_nack,
	syncd_rx_resync,
	syncd_rx_bulk_request,
	syncd_rx_heartbeat,
	syncd_rx_update,
	syncd_rx_delete,
	syncd_rx_bulk_end,
};

static void
syncd_count_seal(struct syncd *sc, int err)
{
	switch (err) {
	case SEAL_EREPLAY:
		sc->st.replays++;
		break;
	case SEAL_ESELF:
		break;
	default:
		sc->st.auth_failures++;
		break;
	}
}

/* The peer's sequence bookkeeping; 1 if the datagram is to be parsed. */
static int
syncd_rx_window(struct syncd *sc, struct syncd_peer *p,
    const struct msg_hdr *h, uint64_t now)
{
	int	 bits;

	if (rel_tx_heard(sc->tx, h, now) == REL_RESYNC) {
		sc->want_resync = 1;
		sc->resync_node = h->node;
	}
	bits = rel_rx_recv(p->rx, h->nonce, h->seq, h->base,
	    (h->flags & MSG_F_DATA) != 0, now);
	if (bits & (REL_FIRST | REL_RESTART))
		log_info("sync: peer node %08x %s", h->node,
		    bits & REL_FIRST ? "heard" : "restarted");
	/* A peer that (re)started may hold states made while its syncd
	 * was down; relays keep what we own ours. And a lost part of its
	 * stream needs its table again. */
	if ((bits & REL_RESYNC) ||
	    ((bits & (REL_FIRST | REL_RESTART)) && !sc->bulk_in_progress))
		bulk_request(sc, bits & REL_RESYNC ? "lost part of the "
		    "peer's stream" : "new peer session");
	else if (bits & (REL_FIRST | REL_RESTART))
		sc->want_bulk_request = 1;	/* our first one went unheard */
	return ((bits & REL_ACCEPT) != 0);
}

/* Our datagrams the peers acknowledged release deferred packets. */
static void
syncd_defer_acks(struct syncd *sc, const struct msg_hdr *h)
{
	size_t	 i;

	if (!sc->cs->defer)
		return;
	for (i = 0; i < h->acks_len; i++)
		if (h->acks[i].node == sc->node &&
		    h->acks[i].nonce == sc->nonce)
			defer_ack(h->acks[i].seq);
}

/* defer.c's callback: the connection a held packet belongs to goes to
 * the peers now, flagged to be acked at once; the packet waits for the
 * ack of the datagram that carried it. */
int
syncd_defer(const struct defer_flow *f, uint32_t *token, void *arg)
{
	struct syncd		*sc = arg;
	struct sync_state	 key, cur;

	memset(&key, 0, sizeof(key));
	key.family = (uint8_t)f->family;
	key.l4proto = f->l4proto;
	memcpy(&key.orig.src, &f->src, sizeof(f->src));
	memcpy(&key.orig.dst, &f->dst, sizeof(f->dst));
	key.orig.sport = f->sport;
	key.orig.dport = f->dport;
	if (ct_get(&key, &cur) == -1 || ct_ignored(&cur))
		return (-1);
	syncd_queue_local(sc, &cur);
	sc->want_acknow = 1;
	syncd_flush(sc);
	/* still queued (window full): let the packet go rather than guess */
	if (msg_queue_len(sc->outq) > 0)
		return (-1);
	*token = rel_tx_seq(sc->tx) - 1;
	return (0);
}

/* A datagram is fresh when its header acknowledges our current session
 * (this run's random node id and nonce): a captured datagram, replayed
 * after we restarted, cannot contain a nonce that did not exist when it
 * was sent, and seal.c's replay window does not survive a restart. A live
 * peer acknowledges us within a heartbeat of hearing us. */
static int
syncd_fresh(const struct syncd *sc, const struct msg_hdr *h)
{
	size_t	 i;

	for (i = 0; i < h->acks_len; i++)
		if (h->acks[i].node == sc->node &&
		    h->acks[i].nonce == sc->nonce)
			return (1);
	return (0);
}

/* The peer's session as we ack it: a new nonce replaces it, the same
 * nonce only moves it forward (a stale datagram is not replay-checked,
 * so an old one must not move it back). */
static void
syncd_peer_seen(struct syncd_peer *p, const struct msg_hdr *h, uint64_t now)
{
	if (p->seen_nonce != h->nonce || (int32_t)(h->base - p->seen_base) > 0)
		p->seen_base = h->base;
	p->seen_nonce = h->nonce;
	p->last_ms = now;
}

static void
syncd_receive(const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, void *arg)
{
	struct syncd		*sc = arg;
	struct seal_info	 si;
	struct msg_hdr		 h;
	struct syncd_rx		 r;
	uint64_t		 now = clock_ms();
	int			 rv, fresh;

	if ((rv = seal_check(sc->seal, buf, len, &si)) != SEAL_OK) {
		syncd_count_seal(sc, rv);
		return;
	}
	if (msg_peek_header(buf, si.len, &h) == -1) {
		sc->st.malformed++;
		return;
	}
	if (syncd_peer_retired(sc, h.node, h.nonce)) {
		syncd_count_seal(sc, SEAL_EREPLAY);
		return;
	}
	fresh = syncd_fresh(sc, &h);
	if ((r.peer = syncd_peer_get(sc, h.node, from, 1)) == NULL) {
		syncd_error(sc, "too many peers, node %08x ignored", h.node);
		return;
	}
	if (!fresh) {
		/* not (yet) an answer to this run: only a sign that someone
		 * is there; we answer with a hello, apply nothing, and move
		 * no replay window */
		syncd_peer_seen(r.peer, &h, now);
		sc->st.stale++;
		if (now - sc->last_sent_ms >= SYNCD_HEARTBEAT_MS / 4)
			syncd_send_one(sc, 1, now);
		return;
	}
	if ((rv = seal_accept(sc->seal, &si)) != SEAL_OK) {
		syncd_count_seal(sc, rv);
		return;
	}
	syncd_peer_seen(r.peer, &h, now);
	r.peer->fresh = 1;
	sc->st.messages_received++;
	r.peer->heard_ms = now;
	if (!r.peer->alive)
		log_info("sync: peer node %08x is alive", h.node);
	r.peer->alive = 1;
	r.sc = sc;
	syncd_defer_acks(sc, &h);
	if (syncd_rx_window(sc, r.peer, &h, now)) {
		if (msg_parse(buf, si.len, &syncd_msg_cb, &r) == -1)
			sc->st.malformed++;
		ct_apply_flush();
		/* a connection on the peer waits for this ack */
		if (h.flags & MSG_F_ACKNOW)
			syncd_send_one(sc, 0, now);
	}
	bulk_update_demote(sc);
	syncd_flush(sc);
	syncd_schedule(sc);
}

/* ------------------------------------------------ heartbeat, liveness */

static void
syncd_liveness(struct syncd *sc, uint64_t now)
{
	struct syncd_peer	*p;
	size_t			 i;

	for (i = 0; i < MSG_MAXPEERS; i++) {
		p = &sc->peers[i];
		if (p->node == 0 || !p->alive ||
		    now - p->heard_ms < SYNCD_DEAD_MS)
			continue;
		p->alive = 0;
		/* a dead peer must not hold the send window */
		rel_tx_peer_del(sc->tx, p->node);
		syncd_error(sc, "peer node %08x silent for %u ms", p->node,
		    (unsigned)(now - p->heard_ms));
	}
}

/* Our own TCP states, made liberal once this node hands connections to
 * the peer, so that they find no stale windows when they come back. */
static void
syncd_liberal_one(const struct sync_state *s, void *arg)
{
	struct sync_state	 c = *s;
	size_t			*n = arg;

	if (syncd_liberal(&c) && ct_apply_liberal(&c) == 0)
		(*n)++;
}

/* ctnetlink cannot carry window data, so connections that come back
 * after the peer forwarded them (demote and promote, a link that
 * returns) would be judged against stale windows and dropped as
 * INVALID. When this node stops being master of a carp, its TCP states
 * become liberal in window tracking: work proportional to the table,
 * but on the node that leaves, after the handover, never on the
 * takeover path. The peer's states are made liberal when applied. */
static void
syncd_watch_masters(struct syncd *sc)
{
	int	 n = bulk_carp_masters(sc);
	size_t	 marked = 0;

	if (n < 0)
		return;
	if (sc->masters > 0 && n < sc->masters) {
		if (ct_dump(syncd_liberal_one, &marked) == 0)
			ct_apply_flush();
		log_info("sync: master of %d carp(s) now, was %d: %zu TCP "
		    "states made liberal for their return", n, sc->masters,
		    marked);
	}
	sc->masters = n;
}

/* Every SYNCD_HEARTBEAT_MS: link, liveness, bulk, demotion. */
void
syncd_on_heartbeat(struct syncd *sc)
{
	uint64_t	 now = clock_ms();
	int		 carrier;

	carrier = link_carrier(sc->link);
	if (carrier != sc->carrier)
		log_info("sync link %s is %s", sc->cs->syncdev,
		    carrier ? "up" : "down");
	sc->carrier = carrier;
	syncd_liveness(sc, now);
	syncd_watch_masters(sc);
	bulk_tick(sc, now);
	if (now - sc->last_sent_ms >= SYNCD_HEARTBEAT_MS / 2)
		syncd_send_one(sc, 1, now);
	bulk_update_demote(sc);
	syncd_schedule(sc);	/* a bulk retry may be waiting */
}

static void
syncd_heartbeat(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*sc = arg;
	struct timeval	 tv = { 0, SYNCD_HEARTBEAT_MS * 1000 };

	(void)fd;
	(void)ev;
	syncd_on_heartbeat(sc);
	evtimer_add(sc->ev_heartbeat, &tv);
}

/* -------------------------------------------------------------- refresh */

/* Traffic refreshes a kernel timeout without an event. Every refresh
 * interval (the sync block's "refresh", 60 s) the local states whose
 * timeout was pushed out since they were last sent go again, so the
 * peer's copy (applied with twice the interval of slack) outlives every
 * gap. */
static void
syncd_refresh_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;
	uint64_t	 now = clock_ms(), age;

	msg_state_key(s, &k);
	if ((oi = own_get(sc->own, &k)) == NULL || oi->origin == OWN_PEER)
		return;
	age = (now - oi->sent_ms) / 1000;
	if (age < sc->cs->refresh_ms / 2000)
		return;
	/* still as old as when sent: nothing kept it alive */
	if ((uint64_t)s->timeout + age <= (uint64_t)oi->sent_timeout + 2)
		return;
	sc->st.refreshed++;
	syncd_queue_current(sc, s);
}

/* Every refresh interval: the walk above. */
void
syncd_on_refresh(struct syncd *sc)
{
	if (syncd_peers_alive(sc) > 0 &&
	    ct_dump(syncd_refresh_one, sc) == -1)
		syncd_error(sc, "refresh dump failed: %s", strerror(errno));
	syncd_schedule(sc);
}

static void
syncd_refresh(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*sc = arg;
	struct timeval	 tv;

	(void)fd;
	(void)ev;
	tv.tv_sec = sc->cs->refresh_ms / 1000;
	tv.tv_usec = (sc->cs->refresh_ms % 1000) * 1000;
	syncd_on_refresh(sc);
	evtimer_add(sc->ev_refresh, &tv);
}

/* ---------------------------------------------------------- start, stop */

static const struct ct_cb syncd_ct_cb = {
	syncd_ct_update,
	syncd_ct_delete,
	syncd_ct_overrun,
};

/* A lost datagram is repaired with the current state of each entry it
 * carried, not its bytes: if the state is gone by now, its delete goes. */
static void
syncd_resend(void *arg, const struct sync_key *k)
{
	struct syncd		*sc = arg;
	struct sync_state	 key, cur;
	struct own_info		*oi = own_get(sc->own, k);

	syncd_key_state(k, &key);
	if (ct_get(&key, &cur) == 0)
		syncd_queue_current(sc, &cur);
	else if (errno == ENOENT && (oi == NULL || oi->origin == OWN_LOCAL))
		syncd_queued(sc, msg_queue_delete(sc->outq, k));
	else if (errno == ENOENT)
		return;		/* not ours to delete */
	else
		syncd_error(sc, "retransmit: cannot read a state: %s",
		    strerror(errno));
}

static void
syncd_resend_ctl(void *arg, uint32_t ctl)
{
	struct syncd	*sc = arg;

	if (ctl & REL_CTL_BULK_END)
		sc->want_bulk_end = 1;
	if (ctl & REL_CTL_RESYNC)
		sc->want_resync = 1;
}

static const struct rel_tx_ops syncd_rel_ops = {
	syncd_resend,
	syncd_resend_ctl,
};

static int
syncd_plen(const struct sockaddr *mask)
{
	const uint8_t	*b;
	size_t		 len, i;
	int		 n = 0;

	if (mask->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)mask)->sin_addr;
		len = 4;
	} else {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)mask)->sin6_addr;
		len = 16;
	}
	for (i = 0; i < len; i++)
		n += __builtin_popcount(b[i]);
	return (n);
}

/* Every prefix on syncdev: the sync link's own traffic is never
 * replicated, whatever the config says. */
static size_t
syncd_ignore_syncdev(struct syncd *sc, struct ct_prefix *p, size_t max)
{
	struct ifaddrs	*ifa, *i;
	size_t		 n = 0;

	if (getifaddrs(&ifa) == -1)
		return (0);
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    strcmp(i->ifa_name, sc->cs->syncdev) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			memcpy(&p[n].addr, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
		else if (i->ifa_addr->sa_family == AF_INET6)
			memcpy(&p[n].addr, &((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, 16);
		else
			continue;
		p[n].family = (uint8_t)i->ifa_addr->sa_family;
		p[n].plen = (uint8_t)syncd_plen(i->ifa_netmask);
		n++;
	}
	freeifaddrs(ifa);
	return (n);
}

/* Ignore the sync link itself, the peers, and what the config says. */
static int
syncd_ignore(struct syncd *sc)
{
	struct ct_prefix	 p[CONF_MAXIGNORE + 2 + 16];
	size_t			 n = 0;
	int			 i;

	memset(p, 0, sizeof(p));
	n = syncd_ignore_syncdev(sc, p, 16);
	if (sc->cs->syncpeer.af != 0) {
		p[n].family = (uint8_t)sc->cs->syncpeer.af;
		p[n].plen = sc->cs->syncpeer.af == AF_INET ? 32 : 128;
		memcpy(&p[n].addr, &sc->cs->syncpeer.a,
		    sizeof(sc->cs->syncpeer.a));
		n++;
	}
	for (i = 0; i < sc->cs->nignore; i++, n++) {
		p[n].family = (uint8_t)sc->cs->ignore[i].af;
		p[n].plen = sc->cs->ignore[i].plen;
		memcpy(&p[n].addr, &sc->cs->ignore[i].a,
		    sizeof(sc->cs->ignore[i].a));
	}
	return (ct_set_ignore(p, n));
}

/* States already in the table when we start are nobody's we know of:
 * they are passed on (bulk, refresh) as relays, which never take a state
 * from a peer that owns it; an event for one makes it ours. */
static void
syncd_preexisting_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;

	msg_state_key(s, &k);
	if (own_get(sc->own, &k) == NULL &&
	    (oi = own_put(sc->own, &k)) != NULL)
		oi->origin = OWN_UNKNOWN;
}

static void
syncd_preexisting(struct syncd *sc)
{
	if (ct_dump(syncd_preexisting_one, sc) == -1)
		syncd_error(sc, "cannot read the table at start: %s",
		    strerror(errno));
	else if (own_count(sc->own) > 0)
		log_info("%zu states in the table at start", own_count(sc->own));
}

static int
syncd_timers(struct syncd *sc)
{
	struct timeval	 hb = { 0, SYNCD_HEARTBEAT_MS * 1000 };
	struct timeval	 rf;

	sc->ev_tick = evtimer_new(sc->base, syncd_tick, sc);
	sc->ev_heartbeat = evtimer_new(sc->base, syncd_heartbeat, sc);
	sc->ev_refresh = evtimer_new(sc->base, syncd_refresh, sc);
	rf.tv_sec = sc->cs->refresh_ms / 1000;
	rf.tv_usec = (sc->cs->refresh_ms % 1000) * 1000;
	if (sc->ev_tick == NULL || sc->ev_heartbeat == NULL ||
	    sc->ev_refresh == NULL)
		return (-1);
	evtimer_add(sc->ev_heartbeat, &hb);
	evtimer_add(sc->ev_refresh, &rf);
	return (0);
}

int
syncd_start(struct syncd *sc)
{
	uint32_t	 seq0;

	if ((sc->link = link_open(sc->base, sc->cs, syncd_receive, sc)) ==
	    NULL)
		return (-1);
	sc->room = link_payload_max(sc->link) - SEAL_TAGLEN;
	if ((sc->seal = seal_new(sc->cs->key, sc->cs->keylen, sc->node)) ==
	    NULL) {
		log_warnx("cannot set up datagram authentication");
		return (-1);
	}
	arc4random_buf(&seq0, sizeof(seq0));
	if ((sc->tx = rel_tx_new(sc->node, sc->nonce, seq0, &syncd_rel_ops,
	    sc)) == NULL ||
	    (sc->outq = msg_queue_new(SYNCD_QUEUE_LIMIT)) == NULL ||
	    (sc->own = own_new()) == NULL)
		return (-1);
	/* the peer refreshes live states every refresh interval (the same
	 * on every node): twice that is the slack on the states it sends */
	ct_set_timeout_slack(2 * sc->cs->refresh_ms / 1000);
	if (syncd_ignore(sc) == -1 || ct_init(sc->base, &syncd_ct_cb, sc) ==
	    -1)
		return (-1);
	syncd_preexisting(sc);
	if (syncd_timers(sc) == -1)
		return (-1);
	sc->carrier = link_carrier(sc->link);
	bulk_init(sc);
	syncd_schedule(sc);
	return (0);
}

void
syncd_stop(struct syncd *sc)
{
	size_t	 i;

	ct_shutdown();
	if (sc->ev_tick != NULL)
		event_free(sc->ev_tick);
	if (sc->ev_heartbeat != NULL)
		event_free(sc->ev_heartbeat);
	if (sc->ev_refresh != NULL)
		event_free(sc->ev_refresh);
	for (i = 0; i < MSG_MAXPEERS; i++)
		if (sc->peers[i].rx != NULL)
			rel_rx_free(sc->peers[i].rx);
	link_close(sc->link);
	if (sc->tx != NULL)
		rel_tx_free(sc->tx);
	if (sc->outq != NULL)
		msg_queue_free(sc->outq);
	own_free(sc->own);
	seal_free(sc->seal);
}
