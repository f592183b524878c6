/* SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a keyed hash for hash tables whose keys an attacker chooses.
 * Without the 128-bit key an attacker cannot tell which inputs collide,
 * so cannot fill one bucket. SipHash-1-3 (1 compression round, 3
 * finalization rounds) is what Python, Rust and the Linux kernel's
 * hsiphash use for tables; SipHash-2-4 is the paper's PRF, here for the
 * test vectors of the same code. */
#ifndef CARP_SIPHASH_H
#define CARP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t	 k0, k1;
};

uint64_t	 siphash13(const struct siphash_key *, const void *, size_t);
uint64_t	 siphash24(const struct siphash_key *, const void *, size_t);
/* A key from the kernel's random pool; -1 if getrandom failed. */
int		 siphash_key_random(struct siphash_key *);

#endif
