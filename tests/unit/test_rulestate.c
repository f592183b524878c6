/* The ruleset rule (syncd/ruleset.c, docs/PROTOCOL.md 6.18) with the
 * kernel stubbed (stub_ruleset_kern.c): same, differs, unknown for a
 * peer that sends no digest or went silent, the changes counted, the
 * demotion, and when our digest goes into a heartbeat. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "clock.h"
#include "compat.h"
#include "syncd/ruleset.h"
#include "syncd/ruleset_canon.h"
#include "syncd/syncd.h"
#include "tests/unit/stub_kern.h"
#include "tests/unit/unit.h"

void	stub_ruleset_dump(const uint8_t *);

static struct syncd		 sc;
static struct carp_conf		 conf;
static struct sockaddr_storage	 peer;
static uint8_t			 ours[RS_DIGEST_LEN], theirs[RS_DIGEST_LEN];

static void
setup(void)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&peer;

	memset(&sc, 0, sizeof(sc));
	memset(&conf, 0, sizeof(conf));
	conf_defaults(&conf);
	conf.sync.ruleset_demote = 20;
	sc.conf = &conf;
	sc.cs = &conf.sync;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.2", &sin->sin_addr);
	memset(ours, 0xaa, sizeof(ours));
	memset(theirs, 0xbb, sizeof(theirs));
	stub_clock_set(1000000);
	ruleset_start(&sc);
}

static void
teardown(void)
{
	ruleset_stop(&sc);
}

static const char *
state(void)
{
	static char	 text[128];
	CtlSync		 s = CTL_SYNC__INIT;

	ruleset_fill(&sc, &s);
	strlcpy(text, s.ruleset != NULL ? s.ruleset : "", sizeof(text));
	return (text);
}

static void
heard(const uint8_t *d)
{
	ruleset_heard(&sc, 7, &peer, d, clock_ms());
}

START_TEST(same_differs_same)
{
	stub_ruleset_dump(ours);
	ck_assert_str_eq(state(), "unknown: no digest from a live peer");
	heard(ours);
	ck_assert_str_eq(state(), "same as peer");
	ck_assert_int_eq(ruleset_demotion(&sc), 0);
	heard(theirs);
	ck_assert_msg(strncmp(state(), "differs from 203.0.113.2 since ",
	    31) == 0, "%s", state());
	ck_assert_uint_eq(sc.st.ruleset_changes, 1);
	ck_assert_int_eq(ruleset_demotion(&sc), 20);
	/* our ruleset changes to theirs */
	stub_ruleset_dump(theirs);
	ck_assert_str_eq(state(), "same as peer");
	ck_assert_uint_eq(sc.st.ruleset_changes, 2);
	ck_assert_int_eq(ruleset_demotion(&sc), 0);
}
END_TEST

/* An older peer sends no digest: nothing to compare, never "differs";
 * a silent peer's last digest is forgotten. */
START_TEST(unknown_not_differs)
{
	stub_ruleset_dump(ours);
	heard(theirs);
	ck_assert_int_eq(ruleset_demotion(&sc), 20);
	stub_clock_add(SYNCD_DEAD_MS);
	ruleset_tick(&sc, clock_ms());
	ck_assert_str_eq(state(), "unknown: no digest from a live peer");
	ck_assert_int_eq(ruleset_demotion(&sc), 0);
	/* back with the same: a change from differs */
	heard(ours);
	ck_assert_str_eq(state(), "same as peer");
	ck_assert_uint_eq(sc.st.ruleset_changes, 2);
	/* no digest of ours (a failed dump): unknown too */
	stub_ruleset_dump(NULL);
	ck_assert_str_eq(state(), "unknown: cannot read our ruleset");
}
END_TEST

START_TEST(wire_due)
{
	uint8_t	 out[MSG_RULESET_LEN];

	ck_assert_uint_eq(ruleset_wire(&sc, 1, clock_ms(), out), 0);
	stub_ruleset_dump(ours);
	ck_assert_uint_eq(ruleset_wire(&sc, 0, clock_ms(), out),
	    MSG_RULESET_LEN);
	ck_assert_mem_eq(out, ours, MSG_RULESET_LEN);
	/* sent: not again before a heartbeat's time, unless asked */
	ck_assert_uint_eq(ruleset_wire(&sc, 0, clock_ms(), out), 0);
	ck_assert_uint_eq(ruleset_wire(&sc, 1, clock_ms(), out),
	    MSG_RULESET_LEN);
	stub_clock_add(SYNCD_HEARTBEAT_MS);
	ck_assert_uint_eq(ruleset_wire(&sc, 0, clock_ms(), out),
	    MSG_RULESET_LEN);
	/* a change goes in the next datagram */
	stub_ruleset_dump(theirs);
	ck_assert_uint_eq(ruleset_wire(&sc, 0, clock_ms(), out),
	    MSG_RULESET_LEN);
	ck_assert_mem_eq(out, theirs, MSG_RULESET_LEN);
}
END_TEST

static Suite *
rulestate_suite(void)
{
	Suite	*s = suite_create("rulestate");
	TCase	*tc = tcase_create("rule");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, same_differs_same);
	tcase_add_test(tc, unknown_not_differs);
	tcase_add_test(tc, wire_due);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(rulestate_suite()));
}
