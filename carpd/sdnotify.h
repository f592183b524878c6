/* carpd's side of systemd readiness (sdnotify.c; common/notify.h). */
#ifndef CARPD_SDNOTIFY_H
#define CARPD_SDNOTIFY_H

#include "carpd.h"

/* notify_status_fn: "carp1 MASTER, carp2 BACKUP demote 32"; arg is the
 * struct carpd. */
void	 sdnotify_status(void *arg, char *buf, size_t len);
/* struct carpd's notify: control_notify, then the status line. */
void	 sdnotify_transition(struct carp_if *, enum carp_state old,
	    const char *why);

#endif
