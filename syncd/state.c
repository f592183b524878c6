/* Identity of a conntrack state: original tuple, protocol, zone. */
#include <string.h>
#include <sys/socket.h>

#include "siphash.h"
#include "state.h"

/* The key of the state tables' hash. Zero until sync_key_hash_init():
 * the unit tests hash with it as it is. */
static struct siphash_key	 sync_hash_key;

int
sync_state_key_equal(const struct sync_state *a, const struct sync_state *b)
{
	return (a->family == b->family && a->l4proto == b->l4proto &&
	    a->zone == b->zone &&
	    memcmp(&a->orig, &b->orig, sizeof(a->orig)) == 0);
}

int
sync_key_hash_init(void)
{
	return (siphash_key_random(&sync_hash_key));
}

void
sync_key_hash_setkey(const struct siphash_key *k)
{
	sync_hash_key = *k;
}

/* Keyed, because whoever can open connections through the firewall
 * chooses the tuples: with an unkeyed hash (FNV-1a before) they could
 * put every state in one bucket. SipHash-1-3 over the key's bytes (keys
 * are zero-filled, so equal keys hash equal). */
uint32_t
sync_key_hash(const struct sync_key *k)
{
	return ((uint32_t)sync_key_hash64(k));
}

uint64_t
sync_key_hash64(const struct sync_key *k)
{
	return (siphash13(&sync_hash_key, k, sizeof(*k)));
}
