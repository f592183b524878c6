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
};

struct own_info {
	enum own_origin	 origin;
	uint32_t	 gen;		/* overrun sweep generation */
	uint32_t	 sent_timeout;	/* LOCAL: timeout when last sent */
	uint64_t	 sent_ms;	/* LOCAL: when (monotonic ms) */
};

struct own;

struct own	*own_new(void);
void		 own_free(struct own *);
struct own_info	*own_get(const struct own *, const struct sync_key *);
struct own_info	*own_put(struct own *, const struct sync_key *);
void		 own_del(struct own *, const struct sync_key *);
size_t		 own_count(const struct own *);
size_t		 own_count_origin(const struct own *, enum own_origin);
void		 own_walk(struct own *, int (*)(const struct sync_key *,
		    struct own_info *, void *), void *);

#endif
