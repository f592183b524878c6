/* syncd wire codec: struct sync_state <-> proto/sync.proto datagrams
 * (the protocol's rules: docs/PROTOCOL.md).
 *
 * Outbound: msg_out_begin() reserves the header and control messages,
 * msg_out_update()/msg_out_delete() append states while they fit, and
 * msg_out_end() writes the header with its final flags. Nothing is
 * allocated; the caller (syncd/queue.c) decides what goes in.
 *
 * Inbound: msg_decode() unpacks a datagram once, into a buffer the
 * caller keeps, and checks its header; msg_dispatch() validates the
 * rest as a whole before it calls a single callback, so a malformed
 * datagram never reaches the kernel table. Every byte from the peer is
 * untrusted: no length is believed. */
#ifndef PROTO_SYNC_H
#define PROTO_SYNC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* one conntrack state: the seam between the kernel side (syncd/ct*.c,
 * libnetfilter_conntrack) and the wire. Plain data, host byte order for
 * integers, addresses in network order. */

union sync_addr {
	struct in_addr		 v4;
	struct in6_addr		 v6;
	uint8_t			 b[16];
};

struct sync_tuple {
	union sync_addr		 src;
	union sync_addr		 dst;
	uint16_t		 sport;		/* TCP/UDP/SCTP/DCCP ports */
	uint16_t		 dport;
	uint16_t		 icmp_id;	/* ICMP/ICMPv6 */
	uint8_t			 icmp_type;
	uint8_t			 icmp_code;
};

enum sync_op {
	SYNC_OP_UPDATE = 0,	/* create or update: the latest value wins */
	SYNC_OP_DELETE,
};

#define SYNC_HELPER_LEN		16
#define SYNC_LABELS_LEN		16	/* 128 bits */

struct sync_state {
	uint8_t			 family;	/* AF_INET, AF_INET6 */
	uint8_t			 l4proto;	/* IPPROTO_* */
	uint16_t		 zone;
	struct sync_tuple	 orig;
	struct sync_tuple	 reply;		/* carries the NAT binding */
	uint32_t		 status;	/* IPS_* bits */
	uint32_t		 mark;
	uint32_t		 timeout;	/* seconds left on the sender */
	/* protocol state */
	uint8_t			 tcp_state;
	uint8_t			 tcp_wscale_orig;
	uint8_t			 tcp_wscale_repl;
	uint8_t			 tcp_flags_orig;
	uint8_t			 tcp_flags_repl;
	uint8_t			 sctp_state;
	uint32_t		 sctp_vtag_orig;
	uint32_t		 sctp_vtag_repl;
	uint8_t			 dccp_state;
	uint8_t			 has_labels;
	uint8_t			 labels[SYNC_LABELS_LEN];
	char			 helper[SYNC_HELPER_LEN];	/* "" if none */
	/* wire only: the sender passes on a state it does not own (bulk,
	 * resend after an overrun); it never takes one from its owner */
	uint8_t			 relay;
};

/* The identity of a state alone: what a delete carries on the wire and
 * what the reliability window (rel.c) remembers per datagram, so that a
 * retransmission re-reads the current state instead of stale bytes. */
struct sync_key {
	uint8_t			 family;
	uint8_t			 l4proto;
	uint16_t		 zone;
	struct sync_tuple	 orig;
};

/* One conntrack expectation (docs/PROTOCOL.md, section 6.16): what a
 * helper (ftp, sip, ...) told the kernel to wait for, under the master
 * entry whose orig tuple is master. An ExpectDelete carries the key
 * only: family, exp_l4proto, zone, tuple. */
#define SYNC_EXPFN_LEN		32

struct sync_expect {
	uint8_t			 family;	/* AF_INET, AF_INET6 */
	uint8_t			 l4proto;	/* the master's */
	uint16_t		 zone;
	struct sync_tuple	 master;
	uint8_t			 exp_l4proto;	/* the expected flow's */
	struct sync_tuple	 tuple;
	struct sync_tuple	 mask;
	uint32_t		 timeout;	/* seconds left on the sender */
	uint32_t		 flags;		/* NF_CT_EXPECT_* */
	uint32_t		 cls;		/* the helper's class */
	char			 helper[SYNC_HELPER_LEN];	/* "" if none */
	char			 fn[SYNC_EXPFN_LEN];	/* "" if none */
	uint8_t			 has_nat;
	uint8_t			 nat_dir;	/* 0 orig, 1 reply */
	struct sync_tuple	 nat;		/* saved src and sport */
};

/* The reply tuple of a flow without NAT: addresses and ports swapped,
 * an ICMP query's type turned into its reply's (echo 8 <-> 0, ICMPv6
 * echo 128 <-> 129, ...) as the kernel's conntrack inverts it. */
void	 sync_tuple_invert(uint8_t l4proto, const struct sync_tuple *,
	    struct sync_tuple *);

/* ------------------------------------------------------------------ */
/* datagram contents */

#define SYNC_WIRE_VERSION	1
#define MSG_MAXDGRAM		65507	/* largest UDP payload */
#define MSG_MAXITEMS		512	/* states per datagram (9000 MTU) */
#define MSG_MAXPEERS		16	/* acks/nacks per datagram */
#define MSG_MAXRANGES		16	/* nack ranges per peer */
#define MSG_RULESET_LEN		16	/* ruleset digest bytes compared */
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
	uint32_t	 version;	/* set by the codec */
	uint64_t	 nonce;
	uint32_t	 node;
	uint32_t	 seq;
	uint32_t	 base;
	uint32_t	 flags;		/* MSG_F_DATA set by msg_out_end */
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
	int		 probe;		/* with heartbeat: a link probe */
	uint32_t	 nlinks;	/* with heartbeat: two sync links */
	uint32_t	 heard;		/* bit i: we hear the peer on link i */
	/* with heartbeat: the ruleset digest's first bytes (0: none) */
	size_t		 ruleset_len;
	uint8_t		 ruleset[MSG_RULESET_LEN];
	int		 resync;
	uint32_t	 resync_node;	/* 0: every peer */
	size_t		 nnacks;
	struct msg_nack	 nacks[MSG_MAXPEERS];
};

/* Inbound callbacks; any may be NULL. header() runs first: a nonzero
 * return stops the dispatch (replay, duplicate) and is returned. The
 * order after it is the one sync.proto documents. */
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
	/* expectations, after the states (their masters) */
	void	(*expect_update)(void *, const struct msg_hdr *,
		    const struct sync_expect *);
	void	(*expect_delete)(void *, const struct msg_hdr *,
		    const struct sync_expect *);
	/* optional: called for each state or deleted key of a chunk of
	 * up to MSG_CHUNK before update/delete is called for them, to
	 * start the lookups (syncd: own_prefetch) */
	void	(*prefetch)(void *, const struct sync_key *);
};

/* ------------------------------------------------------------------ */
/* states */

/* The key of a state; zero-filled so keys compare with memcmp. */
void	 msg_state_key(const struct sync_state *, struct sync_key *);
int	 msg_key_equal(const struct sync_key *, const struct sync_key *);
/* A copy of a key with the address bytes its family leaves unused
 * zeroed, so that it compares and hashes as bytes. */
void	 msg_key_norm(const struct sync_key *, struct sync_key *);
/* What the wire can carry: family, protocol, small fields in range,
 * addresses a real entry can have, a timeout a kernel can hold. The
 * encoder, the send queue and the decoder use the same two checks, so
 * nothing is queued that a peer would refuse (one bad state rejects its
 * whole datagram). */
int	 msg_state_valid(const struct sync_state *);
int	 msg_key_valid(const struct sync_key *);
/* The same for an expectation (full, or only its key for a delete):
 * the master's tuple is a real entry's, the expected tuple and mask
 * may hold wildcards (zeros). */
int	 msg_expect_valid(const struct sync_expect *, int keyonly);

/* ------------------------------------------------------------------ */
/* encode */

/* A datagram being written into the caller's buffer. The header and
 * control messages are read again by msg_out_end: keep them unchanged
 * until then. */
struct msg_out {
	const struct msg_hdr	*hdr;
	const struct msg_ctl	*ctl;
	uint8_t			*buf;
	size_t			 room;
	size_t			 len;		/* bytes written or reserved */
	size_t			 hdrlen;	/* header and control */
	size_t			 hdronly;	/* header alone */
	size_t			 nitems;
};

/* Reserve hdr and ctl (may be NULL) in buf of room bytes (at most
 * MSG_MAXDGRAM are used). 0, or -1 with EINVAL (too many acks, nacks
 * or ranges) or EMSGSIZE (they alone do not fit). */
int	 msg_out_begin(struct msg_out *, const struct msg_hdr *,
	    const struct msg_ctl *, uint8_t *buf, size_t room);
/* Append one state. 0, or -1 with ENOSPC (the datagram is full: send it
 * and go on in the next), EMSGSIZE (it would not fit even a datagram of
 * its own) or EINVAL (not a valid state). */
int	 msg_out_update(struct msg_out *, const struct sync_state *);
int	 msg_out_delete(struct msg_out *, const struct sync_key *);
/* Append one expectation, as msg_out_update (proto/sync_expect.c). */
int	 msg_out_expect_update(struct msg_out *, const struct sync_expect *);
int	 msg_out_expect_delete(struct msg_out *, const struct sync_expect *);
/* Write the header; the datagram's length. MSG_F_DATA is set if the
 * datagram must be acked: it carries states, a bulk end or a resync. */
size_t	 msg_out_end(struct msg_out *);

/* ------------------------------------------------------------------ */
/* decode */

/* Room for the decoded form of a datagram: protobuf-c allocates from it
 * instead of the heap. A bigger datagram spills over to malloc, and
 * msg_dgram_free gives that back. */
#define MSG_ARENA		(64 * 1024)

/* A received datagram, decoded once. hdr is valid after msg_decode
 * returned 0; the rest is the codec's. */
struct msg_dgram {
	struct msg_hdr	 hdr;
	void		*pb;
	size_t		 used;
	int		 spilled;
	_Alignas(16) uint8_t arena[MSG_ARENA];
};

/* Unpack buf and check the header (version, node, acks). 0, or -1 if
 * malformed (then there is nothing to free). */
int	 msg_decode(struct msg_dgram *, const uint8_t *, size_t);
/* Validate the rest of the datagram, then call cb in the documented
 * order. 0, -1 if malformed (then no callback ran at all), or the
 * nonzero value cb->header returned. */
int	 msg_dispatch(struct msg_dgram *, const struct msg_cb *, void *);
/* The nack for node's stream in a decoded datagram: 1 (n filled), 0
 * if there is none, -1 if malformed. For a receiver that handles its
 * own stream's acks and nacks in one place, with the header. */
int	 msg_dgram_nack(const struct msg_dgram *, uint32_t node,
	    struct msg_nack *);
/* 1 if a decoded datagram is a link probe: a heartbeat whose header
 * is no part of the sender's stream. */
int	 msg_dgram_probe(const struct msg_dgram *);
/* The sender's links that hear us (bit i: its link i): 1 and *heard
 * set if the datagram says (it comes from a node of two links), else 0. */
int	 msg_dgram_heard(const struct msg_dgram *, uint32_t *heard);
/* 1 and the first MSG_RULESET_LEN bytes of the sender's ruleset digest
 * if the datagram's heartbeat carries one (docs/PROTOCOL.md 6.18); 0 if
 * it has no heartbeat or its heartbeat carries none (or a short one). */
int	 msg_dgram_ruleset(const struct msg_dgram *,
	    uint8_t digest[MSG_RULESET_LEN]);
/* Release what msg_decode took; the buffer can be reused at once. */
void	 msg_dgram_free(struct msg_dgram *);

/* For tests and tools: the header alone, and decode + dispatch in one
 * call, each a full decode (the daemon decodes once, in rx.c). */
int	 msg_peek_header(const uint8_t *, size_t, struct msg_hdr *);
int	 msg_parse(const uint8_t *, size_t, const struct msg_cb *, void *);

#endif
