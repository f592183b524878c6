/* The daemons' control server; see ctl_server.c. Included by ctl.h. */
#ifndef CARP_CTL_SERVER_H
#define CARP_CTL_SERVER_H

#include <sys/types.h>
#include <stdint.h>
#include <event2/event.h>

#include "ctl.pb-c.h"

#define CTL_MAX_CLIENTS		64
#define CTL_MAX_OUTPUT		(4 * 1024 * 1024) /* slow monitor dropped */

/* Server on a unix SOCK_STREAM socket, mode 0660. The request callback
 * sees only frames that decoded and carry CTL_VERSION; everything else
 * is answered, counted and, for garbage, disconnected here. */
struct ctl_server;
struct ctl_conn;

struct ctl_server_cb {
	void	(*request)(struct ctl_conn *, const CtlRequest *, void *);
	/* the connection is going away: release what it holds */
	void	(*close)(struct ctl_conn *, void *);
};

struct ctl_server_stats {
	uint64_t	 requests;
	uint64_t	 errors;	/* replies with a result other than OK */
	uint64_t	 bad_frames;	/* clients dropped for garbage */
	unsigned	 clients;
};

struct ctl_server *ctl_server_new(struct event_base *, const char *path,
		    const struct ctl_server_cb *, void *arg);
void		 ctl_server_free(struct ctl_server *);
const struct ctl_server_stats *ctl_server_stats(const struct ctl_server *);
void		 ctl_server_foreach(struct ctl_server *,
		    void (*)(struct ctl_conn *, void *), void *);

/* Send one reply frame (version filled in). Replies with an error
 * result are counted. -1 if the client went away (it is then dropped,
 * later, from the event loop). */
int		 ctl_conn_send(struct ctl_conn *, CtlReply *);
/* The usual last frame: result, reason (printf), end set. */
int		 ctl_conn_result(struct ctl_conn *, CtlResult, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 ctl_conn_set_data(struct ctl_conn *, void *);
void		*ctl_conn_data(const struct ctl_conn *);
/* Peer credentials (SO_PEERCRED), for logs and write permission. */
pid_t		 ctl_conn_pid(const struct ctl_conn *);
int		 ctl_conn_privileged(const struct ctl_conn *);

#endif
