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

/* FNV-1a over the identifying fields: cheap and good enough for a
 * chained hash table keyed by tuple. */
uint32_t
sync_state_hash(const struct sync_state *s)
{
	const uint8_t	*p = (const uint8_t *)&s->orig;
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = 0; i < sizeof(s->orig); i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ s->family) * 16777619u;
	h = (h ^ s->l4proto) * 16777619u;
	h = (h ^ (s->zone & 0xff)) * 16777619u;
	h = (h ^ (s->zone >> 8)) * 16777619u;
	return (h);
}
