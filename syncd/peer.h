/* The peers (docs/PROTOCOL.md, sections 6.1 and 6.5): everything syncd
 * knows about one, in one slot of one table (struct syncd's peers): its
 * session as seen and as acked, its sequence window (rel_rx), its
 * replay window, liveness. One limit (MSG_MAXPEERS: one ack per peer
 * fits every header), one eviction policy, one iterator. The send
 * window's per-peer state (struct rel_txpeer: acked seq, lost) lives in
 * the slot too, and rel_tx walks the slots through peer_txnext: a node
 * enters the window when a slot hears it, and leaves it when its slot
 * dies or is freed. */
#ifndef SYNCD_PEER_H
#define SYNCD_PEER_H

#include <sys/socket.h>
#include <stdint.h>

#include "rel.h"
#include "replay.h"

#define PEER_MAX	16	/* == MSG_MAXPEERS, see peer.c */
#define PEER_RETIRED	64	/* dead sessions remembered */

struct syncd;

struct syncd_peer {
	uint32_t		 node;		/* 0: free slot */
	struct rel_rx		*rx;		/* its stream to us */
	struct rel_txpeer	 txp;		/* our stream to it */
	struct sockaddr_storage	 addr;
	uint64_t		 heard_ms;	/* last fresh datagram */
	uint64_t		 alive_ms;	/* alive (again) since */
	int			 back;		/* alive again after a silence */
	uint64_t		 last_ms;	/* last authenticated one */
	int			 alive;
	int			 fresh;		/* has acked this run */
	/* the peer's session as last seen, fresh or not: acked with
	 * seq base - 1 (nothing new) until its stream is ours to ack, so
	 * that it can prove to us, and we to it, that both are live */
	uint64_t		 seen_nonce;
	uint32_t		 seen_base;
	struct replay		 replay;	/* moved by fresh ones only */
	int			 bulk_end_wait;	/* its bulk end, not yet taken */
};

struct peer_retired {
	uint32_t		 node;
	uint64_t		 nonce;
};

/* The table: iterate with PEER_FOREACH, which skips free slots. */
struct syncd_peer *peer_next(struct syncd *, struct syncd_peer *);
#define PEER_FOREACH(p, sc)						\
	for ((p) = peer_next((sc), NULL); (p) != NULL;			\
	    (p) = peer_next((sc), (p)))
struct syncd_peer *peer_find(struct syncd *, uint32_t node);
/* rel_tx_ops.peer_next over the slots (arg: the struct syncd). */
struct rel_txpeer *peer_txnext(void *, struct rel_txpeer *);
/* The node's slot, taking one (a free one, else the eviction policy's
 * victim) for a new node; NULL if every slot holds a live peer. */
struct syncd_peer *peer_get(struct syncd *, uint32_t node,
		    const struct sockaddr_storage *);
void		 peer_free_all(struct syncd *);
/* 1 if node's session proved itself here and died: a replay of it. */
int		 peer_retired(const struct syncd *, uint32_t node,
		    uint64_t nonce);

/* Receiving, in this order: peer_seen for every authenticated datagram
 * of the node; for a fresh one peer_accept (replay window: SEAL_OK or
 * SEAL_EREPLAY), peer_heard, then peer_window (sequence windows, both
 * ways, in one visit to rel.c: the node's acks of our stream, its stream,
 * and its nack of ours, if any, when the datagram is accepted):
 * rel_rx's REL_* bits, PEER_LOST if our stream to the node had been
 * given up (it must resync from us), and PEER_BACK if the node had been
 * dead: peer_window then asks for its table (syncd_resync). Whatever it
 * sent meanwhile, or still has queued for us after a stall, is in that
 * bulk, and its bulk end (sent once its queue is empty) says we are in
 * sync again: the demotion is held until then. */
#define PEER_LOST	0x100
#define PEER_BACK	0x200	/* was dead: resync from it */
void		 peer_seen(struct syncd_peer *, const struct msg_hdr *,
		    uint64_t now);
int		 peer_accept(struct syncd_peer *, const struct msg_hdr *);
void		 peer_heard(struct syncd_peer *, uint64_t now);
int		 peer_window(struct syncd *, struct syncd_peer *,
		    const struct msg_hdr *, const struct msg_nack *,
		    uint64_t now);

/* Sending: the acks and nacks of every peer for one header. */
void		 peer_acks(struct syncd *, struct msg_hdr *);
void		 peer_nacks(struct syncd *, struct msg_ctl *, uint64_t now);
void		 peer_acks_sent(struct syncd *);
int		 peer_ack_due(struct syncd *, uint64_t now);
/* The earliest of d and every peer's rx deadline (0: none). */
uint64_t	 peer_deadline(struct syncd *, uint64_t d);
/* Gap timers: REL_RESYNC if a gap was given up. */
int		 peer_tick(struct syncd *, uint64_t now);
/* Mark peers silent for SYNCD_DEAD_MS dead. */
void		 peer_liveness(struct syncd *, uint64_t now);
/* Peers alive for PEER_SETTLE_MS at least: a peer back after a silence
 * tells within that time whether we missed part of its stream (its
 * RESYNC), so the demotion held for its silence is not dropped and
 * taken again meanwhile. */
#define PEER_SETTLE_MS	1000
int		 peer_settled(const struct syncd *, uint64_t now);
/* Sums over the peers' receive windows, for carpctl sync stats. */
void		 peer_rx_sums(const struct syncd *, uint64_t *gaps,
		    uint64_t *resyncs);

#endif
