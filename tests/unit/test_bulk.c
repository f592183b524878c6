/* bulk.c's decisions, as pure functions: what it asks for at start, on a
 * bulk end, on the timeout, on a node that is master, and the demotion
 * it wants held. */
#include <string.h>

#include <check.h>

#include "log.h"
#include "syncd/bulk.h"
#include "tests/unit/unit.h"

#define T0	100000

static const struct bulk_link	 link_ok = { 1, 1, 1, 32, 1 };

START_TEST(test_start_backup)
{
	struct bulk	 b;

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(bulk_start(&b, 0, T0), BULK_ASK | BULK_DEMOTE | BULK_BEGIN);
	ck_assert_int_eq(b.in_progress, 1);
	ck_assert_int_eq(b.in_sync, 0);
	ck_assert_int_eq(b.hold, 1);
	/* a backup (or unknown) holds bulk-demote while the bulk runs */
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 32);
	memset(&b, 0, sizeof(b));
	bulk_start(&b, -1, T0);
	ck_assert_int_eq(b.hold, 1);
}
END_TEST

START_TEST(test_start_master)
{
	struct bulk	 b;

	memset(&b, 0, sizeof(b));
	/* it still asks for the table, but demotes nothing for it */
	ck_assert_int_eq(bulk_start(&b, 2, T0), BULK_ASK | BULK_DEMOTE | BULK_BEGIN);
	ck_assert_int_eq(b.hold, 0);
	ck_assert_int_eq(b.in_progress, 1);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
}
END_TEST

START_TEST(test_end)
{
	struct bulk	 b;
	char		 why[64];

	memset(&b, 0, sizeof(b));
	bulk_start(&b, 0, T0);
	/* the end of a bulk we asked for: its sweep (sweep.c) */
	ck_assert_int_eq(bulk_end(&b, 7, T0 + 500), BULK_DEMOTE | BULK_SWEEP);
	ck_assert_int_eq(b.in_progress, 0);
	ck_assert_int_eq(b.in_sync, 1);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
	bulk_demotion_why(&b, &link_ok, why, sizeof(why));
	ck_assert_str_eq(why, "in sync, peer alive");
	/* nothing more to retry or time out */
	ck_assert_int_eq(bulk_tick(&b, T0 + 100000, 30000), 0);
}
END_TEST

START_TEST(test_retry_and_timeout)
{
	struct bulk	 b;
	char		 why[64];

	memset(&b, 0, sizeof(b));
	bulk_start(&b, 0, T0);
	ck_assert_int_eq(bulk_tick(&b, T0 + 1000, 30000), 0);
	ck_assert_int_eq(bulk_tick(&b, T0 + BULK_RETRY_MS, 30000), BULK_ASK);
	ck_assert_int_eq(bulk_tick(&b, T0 + BULK_RETRY_MS + 1000, 30000), 0);
	ck_assert_int_eq(bulk_tick(&b, T0 + 2 * BULK_RETRY_MS, 30000),
	    BULK_ASK);
	ck_assert_int_eq(bulk_tick(&b, T0 + 30000, 30000),
	    BULK_GAVE_UP | BULK_DEMOTE);
	ck_assert_int_eq(b.in_progress, 0);
	ck_assert_int_eq(b.in_sync, 0);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
	bulk_demotion_why(&b, &link_ok, why, sizeof(why));
	ck_assert_str_eq(why, "bulk given up, peer alive");
	/* an end after the bulk was given up (or one served to another
	 * node) is no bulk of ours: nothing to sweep */
	ck_assert_int_eq(bulk_end(&b, 7, T0 + 31000), BULK_DEMOTE);
}
END_TEST

/* A later resync is a bulk like the first: a node that is not master
 * holds its demotion until the bulk end, and the request is retried. */
START_TEST(test_resync)
{
	struct bulk	 b;

	memset(&b, 0, sizeof(b));
	bulk_start(&b, 0, T0);
	bulk_end(&b, 7, T0 + 10);
	ck_assert_int_eq(bulk_resync(&b, 0, T0 + 5000),
	    BULK_ASK | BULK_DEMOTE | BULK_BEGIN);
	ck_assert_int_eq(b.in_progress, 1);
	ck_assert_int_eq(b.in_sync, 0);
	ck_assert_int_eq(b.last_req_ms, T0 + 5000);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 32);
	ck_assert_int_eq(bulk_tick(&b, T0 + 7000, 10000), BULK_ASK);
	/* asked again meanwhile: the timeout counts from the first */
	ck_assert_int_eq(bulk_resync(&b, 0, T0 + 8000), BULK_ASK);
	ck_assert_int_eq(b.start_ms, T0 + 5000);
	ck_assert_int_eq(bulk_end(&b, 7, T0 + 9000),
	    BULK_DEMOTE | BULK_SWEEP);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
}
END_TEST

/* A resync on the master asks, but demoting it would cause a failover
 * to the node less in sync. */
START_TEST(test_resync_master)
{
	struct bulk	 b;

	memset(&b, 0, sizeof(b));
	bulk_start(&b, 1, T0);
	bulk_end(&b, 7, T0 + 10);
	ck_assert_int_ne(bulk_resync(&b, 1, T0 + 5000) & BULK_ASK, 0);
	ck_assert_int_eq(b.in_progress, 1);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
	/* nor one whose count is unknown yet: the start bulk decides */
	memset(&b, 0, sizeof(b));
	ck_assert_int_ne(bulk_resync(&b, -1, T0) & BULK_ASK, 0);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 0);
	ck_assert_int_eq(bulk_start(&b, 0, T0 + 100), BULK_ASK | BULK_DEMOTE | BULK_BEGIN);
	ck_assert_int_eq(bulk_demotion(&b, &link_ok), 32);
}
END_TEST

START_TEST(test_link_demotion)
{
	struct bulk		 b;
	struct bulk_link	 l = link_ok;
	char			 why[64];

	memset(&b, 0, sizeof(b));
	bulk_start(&b, 0, T0);
	l.carrier = 0;
	ck_assert_int_eq(bulk_demotion(&b, &l), 33);
	bulk_demotion_why(&b, &l, why, sizeof(why));
	ck_assert_str_eq(why, "bulk sync, sync link down");
	/* no peer yet, but right after start: not known to be down */
	l.carrier = 1;
	l.peers_alive = 0;
	l.settled = 0;
	ck_assert_int_eq(bulk_demotion(&b, &l), 32);
	l.settled = 1;
	ck_assert_int_eq(bulk_demotion(&b, &l), 33);
	bulk_end(&b, 7, T0 + 10);
	ck_assert_int_eq(bulk_demotion(&b, &l), 1);
	bulk_demotion_why(&b, &l, why, sizeof(why));
	ck_assert_str_eq(why, "no live peer");
	/* a master is not demoted for a silent peer, only for the link */
	l.master = 1;
	ck_assert_int_eq(bulk_demotion(&b, &l), 0);
	l.carrier = 0;
	ck_assert_int_eq(bulk_demotion(&b, &l), 1);
	l.carrier = 1;
	l.master = 0;
	/* capped at carpd's limit */
	l.link_demote = 300;
	ck_assert_int_eq(bulk_demotion(&b, &l), 255);
}
END_TEST

static Suite *
bulk_suite(void)
{
	Suite	*s = suite_create("bulk");
	TCase	*tc;

	tc = tcase_create("decisions");
	tcase_add_test(tc, test_start_backup);
	tcase_add_test(tc, test_start_master);
	tcase_add_test(tc, test_end);
	tcase_add_test(tc, test_retry_and_timeout);
	tcase_add_test(tc, test_resync);
	tcase_add_test(tc, test_resync_master);
	tcase_add_test(tc, test_link_demotion);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	log_init("test_bulk", 1, 0);
	return (unit_run(bulk_suite()));
}
