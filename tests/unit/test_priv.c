/* Privilege drop (common/priv.c): every listed system call resolves,
 * no dangerous one is listed, and a child with a daemon's filter is
 * denied a call outside it, while a script exec'd by carpd's script
 * runner has no_new_privs and no filter. The filter needs no root (no_new_privs); the
 * capability test runs only as root. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "priv.h"

static const struct priv_spec	*specs[] = { &priv_carpd, &priv_syncd };

/* never allowed to either daemon: a hole in the sandbox if listed */
static const char *const	 dangerous[] = {
	"ptrace", "mount", "umount2", "pivot_root", "chroot", "bpf",
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "unshare", "setns", "perf_event_open",
	"process_vm_writev", "process_vm_readv", "keyctl", "add_key",
	"reboot", "swapon", "setuid", "setgid", "setresuid", "capset",
	"userfaultfd", "open_by_handle_at", "seccomp", NULL
};

static int
listed(const struct priv_spec *s, const char *name)
{
	const char *const	*p;

	for (p = s->syscalls; *p != NULL; p++)
		if (strcmp(*p, name) == 0)
			return (1);
	return (0);
}

/* Run fn in a child; its exit status, or 128 + the signal that ended it. */
static int
in_child(int (*fn)(void))
{
	pid_t	 pid;
	int	 st;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

START_TEST(test_lists_resolve)
{
	const char *const	*p;
	const int		*c;
	size_t			 i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		for (p = specs[i]->syscalls; *p != NULL; p++)
			ck_assert_msg(seccomp_syscall_resolve_name(*p) !=
			    __NR_SCMP_ERROR, "%s: %s does not resolve",
			    specs[i]->name, *p);
		for (c = specs[i]->caps; *c != -1; c++)
			ck_assert(*c == CAP_NET_ADMIN || *c == CAP_NET_RAW);
	}
}
END_TEST

START_TEST(test_lists_safe)
{
	const char *const	*p;
	size_t			 i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		for (p = dangerous; *p != NULL; p++)
			ck_assert_msg(!listed(specs[i], *p), "%s lists %s",
			    specs[i]->name, *p);
	/* neither runs anything: carpd's script runner does (no filter) */
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		ck_assert(!listed(specs[i], "execve"));
		ck_assert(!listed(specs[i], "clone"));
		ck_assert(!listed(specs[i], "kill"));
	}
	ck_assert_ptr_null(priv_runner.syscalls);
}
END_TEST

/* personality(0xffffffff) only reads, and succeeds anywhere unfiltered */
static int
child_syncd_denied(void)
{
	if (syscall(SYS_personality, 0xffffffffUL) == -1)
		return (10);
	if (priv_filter(&priv_syncd) == -1)
		return (11);
	if (getpid() <= 0)
		return (12);		/* listed: still works */
	errno = 0;
	if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EPERM)
		return (13);		/* not listed: EPERM, not a kill */
	if (syscall(SYS_fork) != -1 || errno != EPERM)
		return (14);
	return (0);
}

START_TEST(test_filter_denies)
{
	ck_assert_int_eq(in_child(child_syncd_denied), 0);
}
END_TEST

/* carpd's script runner: no_new_privs, no filter; scripts run. */
static int
child_runner_script(void)
{
	if (priv_filter(&priv_runner) == -1)
		return (11);
	execl("/bin/sh", "sh", "-c",
	    "grep -q '^Seccomp:[[:space:]]*0' /proc/self/status && "
	    "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status && exit 3",
	    (char *)NULL);
	return (12);
}

START_TEST(test_script_runner)
{
	ck_assert_int_eq(in_child(child_runner_script), 3);
}
END_TEST

static const char *const	 bogus_calls[] = { "read", "no_such_call", NULL };
static const int		 no_caps[] = { -1 };
static const struct priv_spec	 bogus = { "bogus", no_caps, bogus_calls };

static int
child_bogus(void)
{
	if (priv_filter(&bogus) != -1)
		return (10);
	/* nothing was installed: an unlisted call still works */
	if (syscall(SYS_personality, 0xffffffffUL) == -1)
		return (11);
	return (0);
}

START_TEST(test_filter_unknown_call)
{
	ck_assert_int_eq(in_child(child_bogus), 0);
}
END_TEST

/* syncd's capabilities, and a filter that lets the checks below run */
static const char *const	 check_calls[] = {
	"capget", "prctl", "openat", "read", "close", "newfstatat", "fstat",
	"lseek", "brk", "mmap", "munmap", "write", "exit_group", "sigaltstack",
	"getuid", "geteuid", "getgid", "getgroups", NULL
};

static int
child_drop(void)
{
	struct priv_spec	 spec = priv_syncd;

	spec.syscalls = check_calls;
	if (priv_drop(&spec, NULL) == -1)
		return (10);
	if (capng_get_caps_process() != 0)
		return (13);
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) ||
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN) ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_DAC_OVERRIDE) ||
	    capng_have_capability(CAPNG_INHERITABLE, CAP_NET_ADMIN))
		return (11);
	/* the bounding set, too: nothing exec'd can get more back */
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) != 1)
		return (12);
	return (0);
}

START_TEST(test_drop_caps)
{
	if (geteuid() != 0)
		return;		/* capabilities need root to drop from */
	ck_assert_int_eq(in_child(child_drop), 0);
}
END_TEST

/* As another user (the "user" keyword): the same two capabilities kept
 * across the uid change, CAP_SETUID/SETGID gone, no group of root's, and
 * nothing ambient: carpd execs nothing (its script runner stays root). */
static int
child_drop_user(void)
{
	struct priv_spec	 spec = priv_carpd;
	struct priv_user	 u;
	gid_t			 groups[4];

	spec.syscalls = check_calls;
	if (priv_user("nobody", &u) == -1 || u.uid == 0)
		return (10);
	if (priv_drop(&spec, &u) == -1)
		return (11);
	if (getuid() != u.uid || geteuid() != u.uid || getgid() != u.gid ||
	    getgroups(4, groups) != 0)
		return (12);
	if (capng_get_caps_process() != 0 ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	    !capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW) ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_SETGID))
		return (13);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_ADMIN, 0,
	    0) != 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET,
	    CAP_SYS_ADMIN, 0, 0) != 0)
		return (14);
	if (prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0) != 0)
		return (15);
	return (0);
}

START_TEST(test_drop_user)
{
	struct priv_user	 u;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(priv_user("", &u), 0);
	ck_assert_ptr_null(u.name);
	ck_assert_int_eq(priv_user("no-such-user-here", &u), -1);
	ck_assert_int_eq(in_child(child_drop_user), 0);
}
END_TEST

static Suite *
priv_suite(void)
{
	Suite	*s = suite_create("priv");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_lists_resolve);
	tcase_add_test(tc, test_lists_safe);
	tcase_add_test(tc, test_filter_denies);
	tcase_add_test(tc, test_script_runner);
	tcase_add_test(tc, test_filter_unknown_call);
	tcase_add_test(tc, test_drop_caps);
	tcase_add_test(tc, test_drop_user);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(priv_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
