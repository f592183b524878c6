/* The peer's stale states, swept after its bulk (docs/PROTOCOL.md,
 * section 6.8). The ownership table keeps no keys (own.c), so a node
 * that lost conntrack events cannot name the states that ended while
 * they were lost, and its peer's copies of them would live there until
 * their own timeout (days for an established TCP state). The receiver
 * holds the keys, in its kernel: a bulk from the peer refreshes every
 * PEER record the peer still has, so once the bulk is complete the PEER
 * records it did not refresh are of states the peer no longer has.
 * Only on a node with one peer that is not master (sweep_unsafe).
 *
 *   bulk_begin (engine) -> sweep_bulk_begin: a new generation
 *   rx_update marks each PEER record with it
 *   BULK_END -> sweep_bulk_end: due, once the stream has no gap left
 *   heartbeat -> sweep_tick -> ct_dump_async -> sweep_one: delete */
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "log.h"
#include "own.h"
#include "syncd.h"

/* After the bulk end, before the walk: a datagram of the bulk that the
 * peer superseded (rel.c) closes its gap at once, but its states come
 * again in a later datagram, within a flush interval or a few
 * retransmissions. The walk waits for them rather than delete a state
 * the peer still has, even for a moment. */
#define SWEEP_GRACE_MS	1000

static int
sweep_same_host(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET)
		return (((const struct sockaddr_in *)(const void *)a)->
		    sin_addr.s_addr == ((const struct sockaddr_in *)
		    (const void *)b)->sin_addr.s_addr);
	if (a->ss_family == AF_INET6)
		return (memcmp(&((const struct sockaddr_in6 *)(const void *)
		    a)->sin6_addr, &((const struct sockaddr_in6 *)
		    (const void *)b)->sin6_addr, sizeof(struct in6_addr)) == 0);
	return (0);
}

/* Whether every peer slot, dead or alive, is of node's host. A PEER
 * record does not say which peer's state it is: with two peers, one's
 * bulk says nothing about the other's states, so only a node with one
 * peer sweeps. Sessions are told apart by node id, hosts by the address
 * they send from: the dead slot of a peer's earlier run (its syncd
 * restarted) is the same host, whose new bulk covers its states. */
static int
sweep_one_peer(struct syncd *sc, uint32_t node)
{
	struct syncd_peer	*p, *q;

	if ((q = peer_find(sc, node)) == NULL)
		return (0);
	PEER_FOREACH(p, sc)
		if (!sweep_same_host(&p->addr, &q->addr))
			return (0);
	return (1);
}

static void
sweep_skip(struct syncd *sc, const char *why)
{
	sc->st.bulk_sweeps_skipped++;
	log_info("sync: no sweep of stale peer states after the bulk (%s)",
	    why);
}

/* A new bulk of ours: every PEER record the peer refreshes from now on
 * (rx_update) carries the new generation. A bulk asked again before its
 * end keeps its generation: a state refreshed since the first request
 * existed at the peer after it, and its end, if any, comes as a delete. */
void
sweep_bulk_begin(struct syncd *sc)
{
	sc->gen++;
	sc->sweep.gen = sc->gen;
	sc->sweep.pending = 0;
}

/* Why not to sweep now, or NULL. A node that carpd reports master of a
 * carp may forward the peer's connections since a failover (their
 * records stay PEER: traffic makes no event), and a peer that rebooted
 * no longer has them: its table is not the one that matters then. */
static const char *
sweep_unsafe(struct syncd *sc, uint32_t node)
{
	if (sc->masters > 0)
		return ("this node is master");
	if (sc->sweep.gen != sc->gen)
		return ("a new bulk or table walk meanwhile");
	if (!sweep_one_peer(sc, node))
		return ("more than one peer, or the peer gone");
	return (NULL);
}

/* The peer's BULK_END for a bulk we asked for. A generation moved since
 * the request (our own overrun dump marked every record) no longer says
 * which records the bulk refreshed. */
void
sweep_bulk_end(struct syncd *sc, uint32_t node)
{
	const char	*why;

	if ((why = sweep_unsafe(sc, node)) != NULL) {
		sweep_skip(sc, why);
		return;
	}
	sc->sweep.pending = 1;
	sc->sweep.node = node;
	sc->sweep.end_ms = clock_ms();
}

/* A PEER record no part of the bulk (nor any update since its request)
 * refreshed: the peer no longer has the state. LOCAL and UNKNOWN
 * records, and states without a record (ours), are never swept. The
 * walk stops counting as soon as the generation moves (a new bulk, an
 * overrun dump): the marks then mean something else. */
static void
sweep_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;

	if (sc->sweep.gen != sc->gen || sc->masters > 0)
		return;
	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	if (oi == NULL || oi->origin != OWN_PEER ||
	    oi->gen == own_gen(sc->gen))
		return;
	own_del(sc->own, &k);
	if (ct_apply_delete(s) == 0) {
		sc->st.bulk_swept++;
		sc->sweep.swept++;
	}
}

static void
sweep_done(int rv, void *arg)
{
	struct syncd	*sc = arg;

	ct_apply_flush();
	table_walk_end(sc);
	if (rv == -1)
		syncd_error(sc, "sweep dump failed: %s", strerror(errno));
	log_info("sync: %zu stale peer states swept after node %08x's bulk",
	    sc->sweep.swept, sc->sweep.node);
}

/* Every heartbeat: the walk, once the grace is over and the peer's
 * stream has no gap (a missing datagram may hold refreshes). It runs
 * from the event loop a few buffers at a time, as the refresh walk does:
 * a blocking dump of a million states would stall the heartbeats. */
void
sweep_tick(struct syncd *sc, uint64_t now)
{
	struct syncd_peer	*p;
	const char		*why;

	if (!sc->sweep.pending)
		return;
	if ((why = sweep_unsafe(sc, sc->sweep.node)) != NULL) {
		sc->sweep.pending = 0;
		sweep_skip(sc, why);
		return;
	}
	p = peer_find(sc, sc->sweep.node);
	if (now - sc->sweep.end_ms < SWEEP_GRACE_MS ||
	    rel_rx_gap_open(p->rx) || ct_dump_busy())
		return;
	sc->sweep.pending = 0;
	sc->sweep.swept = 0;
	/* Nothing unrefreshed, nothing to delete: the walk would only read
	 * the whole kernel table (our own states too, a burst of them on a
	 * busy master) to find nothing. */
	if (own_count_unmarked(sc->own, OWN_PEER, sc->gen) == 0) {
		sweep_done(0, sc);
		return;
	}
	if (ct_dump_async(sc->base, sweep_one, sweep_done, sc) == -1)
		syncd_error(sc, "sweep dump failed: %s", strerror(errno));
}
