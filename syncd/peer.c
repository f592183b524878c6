/* The peers (see peer.h): one table of MSG_MAXPEERS slots in struct
 * syncd, and the only code that walks it. */
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "sync.h"
#include "peer.h"
#include "rel.h"
#include "seal.h"
#include "syncd.h"

/* A header acks every peer: the table can never outgrow it. */
_Static_assert(PEER_MAX == MSG_MAXPEERS, "one ack per peer slot");

struct syncd_peer *
peer_next(struct syncd *sc, struct syncd_peer *p)
{
	struct syncd_peer	*end = sc->peers + PEER_MAX;

	for (p = p == NULL ? sc->peers : p + 1; p < end; p++)
		if (p->node != 0)
			return (p);
	return (NULL);
}

struct syncd_peer *
peer_find(struct syncd *sc, uint32_t node)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc)
		if (p->node == node)
			return (p);
	return (NULL);
}

struct rel_txpeer *
peer_txnext(void *arg, struct rel_txpeer *tp)
{
	struct syncd_peer	*p = NULL;

	if (tp != NULL)
		p = (struct syncd_peer *)(void *)((char *)tp -
		    offsetof(struct syncd_peer, txp));
	p = peer_next(arg, p);
	return (p != NULL ? &p->txp : NULL);
}

int
syncd_peers_alive(const struct syncd *sc)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < PEER_MAX; i++)
		if (sc->peers[i].node != 0 && sc->peers[i].alive)
			n++;
	return (n);
}

int
peer_retired(const struct syncd *sc, uint32_t node, uint64_t nonce)
{
	size_t	 i;

	for (i = 0; i < PEER_RETIRED && i < sc->nretired; i++)
		if (sc->retired[i].node == node &&
		    sc->retired[i].nonce == nonce)
			return (1);
	return (0);
}

/* The slot a new session may take when none is free: one that never
 * proved it is live first (a peer starting, or a replay), then one long
 * dead, the least recently heard of either kind. A live peer is never
 * pushed out. */
static struct syncd_peer *
peer_victim(struct syncd *sc)
{
	struct syncd_peer	*p, *best = NULL;
	size_t			 i;

	for (i = 0; i < PEER_MAX; i++) {
		p = &sc->peers[i];
		if (p->fresh && p->alive)
			continue;
		if (best == NULL || (best->fresh && !p->fresh) ||
		    (best->fresh == p->fresh && p->last_ms < best->last_ms))
			best = p;
	}
	return (best);
}

/* Free a slot and the node's place in the send window, so that sessions
 * can come and go for as long as the daemon runs. A session that proved
 * itself and died is retired: a replay of it cannot take a slot again. */
static void
peer_free(struct syncd *sc, struct syncd_peer *p)
{
	struct peer_retired	*r;

	if (p->fresh) {
		r = &sc->retired[sc->nretired++ % PEER_RETIRED];
		r->node = p->node;
		r->nonce = p->seen_nonce;
	}
	if (p->node != 0)
		rel_tx_peer_del(sc->tx, &p->txp);
	rel_rx_free(p->rx);
	memset(p, 0, sizeof(*p));
}

void
peer_free_all(struct syncd *sc)
{
	size_t	 i;

	for (i = 0; i < PEER_MAX; i++) {
		rel_rx_free(sc->peers[i].rx);
		memset(&sc->peers[i], 0, sizeof(sc->peers[i]));
	}
}

struct syncd_peer *
peer_get(struct syncd *sc, uint32_t node, const struct sockaddr_storage *from)
{
	struct syncd_peer	*p;
	size_t			 i;

	if ((p = peer_find(sc, node)) != NULL)
		return (p);
	for (i = 0; i < PEER_MAX && p == NULL; i++)
		if (sc->peers[i].node == 0)
			p = &sc->peers[i];
	if (p == NULL && (p = peer_victim(sc)) != NULL)
		peer_free(sc, p);
	if (p == NULL || (p->rx = rel_rx_new(node)) == NULL)
		return (NULL);
	p->node = node;
	if (from != NULL)
		p->addr = *from;
	return (p);
}

/* ------------------------------------------------------------ receiving */

/* The peer's session as we ack it: a new nonce replaces it, the same
 * nonce only moves it forward (a stale datagram is not replay-checked,
 * so an old one must not move it back). */
void
peer_seen(struct syncd_peer *p, const struct msg_hdr *h, uint64_t now)
{
	if (p->seen_nonce != h->nonce || (int32_t)(h->base - p->seen_base) > 0)
		p->seen_base = h->base;
	p->seen_nonce = h->nonce;
	p->last_ms = now;
}

int
peer_accept(struct syncd_peer *p, const struct msg_hdr *h)
{
	if (replay_check(&p->replay, h->nonce, h->seq) == REPLAY_SEEN)
		return (SEAL_EREPLAY);
	return (SEAL_OK);
}

void
peer_heard(struct syncd_peer *p, uint64_t now)
{
	if (!p->alive && p->fresh)
		p->back = 1;
	p->fresh = 1;
	p->heard_ms = now;
	if (!p->alive) {
		log_info("sync: peer node %08x is alive", p->node);
		p->alive_ms = now;
	}
	p->alive = 1;
}

int
peer_window(struct syncd *sc, struct syncd_peer *p, const struct msg_hdr *h,
    const struct msg_nack *nack, uint64_t now)
{
	int	 bits = 0;

	if (rel_tx_heard(sc->tx, &p->txp, h, now) == REL_RESYNC)
		bits |= PEER_LOST;
	bits |= rel_rx_recv(p->rx, h->nonce, h->seq, h->base,
	    (h->flags & MSG_F_DATA) != 0, now);
	if (nack != NULL && (bits & REL_ACCEPT))
		rel_tx_nack(sc->tx, &p->txp, nack, now);
	if (bits & (REL_FIRST | REL_RESTART))
		log_info("sync: peer node %08x %s", h->node,
		    bits & REL_FIRST ? "heard" : "restarted");
	/* a new session bulk-requests anyway (rx.c) */
	if (p->back && !(bits & (REL_FIRST | REL_RESTART))) {
		bits |= PEER_BACK;
		syncd_resync(sc, "peer back after a silence");
	}
	p->back = 0;
	return (bits);
}

/* -------------------------------------------------------------- sending */

void
peer_acks(struct syncd *sc, struct msg_hdr *h)
{
	struct syncd_peer	*p;
	struct msg_ack		*a;

	PEER_FOREACH(p, sc) {
		if (h->acks_len == MSG_MAXPEERS)
			break;
		a = &h->acks[h->acks_len++];
		if (p->fresh && rel_rx_ack(p->rx, a))
			continue;
		/* hello: this session heard, nothing acknowledged */
		a->node = p->node;
		a->nonce = p->seen_nonce;
		a->seq = p->seen_base - 1;
	}
}

void
peer_nacks(struct syncd *sc, struct msg_ctl *c, uint64_t now)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc) {
		if (c->nnacks == MSG_MAXPEERS)
			break;
		if (rel_rx_nacks(p->rx, now, &c->nacks[c->nnacks]) > 0)
			c->nnacks++;
	}
}

void
peer_acks_sent(struct syncd *sc)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc)
		rel_rx_ack_sent(p->rx);
}

int
peer_ack_due(struct syncd *sc, uint64_t now)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc)
		if (rel_rx_ack_due(p->rx, now))
			return (1);
	return (0);
}

uint64_t
peer_deadline(struct syncd *sc, uint64_t d)
{
	struct syncd_peer	*p;
	uint64_t		 t;

	PEER_FOREACH(p, sc) {
		t = rel_rx_deadline(p->rx);
		if (t != 0 && (d == 0 || t < d))
			d = t;
	}
	return (d);
}

/* A dead peer's gaps wait: when it is heard again it either still holds
 * what we miss (it repairs it), or it gave us up and tells us to resync. */
int
peer_tick(struct syncd *sc, uint64_t now)
{
	struct syncd_peer	*p;
	int			 bits = 0;

	PEER_FOREACH(p, sc)
		if (p->alive)
			bits |= rel_rx_tick(p->rx, now) & REL_RESYNC;
	return (bits);
}

int
peer_settled(const struct syncd *sc, uint64_t now)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < PEER_MAX; i++)
		if (sc->peers[i].node != 0 && sc->peers[i].alive &&
		    now - sc->peers[i].alive_ms >= PEER_SETTLE_MS)
			n++;
	return (n);
}

void
peer_liveness(struct syncd *sc, uint64_t now)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc) {
		if (!p->alive || now - p->heard_ms < SYNCD_DEAD_MS)
			continue;
		p->alive = 0;
		/* a dead peer must not hold the send window; it must resync
		 * from us if it missed anything */
		rel_tx_peer_down(sc->tx, &p->txp);
		syncd_error(sc, "peer node %08x silent for %u ms", p->node,
		    (unsigned)(now - p->heard_ms));
	}
}

void
peer_rx_sums(const struct syncd *sc, uint64_t *gaps, uint64_t *resyncs)
{
	const struct rel_stats	*rs;
	size_t			 i;

	*gaps = *resyncs = 0;
	for (i = 0; i < PEER_MAX; i++) {
		if (sc->peers[i].node == 0)
			continue;
		rs = rel_rx_stats(sc->peers[i].rx);
		*gaps += rs->gaps;
		*resyncs += rs->resyncs;
	}
}
