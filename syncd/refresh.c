/* Keeping the peers' copies alive and connections able to come back:
 * the refresh walk, and TCP window tracking made liberal
 * (docs/PROTOCOL.md, sections 6.10 and 6.11). */
#include <errno.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ct.h"
#include "log.h"
#include "own.h"
#include "syncd.h"

/* Both directions liberal: see ct_apply_liberal(). 1 if s changed. */
int
refresh_liberal(struct sync_state *s)
{
	uint8_t	 f = IP_CT_TCP_FLAG_BE_LIBERAL;

	if (s->l4proto != IPPROTO_TCP ||
	    ((s->tcp_flags_orig & f) && (s->tcp_flags_repl & f)))
		return (0);
	s->tcp_flags_orig |= f;
	s->tcp_flags_repl |= f;
	return (1);
}

/* Traffic refreshes a kernel timeout without an event. Every refresh
 * interval (the sync block's "refresh", 60 s) the local states whose
 * timeout was pushed out since they were last sent go again, so the
 * peer's copy (applied with twice the interval of slack) outlives every
 * gap. */
static void
refresh_one(const struct sync_state *s, void *arg)
{
	struct syncd	*sc = arg;
	struct sync_key	 k;
	struct own_info	*oi;
	uint32_t	 age;

	if (table_walk_stale(sc, s))
		return;
	msg_state_key(s, &k);
	if ((oi = own_get(sc->own, &k)) == NULL) {
		/* its record was dropped by a sweep (table.c): ours */
		sc->st.refreshed++;
		table_current(sc, s);
		return;
	}
	if (oi->origin == OWN_PEER)
		return;
	age = (uint32_t)(clock_ms() / 1000) - oi->sent_s;
	if (age < sc->cs->refresh_ms / 2000)
		return;
	/* still as old as when sent: nothing kept it alive */
	if ((uint64_t)s->timeout + age <= (uint64_t)oi->sent_timeout + 2)
		return;
	sc->st.refreshed++;
	table_current(sc, s);
}

/* Only a node that owns states has any to refresh. A backup holding
 * only its peer's states skips the dump: at a million states a dump
 * keeps the loop from heartbeats and acks for seconds, long enough for
 * the peer to take it for dead and start a resync. */
static void
refresh_done(int rv, void *arg)
{
	struct syncd	*sc = arg;

	table_walk_end(sc);
	if (rv == -1)
		syncd_error(sc, "refresh dump failed: %s", strerror(errno));
	syncd_schedule(sc);
}

/* The walk runs from the event loop (ct_dump_async), a few buffers at a
 * time: a blocking dump of a million states kept the loop from
 * heartbeats for seconds, and the peer took this node for dead. */
void
syncd_on_refresh(struct syncd *sc)
{
	if (syncd_peers_alive(sc) == 0 || ct_dump_busy() ||
	    own_count_origin(sc->own, OWN_PEER) == own_count(sc->own))
		return;
	if (ct_dump_async(sc->base, refresh_one, refresh_done, sc) == -1)
		syncd_error(sc, "refresh dump failed: %s", strerror(errno));
}

static void
refresh_timer(evutil_socket_t fd, short ev, void *arg)
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

int
refresh_start(struct syncd *sc)
{
	struct timeval	 tv;

	if ((sc->ev_refresh = evtimer_new(sc->base, refresh_timer, sc)) ==
	    NULL)
		return (-1);
	tv.tv_sec = sc->cs->refresh_ms / 1000;
	tv.tv_usec = (sc->cs->refresh_ms % 1000) * 1000;
	evtimer_add(sc->ev_refresh, &tv);
	return (0);
}

/* Our own TCP states, made liberal once this node hands connections to
 * the peer, so that they find no stale windows when they come back. */
static void
refresh_liberal_one(const struct sync_state *s, void *arg)
{
	struct sync_state	 c = *s;
	size_t			*n = arg;

	if (refresh_liberal(&c) && ct_apply_liberal(&c) == 0)
		(*n)++;
}

/* ctnetlink cannot carry window data, so connections that come back
 * after the peer forwarded them (demote and promote, a link that
 * returns) would be judged against stale windows and dropped as
 * INVALID. When this node stops being master of a carp, its TCP states
 * become liberal in window tracking: work proportional to the table,
 * but on the node that leaves, after the handover, never on the
 * takeover path. The peer's states are made liberal when applied. */
void
refresh_mark_liberal(const char *why)
{
	size_t	 marked = 0;

	if (ct_dump(refresh_liberal_one, &marked) == 0)
		ct_apply_flush();
	log_info("sync: %s: %zu TCP states made liberal for their return",
	    why, marked);
}
