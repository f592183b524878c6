/* The replay window of one peer session (docs/PROTOCOL.md, section
 * 6.4), held per peer by peer.c and moved only for a datagram whose tag
 * verified (seal.c) and that the engine found fresh (it acknowledges
 * our current session).
 *
 * A sliding window of REPLAY_WINDOW sequence numbers below the highest
 * seen (serial arithmetic, RFC 1982): a seq already seen, or older than
 * the window, is a replay. A new nonce (the peer restarted) resets the
 * window; the last REPLAY_RETIRED nonces are refused, so an old session
 * replayed cannot reset it again. See docs/PROTOCOL.md. */
#ifndef SYNCD_REPLAY_H
#define SYNCD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_WINDOW	1024	/* sequence numbers, a multiple of 64 */
#define REPLAY_RETIRED	4

enum replay_result {
	REPLAY_OK = 0,		/* new seq of the current session */
	REPLAY_NEW = 1,		/* first seq of a new session */
	REPLAY_SEEN = -1,	/* seen, too old, or a retired session */
};

struct replay {
	int		 started;
	uint64_t	 nonce;
	uint32_t	 top;		/* highest seq accepted */
	uint64_t	 seen[REPLAY_WINDOW / 64];	/* bit seq % WINDOW */
	uint64_t	 retired[REPLAY_RETIRED];
	size_t		 nretired;
};

/* Record seq of session nonce; a zero-filled struct replay is empty. */
enum replay_result replay_check(struct replay *, uint64_t nonce,
		    uint32_t seq);

#endif
