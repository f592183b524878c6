/* syncd delay queue (`sync-delay`): the local states too young to be
 * sent yet, by key, in order of creation (docs/PROTOCOL.md, "Short-lived
 * states"). An entry is the key and the time its delay ends, nothing of
 * the state: the state goes as the kernel has it when the delay ends
 * (table.c reads it then), so its latest value is sent once and a state
 * that dies young costs no more than its entry.
 *
 * An entry is YOUNG while its delay runs. One whose delay ended while
 * the kernel no longer had the state, its DESTROY event not read yet,
 * stays a while as GONE, so that the late event sends nothing either. */
#ifndef SYNCD_DELAY_H
#define SYNCD_DELAY_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"

enum delay_kind {
	DELAY_NONE = 0,		/* not in the queue */
	DELAY_YOUNG,
	DELAY_GONE,
};

struct delay;

/* A queue of at most limit entries. */
struct delay	*delay_new(size_t limit);
void		 delay_free(struct delay *);
/* Append k, due at due_ms (no earlier than the tail's: every entry has
 * the same delay). -1 with ENOBUFS when full, EEXIST if k is queued. */
int		 delay_add(struct delay *, const struct sync_key *,
		    uint64_t due_ms, enum delay_kind);
enum delay_kind	 delay_get(const struct delay *, const struct sync_key *);
/* Remove k; what it was (DELAY_NONE: it was not queued). */
enum delay_kind	 delay_del(struct delay *, const struct sync_key *);
/* Take the head if it is due at now: its key and kind, or DELAY_NONE. */
enum delay_kind	 delay_pop(struct delay *, uint64_t now, struct sync_key *);
/* When the head is due, 0 if empty. */
uint64_t	 delay_next(const struct delay *);
size_t		 delay_len(const struct delay *);

#endif
