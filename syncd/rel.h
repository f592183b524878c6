/* Reliability window (docs/PROTOCOL.md, section 6.6): sequence numbers,
 * cumulative acks, nacks, retransmission from the current state, gap
 * detection and resync. No sockets, no clock: the caller passes now_ms
 * (monotonic).
 *
 * Every datagram takes the next seq (32 bits, compared with serial
 * arithmetic, RFC 1982). A datagram that carries data (states, bulk end,
 * resync request) is remembered in the sender's window as the list of
 * state KEYS it carried, never its bytes. When it must be repaired (a
 * nack names it, or the retransmission timer fires) its keys are handed
 * back to the caller, who queues each one again from the CURRENT state
 * (an update, or a delete if the state is gone) to go out in a new
 * datagram with a new seq; the old seq is then "superseded".
 *
 * Each header carries base, the oldest seq the sender still holds. Every
 * seq below it was acked by every peer or superseded by a later one, so a
 * receiver counts it as done and stops asking for it. That is how a gap
 * left by a superseded datagram (or by a heartbeat, which is never held)
 * closes without bytes being sent twice under one seq.
 *
 * Sender: an entry is freed when every peer in the window acked it. The
 * peers are the caller's: it keeps one struct rel_txpeer in each of its
 * peer slots and lets rel_tx walk them (rel_tx_ops.peer_next), so there
 * is one table of peers and rel_tx holds none. A peer enters the window
 * when first heard (rel_tx_heard) and leaves it when found dead
 * (rel_tx_peer_down: lost if it missed anything) or its slot is freed
 * (rel_tx_peer_del). A nack also acks, selectively, what lies between
 * its ranges (rel_txpeer.bit in each entry). The window
 * holds REL_TX_WINDOW datagrams: the caller stops sending data while
 * rel_tx_room() is 0 (the msg queue keeps coalescing meanwhile). The
 * retransmission timer (REL_RTO_MS, doubling to REL_RTO_MAX_MS) resends
 * the oldest unacked datagram; after REL_MAX_RETRIES without progress, or
 * if the window overflows anyway, the peers that hold it up are marked
 * lost and their entries dropped: the next time such a peer is heard,
 * rel_tx_heard() returns REL_RESYNC and the caller sends it a
 * RESYNC_REQUEST (it then bulk-requests).
 *
 * Receiver (one rel_rx per peer node): tracks the in-order point and a
 * bitmap of REL_RX_WINDOW seqs above it, accepts out of order, drops
 * duplicates, asks for missing ranges (rel_rx_nacks, at once and then
 * every REL_NACK_IVL_MS), acks after REL_ACK_DELAY_MS or REL_ACK_EVERY
 * data datagrams, detects a new session nonce (REL_RESTART: the caller
 * bulk-requests), and gives up on a gap after REL_GAP_TIMEOUT_MS or one
 * wider than the window (REL_RESYNC: the caller bulk-requests). */
#ifndef SYNCD_REL_H
#define SYNCD_REL_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"
#include "state.h"

#define REL_TX_WINDOW		512	/* data datagrams in flight */
#define REL_RX_WINDOW		1024	/* seqs above the in-order point */
#define REL_RTO_MS		200
#define REL_RTO_MAX_MS		3200
#define REL_MAX_RETRIES		6	/* 200+400+...+3200: about 9 s */
#define REL_ACK_DELAY_MS	20
#define REL_ACK_EVERY		8
#define REL_NACK_IVL_MS		100
#define REL_GAP_TIMEOUT_MS	3000

/* rel_rx_recv results and events (bits) */
#define REL_ACCEPT	0x01	/* new: process the datagram */
#define REL_DUP		0x02	/* already had it: drop it */
#define REL_FIRST	0x04	/* first datagram of this peer */
#define REL_RESTART	0x08	/* new session nonce: bulk-request */
#define REL_RESYNC	0x10	/* lost data: bulk-request (rx) or send
				   a RESYNC_REQUEST (tx) */

/* Control messages whose delivery the window guarantees too. */
#define REL_CTL_BULK_END	0x1
#define REL_CTL_RESYNC		0x2
#define REL_CTL_EXPECT		0x4	/* expectations: all sent again */

struct rel_stats {
	uint64_t	 sent;		/* datagrams with data (tx) */
	uint64_t	 retransmits;	/* datagrams superseded (tx) */
	uint64_t	 resent_keys;	/* states requeued (tx) */
	uint64_t	 timeouts;	/* retransmission timer fired (tx) */
	uint64_t	 received;	/* accepted datagrams (rx) */
	uint64_t	 gaps;		/* datagrams found missing (rx) */
	uint64_t	 duplicates;	/* (rx) */
	uint64_t	 nacks;		/* nack messages produced (rx) */
	uint64_t	 resyncs;	/* given up: tx lost peer, rx gap */
	uint64_t	 restarts;	/* peer's new session (rx) */
};

/* One peer's hold on the send window, kept in the caller's peer slot.
 * Zeroed: not in the window (not heard yet, or deleted). */
struct rel_txpeer {
	uint32_t	 node;
	uint32_t	 ack;	/* highest seq acked in order */
	int		 lost;	/* dropped from the window: must resync */
	int		 down;	/* found dead, nothing of ours missed yet */
	uint32_t	 bit;	/* its bit in the entries' selective acks */
};

/* Retransmission: the caller re-reads the current state of key and
 * queues it (msg_queue_update, or msg_queue_delete if it is gone); ctl
 * messages (REL_CTL_*) go into the next datagram. peer_next walks the
 * caller's peers: the first after prev (NULL: the first), NULL at the
 * end; rel_tx skips those not in the window. */
struct rel_tx_ops {
	void	(*resend)(void *arg, const struct sync_key *);
	void	(*resend_ctl)(void *arg, uint32_t ctl);
	struct rel_txpeer *(*peer_next)(void *arg, struct rel_txpeer *prev);
};

struct rel_tx;
struct rel_rx;

static inline int
rel_seq_lt(uint32_t a, uint32_t b)
{
	return ((int32_t)(a - b) < 0);
}

/* --- sender --- */
struct rel_tx	*rel_tx_new(uint32_t self, uint64_t nonce, uint32_t first_seq,
		    const struct rel_tx_ops *, void *arg);
void		 rel_tx_free(struct rel_tx *);
/* Header fields of the next datagram. */
uint32_t	 rel_tx_seq(const struct rel_tx *);
uint32_t	 rel_tx_base(const struct rel_tx *);
/* 1 if a datagram with data may be sent now. */
int		 rel_tx_room(const struct rel_tx *);
/* The datagram with seq rel_tx_seq() went out carrying these keys and
 * ctl bits (msg_built.keys): takes the seq. 0, or REL_RESYNC if the
 * window overflowed. */
int		 rel_tx_sent(struct rel_tx *, const struct sync_key *,
		    size_t nkeys, uint32_t ctl, uint64_t now);
/* Any authenticated datagram from the peer whose slot holds p: enters
 * it in the window as h->node, applies the acks addressed to us.
 * REL_RESYNC if the peer had been lost. */
int		 rel_tx_heard(struct rel_tx *, struct rel_txpeer *,
		    const struct msg_hdr *, uint64_t now);
/* One cumulative ack from a peer in the window (else ignored). */
int		 rel_tx_ack(struct rel_tx *, struct rel_txpeer *, uint32_t seq,
		    uint64_t now);
/* A nack from the peer whose slot holds p (ignored unless addressed to
 * us): resends what it names, and takes what lies between its ranges
 * as received by that peer. */
void		 rel_tx_nack(struct rel_tx *, struct rel_txpeer *,
		    const struct msg_nack *, uint64_t now);
/* Retransmission timer; call at rel_tx_deadline() (0: none pending). */
void		 rel_tx_tick(struct rel_tx *, uint64_t now);
uint64_t	 rel_tx_deadline(const struct rel_tx *);
/* A peer declared dead or its slot freed: p is zeroed, it no longer
 * holds the window. */
void		 rel_tx_peer_del(struct rel_tx *, struct rel_txpeer *);
/* A peer found dead: it no longer holds the window. Lost (told to
 * resync when heard again) if it had not acked everything in flight, or
 * as soon as data goes out while it is down; else it simply rejoins. A
 * peer that only stalled (or whose syncd was frozen) thus costs no bulk
 * when nothing of ours was missed. */
void		 rel_tx_peer_down(struct rel_tx *, struct rel_txpeer *);
size_t		 rel_tx_inflight(const struct rel_tx *);
const struct rel_stats *rel_tx_stats(const struct rel_tx *);

/* --- receiver, one per peer node --- */
struct rel_rx	*rel_rx_new(uint32_t node);
void		 rel_rx_free(struct rel_rx *);
/* A datagram authenticated by seal_verify: REL_* bits. data is
 * (hdr.flags & MSG_F_DATA). */
int		 rel_rx_recv(struct rel_rx *, uint64_t nonce, uint32_t seq,
		    uint32_t base, int data, uint64_t now);
/* The cumulative ack to piggy-back: 1 and out filled, 0 if none yet. */
int		 rel_rx_ack(const struct rel_rx *, struct msg_ack *);
/* 1 if an ack or a nack should go out now even with nothing else to
 * send. */
int		 rel_rx_ack_due(const struct rel_rx *, uint64_t now);
/* The ack went out in a datagram. */
void		 rel_rx_ack_sent(struct rel_rx *);
/* Missing ranges to ask for now: the number of ranges put in out
 * (0: nothing due). */
size_t		 rel_rx_nacks(struct rel_rx *, uint64_t now,
		    struct msg_nack *);
/* Gap timer: REL_RESYNC if a gap was given up. */
int		 rel_rx_tick(struct rel_rx *, uint64_t now);
/* A seq below the highest received is missing. */
int		 rel_rx_gap_open(const struct rel_rx *);
uint64_t	 rel_rx_deadline(const struct rel_rx *);
const struct rel_stats *rel_rx_stats(const struct rel_rx *);

#endif
