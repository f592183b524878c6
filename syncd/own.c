/* Who wrote each state last: this node's kernel (LOCAL) or a peer
 * (PEER, injected by us). It decides two things:
 *  - a DESTROY event for a PEER state means it expired here while the
 *    peer still owns it: never replicate that delete, or a backup would
 *    kill the master's live flows;
 *  - the refresh walk re-sends LOCAL states whose timeout traffic has
 *    pushed out since they were sent, so that the peer's copy of a flow
 *    that is quiet in events but alive (UDP kept up for 10 minutes)
 *    never expires there.
 *
 * The kernel is the store: this table keeps no copy of the states, not
 * even their keys, only a 64-bit keyed hash of each key (SipHash-1-3,
 * state.c) beside 8 packed bytes of origin: 16 bytes a slot, in one
 * array with open addressing (linear probing, tombstones for deletes),
 * at most 3/4 full, so 21 to 43 bytes a state. Two keys with the same
 * 64-bit hash share one record: with n states that happens with a
 * chance of about n^2 / 2^65 (3 in 100 million at a million states),
 * and an outsider cannot aim at it since the hash key is random per
 * start. The cost when it happens is one state's origin taken for the
 * other's: a delete passed on or held back wrongly, which the owner's
 * refresh and the receiver's timeout slack bound. Walks that need keys
 * walk the kernel's table (ct_dump) and look each state up here. */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "own.h"

#define OWN_EMPTY	0	/* hash values no key gets (own_hash) */
#define OWN_TOMB	1
#define OWN_MINSIZE	1024
/* tables of this many bytes or more are mapped with huge pages */
#define OWN_HUGE_BYTES	(2 * 1024 * 1024)

struct own_ent {
	uint64_t	 h;
	struct own_info	 info;
};

struct own {
	struct own_ent	*tab;
	size_t		 size;		/* slots, a power of two */
	size_t		 count;		/* live entries */
	size_t		 tombs;		/* deleted, still in probe chains */
	struct log_rate	 full_log;	/* "table full", rate-limited */
};

static uint64_t
own_hash(const struct sync_key *k)
{
	uint64_t	 h = sync_key_hash64(k);

	return (h > OWN_TOMB ? h : h + 2);
}

uint32_t
own_gen(uint32_t gen)
{
	return (gen & OWN_GEN_MASK);
}

uint32_t
own_timeout(uint32_t timeout)
{
	return (timeout > OWN_TIMEOUT_MAX ? OWN_TIMEOUT_MAX : timeout);
}

/* Every lookup lands on a random slot: with 4 KB pages, a table of a
 * million states (32 MB) missed the TLB on nearly every one, and in a
 * virtual machine the page walk cost more than the cache miss (perf:
 * the sender's and receiver's largest userspace cost at sync/1000000).
 * Large tables are their own mapping with transparent huge pages asked
 * for (2 MB pages: 16 TLB entries cover it); where the kernel gives
 * none, it is an ordinary zeroed mapping. */
static struct own_ent *
own_tab_new(size_t size)
{
	size_t	 len = size * sizeof(struct own_ent);
	void	*p;

	if (len < OWN_HUGE_BYTES)
		return (calloc(size, sizeof(struct own_ent)));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (NULL);
	(void)madvise(p, len, MADV_HUGEPAGE);
	return (p);
}

static void
own_tab_free(struct own_ent *tab, size_t size)
{
	size_t	 len = size * sizeof(struct own_ent);

	if (len < OWN_HUGE_BYTES)
		free(tab);
	else if (tab != NULL)
		(void)munmap(tab, len);
}

struct own *
own_new(void)
{
	struct own	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (NULL);
	o->size = OWN_MINSIZE;
	if ((o->tab = own_tab_new(o->size)) == NULL) {
		free(o);
		return (NULL);
	}
	return (o);
}

void
own_free(struct own *o)
{
	if (o == NULL)
		return;
	own_tab_free(o->tab, o->size);
	free(o);
}

/* The slot holding h, or the empty slot that ends its probe chain. */
static struct own_ent *
own_find(const struct own *o, uint64_t h)
{
	size_t	 mask = o->size - 1, i = (size_t)h & mask;

	while (o->tab[i].h != OWN_EMPTY && o->tab[i].h != h)
		i = (i + 1) & mask;
	return (&o->tab[i]);
}

/* Rebuild into a table at most half full, dropping the tombstones.
 * Without memory the old table stays: still correct, only fuller. */
static void
own_rehash(struct own *o)
{
	struct own	 n = *o;
	size_t		 i;

	n.size = OWN_MINSIZE;
	while (n.size < (o->count + 1) * 2)
		n.size *= 2;
	if ((n.tab = own_tab_new(n.size)) == NULL)
		return;
	for (i = 0; i < o->size; i++)
		if (o->tab[i].h > OWN_TOMB)
			*own_find(&n, o->tab[i].h) = o->tab[i];
	own_tab_free(o->tab, o->size);
	o->tab = n.tab;
	o->size = n.size;
	o->tombs = 0;
}

struct own_info *
own_get(const struct own *o, const struct sync_key *k)
{
	struct own_ent	*e = own_find(o, own_hash(k));

	return (e->h != OWN_EMPTY ? &e->info : NULL);
}

void
own_prefetch(const struct own *o, const struct sync_key *k)
{
	__builtin_prefetch(&o->tab[(size_t)own_hash(k) & (o->size - 1)], 1);
}

/* The entry for k, created zeroed if absent (then *isnew is 1, if
 * isnew is given): one hash for a lookup that may insert. A new entry
 * goes into the first tombstone of its probe chain, if any, to keep
 * chains short. */
struct own_info *
own_put_new(struct own *o, const struct sync_key *k, int *isnew)
{
	uint64_t	 h = own_hash(k);
	size_t		 mask, i;
	struct own_ent	*e, *tomb = NULL;

	if ((o->count + o->tombs + 1) * 4 > o->size * 3)
		own_rehash(o);
	mask = o->size - 1;
	if (isnew != NULL)
		*isnew = 0;
	for (i = (size_t)h & mask; o->tab[i].h != OWN_EMPTY;
	    i = (i + 1) & mask) {
		if (o->tab[i].h == h)
			return (&o->tab[i].info);
		if (o->tab[i].h == OWN_TOMB && tomb == NULL)
			tomb = &o->tab[i];
	}
	if (tomb == NULL && o->count + o->tombs + 1 >= o->size) {
		uint64_t	 n;

		/* every event would say it: one line per 10 s */
		if ((n = log_ratelimit(&o->full_log, 10)) > 0)
			log_warnx("own: state table full (no memory to grow):"
			    " %llu states without a record",
			    (unsigned long long)n);
		return (NULL);
	}
	if ((e = tomb) != NULL)
		o->tombs--;
	else
		e = &o->tab[i];
	memset(e, 0, sizeof(*e));
	e->h = h;
	o->count++;
	if (isnew != NULL)
		*isnew = 1;
	return (&e->info);
}

struct own_info *
own_put(struct own *o, const struct sync_key *k)
{
	return (own_put_new(o, k, NULL));
}

static void
own_bury(struct own *o, struct own_ent *e)
{
	e->h = OWN_TOMB;
	o->count--;
	o->tombs++;
}

void
own_del(struct own *o, const struct sync_key *k)
{
	struct own_ent	*e = own_find(o, own_hash(k));

	if (e->h != OWN_EMPTY)
		own_bury(o, e);
}

size_t
own_count(const struct own *o)
{
	return (o->count);
}

size_t
own_count_origin(const struct own *o, enum own_origin origin)
{
	size_t	 i, n = 0;

	for (i = 0; i < o->size; i++)
		if (o->tab[i].h > OWN_TOMB && o->tab[i].info.origin == origin)
			n++;
	return (n);
}

/* Records of origin not marked with generation gen: what a sweep after
 * a bulk of that generation would delete. A scan of this array costs
 * far less than the kernel dump the sweep needs to name them. */
size_t
own_count_unmarked(const struct own *o, enum own_origin origin, uint32_t gen)
{
	size_t	 i, n = 0;

	for (i = 0; i < o->size; i++)
		if (o->tab[i].h > OWN_TOMB &&
		    o->tab[i].info.origin == origin &&
		    o->tab[i].info.gen != own_gen(gen))
			n++;
	return (n);
}

/* Memory the table holds. */
size_t
own_bytes(const struct own *o)
{
	return (sizeof(*o) + o->size * sizeof(*o->tab));
}

/* Visit every entry; fn may not add or remove entries, but returns 1 to
 * have the visited one removed. */
void
own_walk(struct own *o, int (*fn)(struct own_info *, void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < o->size; i++)
		if (o->tab[i].h > OWN_TOMB && fn(&o->tab[i].info, arg))
			own_bury(o, &o->tab[i]);
}
