/* peer.c: one table, one limit, one eviction policy (a live peer is
 * never pushed out; a peer that never proved itself goes first, then a
 * dead one, least recently heard; a proven session is retired), one
 * iterator, and the replay window of each peer. */
#include <string.h>

#include <check.h>

#include "log.h"
#include "proto/sync.h"
#include "syncd/rel.h"
#include "syncd/seal.h"
#include "syncd/syncd.h"
#include "tests/unit/unit.h"

static struct syncd	 sc;

static void
setup(void)
{
	memset(&sc, 0, sizeof(sc));
	sc.node = 1;
	sc.nonce = 1;
	ck_assert_ptr_nonnull(sc.tx = rel_tx_new(1, 1, 100, NULL, NULL));
}

static void
teardown(void)
{
	peer_free_all(&sc);
	rel_tx_free(sc.tx);
}

/* n peers, nodes 100.., fresh and alive, heard at 1000 + i. */
static void
fill(size_t n)
{
	struct syncd_peer	*p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(p = peer_get(&sc, 100 + i, NULL));
		p->fresh = p->alive = 1;
		p->seen_nonce = 7000 + i;
		p->last_ms = 1000 + i;
	}
}

START_TEST(test_iterate)
{
	struct syncd_peer	*p;
	size_t			 n = 0;

	PEER_FOREACH(p, &sc)
		n++;
	ck_assert_uint_eq(n, 0);
	fill(3);
	ck_assert_ptr_eq(peer_find(&sc, 101), peer_get(&sc, 101, NULL));
	ck_assert_ptr_null(peer_find(&sc, 99));
	PEER_FOREACH(p, &sc)
		n++;
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(syncd_peers_alive(&sc), 3);
}
END_TEST

START_TEST(test_live_never_evicted)
{
	fill(PEER_MAX);
	ck_assert_ptr_null(peer_get(&sc, 999, NULL));
	ck_assert_int_eq(syncd_peers_alive(&sc), PEER_MAX);
	ck_assert_ptr_nonnull(peer_find(&sc, 100));
}
END_TEST

START_TEST(test_unproven_first)
{
	struct syncd_peer	*p;

	fill(PEER_MAX);
	/* one dead (proven, heard long ago), one that never proved itself
	 * (heard later): the unproven one goes first */
	peer_find(&sc, 103)->alive = 0;
	p = peer_find(&sc, 105);
	p->fresh = p->alive = 0;
	ck_assert_ptr_eq(p = peer_get(&sc, 999, NULL), peer_find(&sc, 999));
	ck_assert_ptr_null(peer_find(&sc, 105));
	ck_assert_int_eq(peer_retired(&sc, 105, 7005), 0);
	/* a newcomer that has not proved itself would go next */
	p->fresh = p->alive = 1;
	/* then the dead one, retired: its session cannot come back */
	ck_assert_ptr_nonnull(p = peer_get(&sc, 998, NULL));
	p->fresh = p->alive = 1;
	ck_assert_ptr_null(peer_find(&sc, 103));
	ck_assert_int_eq(peer_retired(&sc, 103, 7003), 1);
	ck_assert_ptr_null(peer_get(&sc, 997, NULL));
}
END_TEST

START_TEST(test_least_recent)
{
	struct syncd_peer	*p;

	fill(PEER_MAX);
	peer_find(&sc, 104)->alive = 0;
	peer_find(&sc, 102)->alive = 0;
	peer_find(&sc, 108)->alive = 0;
	ck_assert_ptr_nonnull(p = peer_get(&sc, 999, NULL));
	ck_assert_ptr_null(peer_find(&sc, 102));
	p->fresh = p->alive = 1;
	ck_assert_ptr_nonnull(peer_get(&sc, 998, NULL));
	ck_assert_ptr_null(peer_find(&sc, 104));
	ck_assert_ptr_nonnull(peer_find(&sc, 108));
}
END_TEST

/* Sessions come and go without limit: a retired list that wraps, slots
 * that are reused. */
START_TEST(test_sessions_unbounded)
{
	struct syncd_peer	*p;
	uint32_t		 i;

	fill(PEER_MAX - 1);
	for (i = 0; i < 10 * PEER_MAX + PEER_RETIRED; i++) {
		ck_assert_ptr_nonnull(p = peer_get(&sc, 5000 + i, NULL));
		p->fresh = 1;
		p->seen_nonce = i + 1;
		p->alive = 0;
	}
	ck_assert_int_eq(peer_retired(&sc, 5000 + i - 2, i - 1), 1);
	ck_assert_int_eq(syncd_peers_alive(&sc), PEER_MAX - 1);
}
END_TEST

/* The replay window is the peer's: only peer_accept moves it. */
START_TEST(test_replay_window)
{
	struct syncd_peer	*p;
	struct msg_hdr		 h;

	ck_assert_ptr_nonnull(p = peer_get(&sc, 100, NULL));
	memset(&h, 0, sizeof(h));
	h.node = 100;
	h.nonce = 42;
	h.seq = h.base = 10;
	peer_seen(p, &h, 5);
	ck_assert_int_eq(peer_accept(p, &h), SEAL_OK);
	ck_assert_int_eq(peer_accept(p, &h), SEAL_EREPLAY);
	h.seq = 11;
	ck_assert_int_eq(peer_accept(p, &h), SEAL_OK);
	/* a freed slot forgets the window with the node */
	peer_free_all(&sc);
	ck_assert_ptr_nonnull(p = peer_get(&sc, 100, NULL));
	ck_assert_int_eq(peer_accept(p, &h), SEAL_OK);
}
END_TEST

static Suite *
peer_suite(void)
{
	Suite	*s = suite_create("peer");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_iterate);
	tcase_add_test(tc, test_live_never_evicted);
	tcase_add_test(tc, test_unproven_first);
	tcase_add_test(tc, test_least_recent);
	tcase_add_test(tc, test_sessions_unbounded);
	tcase_add_test(tc, test_replay_window);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	log_init("test_peer", 1, 0);
	return (unit_run(peer_suite()));
}
