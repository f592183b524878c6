/* Dropping privileges once a daemon's sockets and netlink handles are
 * open: capabilities (libcap-ng), no_new_privs, then a seccomp allow-list
 * (libseccomp), in that order, as the hardening issue asks.
 *
 * The lists below were measured: each daemon ran its namespace tests
 * (carp-*, sync-*, priv-status with a reload and an up-script) under
 * strace -f, and every call made after the drop point is listed. Calls
 * on paths the tests do not take are marked "by hand" with the reason.
 *
 * carpd's scripts are run by a script runner it forks before the drop
 * (carpd/hooks.h, OpenBSD privsep style). The runner has no filter:
 * scripts are arbitrary programs, and a filter cannot be lifted once
 * installed. It keeps the same two capabilities, in the bounding set
 * too, so a script exec'd as root has exactly those, and no_new_privs.
 * carpd itself therefore no longer lists fork, exec, kill or wait, nor
 * what /bin/sh and a script's commands need (PRIV_SCRIPT_CALLS is gone
 * from its list). */
#include <sys/prctl.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "log.h"
#include "priv.h"

/* A call outside the list fails with EPERM and the kernel logs it
 * (SCMP_FLTATR_CTL_LOG: "type=1326 ... syscall=N" in the kernel log),
 * rather than killing the process (SCMP_ACT_KILL_PROCESS). Both stop the
 * call; the difference is what a missed entry on a rare path costs. A
 * killed carpd leaves its addresses up without bowing out, and the
 * cluster fails over after three adverts; with EPERM the call goes down
 * the error path every call in our code already has (log, return -1) and
 * the denial is in the kernel log to be added here. A script's command
 * likewise reports an error instead of dying of SIGSYS. */
#define PRIV_DENY	SCMP_ACT_ERRNO(EPERM)

/* Both daemons, measured under a Type=notify unit's NOTIFY_SOCKET
 * (tests/integ/notify.sh): libsystemd's sd_notify opens an AF_UNIX
 * datagram socket per message, raises its send buffer (getsockopt,
 * setsockopt: in the base list), compares the ids to decide whether to
 * pass credentials, and sends with sendmsg. */
#define PRIV_NOTIFY_CALLS						\
	"sendmsg", "getuid", "getgid", "getegid"

/* Both daemons, measured: the event loop, the control socket, netlink
 * and the sync link; shutdown, when the daemon stops with a monitor
 * client attached (ctl.c; found by e2e-crash, denied until listed). By
 * hand: syslog (the tests run with -d, stderr), malloc's large blocks,
 * the clocks when the vDSO cannot serve them, geteuid for a non-root
 * control client (ctl.c), and sigaltstack, which ASan calls on exit. */
#define PRIV_BASE_CALLS							\
	"read", "readv", "write", "writev", "close", "unlink",		\
	"epoll_wait", "epoll_ctl", "ioctl", "brk", "futex",		\
	"rt_sigreturn", "exit_group",					\
	"socket", "setsockopt", "getsockopt", "sendto", "recvmsg",	\
	"accept4", "shutdown",						\
	/* by hand */							\
	"connect", "getpid", "mmap", "munmap", "mremap",		\
	"clock_gettime", "gettimeofday", "time", "geteuid",		\
	"sigaltstack",							\
	PRIV_NOTIFY_CALLS

/* carpd, measured: reload (config, new carps); by hand: the state file
 * of strict mode, set up on the reload that adds the first strict carp
 * (auth.c makes its directory, writes a temp file, fsyncs and renames
 * it), the owner check of a secrets file on reload (conf.c). The event
 * loop's precise timer sets a timerfd before every wait (apply.c). Scripts
 * are requests to the runner over a socket (read, sendto); the reload
 * checks each script's directories (conf_script.c: realpath). The
 * reload's user and group lookups read /etc/passwd and /etc/group, and
 * glibc rewinds the file first (lseek): denied, the "files" source
 * failed and NSS went on to load libnss_systemd, whose mprotect was
 * denied in turn (found by ctl-abuse once it read the audit serials).
 * Balancing (carpd/bal_kern.c): each nftables transaction, one per
 * share change, opens a netlink socket that libmnl binds and asks its
 * port id (getsockname); a reload that adds a balanced carp also binds
 * its ARP packet socket to the carpdev (found by carp-balance-kern). */
#define PRIV_CARPD_CALLS						\
	"openat", "newfstatat", "fcntl", "sendmsg", "getrandom",	\
	"rt_sigaction", "readlink", "timerfd_settime",			\
	"bind", "getsockname",						\
	/* by hand */							\
	"mkdir", "fsync", "rename", "getuid", "lseek"

/* syncd, measured: a netlink socket per conntrack dump (bulk, refresh),
 * bound; the connections to carpd's control socket; the sync link; the
 * conntrack events, a batch a call (ct.c); huge pages asked for the
 * ownership table when it grows (own.c). */
#define PRIV_SYNCD_CALLS						\
	"bind", "getsockname", "recvfrom", "recvmmsg", "madvise"

static const int		 priv_net_caps[] = {
	CAP_NET_ADMIN,		/* addresses, links, conntrack, nftables */
	CAP_NET_RAW,		/* CARP and ARP sockets, SO_BINDTODEVICE */
	-1
};

static const char *const	 priv_carpd_calls[] = {
	PRIV_BASE_CALLS, PRIV_CARPD_CALLS, NULL
};

static const char *const	 priv_syncd_calls[] = {
	PRIV_BASE_CALLS, PRIV_SYNCD_CALLS, NULL
};

const struct priv_spec	 priv_carpd = {
	"carpd", priv_net_caps, priv_carpd_calls
};
const struct priv_spec	 priv_syncd = {
	"syncd", priv_net_caps, priv_syncd_calls
};
/* no list: no_new_privs and the capabilities only (see above) */
const struct priv_spec	 priv_runner = {
	"carpd-scripts", priv_net_caps, NULL
};

/* the uid change needs these, until it is made */
static const int		 priv_setid_caps[] = { CAP_SETUID, CAP_SETGID, -1 };

static int
priv_caps_add(const struct priv_spec *spec, const int *caps,
    capng_type_t where)
{
	const int	*c;

	for (c = caps; *c != -1; c++)
		if (capng_update(CAPNG_ADD, where, (unsigned)*c) == -1) {
			log_warnx("%s: capability %d unknown", spec->name, *c);
			return (-1);
		}
	return (0);
}

/* Keep exactly spec->caps: effective, permitted and bounding; all else,
 * inheritable and ambient included, is cleared, so nothing exec'd can
 * get a capability back either. setid: CAP_SETUID and CAP_SETGID stay
 * effective and permitted (not in the bounding set) for priv_setid(). */
static int
priv_caps(const struct priv_spec *spec, int setid)
{
	int	 rc;

	capng_clear(CAPNG_SELECT_ALL);
	if (priv_caps_add(spec, spec->caps, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_BOUNDING_SET) == -1 || (setid && priv_caps_add(spec,
	    priv_setid_caps, CAPNG_EFFECTIVE | CAPNG_PERMITTED) == -1))
		return (-1);
	if ((rc = capng_apply(CAPNG_SELECT_ALL)) != 0) {
		log_warnx("%s: cannot drop capabilities (libcap-ng %d)",
		    spec->name, rc);
		return (-1);
	}
	return (0);
}

static int
priv_rules(const struct priv_spec *spec, scmp_filter_ctx ctx)
{
	const char *const	*s;
	int			 nr, rc;

	for (s = spec->syscalls; *s != NULL; s++) {
		if ((nr = seccomp_syscall_resolve_name(*s)) == __NR_SCMP_ERROR) {
			log_warnx("%s: system call %s unknown", spec->name, *s);
			return (-1);
		}
		/* a name may be listed twice (common and script lists) */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc != 0 && rc != -EEXIST) {
			log_warnx("%s: seccomp rule for %s: %s", spec->name, *s,
			    strerror(-rc));
			return (-1);
		}
	}
	return (0);
}

int
priv_filter(const struct priv_spec *spec)
{
	scmp_filter_ctx	 ctx;
	int		 rc = -1;

	/* exec'd scripts may not gain what we gave up (setuid files, file
	 * capabilities); it also lets us load a filter without CAP_SYS_ADMIN */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("%s: PR_SET_NO_NEW_PRIVS", spec->name);
		return (-1);
	}
	if (spec->syscalls == NULL)
		return (0);
	if ((ctx = seccomp_init(PRIV_DENY)) == NULL) {
		log_warnx("%s: seccomp_init failed", spec->name);
		return (-1);
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) != 0)
		log_debug("%s: kernel cannot log seccomp denials",
		    spec->name);
	if (priv_rules(spec, ctx) == 0) {
		if ((rc = seccomp_load(ctx)) != 0)
			log_warnx("%s: seccomp_load: %s", spec->name,
			    strerror(-rc));
	}
	seccomp_release(ctx);
	return (rc == 0 ? 0 : -1);
}

int
priv_user(const char *name, struct priv_user *u)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if (name == NULL || name[0] == '\0')
		return (0);
	if ((pw = getpwnam(name)) == NULL) {
		log_warnx("user %s: no such user", name);
		return (-1);
	}
	u->name = name;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return (0);
}

int
priv_give(const struct priv_user *u, const char *path)
{
	if (u == NULL || u->name == NULL || path[0] == '\0')
		return (0);
	if (chown(path, u->uid, u->gid) == -1 && errno != ENOENT) {
		log_warn("chown %s to %s", path, u->name);
		return (-1);
	}
	return (0);
}

/* Become u with spec->caps kept: keep-caps across setresuid keeps the
 * permitted set (the effective one is cleared), no supplementary group
 * of root's is kept, then the caps are made effective again and
 * CAP_SETUID/CAP_SETGID go. */
static int
priv_setid(const struct priv_spec *spec, const struct priv_user *u)
{
	capng_type_t	 where = CAPNG_EFFECTIVE | CAPNG_PERMITTED;
	int		 rc;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(0, NULL) == -1 ||
	    setresgid(u->gid, u->gid, u->gid) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1) {
		log_warn("%s: cannot become user %s", spec->name, u->name);
		return (-1);
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (priv_caps_add(spec, spec->caps, where) == -1)
		return (-1);
	if ((rc = capng_apply(CAPNG_SELECT_CAPS)) != 0) {
		log_warnx("%s: cannot keep capabilities as %s (libcap-ng %d)",
		    spec->name, u->name, rc);
		return (-1);
	}
	return (0);
}

int
priv_drop(const struct priv_spec *spec, const struct priv_user *u)
{
	int	 setid = u != NULL && u->name != NULL && u->uid != 0;

	if (priv_caps(spec, setid) == -1 ||
	    (setid && priv_setid(spec, u) == -1) || priv_filter(spec) == -1)
		return (-1);
	log_debug("%s: privileges dropped%s%s", spec->name,
	    setid ? ", running as " : "", setid ? u->name : "");
	return (0);
}
