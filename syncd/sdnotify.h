/* syncd's side of systemd readiness (sdnotify.c; common/notify.h). */
#ifndef SYNCD_SDNOTIFY_H
#define SYNCD_SDNOTIFY_H

#include <stddef.h>

struct syncd;

/* notify_status_fn: "in sync, 123456 states", "bulk from 203.0.113.2",
 * "peer lost, 123456 states", ...; arg is the struct syncd. */
void	 sdnotify_status(void *arg, char *buf, size_t len);
/* Set up, control socket open: READY=1 once the first bulk is over. */
void	 sdnotify_start(struct syncd *);
/* The bulk moved (engine.c): READY=1 if that was the first one ending,
 * and the status line. */
void	 sdnotify_bulk(struct syncd *);

#endif
