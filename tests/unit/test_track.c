/* Health checks (carpd/track.c): fall/rise hysteresis from a table of
 * result sequences, timeouts and errors counted as failures, the times
 * taken from a fake clock, and the reload diff: an unchanged check keeps
 * its state and its hold, a changed one moves its hold without a dip,
 * a removed one releases it. The ops are fakes that write a trace. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/track.h"
#include "compat.h"
#include "unit.h"

static char		 trace[512];
static struct track_set	 set;
static struct carp_conf	 conf;
static time_t		 fake_now;

static void
tr(const char *what, const char *s, int n)
{
	size_t	 len = strlen(trace);

	if (what == NULL)
		snprintf(trace + len, sizeof(trace) - len, "%s%+d ", s, n);
	else
		snprintf(trace + len, sizeof(trace) - len, "%s:%s ", what, s);
}

static void
fake_demote(struct track_set *s, const char *group, int delta,
    const char *why)
{
	(void)s;
	(void)why;
	tr(NULL, group, delta);
}

static void
fake_start(struct track_set *s, struct track *t)
{
	(void)s;
	tr("start", t->conf.name, 0);
}

static void
fake_stop(struct track_set *s, struct track *t)
{
	(void)s;
	tr("stop", t->conf.name, 0);
}

static const struct track_ops fake_ops = {
	.demote = fake_demote,
	.start = fake_start,
	.stop = fake_stop,
};

static struct conf_track *
add_conf(const char *name, int fall, int rise, int demote, const char *group)
{
	struct conf_track	*ct;

	ck_assert_ptr_nonnull(ct = calloc(1, sizeof(*ct)));
	strlcpy(ct->name, name, sizeof(ct->name));
	ct->kind = TRACK_KIND_SCRIPT;
	snprintf(ct->script, sizeof(ct->script), "/etc/carp/%s", name);
	ct->interval_ms = TRACK_INTERVAL_MS;
	ct->timeout_ms = TRACK_TIMEOUT_MS;
	ct->fall = fall;
	ct->rise = rise;
	ct->demote = demote;
	strlcpy(ct->group, group, sizeof(ct->group));
	TAILQ_INSERT_TAIL(&conf.tracks, ct, entry);
	return (ct);
}

static void
setup(void)
{
	memset(&conf, 0, sizeof(conf));
	conf_defaults(&conf);
	track_set_init(&set, &fake_ops, NULL);
	trace[0] = '\0';
	fake_now = 1000;
}

static void
teardown(void)
{
	struct conf_track	*ct;

	track_clear(&set);
	while ((ct = TAILQ_FIRST(&conf.tracks)) != NULL) {
		TAILQ_REMOVE(&conf.tracks, ct, entry);
		free(ct);
	}
}

/* One result by letter: o ok, f failed, t timeout, e error; a second
 * of the fake clock each. */
static void
feed(struct track *t, char c)
{
	enum track_result	 r;

	r = c == 'o' ? TRACK_RES_OK : c == 'f' ? TRACK_RES_FAILED :
	    c == 't' ? TRACK_RES_TIMEOUT : TRACK_RES_ERROR;
	track_result(&set, t, r, "test", ++fake_now);
}

static char
state_letter(const struct track *t)
{
	return ("uoF"[t->state]);
}

/* fall, rise, results; the state after each (u unknown, o ok, F failed)
 * and the demote calls made on the way */
static const struct {
	int		 fall, rise;
	const char	*in;
	const char	*states;
	const char	*demotes;
} hyst[] = {
	{ 3, 2, "fff",		"uuF",		"g+50 " },
	{ 3, 2, "oo",		"uo",		"" },
	{ 3, 2, "ooffoff",	"uoooooo",	"" },
	{ 3, 2, "oofff",	"uoooF",	"g+50 " },
	{ 3, 2, "ffffofoo",	"uuFFFFFo",	"g+50 g-50 " },
	{ 3, 2, "ftf",		"uuF",		"g+50 " },
	{ 3, 2, "fefoo",	"uuFFo",	"g+50 g-50 " },
	{ 3, 2, "ffoffo",	"uuuuuu",	"" },
	{ 1, 1, "fofo",		"FoFo",		"g+50 g-50 g+50 g-50 " },
	{ 2, 3, "ffooofo",	"uFFFooo",	"g+50 g-50 " },
};

START_TEST(test_hysteresis)
{
	struct track	*t;
	char		 got[16];
	size_t		 i;

	add_conf("c", hyst[_i].fall, hyst[_i].rise, 50, "g");
	track_apply(&set, &conf, fake_now);
	ck_assert_ptr_nonnull(t = track_find(&set, "c"));
	ck_assert_int_eq(t->state, TRACK_UNKNOWN);
	trace[0] = '\0';
	for (i = 0; hyst[_i].in[i] != '\0'; i++) {
		feed(t, hyst[_i].in[i]);
		got[i] = state_letter(t);
	}
	got[i] = '\0';
	ck_assert_str_eq(got, hyst[_i].states);
	ck_assert_str_eq(trace, hyst[_i].demotes);
	ck_assert_int_eq(t->held, t->state == TRACK_FAILED ? 50 : 0);
}
END_TEST

START_TEST(test_counts_and_clock)
{
	struct track	*t;

	add_conf("c", 2, 2, 10, "carp");
	track_apply(&set, &conf, fake_now);
	t = track_find(&set, "c");
	ck_assert_int_eq(t->since, 1000);
	feed(t, 't');
	ck_assert_int_eq(t->last, TRACK_RES_TIMEOUT);
	ck_assert_int_eq(t->last_time, 1001);
	ck_assert_uint_eq(t->nfail, 1);
	feed(t, 'e');
	ck_assert_int_eq(t->state, TRACK_FAILED);
	ck_assert_int_eq(t->since, 1002);
	feed(t, 'o');
	ck_assert_uint_eq(t->nok, 1);
	ck_assert_uint_eq(t->nfail, 0);
	ck_assert_uint_eq(set.st.runs, 3);
	ck_assert_uint_eq(set.st.failures, 2);
	ck_assert_uint_eq(set.st.timeouts, 1);
	ck_assert_str_eq(track_state_name(t->state), "failed");
	ck_assert_str_eq(track_result_name(t->last), "ok");
}
END_TEST

/* Fail c (fall 1) and keep d ok; then reload with conf as changed by
 * the caller. */
static void
fail_c(struct track **c, struct track **d)
{
	add_conf("c", 1, 1, 50, "g");
	add_conf("d", 1, 1, 20, "g");
	track_apply(&set, &conf, fake_now);
	*c = track_find(&set, "c");
	*d = track_find(&set, "d");
	feed(*c, 'f');
	feed(*d, 'o');
	ck_assert_int_eq((*c)->state, TRACK_FAILED);
	ck_assert_int_eq((*d)->state, TRACK_OK);
	trace[0] = '\0';
}

START_TEST(test_reload_keep)
{
	struct track	*c, *d;
	time_t		 since;

	fail_c(&c, &d);
	since = c->since;
	track_apply(&set, &conf, fake_now + 100);
	ck_assert_str_eq(trace, "");
	ck_assert_ptr_eq(track_find(&set, "c"), c);
	ck_assert_int_eq(c->state, TRACK_FAILED);
	ck_assert_int_eq(c->held, 50);
	ck_assert_int_eq(c->since, since);
}
END_TEST

START_TEST(test_reload_remove)
{
	struct track		*c, *d;
	struct conf_track	*ct;

	fail_c(&c, &d);
	ct = TAILQ_FIRST(&conf.tracks);
	TAILQ_REMOVE(&conf.tracks, ct, entry);
	free(ct);
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "stop:c g-50 ");
	ck_assert_ptr_null(track_find(&set, "c"));
	ck_assert_ptr_eq(track_find(&set, "d"), d);
}
END_TEST

START_TEST(test_reload_change)
{
	struct track		*c, *d;
	struct conf_track	*ct;

	fail_c(&c, &d);
	ct = TAILQ_FIRST(&conf.tracks);
	/* more demote: raised by the difference, no release first */
	ct->demote = 70;
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "stop:c g+20 start:c ");
	ck_assert_int_eq(c->state, TRACK_FAILED);
	/* another group: the new one raised before the old one let go */
	trace[0] = '\0';
	strlcpy(ct->group, "h", sizeof(ct->group));
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "stop:c h+70 g-70 start:c ");
	ck_assert_str_eq(c->held_group, "h");
	/* another script: the counts start again, the state stays */
	trace[0] = '\0';
	c->nfail = 5;
	strlcpy(ct->script, "/etc/carp/other", sizeof(ct->script));
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "stop:c start:c ");
	ck_assert_int_eq(c->state, TRACK_FAILED);
	ck_assert_uint_eq(c->nfail, 0);
	ck_assert_int_eq(c->held, 70);
	/* an ok check that changes holds nothing */
	trace[0] = '\0';
	TAILQ_NEXT(ct, entry)->rise = 3;
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "stop:d start:d ");
	ck_assert_int_eq(d->held, 0);
}
END_TEST

START_TEST(test_reload_add_and_clear)
{
	struct track	*c, *d, *t;
	char		 order[8] = "";

	fail_c(&c, &d);
	add_conf("e", 1, 1, 5, "g");
	track_apply(&set, &conf, fake_now);
	ck_assert_str_eq(trace, "start:e ");
	ck_assert_int_eq(track_find(&set, "e")->state, TRACK_UNKNOWN);
	/* the list follows the file */
	TAILQ_FOREACH(t, &set.list, entry)
		strncat(order, t->conf.name, sizeof(order) - strlen(order) - 1);
	ck_assert_str_eq(order, "cde");
	trace[0] = '\0';
	track_clear(&set);
	ck_assert_str_eq(trace, "stop:c g-50 stop:d stop:e ");
	ck_assert_ptr_null(TAILQ_FIRST(&set.list));
}
END_TEST

static Suite *
track_suite(void)
{
	Suite	*s = suite_create("track");
	TCase	*tc = tcase_create("track");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_hysteresis, 0,
	    sizeof(hyst) / sizeof(hyst[0]));
	tcase_add_test(tc, test_counts_and_clock);
	tcase_add_test(tc, test_reload_keep);
	tcase_add_test(tc, test_reload_remove);
	tcase_add_test(tc, test_reload_change);
	tcase_add_test(tc, test_reload_add_and_clear);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(track_suite()));
}
