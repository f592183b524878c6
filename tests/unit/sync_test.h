/* Shared by the sync codec and queue tests (test_sync.c, test_msg.c):
 * a recorder of every callback msg_dispatch makes, and sample states. */
#ifndef TESTS_SYNC_TEST_H
#define TESTS_SYNC_TEST_H

#define ROOM	(1500 - MSG_OVERHEAD_V4 - 16)
#define MAXGOT	4096

struct got {
	int			 headers;
	struct msg_hdr		 hdr;
	int			 nupd, ndel;
	struct sync_state	*upd;
	struct sync_key		*del;
	int			 bulk_request, bulk_end, heartbeat, resync;
	uint32_t		 heartbeat_ms, resync_node;
	int			 nnacks;
	struct msg_nack		 nacks[MSG_MAXPEERS];
	int			 order[8], norder;	/* callback order */
	int			 refuse;
};

enum { O_NACK = 1, O_RESYNC, O_BREQ, O_HB, O_UPD, O_DEL, O_BEND };

static struct got	 got;

static void
got_reset(void)
{
	free(got.upd);
	free(got.del);
	memset(&got, 0, sizeof(got));
	got.upd = calloc(MAXGOT, sizeof(*got.upd));
	got.del = calloc(MAXGOT, sizeof(*got.del));
}

static void
got_order(int what)
{
	if (got.norder == 0 || got.order[got.norder - 1] != what)
		if (got.norder < 8)
			got.order[got.norder++] = what;
}

static int
cb_header(void *arg, const struct msg_hdr *h)
{
	(void)arg;
	got.headers++;
	got.hdr = *h;
	return (got.refuse);
}

static void
cb_nack(void *arg, const struct msg_hdr *h, const struct msg_nack *n)
{
	(void)arg; (void)h;
	got_order(O_NACK);
	got.nacks[got.nnacks++] = *n;
}

static void
cb_resync(void *arg, const struct msg_hdr *h, uint32_t node)
{
	(void)arg; (void)h;
	got_order(O_RESYNC);
	got.resync++;
	got.resync_node = node;
}

static void
cb_breq(void *arg, const struct msg_hdr *h)
{
	(void)arg; (void)h;
	got_order(O_BREQ);
	got.bulk_request++;
}

static void
cb_hb(void *arg, const struct msg_hdr *h, uint32_t ms)
{
	(void)arg; (void)h;
	got_order(O_HB);
	got.heartbeat++;
	got.heartbeat_ms = ms;
}

static void
cb_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	(void)arg; (void)h;
	got_order(O_UPD);
	ck_assert_int_lt(got.nupd, MAXGOT);
	got.upd[got.nupd++] = *s;
}

static void
cb_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	(void)arg; (void)h;
	got_order(O_DEL);
	ck_assert_int_lt(got.ndel, MAXGOT);
	got.del[got.ndel++] = *k;
}

static void
cb_bend(void *arg, const struct msg_hdr *h)
{
	(void)arg; (void)h;
	got_order(O_BEND);
	got.bulk_end++;
}

static const struct msg_cb cb = {
	cb_header, cb_nack, cb_resync, cb_breq, cb_hb, cb_update, cb_delete,
	cb_bend
};

static void
hdr_init(struct msg_hdr *h, uint32_t seq)
{
	memset(h, 0, sizeof(*h));
	h->nonce = 0x0123456789abcdefULL;
	h->node = 7;
	h->seq = seq;
	h->base = seq;
}

static void
addr4(union sync_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(inet_pton(AF_INET, s, &a->v4), 1);
}

static void
addr6(union sync_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a->v6), 1);
}

static void
invert(const struct sync_tuple *t, struct sync_tuple *r)
{
	*r = *t;
	r->src = t->dst;
	r->dst = t->src;
	r->sport = t->dport;
	r->dport = t->sport;
}

static void
mk_tcp4(struct sync_state *s, uint32_t i)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->l4proto = IPPROTO_TCP;
	addr4(&s->orig.src, "192.0.2.10");
	addr4(&s->orig.dst, "198.51.100.20");
	s->orig.src.v4.s_addr = htonl(0xc0000200 + (i & 0xff) +
	    ((i >> 8) << 16));
	s->orig.sport = 1024 + (i % 50000);
	s->orig.dport = 443;
	invert(&s->orig, &s->reply);
	s->status = 0x18e;
	s->mark = 0x42;
	s->timeout = 432000;
	s->tcp_state = 3;
	s->tcp_wscale_orig = 7;
	s->tcp_wscale_repl = 14;
	s->tcp_flags_orig = 0x23;
	s->tcp_flags_repl = 0x33;
}

#endif
