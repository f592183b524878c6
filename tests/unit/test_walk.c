/* Walks of the kernel's table from the event loop (bulk, refresh) and
 * the events that overtake them: a state deleted after the walk read it
 * must not reach the peer again after its delete (table.c, GONE). The
 * stub's walk is held between reading the table and handing it over
 * (stub_ct_walk_hold), as a kernel dump read a few buffers a turn is. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "engine_test.h"
#include "log.h"
#include "stub_kern.h"
#include "tests/unit/unit.h"
#include "syncd/own.h"
#include "syncd/syncd.h"

static struct sync_state	 x, y;

/* A and B in sync on x and y (both A's); A's next walk will be held. */
static void
walk_setup(void)
{
	pair();
	mk_tcp4(&x, 1);
	mk_tcp4(&y, 2);
	stub_ct_event_update(A, &x);
	stub_ct_event_update(A, &y);
	pump(300);
	ck_assert(has(B, &x));
	ck_assert(has(B, &y));
	stub_ct_walk_hold(A, 1);
}

/* B asks A for its table: A's bulk walk starts, and is held. */
static void
walk_bulk(void)
{
	stub_select(B);
	syncd_resync(eng[B], "test");
	pump(100);
}

/* The walk is over: no GONE mark is left, and A's records are its
 * kernel's states again. */
static void
walk_finish(void)
{
	stub_select(A);
	ck_assert_int_ge(stub_ct_walk_finish(A), 1);
	pump(500);
	ck_assert_uint_eq(eng[A]->walk_marks, 0);
	ck_assert_uint_eq(own_count(eng[A]->own), stub_ct_count(A));
}

/* A bulk for B reads x, then x is deleted on A and its delete goes to
 * B: the bulk must not bring x back. y, still there, goes. */
START_TEST(test_bulk_deleted_during_walk)
{
	uint64_t	 served;

	walk_setup();
	served = eng[A]->st.bulk_served;
	walk_bulk();
	ck_assert_uint_eq(eng[A]->st.bulk_served, served + 1);
	stub_ct_event_delete(A, &x);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &x));
	walk_finish();
	pump(3000);
	ck_assert_ptr_null(stub_ct_find(B, &x));
	ck_assert(has(B, &y));
	ck_assert_uint_eq(eng[A]->st.walk_skipped, 1);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
}
END_TEST

/* The refresh walk reads x, then x is deleted: the refresh must not
 * take x, now without a live record, for one of ours to send. */
START_TEST(test_refresh_deleted_during_walk)
{
	walk_setup();
	stub_select(A);
	syncd_on_refresh(eng[A]);
	ck_assert_uint_eq(stub_ct_dumps(A) > 0, 1);
	stub_ct_event_delete(A, &x);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &x));
	walk_finish();
	ck_assert_ptr_null(stub_ct_find(B, &x));
	ck_assert_ptr_null(stub_ct_find(A, &x));
	ck_assert(has(B, &y));
	ck_assert_uint_eq(eng[A]->st.walk_skipped, 1);
}
END_TEST

/* Deleted and made again under the same key while the walk runs: the
 * new state is live and reaches B, with its new value. */
START_TEST(test_recreated_during_walk)
{
	walk_setup();
	walk_bulk();
	stub_ct_event_delete(A, &x);
	x.mark = 0x77;
	stub_ct_event_update(A, &x);
	pump(300);
	ck_assert(has(B, &x));
	walk_finish();
	pump(3000);
	ck_assert(has(B, &x));
	ck_assert_uint_eq(eng[A]->st.walk_skipped, 1);
}
END_TEST

/* Changed while the walk runs (a handshake completes): the walk's older
 * copy must not take B's state back to what it was. */
START_TEST(test_changed_during_walk)
{
	walk_setup();
	walk_bulk();
	x.mark = 0x55;
	x.tcp_state = 4;
	stub_ct_event_update(A, &x);
	pump(300);
	ck_assert(has(B, &x));
	walk_finish();
	pump(3000);
	ck_assert(has(B, &x));
	ck_assert(has(B, &y));
	ck_assert_uint_eq(eng[A]->st.walk_skipped, 1);
}
END_TEST

static Suite *
walk_suite(void)
{
	Suite	*s = suite_create("walk");
	TCase	*tc;

	tc = tcase_create("deleted during a walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bulk_deleted_during_walk);
	tcase_add_test(tc, test_refresh_deleted_during_walk);
	tcase_add_test(tc, test_recreated_during_walk);
	tcase_add_test(tc, test_changed_during_walk);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	log_init("test_walk", 1, 0);
	return (unit_run(walk_suite()));
}
