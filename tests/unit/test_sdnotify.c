/* systemd readiness: carpd's status line (carpd/sdnotify.c), and the
 * notify module (common/notify.c) against a socket standing in for
 * systemd's: what each call sends, that an unchanged status is not sent
 * again, that nothing goes out after STOPPING=1, the watchdog interval,
 * and that without NOTIFY_SOCKET nothing is sent at all. */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "fsm_test.h"
#include "carpd/sdnotify.h"
#include "notify.h"
#include "unit.h"

/* ------------------------------------------------------ carpd's line */

START_TEST(line_states)
{
	char	 buf[128];

	named_in_state("carp1", 1, CARP_MASTER);
	named_in_state("carp2", 2, CARP_BACKUP);
	named_in_state("carp3", 3, CARP_INIT);
	sdnotify_status(&env, buf, sizeof(buf));
	ck_assert_str_eq(buf, "carp1 MASTER, carp2 BACKUP, carp3 INIT");
}
END_TEST

START_TEST(line_demote)
{
	struct carp_if	*cif = named_in_state("carp1", 1, CARP_BACKUP);
	char		 buf[128];

	ck_assert_int_eq(group_adjust(&env, "carp", 32, "test"), 0);
	ck_assert_int_eq(carp_advertised_demote(cif), 32);
	sdnotify_status(&env, buf, sizeof(buf));
	ck_assert_str_eq(buf, "carp1 BACKUP demote 32");
}
END_TEST

START_TEST(line_none)
{
	char	 buf[64];

	sdnotify_status(&env, buf, sizeof(buf));
	ck_assert_str_eq(buf, "no carp configured");
}
END_TEST

/* more carps than the line holds: cut, terminated, never overrun */
START_TEST(line_cut)
{
	char	 buf[40], name[16];
	int	 i;

	for (i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "carp%d", i);
		named_in_state(name, i, CARP_BACKUP);
	}
	memset(buf, 'x', sizeof(buf));
	sdnotify_status(&env, buf, 20);
	ck_assert_uint_lt(strlen(buf), 20);
	ck_assert_int_eq(buf[20], 'x');
	ck_assert(strncmp(buf, "carp1 BACKUP, ", 14) == 0);
}
END_TEST

/* ------------------------------------------------------ notify module */

static int		 ns = -1;		/* systemd's end */
static char		 nsdir[] = "/tmp/test_sdnotify.XXXXXX";
static char		 nspath[sizeof(nsdir) + 8];
static const char	*line = "one";

static void
line_fn(void *arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "%s", line);
}

static void
ns_setup(void)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { 1, 0 };

	setup();
	ck_assert_ptr_nonnull(mkdtemp(nsdir));
	snprintf(nspath, sizeof(nspath), "%s/notify", nsdir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, nspath);
	ck_assert_int_ge(ns = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(bind(ns, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(setsockopt(ns, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", nspath, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	line = "one";
}

static void
ns_teardown(void)
{
	notify_cleanup();
	close(ns);
	unlink(nspath);
	rmdir(nsdir);
	teardown();
}

/* The next message (waits 1 s at most), or "" if none came. */
static const char *
ns_recv(int wait)
{
	static char	 buf[512];
	ssize_t		 n;

	n = recv(ns, buf, sizeof(buf) - 1, wait ? 0 : MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return (buf);
}

START_TEST(ready_status)
{
	notify_init(env.base, 0, line_fn, NULL);
	notify_ready();
	ck_assert_str_eq(ns_recv(1), "READY=1\nSTATUS=one");
	/* the same line is not news */
	notify_refresh();
	ck_assert_str_eq(ns_recv(0), "");
	line = "two";
	notify_refresh();
	ck_assert_str_eq(ns_recv(1), "STATUS=two");
}
END_TEST

START_TEST(forked_mainpid)
{
	char	 want[64];

	notify_init(env.base, 1, line_fn, NULL);
	notify_ready();
	snprintf(want, sizeof(want), "READY=1\nSTATUS=one\nMAINPID=%ld",
	    (long)getpid());
	ck_assert_str_eq(ns_recv(1), want);
}
END_TEST

START_TEST(reload_stop)
{
	notify_init(env.base, 0, line_fn, NULL);
	notify_reloading();
	ck_assert(strncmp(ns_recv(1), "RELOADING=1\nMONOTONIC_USEC=", 27) ==
	    0);
	notify_stopping();
	ck_assert_str_eq(ns_recv(1), "STOPPING=1\nSTATUS=stopping");
	/* carps removed at exit change the line: not sent any more */
	line = "carp1 INIT";
	notify_refresh();
	ck_assert_str_eq(ns_recv(0), "");
}
END_TEST

/* a watchdog of 200 ms: pinged from the loop (every 100 ms) */
START_TEST(watchdog)
{
	struct timeval	 run = { 0, 450000 };
	int		 pings = 0, i;

	setenv("WATCHDOG_USEC", "200000", 1);
	notify_init(env.base, 0, line_fn, NULL);
	event_base_loopexit(env.base, &run);
	event_base_dispatch(env.base);
	for (i = 0; i < 20; i++) {
		const char *m = ns_recv(0);

		if (*m == '\0')
			break;
		pings += strcmp(m, "WATCHDOG=1") == 0;
	}
	ck_assert_int_ge(pings, 1);
}
END_TEST

/* not under systemd: nothing is sent, nothing breaks */
START_TEST(unset)
{
	unsetenv("NOTIFY_SOCKET");
	notify_init(env.base, 1, line_fn, NULL);
	notify_ready();
	notify_refresh();
	notify_reloading();
	notify_stopping();
	ck_assert_str_eq(ns_recv(0), "");
	ck_assert_int_eq(event_base_get_num_events(env.base,
	    EVENT_BASE_COUNT_ADDED), 0);
}
END_TEST

START_TEST(interval)
{
	struct timeval	 tv;

	notify_interval(0, &tv);
	ck_assert(tv.tv_sec == 1 && tv.tv_usec == 0);
	notify_interval(10000000, &tv);		/* refresh beats 5 s */
	ck_assert(tv.tv_sec == 1 && tv.tv_usec == 0);
	notify_interval(1000000, &tv);
	ck_assert(tv.tv_sec == 0 && tv.tv_usec == 500000);
	notify_interval(300000, &tv);
	ck_assert(tv.tv_sec == 0 && tv.tv_usec == 150000);
}
END_TEST

static Suite *
sdnotify_suite(void)
{
	Suite	*s = suite_create("sdnotify");
	TCase	*tl = tcase_create("line");
	TCase	*tn = tcase_create("notify");

	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, line_states);
	tcase_add_test(tl, line_demote);
	tcase_add_test(tl, line_none);
	tcase_add_test(tl, line_cut);
	suite_add_tcase(s, tl);
	tcase_add_checked_fixture(tn, ns_setup, ns_teardown);
	tcase_add_test(tn, ready_status);
	tcase_add_test(tn, forked_mainpid);
	tcase_add_test(tn, reload_stop);
	tcase_add_test(tn, watchdog);
	tcase_add_test(tn, unset);
	tcase_add_test(tn, interval);
	suite_add_tcase(s, tn);
	return (s);
}

int
main(void)
{
	return (unit_run(sdnotify_suite()));
}
