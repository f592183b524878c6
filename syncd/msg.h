/* syncd messages: struct sync_state <-> proto/sync.proto, the coalescing
 * outbound queue, datagram building and parsing.
 *
 * Outbound: ct.c events go into a msg_queue (one entry per state key,
 * FIFO order, the latest value wins). msg_build() packs the header, the
 * control messages and as many queued entries as fit in one datagram and
 * returns the keys it packed, for rel.c's window. The caller seals and
 * sends, then calls msg_build() again at once while it says more is
 * pending and a datagram filled up, and at least every 100 ms otherwise.
 *
 * Inbound: seal_check() authenticates first (it peeks at the header with
 * msg_peek_header()), then msg_parse() validates the whole datagram
 * before it calls a single callback: a malformed datagram is rejected as
 * a whole and never reaches the kernel table. */
#ifndef SYNCD_MSG_H
#define SYNCD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define SYNC_WIRE_VERSION	1
#define MSG_MAXDGRAM		65507	/* largest UDP payload */
#define MSG_MAXITEMS		512	/* states per datagram (9000 MTU) */
#define MSG_MAXPEERS		16	/* acks/nacks per datagram */
#define MSG_MAXRANGES		16	/* nack ranges per peer */
#define MSG_F_DATA		0x1	/* header flag: ack this datagram */
#define MSG_F_ACKNOW		0x2	/* ack at once: a connection waits */

/* Overhead under a datagram: IPv6 (40) or IPv4 (20) plus UDP (8). The
 * caller passes room = mtu - MSG_OVERHEAD_V? - SEAL_TAGLEN. */
#define MSG_OVERHEAD_V4		28
#define MSG_OVERHEAD_V6		48

struct msg_ack {
	uint32_t	 node;
	uint64_t	 nonce;
	uint32_t	 seq;
};

struct msg_hdr {
	uint32_t	 version;	/* filled by msg_build/msg_parse */
	uint64_t	 nonce;
	uint32_t	 node;
	uint32_t	 seq;
	uint32_t	 base;
	uint32_t	 flags;		/* MSG_F_DATA set by msg_build */
	size_t		 acks_len;
	struct msg_ack	 acks[MSG_MAXPEERS];
};

struct msg_range {
	uint32_t	 first;
	uint32_t	 count;
};

struct msg_nack {
	uint32_t	 node;
	size_t		 nranges;
	struct msg_range ranges[MSG_MAXRANGES];
};

/* Control messages of one datagram, besides the states. */
struct msg_ctl {
	int		 bulk_request;
	int		 bulk_end;
	int		 heartbeat;
	uint32_t	 heartbeat_ms;
	int		 resync;
	uint32_t	 resync_node;	/* 0: every peer */
	size_t		 nnacks;
	struct msg_nack	 nacks[MSG_MAXPEERS];
};

/* What msg_build packed. */
struct msg_built {
	size_t		 len;		/* bytes written to the buffer */
	size_t		 nkeys;		/* states (updates and deletes) */
	struct sync_key	 keys[MSG_MAXITEMS];
	int		 more;		/* entries still queued */
};

/* Inbound callbacks; any may be NULL. header() runs first: a nonzero
 * return stops the parse (replay, duplicate) and msg_parse returns it. */
struct msg_cb {
	int	(*header)(void *, const struct msg_hdr *);
	void	(*nack)(void *, const struct msg_hdr *,
		    const struct msg_nack *);
	void	(*resync)(void *, const struct msg_hdr *, uint32_t node);
	void	(*bulk_request)(void *, const struct msg_hdr *);
	void	(*heartbeat)(void *, const struct msg_hdr *, uint32_t ms);
	void	(*update)(void *, const struct msg_hdr *,
		    const struct sync_state *);
	void	(*delete)(void *, const struct msg_hdr *,
		    const struct sync_key *);
	void	(*bulk_end)(void *, const struct msg_hdr *);
};

struct msg_queue;

/* The key of a state; zero-filled so keys compare with memcmp. */
void	 msg_state_key(const struct sync_state *, struct sync_key *);
int	 msg_key_equal(const struct sync_key *, const struct sync_key *);

/* Outbound queue of at most limit entries. queue_update/queue_delete
 * return -1 with errno ENOBUFS when a new key would exceed the limit:
 * the caller drops the change and falls back to a resync. Coalescing an
 * already queued key never fails. */
struct msg_queue *msg_queue_new(size_t limit);
void	 msg_queue_free(struct msg_queue *);
int	 msg_queue_update(struct msg_queue *, const struct sync_state *);
int	 msg_queue_delete(struct msg_queue *, const struct sync_key *);
size_t	 msg_queue_len(const struct msg_queue *);
void	 msg_queue_clear(struct msg_queue *);

/* Pack hdr, ctl (may be NULL) and queued entries (none if the queue is
 * NULL) into buf (room bytes
 * at most: mtu minus IP/UDP overhead minus SEAL_TAGLEN). Packed entries
 * leave the queue and are listed in out. 0 on success, -1 (EMSGSIZE) if
 * the header and control messages alone do not fit, or room cannot take
 * even the first queued entry. */
int	 msg_build(struct msg_queue *, const struct msg_hdr *,
	    const struct msg_ctl *, uint8_t *buf, size_t room,
	    struct msg_built *out);

/* Decode the header only (for seal_check). 0, or -1 if malformed. */
int	 msg_peek_header(const uint8_t *, size_t, struct msg_hdr *);

/* Validate the whole datagram, then call cb in the documented order.
 * 0, -1 if malformed (then no callback ran at all), or the
 * nonzero value cb->header returned. */
int	 msg_parse(const uint8_t *, size_t, const struct msg_cb *, void *);

/* Conversions, exposed for the tests and for ct.c's own checks. */
int	 msg_state_valid(const struct sync_state *);

#endif
