/* The sync codec alone (proto/sync.c): msg_out -> msg_decode ->
 * msg_dispatch round trips for every message type, compared field by
 * field as libnftnl's tests do per expression, the arena, truncated and
 * garbage input. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "proto/sync.h"
#include "tests/unit/sync_test.h"
#include "tests/unit/unit.h"

static struct msg_dgram	 dgram;		/* 64 KB: not on the stack */

static void
mk_icmp(struct sync_state *s, int v6)
{
	memset(s, 0, sizeof(*s));
	s->family = v6 ? AF_INET6 : AF_INET;
	s->l4proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (v6) {
		addr6(&s->orig.src, "2001:db8::1");
		addr6(&s->orig.dst, "2001:db8::2");
	} else {
		addr4(&s->orig.src, "10.0.0.1");
		addr4(&s->orig.dst, "10.0.0.2");
	}
	s->orig.icmp_type = v6 ? 128 : 8;
	s->orig.icmp_id = 0x4242;
	sync_tuple_invert(s->l4proto, &s->orig, &s->reply);
	s->timeout = 30;
}

/* One datagram of hdr, ctl and the n states (updates, or deletes of
 * their keys), decoded and dispatched into got. */
static size_t
dec_roundtrip(const struct msg_hdr *h, const struct msg_ctl *c,
    const struct sync_state *st, size_t n, int del, uint8_t *buf,
    size_t room)
{
	struct msg_out	 o;
	struct sync_key	 k;
	size_t		 i, len;

	got_reset();
	ck_assert_int_eq(msg_out_begin(&o, h, c, buf, room), 0);
	for (i = 0; i < n; i++) {
		msg_state_key(&st[i], &k);
		ck_assert_int_eq(del ? msg_out_delete(&o, &k) :
		    msg_out_update(&o, &st[i]), 0);
	}
	len = msg_out_end(&o);
	ck_assert_uint_le(len, room);
	ck_assert_int_eq(msg_decode(&dgram, buf, len), 0);
	ck_assert_uint_eq(dgram.hdr.node, h->node);
	ck_assert_uint_eq(dgram.hdr.seq, h->seq);
	ck_assert_uint_eq(dgram.hdr.nonce, h->nonce);
	ck_assert_int_eq(msg_dispatch(&dgram, &cb, NULL), 0);
	ck_assert_mem_eq(&got.hdr, &dgram.hdr, sizeof(got.hdr));
	msg_dgram_free(&dgram);
	return (len);
}

START_TEST(test_dec_states)
{
	struct sync_state	 st[6];
	struct sync_key		 k;
	struct msg_hdr		 h;
	uint8_t			 buf[ROOM];
	int			 i, del;

	hdr_init(&h, 3);
	mk_tcp4(&st[0], 1);
	mk_tcp4(&st[1], 2);
	st[1].family = AF_INET6;
	addr6(&st[1].orig.src, "2001:db8::10");
	addr6(&st[1].orig.dst, "2001:db8::20");
	invert(&st[1].orig, &st[1].reply);
	mk_icmp(&st[2], 0);
	mk_icmp(&st[3], 1);
	mk_tcp4(&st[4], 3);
	st[4].l4proto = IPPROTO_UDP;
	st[4].tcp_state = st[4].tcp_wscale_orig = st[4].tcp_wscale_repl = 0;
	st[4].tcp_flags_orig = st[4].tcp_flags_repl = 0;
	st[4].relay = 1;
	mk_tcp4(&st[5], 4);		/* NATed: the reply goes explicitly */
	addr4(&st[5].reply.dst, "203.0.113.1");
	st[5].reply.dport = 61000;
	st[5].status |= 0x10;
	for (del = 0; del < 2; del++) {
		dec_roundtrip(&h, NULL, st, 6, del, buf, sizeof(buf));
		ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA, MSG_F_DATA);
		ck_assert_int_eq(got.nupd, del ? 0 : 6);
		ck_assert_int_eq(got.ndel, del ? 6 : 0);
		for (i = 0; i < 6; i++) {
			msg_state_key(&st[i], &k);
			if (del)
				ck_assert(msg_key_equal(&got.del[i], &k));
			else
				ck_assert_mem_eq(&got.upd[i], &st[i],
				    sizeof(st[i]));
		}
	}
}
END_TEST

/* The header with acks, and each control message alone and together. */
START_TEST(test_dec_control)
{
	struct msg_ctl		 c;
	struct msg_hdr		 h;
	uint8_t			 buf[9000];	/* 256 nack ranges */
	int			 i;

	hdr_init(&h, 0xffffffff);
	h.acks_len = MSG_MAXPEERS;
	for (i = 0; i < MSG_MAXPEERS; i++) {
		h.acks[i].node = i + 1;
		h.acks[i].nonce = 0x1000000000ULL * i;
		h.acks[i].seq = 7 * i;
	}
	for (i = 0; i < 6; i++) {
		memset(&c, 0, sizeof(c));
		c.bulk_request = i == 0 || i == 5;
		c.bulk_end = i == 1 || i == 5;
		c.heartbeat = i == 2 || i == 5;
		c.heartbeat_ms = 250;
		c.resync = i == 3 || i == 5;
		c.resync_node = 9;
		if (i == 4 || i == 5) {
			c.nnacks = MSG_MAXPEERS;
			for (size_t n = 0; n < c.nnacks; n++) {
				c.nacks[n].node = n + 1;
				c.nacks[n].nranges = MSG_MAXRANGES;
				for (size_t r = 0; r < MSG_MAXRANGES; r++) {
					c.nacks[n].ranges[r].first = 100 * r;
					c.nacks[n].ranges[r].count = r + 1;
				}
			}
		}
		dec_roundtrip(&h, &c, NULL, 0, 0, buf, sizeof(buf));
		ck_assert_uint_eq(got.hdr.acks_len, MSG_MAXPEERS);
		ck_assert_mem_eq(got.hdr.acks, h.acks, sizeof(h.acks));
		ck_assert_int_eq(got.bulk_request, c.bulk_request);
		ck_assert_int_eq(got.bulk_end, c.bulk_end);
		ck_assert_int_eq(got.heartbeat, c.heartbeat);
		if (c.heartbeat)
			ck_assert_uint_eq(got.heartbeat_ms, 250);
		ck_assert_int_eq(got.resync, c.resync);
		if (c.resync)
			ck_assert_uint_eq(got.resync_node, 9);
		ck_assert_int_eq(got.nnacks, (int)c.nnacks);
		if (c.nnacks)
			ck_assert_mem_eq(got.nacks, c.nacks, sizeof(c.nacks));
		ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA,
		    c.bulk_end || c.resync ? MSG_F_DATA : 0);
	}
}
END_TEST

/* Room runs out: ENOSPC once some state went in, EMSGSIZE when even a
 * datagram of its own is too small. */
START_TEST(test_out_full)
{
	struct msg_out		 o;
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];
	int			 n = 0;

	hdr_init(&h, 1);
	mk_tcp4(&s, 1);
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, 200), 0);
	while (msg_out_update(&o, &s) == 0)
		n++;
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_gt(n, 1);
	ck_assert_uint_le(msg_out_end(&o), 200);
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, 40), 0);
	ck_assert_int_eq(msg_out_update(&o, &s), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	s.family = 0;
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, 200), 0);
	ck_assert_int_eq(msg_out_update(&o, &s), -1);
	ck_assert_int_eq(errno, EINVAL);
	h.acks_len = MSG_MAXPEERS + 1;
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, 200), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A jumbo datagram stays in the arena; the largest one spills to the
 * heap and gives it back (ASan checks the leak). */
START_TEST(test_dec_arena)
{
	static uint8_t		 buf[MSG_MAXDGRAM];
	static struct sync_state st[MSG_MAXITEMS];
	const size_t		 rooms[] = { 9000 - MSG_OVERHEAD_V6 - 16,
				    MSG_MAXDGRAM };
	struct msg_out		 o;
	struct msg_hdr		 h;
	size_t			 i, r, len;

	hdr_init(&h, 1);
	for (i = 0; i < MSG_MAXITEMS; i++) {
		mk_tcp4(&st[i], i);
		st[i].family = AF_INET6;
		st[i].orig.dst.b[0] = 0x20;
		st[i].reply.dport = 1;		/* explicit reply tuple */
		snprintf(st[i].helper, sizeof(st[i].helper), "ftp");
	}
	for (r = 0; r < 2; r++) {
		got_reset();
		ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, rooms[r]),
		    0);
		for (i = 0; i < MSG_MAXITEMS; i++)
			if (msg_out_update(&o, &st[i]) == -1)
				break;
		len = msg_out_end(&o);
		ck_assert_int_eq(msg_decode(&dgram, buf, len), 0);
		ck_assert_int_eq(dgram.spilled, r == 1);
		ck_assert_int_eq(msg_dispatch(&dgram, &cb, NULL), 0);
		ck_assert_int_eq(got.nupd, (int)i);
		ck_assert_mem_eq(&got.upd[i - 1], &st[i - 1], sizeof(st[0]));
		msg_dgram_free(&dgram);
	}
}
END_TEST

/* With a prefetch callback, the states and deletes come a chunk at a
 * time: every key of a chunk is prefetched, in order, before the first
 * of them is passed on, and nothing is lost or reordered across chunks.
 * The log holds 'p'/'u'/'d' and the index of the item. */
static char	 pf_log[512];
static int	 pf_n, pf_keys;
static struct sync_key pf_key[160];

static void
pf_prefetch(void *arg, const struct sync_key *k)
{
	(void)arg;
	ck_assert_int_lt(pf_keys, 160);
	pf_key[pf_keys++] = *k;
	pf_log[pf_n++] = 'p';
}

static void
pf_update(void *arg, const struct msg_hdr *h, const struct sync_state *s)
{
	cb_update(arg, h, s);
	pf_log[pf_n++] = 'u';
}

static void
pf_delete(void *arg, const struct msg_hdr *h, const struct sync_key *k)
{
	cb_delete(arg, h, k);
	pf_log[pf_n++] = 'd';
}

START_TEST(test_dec_prefetch)
{
	static uint8_t		 buf[9000];
	struct msg_cb		 pcb = cb;
	struct sync_state	 st[70];
	struct sync_key		 k;
	struct msg_out		 o;
	struct msg_hdr		 h;
	char			 want[512];
	int			 i, j, n = 0, chunk;

	got_reset();
	pcb.prefetch = pf_prefetch;
	pcb.update = pf_update;
	pcb.delete = pf_delete;
	hdr_init(&h, 1);
	ck_assert_int_eq(msg_out_begin(&o, &h, NULL, buf, sizeof(buf)), 0);
	for (i = 0; i < 70; i++) {
		mk_tcp4(&st[i], i);
		ck_assert_int_eq(msg_out_update(&o, &st[i]), 0);
	}
	for (i = 0; i < 40; i++) {
		msg_state_key(&st[i], &k);
		ck_assert_int_eq(msg_out_delete(&o, &k), 0);
	}
	ck_assert_int_eq(msg_decode(&dgram, buf, msg_out_end(&o)), 0);
	ck_assert_int_eq(msg_dispatch(&dgram, &pcb, NULL), 0);
	msg_dgram_free(&dgram);
	/* 70 updates: 32, 32, 6; 40 deletes: 32, 8 */
	for (i = 0; i < 110; i += chunk) {
		chunk = i < 70 ? (70 - i < 32 ? 70 - i : 32) :
		    (110 - i < 32 ? 110 - i : 32);
		for (j = 0; j < chunk; j++)
			want[n++] = 'p';
		for (j = 0; j < chunk; j++)
			want[n++] = i < 70 ? 'u' : 'd';
	}
	ck_assert_int_eq(pf_n, n);
	ck_assert_mem_eq(pf_log, want, (size_t)n);
	ck_assert_int_eq(got.nupd, 70);
	ck_assert_int_eq(got.ndel, 40);
	for (i = 0; i < 110; i++) {
		msg_state_key(&st[i < 70 ? i : i - 70], &k);
		ck_assert(msg_key_equal(&pf_key[i], &k));
		if (i < 70)
			ck_assert_mem_eq(&got.upd[i], &st[i], sizeof(st[i]));
		else
			ck_assert(msg_key_equal(&got.del[i - 70], &k));
	}
}
END_TEST

/* Every truncation of a datagram is refused by
 * msg_dispatch (before any callback), except the cuts at a field
 * boundary before the state: after the header, after the heartbeat. */
START_TEST(test_dec_truncated)
{
	struct sync_state	 st;
	struct msg_ctl		 c;
	struct msg_hdr		 h;
	struct msg_out		 o;
	uint8_t			 buf[ROOM];
	size_t			 len, cut;
	int			 ok = 0, rv;

	hdr_init(&h, 1);
	memset(&c, 0, sizeof(c));
	c.heartbeat = 1;
	c.heartbeat_ms = 1000;
	mk_tcp4(&st, 1);
	ck_assert_int_eq(msg_out_begin(&o, &h, &c, buf, sizeof(buf)), 0);
	ck_assert_int_eq(msg_out_update(&o, &st), 0);
	len = msg_out_end(&o);
	for (cut = 0; cut < len; cut++) {
		got_reset();
		rv = msg_decode(&dgram, buf, cut);
		if (rv == 0) {
			rv = msg_dispatch(&dgram, &cb, NULL);
			msg_dgram_free(&dgram);
		}
		ck_assert(rv == -1 || rv == 0);
		if (rv == 0) {
			ok++;
			ck_assert(cut == o.hdronly || cut == o.hdrlen);
			ck_assert_int_eq(got.heartbeat, cut == o.hdrlen);
		} else
			ck_assert_int_eq(got.headers, 0);
		ck_assert_int_eq(got.nupd, 0);
	}
	ck_assert_int_eq(ok, 2);
}
END_TEST

/* Random bytes never decode into states, and the buffer is reused. */
START_TEST(test_dec_garbage)
{
	uint8_t		 buf[512];
	unsigned	 seed = 7;
	int		 i, j;

	got_reset();
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < (int)sizeof(buf); j++)
			buf[j] = rand_r(&seed);
		if (msg_decode(&dgram, buf, 1 + i % sizeof(buf)) == 0) {
			(void)msg_dispatch(&dgram, &cb, NULL);
			msg_dgram_free(&dgram);
		}
	}
	ck_assert_int_eq(got.nupd + got.ndel, 0);
	ck_assert_int_eq(msg_decode(&dgram, buf, 0), -1);
	ck_assert_int_eq(msg_decode(&dgram, buf, MSG_MAXDGRAM + 1), -1);
	ck_assert_int_eq(msg_dispatch(&dgram, &cb, NULL), -1);
	msg_dgram_free(&dgram);
}
END_TEST

/* One inversion for the kernel side and the wire: ports and addresses
 * swap, an ICMP query's type becomes its reply's, as in the kernel's
 * conntrack (echo 8 -> 0, ICMPv6 echo 128 -> 129), and back. */
START_TEST(test_invert)
{
	static const struct {
		uint8_t	 proto, type, rtype;
	} t[] = {
		{ IPPROTO_TCP, 0, 0 },
		{ IPPROTO_UDP, 0, 0 },
		{ IPPROTO_ICMP, 8, 0 },
		{ IPPROTO_ICMP, 0, 8 },
		{ IPPROTO_ICMP, 13, 14 },
		{ IPPROTO_ICMP, 3, 3 },		/* no reply type: kept */
		{ IPPROTO_ICMPV6, 128, 129 },
		{ IPPROTO_ICMPV6, 129, 128 },
		{ IPPROTO_ICMPV6, 139, 140 },
	};
	struct sync_tuple	 o, r, back;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&o, 0, sizeof(o));
		addr4(&o.src, "10.0.0.1");
		addr4(&o.dst, "10.0.0.2");
		if (t[i].proto == IPPROTO_TCP || t[i].proto == IPPROTO_UDP) {
			o.sport = 40000;
			o.dport = 443;
		} else {
			o.icmp_type = t[i].type;
			o.icmp_code = 0;
			o.icmp_id = 0x1234;
		}
		sync_tuple_invert(t[i].proto, &o, &r);
		ck_assert_mem_eq(&r.src, &o.dst, sizeof(r.src));
		ck_assert_mem_eq(&r.dst, &o.src, sizeof(r.dst));
		ck_assert_uint_eq(r.sport, o.dport);
		ck_assert_uint_eq(r.dport, o.sport);
		ck_assert_uint_eq(r.icmp_id, o.icmp_id);
		ck_assert_uint_eq(r.icmp_code, o.icmp_code);
		ck_assert_msg(r.icmp_type == t[i].rtype, "case %zu: type %u",
		    i, r.icmp_type);
		sync_tuple_invert(t[i].proto, &r, &back);
		ck_assert_mem_eq(&back, &o, sizeof(o));
	}
}
END_TEST

/* An ICMP echo without NAT is a plain inverse now: its reply tuple is
 * left out, and rebuilt with the reply type on the other side. */
START_TEST(test_icmp_reply_omitted)
{
	struct sync_state	 s[2];
	struct msg_hdr		 h;
	uint8_t			 buf[ROOM];
	size_t			 plain, nat;

	hdr_init(&h, 1);
	mk_icmp(&s[0], 0);
	mk_icmp(&s[1], 1);
	plain = dec_roundtrip(&h, NULL, s, 2, 0, buf, sizeof(buf));
	ck_assert_mem_eq(got.upd, s, sizeof(s));
	ck_assert_uint_eq(got.upd[0].reply.icmp_type, 0);
	ck_assert_uint_eq(got.upd[1].reply.icmp_type, 129);
	s[0].reply.icmp_id = 1;		/* not an inverse: sent whole */
	s[1].reply.icmp_id = 1;
	nat = dec_roundtrip(&h, NULL, s, 2, 0, buf, sizeof(buf));
	ck_assert_mem_eq(got.upd, s, sizeof(s));
	ck_assert_uint_gt(nat, plain + 20);
}
END_TEST

static Suite *
sync_suite(void)
{
	Suite	*s = suite_create("sync");
	TCase	*tc;

	tc = tcase_create("tuple");
	tcase_add_test(tc, test_invert);
	tcase_add_test(tc, test_icmp_reply_omitted);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, test_dec_states);
	tcase_add_test(tc, test_dec_control);
	tcase_add_test(tc, test_out_full);
	tcase_add_test(tc, test_dec_arena);
	tcase_add_test(tc, test_dec_prefetch);
	tcase_add_test(tc, test_dec_truncated);
	tcase_add_test(tc, test_dec_garbage);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(sync_suite()));
}
