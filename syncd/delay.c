/* syncd delay queue: a hash of entries by state key, chained in FIFO
 * order, which is also the order of their due times since every entry
 * waits the same sync-delay. */
#include <sys/queue.h>
#include <errno.h>
#include <stdlib.h>

#include "delay.h"
#include "state.h"

#define DELAY_MINBUCKETS	64

struct delay_entry {
	TAILQ_ENTRY(delay_entry) fifo;
	struct delay_entry	*hnext;
	uint64_t		 due_ms;
	uint32_t		 hash;
	uint8_t			 kind;		/* enum delay_kind */
	struct sync_key		 key;
};

struct delay {
	TAILQ_HEAD(, delay_entry) fifo;
	struct delay_entry	**buckets;
	size_t			 nbuckets;	/* power of two */
	size_t			 len;
	size_t			 limit;
};

struct delay *
delay_new(size_t limit)
{
	struct delay	*d;

	if (limit == 0 || (d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	TAILQ_INIT(&d->fifo);
	d->limit = limit;
	for (d->nbuckets = DELAY_MINBUCKETS; d->nbuckets < limit / 2;
	    d->nbuckets <<= 1)
		;
	if ((d->buckets = calloc(d->nbuckets, sizeof(*d->buckets))) ==
	    NULL) {
		free(d);
		return (NULL);
	}
	return (d);
}

void
delay_free(struct delay *d)
{
	struct delay_entry	*e;

	if (d == NULL)
		return;
	while ((e = TAILQ_FIRST(&d->fifo)) != NULL) {
		TAILQ_REMOVE(&d->fifo, e, fifo);
		free(e);
	}
	free(d->buckets);
	free(d);
}

static struct delay_entry **
delay_slot(const struct delay *d, const struct sync_key *k, uint32_t h)
{
	struct delay_entry	**pp;

	pp = &d->buckets[h & (d->nbuckets - 1)];
	while (*pp != NULL &&
	    ((*pp)->hash != h || !msg_key_equal(&(*pp)->key, k)))
		pp = &(*pp)->hnext;
	return (pp);
}

int
delay_add(struct delay *d, const struct sync_key *k, uint64_t due_ms,
    enum delay_kind kind)
{
	struct delay_entry	*e, **pp;
	uint32_t		 h = sync_key_hash(k);

	if (*(pp = delay_slot(d, k, h)) != NULL) {
		errno = EEXIST;
		return (-1);
	}
	if (d->len >= d->limit) {
		errno = ENOBUFS;
		return (-1);
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (-1);
	e->key = *k;
	e->hash = h;
	e->due_ms = due_ms;
	e->kind = (uint8_t)kind;
	*pp = e;
	TAILQ_INSERT_TAIL(&d->fifo, e, fifo);
	d->len++;
	return (0);
}

enum delay_kind
delay_get(const struct delay *d, const struct sync_key *k)
{
	struct delay_entry	*e;

	if (d == NULL || d->len == 0)
		return (DELAY_NONE);
	e = *delay_slot(d, k, sync_key_hash(k));
	return (e != NULL ? (enum delay_kind)e->kind : DELAY_NONE);
}

static enum delay_kind
delay_unlink(struct delay *d, struct delay_entry **pp)
{
	struct delay_entry	*e = *pp;
	enum delay_kind		 kind = (enum delay_kind)e->kind;

	*pp = e->hnext;
	TAILQ_REMOVE(&d->fifo, e, fifo);
	d->len--;
	free(e);
	return (kind);
}

enum delay_kind
delay_del(struct delay *d, const struct sync_key *k)
{
	struct delay_entry	**pp;

	if (d == NULL || d->len == 0)
		return (DELAY_NONE);
	pp = delay_slot(d, k, sync_key_hash(k));
	return (*pp != NULL ? delay_unlink(d, pp) : DELAY_NONE);
}

enum delay_kind
delay_pop(struct delay *d, uint64_t now, struct sync_key *k)
{
	struct delay_entry	*e;

	if (d == NULL || (e = TAILQ_FIRST(&d->fifo)) == NULL ||
	    e->due_ms > now)
		return (DELAY_NONE);
	*k = e->key;
	return (delay_unlink(d, delay_slot(d, &e->key, e->hash)));
}

uint64_t
delay_next(const struct delay *d)
{
	struct delay_entry	*e;

	if (d == NULL || (e = TAILQ_FIRST(&d->fifo)) == NULL)
		return (0);
	return (e->due_ms);
}

size_t
delay_len(const struct delay *d)
{
	return (d != NULL ? d->len : 0);
}
