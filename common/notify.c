/* systemd readiness (notify.h). The protocol is a datagram of
 * NEWLINE-separated KEY=VALUE lines to the AF_UNIX socket named by
 * NOTIFY_SOCKET; libsystemd's sd_notify is the library made for it
 * (abstract socket names, credentials, the send buffer), so we do not
 * speak it by hand. Each call opens a socket, sends and closes it:
 * after the privilege drop that needs socket, setsockopt, getsockopt,
 * sendmsg and the id getters in the seccomp lists (priv.c).
 *
 * What systemd makes of it (systemd.service(5)): the start job ends at
 * READY=1, so we send it only once the daemon serves (carpd: its
 * control socket is open; syncd: also the first bulk is over, done or
 * given up), and a unit that orders itself after ours starts then. With
 * WatchdogSec the unit is restarted when no WATCHDOG=1 comes within the
 * interval: the ping comes from a timer of the event loop, so a loop
 * that hangs stops it, which is the point. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_STATUS_LEN	256

static struct {
	int			 on;		/* NOTIFY_SOCKET is set */
	int			 warned;	/* a send failed, said once */
	int			 stopping;	/* STOPPING=1 sent: quiet */
	uint64_t		 watchdog_usec;	/* 0: no watchdog */
	pid_t			 mainpid;	/* forked: ours, else 0 */
	struct event		*ev;
	notify_status_fn	 status_fn;
	void			*arg;
	char			 status[NOTIFY_STATUS_LEN]; /* last sent */
} notify;

static void
notify_send(const char *msg)
{
	int	 rc;

	if (!notify.on)
		return;
	/* a failed send costs systemd's view of us, not our work: said
	 * once (a seccomp denial, a socket gone), then quiet */
	if ((rc = sd_notify(0, msg)) <= 0 && !notify.warned) {
		notify.warned = 1;
		log_warnx("cannot notify systemd: %s",
		    rc < 0 ? strerror(-rc) : "no NOTIFY_SOCKET");
	}
}

static void __attribute__((format(printf, 1, 2)))
notify_sendf(const char *fmt, ...)
{
	char	 buf[NOTIFY_STATUS_LEN + 64];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notify_send(buf);
}

/* The status line into buf with its STATUS= key; 1 if it differs from
 * the one sent last (and it is now the last). */
static int
notify_status_new(char *buf, size_t len)
{
	char	 line[NOTIFY_STATUS_LEN];

	line[0] = '\0';
	if (notify.status_fn != NULL)
		notify.status_fn(notify.arg, line, sizeof(line));
	snprintf(buf, len, "STATUS=%s", line);
	if (strcmp(line, notify.status) == 0)
		return (0);
	memcpy(notify.status, line, sizeof(notify.status));
	return (1);
}

void
notify_refresh(void)
{
	char	 buf[NOTIFY_STATUS_LEN + 16];

	/* the carps removed at exit are not news to systemd */
	if (notify.on && !notify.stopping &&
	    notify_status_new(buf, sizeof(buf)))
		notify_send(buf);
}

static void
notify_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (notify.watchdog_usec > 0)
		notify_send("WATCHDOG=1");
	notify_refresh();
}

void
notify_interval(uint64_t watchdog_usec, struct timeval *tv)
{
	uint64_t	 usec = (uint64_t)NOTIFY_REFRESH_MS * 1000;

	if (watchdog_usec > 0 && watchdog_usec / 2 < usec)
		usec = watchdog_usec / 2;
	tv->tv_sec = (time_t)(usec / 1000000);
	tv->tv_usec = (suseconds_t)(usec % 1000000);
}

void
notify_init(struct event_base *base, int forked, notify_status_fn fn,
    void *arg)
{
	struct timeval	 tv;
	uint64_t	 usec = 0;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	notify.on = 1;
	notify.status_fn = fn;
	notify.arg = arg;
	notify.mainpid = forked ? getpid() : 0;
	/* WATCHDOG_PID, when set, must be us: after a fork it is not */
	if (sd_watchdog_enabled(0, &usec) > 0)
		notify.watchdog_usec = usec;
	notify_interval(notify.watchdog_usec, &tv);
	if ((notify.ev = event_new(base, -1, EV_PERSIST, notify_tick,
	    NULL)) == NULL || event_add(notify.ev, &tv) == -1)
		fatalx("cannot start the systemd notify timer");
	if (notify.watchdog_usec > 0)
		log_info("systemd watchdog: %llu ms, pinged every %lld ms",
		    (unsigned long long)(usec / 1000),
		    (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

void
notify_ready(void)
{
	char	 st[NOTIFY_STATUS_LEN + 16], pid[32];

	if (!notify.on)
		return;
	(void)notify_status_new(st, sizeof(st));
	pid[0] = '\0';
	if (notify.mainpid != 0)
		snprintf(pid, sizeof(pid), "\nMAINPID=%ld",
		    (long)notify.mainpid);
	notify_sendf("READY=1\n%s%s", st, pid);
}

/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants to know which
 * reload this is; older ones ignore it. */
void
notify_reloading(void)
{
	struct timespec	 ts;

	if (!notify.on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

void
notify_stopping(void)
{
	if (!notify.on)
		return;
	if (notify.ev != NULL)
		event_del(notify.ev);
	notify.stopping = 1;
	notify_send("STOPPING=1\nSTATUS=stopping");
	snprintf(notify.status, sizeof(notify.status), "stopping");
}

void
notify_cleanup(void)
{
	if (notify.ev != NULL)
		event_free(notify.ev);
	memset(&notify, 0, sizeof(notify));
}
