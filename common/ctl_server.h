/* The daemons' control server; see ctl_server.c. Included by ctl.h. */
#ifndef CARP_CTL_SERVER_H
#define CARP_CTL_SERVER_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "ctl.pb-c.h"

/* Limits of one control socket (hardening bug 8). Root and the daemon's
 * own user (syncd's demote holds, when both daemons run as one user) are
 * "privileged": they may change state and only they may take the slots
 * above max_unpriv. Anyone else the socket's mode lets in (control-group)
 * may only read, with max_per_uid connections at most per user. */
struct ctl_limits {
	unsigned	 max_clients;	/* in all */
	unsigned	 max_unpriv;	/* all unprivileged users together */
	unsigned	 max_per_uid;	/* each unprivileged user */
	unsigned	 idle_ms;	/* to send a whole request */
	size_t		 max_output;	/* replies not read: dropped above */
};

#define CTL_MAX_CLIENTS		64
#define CTL_MAX_UNPRIV		48	/* 16 kept for root and the daemon */
#define CTL_MAX_PER_UID		8
#define CTL_IDLE_MS		10000
#define CTL_MAX_OUTPUT		(1024 * 1024)

extern const struct ctl_limits ctl_limits_default;

/* What a new client would add to, counted over the live connections. */
struct ctl_census {
	unsigned	 total;
	unsigned	 unpriv;
	unsigned	 same_uid;	/* of the new client's uid */
};

enum ctl_admit {
	CTL_ADMIT,
	CTL_REFUSE_FULL,	/* no slot left for its kind of user */
	CTL_REFUSE_UID,		/* its user has max_per_uid already */
};

/* The pure decisions of ctl_limit.c; self is the daemon's euid. */
int		 ctl_uid_privileged(uid_t, uid_t self);
enum ctl_admit	 ctl_admit(const struct ctl_limits *, const struct ctl_census *,
		    uid_t, uid_t self);
/* 1 if a client of uid may run a command that changes state (write) or
 * only reads (!write). */
int		 ctl_may(uid_t, uid_t self, int write);

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

/* Every client refused or closed is counted under one reason. */
struct ctl_server_stats {
	uint64_t	 requests;
	uint64_t	 errors;	/* replies with a result other than OK */
	uint64_t	 bad_frames;	/* clients dropped for garbage */
	uint64_t	 refused_full;	/* no slot for its kind of user */
	uint64_t	 refused_uid;	/* its user had max_per_uid */
	uint64_t	 closed_idle;	/* no whole request within idle_ms */
	uint64_t	 closed_slow;	/* did not read its replies */
	uint64_t	 denied;	/* read-only client asked for a change */
	unsigned	 clients;
};

/* The counters above, for CTL_SERVER_STATS_COPY. */
#define CTL_SERVER_COUNTERS(X)						\
	X(requests) X(errors) X(bad_frames) X(refused_full)		\
	X(refused_uid) X(closed_idle) X(closed_slow) X(denied)

/* Into the ctl_* fields of a reply message (carpd's CtlStats, syncd's
 * CtlSync), which carry the names of the members above. */
#define CTL_STATS_COPY1(f)	_m->has_ctl_##f = 1; _m->ctl_##f = _ss->f;
#define CTL_SERVER_STATS_COPY(m, ss) do {				\
	__typeof__(m)			 _m = (m);			\
	const struct ctl_server_stats	*_ss = (ss);			\
									\
	_m->has_ctl_clients = 1;					\
	_m->ctl_clients = _ss->clients;					\
	CTL_SERVER_COUNTERS(CTL_STATS_COPY1)				\
} while (0)

struct ctl_server *ctl_server_new(struct event_base *, const char *path,
		    const struct ctl_server_cb *, void *arg);
void		 ctl_server_free(struct ctl_server *);
/* Socket group (control-group): 0660 root:group instead of root:root.
 * Before privileges are dropped (chown). -1 if the group is unknown. */
int		 ctl_server_group(struct ctl_server *, const char *group);
/* Other limits than ctl_limits_default (tests). */
void		 ctl_server_limits(struct ctl_server *,
		    const struct ctl_limits *);
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
/* The connection subscribed (monitor, demote holds): it is not closed
 * for sending nothing. */
void		 ctl_conn_keep(struct ctl_conn *);
/* 1 if the client may run cmd; else answered ERR_PERMISSION, counted. */
int		 ctl_conn_allow(struct ctl_conn *, int write, int cmd);
void		 ctl_conn_set_data(struct ctl_conn *, void *);
void		*ctl_conn_data(const struct ctl_conn *);
/* Peer credentials (SO_PEERCRED), for logs and write permission. */
pid_t		 ctl_conn_pid(const struct ctl_conn *);
int		 ctl_conn_privileged(const struct ctl_conn *);

#endif
