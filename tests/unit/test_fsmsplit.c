/* The election engine facing another master: answers to worse adverts
 * are limited to one per interval and counted, without changing who
 * wins; a master heard again after a quiet spell (a healed split brain)
 * makes us announce our addresses again. The clock is the test's. */
#include "fsm_test.h"
#include "stub_kern.h"
#include "unit.h"

#define INTERVAL_MS	1000	/* advbase 1, advskew 0 (in_state) */

START_TEST(limit_one_answer_per_interval)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	int		 i;

	for (i = 0; i < 10; i++)
		carp_fsm(cif, EV_ADV_WORSE, "replay");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	ck_assert_uint_eq(cif->cnt.answers_limited, 9);
	stub_clock_add(INTERVAL_MS - 1);
	carp_fsm(cif, EV_ADV_WORSE, "replay");
	ck_assert_int_eq(rec.send, 1);
	stub_clock_add(1);
	carp_fsm(cif, EV_ADV_WORSE, "replay");
	ck_assert_int_eq(rec.send, 2);
	ck_assert_uint_eq(cif->cnt.answers_limited, 10);
	/* the regular advert timer is left alone */
	ck_assert(pending(cif->ad_timer));
	ck_assert_uint_eq(cif->cnt.transitions, 2);	/* INIT, BACKUP */
}
END_TEST

/* A flood of worse adverts changes nothing about the election: a better
 * master still wins at once, a demote change is still told at once. */
START_TEST(limit_election_unaffected)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	int		 i;

	for (i = 0; i < 5; i++)
		carp_fsm(cif, EV_ADV_WORSE, "replay");
	ck_assert_int_eq(group_adjust(&env, "carp", 1, "test"), 0);
	ck_assert_int_eq(rec.send, 2);
	ck_assert_int_eq(last_sent().demote, 1);
	carp_fsm(cif, EV_ADV_BETTER, "better master");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.addr_del, 1);
}
END_TEST

/* The limit is per carp: one carp's flood does not silence another. */
START_TEST(limit_per_carp)
{
	struct carp_if	*a = in_state(CARP_MASTER);
	struct carp_if	*b = named_in_state("carp2", 2, CARP_MASTER);

	carp_fsm(a, EV_ADV_WORSE, "replay");
	carp_fsm(a, EV_ADV_WORSE, "replay");
	carp_fsm(b, EV_ADV_WORSE, "worse master");
	ck_assert_int_eq(rec.send, 2);
	ck_assert_uint_eq(a->cnt.answers_limited, 1);
	ck_assert_uint_eq(b->cnt.answers_limited, 0);
}
END_TEST

/* Split brain heals: the first advert of another master makes us
 * announce at once and repeat it; the same contest going on does not;
 * a master heard again after a master-down time of quiet does. */
START_TEST(split_heal_announces)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	uint64_t	 md = (uint64_t)conf.deadratio * INTERVAL_MS;

	carp_fsm(cif, EV_ADV_WORSE, "other master");
	ck_assert_int_eq(rec.announce, 1);
	ck_assert(pending(cif->announce_timer));
	ck_assert_int_gt(cif->announce_left, 0);
	stub_clock_add(md);
	carp_fsm(cif, EV_ADV_WORSE, "other master");
	ck_assert_int_eq(rec.announce, 1);
	stub_clock_add(md + 1);
	carp_fsm(cif, EV_ADV_WORSE, "other master again");
	ck_assert_int_eq(rec.announce, 2);
	ck_assert_int_eq(cif->state, CARP_MASTER);
}
END_TEST

/* ...and once more when the other master has gone quiet for a
 * master-down time, seen at our regular advert; then not again. */
START_TEST(split_quiet_announces)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	uint64_t	 md = (uint64_t)conf.deadratio * INTERVAL_MS;

	carp_fsm(cif, EV_AD_TIMEOUT, "advert timer");
	ck_assert_int_eq(rec.announce, 0);	/* no rival: nothing */
	carp_fsm(cif, EV_ADV_WORSE, "other master");
	ck_assert_int_eq(rec.announce, 1);
	stub_clock_add(md);
	carp_fsm(cif, EV_AD_TIMEOUT, "advert timer");
	ck_assert_int_eq(rec.announce, 1);	/* not quiet long enough */
	stub_clock_add(1);
	carp_fsm(cif, EV_AD_TIMEOUT, "advert timer");
	ck_assert_int_eq(rec.announce, 2);
	stub_clock_add(10 * md);
	carp_fsm(cif, EV_AD_TIMEOUT, "advert timer");
	ck_assert_int_eq(rec.announce, 2);
}
END_TEST

/* Winning after a tie (both backed off, our timer fired first) is an
 * entry to MASTER: announced like any other, with its repeats. */
START_TEST(split_tie_win_announces)
{
	struct carp_if	*cif = in_state(CARP_MASTER);

	carp_fsm(cif, EV_ADV_BETTER, "equal master");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.announce, 1);
	ck_assert(pending(cif->announce_timer));
	/* the contest starts over with the new mastership */
	carp_fsm(cif, EV_ADV_WORSE, "the loser, once more");
	ck_assert_int_eq(rec.announce, 2);
}
END_TEST

static Suite *
fsmsplit_suite(void)
{
	Suite	*s = suite_create("fsmsplit");
	TCase	*tc = tcase_create("limit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, limit_one_answer_per_interval);
	tcase_add_test(tc, limit_election_unaffected);
	tcase_add_test(tc, limit_per_carp);
	suite_add_tcase(s, tc);

	tc = tcase_create("split");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_heal_announces);
	tcase_add_test(tc, split_quiet_announces);
	tcase_add_test(tc, split_tie_win_announces);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(fsmsplit_suite()));
}
