/* What the sync targets (fuzz_sync, fuzz_seal, fuzz_ct) and the seed
 * generator share: the test key, the receive path of a datagram, and the
 * checks applied to everything the decoder hands out. */
#ifndef CARP_FUZZ_SYNCRX_H
#define CARP_FUZZ_SYNCRX_H

#include "fuzz.h"
/* The one place the sync codec is included: proto/sync.h once it moves. */
#include "syncd/msg.h"
#include "syncd/seal.h"

/* The sync targets' shared secret, and the receiver's own node id. The
 * seeds in tests/fuzz/corpus/seal are sealed with this key. */
#define FUZZ_KEY	"carp fuzz test key, never a real one"
#define FUZZ_KEYLEN	(sizeof(FUZZ_KEY) - 1)
#define FUZZ_SELF	0x5e1f

/* A received datagram, as syncd's engine takes it after seal_check:
 * seal_accept from the header callback, then every callback checks what
 * it got (valid state, encode -> decode gives it back unchanged). */
struct fuzz_rx {
	struct seal	*seal;
	struct seal_info info;
	int		 accepted;
};
extern const struct msg_cb fuzz_msg_cb;
void	 fuzz_rx_datagram(struct fuzz_rx *, const uint8_t *, size_t);

/* Encode a valid state into a datagram and decode it: it must come back
 * byte for byte. */
void	 fuzz_state_roundtrip(const struct sync_state *);
/* The fields of a state on stderr, for a failing property. */
void	 fuzz_state_print(const char *, const struct sync_state *);

#endif
