/* Identity of a conntrack state: original tuple, protocol, zone. */
#include <string.h>
#include <sys/socket.h>

#include "state.h"

int
sync_state_key_equal(const struct sync_state *a, const struct sync_state *b)
{
	return (a->family == b->family && a->l4proto == b->l4proto &&
	    a->zone == b->zone &&
	    memcmp(&a->orig, &b->orig, sizeof(a->orig)) == 0);
}

/* FNV-1a over the key's bytes (keys are zero-filled, so equal keys hash
 * equal): cheap and good enough for the chained tables keyed by state. */
uint32_t
sync_key_hash(const struct sync_key *k)
{
	const uint8_t	*p = (const uint8_t *)k;
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return (h);
}
