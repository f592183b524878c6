/* Expectation replication, the engine side (see expect.h; the rules:
 * docs/PROTOCOL.md, section 6.16). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ct_expect.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "rel.h"
#include "seal.h"
#include "syncd.h"

struct expect_item {
	struct sync_expect	 x;
	int			 del;
	uint64_t		 since;		/* first ENOENT on its master */
	uint64_t		 tried;		/* last attempt */
};

struct expect_q {
	struct expect_item	 it[EXPECT_QMAX];
	size_t			 n;
};

struct syncd_expect {
	struct expect_q		 out;
	struct expect_q		 in;
	struct expect_q		 peers;		/* created here for a peer */
	int			 resend;	/* dump all at the next flush */
	uint64_t		 masters_seen;	/* states_applied, last apply */
	int			 on;
};

/* ------------------------------------------------------------ queues */

static int
expect_key_equal(const struct sync_expect *a, const struct sync_expect *b)
{
	return (a->family == b->family && a->exp_l4proto == b->exp_l4proto &&
	    a->zone == b->zone && memcmp(&a->tuple, &b->tuple,
	    sizeof(a->tuple)) == 0);
}

/* The latest message for a key replaces an earlier one still queued: a
 * delete overtakes its create, a repeated create is sent once. */
static int
expect_q_put(struct expect_q *q, int del, const struct sync_expect *x)
{
	size_t	 i;

	for (i = 0; i < q->n; i++)
		if (expect_key_equal(&q->it[i].x, x))
			break;
	if (i == q->n) {
		if (q->n == EXPECT_QMAX)
			return (-1);
		q->n++;
	}
	q->it[i].x = *x;
	q->it[i].del = del;
	q->it[i].since = 0;
	q->it[i].tried = 0;
	return (0);
}

static void
expect_q_drop(struct expect_q *q, size_t i)
{
	memmove(&q->it[i], &q->it[i + 1], (q->n - i - 1) * sizeof(q->it[0]));
	q->n--;
}

/* 1 and the entry gone if the key was in q. */
static int
expect_q_take(struct expect_q *q, const struct sync_expect *x)
{
	size_t	 i;

	for (i = 0; i < q->n; i++)
		if (expect_key_equal(&q->it[i].x, x)) {
			expect_q_drop(q, i);
			return (1);
		}
	return (0);
}

/* Remember a key we created for a peer; full, the oldest is forgotten
 * (its end may then go back to the peer, which finds nothing). */
static void
expect_q_remember(struct expect_q *q, const struct sync_expect *x)
{
	if (q->n == EXPECT_QMAX)
		expect_q_drop(q, 0);
	(void)expect_q_put(q, 0, x);
}

/* ------------------------------------------------------------ sending */

static void
expect_dump_one(const struct sync_expect *x, void *arg)
{
	struct syncd	*sc = arg;

	if (expect_q_put(&sc->expect->out, 0, x) == -1)
		sc->expect->resend = 1;		/* the rest next time */
}

/* Pack what fits one datagram; the number of messages packed. Those the
 * wire refuses (values no peer takes) are dropped and counted. */
static size_t
expect_pack(struct syncd *sc, struct msg_out *o)
{
	struct expect_q		*q = &sc->expect->out;
	struct expect_item	*e;
	size_t			 n = 0, packed = 0;
	int			 rv;

	for (; n < q->n; n++) {
		e = &q->it[n];
		rv = e->del ? msg_out_expect_delete(o, &e->x) :
		    msg_out_expect_update(o, &e->x);
		if (rv == -1 && errno == ENOSPC)
			break;
		if (rv == -1)
			sc->st.expects_dropped++;
		else
			packed++;
	}
	memmove(q->it, q->it + n, (q->n - n) * sizeof(q->it[0]));
	q->n -= n;
	return (packed);
}

/* One datagram of expectations with the current acks: held by the
 * window like any data, repaired by sending them all again. */
static int
expect_send(struct syncd *sc, uint64_t now)
{
	static uint8_t	 buf[MSG_MAXDGRAM];
	struct msg_hdr	 h;
	struct msg_out	 o;
	size_t		 n, len;
	ssize_t		 slen;

	tx_header(sc, &h);
	if (msg_out_begin(&o, &h, NULL, buf, sc->room) == -1)
		return (-1);
	if ((n = expect_pack(sc, &o)) == 0)
		return (0);
	len = msg_out_end(&o);
	if ((slen = seal_sign(sc->seal, buf, len, sizeof(buf))) == -1) {
		syncd_error(sc, "cannot seal a datagram");
		return (-1);
	}
	if (rel_tx_sent(sc->tx, NULL, 0, REL_CTL_EXPECT, now) == REL_RESYNC)
		log_warnx("sync: send window overflowed, peers will resync");
	if (link_send(sc->link, buf, (size_t)slen) == -1)
		sc->st.send_errors++;		/* the window repairs it */
	sc->st.messages_sent++;
	sc->st.expects_sent += n;
	peer_acks_sent(sc);
	sc->last_sent_ms = now;
	return (1);
}

void
expect_flush(struct syncd *sc)
{
	struct syncd_expect	*xp = sc->expect;
	uint64_t		 now = clock_ms();
	int			 i;

	if (xp == NULL || !xp->on)
		return;
	if (xp->resend && xp->out.n == 0) {
		xp->resend = 0;
		if (ct_expect_dump(expect_dump_one, sc) == -1)
			xp->resend = 1;
	}
	/* bounded: the queue holds EXPECT_QMAX, a datagram takes many */
	for (i = 0; i < 16 && xp->out.n > 0 && rel_tx_room(sc->tx); i++)
		if (expect_send(sc, now) != 1)
			break;
}

void
expect_resend_all(struct syncd *sc, const char *why)
{
	if (sc->expect == NULL || !sc->expect->on)
		return;
	log_debug("sync: expectations sent again (%s)", why);
	sc->expect->resend = 1;
}

/* The kernel's events. Our own creates and deletes never come here
 * (ct_expect.c drops their echo), but the end of a copy we created for
 * a peer does (it expired, or our create evicted it): that is not sent
 * back, it would delete the peer's original. */
static void
expect_on_event(enum ct_expect_op op, const struct sync_expect *x, void *arg)
{
	struct syncd	*sc = arg;

	if (op == CT_EXPECT_LOST)
		expect_resend_all(sc, "event overrun");
	else if (expect_q_take(&sc->expect->peers, x) &&
	    op == CT_EXPECT_DESTROY)
		return;
	else if (expect_q_put(&sc->expect->out, op == CT_EXPECT_DESTROY,
	    x) == -1)
		expect_resend_all(sc, "send queue full");
	/* at once, after the queued states (its master may be one): a data
	 * connection may follow within milliseconds */
	syncd_flush(sc);
	syncd_schedule(sc);
}

/* ---------------------------------------------------------- receiving */

void
expect_peer(struct syncd *sc, int del, const struct sync_expect *x)
{
	if (sc->expect == NULL || !sc->expect->on ||
	    expect_q_put(&sc->expect->in, del, x) == -1)
		sc->st.expects_dropped++;
}

/* 1 if the item is done with (applied or given up), 0 if it waits. */
static int
expect_apply_one(struct syncd *sc, struct expect_item *e, uint64_t now,
    int masters)
{
	/* one that waits is tried again when states came in, or every
	 * EXPECT_RETRY_MS: not after every datagram of a bulk */
	if (e->since != 0 && !masters && now - e->tried < EXPECT_RETRY_MS)
		return (0);
	e->tried = now;
	if ((e->del ? ct_expect_apply_delete(&e->x) :
	    ct_expect_apply_update(&e->x)) == 0 ||
	    (!e->del && errno == EEXIST)) {
		sc->st.expects_applied++;
		if (e->del)
			(void)expect_q_take(&sc->expect->peers, &e->x);
		else
			expect_q_remember(&sc->expect->peers, &e->x);
		return (1);
	}
	if (e->del && errno == ENOENT)
		return (1);		/* gone here too: used or expired */
	if (errno == ENOENT) {
		/* no master yet: its state may be on the way */
		if (e->since == 0)
			e->since = now;
		if (now - e->since < EXPECT_WAIT_MS)
			return (0);
		sc->st.expects_dropped++;
		log_debug("sync: expectation dropped, no master after %d ms",
		    EXPECT_WAIT_MS);
		return (1);
	}
	sc->st.expect_errors++;
	log_debug("sync: expectation %s refused: %s",
	    e->del ? "delete" : "create", strerror(errno));
	return (1);
}

void
expect_apply(struct syncd *sc, uint64_t now)
{
	struct expect_q	*q;
	size_t		 i = 0;
	int		 masters;

	if (sc->expect == NULL)
		return;
	q = &sc->expect->in;
	masters = sc->st.states_applied != sc->expect->masters_seen;
	sc->expect->masters_seen = sc->st.states_applied;
	while (i < q->n)
		if (expect_apply_one(sc, &q->it[i], now, masters))
			expect_q_drop(q, i);
		else
			i++;
}

size_t
expect_waiting(const struct syncd *sc)
{
	return (sc->expect == NULL ? 0 : sc->expect->in.n);
}

/* ------------------------------------------------------------- start */

int
expect_start(struct syncd *sc)
{
	if ((sc->expect = calloc(1, sizeof(*sc->expect))) == NULL)
		return (-1);
	if (!sc->cs->expectations)
		return (0);
	/* states matter more: go on without expectations */
	if (ct_expect_init(sc->base, expect_on_event, sc) == -1) {
		log_warnx("sync: expectations are not replicated");
		return (0);
	}
	sc->expect->on = 1;
	return (0);
}

void
expect_stop(struct syncd *sc)
{
	if (sc->expect == NULL)
		return;
	if (sc->expect->on)
		ct_expect_shutdown();
	free(sc->expect);
	sc->expect = NULL;
}
