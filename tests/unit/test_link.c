/* Which of two sync links carries the datagrams (syncd/link_health.c,
 * docs/PROTOCOL.md 6.17), on a clock the test moves: no sockets, no
 * root. And link-demote with two links: only when neither has carrier. */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "syncd/bulk.h"
#include "syncd/link.h"

#define T0	100000

static struct sync_link	 set;
static uint64_t		 now;

static void
setup(void)
{
	size_t	 i;

	memset(&set, 0, sizeof(set));
	set.n = 2;
	set.use = -1;
	for (i = 0; i < set.n; i++) {
		snprintf(set.paths[i].ifname, sizeof(set.paths[i].ifname),
		    "sync%d", (int)i);
		set.paths[i].set = &set;
		set.paths[i].carrier = 1;
	}
	now = T0;
	link_health_init(&set, now);
}

/* An authentic datagram read on link i now. */
static void
heard(size_t i)
{
	set.reading = &set.paths[i];
	link_heard(&set, now);
	set.reading = NULL;
}

/* ms pass, every link in mask heard each 100 ms (as probes do); the
 * number of times the link in use changed. */
static int
run(uint64_t ms, unsigned mask)
{
	uint64_t	 end = now + ms;
	int		 moves = 0;
	size_t		 i;

	while (now < end) {
		now += now + 100 <= end ? 100 : end - now;
		for (i = 0; i < set.n; i++)
			if (mask & (1u << i))
				heard(i);
		moves += link_health(&set, now);
	}
	return (moves);
}

START_TEST(test_start)
{
	ck_assert_int_eq(link_health(&set, now), 0);
	ck_assert_uint_eq(set.active, 0);
	ck_assert_int_eq(set.paths[0].up, 1);
	ck_assert_int_eq(set.paths[1].up, 1);
	ck_assert_uint_eq(set.silent_ms, LINK_SILENT_MS);
}
END_TEST

/* A pulled cable: the datagrams move on the very next check. */
START_TEST(test_carrier_loss)
{
	ck_assert_int_eq(run(1000, 3), 0);
	set.paths[0].carrier = 0;
	now += 1;
	ck_assert_int_eq(link_health(&set, now), 1);
	ck_assert_uint_eq(set.active, 1);
	ck_assert_int_eq(set.paths[0].up, 0);
	ck_assert_uint_eq(set.switches, 1);
}
END_TEST

/* Carrier, but nothing heard: down after LINK_SILENT_MS, not before. */
START_TEST(test_silence)
{
	ck_assert_int_eq(run(1000, 3), 0);
	ck_assert_int_eq(run(LINK_SILENT_MS - 100, 2), 0);
	ck_assert_uint_eq(set.active, 0);
	ck_assert_int_eq(set.paths[0].up, 1);
	ck_assert_int_eq(run(100, 2), 1);
	ck_assert_uint_eq(set.active, 1);
	ck_assert_int_eq(set.paths[0].up, 0);
	ck_assert_int_eq(set.paths[0].carrier, 1);
}
END_TEST

/* The first link back: it takes the datagrams again only once it has
 * been up LINK_FAILBACK_MS, so a flapping cable does not bounce them. */
START_TEST(test_failback)
{
	set.paths[0].carrier = 0;
	ck_assert_int_eq(run(500, 2), 1);
	ck_assert_uint_eq(set.active, 1);
	set.paths[0].carrier = 1;
	ck_assert_int_eq(run(100, 3), 0);
	ck_assert_int_eq(set.paths[0].up, 1);
	ck_assert_int_eq(run(LINK_FAILBACK_MS - 200, 3), 0);
	ck_assert_uint_eq(set.active, 1);
	/* flaps: the time starts again */
	set.paths[0].carrier = 0;
	ck_assert_int_eq(run(100, 3), 0);
	set.paths[0].carrier = 1;
	ck_assert_int_eq(run(LINK_FAILBACK_MS, 3), 0);
	ck_assert_uint_eq(set.active, 1);
	ck_assert_int_eq(run(100, 3), 1);
	ck_assert_uint_eq(set.active, 0);
	ck_assert_uint_eq(set.switches, 2);
}
END_TEST

/* Nothing heard on either link (the peer is what is silent): the
 * datagrams stay where they are while it has carrier, else go to the
 * first link that has. */
START_TEST(test_none_up)
{
	set.paths[0].carrier = 0;
	ck_assert_int_eq(run(500, 2), 1);
	set.paths[0].carrier = 1;
	ck_assert_int_eq(run(LINK_SILENT_MS * 3, 0), 0);
	ck_assert_int_eq(set.paths[0].up, 0);
	ck_assert_int_eq(set.paths[1].up, 0);
	ck_assert_uint_eq(set.active, 1);
	set.paths[1].carrier = 0;
	ck_assert_int_eq(run(100, 0), 1);
	ck_assert_uint_eq(set.active, 0);
	/* no carrier anywhere: they stay */
	set.paths[0].carrier = 0;
	ck_assert_int_eq(run(1000, 0), 0);
	ck_assert_uint_eq(set.active, 0);
}
END_TEST

/* Probes: every link with carrier, once it has sent nothing for about
 * LINK_PROBE_MS; none with one link. */
START_TEST(test_probe_due)
{
	set.paths[0].sent_ms = set.paths[1].sent_ms = now;
	ck_assert_int_eq(link_probe_due(&set, 1, now + 100), 0);
	ck_assert_int_eq(link_probe_due(&set, 1, now + LINK_PROBE_MS), 1);
	set.paths[1].carrier = 0;
	ck_assert_int_eq(link_probe_due(&set, 1, now + LINK_PROBE_MS), 0);
	set.n = 1;
	ck_assert_int_eq(link_probe_due(&set, 0, now + LINK_PROBE_MS), 0);
}
END_TEST

/* link-demote: the carrier the engine gives bulk_demotion is any link's;
 * with a live peer it demotes only when neither link has carrier. */
START_TEST(test_link_demote)
{
	static const int	 c[4][3] = {
		{ 1, 1, 0 }, { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 7 } };
	struct bulk		 b;
	struct bulk_link	 l;
	size_t			 i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < 4; i++) {
		set.paths[0].carrier = c[i][0];
		set.paths[1].carrier = c[i][1];
		memset(&l, 0, sizeof(l));
		l.carrier = link_any_carrier(&set);
		l.peers_alive = 1;
		l.settled = 1;
		l.link_demote = 7;
		ck_assert_int_eq(bulk_demotion(&b, &l), c[i][2]);
	}
}
END_TEST

static Suite *
link_suite(void)
{
	Suite	*s = suite_create("link");
	TCase	*tc = tcase_create("two links");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_start);
	tcase_add_test(tc, test_carrier_loss);
	tcase_add_test(tc, test_silence);
	tcase_add_test(tc, test_failback);
	tcase_add_test(tc, test_none_up);
	tcase_add_test(tc, test_probe_due);
	tcase_add_test(tc, test_link_demote);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(link_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
