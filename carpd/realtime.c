/* realtime yes (carp.conf(5)): carpd runs SCHED_FIFO with its memory
 * locked, so that neither a busy CPU nor memory pressure delays an
 * advert. At advbase 0 advskew 1 an advert is due every 3.9 ms and the
 * backups give up after 11.7: a time slice lost to a busy loop (up to
 * several ms under CFS) or a page fault reading swap is a false
 * failover.
 *
 * Done once at start, as root, after the script runner is forked (it
 * and the scripts it runs stay ordinary: hooks.h) and before the
 * privilege drop, which takes away CAP_SYS_NICE and CAP_IPC_LOCK.
 * SCHED_RESET_ON_FORK besides, in case anything is ever forked later.
 * Every failure is a warning and carpd goes on without that part; what
 * it got is in carpctl status (realtime_status). */
#include <sys/mman.h>
#include <sys/resource.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "carpd.h"
#include "compat.h"
#include "log.h"

/* Priority 10 of 1..99: above every ordinary task, which is all this is
 * for, and well below the kernel's threaded interrupt handlers (50),
 * which deliver the adverts we wait for and carry the ones we send,
 * and its per-CPU watchdog and migration threads (99). Other realtime
 * daemons (chronyd -P, ptp4l) commonly sit at 1 to 20 as well. */
#define REALTIME_PRIO		10

/* Stack grown before mlockall, so its pages are locked now rather than
 * faulted in on the first deep call path (a reload, a control reply).
 * It matters more when RLIMIT_MEMLOCK stays finite: the stack mapping
 * is then locked, and growing it past the limit after the drop would
 * be a SIGSEGV; this leaves room that no path of carpd's goes beyond. */
#define REALTIME_STACK		(256 * 1024)

static char	 realtime_what[160] = "off";

/* MCL_FUTURE: every later mapping is locked too, and counted against
 * RLIMIT_MEMLOCK once CAP_IPC_LOCK is gone with the drop. Below the
 * limit then, malloc and even stack growth fail: raised to unlimited
 * first, while root. If it cannot be, only what is mapped now is
 * locked: a warning, and never an allocation failing later. */
static int
realtime_lock(char *what, size_t len)
{
	struct rlimit	 rl = { RLIM_INFINITY, RLIM_INFINITY };
	int		 flags = MCL_CURRENT | MCL_FUTURE;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1) {
		if (getrlimit(RLIMIT_MEMLOCK, &rl) == -1)
			rl.rlim_max = 0;
		log_warnx("realtime: cannot lift RLIMIT_MEMLOCK (%llu kB; "
		    "CAP_SYS_RESOURCE or LimitMEMLOCK=infinity would): locking "
		    "the memory mapped now, not what is allocated later",
		    (unsigned long long)rl.rlim_max / 1024);
		/* the most room the hard limit leaves the stack (above) */
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_MEMLOCK, &rl);
		flags = MCL_CURRENT;
	}
	if (mlockall(flags) == -1) {
		log_warn("realtime: mlockall");
		snprintf(what, len, "memory not locked (%s)", strerror(errno));
		return (-1);
	}
	snprintf(what, len, flags & MCL_FUTURE ? "memory locked" :
	    "memory locked at start only (RLIMIT_MEMLOCK)");
	return (0);
}

static int
realtime_sched(char *what, size_t len)
{
	struct sched_param	 sp;

	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = REALTIME_PRIO;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK,
	    &sp) == -1) {
		log_warn("realtime: SCHED_FIFO %d", REALTIME_PRIO);
		snprintf(what, len, "not SCHED_FIFO (%s)", strerror(errno));
		return (-1);
	}
	snprintf(what, len, "SCHED_FIFO %d", REALTIME_PRIO);
	return (0);
}

static __attribute__((noinline)) void
realtime_stack(void)
{
	volatile char	 stack[REALTIME_STACK];
	size_t		 i;

	/* one write a page, through volatile: not optimised away */
	for (i = 0; i < sizeof(stack); i += 1024)
		stack[i] = 0;
}

void
realtime_start(const struct carp_conf *conf)
{
	char	 s[64], m[64];
	int	 rs, rm;

	if (!conf->realtime) {
		strlcpy(realtime_what, "off", sizeof(realtime_what));
		return;
	}
	rs = realtime_sched(s, sizeof(s));
	realtime_stack();
	rm = realtime_lock(m, sizeof(m));
	snprintf(realtime_what, sizeof(realtime_what), "%s, %s", s, m);
	if (rs == 0 && rm == 0)
		log_info("realtime: %s", realtime_what);
	else
		log_warnx("realtime: only partly: %s", realtime_what);
}

/* The realtime line of carpctl status: "SCHED_FIFO 10, memory locked",
 * "off", or what failed. */
const char *
realtime_status(void)
{
	return (realtime_what);
}
