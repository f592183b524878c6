/* Up/down scripts (carpd/hooks.c and the script runner): real /bin/sh
 * scripts in a private temp directory, run through hooks_run() with a
 * libevent base, as carpd runs them. Output logged, exit status counted,
 * the timeout kills the script's whole process group, a slot is freed
 * when the script exits even if a background child keeps its output
 * open (hardening bug 5), the 33rd concurrent script is skipped, the
 * environment is the fixed one, unsafe or unlisted scripts are refused
 * (bug 6), and a runner that dies costs carpd nothing but its scripts.
 * Health checks (hooks_exec) report how each run ended to their
 * callback, quietly, outside the scripts' counters. No root needed. */
#include <sys/stat.h>
#include <sys/types.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carpd/carpd.h"
#include "compat.h"
#include "carpd/hooks.h"
#include "log.h"
#include "unit.h"

static char			 tdir[] = "/tmp/test_hooks.XXXXXX";
static struct event_base	*base;
static struct carp_if		 cif;

/* Write a script (mode 0755 unless told) in the temp dir; its path. */
static const char *
script(const char *name, const char *body)
{
	static char	 path[PATH_MAX];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return (path);
}

/* The log (our stderr and the runner's) goes to a file in tdir. */
static void
setup(void)
{
	char	 path[PATH_MAX];
	int	 fd;

	ck_assert_ptr_nonnull(mkdtemp(tdir));
	snprintf(path, sizeof(path), "%s/log", tdir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_int_ne(fd, -1);
	dup2(fd, 2);
	close(fd);
	log_init("test_hooks", 1, 1);
	ck_assert_ptr_nonnull(base = event_base_new());
	memset(&cif, 0, sizeof(cif));
	strlcpy(cif.conf.name, "c1", sizeof(cif.conf.name));
	strlcpy(cif.conf.carpdev, "eth0", sizeof(cif.conf.carpdev));
	cif.conf.vhid = 7;
	cif.conf.naddrs = 1;
	ck_assert_int_eq(conf_addr_parse("192.0.2.1", &cif.conf.addrs[0], 0),
	    0);
	/* carpd's environment, which scripts must not see */
	setenv("CARPD_SECRET", "leaked", 1);
}

/* Kill what the tests left in the background, remove the directory. */
static void
teardown(void)
{
	char	 path[PATH_MAX], line[64];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/bg.pids", tdir);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			kill(atoi(line), SIGKILL);
		fclose(f);
	}
	if (hooks_runner_pid() != -1)
		kill(hooks_runner_pid(), SIGKILL);
	snprintf(path, sizeof(path), "rm -rf '%s'", tdir);
	signal(SIGCHLD, SIG_DFL);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", tdir);
	strcpy(tdir, "/tmp/test_hooks.XXXXXX");
}

/* health tracking: what a check's callback was told */
struct check_end {
	int		 calls;
	enum hooks_end	 end;
	int		 status;
};

static void
check_done(void *arg, enum hooks_end end, int status)
{
	struct check_end	*ce = arg;

	ce->calls++;
	ce->end = end;
	ce->status = status;
}

static void
start(const char *conf_path)
{
	ck_assert_int_eq(hooks_start(conf_path), 0);
	hooks_init(base);
}

static void
run_up(const char *path)
{
	strlcpy(cif.conf.up_script, path, sizeof(cif.conf.up_script));
	hooks_run(&cif, 1);
}

/* Turn carpd's loop until no script runs; the number still running. */
static unsigned
wait_idle(unsigned ms)
{
	struct timespec	 ts = { 0, 5 * 1000 * 1000 };
	unsigned	 waited;

	for (waited = 0; hooks_stats()->running > 0 && waited < ms;
	    waited += 5) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		nanosleep(&ts, NULL);
	}
	return (hooks_stats()->running);
}

/* The file name of the temp dir, whole, in buf. */
static void
slurp(const char *name, char *buf, size_t len)
{
	char	 path[PATH_MAX];
	size_t	 n;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
}

/* 1 if the log holds s. */
static int
logged(const char *s)
{
	static char	 buf[65536];

	slurp("log", buf, sizeof(buf));
	return (strstr(buf, s) != NULL);
}

/* 1 if pid is a live process (a zombie is not). */
static int
alive(pid_t pid)
{
	char	 path[64], buf[256], *p;
	FILE	*f;
	int	 live = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		live = p[2] != 'Z';
	fclose(f);
	return (live);
}

static pid_t
read_pid(const char *name)
{
	char	 path[PATH_MAX], line[64] = "";
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	return (line[0] == '\0' ? -1 : atoi(line));
}

START_TEST(t_output_and_status)
{
	start(NULL);
	run_up(script("up.sh", "echo \"hello $1 $2\"\necho oops >&2\nexit 3"));
	ck_assert_uint_eq(hooks_stats()->started, 1);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->failed, 1);
	ck_assert(logged("c1 up-script 192.0.2.1: hello eth0 192.0.2.1"));
	ck_assert(logged("c1 up-script 192.0.2.1: oops"));
	ck_assert(logged("c1 up-script 192.0.2.1: exited with status 3"));
	run_up(script("ok.sh", "exit 0"));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->failed, 1);
	ck_assert_uint_eq(hooks_stats()->started, 2);
}
END_TEST

/* A check: exit 0, exit 1, killed at its timeout, each reported once;
 * CARP_TRACK in its environment; the scripts' counters untouched; a
 * forgotten check's end is not reported. */
START_TEST(t_check)
{
	static char	 env0[] = "CARP_TRACK=up1";
	char		 body[PATH_MAX + 64], path[PATH_MAX], *argv[2];
	char		*env[2] = { env0, NULL };
	struct check_end ce[4];

	memset(ce, 0, sizeof(ce));
	start(NULL);
	snprintf(body, sizeof(body), "echo \"track $CARP_TRACK\"\n"
	    "[ -e '%s/fail' ] && exit 1\n[ -e '%s/hang' ] && sleep 1000\n"
	    "exit 0", tdir, tdir);
	strlcpy(path, script("check.sh", body), sizeof(path));
	argv[0] = path;
	argv[1] = NULL;
	ck_assert_uint_ne(hooks_exec("track up1", argv, env, 800, check_done,
	    &ce[0]), 0);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_int_eq(ce[0].calls, 1);
	ck_assert_int_eq(ce[0].end, HOOKS_END_OK);
	ck_assert(logged("track up1: track up1"));
	script("fail", "");
	ck_assert_uint_ne(hooks_exec("track up1", argv, env, 800, check_done,
	    &ce[1]), 0);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_int_eq(ce[1].end, HOOKS_END_FAILED);
	ck_assert_int_eq(ce[1].status, 1);
	snprintf(body, sizeof(body), "%s/fail", tdir);
	ck_assert_int_eq(unlink(body), 0);
	script("hang", "");
	ck_assert_uint_ne(hooks_exec("track up1", argv, env, 200, check_done,
	    &ce[2]), 0);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_int_eq(ce[2].end, HOOKS_END_TIMEDOUT);
	hooks_forget(hooks_exec("track up1", argv, env, 200, check_done,
	    &ce[3]));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_int_eq(ce[3].calls, 0);
	ck_assert_uint_eq(hooks_stats()->started, 0);
	ck_assert_uint_eq(hooks_stats()->failed, 0);
	ck_assert_uint_eq(hooks_stats()->timedout, 0);
}
END_TEST

/* PATH and CARP_* only; nothing of carpd's own environment. */
static const char *const	 want_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin\n", "CARP_ADDRESS=192.0.2.1\n",
	"CARP_IF=eth0\n", "CARP_NAME=c1\n", "CARP_STATE=BACKUP\n",
	"CARP_VHID=7\n", NULL
};

START_TEST(t_clean_env)
{
	char	 cmd[PATH_MAX + 64], buf[1024];
	size_t	 i;

	snprintf(cmd, sizeof(cmd), "env | sort >'%s/env.out'", tdir);
	start(NULL);
	hooks_run(&cif, 0);		/* no down-script: nothing */
	ck_assert_uint_eq(hooks_stats()->started, 0);
	strlcpy(cif.conf.down_script, script("env.sh", cmd),
	    sizeof(cif.conf.down_script));
	hooks_run(&cif, 0);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->failed, 0);
	slurp("env.out", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "CARPD_SECRET") == NULL, "%s", buf);
	for (i = 0; want_env[i] != NULL; i++)
		ck_assert_msg(strstr(buf, want_env[i]) != NULL, "no %s in %s",
		    want_env[i], buf);
}
END_TEST

/* The timeout kills the script and the child it put in the background. */
START_TEST(t_timeout_kills_group)
{
	char	 body[PATH_MAX + 64];
	pid_t	 bg;

	snprintf(body, sizeof(body),
	    "sleep 1000 &\necho $! >'%s/bg.pids'\nsleep 1000", tdir);
	start(NULL);
	hooks_set_timeout(300);
	run_up(script("hang.sh", body));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->timedout, 1);
	ck_assert(logged("c1 up-script 192.0.2.1: still running after its "
	    "timeout"));
	ck_assert_int_gt(bg = read_pid("bg.pids"), 0);
	{
		struct timespec	 ts = { 0, 10 * 1000 * 1000 };
		int		 i;

		for (i = 0; i < 200 && alive(bg); i++)
			nanosleep(&ts, NULL);
	}
	ck_assert_msg(!alive(bg), "background child %d survived", (int)bg);
}
END_TEST

/* Bug 5: 40 scripts each leave `sleep 1000 &` holding their output
 * pipe; each slot is freed when its script exits, and scripts still run. */
START_TEST(t_background_child_frees_slot)
{
	char	 body[PATH_MAX + 64];
	int	 i;

	snprintf(body, sizeof(body), "sleep 1000 &\necho $! >>'%s/bg.pids'",
	    tdir);
	start(NULL);
	script("bg.sh", body);
	for (i = 0; i < 40; i++) {
		run_up(script("bg.sh", body));
		ck_assert_uint_eq(wait_idle(5000), 0);
	}
	ck_assert_uint_eq(hooks_stats()->started, 40);
	ck_assert_uint_eq(hooks_stats()->skipped, 0);
	run_up(script("ok.sh", "echo still runs"));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert(logged("c1 up-script 192.0.2.1: still runs"));
	ck_assert_uint_eq(hooks_stats()->started, 41);
	ck_assert_uint_eq(hooks_stats()->failed, 0);
}
END_TEST

START_TEST(t_33rd_skipped)
{
	const char	*path;
	int		 i;

	start(NULL);
	hooks_set_timeout(1000);
	path = script("slow.sh", "sleep 1000");
	for (i = 0; i < HOOKS_MAX + 1; i++)
		run_up(path);
	ck_assert_uint_eq(hooks_stats()->running, HOOKS_MAX);
	ck_assert_uint_eq(hooks_stats()->skipped, 1);
	ck_assert(logged("skipped, too many scripts running"));
	ck_assert_uint_eq(wait_idle(8000), 0);
	ck_assert_uint_eq(hooks_stats()->timedout, HOOKS_MAX);
	run_up(script("ok.sh", "exit 0"));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->skipped, 1);
}
END_TEST

/* Checked again by the runner: a script made unsafe after the config
 * was read is refused, as is one the config does not name. */
START_TEST(t_unsafe_refused)
{
	char	 conf[PATH_MAX], dir[PATH_MAX];
	FILE	*f;
	char	 ok[PATH_MAX];

	strlcpy(ok, script("ok.sh", "exit 0"), sizeof(ok));
	snprintf(conf, sizeof(conf), "%s/carp.conf", tdir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "carp c1 { vhid 7 carpdev eth0 address 192.0.2.1 "
	    "up-script \"%s\" }\n", ok);
	fclose(f);
	start(conf);
	run_up(ok);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->refused, 0);
	/* not in the config */
	run_up(script("other.sh", "exit 0"));
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->refused, 1);
	ck_assert(logged("other.sh is not a script of"));
	/* world-writable now */
	ck_assert_int_eq(chmod(ok, 0777), 0);
	run_up(ok);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->refused, 2);
	ck_assert(logged("ok.sh is writable by group or others"));
	/* in a world-writable directory */
	ck_assert_int_eq(chmod(ok, 0755), 0);
	ck_assert_int_eq(chmod(tdir, 0777), 0);
	run_up(ok);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->refused, 3);
	snprintf(dir, sizeof(dir), "directory %s is writable", tdir);
	ck_assert(logged(dir));
	ck_assert_int_eq(chmod(tdir, 0700), 0);
	ck_assert_uint_eq(hooks_stats()->started, 4);
}
END_TEST

/* carpd outlives its runner: what ran is counted lost, the rest skipped. */
START_TEST(t_runner_dies)
{
	char	 body[PATH_MAX + 64];

	snprintf(body, sizeof(body), "echo $$ >>'%s/bg.pids'\nexec sleep 1000",
	    tdir);
	start(NULL);
	hooks_set_timeout(5000);
	run_up(script("slow.sh", body));
	ck_assert_uint_eq(hooks_stats()->running, 1);
	ck_assert_int_eq(kill(hooks_runner_pid(), SIGKILL), 0);
	ck_assert_uint_eq(wait_idle(5000), 0);
	ck_assert_uint_eq(hooks_stats()->lost, 1);
	ck_assert(logged("1 running scripts lost"));
	run_up(script("ok.sh", "exit 0"));
	ck_assert_uint_eq(hooks_stats()->skipped, 1);
	ck_assert_uint_eq(hooks_stats()->started, 1);
}
END_TEST

static Suite *
hooks_suite(void)
{
	Suite	*s = suite_create("hooks");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t_output_and_status);
	tcase_add_test(tc, t_clean_env);
	tcase_add_test(tc, t_check);
	tcase_add_test(tc, t_timeout_kills_group);
	tcase_add_test(tc, t_background_child_frees_slot);
	tcase_add_test(tc, t_33rd_skipped);
	tcase_add_test(tc, t_unsafe_refused);
	tcase_add_test(tc, t_runner_dies);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(hooks_suite()));
}
