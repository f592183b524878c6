/* The packets defer holds (docs/PROTOCOL.md, section 6.12), in arrival
 * order, and what lets each go: the peer's ack of the datagram that
 * carried its state, the arrival of the peer's state it waits for, or
 * its deadline. No kernel here (defer.c gives the verdicts): the rules
 * are unit-tested as they run. */
#ifndef SYNCD_DEFER_RING_H
#define SYNCD_DEFER_RING_H

#include <stdint.h>

#include "defer.h"
#include "sync.h"

enum defer_wait {
	DEFER_W_ACK = 0,	/* the peer's ack of token */
	DEFER_W_STATE,		/* a peer's state for flow */
	DEFER_W_READY,		/* that state came: out once applied */
};

struct defer_pkt {
	uint32_t		 id;		/* kernel packet id */
	uint32_t		 token;		/* DEFER_W_ACK: the seq */
	uint64_t		 deadline;	/* monotonic ms */
	enum defer_wait		 wait;
	struct defer_flow	 flow;		/* DEFER_W_STATE, READY */
};

struct defer_ring {
	/* FIFO: equal timeouts make deadlines ascend with position */
	struct defer_pkt	 held[DEFER_MAX];
	unsigned		 head;
	unsigned		 n;
	unsigned		 states;	/* W_STATE and W_READY held */
	void			(*verdict)(uint32_t id, void *arg);
	void			*arg;
};

void	 defer_ring_init(struct defer_ring *, void (*)(uint32_t, void *),
	    void *);
int	 defer_ring_full(const struct defer_ring *);
void	 defer_ring_hold_ack(struct defer_ring *, uint32_t id,
	    uint32_t token, uint64_t deadline);
void	 defer_ring_hold_state(struct defer_ring *, uint32_t id,
	    const struct defer_flow *, uint64_t deadline);
/* Each returns how many packets it let go. */
unsigned defer_ring_ack(struct defer_ring *, uint32_t token);
unsigned defer_ring_applied(struct defer_ring *);
unsigned defer_ring_expire(struct defer_ring *, uint64_t now);
unsigned defer_ring_flush(struct defer_ring *);
/* A peer's state for f is being applied: the packets waiting for it go
 * at the next defer_ring_applied. How many were waiting. */
unsigned defer_ring_arrived(struct defer_ring *, const struct defer_flow *);
/* The oldest deadline; 0 if nothing is held. */
uint64_t defer_ring_due(const struct defer_ring *);
int	 defer_flow_equal(const struct defer_flow *,
	    const struct defer_flow *);
/* The flow a first reply of s is held under (defer_parse's form): the
 * reply tuple, NAT binding included, turned back to the original
 * direction. */
void	 defer_state_flow(const struct sync_state *, struct defer_flow *);
/* The other way: the key a held packet's flow names, by its orig tuple
 * (reply 0), or by the reply tuple the packet itself carries before NAT
 * is undone (reply 1, for ct_get_reply). */
void	 defer_flow_key(const struct defer_flow *, int reply,
	    struct sync_state *);

#endif
