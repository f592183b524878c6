/* Replay windows (see replay.h). */
#include <string.h>

#include "replay.h"

static int
replay_bit(const struct replay *r, uint32_t seq)
{
	uint32_t	 b = seq % REPLAY_WINDOW;

	return ((r->seen[b / 64] >> (b % 64)) & 1);
}

static void
replay_setbit(struct replay *r, uint32_t seq, int on)
{
	uint32_t	 b = seq % REPLAY_WINDOW;

	if (on)
		r->seen[b / 64] |= 1ULL << (b % 64);
	else
		r->seen[b / 64] &= ~(1ULL << (b % 64));
}

static int
replay_retired(const struct replay *r, uint64_t nonce)
{
	size_t	 i;

	for (i = 0; i < r->nretired && i < REPLAY_RETIRED; i++)
		if (r->retired[i] == nonce)
			return (1);
	return (0);
}

/* A new session: remember the old nonce, start over. */
static void
replay_session(struct replay *r, uint64_t nonce, uint32_t seq)
{
	if (r->started)
		r->retired[r->nretired++ % REPLAY_RETIRED] = r->nonce;
	r->started = 1;
	r->nonce = nonce;
	r->top = seq;
	memset(r->seen, 0, sizeof(r->seen));
	replay_setbit(r, seq, 1);
}

/* seq ahead of top slides the window; behind it, the bit says whether
 * it was seen. */
static enum replay_result
replay_window(struct replay *r, uint32_t seq)
{
	int32_t		 d = (int32_t)(seq - r->top);
	uint32_t	 i;

	if (d > 0) {
		if (d >= REPLAY_WINDOW)
			memset(r->seen, 0, sizeof(r->seen));
		else
			for (i = 1; i <= (uint32_t)d; i++)
				replay_setbit(r, r->top + i, 0);
		r->top = seq;
	} else if (d <= -REPLAY_WINDOW || replay_bit(r, seq))
		return (REPLAY_SEEN);
	replay_setbit(r, seq, 1);
	return (REPLAY_OK);
}

enum replay_result
replay_check(struct replay *r, uint64_t nonce, uint32_t seq)
{
	if (r->started && r->nonce == nonce)
		return (replay_window(r, seq));
	if (replay_retired(r, nonce))
		return (REPLAY_SEEN);
	replay_session(r, nonce, seq);
	return (REPLAY_NEW);
}
