/* Receiving (docs/PROTOCOL.md, sections 6.3 to 6.6): a datagram from
 * the link is authenticated (seal.c), its sender found or given a peer
 * slot (peer.c), checked for freshness and replay, run through the
 * sequence windows, and only then validated as a whole and applied
 * (proto/sync.c, then ct.c):
 *
 *   rx_datagram -> seal_verify -> rx_decode (msg_decode, msg_dispatch)
 *     -> rx_header (peer.c, rel.c) -> rx_update/rx_delete (own.c, ct.c)
 *     -> syncd_flush */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "defer.h"
#include "defer_ring.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "own.h"
#include "peer.h"
#include "rel.h"
#include "ruleset.h"
#include "seal.h"
#include "syncd.h"

struct rx {
	struct syncd			*sc;
	const struct sockaddr_storage	*from;
	uint64_t			 now;
	struct syncd_peer		*peer;
	const struct msg_dgram		*dgram;	 /* as decoded */
	int				 fresh;	 /* header taken */
	int				 acknow; /* ack it now */
};

static void
rx_count_seal(struct syncd *sc, int err)
{
	switch (err) {
	case SEAL_EREPLAY:
		sc->st.replays++;
		break;
	default:
		sc->st.auth_failures++;
		break;
	}
}

/* A datagram is fresh when its header acknowledges our current session
 * (this run's random node id and nonce): a captured datagram, replayed
 * after we restarted, cannot contain a nonce that did not exist when it
 * was sent, and a replay window does not survive a restart. A live peer
 * acknowledges us within a heartbeat of hearing us. */
static int
rx_fresh(const struct syncd *sc, const struct msg_hdr *h)
{
	size_t	 i;

	for (i = 0; i < h->acks_len; i++)
		if (h->acks[i].node == sc->node &&
		    h->acks[i].nonce == sc->nonce)
			return (1);
	return (0);
}

/* Our datagrams the peers acknowledged release deferred packets. */
static void
rx_defer_acks(struct syncd *sc, const struct msg_hdr *h)
{
	size_t	 i;

	if (!sc->cs->defer)
		return;
	for (i = 0; i < h->acks_len; i++)
		if (h->acks[i].node == sc->node &&
		    h->acks[i].nonce == sc->nonce)
			defer_ack(h->acks[i].seq);
}

/* A first reply held for this state (asymmetric paths) goes once the
 * datagram's states are in the kernel (rx_datagram). */
static void
rx_defer_arrived(struct syncd *sc, const struct sync_state *s)
{
	struct defer_flow	 f;

	if (!sc->asym)
		return;
	defer_state_flow(s, &f);
	defer_arrived(&f);
}

/* What the sequence windows found. A peer that (re)started may hold
 * states made while its syncd was down; relays keep what we own ours.
 * And a lost part of its stream needs its table again. */
static void
rx_window_events(struct syncd *sc, const struct msg_hdr *h, int bits)
{
	if (bits & PEER_LOST) {
		sc->want.resync = 1;
		sc->want.resync_node = h->node;
	}
	if ((bits & REL_RESYNC) ||
	    ((bits & (REL_FIRST | REL_RESTART)) && !sc->bulk.in_progress))
		syncd_resync(sc, bits & REL_RESYNC ? "lost part of the "
		    "peer's stream" : "new peer session");
	else if (bits & (REL_FIRST | REL_RESTART))
		/* our first one went unheard */
		sc->want.bulk_request = 1;
}

/* Not (yet) an answer to this run: only a sign that someone is there;
 * we answer with a hello, apply nothing, and move no replay window. */
static void
rx_stale(struct rx *r, const struct msg_hdr *h)
{
	struct syncd	*sc = r->sc;

	peer_seen(r->peer, h, r->now);
	sc->st.stale++;
	if (r->now - sc->last_sent_ms >= SYNCD_HEARTBEAT_MS / 4)
		tx_send(sc, 1, r->now);
}

/* The peer's nack of our stream, if it sent one (msg_dispatch has
 * validated the whole datagram before it calls rx_header). */
static const struct msg_nack *
rx_our_nack(const struct rx *r, struct msg_nack *n)
{
	return (msg_dgram_nack(r->dgram, r->sc->node, n) == 1 ? n : NULL);
}

/* A live session cannot jump a whole replay window ahead. While we hear
 * the peer (a fresh datagram within SYNCD_DEAD_MS) it holds at most
 * REL_TX_WINDOW data datagrams unacknowledged, plus a few acks and
 * heartbeats, so a seq REPLAY_WINDOW or more past the highest we took
 * did not come after it on the wire: it is a correctly keyed forger's (a
 * compromised peer), which would slide the window past the real stream
 * and turn every real datagram into a "replay" for good. Dropped and
 * counted. Two real jumps stay possible: a peer silent that long, and
 * one that gave us up as lost while our socket overflowed (we were
 * stopped or swamped): the kernel then counts the datagrams it dropped
 * (SO_RXQ_OVFL, link.c) since the last one we took. */
static int
rx_seq_jump(const struct rx *r, const struct syncd_peer *p,
    const struct msg_hdr *h)
{
	return (p->replay.started && p->replay.nonce == h->nonce &&
	    p->fresh && r->now - p->heard_ms < SYNCD_DEAD_MS &&
	    (int32_t)(h->seq - p->replay.top) >= REPLAY_WINDOW &&
	    r->sc->link->kernel_drops == r->sc->rx_drops);
}

/* Every peer slot holds a live peer. Logged the 1st, 2nd, 4th, 8th...
 * time: a flood of new nodes must not flood the log. */
static void
rx_no_slot(struct syncd *sc, const struct msg_hdr *h)
{
	uint64_t	 n = ++sc->st.too_many_peers;

	if ((n & (n - 1)) == 0)
		syncd_error(sc, "too many peers, node %08x ignored (%llu so "
		    "far)", h->node, (unsigned long long)n);
}

/* The header, decoded once: who sent it, whether it is fresh, the
 * peer's windows. 0 to go on with the body. */
static int
rx_header(void *arg, const struct msg_hdr *h)
{
	struct rx	*r = arg;
	struct syncd	*sc = r->sc;
	struct msg_nack	 nack;
	int		 rv, bits;

	/* our own, reflected back (it verifies: one shared key) */
	if (h->node == sc->node) {
		sc->st.self++;
		return (1);
	}
	/* a link probe: rx_datagram marked its link heard, and that is
	 * all (its seq is none of the stream's) */
	if (msg_dgram_probe(r->dgram))
		return (1);
	if (peer_retired(sc, h->node, h->nonce)) {
		rx_count_seal(sc, SEAL_EREPLAY);
		return (1);
	}
	if ((r->peer = peer_get(sc, h->node, r->from)) == NULL) {
		rx_no_slot(sc, h);
		return (1);
	}
	if (!rx_fresh(sc, h)) {
		rx_stale(r, h);
		return (1);
	}
	if (rx_seq_jump(r, r->peer, h)) {
		sc->st.seq_jumps++;
		return (1);
	}
	if ((rv = peer_accept(r->peer, h)) != SEAL_OK) {
		rx_count_seal(sc, rv);
		return (1);
	}
	peer_seen(r->peer, h, r->now);
	peer_heard(r->peer, r->now);
	sc->rx_drops = sc->link->kernel_drops;
	r->fresh = 1;
	sc->st.messages_received++;
	rx_defer_acks(sc, h);
	bits = peer_window(sc, r->peer, h, rx_our_nack(r, &nack), r->now);
	rx_window_events(sc, h, bits);
	if (!(bits & REL_ACCEPT))
		return (1);
	r->acknow = (h->flags & MSG_F_ACKNOW) != 0;
	return (0);
}

/* ---------------------------------------------------------------- body */

static void
rx_resync(void *arg, const struct msg_hdr *h, uint32_t node)
{
	struct rx	*r = arg;

	(void)h;
	if (node == 0 || node == r->sc->node)
		syncd_resync(r->sc, "the peer lost our stream");
}

static void
rx_bulk_request(void *arg, const struct msg_hdr *h)
{
	struct rx	*r = arg;

	table_serve_bulk(r->sc, h->node);
	expect_resend_all(r->sc, "bulk");
}

static void
rx_prefetch(void *arg, const struct sync_key *k)
{
	struct rx	*r = arg;

	own_prefetch(r->sc->own, k);
}

static void
rx_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	struct rx		*r = arg;
	struct sync_state	 c;
	struct sync_key		 k;
	struct own_info		*oi;
	int			 isnew;

	(void)h;
	if (ct_ignored(s))
		return;
	msg_state_key(s, &k);
	/* a relay never takes a state from its owner: ours, or one from
	 * before we started (most likely ours) */
	oi = own_put_new(r->sc->own, &k, &isnew);
	if (s->relay && oi != NULL && !isnew && oi->origin != OWN_PEER)
		return;
	if (oi != NULL) {
		oi->origin = OWN_PEER;
		oi->gen = own_gen(r->sc->gen);
	}
	c = *s;
	refresh_liberal(&c);
	if (ct_apply_update(&c) == 0)
		r->sc->st.states_applied++;
	rx_defer_arrived(r->sc, s);
}

static void
rx_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	struct rx		*r = arg;
	struct sync_state	 s;

	(void)h;
	table_key_state(k, &s);
	own_del(r->sc->own, k);
	if (ct_apply_delete(&s) == 0)
		r->sc->st.deletes_applied++;
}

/* Taken once the datagram's states are applied and the peer's stream
 * has no gap before it (syncd_bulk_end_check): a bulk end that overtook
 * a lost datagram of the bulk must not say "in sync" before its states
 * are in the kernel. */
static void
rx_bulk_end(void *arg, const struct msg_hdr *h)
{
	struct rx		*r = arg;
	struct syncd_peer	*p;

	if ((p = peer_find(r->sc, h->node)) != NULL)
		p->bulk_end_wait = 1;
	else
		syncd_bulk_done(r->sc, h->node);
}

static void
rx_expect_update(void *arg, const struct msg_hdr *h,
    const struct sync_expect *x)
{
	struct rx	*r = arg;

	(void)h;
	expect_peer(r->sc, 0, x);
}

static void
rx_expect_delete(void *arg, const struct msg_hdr *h,
    const struct sync_expect *x)
{
	struct rx	*r = arg;

	(void)h;
	expect_peer(r->sc, 1, x);
}

static const struct msg_cb rx_msg_cb = {
	rx_header,
	NULL,		/* nacks: our own is taken with the header */
	rx_resync,
	rx_bulk_request,
	NULL,		/* heartbeat: the header said all */
	rx_update,
	rx_delete,
	rx_bulk_end,
	rx_expect_update,
	rx_expect_delete,
	rx_prefetch,
};

/* Bytes to header and body, the one place that decodes a datagram:
 * the header goes to rx_header, which may stop there; the body's
 * messages to the callbacks. Counted if it does not decode (malformed)
 * or decodes into values no kernel entry has (invalid, checked whole
 * before the header is taken). */
static void
rx_decode(struct rx *r, const uint8_t *buf, size_t len)
{
	struct msg_dgram	*d = r->sc->rxd;
	uint32_t		 heard;
	uint8_t			 digest[MSG_RULESET_LEN];

	if (msg_decode(d, buf, len) == -1) {
		r->sc->st.malformed++;
		return;
	}
	r->dgram = d;
	if (msg_dgram_heard(d, &heard) && d->hdr.node != r->sc->node)
		link_peer_heard(r->sc->link, heard, r->now);
	if (msg_dispatch(d, &rx_msg_cb, r) == -1)
		r->sc->st.invalid++;
	/* a probe is no part of the stream; the rest of a fresh one is */
	else if (r->fresh && !msg_dgram_probe(d) &&
	    msg_dgram_ruleset(d, digest))
		ruleset_heard(r->sc, d->hdr.node, r->from, digest, r->now);
	msg_dgram_free(d);
}

void
rx_datagram(const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, void *arg)
{
	struct syncd		*sc = arg;
	struct rx		 r = { sc, from, clock_ms(), NULL, NULL, 0, 0 };
	size_t			 plen;
	int			 rv;

	if ((rv = seal_verify(sc->seal, buf, len, &plen)) != SEAL_OK) {
		rx_count_seal(sc, rv);
		return;
	}
	link_heard(sc->link, r.now);	/* its link works (link_health.c) */
	rx_decode(&r, buf, plen);
	if (!r.fresh)
		return;
	ct_apply_flush();
	if (sc->asym)
		defer_applied();
	syncd_bulk_end_check(sc);
	/* after the states: the masters of the expectations */
	expect_apply(sc, r.now);
	/* a connection on the peer waits for this ack; or REL_ACK_EVERY
	 * datagrams wait for one: it goes now, not after the rest of this
	 * read (up to 256 datagrams, tens of ms of applying at a burst),
	 * or the sender's window stalls and its retransmissions fire */
	if (r.acknow || peer_ack_due(sc, r.now))
		tx_send(sc, 0, r.now);
	syncd_demote(sc);
	syncd_flush(sc);
	syncd_schedule(sc);
}

/* The decode buffer (an arena for protobuf-c, so no allocation per
 * datagram): one, as datagrams are handled one at a time. */
int
rx_start(struct syncd *sc)
{
	if ((sc->rxd = calloc(1, sizeof(*sc->rxd))) == NULL)
		return (-1);
	return (0);
}
