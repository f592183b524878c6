/* Identity of a conntrack state inside syncd: the tables keyed by state
 * (queue.c, rel.c, own.c) hash and compare with these. The state itself,
 * struct sync_state, is the wire codec's (proto/sync.h).
 *
 *   ct.c, ct_*.c  kernel events/dump -> struct sync_state -> kernel apply
 *   proto/sync.c  struct sync_state <-> proto/sync.proto datagrams
 *   queue.c  outbound coalescing queue, datagram filling
 *   rel.c    sequence numbers, acks, retransmission, gaps
 *   seal.c   datagram tag (HMAC-SHA256-128), nothing else
 *   replay.c one peer session's replay window
 *   link.c   transport ops: unicast to syncpeer or multicast on syncdev
 *   nft.c    the defer rule in nftables
 *   defer.c  NFQUEUE hold of a new connection's first replies
 *   own.c    which node owns a state
 *   the engine's modules (engine.c, peer.c, table.c, tx.c, rx.c,
 *   refresh.c, carpwatch.c, bulk.c, control.c, syncd.c): see syncd.h */
#ifndef SYNCD_STATE_H
#define SYNCD_STATE_H

#include <stdint.h>

#include "sync.h"

struct siphash_key;

/* A state is identified by its original tuple, protocol and zone. */
int		 sync_state_key_equal(const struct sync_state *,
		    const struct sync_state *);
/* Keyed hash of a state key (SipHash-1-3). The key is random from
 * sync_key_hash_init(), called once before any table holds a state
 * (-1 if getrandom failed); sync_key_hash_setkey() is for the tests. */
uint32_t	 sync_key_hash(const struct sync_key *);
/* The whole 64 bits, for own.c, which keeps the hash instead of the key. */
uint64_t	 sync_key_hash64(const struct sync_key *);
int		 sync_key_hash_init(void);
void		 sync_key_hash_setkey(const struct siphash_key *);

#endif
