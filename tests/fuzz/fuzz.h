/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c) and the
 * seed generator: the test key, input splitting, and the checks every
 * sync target applies to what the decoder hands out. */
#ifndef CARP_FUZZ_H
#define CARP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The one place the sync codec is included: proto/sync.h once it moves. */
#include "syncd/msg.h"
#include "syncd/seal.h"

/* The sync targets' shared secret, and the receiver's own node id. The
 * seeds in tests/fuzz/corpus/seal are sealed with this key. */
#define FUZZ_KEY	"carp fuzz test key, never a real one"
#define FUZZ_KEYLEN	(sizeof(FUZZ_KEY) - 1)
#define FUZZ_SELF	0x5e1f

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A broken property: print why and abort, so libFuzzer saves the input. */
void	 fuzz_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* A stream that swallows what the code under test prints. */
FILE	*fuzz_devnull(void);

/* Records of an input: a 2-byte big-endian length, then that many bytes
 * (fewer if the input ends first). 0 and the next record in *rec and
 * *rlen, or -1 at the end. */
int	 fuzz_record(const uint8_t **p, size_t *n, const uint8_t **rec,
	    size_t *rlen);
/* Append one record to buf (cap bytes): the new length, or 0. */
size_t	 fuzz_record_put(uint8_t *buf, size_t len, size_t cap,
	    const uint8_t *rec, size_t rlen);

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
