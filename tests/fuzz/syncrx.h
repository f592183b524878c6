/* What the sync targets (fuzz_sync, fuzz_seal, fuzz_ct) and the seed
 * generator share: the test key, the receive path of a datagram, and the
 * checks applied to everything the decoder hands out. */
#ifndef CARP_FUZZ_SYNCRX_H
#define CARP_FUZZ_SYNCRX_H

#include "fuzz.h"
/* The one place the sync codec is included. */
#include "sync.h"
#include "syncd/queue.h"
#include "syncd/replay.h"
#include "syncd/seal.h"

/* The sync targets' shared secret, and the receiver's own node id. The
 * seeds in tests/fuzz/corpus/seal are sealed with this key. */
#define FUZZ_KEY	"carp fuzz test key, never a real one"
#define FUZZ_KEYLEN	(sizeof(FUZZ_KEY) - 1)
#define FUZZ_SELF	0x5e1f
/* The receiver's session nonce (fuzz_rx's engine): the seeds acknowledge
 * FUZZ_SELF at it, so the engine takes them as fresh. */
#define FUZZ_NONCE	0x1111

/* Replay windows kept, one per sending node, as peer.c keeps them. */
#define FUZZ_PEERS	4

/* A received datagram, as syncd's engine takes it (syncd/rx.c):
 * seal_verify, msg_decode, then msg_dispatch, whose header callback
 * refuses our own node and moves the sender's replay window
 * (replay.h); then every callback checks what it got (valid state,
 * encode -> decode gives it back unchanged). */
struct fuzz_rx {
	struct seal		*seal;
	struct msg_dgram	*dgram;		/* the decode arena */
	struct {
		uint32_t	 node;
		struct replay	 replay;
	}			 peer[FUZZ_PEERS];
	size_t			 npeers;
	int			 accepted;
};
/* seal_new with the test key and the decode arena; fuzz_rx_free. */
void	 fuzz_rx_init(struct fuzz_rx *);
void	 fuzz_rx_free(struct fuzz_rx *);
extern const struct msg_cb fuzz_msg_cb;
void	 fuzz_rx_datagram(struct fuzz_rx *, const uint8_t *, size_t);

/* Each record of an input (fuzz.h) is a datagram payload: seal it with
 * the test key, as a peer holding the key would, and hand it to fn in
 * exactly its bytes on the heap (ASan sees any read past its end). */
void	 fuzz_sealed_records(const uint8_t *, size_t,
	    void (*fn)(const uint8_t *, size_t, void *), void *);

/* Encode a valid state into a datagram and decode it: it must come back
 * byte for byte. */
void	 fuzz_state_roundtrip(const struct sync_state *);
/* The fields of a state on stderr, for a failing property. */
void	 fuzz_state_print(const char *, const struct sync_state *);

#endif
