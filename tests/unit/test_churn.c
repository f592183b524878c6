/* Short-lived states: delay.c's queue alone, the send queue's cancelling
 * of a create by its delete (queue.c), and sync-delay in two engines
 * over the stub kernel and wire with a clock the test moves (young.c,
 * table.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "engine_test.h"
#include "stub_kern.h"
#include "syncd/ct.h"
#include "syncd/defer.h"
#include "syncd/delay.h"
#include "syncd/queue.h"
#include "syncd/syncd.h"
#include "tests/unit/unit.h"

/* State i: 192.0.2.i:(2000 + i) -> 198.51.100.9:443, TCP established. */
static void
churn_state(struct sync_state *s, uint32_t i)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->l4proto = IPPROTO_TCP;
	s->orig.src.v4.s_addr = htonl(0xc0000200 + i);
	s->orig.dst.v4.s_addr = htonl(0xc6336409);
	s->orig.sport = (uint16_t)(2000 + i);
	s->orig.dport = 443;
	sync_tuple_invert(s->l4proto, &s->orig, &s->reply);
	s->status = 0x18e;
	s->timeout = 3600;
	s->tcp_state = 3;
}

static void
churn_key(struct sync_key *k, uint32_t i)
{
	struct sync_state	 s;

	churn_state(&s, i);
	msg_state_key(&s, k);
}

/* ------------------------------------------------------ delay queue */

START_TEST(test_delay_order)
{
	struct delay	*d = delay_new(8);
	struct sync_key	 k, out;
	uint32_t	 i;

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(delay_next(d), 0);
	for (i = 0; i < 4; i++) {
		churn_key(&k, i);
		ck_assert_int_eq(delay_add(d, &k, 100 + i * 10, DELAY_YOUNG),
		    0);
	}
	/* a key is queued once */
	churn_key(&k, 2);
	ck_assert_int_eq(delay_add(d, &k, 500, DELAY_YOUNG), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(delay_get(d, &k), DELAY_YOUNG);
	ck_assert_uint_eq(delay_len(d), 4);
	ck_assert_uint_eq(delay_next(d), 100);
	/* nothing is due before its time */
	ck_assert_int_eq(delay_pop(d, 99, &out), DELAY_NONE);
	/* a young state that died leaves from the middle */
	ck_assert_int_eq(delay_del(d, &k), DELAY_YOUNG);
	ck_assert_int_eq(delay_del(d, &k), DELAY_NONE);
	ck_assert_int_eq(delay_get(d, &k), DELAY_NONE);
	/* the rest in creation order, each when due */
	ck_assert_int_eq(delay_pop(d, 115, &out), DELAY_YOUNG);
	churn_key(&k, 0);
	ck_assert(msg_key_equal(&out, &k));
	ck_assert_int_eq(delay_pop(d, 115, &out), DELAY_YOUNG);
	churn_key(&k, 1);
	ck_assert(msg_key_equal(&out, &k));
	ck_assert_int_eq(delay_pop(d, 115, &out), DELAY_NONE);
	ck_assert_uint_eq(delay_next(d), 130);
	ck_assert_int_eq(delay_pop(d, 1000, &out), DELAY_YOUNG);
	churn_key(&k, 3);
	ck_assert(msg_key_equal(&out, &k));
	ck_assert_uint_eq(delay_len(d), 0);
	ck_assert_uint_eq(delay_next(d), 0);
	delay_free(d);
}
END_TEST

START_TEST(test_delay_limit)
{
	struct delay	*d = delay_new(2);
	struct sync_key	 k, out;

	churn_key(&k, 1);
	ck_assert_int_eq(delay_add(d, &k, 10, DELAY_YOUNG), 0);
	churn_key(&k, 2);
	ck_assert_int_eq(delay_add(d, &k, 10, DELAY_GONE), 0);
	churn_key(&k, 3);
	ck_assert_int_eq(delay_add(d, &k, 10, DELAY_YOUNG), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	churn_key(&k, 2);
	ck_assert_int_eq(delay_get(d, &k), DELAY_GONE);
	ck_assert_int_eq(delay_pop(d, 10, &out), DELAY_YOUNG);
	ck_assert_int_eq(delay_pop(d, 10, &out), DELAY_GONE);
	/* no queue (sync-delay off): every call is harmless */
	ck_assert_uint_eq(delay_len(NULL), 0);
	ck_assert_uint_eq(delay_next(NULL), 0);
	ck_assert_int_eq(delay_get(NULL, &k), DELAY_NONE);
	ck_assert_int_eq(delay_del(NULL, &k), DELAY_NONE);
	ck_assert_int_eq(delay_pop(NULL, 10, &out), DELAY_NONE);
	delay_free(d);
	delay_free(NULL);
}
END_TEST

/* ------------------------------------------------ send queue cancelling */

/* Build one datagram out of q; how many entries it packed. */
static size_t
churn_build(struct msg_queue *q)
{
	static struct msg_built	 b;
	struct msg_hdr		 h;
	uint8_t			 buf[1400];

	memset(&h, 0, sizeof(h));
	h.node = 1;
	h.nonce = 2;
	h.seq = 3;
	ck_assert_int_eq(msg_build(q, &h, NULL, buf, sizeof(buf), &b), 0);
	return (b.nkeys);
}

START_TEST(test_cancel)
{
	struct msg_queue	*q = msg_queue_new(16);
	struct sync_state	 s;
	struct sync_key		 k;

	churn_state(&s, 1);
	msg_state_key(&s, &k);
	/* a create, an update, its delete before a flush: nothing goes */
	ck_assert_int_eq(msg_queue_create(q, &s), 0);
	s.mark = 5;
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_queue_delete(q, &k), 1);
	ck_assert_uint_eq(msg_queue_len(q), 0);
	/* an update of a state the peer has: its delete still goes */
	ck_assert_int_eq(msg_queue_update(q, &s), 0);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	ck_assert_uint_eq(churn_build(q), 1);
	/* a create already sent: the delete goes */
	ck_assert_int_eq(msg_queue_create(q, &s), 0);
	ck_assert_uint_eq(churn_build(q), 1);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	/* the tuple reused while that delete waits: the peer still has
	 * the old state, so the new one's delete must go too */
	ck_assert_int_eq(msg_queue_create(q, &s), 0);
	ck_assert_int_eq(msg_queue_delete(q, &k), 0);
	ck_assert_uint_eq(msg_queue_len(q), 1);
	ck_assert_uint_eq(churn_build(q), 1);
	msg_queue_free(q);
}
END_TEST

/* ------------------------------------------------ two engines, sync-delay */

/* A and B started, peers, in sync, each with sync-delay ms. */
static void
churn_pair(unsigned delay_ms)
{
	test_cs.sync_delay_ms = delay_ms;
	pair();
}

/* s ends on A: after a while B no longer has it. */
static void
churn_end(const struct sync_state *s)
{
	stub_ct_event_delete(A, s);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, s));
}

START_TEST(test_delay_engine)
{
	struct sync_state	 s, t;
	const struct sync_state	*c;

	churn_pair(1000);
	churn_state(&s, 1);
	churn_state(&t, 2);
	stub_ct_event_update(A, &s);
	stub_ct_event_update(A, &t);
	ck_assert_uint_eq(delay_len(eng[A]->delay), 2);
	pump(100);
	stub_ct_event_delete(A, &t);		/* lived 100 ms */
	s.mark = 9;
	stub_ct_event_update(A, &s);		/* changed while young */
	pump(500);
	ck_assert_ptr_null(stub_ct_find(B, &s));
	ck_assert_uint_eq(eng[A]->st.states_sent, 0);
	pump(600);
	/* s lived its delay: on B once, with its latest value */
	ck_assert_ptr_nonnull(c = stub_ct_find(B, &s));
	ck_assert_uint_eq(c->mark, 9);
	ck_assert_ptr_null(stub_ct_find(B, &t));
	ck_assert_uint_eq(eng[A]->st.states_sent, 1);
	ck_assert_uint_eq(eng[B]->st.states_applied, 1);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 0);
	ck_assert_uint_eq(eng[A]->st.died_young, 1);
	ck_assert_uint_eq(eng[A]->st.delay_sent, 1);
	ck_assert_uint_eq(delay_len(eng[A]->delay), 0);
	/* an old state's delete goes as ever */
	churn_end(&s);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 1);
}
END_TEST

/* The kernel dropped a young state and its DESTROY event is late: when
 * the delay ends there is nothing to send, and the late event sends no
 * delete either. */
START_TEST(test_delay_late_destroy)
{
	struct sync_state	 s;

	churn_pair(1000);
	churn_state(&s, 3);
	stub_ct_event_update(A, &s);
	stub_select(A);
	ct_apply_delete(&s);			/* gone, no event yet */
	pump(1200);
	ck_assert_uint_eq(eng[A]->st.died_young, 1);
	ck_assert_uint_eq(delay_len(eng[A]->delay), 1);	/* GONE */
	stub_ct_event_delete(A, &s);
	pump(300);
	ck_assert_uint_eq(eng[A]->st.states_sent, 0);
	ck_assert_uint_eq(eng[A]->st.died_young, 1);
	ck_assert_uint_eq(delay_len(eng[A]->delay), 0);
}
END_TEST

/* The tuple came back while its key waited as GONE, and the kernel's
 * events were lost: the dump after the overrun sends the new state. */
START_TEST(test_delay_gone_reused)
{
	struct sync_state	 s;

	churn_pair(1000);
	churn_state(&s, 7);
	stub_ct_event_update(A, &s);
	stub_select(A);
	ct_apply_delete(&s);
	pump(1200);
	ck_assert_uint_eq(delay_len(eng[A]->delay), 1);	/* GONE */
	s.mark = 3;
	stub_ct_put(A, &s);
	stub_ct_overrun(A);
	pump(300);
	ck_assert_ptr_nonnull(stub_ct_find(B, &s));
	ck_assert_uint_eq(delay_len(eng[A]->delay), 0);
}
END_TEST

/* A full delay queue sends a new state at once, never drops it. */
START_TEST(test_delay_overflow)
{
	struct sync_state	 s[3];
	uint32_t		 i;

	churn_pair(1000);
	delay_free(eng[A]->delay);
	ck_assert_ptr_nonnull(eng[A]->delay = delay_new(2));
	for (i = 0; i < 3; i++) {
		churn_state(&s[i], 20 + i);
		stub_ct_event_update(A, &s[i]);
	}
	pump(300);
	ck_assert_uint_eq(eng[A]->st.delay_overflows, 1);
	ck_assert_ptr_null(stub_ct_find(B, &s[0]));
	ck_assert_ptr_nonnull(stub_ct_find(B, &s[2]));
	pump(1000);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(stub_ct_find(B, &s[i]));
}
END_TEST

/* defer: a held connection's state goes at once, whatever its age. */
START_TEST(test_delay_defer)
{
	struct sync_state	 s;
	struct defer_flow	 f;
	uint32_t		 token;

	churn_pair(1000);
	churn_state(&s, 4);
	stub_ct_event_update(A, &s);
	memset(&f, 0, sizeof(f));
	f.family = AF_INET;
	f.l4proto = IPPROTO_TCP;
	memcpy(&f.src, &s.orig.src, sizeof(s.orig.src.v4));
	memcpy(&f.dst, &s.orig.dst, sizeof(s.orig.dst.v4));
	f.sport = s.orig.sport;
	f.dport = s.orig.dport;
	stub_select(A);
	ck_assert_int_eq(syncd_defer(&f, &token, eng[A]), 0);
	stub_wire_run();
	ck_assert_ptr_nonnull(stub_ct_find(B, &s));
	ck_assert_uint_eq(delay_len(eng[A]->delay), 0);
	/* it was sent: its delete goes, it did not die young */
	pump(50);
	churn_end(&s);
	ck_assert_uint_eq(eng[A]->st.died_young, 0);
}
END_TEST

/* sync-delay off: a create and its delete within one flush interval
 * cancel out; a delete after the create went out still goes. */
START_TEST(test_cancel_engine)
{
	struct sync_state	 s, t;

	churn_pair(0);
	ck_assert_ptr_null(eng[A]->delay);
	churn_state(&s, 5);
	churn_state(&t, 6);
	stub_ct_event_update(A, &s);
	stub_ct_event_update(A, &t);
	pump(SYNCD_FLUSH_MS / 2);
	stub_ct_event_delete(A, &s);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &s));
	ck_assert_ptr_nonnull(stub_ct_find(B, &t));
	ck_assert_uint_eq(eng[A]->st.cancelled, 1);
	ck_assert_uint_eq(eng[A]->st.states_sent, 1);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 0);
	churn_end(&t);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 1);
	ck_assert_uint_eq(eng[A]->st.cancelled, 1);
}
END_TEST

static Suite *
churn_suite(void)
{
	Suite	*s = suite_create("churn");
	TCase	*tc;

	tc = tcase_create("delay queue");
	tcase_add_test(tc, test_delay_order);
	tcase_add_test(tc, test_delay_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("send queue");
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);

	tc = tcase_create("two engines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_delay_engine);
	tcase_add_test(tc, test_delay_late_destroy);
	tcase_add_test(tc, test_delay_gone_reused);
	tcase_add_test(tc, test_delay_overflow);
	tcase_add_test(tc, test_delay_defer);
	tcase_add_test(tc, test_cancel_engine);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(churn_suite()));
}
