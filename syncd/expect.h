/* Expectation replication (docs/PROTOCOL.md, section 6.16): the engine
 * side of ct_expect.h. Both directions are small queues, not tables:
 * expectations live seconds to minutes and the kernel is their store.
 *
 *   out  the kernel's NEW/DESTROY events, coalesced by key, sent in
 *        datagrams of their own through the reliability window; a
 *        repair, a bulk or an event overrun sends the whole kernel list
 *        again (a dump)
 *   in   the peer's expectations, applied after the states of the same
 *        datagram (their masters); one whose master is not here yet
 *        waits, retried with the datagrams, EXPECT_WAIT_MS at most */
#ifndef SYNCD_EXPECT_H
#define SYNCD_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "sync.h"

#define EXPECT_QMAX		256	/* each way, and keys made for peers */
#define EXPECT_WAIT_MS		10000	/* for a master, then dropped */
#define EXPECT_RETRY_MS		100	/* between attempts while waiting */

struct syncd;

/* After tx_start. With `expectations no`, nothing is opened and the
 * peer's expectations are dropped (counted). */
int	 expect_start(struct syncd *);
void	 expect_stop(struct syncd *);
/* Send what waits while the window has room (syncd_flush calls it). */
void	 expect_flush(struct syncd *);
/* Send every kernel expectation again at the next flush. */
void	 expect_resend_all(struct syncd *, const char *why);
/* rx: one of the peer's, queued until expect_apply. */
void	 expect_peer(struct syncd *, int del, const struct sync_expect *);
/* rx: apply what came and retry what waits (every EXPECT_RETRY_MS),
 * after the states went in. */
void	 expect_apply(struct syncd *, uint64_t now);
size_t	 expect_waiting(const struct syncd *);

#endif
