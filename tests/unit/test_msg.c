/* syncd's send queue and datagram building (syncd/queue.c) over the
 * codec: round trips for every kind of state, coalescing, datagram
 * filling, malformed input through the msg_parse/msg_peek_header entry
 * points. The codec alone: test_sync.c. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sync.pb-c.h"

#include "syncd/queue.h"
#include "tests/unit/sync_test.h"
#include "tests/unit/unit.h"

/* Queue one state, build, parse: what comes out equals what went in. */
static void
roundtrip(const struct sync_state *in)
{
	struct msg_queue	*q = msg_queue_new(16);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	uint8_t			 buf[ROOM];
	struct sync_state	 want = *in;
	struct sync_key		 k;

	ck_assert_ptr_nonnull(q);
	got_reset();
	hdr_init(&h, 1);
	ck_assert_int_eq(msg_queue_update(q, in), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_uint_eq(b->nkeys, 1);
	ck_assert_int_eq(b->more, 0);
	msg_state_key(in, &k);
	ck_assert(msg_key_equal(&b->keys[0], &k));
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 1);
	ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA, MSG_F_DATA);
	ck_assert_mem_eq(&got.upd[0], &want, sizeof(want));
	msg_queue_free(q);
	free(b);
}

START_TEST(test_rt_tcp4)
{
	struct sync_state	 s;

	mk_tcp4(&s, 1);
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_udp4)
{
	struct sync_state	 s;

	mk_tcp4(&s, 2);
	s.l4proto = IPPROTO_UDP;
	s.tcp_state = s.tcp_wscale_orig = s.tcp_wscale_repl = 0;
	s.tcp_flags_orig = s.tcp_flags_repl = 0;
	s.orig.dport = 53;
	invert(&s.orig, &s.reply);
	s.timeout = 600;
	s.zone = 65535;
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_icmp)
{
	struct sync_state	 s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.l4proto = IPPROTO_ICMP;
	addr4(&s.orig.src, "10.0.0.1");
	addr4(&s.orig.dst, "10.0.0.2");
	s.orig.icmp_type = 8;
	s.orig.icmp_id = 0xbeef;
	invert(&s.orig, &s.reply);
	s.reply.icmp_type = 0;		/* echo reply, as the kernel has it */
	s.timeout = 30;
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_icmpv6)
{
	struct sync_state	 s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	s.l4proto = IPPROTO_ICMPV6;
	addr6(&s.orig.src, "2001:db8::1");
	addr6(&s.orig.dst, "2001:db8:ffff::2");
	s.orig.icmp_type = 128;
	s.orig.icmp_id = 77;
	invert(&s.orig, &s.reply);
	s.reply.icmp_type = 129;
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_sctp)
{
	struct sync_state	 s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.l4proto = IPPROTO_SCTP;
	addr4(&s.orig.src, "10.1.0.1");
	addr4(&s.orig.dst, "10.2.0.1");
	s.orig.sport = 36412;
	s.orig.dport = 36412;
	invert(&s.orig, &s.reply);
	s.sctp_state = 3;
	s.sctp_vtag_orig = 0xdeadbeef;
	s.sctp_vtag_repl = 0x01020304;
	s.timeout = 210;
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_tcp6)
{
	struct sync_state	 s;

	mk_tcp4(&s, 3);
	s.family = AF_INET6;
	addr6(&s.orig.src, "2001:db8:1::10");
	addr6(&s.orig.dst, "2001:db8:2::20");
	invert(&s.orig, &s.reply);
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_nat)
{
	struct sync_state	 s;

	/* SNAT 10.0.0.5:40000 -> 203.0.113.1:61000 towards 198.51.100.9:80 */
	mk_tcp4(&s, 4);
	addr4(&s.orig.src, "10.0.0.5");
	s.orig.sport = 40000;
	addr4(&s.orig.dst, "198.51.100.9");
	s.orig.dport = 80;
	addr4(&s.reply.src, "198.51.100.9");
	s.reply.sport = 80;
	addr4(&s.reply.dst, "203.0.113.1");
	s.reply.dport = 61000;
	s.status |= 0x10 | 0x20;	/* IPS_SRC_NAT, IPS_DST_NAT */
	roundtrip(&s);

	/* DNAT of an IPv6 UDP flow */
	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	s.l4proto = IPPROTO_UDP;
	addr6(&s.orig.src, "2001:db8::100");
	addr6(&s.orig.dst, "2001:db8::53");
	s.orig.sport = 5353;
	s.orig.dport = 53;
	addr6(&s.reply.src, "fd00::53");
	addr6(&s.reply.dst, "2001:db8::100");
	s.reply.sport = 5300;
	s.reply.dport = 5353;
	roundtrip(&s);
}
END_TEST

START_TEST(test_rt_extras)
{
	struct sync_state	 s;
	int			 i;

	mk_tcp4(&s, 5);
	s.has_labels = 1;
	for (i = 0; i < SYNC_LABELS_LEN; i++)
		s.labels[i] = 0xa0 + i;
	snprintf(s.helper, sizeof(s.helper), "%s", "ftp");
	s.zone = 3;
	roundtrip(&s);

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.l4proto = IPPROTO_DCCP;
	addr4(&s.orig.src, "10.3.0.1");
	addr4(&s.orig.dst, "10.3.0.2");
	s.orig.sport = 5001;
	s.orig.dport = 5002;
	invert(&s.orig, &s.reply);
	s.dccp_state = 4;
	snprintf(s.helper, sizeof(s.helper), "%s", "0123456789abcde");
	roundtrip(&s);
}
END_TEST

/* No NAT: the reply tuple is left out and rebuilt, so a plain state is
 * smaller than a NATed one. */
START_TEST(test_reply_omitted)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];
	size_t			 plain;

	hdr_init(&h, 1);
	mk_tcp4(&s, 6);
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	plain = b->len;
	s.reply.dport = 999;
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_uint_gt(b->len, plain + 10);
	/* about 20 IPv4 TCP states per 1500-byte datagram */
	ck_assert_uint_lt(plain, 100);
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_rt_delete)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	struct sync_key		 k;
	uint8_t			 buf[ROOM];

	got_reset();
	hdr_init(&h, 9);
	mk_tcp4(&s, 7);
	s.family = AF_INET6;
	addr6(&s.orig.src, "2001:db8::7");
	addr6(&s.orig.dst, "2001:db8::8");
	s.zone = 12;
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_uint_eq(b->nkeys, 1);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 0);
	ck_assert_int_eq(got.ndel, 1);
	ck_assert(msg_key_equal(&got.del[0], &k));
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_rt_header)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h, p;
	uint8_t			 buf[ROOM];

	got_reset();
	hdr_init(&h, 0xfffffffe);
	h.base = 0xfffffff0;
	h.acks_len = 2;
	h.acks[0].node = 3;
	h.acks[0].nonce = 0xfeedfacecafebeefULL;
	h.acks[0].seq = 12345;
	h.acks[1].node = 4;
	h.acks[1].nonce = 1;
	h.acks[1].seq = 0;
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_uint_eq(b->nkeys, 0);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.headers, 1);
	ck_assert_uint_eq(got.hdr.version, SYNC_WIRE_VERSION);
	ck_assert_uint_eq(got.hdr.nonce, h.nonce);
	ck_assert_uint_eq(got.hdr.node, 7);
	ck_assert_uint_eq(got.hdr.seq, 0xfffffffe);
	ck_assert_uint_eq(got.hdr.base, 0xfffffff0);
	ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA, 0);
	ck_assert_uint_eq(got.hdr.acks_len, 2);
	ck_assert_mem_eq(got.hdr.acks, h.acks, 2 * sizeof(h.acks[0]));
	ck_assert_int_eq(msg_peek_header(buf, b->len, &p), 0);
	ck_assert_mem_eq(&p, &got.hdr, sizeof(p));
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_rt_control)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_ctl		 c;
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];
	const int		 want[] = { O_NACK, O_RESYNC, O_BREQ, O_HB,
				    O_UPD, O_DEL, O_BEND };
	struct sync_key		 k;

	got_reset();
	hdr_init(&h, 5);
	memset(&c, 0, sizeof(c));
	c.bulk_request = c.bulk_end = c.heartbeat = c.resync = 1;
	c.heartbeat_ms = 1000;
	c.resync_node = 4;
	c.nnacks = 2;
	c.nacks[0].node = 4;
	c.nacks[0].nranges = 2;
	c.nacks[0].ranges[0].first = 0xffffffff;
	c.nacks[0].ranges[0].count = 3;
	c.nacks[0].ranges[1].first = 10;
	c.nacks[0].ranges[1].count = 1;
	c.nacks[1].node = 5;
	c.nacks[1].nranges = 1;
	c.nacks[1].ranges[0].first = 100;
	c.nacks[1].ranges[0].count = 100;
	mk_tcp4(&s, 1);
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	mk_tcp4(&s, 2);
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_int_eq(msg_build(q, &h, &c, buf, sizeof(buf), b), 0);
	ck_assert_uint_eq(b->nkeys, 2);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.bulk_request, 1);
	ck_assert_int_eq(got.bulk_end, 1);
	ck_assert_int_eq(got.heartbeat, 1);
	ck_assert_uint_eq(got.heartbeat_ms, 1000);
	ck_assert_int_eq(got.resync, 1);
	ck_assert_uint_eq(got.resync_node, 4);
	ck_assert_int_eq(got.nnacks, 2);
	ck_assert_mem_eq(&got.nacks[0], &c.nacks[0], sizeof(c.nacks[0]));
	ck_assert_mem_eq(&got.nacks[1], &c.nacks[1], sizeof(c.nacks[1]));
	ck_assert_int_eq(got.norder, 7);
	ck_assert_mem_eq(got.order, want, sizeof(want));
	msg_queue_free(q);
	free(b);
}
END_TEST

/* Each control message alone, and the data flag it implies. */
START_TEST(test_rt_control_alone)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_ctl		 c;
	struct msg_hdr		 h;
	uint8_t			 buf[ROOM];
	int			 i;

	hdr_init(&h, 5);
	for (i = 0; i < 5; i++) {
		got_reset();
		memset(&c, 0, sizeof(c));
		switch (i) {
		case 0: c.bulk_request = 1; break;
		case 1: c.bulk_end = 1; break;
		case 2: c.heartbeat = 1; break;
		case 3: c.resync = 1; break;
		case 4:
			c.nnacks = 1;
			c.nacks[0].node = 1;
			c.nacks[0].nranges = 1;
			c.nacks[0].ranges[0].count = 1;
			break;
		}
		ck_assert_int_eq(msg_build(q, &h, &c, buf, sizeof(buf), b), 0);
		ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
		ck_assert_int_eq(got.bulk_request, i == 0);
		ck_assert_int_eq(got.bulk_end, i == 1);
		ck_assert_int_eq(got.heartbeat, i == 2);
		ck_assert_int_eq(got.resync, i == 3);
		ck_assert_int_eq(got.nnacks, i == 4);
		/* bulk end and resync must be acked (rel.c repairs them) */
		ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA,
		    (i == 1 || i == 3) ? MSG_F_DATA : 0);
	}
	msg_queue_free(q);
	free(b);
}
END_TEST

/* A full send window: no queue, so acks and control messages go out
 * and every queued state stays queued for later. */
START_TEST(test_no_queue)
{
	struct msg_queue	*q = msg_queue_new(8);
	struct msg_built	*b = malloc(sizeof(*b));
	struct sync_state	 st;
	struct msg_ctl		 c;
	struct msg_hdr		 h;
	uint8_t			 buf[ROOM];

	hdr_init(&h, 5);
	mk_tcp4(&st, 1);
	ck_assert_int_eq(msg_queue_update(q, &st), 0);
	memset(&c, 0, sizeof(c));
	c.heartbeat = 1;
	got_reset();
	ck_assert_int_eq(msg_build(NULL, &h, &c, buf, sizeof(buf), b), 0);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.heartbeat, 1);
	ck_assert_int_eq(got.nupd + got.ndel, 0);
	ck_assert_uint_eq(b->nkeys, 0);
	ck_assert_int_eq(b->more, 0);
	ck_assert_uint_eq(got.hdr.flags & MSG_F_DATA, 0);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_header_refused)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];

	got_reset();
	hdr_init(&h, 5);
	mk_tcp4(&s, 1);
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	got.refuse = 2;
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 2);
	ck_assert_int_eq(got.nupd, 0);
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_coalesce_updates)
{
	struct msg_queue	*q = msg_queue_new(16);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s, other;
	uint8_t			 buf[ROOM];
	int			 i;

	got_reset();
	hdr_init(&h, 1);
	mk_tcp4(&other, 99);
	for (i = 0; i < 100; i++) {
		mk_tcp4(&s, 1);
		s.timeout = 1000 + i;
		s.tcp_state = i % 10;
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
		if (i == 50)
			ck_assert_int_eq(msg_queue_update(q, &other), 0);
	}
	ck_assert_uint_eq(msg_queue_len(q), 2);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_uint_eq(b->nkeys, 2);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 2);
	/* FIFO: the coalesced state keeps its first place */
	ck_assert_mem_eq(&got.upd[0], &s, sizeof(s));
	ck_assert_uint_eq(got.upd[0].timeout, 1099);
	ck_assert_mem_eq(&got.upd[1], &other, sizeof(other));
	msg_queue_free(q);
	free(b);
}
END_TEST

START_TEST(test_coalesce_delete)
{
	struct msg_queue	*q = msg_queue_new(16);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	struct sync_key		 k;
	uint8_t			 buf[ROOM];

	got_reset();
	hdr_init(&h, 1);
	mk_tcp4(&s, 1);
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 0);
	ck_assert_int_eq(got.ndel, 1);

	/* delete then a new state on the same tuple: an update again */
	got_reset();
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	s.timeout = 7;
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b), 0);
	ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
	ck_assert_int_eq(got.ndel, 0);
	ck_assert_int_eq(got.nupd, 1);
	ck_assert_uint_eq(got.upd[0].timeout, 7);
	msg_queue_free(q);
	free(b);
}
END_TEST

/* 3000 states, half IPv6, some deleted: several datagrams, each within
 * room, every state out exactly once with its latest value. */
START_TEST(test_fill)
{
	const int		 n = 3000;
	struct msg_queue	*q = msg_queue_new(n);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];
	int			 i, dgrams = 0, *seen = calloc(n, sizeof(int));
	size_t			 keys = 0;

	got_reset();
	for (i = 0; i < n; i++) {
		mk_tcp4(&s, i);
		s.mark = i;
		if (i % 2) {
			s.family = AF_INET6;
			memset(&s.orig.dst, 0, sizeof(s.orig.dst));
			s.orig.dst.b[0] = 0x20;
			s.orig.dst.b[15] = 1;
			invert(&s.orig, &s.reply);
		}
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
	}
	hdr_init(&h, 1);
	do {
		ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), b),
		    0);
		ck_assert_uint_le(b->len, sizeof(buf));
		ck_assert_uint_gt(b->nkeys, 10);
		keys += b->nkeys;
		/* full datagrams: no room left for one more state */
		if (b->more)
			ck_assert_uint_gt(b->len, sizeof(buf) - 100);
		ck_assert_int_eq(msg_parse(buf, b->len, &cb, NULL), 0);
		dgrams++;
		h.seq++;
	} while (b->more);
	ck_assert_uint_eq(keys, n);
	ck_assert_int_eq(got.nupd, n);
	ck_assert_int_gt(dgrams, 100);
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(got.upd[i].mark, n);
		seen[got.upd[i].mark]++;
	}
	for (i = 0; i < n; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_uint_eq(msg_queue_len(q), 0);
	msg_queue_free(q);
	free(seen);
	free(b);
}
END_TEST

START_TEST(test_room_too_small)
{
	struct msg_queue	*q = msg_queue_new(4);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct sync_state	 s;
	uint8_t			 buf[ROOM];

	hdr_init(&h, 1);
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, 5, b), -1);
	mk_tcp4(&s, 1);
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	errno = 0;
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, 40, b), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	msg_queue_free(q);
	free(b);
}
END_TEST

/* The buckets grow with the queue: past many doublings every queued
 * key is still found (each coalesces) and deletes still unlink. */
START_TEST(test_queue_grow)
{
	struct msg_queue	*q = msg_queue_new(1 << 20);
	struct sync_state	 s;
	struct sync_key		 k;
	int			 i;

	for (i = 0; i < 20000; i++) {
		mk_tcp4(&s, i);
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
	}
	for (i = 0; i < 20000; i++) {
		mk_tcp4(&s, i);
		s.mark = 7;
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
	}
	ck_assert_uint_eq(msg_queue_len(q), 20000);
	for (i = 0; i < 20000; i += 2) {
		mk_tcp4(&s, i);
		msg_state_key(&s, &k);
		ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	}
	/* an update queued as a create and then deleted cancels out, or
	 * the delete replaces it: either way one entry at most per key */
	ck_assert_uint_le(msg_queue_len(q), 20000);
	for (i = 1; i < 20000; i += 2) {
		mk_tcp4(&s, i);
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
	}
	ck_assert_uint_le(msg_queue_len(q), 20000);
	msg_queue_clear(q);
	ck_assert_uint_eq(msg_queue_len(q), 0);
	msg_queue_free(q);
}
END_TEST

START_TEST(test_queue_limit)
{
	struct msg_queue	*q = msg_queue_new(10);
	struct sync_state	 s;
	struct sync_key		 k;
	int			 i;

	for (i = 0; i < 10; i++) {
		mk_tcp4(&s, i);
		ck_assert_int_eq(msg_queue_update(q, &s), 0);
	}
	mk_tcp4(&s, 10);
	errno = 0;
	ck_assert_int_eq(msg_queue_update(q, &s), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_delete(q, &k), -1);
	/* coalescing a queued key still works when full */
	mk_tcp4(&s, 3);
	s.mark = 1;
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_uint_eq(msg_queue_len(q), 10);
	/* an invalid state is refused, not queued */
	s.family = 99;
	ck_assert_int_eq(msg_queue_update(q, &s), -1);
	msg_queue_clear(q);
	ck_assert_uint_eq(msg_queue_len(q), 0);
	msg_queue_free(q);
}
END_TEST

/* Build a datagram by hand around one update, after a change. */
static size_t
forge(uint8_t *buf, void (*change)(Sync__Datagram *, Sync__StateUpdate *))
{
	Sync__Datagram		 dg = SYNC__DATAGRAM__INIT;
	Sync__Header		 h = SYNC__HEADER__INIT;
	Sync__StateUpdate	 u, *up = &u;
	Sync__Tuple		 t = SYNC__TUPLE__INIT;
	uint8_t			 a[4] = { 10, 0, 0, 1 }, z[4] = { 10, 0, 0, 2 };

	sync__state_update__init(&u);
	h.version = SYNC_WIRE_VERSION;
	h.node = 1;
	h.seq = 1;
	t.src.len = t.dst.len = 4;
	t.src.data = a;
	t.dst.data = z;
	t.sport = 1;
	t.dport = 2;
	u.family = 4;
	u.l4proto = IPPROTO_TCP;
	u.orig = &t;
	dg.header = &h;
	dg.n_updates = 1;
	dg.updates = &up;
	if (change != NULL)
		change(&dg, &u);
	return (sync__datagram__pack(&dg, buf));
}

static void ch_version(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)u; d->header->version = 2; }
static void ch_node0(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)u; d->header->node = 0; }
static void ch_nohdr(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)u; d->header = NULL; }
static void ch_addrlen(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig->src.len = 3; }
static void ch_v6len(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->family = 6; }
static void ch_family(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->family = 5; }
static void ch_proto(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->l4proto = 250; }
static void ch_icmp6in4(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->l4proto = IPPROTO_ICMPV6; }
static void ch_port(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig->sport = 70000; }
static void ch_zone(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->zone = 65536; }
static void ch_noorig(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig = NULL; }
static void ch_wscale(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->tcp_wscale_orig = 15; }
static void ch_labels(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->labels.len = 8; u->labels.data = (uint8_t *)"12345678"; }
static void ch_helper(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->helper = (char *)(uintptr_t)"0123456789abcdef"; }

/* Sealed but absurd (hardening: the hostile sync peer): values no
 * kernel entry has are refused with the whole datagram. */
static uint8_t	 z4[4], mc4[4] = { 224, 0, 0, 1 }, a6[16] = { 0x20, 1 };
static Sync__Tuple	 rt = SYNC__TUPLE__INIT;
static Sync__StateDelete del = SYNC__STATE_DELETE__INIT;
static Sync__StateDelete *delp = &del;

static void ch_zerotuple(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig->src.data = u->orig->dst.data = z4;
  u->orig->sport = u->orig->dport = 0; }
static void ch_dst0(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig->dst.data = z4; }
static void ch_srcmcast(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->orig->src.data = mc4; }
static void ch_reply6(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; rt = *u->orig; rt.src.len = rt.dst.len = 16;
  rt.src.data = rt.dst.data = a6; u->reply = &rt; }
static void ch_replysrc0(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; rt = *u->orig; rt.src.data = z4; u->reply = &rt; }
static void ch_timeout(Sync__Datagram *d, Sync__StateUpdate *u)
{ (void)d; u->timeout = 0xffffffff; }
static void ch_toomany(Sync__Datagram *d, Sync__StateUpdate *u)
{
	static Sync__StateUpdate	*ups[MSG_MAXITEMS + 1];
	size_t				 i;

	for (i = 0; i < MSG_MAXITEMS + 1; i++)
		ups[i] = u;
	d->n_updates = MSG_MAXITEMS + 1;
	d->updates = ups;
}
static void ch_delproto(Sync__Datagram *d, Sync__StateUpdate *u)
{ sync__state_delete__init(&del); del.family = 4; del.l4proto = 112;
  del.orig = u->orig; d->n_deletes = 1; d->deletes = &delp; }
static void ch_delzero(Sync__Datagram *d, Sync__StateUpdate *u)
{ ch_delproto(d, u); del.l4proto = IPPROTO_UDP; ch_dst0(d, u); }

START_TEST(test_malformed)
{
	static void (*bad[])(Sync__Datagram *, Sync__StateUpdate *) = {
		ch_version, ch_node0, ch_nohdr, ch_addrlen, ch_v6len,
		ch_family, ch_proto, ch_icmp6in4, ch_port, ch_zone,
		ch_noorig, ch_wscale, ch_labels, ch_helper,
		ch_zerotuple, ch_dst0, ch_srcmcast, ch_reply6, ch_replysrc0,
		ch_timeout, ch_toomany, ch_delproto, ch_delzero,
	};
	static uint8_t	 buf[MSG_MAXDGRAM];
	size_t		 len, i, cut;
	int		 rv, refused = 0;

	got_reset();
	len = forge(buf, NULL);
	ck_assert_int_eq(msg_parse(buf, len, &cb, NULL), 0);
	ck_assert_int_eq(got.nupd, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got_reset();
		len = forge(buf, bad[i]);
		ck_assert_msg(msg_parse(buf, len, &cb, NULL) == -1,
		    "change %zu accepted", i);
		/* rejected as a whole: not even the header was seen */
		ck_assert_int_eq(got.headers, 0);
		ck_assert_int_eq(got.nupd, 0);
	}
	/* every truncation is refused or at worst parses cleanly */
	len = forge(buf, NULL);
	for (cut = 0; cut < len; cut++) {
		got_reset();
		rv = msg_parse(buf, cut, &cb, NULL);
		ck_assert(rv == -1 || rv == 0);
		ck_assert_int_eq(got.nupd, 0);
		refused += rv == -1;
	}
	/* only the cut right after the header makes a valid datagram */
	ck_assert_int_eq(refused, (int)len - 1);
}
END_TEST

/* What the checks above must still let through, and what the sender
 * never queues: a DHCP client's entry (from 0.0.0.0 to broadcast, the
 * reply to 0.0.0.0) and the longest timeout a kernel holds pass; a key
 * the peer would refuse is not queued, so it cannot poison a datagram
 * (and its repairs) for ever. */
START_TEST(test_absurd_sender)
{
	struct msg_queue	*q;
	struct sync_state	 s;
	struct sync_key		 k;

	ck_assert_ptr_nonnull(q = msg_queue_new(16));
	mk_tcp4(&s, 1);
	s.l4proto = IPPROTO_UDP;
	addr4(&s.orig.src, "0.0.0.0");
	addr4(&s.orig.dst, "255.255.255.255");
	invert(&s.orig, &s.reply);
	s.timeout = 0x7fffffffU / 100;
	ck_assert(msg_state_valid(&s));
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	s.timeout++;
	ck_assert(!msg_state_valid(&s));
	mk_tcp4(&s, 2);
	addr4(&s.orig.dst, "0.0.0.0");
	ck_assert_int_eq(msg_queue_update(q, &s), -1);
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_delete(q, &k), -1);
	mk_tcp4(&s, 3);
	s.l4proto = 112;	/* CARP: tracked, never carried */
	msg_state_key(&s, &k);
	ck_assert_int_eq(msg_queue_delete(q, &k), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	msg_queue_free(q);
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t		 buf[256];
	struct msg_hdr	 h;
	unsigned	 seed = 1;
	int		 i, j, ok = 0;

	got_reset();
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < (int)sizeof(buf); j++)
			buf[j] = rand_r(&seed);
		if (msg_parse(buf, 1 + i % sizeof(buf), &cb, NULL) == 0)
			ok++;
		(void)msg_peek_header(buf, 1 + i % sizeof(buf), &h);
	}
	ck_assert_int_eq(got.nupd, 0);
	ck_assert_int_eq(ok, 0);
	ck_assert_int_eq(msg_parse(buf, 0, &cb, NULL), -1);
	ck_assert_int_eq(msg_peek_header(buf, 0, &h), -1);
}
END_TEST

/* The header alone: a wrong version or none at all is refused. (Two
 * header fields are merged by protobuf-c; the daemon decodes once, so
 * the header it checks is the one it dispatches.) */
START_TEST(test_peek_bad_headers)
{
	uint8_t		 buf[512];
	struct msg_hdr	 h;
	size_t		 len;

	len = forge(buf, NULL);
	ck_assert_int_eq(msg_peek_header(buf, len, &h), 0);
	ck_assert_uint_eq(h.node, 1);
	len = forge(buf, ch_version);
	ck_assert_int_eq(msg_peek_header(buf, len, &h), -1);
	len = forge(buf, ch_nohdr);
	ck_assert_int_eq(msg_peek_header(buf, len, &h), -1);
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite	*s = suite_create("msg");
	TCase	*tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_rt_tcp4);
	tcase_add_test(tc, test_rt_udp4);
	tcase_add_test(tc, test_rt_icmp);
	tcase_add_test(tc, test_rt_icmpv6);
	tcase_add_test(tc, test_rt_sctp);
	tcase_add_test(tc, test_rt_tcp6);
	tcase_add_test(tc, test_rt_nat);
	tcase_add_test(tc, test_rt_extras);
	tcase_add_test(tc, test_reply_omitted);
	tcase_add_test(tc, test_rt_delete);
	tcase_add_test(tc, test_rt_header);
	tcase_add_test(tc, test_rt_control);
	tcase_add_test(tc, test_rt_control_alone);
	tcase_add_test(tc, test_no_queue);
	tcase_add_test(tc, test_header_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue");
	tcase_add_test(tc, test_coalesce_updates);
	tcase_add_test(tc, test_coalesce_delete);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_room_too_small);
	tcase_add_test(tc, test_queue_grow);
	tcase_add_test(tc, test_queue_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_absurd_sender);
	tcase_add_test(tc, test_peek_bad_headers);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(msg_suite()));
}
