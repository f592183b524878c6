/* Who wrote each state last: this node's kernel (LOCAL) or a peer
 * (PEER, injected by us). It decides two things:
 *  - a DESTROY event for a PEER state means it expired here while the
 *    peer still owns it: never replicate that delete, or a backup would
 *    kill the master's live flows;
 *  - the refresh walk re-sends LOCAL states whose timeout traffic has
 *    pushed out since they were sent, so that the peer's copy of a flow
 *    that is quiet in events but alive (UDP kept up for 10 minutes)
 *    never expires there.
 * A chained hash table keyed by the state key; grows by doubling. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "own.h"

struct own_ent {
	struct own_ent	*next;
	struct sync_key	 key;
	struct own_info	 info;
};

struct own {
	struct own_ent	**tab;
	size_t		  size;		/* buckets, a power of two */
	size_t		  count;
};

struct own *
own_new(void)
{
	struct own	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (NULL);
	o->size = 1024;
	if ((o->tab = calloc(o->size, sizeof(*o->tab))) == NULL) {
		free(o);
		return (NULL);
	}
	return (o);
}

void
own_free(struct own *o)
{
	struct own_ent	*e, *n;
	size_t		 i;

	if (o == NULL)
		return;
	for (i = 0; i < o->size; i++)
		for (e = o->tab[i]; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
	free(o->tab);
	free(o);
}

static void
own_grow(struct own *o)
{
	struct own_ent	**nt, *e, *n;
	size_t		  ns = o->size * 2, i, b;

	if ((nt = calloc(ns, sizeof(*nt))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < o->size; i++)
		for (e = o->tab[i]; e != NULL; e = n) {
			n = e->next;
			b = sync_key_hash(&e->key) & (ns - 1);
			e->next = nt[b];
			nt[b] = e;
		}
	free(o->tab);
	o->tab = nt;
	o->size = ns;
}

static struct own_ent **
own_slot(const struct own *o, const struct sync_key *k)
{
	struct own_ent	**pp;

	pp = &o->tab[sync_key_hash(k) & (o->size - 1)];
	for (; *pp != NULL; pp = &(*pp)->next)
		if (memcmp(&(*pp)->key, k, sizeof(*k)) == 0)
			break;
	return (pp);
}

struct own_info *
own_get(const struct own *o, const struct sync_key *k)
{
	struct own_ent	*e = *own_slot(o, k);

	return (e != NULL ? &e->info : NULL);
}

/* The entry for k, created zeroed if absent; NULL only without memory. */
struct own_info *
own_put(struct own *o, const struct sync_key *k)
{
	struct own_ent	**pp = own_slot(o, k), *e;

	if (*pp != NULL)
		return (&(*pp)->info);
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_warn("own: state table");
		return (NULL);
	}
	e->key = *k;
	*pp = e;
	if (++o->count > o->size * 2)
		own_grow(o);
	return (&e->info);
}

void
own_del(struct own *o, const struct sync_key *k)
{
	struct own_ent	**pp = own_slot(o, k), *e = *pp;

	if (e == NULL)
		return;
	*pp = e->next;
	free(e);
	o->count--;
}

size_t
own_count(const struct own *o)
{
	return (o->count);
}

size_t
own_count_origin(const struct own *o, enum own_origin origin)
{
	struct own_ent	*e;
	size_t		 i, n = 0;

	for (i = 0; i < o->size; i++)
		for (e = o->tab[i]; e != NULL; e = e->next)
			if (e->info.origin == origin)
				n++;
	return (n);
}

/* Visit every entry; fn may not add or remove entries, but returns 1 to
 * have the visited one removed. */
void
own_walk(struct own *o, int (*fn)(const struct sync_key *,
    struct own_info *, void *), void *arg)
{
	struct own_ent	**pp, *e;
	size_t		  i;

	for (i = 0; i < o->size; i++)
		for (pp = &o->tab[i]; (e = *pp) != NULL;) {
			if (fn(&e->key, &e->info, arg)) {
				*pp = e->next;
				free(e);
				o->count--;
			} else
				pp = &e->next;
		}
}
