/* ucarp's operator knobs (carp.conf(5)): the syslog facility names,
 * how a carp's neutral and shutdown-scripts inherit the global values,
 * and what the engine does with each: the down-script of a start
 * (neutral), the one at exit (shutdown-scripts), a carpdev whose
 * carrier is not believed (ignore-link-state). */
#include <sys/stat.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "fsm_test.h"
#include "unit.h"

/*
 * log-facility: the name table.
 */
START_TEST(facility_names)
{
	static const char *const names[] = { "auth", "authpriv", "cron",
	    "daemon", "ftp", "lpr", "mail", "news", "syslog", "user", "uucp",
	    "local0", "local1", "local2", "local3", "local4", "local5",
	    "local6", "local7" };
	size_t	 i;
	int	 fac;

	ck_assert_int_eq(log_facility_byname("daemon"), LOG_DAEMON);
	ck_assert_int_eq(log_facility_byname("local3"), LOG_LOCAL3);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fac = log_facility_byname(names[i]);
		ck_assert_msg(fac != -1, "%s unknown", names[i]);
		ck_assert_str_eq(log_facility_name(fac), names[i]);
	}
	/* the kernel's, a typo, another case, empty: not facilities */
	ck_assert_int_eq(log_facility_byname("kern"), -1);
	ck_assert_int_eq(log_facility_byname("local8"), -1);
	ck_assert_int_eq(log_facility_byname("LOCAL0"), -1);
	ck_assert_int_eq(log_facility_byname(""), -1);
	ck_assert_ptr_null(log_facility_name(LOG_KERN));
	/* an unknown value leaves the facility as it was */
	log_setfacility(LOG_LOCAL5);
	log_setfacility(12345);
	ck_assert_int_eq(log_getfacility(), LOG_LOCAL5);
	log_setfacility(LOG_DAEMON);
}
END_TEST

/*
 * The config: defaults, inheritance, what a reload restarts for.
 */
static struct carp_conf *
parse(const char *text)
{
	char			 path[64];
	FILE			*f;
	struct carp_conf	*c;

	snprintf(path, sizeof(path), "/tmp/test_knobs.%ld.conf",
	    (long)getpid());
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);	/* inline passwords */
	c = conf_parse(path, stderr);
	unlink(path);
	return (c);
}

#define KNOB_CARP(name, vhid, extra)					\
	"carp " name " {\n vhid " #vhid "\n carpdev eth0\n"		\
	" password \"a\"\n address 192.0.2." #vhid "/24\n" extra "}\n"

START_TEST(conf_inherit)
{
	struct carp_conf	*c;
	struct conf_carp	*a, *b;

	ck_assert_ptr_nonnull(c = parse(KNOB_CARP("a", 1, "")));
	a = TAILQ_FIRST(&c->carps);
	/* as today: down-scripts at exit; carrier believed; daemon */
	ck_assert_int_eq(conf_carp_neutral(c, a), 0);
	ck_assert_int_eq(conf_carp_shutdown_scripts(c, a), 1);
	ck_assert_int_eq(a->ignore_link_state, 0);
	ck_assert_int_eq(c->log_facility, LOG_DAEMON);
	conf_free(c);

	ck_assert_ptr_nonnull(c = parse("neutral yes\nshutdown-scripts no\n"
	    "log-facility local7\n" KNOB_CARP("a", 1, "")
	    KNOB_CARP("b", 2, " neutral no\n shutdown-scripts yes\n"
	    " ignore-link-state yes\n")));
	a = TAILQ_FIRST(&c->carps);
	b = TAILQ_NEXT(a, entry);
	ck_assert_int_eq(conf_carp_neutral(c, a), 1);
	ck_assert_int_eq(conf_carp_shutdown_scripts(c, a), 0);
	ck_assert_int_eq(conf_carp_neutral(c, b), 0);
	ck_assert_int_eq(conf_carp_shutdown_scripts(c, b), 1);
	ck_assert_int_eq(b->ignore_link_state, 1);
	ck_assert_int_eq(c->log_facility, LOG_LOCAL7);
	conf_free(c);
}
END_TEST

START_TEST(conf_equal)
{
	struct conf_carp	 a, b;

	memset(&a, 0, sizeof(a));
	a.neutral = a.shutdown_scripts = -1;
	b = a;
	/* start and exit knobs: a reload updates them, no restart */
	b.neutral = 1;
	b.shutdown_scripts = 0;
	ck_assert_int_eq(conf_carp_equal(&a, &b), 1);
	/* the link the election follows: a restart */
	b.ignore_link_state = 1;
	ck_assert_int_eq(conf_carp_equal(&a, &b), 0);
}
END_TEST

START_TEST(conf_bad_facility)
{
	ck_assert_ptr_null(parse("log-facility kern\n"));
	ck_assert_ptr_null(parse("log-facility\n"));
}
END_TEST

/*
 * The engine. mkcarp's conf is zeroed: knobs set to "inherit" here, so
 * that the global values (conf) decide unless a test says otherwise.
 */
static struct carp_if *
knob_carp(void)
{
	struct carp_if	*cif = mkcarp("carp1", 1, 1, 0);

	cif->conf.neutral = -1;
	cif->conf.shutdown_scripts = -1;
	return (cif);
}

/* ucarp without --neutral: the first BACKUP runs the down-script, once */
START_TEST(neutral_off_start_runs_down)
{
	struct carp_if	*cif = knob_carp();

	carp_fsm(cif, EV_START, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.down, 1);
	ck_assert_int_eq(rec.up, 0);
	/* a later BACKUP after the link came back is no start */
	carp_fsm(cif, EV_LINK_DOWN, "test");
	carp_fsm(cif, EV_LINK_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.down, 1);
}
END_TEST

/* a carp whose link is down at start runs it when the link comes */
START_TEST(neutral_off_late_link)
{
	struct carp_if	*cif = knob_carp();

	carp_fsm(cif, EV_LINK_DOWN, "carpdev down at start");
	ck_assert_int_eq(rec.down, 0);
	carp_fsm(cif, EV_LINK_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.down, 1);
}
END_TEST

START_TEST(neutral_on_start_quiet)
{
	struct carp_if	*cif = knob_carp();
	struct carp_if	*own;

	conf.neutral = 1;		/* global */
	carp_fsm(cif, EV_START, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.down, 0);
	/* leaving MASTER still runs it: neutral is about the start only */
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	ck_assert_int_eq(rec.down, 1);
	/* a carp's own neutral beats the global one */
	own = mkcarp("carp2", 2, 1, 0);
	own->conf.neutral = 0;
	carp_fsm(own, EV_START, "test");
	ck_assert_int_eq(rec.down, 2);
}
END_TEST

/* A MASTER at exit: the down-script with shutdown-scripts yes (the
 * default), not with no; a reload's removal (not an exit) runs it. */
START_TEST(shutdown_scripts)
{
	struct carp_if	*cif = knob_carp();

	carp_fsm(cif, EV_START, "test");
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	memset(&rec, 0, sizeof(rec));
	conf.shutdown_scripts = _i;
	env.shutting_down = 1;
	carp_fsm(cif, EV_REMOVE, "carpd stopping");
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert_int_eq(rec.addr_del, 1);	/* addresses go anyway */
	ck_assert_int_eq(rec.down, _i);
	env.shutting_down = 0;
}
END_TEST

START_TEST(shutdown_scripts_reload_removal)
{
	struct carp_if	*cif = knob_carp();

	conf.shutdown_scripts = 0;
	carp_fsm(cif, EV_START, "test");
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	memset(&rec, 0, sizeof(rec));
	carp_fsm(cif, EV_REMOVE, "removed by reload");
	ck_assert_int_eq(rec.down, 1);
}
END_TEST

/* The carpdev by name, for a carp with ignore-link-state told of a
 * link down: eth0 is IFINDEX until it is deleted. */
static int	knob_eth0_deleted;

static unsigned
knob_ifindex(const char *name)
{
	return (strcmp(name, "eth0") == 0 && !knob_eth0_deleted ? IFINDEX :
	    0);
}

static struct carp_ops	knob_ops;

static void
knob_ops_setup(void)
{
	knob_ops = stub_ops;
	knob_ops.ifindex = knob_ifindex;
	env.ops = &knob_ops;
	knob_eth0_deleted = 0;
}

/* rtnetlink says the carpdev lost its carrier: a carp that believes it
 * goes INIT and demotes its groups; one with ignore-link-state stays. */
START_TEST(ignore_link_state)
{
	struct carp_if	*cif = knob_carp();

	cif->conf.ignore_link_state = _i;
	carp_fsm(cif, EV_START, "test");
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	carpd_link_changed(IFINDEX, 0, &env);
	ck_assert_int_eq(cif->state, _i ? CARP_MASTER : CARP_INIT);
	ck_assert_int_eq(group_find(&env, "carp")->demote, _i ? 0 : 1);
	ck_assert_int_eq(cif->link_up, _i);
	carpd_link_changed(IFINDEX, 1, &env);
	ck_assert_int_eq(cif->state, _i ? CARP_MASTER : CARP_BACKUP);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
}
END_TEST

/* a carpdev deleted is gone, ignore-link-state or not */
START_TEST(ignore_link_state_deleted)
{
	struct carp_if	*cif = knob_carp();

	cif->conf.ignore_link_state = 1;
	carp_fsm(cif, EV_START, "test");
	knob_eth0_deleted = 1;
	carpd_link_changed(IFINDEX, 0, &env);
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("knobs");
	TCase	*tc = tcase_create("conf");

	tcase_add_test(tc, facility_names);
	tcase_add_test(tc, conf_inherit);
	tcase_add_test(tc, conf_equal);
	tcase_add_test(tc, conf_bad_facility);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, knob_ops_setup, NULL);
	tcase_add_test(tc, neutral_off_start_runs_down);
	tcase_add_test(tc, neutral_off_late_link);
	tcase_add_test(tc, neutral_on_start_quiet);
	tcase_add_loop_test(tc, shutdown_scripts, 0, 2);
	tcase_add_test(tc, shutdown_scripts_reload_removal);
	tcase_add_loop_test(tc, ignore_link_state, 0, 2);
	tcase_add_test(tc, ignore_link_state_deleted);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
