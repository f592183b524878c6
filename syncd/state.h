/* Identity of a conntrack state inside syncd: the tables keyed by state
 * (queue.c, rel.c, own.c) hash and compare with these. The state itself,
 * struct sync_state, is the wire codec's (proto/sync.h).
 *
 *   ct.c, ct_*.c  kernel events/dump -> struct sync_state -> kernel apply
 *   proto/sync.c  struct sync_state <-> proto/sync.proto datagrams
 *   queue.c  outbound coalescing queue, datagram filling
 *   rel.c    sequence numbers, acks, retransmission, gaps
 *   seal.c   datagram HMAC-SHA256, session nonce, replay window
 *   link.c   transport ops: unicast to syncpeer or multicast on syncdev
 *   engine.c peers, send and receive, liveness, refresh
 *   bulk.c   bulk sync at start/resync, demote holds on carpd
 *   defer.c  NFQUEUE hold of a new connection's first packet
 *   own.c    which node owns a state
 *   control.c  control socket (carpctl sync ...)
 *   syncd.c  main and event loop */
#ifndef SYNCD_STATE_H
#define SYNCD_STATE_H

#include <stdint.h>

#include "sync.h"

/* A state is identified by its original tuple, protocol and zone. */
int		 sync_state_key_equal(const struct sync_state *,
		    const struct sync_state *);
uint32_t	 sync_key_hash(const struct sync_key *);

#endif
