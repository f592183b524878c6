/* syncd's demote-hold client; see ctl_holder.c. Included by ctl.h. */
#ifndef CARP_CTL_HOLDER_H
#define CARP_CTL_HOLDER_H

#include <event2/event.h>

/* Non-blocking demote holds on carpd for syncd: keeps one connection,
 * reconnects with backoff while carpd is absent, re-sends every hold
 * after a reconnect. Never blocks; carpd being away is not an error. */
struct ctl_holder;

struct ctl_holder *ctl_holder_new(struct event_base *, const char *path,
		    const char *who);
void		 ctl_holder_free(struct ctl_holder *);
/* Hold n (0..255) on group; 0 releases. The whole hold of this client on
 * that group: callers with several reasons send their sum. -1 if the
 * table is full or n out of range. */
int		 ctl_holder_set(struct ctl_holder *, const char *group, int n);
int		 ctl_holder_connected(const struct ctl_holder *);
/* Watch carpd's carps on the same connection: cb gets the monitor's
 * acknowledgement (carps: every carp as it is now) and then each event
 * (event set), in order, after every (re)connect; NULL when the
 * connection is lost. The reply is freed after cb returns. */
typedef void	(*ctl_holder_watch_cb)(const CtlReply *, void *);
void		 ctl_holder_watch(struct ctl_holder *, ctl_holder_watch_cb,
		    void *);

#endif
