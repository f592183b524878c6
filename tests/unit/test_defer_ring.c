/* defer_ring (syncd/defer_ring.c, docs/PROTOCOL.md section 6.12): the
 * packets defer holds and what lets each go. A reply held for the ack
 * of token T goes with an ack of T or later (serial arithmetic), never
 * with a state; a first reply held for the peer's state goes once that
 * state (its reply tuple, NAT included) has arrived and been applied,
 * never with an ack; both go at their deadline, oldest first, and all
 * at a flush. The flow a state's first reply is held under is the one
 * defer_parse reads from that reply. */
#include <arpa/inet.h>
#include <string.h>

#include <check.h>

#include "syncd/defer_ring.h"
#include "tests/unit/unit.h"

static uint32_t	 out[DEFER_MAX * 2];
static unsigned	 nout;

static void
verdict(uint32_t id, void *arg)
{
	(void)arg;
	out[nout++] = id;
}

static void
setup(struct defer_ring *r)
{
	nout = 0;
	defer_ring_init(r, verdict, NULL);
}

/* client 192.0.2.10:port -> server 198.51.100.10:8080 */
static void
flow(struct defer_flow *f, uint16_t port)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->l4proto = IPPROTO_TCP;
	inet_pton(AF_INET, "192.0.2.10", &f->src.v4);
	inet_pton(AF_INET, "198.51.100.10", &f->dst.v4);
	f->sport = port;
	f->dport = 8080;
}

START_TEST(test_ack)
{
	struct defer_ring	 r;

	setup(&r);
	defer_ring_hold_ack(&r, 1, 100, 1000);
	defer_ring_hold_ack(&r, 2, 102, 1000);
	defer_ring_hold_ack(&r, 3, 101, 1000);
	ck_assert_uint_eq(defer_ring_ack(&r, 99), 0);
	ck_assert_uint_eq(defer_ring_ack(&r, 101), 2);
	ck_assert_uint_eq(nout, 2);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 3);
	ck_assert_uint_eq(r.n, 1);
	/* an ack is cumulative across the wrap of the sequence numbers */
	defer_ring_hold_ack(&r, 4, 0xfffffffe, 1000);
	ck_assert_uint_eq(defer_ring_ack(&r, 1), 1);
	ck_assert_uint_eq(out[2], 4);
	ck_assert_uint_eq(defer_ring_ack(&r, 102), 1);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(test_state)
{
	struct defer_ring	 r;
	struct defer_flow	 f1, f2;

	setup(&r);
	flow(&f1, 41001);
	flow(&f2, 41002);
	defer_ring_hold_state(&r, 1, &f1, 1000);
	defer_ring_hold_ack(&r, 2, 5, 1000);
	defer_ring_hold_state(&r, 3, &f2, 1000);
	defer_ring_hold_state(&r, 4, &f1, 1000);
	/* an ack never releases a packet that waits for a state */
	ck_assert_uint_eq(defer_ring_ack(&r, 5), 1);
	ck_assert_uint_eq(out[0], 2);
	/* nothing applied yet: nothing goes */
	ck_assert_uint_eq(defer_ring_applied(&r), 0);
	/* the state for f1 arrives: both its packets go once applied */
	ck_assert_uint_eq(defer_ring_arrived(&r, &f1), 2);
	ck_assert_uint_eq(nout, 1);
	ck_assert_uint_eq(defer_ring_applied(&r), 2);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_uint_eq(out[2], 4);
	ck_assert_uint_eq(r.states, 1);
	/* another state, another port: f2 still waits */
	f1.sport = 41003;
	ck_assert_uint_eq(defer_ring_arrived(&r, &f1), 0);
	ck_assert_uint_eq(defer_ring_applied(&r), 0);
	ck_assert_uint_eq(defer_ring_arrived(&r, &f2), 1);
	ck_assert_uint_eq(defer_ring_applied(&r), 1);
	ck_assert_uint_eq(out[3], 3);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(r.states, 0);
}
END_TEST

START_TEST(test_expire_flush)
{
	struct defer_ring	 r;
	struct defer_flow	 f;
	unsigned		 i;

	setup(&r);
	flow(&f, 41001);
	ck_assert_uint_eq(defer_ring_due(&r), 0);
	defer_ring_hold_ack(&r, 1, 7, 100);
	defer_ring_hold_state(&r, 2, &f, 120);
	defer_ring_hold_ack(&r, 3, 8, 140);
	ck_assert_uint_eq(defer_ring_due(&r), 100);
	ck_assert_uint_eq(defer_ring_expire(&r, 99), 0);
	ck_assert_uint_eq(defer_ring_expire(&r, 120), 2);
	ck_assert_uint_eq(r.states, 0);
	ck_assert_uint_eq(defer_ring_due(&r), 140);
	ck_assert_uint_eq(defer_ring_flush(&r), 1);
	ck_assert_uint_eq(nout, 3);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(out[i], i + 1);
	/* a full ring, around the end of the array */
	for (i = 0; i < DEFER_MAX; i++) {
		ck_assert(!defer_ring_full(&r));
		defer_ring_hold_ack(&r, 10 + i, i, 200 + i);
	}
	ck_assert(defer_ring_full(&r));
	ck_assert_uint_eq(defer_ring_ack(&r, DEFER_MAX / 2), DEFER_MAX / 2 + 1);
	ck_assert_uint_eq(defer_ring_expire(&r, 1000), DEFER_MAX / 2 - 1);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

/* A SYN-ACK from the server to the SNAT address: the flow defer_parse
 * reads from it is the one defer_state_flow gives for the peer's state
 * (client 192.0.2.10:41001 NATed to 198.51.100.100:1024). */
START_TEST(test_state_flow)
{
	uint8_t			 p[40];
	struct sync_state	 s, t;
	struct defer_flow	 a, b;

	memset(p, 0, sizeof(p));
	p[0] = 0x45;
	p[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "198.51.100.10", p + 12);
	inet_pton(AF_INET, "198.51.100.100", p + 16);
	p[20] = 8080 >> 8;
	p[21] = 8080 & 0xff;
	p[22] = 1024 >> 8;
	p[23] = 1024 & 0xff;
	p[33] = 0x12;
	ck_assert_int_eq(defer_parse(p, sizeof(p), AF_INET, &a), 0);
	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.l4proto = IPPROTO_TCP;
	inet_pton(AF_INET, "192.0.2.10", &s.orig.src.v4);
	inet_pton(AF_INET, "198.51.100.10", &s.orig.dst.v4);
	s.orig.sport = 41001;
	s.orig.dport = 8080;
	inet_pton(AF_INET, "198.51.100.10", &s.reply.src.v4);
	inet_pton(AF_INET, "198.51.100.100", &s.reply.dst.v4);
	s.reply.sport = 8080;
	s.reply.dport = 1024;
	defer_state_flow(&s, &b);
	ck_assert(defer_flow_equal(&a, &b));
	/* and back: the reply tuple the packet names */
	defer_flow_key(&a, 1, &t);
	ck_assert_mem_eq(&t.reply, &s.reply, sizeof(t.reply));
	ck_assert_uint_eq(t.family, AF_INET);
	ck_assert_uint_eq(t.l4proto, IPPROTO_TCP);
	/* without NAT (or past it, on the forward hook) the flow is the
	 * original tuple */
	sync_tuple_invert(s.l4proto, &s.orig, &s.reply);
	defer_state_flow(&s, &b);
	defer_flow_key(&b, 0, &t);
	ck_assert_mem_eq(&t.orig, &s.orig, sizeof(t.orig));
	/* the original tuple is not what the reply names */
	s.reply = s.orig;
	defer_state_flow(&s, &b);
	ck_assert(!defer_flow_equal(&a, &b));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("defer_ring");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_ack);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_expire_flush);
	tcase_add_test(tc, test_state_flow);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
