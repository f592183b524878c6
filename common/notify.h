/* Telling systemd how a daemon is doing (Type=notify units): READY=1,
 * STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1, through libsystemd's
 * sd_notify (sd_notify(3)). Without NOTIFY_SOCKET in the environment
 * (not run by systemd, or a Type=simple unit) every call does nothing. */
#ifndef CARP_NOTIFY_H
#define CARP_NOTIFY_H

#include <sys/time.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

/* The daemon's state in one line ("carp1 MASTER, carp2 BACKUP"). */
typedef void	(*notify_status_fn)(void *arg, char *buf, size_t len);

/* After the fork (daemon_setup) and before the privilege drop: start the
 * refresh timer on base, which pings the watchdog when the unit has
 * WatchdogSec and sends the status line from status_fn when it changed.
 * forked: we are not the process systemd started, so READY=1 names us
 * (MAINPID=). */
void	 notify_init(struct event_base *, int forked, notify_status_fn,
	    void *arg);
/* Set up and serving: READY=1 and the status. Again after a reload. */
void	 notify_ready(void);
/* Send the status line now if it changed (on a transition, say). */
void	 notify_refresh(void);
/* Around carpd's reload: RELOADING=1 before, notify_ready() after. */
void	 notify_reloading(void);
/* The daemon stops: STOPPING=1, and no more watchdog pings. */
void	 notify_stopping(void);
void	 notify_cleanup(void);

/* The timer's interval for WATCHDOG_USEC usec (0: none): half of it,
 * as sd_watchdog_enabled(3) advises, and at most NOTIFY_REFRESH_MS so
 * that the status line stays fresh. */
#define NOTIFY_REFRESH_MS	1000
void	 notify_interval(uint64_t watchdog_usec, struct timeval *);

#endif
