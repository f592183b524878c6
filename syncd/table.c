/* Local states: which ones are ours (own.c), what goes into the send
 * queue and when, the whole table again after lost events, the current
 * state of a key for a repair, and the table for a peer's bulk. The
 * queue's only writer besides tx.c's sending. */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "log.h"
#include "own.h"
#include "rel.h"
#include "syncd.h"

/* Rough size of one queued state on the wire: when this many bytes are
 * waiting, a datagram is full and goes now. */
#define TABLE_STATE_WIRE	64

/* Account for one change put in the send queue (rv from msg_queue_*).
 * A full queue drops the change: the whole table is sent again once the
 * queue has drained, so nothing is lost for good. */
int
table_queued(struct syncd *sc, int rv)
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

static void
table_sent_as(struct syncd *sc, struct own_info *oi,
    const struct sync_state *s)
{
	oi->gen = own_gen(sc->gen);
	oi->sent_timeout = own_timeout(s->timeout);
	oi->sent_s = (uint32_t)(clock_ms() / 1000);
}

/* A state this node owns goes to the peers. One it never sent before
 * (no ownership entry) is queued as a create, which its delete cancels
 * while both are still queued. */
int
table_local(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key		 k;
	struct own_info		*oi;
	int			 fresh;

	msg_state_key(s, &k);
	young_sent(sc, &k);
	/* one lookup a local event: the record and whether it is new (a
	 * GONE record's state was deleted: this one is new again) */
	if ((oi = own_put_new(sc->own, &k, &fresh)) == NULL)
		fresh = 1;	/* no memory for it: still a create */
	else {
		if (oi->origin == OWN_GONE)
			fresh = 1;
		oi->origin = OWN_LOCAL;
		table_sent_as(sc, oi, s);
		/* what a running walk holds of it is older (table_forget) */
		if (ct_dump_busy()) {
			oi->newer = 1;
			sc->walk_marks++;
		}
	}
	return (table_queued(sc, fresh ? msg_queue_create(sc->outq, s) :
	    msg_queue_update(sc->outq, s)));
}

/* A local state ended: its delete goes, or cancels its unsent create. */
static int
table_delete(struct syncd *sc, const struct sync_key *k)
{
	int	 rv = msg_queue_delete(sc->outq, k);

	if (rv == 1) {
		sc->st.cancelled++;
		rv = 0;
	}
	return (table_queued(sc, rv));
}

/* Queue a state as it is now, for a bulk or a repair: as ours if we own
 * it (no entry: its NEW event was lost, so the kernel made it here), as a
 * relay otherwise, which no receiver lets override a state it owns. */
int
table_current(struct syncd *sc, const struct sync_state *s)
{
	struct sync_state	 c;
	struct sync_key		 k;
	struct own_info		*oi;
	uint32_t		 gen;

	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	if (oi != NULL && oi->origin == OWN_GONE)
		oi = NULL;	/* deleted, then seen again: ours */
	if (young_hold(sc, &k))
		return (0);	/* it goes when its delay ends */
	if (oi == NULL || oi->origin == OWN_LOCAL)
		return (table_local(sc, s));
	gen = oi->gen;
	table_sent_as(sc, oi, s);
	/* a PEER record's generation says which bulk of its owner
	 * refreshed it (sweep.c): relaying it back is no refresh */
	if (oi->origin == OWN_PEER)
		oi->gen = gen;
	c = *s;
	c.relay = 1;
	return (table_queued(sc, msg_queue_update(sc->outq, &c)));
}

/* A state carrying only a key, for ct_get and ct_apply_delete. */
void
table_key_state(const struct sync_key *k, struct sync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->family = k->family;
	s->l4proto = k->l4proto;
	s->zone = k->zone;
	s->orig = k->orig;
}

/* ------------------------------------------------------- kernel events */

/* Asymmetric paths (PROTOCOL.md 6.12): a new state's first reply may
 * cross the peer within a round trip, so the state goes at the end of
 * this turn of the loop (with whatever else this read of events
 * queued), not after the flush delay. 1: the flush timer must be armed
 * again. */
static int
table_soon(struct syncd *sc)
{
	uint64_t	 now = clock_ms();

	if (sc->flush_due_ms != 0 && sc->flush_due_ms <= now)
		return (0);
	sc->flush_due_ms = now;
	return (1);
}

static void
table_ct_update(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	int		 idle = sc->flush_due_ms == 0;
	enum asym_kind	 kind;

	if (young_event(sc, s))
		return;
	kind = sc->asym ? asym_event(sc, s) : ASYM_CHANGE;
	if (kind == ASYM_ECHO)
		return;
	if (kind == ASYM_NEW)
		idle = table_soon(sc);
	table_local(sc, s);
	if (msg_queue_len(sc->outq) * TABLE_STATE_WIRE >= sc->room) {
		syncd_flush(sc);
		syncd_schedule(sc);
	} else if (idle)
		syncd_schedule(sc);	/* else the flush is armed already */
}

/* A walk of the kernel's table from the event loop (bulk, refresh:
 * ct_dump_async) reads it a few buffers a turn, and the events read
 * between the buffers are newer than what the walk still holds. Passed
 * on after them, the walk's copy undid them on the peer: a state deleted
 * after the walk read it came back there for good (the churn benchmark's
 * leftovers, one per refresh), and a state an event changed went back to
 * its older value. While a walk runs, a record sent meanwhile is marked
 * newer (table_local), a deleted state's record stays, marked GONE, the
 * walk skips marked records (table_walk_stale: newer news went already)
 * and the marks go when it ends (table_walk_end). */
static void
table_forget(struct syncd *sc, const struct sync_key *k)
{
	struct own_info	*oi;

	if (ct_dump_busy() && (oi = own_put(sc->own, k)) != NULL) {
		oi->origin = OWN_GONE;
		oi->newer = 1;
		sc->walk_marks++;
	} else
		own_del(sc->own, k);
}

int
table_walk_stale(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key	 k;
	struct own_info	*oi;

	if (sc->walk_marks == 0)
		return (0);
	msg_state_key(s, &k);
	if ((oi = own_get(sc->own, &k)) == NULL || !oi->newer)
		return (0);
	sc->st.walk_skipped++;
	return (1);
}

static int
table_unmark_one(struct own_info *oi, void *arg)
{
	(void)arg;
	oi->newer = 0;
	return (oi->origin == OWN_GONE);
}

void
table_walk_end(struct syncd *sc)
{
	if (sc->walk_marks == 0)
		return;
	sc->walk_marks = 0;
	own_walk(sc->own, table_unmark_one, sc);
}

static void
table_ct_delete(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;
	int		 idle;

	msg_state_key(s, &k);
	if (young_delete(sc, &k)) {
		table_forget(sc, &k);
		return;
	}
	oi = own_get(sc->own, &k);
	/* A peer's state expired here while the peer still has it: its
	 * owner decides when it ends, not our timer. A state from before
	 * we started is most likely ours (a backup's copies are applied
	 * with slack and refreshed, so they outlive the master's). */
	if (oi != NULL && oi->origin == OWN_PEER) {
		sc->st.expired_peer++;
		table_forget(sc, &k);
		return;
	}
	table_forget(sc, &k);
	idle = sc->flush_due_ms == 0;
	table_delete(sc, &k);
	if (idle)
		syncd_schedule(sc);	/* else the flush is armed already */
}

static void
table_ct_overrun(void *arg)
{
	struct syncd	*sc = arg;

	sc->st.resyncs++;
	table_requeue(sc, "conntrack events lost");
	/* the states that ended while events were lost cannot be named
	 * here (no keys, own.c): every peer asks for our table, and its
	 * bulk sweeps the copies we no longer have (sweep.c) */
	sc->want.resync = 1;
	sc->want.resync_node = 0;
}

static void
table_ct_prefetch(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;

	msg_state_key(s, &k);
	own_prefetch(sc->own, &k);
}

static const struct ct_cb table_ct_cb = {
	table_ct_update,
	table_ct_delete,
	table_ct_overrun,
	table_ct_prefetch,
};

/* ------------------------------------------------ the whole table again */

/* After a netlink overrun (or for a peer that lost our stream): the
 * whole local table again, and deletes for local states that vanished
 * while events were lost. */
static void
table_requeue_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;

	msg_state_key(s, &k);
	oi = own_get(sc->own, &k);
	if (oi != NULL && oi->origin == OWN_PEER) {
		oi->gen = own_gen(sc->gen);
		return;
	}
	table_current(sc, s);
}

/* A record the dump did not refresh is of a state that is gone, or that
 * the dump missed (a dump of a changing table is not a snapshot). The
 * table keeps no keys (own.c), so the record is dropped either way: a
 * missed state is sent again as ours by its next event or refresh (no
 * record reads as ours), and the peer's copy of a vanished one goes in
 * the sweep after the bulk our overrun asks the peer to take (sweep.c;
 * docs/PROTOCOL.md, sections 6.8 and 6.13). */
static int
table_sweep_one(struct own_info *oi, void *arg)
{
	struct syncd	*sc = arg;

	if (oi->gen == own_gen(sc->gen))
		return (0);
	if (oi->origin == OWN_LOCAL)
		sc->st.sweep_dropped++;
	return (1);
}

void
table_requeue(struct syncd *sc, const char *why)
{
	log_info("sending the whole local table (%s)", why);
	sc->gen++;
	if (ct_dump(table_requeue_one, sc) == -1)
		syncd_error(sc, "conntrack dump failed: %s", strerror(errno));
	else
		own_walk(sc->own, table_sweep_one, sc);
	sc->queue_walk = 1;
	sc->flush_due_ms = clock_ms();
	syncd_schedule(sc);
}

/* A lost datagram is repaired with the current state of each entry it
 * carried, not its bytes: if the state is gone by now, its delete goes. */
void
table_resend(struct syncd *sc, const struct sync_key *k)
{
	struct sync_state	 key, cur;
	struct own_info		*oi = own_get(sc->own, k);

	table_key_state(k, &key);
	if (ct_get(&key, &cur) == 0)
		table_current(sc, &cur);
	else if (errno == ENOENT && (oi == NULL || oi->origin == OWN_LOCAL))
		table_delete(sc, k);
	else if (errno == ENOENT)
		return;		/* not ours to delete */
	else
		syncd_error(sc, "retransmit: cannot read a state: %s",
		    strerror(errno));
}

/* Every state this node knows goes to the peer, its own and (as relays)
 * those it holds for others: a node that restarted lost both, and it may
 * be master again soon (preempt). */
static void
table_bulk_one(const struct sync_state *s, void *arg)
{
	if (!table_walk_stale(arg, s))
		table_current(arg, s);
}

static void
table_bulk_done(int rv, void *arg)
{
	struct syncd	*sc = arg;

	sc->want.bulk_walk = 0;
	table_walk_end(sc);
	if (rv == -1) {
		syncd_error(sc, "bulk for node %08x: dump failed",
		    sc->want.bulk_node);
		return;
	}
	/* BULK_END leaves once every queued state is out (tx.c) */
	sc->want.bulk_end = 1;
	sc->queue_walk = 1;
	sc->flush_due_ms = clock_ms();
	log_info("sync: bulk for node %08x: %zu states queued in %llu ms",
	    sc->want.bulk_node, msg_queue_len(sc->outq),
	    (unsigned long long)(clock_ms() - sc->bulk_t0));
	syncd_schedule(sc);
}

/* The dump runs from the event loop, a few buffers a turn: a blocking
 * dump of a million states kept the loop from heartbeats and acks for
 * seconds on a busy machine, the peers took this node for dead, and
 * their resyncs asked for more bulks. A request while a bulk is on its
 * way (its dump runs or its BULK_END waits for the queue to drain), or
 * while another walk runs (the refresh, a sweep), is not served: the
 * requester asks again every 2 s (bulk.c) and is served then. One bulk
 * at a time keeps each BULK_END behind all of its own states. */
void
table_serve_bulk(struct syncd *sc, uint32_t node)
{
	if (sc->want.bulk_end || sc->want.bulk_walk || ct_dump_busy())
		return;
	sc->st.bulk_served++;
	sc->want.bulk_walk = 1;
	sc->want.bulk_node = node;
	sc->bulk_t0 = clock_ms();
	if (ct_dump_async(sc->base, table_bulk_one, table_bulk_done,
	    sc) == -1) {
		sc->want.bulk_walk = 0;
		syncd_error(sc, "bulk for node %08x: dump failed", node);
	}
}

/* ------------------------------------------------------------- start */

/* States already in the table when we start are nobody's we know of:
 * they are passed on (bulk, refresh) as relays, which never take a state
 * from a peer that owns it; an event for one makes it ours. */
static void
table_preexisting_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;

	msg_state_key(s, &k);
	if (own_get(sc->own, &k) == NULL &&
	    (oi = own_put(sc->own, &k)) != NULL)
		oi->origin = OWN_UNKNOWN;
}

/* The ownership table, the kernel's events, what was there before us. */
int
table_start(struct syncd *sc)
{
	ct_set_event_buffer((uint32_t)sc->cs->event_buffer);
	if ((sc->own = own_new()) == NULL || young_start(sc) == -1 ||
	    ct_init(sc->base, &table_ct_cb, sc) == -1)
		return (-1);
	if (ct_dump(table_preexisting_one, sc) == -1)
		syncd_error(sc, "cannot read the table at start: %s",
		    strerror(errno));
	else if (own_count(sc->own) > 0)
		log_info("%zu states in the table at start",
		    own_count(sc->own));
	return (0);
}
