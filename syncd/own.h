/* Origin of each known state (see own.c; the rules: docs/PROTOCOL.md,
 * section 6.9). */
#ifndef SYNCD_OWN_H
#define SYNCD_OWN_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

enum own_origin {
	OWN_LOCAL = 0,	/* this node's kernel created or last changed it */
	OWN_PEER,	/* injected from a peer's update */
	OWN_UNKNOWN,	/* in the table before syncd started */
	OWN_GONE,	/* deleted here while a table walk ran (table.c) */
};

/* 8 bytes a state, packed: a million states are a million of these. */
#define OWN_GEN_MASK	0x3f		/* gen keeps the low 6 bits */
#define OWN_TIMEOUT_MAX	0x7fffff	/* sent_timeout saturates (97 d) */

struct own_info {
	uint32_t	 origin:2;	/* enum own_origin */
	uint32_t	 gen:6;		/* overrun sweep generation, masked */
	uint32_t	 newer:1;	/* an event changed it while a walk ran */
	uint32_t	 sent_timeout:23; /* LOCAL: timeout (s) when last sent */
	uint32_t	 sent_s;	/* LOCAL: when (monotonic seconds) */
};

struct own;

struct own	*own_new(void);
void		 own_free(struct own *);
/* The pointers stay valid until the next own_put or own_del. */
struct own_info	*own_get(const struct own *, const struct sync_key *);
struct own_info	*own_put(struct own *, const struct sync_key *);
struct own_info	*own_put_new(struct own *, const struct sync_key *, int *);
/* A hint: start loading k's slot. Each lookup in a table of a million
 * records misses the cache; a batch that prefetches all its keys first
 * waits for those misses together instead of one after another. */
void		 own_prefetch(const struct own *, const struct sync_key *);
void		 own_del(struct own *, const struct sync_key *);
size_t		 own_count(const struct own *);
size_t		 own_count_origin(const struct own *, enum own_origin);
size_t		 own_count_unmarked(const struct own *, enum own_origin,
		    uint32_t);
size_t		 own_bytes(const struct own *);
void		 own_walk(struct own *, int (*)(struct own_info *, void *),
		    void *);
/* The stored forms of a sweep generation and a timeout. */
uint32_t	 own_gen(uint32_t);
uint32_t	 own_timeout(uint32_t);

#endif
