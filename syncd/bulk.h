/* Bulk sync and demotion, pfsync-style (docs/PROTOCOL.md, section 6.8):
 * the decisions, as functions of struct bulk (bulk.c's own state) and
 * what they are told. They return what they want done; the engine does
 * it (the queue, the datagrams, the hold on carpd are the engine's).
 *
 * At start a node asks its peers for their whole table (BULK_REQUEST,
 * retried every 2 s) and holds bulk-demote on carpd's group "carp" until
 * a peer's BULK_END arrives or bulk-timeout passes: a node whose table
 * is not in sync must not become master. While the sync link is down or
 * no peer is heard, link-demote is held too. Both go to carpd as one
 * hold (their sum).
 *
 * Later resyncs (a gap that could not be repaired, a peer that restarted
 * or came back after a silence, carpctl sync resync) are bulks like the
 * first: retried, timed out, and held with bulk-demote until the bulk
 * end, so that a node that fell out of sync keeps its demotion until it
 * is in sync again (pfsync demotes the same way when its link returns).
 *
 * A node that is master (syncd restarted under it, or a resync on the
 * master) has the table that matters: it holds no bulk demotion, which
 * would cause the very failover the sync exists to make safe. */
#ifndef SYNCD_BULK_H
#define SYNCD_BULK_H

#include <stddef.h>
#include <stdint.h>

#define BULK_RETRY_MS	2000	/* pfsync: every 2 s */

struct bulk {
	int		 in_progress;
	int		 in_sync;	/* a bulk end arrived */
	int		 hold;		/* bulk demotion held for it */
	uint64_t	 start_ms;	/* of the first bulk */
	uint64_t	 last_req_ms;
};

/* What the engine is to do (bits). */
#define BULK_ASK	0x1	/* send a BULK_REQUEST */
#define BULK_GAVE_UP	0x2	/* no bulk end in time: report it */
#define BULK_DEMOTE	0x4	/* the demotion to hold may change */
#define BULK_BEGIN	0x8	/* a new bulk: a new sweep generation */
#define BULK_SWEEP	0x10	/* a bulk we asked for ended: its sweep */

/* The first bulk; masters: carps MASTER here, -1 unknown. */
int		 bulk_start(struct bulk *, int masters, uint64_t now);
/* A later resync; masters as for bulk_start, but held only if 0. */
int		 bulk_resync(struct bulk *, int masters, uint64_t now);
/* A BULK_END from node: BULK_SWEEP if it ends a bulk we asked for
 * (not one given up, nor one the peer served another node). */
int		 bulk_end(struct bulk *, uint32_t node, uint64_t now);
/* Every heartbeat: the retry and the timeout. */
int		 bulk_tick(struct bulk *, uint64_t now, unsigned timeout_ms);

/* What the demotion depends on besides the bulk. */
struct bulk_link {
	int		 carrier;	/* sync link up */
	int		 peers_alive;
	int		 settled;	/* up long enough for a peer to
					   have been heard */
	int		 bulk_demote;	/* the sync block's values */
	int		 link_demote;
	int		 master;	/* a carp MASTER here (carpd says) */
};

/* The demotion to hold on carpd (0..255), and why, for the log. */
int		 bulk_demotion(const struct bulk *,
		    const struct bulk_link *);
void		 bulk_demotion_why(const struct bulk *,
		    const struct bulk_link *, char *, size_t);

#endif
