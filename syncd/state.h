/* One conntrack state as syncd carries it: the seam between the kernel
 * side (ct.c, libnetfilter_conntrack) and the wire (msg.c, protobuf-c).
 * Plain data, host byte order for integers, addresses in network order.
 *
 *   ct.c    kernel events/dump -> struct sync_state -> kernel apply
 *   msg.c   struct sync_state <-> proto/sync.proto, batching, coalescing
 *   rel.c   sequence numbers, acks, retransmission, gaps
 *   auth.c  datagram HMAC-SHA256, session nonce, replay window
 *   link.c  transport ops: unicast to syncpeer or multicast on syncdev
 *   bulk.c  bulk sync at start/resync, demote holds on carpd
 *   defer.c NFQUEUE hold of a new connection's first packet
 *   control.c  control socket (carpctl sync ...)
 *   syncd.c main and event loop */
#ifndef SYNCD_STATE_H
#define SYNCD_STATE_H

#include <netinet/in.h>
#include <stdint.h>

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

/* A state is identified by its original tuple, protocol and zone. */
int		 sync_state_key_equal(const struct sync_state *,
		    const struct sync_state *);
uint32_t	 sync_key_hash(const struct sync_key *);

#endif
