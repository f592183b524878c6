/* defer (docs/PROTOCOL.md, section 6.12): hold a new forwarded
 * connection until the peer acknowledges its state (pfsync's defer), or
 * until the timeout. What is held is the connection's first reply
 * packets (see nft.c for why). At most DEFER_MAX held at once; beyond
 * that packets pass and are counted. */
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

/* Called for each queued packet. Return 0 and set *token (the sequence
 * number that carries the state to the peer) to hold the packet until
 * defer_ack(token); -1 to let it pass. */
typedef int	(*defer_cb)(const struct defer_flow *, uint32_t *token,
		    void *arg);
/* Parse an IP packet into the flow it answers; -1 if it is not one. */
int	defer_parse(const uint8_t *, size_t, int family, struct defer_flow *);

struct defer_stats {
	uint64_t	 deferred;	/* packets held */
	uint64_t	 released;	/* by the peer's ack */
	uint64_t	 timeouts;	/* released by the timeout */
	uint64_t	 overflows;	/* passed at once: queue full */
	uint64_t	 passed;	/* passed at once: callback said so */
	uint64_t	 errors;
	unsigned	 queued;	/* held now */
};

int	defer_init(struct event_base *, uint16_t queue, unsigned timeout_ms,
	    defer_cb, void *arg);
/* The peer acknowledged everything up to token (serial arithmetic). */
void	defer_ack(uint32_t token);
/* Let everything held pass at once (peer gone, shutdown). */
void	defer_flush(void);
void	defer_cleanup(void);
const struct defer_stats *defer_stats(void);

#endif
