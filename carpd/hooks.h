/* Up/down scripts: carpd's side (hooks.c) and the script runner
 * (hooks_runner.c), after OpenBSD's privilege separation.
 *
 * carpd forks the runner before it drops its privileges; the two talk
 * over a SOCK_SEQPACKET socketpair, one request or reply per datagram.
 * The runner keeps CAP_NET_ADMIN and CAP_NET_RAW only (bounding set
 * too), sets no_new_privs and has no seccomp filter, since scripts are
 * arbitrary programs; carpd keeps no fork, exec, kill or wait in its
 * filter. The runner starts each script in its own session (process
 * group), with a fixed environment, kills the whole group at the
 * timeout, logs the output and tells carpd how each script ended. It
 * runs only scripts named in the config file it reads itself, and only
 * if they pass conf_check_script() again. It exits when carpd's end of
 * the socket closes and its last script has ended. It signals only its
 * own children, of its own uid, so neither process needs CAP_KILL,
 * CAP_SETUID or CAP_SETGID; it stays root when carpd does not (scripts
 * must then be root's). */
#ifndef CARPD_HOOKS_H
#define CARPD_HOOKS_H

#include <sys/types.h>
#include <stdint.h>

#define HOOKS_MAX		32	/* scripts running at once */
#define HOOKS_TIMEOUT_MS	10000	/* then the group is killed */
#define HOOKS_TIMEOUT_MAX	60000	/* the runner's cap on a request */
#define HOOKS_MSG_MAX		4096	/* a request, strings included */
#define HOOKS_TAGLEN		128	/* "carp1 up-script 192.0.2.100" */

/* The fixed part of the environment; the request adds CARP_* only. */
#define HOOKS_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* carpd -> runner: then nstr NUL-terminated strings: the tag for the
 * log, argc arguments (the first is the script's path), and CARP_*
 * variables for the rest. */
struct hooks_req {
	uint32_t	 id;
	uint32_t	 timeout_ms;
	uint16_t	 argc;
	uint16_t	 nstr;
	uint32_t	 flags;		/* HOOKS_F_* */
};

/* A health check (track.h): it runs every second, so how it ends is
 * logged at debug level only; its output is logged as a script's. */
#define HOOKS_F_CHECK	0x1

enum hooks_end {
	HOOKS_END_OK = 0,	/* exit status 0 */
	HOOKS_END_FAILED,	/* other status, or a signal */
	HOOKS_END_TIMEDOUT,	/* its group was killed at the timeout */
	HOOKS_END_REFUSED,	/* not run: unknown or unsafe, busy, fork */
};

/* runner -> carpd, once per request, when the script has been reaped
 * (not when its output closes: a background child may hold that). */
struct hooks_rep {
	uint32_t	 id;
	uint32_t	 end;		/* enum hooks_end */
	int32_t		 status;	/* exit status or signal number */
};

/* What status and stats show (carpctl stats). */
struct hooks_stats {
	uint64_t	 started;	/* handed to the runner */
	uint64_t	 failed;	/* non-zero status or a signal */
	uint64_t	 timedout;
	uint64_t	 refused;	/* by the runner */
	uint64_t	 skipped;	/* never sent: busy, runner gone */
	uint64_t	 lost;		/* running when the runner died */
	uint32_t	 running;
};

/* How a health check ended (hooks_exec); status as in hooks_rep. */
typedef void	(*hooks_done_cb)(void *arg, enum hooks_end, int status);

/* hooks.c */
/* Fork the runner (before priv_drop); conf_path is the config it reads
 * to learn which scripts exist. -1 if it cannot: scripts are skipped. */
int		 hooks_start(const char *conf_path);
const struct hooks_stats *hooks_stats(void);
/* for the tests: the timeout of the scripts started from now on, and
 * the runner's pid (-1 if none) */
void		 hooks_set_timeout(unsigned ms);
pid_t		 hooks_runner_pid(void);
/* Health checks: run argv (argv[0] a script the config names) with the
 * CARP_* variables of env (NULL-ended), killed at timeout_ms; done is
 * called once with how it ended (another check's done may be called
 * from inside hooks_exec, this one's never). The id,
 * or 0 if it was not handed over (done is not called then). Counted by
 * the caller, not in hooks_stats(). hooks_forget: done is not called
 * for id any more (the check was removed). */
uint32_t	 hooks_exec(const char *tag, char *const argv[],
		    char *const env[], unsigned timeout_ms, hooks_done_cb,
		    void *arg);
void		 hooks_forget(uint32_t id);

/* hooks_runner.c: the runner's main; never returns */
void		 runner_main(int fd, const char *conf_path)
		    __attribute__((noreturn));

#endif
