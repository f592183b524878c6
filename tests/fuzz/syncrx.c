/* The receive path of a sync datagram and the checks on what the
 * decoder hands out, for the sync targets; see syncrx.h. */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncrx.h"

/* ------------------------------------------------------------------ */
/* what the decoder hands out */

static void
fuzz_tuple_print(const char *what, const struct sync_tuple *t)
{
	size_t	 i;

	fprintf(stderr, "  %s ", what);
	for (i = 0; i < sizeof(t->src); i++)
		fprintf(stderr, "%02x", t->src.b[i]);
	fprintf(stderr, " -> ");
	for (i = 0; i < sizeof(t->dst); i++)
		fprintf(stderr, "%02x", t->dst.b[i]);
	fprintf(stderr, " ports %u %u icmp type %u code %u id %u\n",
	    t->sport, t->dport, t->icmp_type, t->icmp_code, t->icmp_id);
}

void
fuzz_state_print(const char *what, const struct sync_state *s)
{
	fprintf(stderr, "%s: family %u l4proto %u zone %u status %#x mark %#x "
	    "timeout %u\n", what, s->family, s->l4proto, s->zone, s->status,
	    s->mark, s->timeout);
	fuzz_tuple_print("orig ", &s->orig);
	fuzz_tuple_print("reply", &s->reply);
	fprintf(stderr, "  tcp %u wscale %u %u flags %#x %#x sctp %u vtag %#x "
	    "%#x dccp %u labels %u helper \"%.*s\" relay %u\n",
	    s->tcp_state, s->tcp_wscale_orig, s->tcp_wscale_repl,
	    s->tcp_flags_orig, s->tcp_flags_repl, s->sctp_state,
	    s->sctp_vtag_orig, s->sctp_vtag_repl, s->dccp_state,
	    s->has_labels, (int)sizeof(s->helper), s->helper, s->relay);
}

struct fuzz_got {
	int			 n;
	struct sync_state	 s;
	struct sync_key		 k;
};

static int
fuzz_got_header(void *arg, const struct msg_hdr *h)
{
	(void)arg;
	(void)h;
	return (0);
}

static void
fuzz_got_update(void *arg, const struct msg_hdr *h,
    const struct sync_state *s)
{
	struct fuzz_got	*g = arg;

	(void)h;
	g->n++;
	g->s = *s;
}

static void
fuzz_got_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	struct fuzz_got	*g = arg;

	(void)h;
	g->n++;
	g->k = *k;
}

/* Build a datagram of the one entry queued in q and parse it into g. */
static void
fuzz_reparse(struct msg_queue *q, struct fuzz_got *g)
{
	static const struct msg_cb	 cb = {
		.header = fuzz_got_header, .update = fuzz_got_update,
		.delete = fuzz_got_delete,
	};
	struct msg_built	*b;
	struct msg_hdr		 h;
	uint8_t			*buf;

	if ((b = malloc(sizeof(*b))) == NULL ||
	    (buf = malloc(MSG_MAXDGRAM)) == NULL)
		fuzz_fail("out of memory");
	memset(&h, 0, sizeof(h));
	h.node = 1;
	h.seq = 1;
	memset(g, 0, sizeof(*g));
	if (msg_build(q, &h, NULL, buf, 9000, b) == -1 || b->nkeys != 1)
		fuzz_fail("a valid entry does not build");
	if (msg_parse(buf, b->len, &cb, g) != 0 || g->n != 1)
		fuzz_fail("an entry we built does not parse");
	msg_queue_free(q);
	free(b);
	free(buf);
}

void
fuzz_state_roundtrip(const struct sync_state *s)
{
	struct msg_queue	*q;
	struct fuzz_got		 g;

	if ((q = msg_queue_new(1)) == NULL || msg_queue_update(q, s) == -1)
		fuzz_fail("a valid state does not queue");
	fuzz_reparse(q, &g);
	if (memcmp(&g.s, s, sizeof(*s)) != 0) {
		fuzz_state_print("before", s);
		fuzz_state_print("after", &g.s);
		fuzz_fail("a state changed on encode -> decode");
	}
}

static void
fuzz_key_roundtrip(const struct sync_key *k)
{
	struct msg_queue	*q;
	struct fuzz_got		 g;

	if ((q = msg_queue_new(1)) == NULL || msg_queue_delete(q, k) == -1)
		fuzz_fail("a valid delete does not queue");
	fuzz_reparse(q, &g);
	if (!msg_key_equal(&g.k, k))
		fuzz_fail("a key changed on encode -> decode");
}

/* ------------------------------------------------------------------ */
/* a received datagram */

void
fuzz_rx_init(struct fuzz_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	if ((rx->seal = seal_new((const uint8_t *)FUZZ_KEY,
	    FUZZ_KEYLEN)) == NULL)
		fuzz_fail("seal_new");
	if ((rx->dgram = calloc(1, sizeof(*rx->dgram))) == NULL)
		fuzz_fail("out of memory");
}

void
fuzz_rx_free(struct fuzz_rx *rx)
{
	seal_free(rx->seal);
	free(rx->dgram);
}

/* The sender's replay window, as peer_get finds or makes its slot:
 * NULL when the table is full (the daemon ignores the node then). */
static struct replay *
fuzz_rx_replay(struct fuzz_rx *rx, uint32_t node)
{
	size_t	 i;

	for (i = 0; i < rx->npeers; i++)
		if (rx->peer[i].node == node)
			return (&rx->peer[i].replay);
	if (rx->npeers == FUZZ_PEERS)
		return (NULL);
	rx->peer[rx->npeers].node = node;
	return (&rx->peer[rx->npeers++].replay);
}

/* rx_header's checks that hold without an engine: not our own node,
 * a fresh sequence number of the sender's session. */
static int
fuzz_rx_header(void *arg, const struct msg_hdr *h)
{
	struct fuzz_rx	*rx = arg;
	struct replay	*r;

	if (h->version != SYNC_WIRE_VERSION)
		fuzz_fail("msg_decode took version %u", h->version);
	if (h->acks_len > MSG_MAXPEERS)
		fuzz_fail("header with %zu acks", h->acks_len);
	if (h->node == FUZZ_SELF)
		return (1);
	if ((r = fuzz_rx_replay(rx, h->node)) == NULL)
		return (1);
	if (replay_check(r, h->nonce, h->seq) == REPLAY_SEEN)
		return (1);
	/* the window took it: the same datagram again is a replay */
	if (replay_check(r, h->nonce, h->seq) != REPLAY_SEEN)
		fuzz_fail("replay window took seq %u twice", h->seq);
	rx->accepted++;
	return (0);
}

static void
fuzz_rx_nack(void *arg, const struct msg_hdr *h, const struct msg_nack *n)
{
	size_t	 i;

	(void)arg;
	(void)h;
	if (n->nranges == 0 || n->nranges > MSG_MAXRANGES)
		fuzz_fail("nack with %zu ranges", n->nranges);
	for (i = 0; i < n->nranges; i++)
		if (n->ranges[i].count == 0)
			fuzz_fail("empty nack range");
}

static void
fuzz_rx_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	(void)arg;
	(void)h;
	if (!msg_state_valid(s))
		fuzz_fail("msg_parse handed out an invalid state");
	fuzz_state_roundtrip(s);
}

static void
fuzz_rx_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	(void)arg;
	(void)h;
	if (k->family != AF_INET && k->family != AF_INET6)
		fuzz_fail("delete of family %u", k->family);
	fuzz_key_roundtrip(k);
}

const struct msg_cb fuzz_msg_cb = {
	.header = fuzz_rx_header,
	.nack = fuzz_rx_nack,
	.update = fuzz_rx_update,
	.delete = fuzz_rx_delete,
};

/* seal_verify, msg_decode and msg_dispatch of what it let through, in
 * the engine's order (rx_datagram, rx_decode). msg_peek_header, the
 * tools' decoder, must agree with msg_decode. */
void
fuzz_rx_datagram(struct fuzz_rx *rx, const uint8_t *buf, size_t len)
{
	struct msg_hdr	 h;
	size_t		 plen;
	int		 rv, peek;

	if (seal_verify(rx->seal, buf, len, &plen) != SEAL_OK)
		return;
	if (plen != len - SEAL_TAGLEN)
		fuzz_fail("seal_verify: payload of %zu bytes in %zu",
		    plen, len);
	memset(&h, 0, sizeof(h));
	peek = msg_peek_header(buf, plen, &h);
	if (msg_decode(rx->dgram, buf, plen) == -1) {
		if (peek != -1)
			fuzz_fail("msg_peek_header takes a header "
			    "msg_decode refuses");
		return;
	}
	if (peek == -1)
		fuzz_fail("msg_decode takes a header msg_peek_header refuses");
	if (memcmp(&h, &rx->dgram->hdr, sizeof(h)) != 0)
		fuzz_fail("msg_peek_header and msg_decode disagree");
	rv = msg_dispatch(rx->dgram, &fuzz_msg_cb, rx);
	msg_dgram_free(rx->dgram);
	if (rv != 0 && rv != -1 && rv != 1)
		fuzz_fail("msg_dispatch returned %d", rv);
}

void
fuzz_sealed_records(const uint8_t *data, size_t size,
    void (*fn)(const uint8_t *, size_t, void *), void *arg)
{
	struct seal	*tx;
	const uint8_t	*rec;
	uint8_t		*buf;
	size_t		 rlen;
	ssize_t		 len;

	if ((tx = seal_new((const uint8_t *)FUZZ_KEY, FUZZ_KEYLEN)) == NULL)
		fuzz_fail("seal_new");
	while (fuzz_record(&data, &size, &rec, &rlen) == 0) {
		if ((buf = malloc(rlen + SEAL_TAGLEN)) == NULL)
			break;
		if (rlen > 0)
			memcpy(buf, rec, rlen);
		if ((len = seal_sign(tx, buf, rlen, rlen + SEAL_TAGLEN)) != -1)
			fn(buf, (size_t)len, arg);
		free(buf);
	}
	seal_free(tx);
}
