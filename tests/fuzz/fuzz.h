/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c) and the
 * seed generator: failing a property, input splitting. */
#ifndef CARP_FUZZ_H
#define CARP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
