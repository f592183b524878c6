/* Expectations (docs/PROTOCOL.md, section 6.16): the codec's round trip
 * and its refusals (proto/sync_expect.c), the nfexp conversion both ways
 * (syncd/ct_expect_conv.c, no kernel needed), and the receiving queue of
 * syncd/expect.c against tests/unit/stub_ct_expect.c: apply after the
 * states, wait for a master, give up and count. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "sync.pb-c.h"
#include "proto/sync.h"
#include "syncd/ct_expect.h"
#include "syncd/expect.h"
#include "syncd/syncd.h"
#include "tests/unit/unit.h"

#define ROOM	(1500 - MSG_OVERHEAD_V4 - 16)

/* stub_ct_expect.c: the errno of every apply, 0 for success */
extern int	 stub_ct_expect_errno;

static struct {
	struct sync_expect	 upd[8], del[8];
	int			 nupd, ndel, nstates;
	int			 states_first;	/* a state came before any */
} got;

static void
cb_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	(void)arg; (void)h; (void)s;
	got.nstates++;
}

static void
cb_xupd(void *arg, const struct msg_hdr *h, const struct sync_expect *x)
{
	(void)arg; (void)h;
	if (got.nupd == 0 && got.ndel == 0)
		got.states_first = got.nstates > 0;
	if (got.nupd < 8)
		got.upd[got.nupd++] = *x;
}

static void
cb_xdel(void *arg, const struct msg_hdr *h, const struct sync_expect *x)
{
	(void)arg; (void)h;
	if (got.ndel < 8)
		got.del[got.ndel++] = *x;
}

static const struct msg_cb cb = {
	.update = cb_update,
	.expect_update = cb_xupd,
	.expect_delete = cb_xdel,
};

static void
a4(union sync_addr *a, const char *s)
{
	ck_assert_int_eq(inet_pton(AF_INET, s, &a->v4), 1);
}

static void
a6(union sync_addr *a, const char *s)
{
	ck_assert_int_eq(inet_pton(AF_INET6, s, &a->v6), 1);
}

/* An FTP passive-mode expectation under a source-NATed master. */
static void
mk_ftp4(struct sync_expect *x)
{
	memset(x, 0, sizeof(*x));
	x->family = AF_INET;
	x->l4proto = IPPROTO_TCP;
	x->zone = 3;
	a4(&x->master.src, "192.0.2.10");
	a4(&x->master.dst, "198.51.100.10");
	x->master.sport = 47668;
	x->master.dport = 21;
	x->exp_l4proto = IPPROTO_TCP;
	a4(&x->tuple.src, "192.0.2.10");
	a4(&x->tuple.dst, "198.51.100.10");
	x->tuple.dport = 60023;
	a4(&x->mask.src, "255.255.255.255");
	a4(&x->mask.dst, "255.255.255.255");
	x->mask.dport = 0xffff;
	x->timeout = 299;
	x->flags = 0;
	x->cls = 0;
	snprintf(x->helper, sizeof(x->helper), "%s", "ftp");
	snprintf(x->fn, sizeof(x->fn), "%s", "nat-follow-master");
	x->has_nat = 1;
	x->nat_dir = 0;
	a4(&x->nat.src, "198.51.100.10");
	x->nat.sport = 60023;
}

/* A SIP media expectation over IPv6: UDP under a UDP master, a wildcard
 * source address, class 1, no NAT. */
static void
mk_sip6(struct sync_expect *x)
{
	memset(x, 0, sizeof(*x));
	x->family = AF_INET6;
	x->l4proto = IPPROTO_UDP;
	a6(&x->master.src, "2001:db8:1::10");
	a6(&x->master.dst, "2001:db8:2::10");
	x->master.sport = 5060;
	x->master.dport = 5060;
	x->exp_l4proto = IPPROTO_UDP;
	a6(&x->tuple.dst, "2001:db8:1::10");
	x->tuple.dport = 16384;
	a6(&x->mask.dst, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	x->mask.dport = 0xffff;
	x->timeout = 180;
	x->flags = 2;
	x->cls = 1;
	snprintf(x->helper, sizeof(x->helper), "%s", "sip");
}

static void
mk_state(struct sync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->l4proto = IPPROTO_TCP;
	a4(&s->orig.src, "192.0.2.10");
	a4(&s->orig.dst, "198.51.100.10");
	s->orig.sport = 47668;
	s->orig.dport = 21;
	sync_tuple_invert(s->l4proto, &s->orig, &s->reply);
	s->timeout = 300;
	s->tcp_state = 3;
}

static size_t
build(uint8_t *buf, const struct sync_expect *upd, size_t nupd,
    const struct sync_expect *del, size_t ndel, int with_state)
{
	struct msg_hdr		 h;
	struct msg_out		 o;
	struct sync_state	 s;
	size_t			 i;

	memset(&h, 0, sizeof(h));
	h.nonce = 1;
	h.node = 7;
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, ROOM), 0);
	/* expectations first on the wire: the receiver still orders */
	for (i = 0; i < nupd; i++)
		ck_assert_int_eq(msg_out_expect_update(&o, &upd[i]), 0);
	for (i = 0; i < ndel; i++)
		ck_assert_int_eq(msg_out_expect_delete(&o, &del[i]), 0);
	if (with_state) {
		mk_state(&s);
		ck_assert_int_eq(msg_out_update(&o, &s), 0);
	}
	return (msg_out_end(&o));
}

START_TEST(test_roundtrip)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	struct sync_expect	 x[2], d, k;
	struct msg_hdr		 h;
	size_t			 len;

	mk_ftp4(&x[0]);
	mk_sip6(&x[1]);
	mk_ftp4(&d);
	memset(&got, 0, sizeof(got));
	len = build(buf, x, 2, &d, 1, 1);
	ck_assert_int_eq(msg_peek_header(buf, len, &h), 0);
	ck_assert_uint_eq(h.flags & MSG_F_DATA, MSG_F_DATA);
	ck_assert_int_eq(msg_parse(buf, len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 2);
	ck_assert_int_eq(got.ndel, 1);
	ck_assert_int_eq(got.states_first, 1);
	ck_assert_mem_eq(&got.upd[0], &x[0], sizeof(x[0]));
	ck_assert_mem_eq(&got.upd[1], &x[1], sizeof(x[1]));
	/* a delete carries the key alone */
	memset(&k, 0, sizeof(k));
	k.family = d.family;
	k.exp_l4proto = d.exp_l4proto;
	k.zone = d.zone;
	k.tuple = d.tuple;
	ck_assert_mem_eq(&got.del[0], &k, sizeof(k));
}
END_TEST

/* What the encoder refuses, it never sends. */
START_TEST(test_encode_refuses)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	struct msg_hdr		 h;
	struct msg_out		 o;
	struct sync_expect	 x;

	memset(&h, 0, sizeof(h));
	h.node = 7;
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, ROOM), 0);
	mk_ftp4(&x);
	x.nat_dir = 2;
	ck_assert_int_eq(msg_out_expect_update(&o, &x), -1);
	ck_assert_int_eq(errno, EINVAL);
	mk_ftp4(&x);
	memset(x.helper, 'a', sizeof(x.helper));
	ck_assert_int_eq(msg_out_expect_update(&o, &x), -1);
	mk_ftp4(&x);
	x.family = 0;
	ck_assert_int_eq(msg_out_expect_delete(&o, &x), -1);
	mk_ftp4(&x);
	memset(&x.master.dst, 0, sizeof(x.master.dst));	/* unspecified */
	ck_assert_int_eq(msg_out_expect_update(&o, &x), -1);
	mk_ftp4(&x);
	x.l4proto = IPPROTO_ICMPV6;			/* not with v4 */
	ck_assert_int_eq(msg_out_expect_update(&o, &x), -1);
	ck_assert_uint_eq(o.nitems, 0);
}
END_TEST

/* A forged datagram (the peer has the key, not our trust): packed by
 * hand, refused whole, no callback at all. */
static int
parse_forged(void (*spoil)(Sync__ExpectUpdate *))
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	Sync__Datagram		 dg = SYNC__DATAGRAM__INIT;
	Sync__Header		 hd = SYNC__HEADER__INIT;
	Sync__ExpectUpdate	 u, *up = &u;
	Sync__Tuple		 m = SYNC__TUPLE__INIT, t = SYNC__TUPLE__INIT;
	uint8_t			 src[4] = { 192, 0, 2, 10 };
	uint8_t			 dst[4] = { 198, 51, 100, 10 };
	size_t			 len;

	sync__expect_update__init(&u);
	hd.version = SYNC_WIRE_VERSION;
	hd.node = 7;
	m.src.len = t.src.len = 4;
	m.src.data = t.src.data = src;
	m.dst.len = t.dst.len = 4;
	m.dst.data = t.dst.data = dst;
	u.family = 4;
	u.l4proto = u.exp_l4proto = IPPROTO_TCP;
	u.master = &m;
	u.tuple = &t;
	u.mask = &t;
	spoil(&u);
	dg.header = &hd;
	dg.n_expect_updates = 1;
	dg.expect_updates = &up;
	len = sync__datagram__pack(&dg, buf);
	memset(&got, 0, sizeof(got));
	return (msg_parse(buf, len, &cb, NULL));
}

static void spoil_none(Sync__ExpectUpdate *u) { (void)u; }
static void spoil_family(Sync__ExpectUpdate *u) { u->family = 5; }
static void spoil_mask(Sync__ExpectUpdate *u) { u->mask = NULL; }
static void spoil_master(Sync__ExpectUpdate *u) { u->master = NULL; }
static void spoil_proto(Sync__ExpectUpdate *u) { u->exp_l4proto = 300; }
static void spoil_natdir(Sync__ExpectUpdate *u) { u->nat_dir = 1; }
static void spoil_class(Sync__ExpectUpdate *u) { u->class_ = 256; }
static void
spoil_helper(Sync__ExpectUpdate *u)
{
	u->helper = (char *)(uintptr_t)"a-helper-name-too-long";
}
static void
spoil_timeout(Sync__ExpectUpdate *u)
{
	u->timeout = 0xffffffffU;
}

START_TEST(test_decode_refuses)
{
	static void (*const spoil[])(Sync__ExpectUpdate *) = {
		spoil_family, spoil_mask, spoil_master, spoil_proto,
		spoil_natdir, spoil_class, spoil_helper, spoil_timeout,
	};
	size_t	 i;

	ck_assert_int_eq(parse_forged(spoil_none), 0);
	ck_assert_int_eq(got.nupd, 1);
	for (i = 0; i < sizeof(spoil) / sizeof(spoil[0]); i++) {
		ck_assert_int_eq(parse_forged(spoil[i]), -1);
		ck_assert_int_eq(got.nupd, 0);
	}
}
END_TEST

/* Every prefix of a valid datagram, and flipped bytes: refused or
 * taken, never a crash (ASan/UBSan run this in make unit-san). */
START_TEST(test_decode_truncated)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	struct sync_expect	 x[2];
	size_t			 len, i;

	mk_ftp4(&x[0]);
	mk_sip6(&x[1]);
	len = build(buf, x, 2, x, 2, 0);
	for (i = 0; i < len; i++)
		(void)msg_parse(buf, i, &cb, NULL);
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x5a;
		(void)msg_parse(buf, len, &cb, NULL);
		buf[i] ^= 0x5a;
	}
	ck_assert_int_eq(msg_parse(buf, len, &cb, NULL), 0);
}
END_TEST

/* sync_expect -> nf_expect -> sync_expect keeps every field. */
static void
conv_roundtrip(const struct sync_expect *x)
{
	struct nf_expect	*e = nfexp_new();
	struct sync_expect	 back;

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(ct_expect_to_nfexp(x, e, 0), 0);
	ck_assert_int_eq(ct_expect_from_nfexp(e, &back), 0);
	ck_assert_mem_eq(&back, x, sizeof(*x));
	nfexp_destroy(e);
}

START_TEST(test_conv)
{
	struct sync_expect	 x;

	mk_ftp4(&x);
	conv_roundtrip(&x);
	mk_sip6(&x);
	conv_roundtrip(&x);
}
END_TEST

/* ---------------------------------------------------- receiving queue */

static struct conf_sync	 cs;
static struct syncd	 sc;

static void
rx_setup(int on)
{
	memset(&sc, 0, sizeof(sc));
	memset(&cs, 0, sizeof(cs));
	cs.expectations = on;
	sc.cs = &cs;
	ck_assert_int_eq(expect_start(&sc), 0);
}

START_TEST(test_wait_master)
{
	struct sync_expect	 x;

	rx_setup(1);
	mk_ftp4(&x);
	stub_ct_expect_errno = ENOENT;		/* no master yet */
	expect_peer(&sc, 0, &x);
	expect_apply(&sc, 1000);
	ck_assert_uint_eq(expect_waiting(&sc), 1);
	expect_apply(&sc, 1000 + EXPECT_RETRY_MS);
	ck_assert_uint_eq(expect_waiting(&sc), 1);
	stub_ct_expect_errno = 0;		/* its state arrived */
	expect_apply(&sc, 1000 + EXPECT_RETRY_MS + 1);	/* not yet again */
	ck_assert_uint_eq(expect_waiting(&sc), 1);
	sc.st.states_applied++;			/* a master may have come */
	expect_apply(&sc, 1000 + EXPECT_RETRY_MS + 2);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	ck_assert_uint_eq(sc.st.expects_applied, 1);
	ck_assert_uint_eq(sc.st.expects_dropped, 0);
	expect_stop(&sc);
}
END_TEST

START_TEST(test_give_up)
{
	struct sync_expect	 x;

	rx_setup(1);
	mk_ftp4(&x);
	stub_ct_expect_errno = ENOENT;
	expect_peer(&sc, 0, &x);
	expect_apply(&sc, 1000);
	expect_apply(&sc, 1000 + EXPECT_WAIT_MS);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	ck_assert_uint_eq(sc.st.expects_dropped, 1);
	/* a delete of what is gone is no error */
	expect_peer(&sc, 1, &x);
	expect_apply(&sc, 1000);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	ck_assert_uint_eq(sc.st.expect_errors, 0);
	/* a refusal is counted, not retried */
	stub_ct_expect_errno = EOPNOTSUPP;
	expect_peer(&sc, 0, &x);
	expect_apply(&sc, 1000);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	ck_assert_uint_eq(sc.st.expect_errors, 1);
	expect_stop(&sc);
}
END_TEST

/* A delete overtakes the create of the same key still waiting; the
 * queue is bounded; switched off, everything is dropped. */
START_TEST(test_coalesce_bound_off)
{
	struct sync_expect	 x;
	int			 i;

	rx_setup(1);
	mk_ftp4(&x);
	stub_ct_expect_errno = ENOENT;
	expect_peer(&sc, 0, &x);
	expect_peer(&sc, 1, &x);
	ck_assert_uint_eq(expect_waiting(&sc), 1);
	expect_apply(&sc, 1000);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	for (i = 0; i < EXPECT_QMAX + 5; i++) {
		x.tuple.dport = 1000 + i;
		expect_peer(&sc, 0, &x);
	}
	ck_assert_uint_eq(expect_waiting(&sc), EXPECT_QMAX);
	ck_assert_uint_eq(sc.st.expects_dropped, 5);
	expect_stop(&sc);

	rx_setup(0);
	expect_peer(&sc, 0, &x);
	ck_assert_uint_eq(expect_waiting(&sc), 0);
	ck_assert_uint_eq(sc.st.expects_dropped, 1);
	expect_stop(&sc);
}
END_TEST

static Suite *
expect_suite(void)
{
	Suite	*s = suite_create("expect");
	TCase	*tc;

	tc = tcase_create("codec");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_decode_refuses);
	tcase_add_test(tc, test_decode_truncated);
	suite_add_tcase(s, tc);
	tc = tcase_create("conv");
	tcase_add_test(tc, test_conv);
	suite_add_tcase(s, tc);
	tc = tcase_create("queue");
	tcase_add_test(tc, test_wait_master);
	tcase_add_test(tc, test_give_up);
	tcase_add_test(tc, test_coalesce_bound_off);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(expect_suite()));
}
