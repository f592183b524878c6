/* syncd outbound queue: a hash of entries by state key, chained in FIFO
 * order, and msg_build() which empties it into datagrams through the
 * codec (proto/sync.c). */
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "state.h"

#define MSG_MINBUCKETS	64

struct msg_entry {
	TAILQ_ENTRY(msg_entry)	 fifo;
	struct msg_entry	*hnext;
	uint32_t		 hash;
	uint8_t			 op;	/* enum sync_op */
	uint8_t			 fresh;	/* a create the peers never had */
	struct sync_key		 key;
	struct sync_state	 st;	/* valid if op == SYNC_OP_UPDATE */
};

struct msg_queue {
	TAILQ_HEAD(, msg_entry)	 fifo;
	struct msg_entry	**buckets;
	size_t			 nbuckets;	/* power of two */
	size_t			 len;
	size_t			 limit;
};

/* ------------------------------------------------------------------ */
/* outbound queue */

struct msg_queue *
msg_queue_new(size_t limit)
{
	struct msg_queue	*q;

	if (limit == 0 || (q = calloc(1, sizeof(*q))) == NULL)
		return (NULL);
	TAILQ_INIT(&q->fifo);
	q->limit = limit;
	q->nbuckets = MSG_MINBUCKETS;
	if ((q->buckets = calloc(q->nbuckets, sizeof(*q->buckets))) == NULL) {
		free(q);
		return (NULL);
	}
	return (q);
}

static void
msg_queue_drain(struct msg_queue *q)
{
	struct msg_entry	*e;

	while ((e = TAILQ_FIRST(&q->fifo)) != NULL) {
		TAILQ_REMOVE(&q->fifo, e, fifo);
		free(e);
	}
	q->len = 0;
}

/* No clearing of the buckets (megabytes for a long queue) on the way
 * out. */
void
msg_queue_free(struct msg_queue *q)
{
	if (q == NULL)
		return;
	msg_queue_drain(q);
	free(q->buckets);
	free(q);
}

void
msg_queue_clear(struct msg_queue *q)
{
	msg_queue_drain(q);
	memset(q->buckets, 0, q->nbuckets * sizeof(*q->buckets));
}

size_t
msg_queue_len(const struct msg_queue *q)
{
	return (q->len);
}

static struct msg_entry *
msg_queue_find(struct msg_queue *q, const struct sync_key *k, uint32_t h)
{
	struct msg_entry	*e;

	for (e = q->buckets[h & (q->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && msg_key_equal(&e->key, k))
			return (e);
	return (NULL);
}

/* Twice the buckets, once there are as many entries as buckets. They
 * grow with the queue, not to its limit at start: buckets for the 2M
 * limit are 16 MB, which the hashes of a mere 100,000 queued states
 * touched page by page. Without memory the chains only get longer. */
static void
msg_queue_grow(struct msg_queue *q)
{
	struct msg_entry	**b, *e;
	size_t			 n = q->nbuckets * 2;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return;
	TAILQ_FOREACH(e, &q->fifo, fifo) {
		e->hnext = b[e->hash & (n - 1)];
		b[e->hash & (n - 1)] = e;
	}
	free(q->buckets);
	q->buckets = b;
	q->nbuckets = n;
}

/* Find the entry of k (hash h), or append a new one at the FIFO tail. A
 * coalesced entry keeps its place: the oldest change sets the latency. */
static struct msg_entry *
msg_queue_get(struct msg_queue *q, const struct sync_key *k, uint32_t h)
{
	struct msg_entry	*e;
	size_t			 b;

	if ((e = msg_queue_find(q, k, h)) != NULL)
		return (e);
	if (q->len >= q->limit) {
		errno = ENOBUFS;
		return (NULL);
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	if (q->len >= q->nbuckets)
		msg_queue_grow(q);
	e->key = *k;
	e->hash = h;
	b = h & (q->nbuckets - 1);
	e->hnext = q->buckets[b];
	q->buckets[b] = e;
	TAILQ_INSERT_TAIL(&q->fifo, e, fifo);
	q->len++;
	return (e);
}

static void
msg_queue_remove(struct msg_queue *q, struct msg_entry *e)
{
	struct msg_entry	**pp;

	pp = &q->buckets[e->hash & (q->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	TAILQ_REMOVE(&q->fifo, e, fifo);
	q->len--;
	free(e);
}

/* A state updated many times before a flush is sent once, latest value;
 * an update after a delete (the tuple reused) becomes an update again.
 * An entry is fresh only if a create made it: coalescing keeps what the
 * first change said, and a delete entry is never fresh (see below). */
static int
msg_queue_put(struct msg_queue *q, const struct sync_state *s, int create)
{
	struct msg_entry	*e;
	struct sync_key		 k;
	size_t			 len = q->len;

	if (!msg_state_valid(s)) {
		errno = EINVAL;
		return (-1);
	}
	msg_state_key(s, &k);
	if ((e = msg_queue_get(q, &k, sync_key_hash(&k))) == NULL)
		return (-1);
	if (q->len > len)
		e->fresh = (uint8_t)create;
	e->op = SYNC_OP_UPDATE;
	e->st = *s;
	return (0);
}

int
msg_queue_update(struct msg_queue *q, const struct sync_state *s)
{
	return (msg_queue_put(q, s, 0));
}

int
msg_queue_create(struct msg_queue *q, const struct sync_state *s)
{
	return (msg_queue_put(q, s, 1));
}

/* A delete replaces a pending update: the peer may hold the state from
 * an earlier datagram, so the delete itself must still go out. Only a
 * fresh entry, a create no peer has seen, is cancelled with it: neither
 * goes, and the peer never learns of a state it never had. */
int
msg_queue_delete(struct msg_queue *q, const struct sync_key *key)
{
	struct msg_entry	*e;
	struct sync_key		 k;
	uint32_t		 h;

	if (!msg_key_valid(key)) {
		errno = EINVAL;
		return (-1);
	}
	msg_key_norm(key, &k);
	h = sync_key_hash(&k);
	if ((e = msg_queue_find(q, &k, h)) != NULL && e->fresh) {
		msg_queue_remove(q, e);
		return (1);
	}
	if ((e = msg_queue_get(q, &k, h)) == NULL)
		return (-1);
	e->op = SYNC_OP_DELETE;
	return (0);
}

/* ------------------------------------------------------------------ */
/* datagrams */

static int
msg_entry_out(struct msg_out *o, const struct msg_entry *e)
{
	if (e->op == SYNC_OP_UPDATE)
		return (msg_out_update(o, &e->st));
	return (msg_out_delete(o, &e->key));
}

int
msg_build(struct msg_queue *q, const struct msg_hdr *hdr,
    const struct msg_ctl *ctl, uint8_t *buf, size_t room,
    struct msg_built *out)
{
	struct msg_out		 o;
	struct msg_entry	*e;

	/* not the whole struct: keys[] is 22 KB, and only nkeys of it
	 * are ever read */
	out->len = out->nkeys = 0;
	out->more = 0;
	if (msg_out_begin(&o, hdr, ctl, buf, room) == -1)
		return (-1);
	/* no queue: acks and control messages only (send window full) */
	while (q != NULL && (e = TAILQ_FIRST(&q->fifo)) != NULL) {
		if (msg_entry_out(&o, e) == -1) {
			/* the head cannot fit even a datagram of its own:
			 * room is too small, and calling again would loop
			 * for ever */
			if (errno == EMSGSIZE && out->nkeys == 0)
				return (-1);
			break;
		}
		out->keys[out->nkeys++] = e->key;
		msg_queue_remove(q, e);
	}
	out->len = msg_out_end(&o);
	out->more = q != NULL && q->len > 0;
	return (0);
}
