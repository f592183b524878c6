/* Bulk sync and demotion, pfsync-style.
 *
 * At start a node asks its peers for their whole table (BULK_REQUEST,
 * retried every 2 s) and holds bulk-demote on carpd's group "carp" until
 * a peer's BULK_END arrives or bulk-timeout passes: a node whose table
 * is not in sync must not become master. While the sync link is down or
 * no peer is heard, link-demote is held too. Both go to carpd as one
 * hold (their sum) over its control socket; if carpd is not running the
 * holder keeps trying and never blocks.
 *
 * Later resyncs (a gap that could not be repaired, a peer that restarted,
 * carpctl sync resync) ask for the table again but hold no demotion: the
 * node asking may be the master, and demoting it would cause the very
 * failover the sync exists to make safe. */
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ct.h"
#include "ctl.h"
#include "log.h"
#include "own.h"
#include "syncd.h"

/* How many carps carpd has in MASTER here (asked briefly, 300 ms at
 * most); -1 if carpd cannot be asked. */
int
bulk_carp_masters(const struct syncd *sc)
{
	CtlRequest	 req;
	CtlReply	*rep = NULL;
	size_t		 i;
	int		 fd, n = -1;

	if ((fd = ctl_connect(sc->cs->carpd_socket, 300)) == -1)
		return (-1);
	ctl_request_init(&req, CTL_COMMAND__STATUS);
	if (ctl_call(fd, &req, &rep) == 0 && rep != NULL)
		for (n = 0, i = 0; i < rep->n_carps; i++)
			if (rep->carps[i]->state == CTL_CARP_STATE__MASTER)
				n++;
	if (rep != NULL)
		ctl_reply_free(rep);
	close(fd);
	return (n);
}

void
bulk_init(struct syncd *sc)
{
	uint64_t	 now = clock_ms();

	/* A node already master (syncd restarted under it) has the table
	 * that matters: demoting it would hand the addresses away and
	 * back for nothing. It still asks for the peer's states. */
	sc->start_ms = now;
	sc->masters = bulk_carp_masters(sc);
	sc->bulk_hold = sc->masters <= 0;
	if (!sc->bulk_hold)
		log_info("sync: this node is master: no bulk demotion");
	sc->bulk_in_progress = 1;
	sc->in_sync = 0;
	sc->bulk_start_ms = now;
	bulk_request(sc, "start");
	bulk_update_demote(sc);
}

void
bulk_request(struct syncd *sc, const char *why)
{
	log_info("sync: asking the peers for their table (%s)", why);
	sc->want_bulk_request = 1;
	sc->bulk_last_req_ms = clock_ms();
	sc->st.bulk_requests++;
	if (!sc->bulk_in_progress)
		sc->st.resyncs++;
}

/* Every state this node knows goes to the peer, its own and (as relays)
 * those it holds for others: a node that restarted lost both, and it may
 * be master again soon (preempt). */
static void
bulk_queue_one(const struct sync_state *s, void *arg)
{
	syncd_queue_current(arg, s);
}

void
bulk_serve(struct syncd *sc, uint32_t node)
{
	uint64_t	 t0 = clock_ms();

	sc->st.bulk_served++;
	if (ct_dump(bulk_queue_one, sc) == -1) {
		syncd_error(sc, "bulk for node %08x: dump failed", node);
		return;
	}
	/* BULK_END leaves once every queued state is out (engine.c) */
	sc->want_bulk_end = 1;
	sc->flush_due_ms = clock_ms();
	log_info("sync: bulk for node %08x: %zu states queued in %llu ms",
	    node, msg_queue_len(sc->outq),
	    (unsigned long long)(clock_ms() - t0));
	syncd_schedule(sc);
}

void
bulk_end_received(struct syncd *sc, uint32_t node)
{
	if (sc->bulk_in_progress)
		log_info("sync: in sync with node %08x after %llu ms", node,
		    (unsigned long long)(clock_ms() - sc->bulk_start_ms));
	sc->bulk_in_progress = 0;
	sc->in_sync = 1;
	bulk_update_demote(sc);
}

void
bulk_tick(struct syncd *sc, uint64_t now)
{
	if (!sc->bulk_in_progress)
		return;
	if (now - sc->bulk_start_ms >= sc->cs->bulk_timeout_ms) {
		sc->bulk_in_progress = 0;
		syncd_error(sc, "no bulk end from any peer in %u ms, giving up",
		    sc->cs->bulk_timeout_ms);
		bulk_update_demote(sc);
		return;
	}
	if (now - sc->bulk_last_req_ms >= SYNCD_BULK_RETRY_MS) {
		sc->want_bulk_request = 1;
		sc->bulk_last_req_ms = now;
	}
}

/* The peer is silent only once it had the time to be heard: right after
 * a start it is unknown, and demoting a master for that would hand its
 * addresses away. */
static int
bulk_peer_down(const struct syncd *sc)
{
	if (!sc->carrier)
		return (1);
	return (syncd_peers_alive(sc) == 0 &&
	    clock_ms() - sc->start_ms >= SYNCD_DEAD_MS);
}

void
bulk_update_demote(struct syncd *sc)
{
	int	 n = 0;

	if (sc->bulk_in_progress && sc->bulk_hold)
		n += sc->cs->bulk_demote;
	if (bulk_peer_down(sc))
		n += sc->cs->link_demote;
	if (n > 255)
		n = 255;
	if (n == sc->demote_held || sc->holder == NULL)
		return;
	log_info("sync: demotion held on carpd %d -> %d (%s%s%s)",
	    sc->demote_held, n, sc->bulk_in_progress && sc->bulk_hold ?
	    "bulk sync" : "", sc->bulk_in_progress && sc->bulk_hold &&
	    n > sc->cs->bulk_demote ? ", " : "",
	    n == 0 ? (sc->in_sync ? "in sync, peer alive" :
	    "bulk given up, peer alive") :
	    (!sc->carrier ? "sync link down" :
	    (bulk_peer_down(sc) ? "no live peer" : "")));
	if (ctl_holder_set(sc->holder, "carp", n) == 0)
		sc->demote_held = n;
}
