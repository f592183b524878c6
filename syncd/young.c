/* sync-delay: a local state is sent only once it has lived the delay,
 * as the kernel has it then; one that ends sooner is never sent (the
 * rule: docs/PROTOCOL.md, "Short-lived states"). The queue is delay.c;
 * this is where kernel events, the send queue and the timer meet it.
 *
 * Young states have no ownership entry (own.c): they are nobody's yet,
 * so the refresh walk, a bulk or a resend never sends them early, and
 * the entry is made when the state goes, by table_local(). */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "log.h"
#include "own.h"
#include "syncd.h"

/* Delays ended per tick, each a ct_get: the rest go at the next tick,
 * at once, so that a burst of survivors cannot stall the loop. */
#define YOUNG_BURST		1024

int
young_start(struct syncd *sc)
{
	if (sc->cs->sync_delay_ms == 0)
		return (0);
	/* with asymmetric paths a new state is needed at the peer within
	 * a round trip (PROTOCOL.md 6.12): a delay would drop its replies */
	if (sc->asym) {
		log_warnx("sync-delay ignored: a balanced carp needs new "
		    "states at the peer at once");
		return (0);
	}
	if ((sc->delay = delay_new(SYNCD_DELAY_LIMIT)) == NULL)
		return (-1);
	log_info("sync-delay %u ms: younger states are not sent",
	    sc->cs->sync_delay_ms);
	return (0);
}

/* A kernel create or update: 1 if it is a young state's, which waits
 * (its latest value is read when the delay ends). A key this node does
 * not know yet is a new state: it starts its delay here. A full delay
 * queue sends it at once instead, never drops it. */
int
young_event(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key	 k;

	if (sc->delay == NULL)
		return (0);
	msg_state_key(s, &k);
	/* GONE: an event of the dead state, read before its DESTROY */
	if (delay_get(sc->delay, &k) != DELAY_NONE)
		return (1);
	if (own_get(sc->own, &k) != NULL)
		return (0);
	if (delay_add(sc->delay, &k, clock_ms() + sc->cs->sync_delay_ms,
	    DELAY_YOUNG) == -1) {
		sc->st.delay_overflows++;
		return (0);
	}
	if (delay_len(sc->delay) == 1)
		syncd_schedule(sc);
	return (1);
}

/* A kernel destroy: 1 if the state died young, so that nothing about it
 * goes, not even its delete. */
int
young_delete(struct syncd *sc, const struct sync_key *k)
{
	switch (delay_del(sc->delay, k)) {
	case DELAY_YOUNG:
		sc->st.died_young++;
		return (1);
	case DELAY_GONE:
		return (1);	/* counted when its delay ended */
	default:
		return (0);
	}
}

/* A bulk, a resync or a resend sends a state as it is now: not a young
 * one, which goes when its delay ends. A GONE entry is stale once the
 * kernel has the key again (its DESTROY event was lost): the state is a
 * new one and goes. */
int
young_hold(struct syncd *sc, const struct sync_key *k)
{
	switch (delay_get(sc->delay, k)) {
	case DELAY_YOUNG:
		return (1);
	case DELAY_GONE:
		delay_del(sc->delay, k);
		return (0);
	default:
		return (0);
	}
}

/* The state goes now, whatever its age (a defer-held connection, a
 * young one whose delay ended): it is young no more. */
void
young_sent(struct syncd *sc, const struct sync_key *k)
{
	if (delay_len(sc->delay) > 0)
		delay_del(sc->delay, k);
}

/* A delay ended: the state as the kernel has it now, once. If it is gone
 * the DESTROY event is on its way (or lost): the key waits as GONE for
 * one more delay so that the event finds it. */
static void
young_due(struct syncd *sc, const struct sync_key *k, uint64_t now)
{
	struct sync_state	 key, cur;
	enum delay_kind		 kind = DELAY_GONE;

	table_key_state(k, &key);
	if (ct_get(&key, &cur) == 0) {
		sc->st.delay_sent++;
		table_local(sc, &cur);
		return;
	}
	if (errno == ENOENT)
		sc->st.died_young++;
	else {
		syncd_error(sc, "sync-delay: cannot read a state: %s",
		    strerror(errno));
		kind = DELAY_YOUNG;	/* try again after one more delay */
	}
	delay_add(sc->delay, k, now + sc->cs->sync_delay_ms, kind);
}

void
young_expire(struct syncd *sc, uint64_t now)
{
	struct sync_key	 k;
	enum delay_kind	 kind;
	int		 n;

	for (n = 0; n < YOUNG_BURST; n++) {
		if ((kind = delay_pop(sc->delay, now, &k)) == DELAY_NONE)
			break;
		if (kind == DELAY_YOUNG)
			young_due(sc, &k, now);
	}
}
