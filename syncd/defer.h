/* defer (docs/PROTOCOL.md, section 6.12): hold a new forwarded
 * connection until the peer acknowledges its state (pfsync's defer), or
 * until the timeout. What is held is the connection's first reply
 * packets (see nft.c for why). With asymmetric paths, also a TCP
 * connection's first reply that arrives before the peer's state for it
 * (defer_ring.c). At most DEFER_MAX held at once; beyond that packets
 * pass and are counted. */
#ifndef SYNCD_DEFER_H
#define SYNCD_DEFER_H

#include <stdint.h>
#include <event2/event.h>

#include <netinet/in.h>

/* The connection a held packet belongs to, in its original direction
 * (the reply packet's addresses and ports swapped). */
struct defer_flow {
	int		 family;
	uint8_t		 l4proto;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 src, dst;
	uint16_t	 sport, dport;	/* host order */
};

#define DEFER_MAX	128
#define DEFER_QUEUE	8372	/* NFQUEUE number */

/* What to do with a queued packet. reply (forward hook, a new
 * connection's reply): return 0 and set *token (the sequence number
 * that carries the state to the peer) to hold the packet until
 * defer_ack(token); -1 to let it pass. first (before conntrack, a TCP
 * SYN-ACK; NULL: not queued at all): 0 to hold it until the peer's state
 * for the flow is applied (defer_arrived, then defer_applied); -1 to
 * let it pass. */
struct defer_ops {
	int	(*reply)(const struct defer_flow *, uint32_t *token, void *);
	int	(*first)(const struct defer_flow *, void *);
};
/* Parse an IP packet into the flow it answers; -1 if it is not one. */
int	defer_parse(const uint8_t *, size_t, int family, struct defer_flow *);

struct defer_stats {
	uint64_t	 deferred;	/* packets held */
	uint64_t	 released;	/* by the peer's ack or state */
	uint64_t	 timeouts;	/* released by the timeout */
	uint64_t	 overflows;	/* passed at once: queue full */
	uint64_t	 passed;	/* passed at once: callback said so */
	uint64_t	 errors;
	unsigned	 queued;	/* held now */
};

int	defer_init(struct event_base *, uint16_t queue, unsigned timeout_ms,
	    const struct defer_ops *, void *arg);
/* A peer's state is being applied: a first reply waiting for it (the
 * flow as defer_state_flow gives it) goes once defer_applied() says the
 * kernel has it. */
void	defer_arrived(const struct defer_flow *);
void	defer_applied(void);
/* The peer acknowledged everything up to token (serial arithmetic). */
void	defer_ack(uint32_t token);
/* Let everything held pass at once (peer gone, shutdown). */
void	defer_flush(void);
void	defer_cleanup(void);
const struct defer_stats *defer_stats(void);

#endif
