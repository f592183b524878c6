/* syncd outbound queue: one entry per state key, FIFO order, the latest
 * value wins; and the building of datagrams from it.
 *
 * ct.c events go into the queue. msg_build() packs the header, the
 * control messages and as many queued entries as fit in one datagram and
 * returns the keys it packed, for rel.c's window. The caller seals and
 * sends, then calls msg_build() again at once while it says more is
 * pending and a datagram filled up, and at least every 100 ms otherwise.
 * Only the sending side touches the queue. */
#ifndef SYNCD_QUEUE_H
#define SYNCD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"

/* What msg_build packed. */
struct msg_built {
	size_t		 len;		/* bytes written to the buffer */
	size_t		 nkeys;		/* states (updates and deletes) */
	struct sync_key	 keys[MSG_MAXITEMS];
	int		 more;		/* entries still queued */
};

struct msg_queue;

/* Outbound queue of at most limit entries. msg_queue_update,
 * msg_queue_create and msg_queue_delete return -1 with errno ENOBUFS
 * when a new key would exceed the limit: the caller drops the change and
 * falls back to a resync. Coalescing an already queued key never fails.
 *
 * msg_queue_create is an update of a state no peer has had from us: if
 * its delete comes while it is still queued, both cancel out and
 * msg_queue_delete returns 1 (0 when the delete is queued). */
struct msg_queue *msg_queue_new(size_t limit);
void	 msg_queue_free(struct msg_queue *);
int	 msg_queue_update(struct msg_queue *, const struct sync_state *);
int	 msg_queue_create(struct msg_queue *, const struct sync_state *);
int	 msg_queue_delete(struct msg_queue *, const struct sync_key *);
size_t	 msg_queue_len(const struct msg_queue *);
void	 msg_queue_clear(struct msg_queue *);

/* Pack hdr, ctl (may be NULL) and queued entries (none if the queue is
 * NULL) into buf (room bytes at most: mtu minus IP/UDP overhead minus
 * SEAL_TAGLEN). Packed entries leave the queue and are listed in out.
 * 0 on success, -1 (EMSGSIZE) if the header and control messages alone
 * do not fit, or room cannot take even the first queued entry. */
int	 msg_build(struct msg_queue *, const struct msg_hdr *,
	    const struct msg_ctl *, uint8_t *buf, size_t room,
	    struct msg_built *out);

#endif
