/* The packets defer holds and the rules that let them go (the rule:
 * docs/PROTOCOL.md, section 6.12). Two kinds wait here:
 *
 *   - a reply whose connection this node has just sent to the peers
 *     waits for the ack of the datagram that carried it (pfsync's
 *     defer, every connection);
 *   - with asymmetric paths (a balanced carp), a connection's first
 *     reply that reaches this node before the state its peer created
 *     waits for that state to be applied here, before conntrack sees
 *     the packet (else conntrack finds no state and drops it).
 *
 * Both kinds share one FIFO ring and one timeout, so deadlines ascend
 * with position and only the head's needs a timer. */
#include <string.h>

#include "defer_ring.h"

void
defer_ring_init(struct defer_ring *r, void (*verdict)(uint32_t, void *),
    void *arg)
{
	memset(r, 0, sizeof(*r));
	r->verdict = verdict;
	r->arg = arg;
}

int
defer_ring_full(const struct defer_ring *r)
{
	return (r->n >= DEFER_MAX);
}

static struct defer_pkt *
defer_ring_slot(struct defer_ring *r, unsigned i)
{
	return (&r->held[(r->head + i) % DEFER_MAX]);
}

static struct defer_pkt *
defer_ring_add(struct defer_ring *r, uint32_t id, uint64_t deadline)
{
	struct defer_pkt	*p = defer_ring_slot(r, r->n++);

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->deadline = deadline;
	return (p);
}

void
defer_ring_hold_ack(struct defer_ring *r, uint32_t id, uint32_t token,
    uint64_t deadline)
{
	defer_ring_add(r, id, deadline)->token = token;
}

void
defer_ring_hold_state(struct defer_ring *r, uint32_t id,
    const struct defer_flow *f, uint64_t deadline)
{
	struct defer_pkt	*p = defer_ring_add(r, id, deadline);

	p->wait = DEFER_W_STATE;
	p->flow = *f;
	r->states++;
}

/* Let entry i (0 = oldest) go, keeping FIFO order. */
static void
defer_ring_release(struct defer_ring *r, unsigned i)
{
	struct defer_pkt	*p = defer_ring_slot(r, i);

	r->verdict(p->id, r->arg);
	if (p->wait != DEFER_W_ACK)
		r->states--;
	if (i == 0) {
		r->head = (r->head + 1) % DEFER_MAX;
		r->n--;
		return;
	}
	for (; i + 1 < r->n; i++)
		*defer_ring_slot(r, i) = *defer_ring_slot(r, i + 1);
	r->n--;
}

/* Let go every entry pass(entry, arg) says; how many. */
static unsigned
defer_ring_sift(struct defer_ring *r,
    int (*pass)(const struct defer_pkt *, const void *), const void *arg)
{
	unsigned	 i = 0, n = 0;

	while (i < r->n) {
		if (pass(defer_ring_slot(r, i), arg)) {
			defer_ring_release(r, i);
			n++;
		} else
			i++;
	}
	return (n);
}

/* Serial-number comparison (RFC 1982): a <= b modulo 2^32. */
static int
defer_ring_acked(const struct defer_pkt *p, const void *arg)
{
	uint32_t	 token = *(const uint32_t *)arg;

	return (p->wait == DEFER_W_ACK && (int32_t)(p->token - token) <= 0);
}

unsigned
defer_ring_ack(struct defer_ring *r, uint32_t token)
{
	return (defer_ring_sift(r, defer_ring_acked, &token));
}

int
defer_flow_equal(const struct defer_flow *a, const struct defer_flow *b)
{
	size_t	 alen = a->family == AF_INET ? sizeof(a->src.v4) :
		    sizeof(a->src.v6);

	return (a->family == b->family && a->l4proto == b->l4proto &&
	    a->sport == b->sport && a->dport == b->dport &&
	    memcmp(&a->src, &b->src, alen) == 0 &&
	    memcmp(&a->dst, &b->dst, alen) == 0);
}

unsigned
defer_ring_arrived(struct defer_ring *r, const struct defer_flow *f)
{
	struct defer_pkt	*p;
	unsigned		 i, n = 0;

	if (r->states == 0)
		return (0);
	for (i = 0; i < r->n; i++) {
		p = defer_ring_slot(r, i);
		if (p->wait == DEFER_W_STATE && defer_flow_equal(&p->flow, f)) {
			p->wait = DEFER_W_READY;
			n++;
		}
	}
	return (n);
}

static int
defer_ring_ready(const struct defer_pkt *p, const void *arg)
{
	(void)arg;
	return (p->wait == DEFER_W_READY);
}

unsigned
defer_ring_applied(struct defer_ring *r)
{
	if (r->states == 0)
		return (0);
	return (defer_ring_sift(r, defer_ring_ready, NULL));
}

unsigned
defer_ring_expire(struct defer_ring *r, uint64_t now)
{
	unsigned	 n = 0;

	while (r->n > 0 && defer_ring_slot(r, 0)->deadline <= now) {
		defer_ring_release(r, 0);
		n++;
	}
	return (n);
}

unsigned
defer_ring_flush(struct defer_ring *r)
{
	unsigned	 n = 0;

	while (r->n > 0) {
		defer_ring_release(r, 0);
		n++;
	}
	return (n);
}

uint64_t
defer_ring_due(const struct defer_ring *r)
{
	if (r->n == 0)
		return (0);
	return (r->held[r->head].deadline);
}

void
defer_state_flow(const struct sync_state *s, struct defer_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = s->family;
	f->l4proto = s->l4proto;
	memcpy(&f->src, &s->reply.dst, sizeof(f->src));
	memcpy(&f->dst, &s->reply.src, sizeof(f->dst));
	f->sport = s->reply.dport;
	f->dport = s->reply.sport;
}

void
defer_flow_key(const struct defer_flow *f, int reply, struct sync_state *k)
{
	struct sync_tuple	*t = reply ? &k->reply : &k->orig;
	const void		*src = reply ? &f->dst : &f->src;
	const void		*dst = reply ? &f->src : &f->dst;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)f->family;
	k->l4proto = f->l4proto;
	memcpy(&t->src, src, sizeof(f->src));
	memcpy(&t->dst, dst, sizeof(f->dst));
	t->sport = reply ? f->dport : f->sport;
	t->dport = reply ? f->sport : f->dport;
}
