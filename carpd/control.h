/* Inside carpd's control socket (control_init and control_notify are in
 * carpd.h):
 *
 *   control.c        server, clients, dispatch, monitor events
 *   control_cmd.c    the command table and its handlers
 *   control_reply.c  carpd's carps, groups and counters as reply messages
 *   control_hold.c   demote holds of daemon clients (syncd)
 *   control_absent.c the hold carpd takes while syncd is missing
 *   control_track.c  the health checks (track.h) as replies
 *   control_metrics.c metrics-listen: the replies above as metrics
 *
 * A hold lives exactly as long as the connection that made it: when a
 * holder dies, its demotion goes away with it. */
#ifndef CARPD_CONTROL_H
#define CARPD_CONTROL_H

#include "carpd.h"
#include "ctl.h"
#include "ctl_dispatch.h"
#include "metrics.h"

struct control_hold {
	char		 group[CONF_NAMELEN];
	int		 n;			/* 0: slot free */
};

/* per connection */
struct control_client {
	int			 monitor;
	char			 who[32];	/* for the logs */
	struct control_hold	 holds[CTL_MAXHOLDS];
};

/* the storage a reply's groups point into (control_groups_fill) */
struct control_groups {
	CtlGroup	 *cg;
	CtlGroup	**cgp;
	char		**members;
};

/* the storage of a reply's stats (control_stats_fill) */
struct control_stats {
	CtlStats	 st;
	CtlCounters	 tot;
};

/* what every client together holds */
struct control_held {
	const char	*group;
	int		 sum;		/* on group */
	int		 holds;		/* on any group */
};

extern struct ctl_server	*control_srv;
extern struct carpd		*control_env;
extern const struct ctl_cmd	 control_cmds[];	/* arg: the client */

/* control_reply.c */
CtlCarpState	 control_state(enum carp_state);
void		 control_send_ok(struct ctl_conn *, CtlReply *);
/* Every carp (or only one) into rep; free with control_carps_free. */
int		 control_carps(CtlReply *, struct carp_if *only);
void		 control_carps_free(CtlReply *);
int		 control_groups_fill(CtlReply *, const char *only,
		    struct control_groups *);
void		 control_groups_free(struct control_groups *);
void		 control_groups_send(struct ctl_conn *, const char *only);
/* after control_carps: the totals are over rep's carps */
void		 control_stats_fill(CtlReply *, struct control_stats *);
void		 control_stats_send(struct ctl_conn *);

/* control_hold.c */
/* group NULL: only the count of holds */
struct control_held control_held(const char *group);
void		 control_hold(struct ctl_conn *, const CtlRequest *, void *);
void		 control_release(struct ctl_conn *, const CtlRequest *,
		    void *);
void		 control_holds_drop(struct ctl_conn *,
		    struct control_client *);

/* control_absent.c: the hold carpd takes while syncd is missing */
void		 control_absent_start(struct event_base *);
void		 control_absent_stop(void);
void		 control_absent_tick(uint64_t now);
int		 control_absent_want(const struct conf_sync *, int held,
		    int connected, uint64_t since, uint64_t now);
int		 control_absent_held(void);

/* control_track.c: health tracking; control_tracks into a reply (STATUS
 * too), freed with control_tracks_free; the TRACK command; CtlStats' */
int		 control_tracks(CtlReply *);
void		 control_tracks_free(CtlReply *);
void		 control_track(struct ctl_conn *, const CtlRequest *, void *);
void		 control_track_stats(CtlStats *);
/* control_metrics.c: metrics-listen, if the configuration has it */
int		 control_metrics_start(struct carpd *);
void		 control_metrics_stop(void);
const struct metrics_http_stats *control_metrics_stats(void);

/* control_cmd.c: a request's arguments, answered with an error if bad */
int		 control_need_group(struct ctl_conn *, const CtlRequest *);
int		 control_need_count(struct ctl_conn *, const CtlRequest *);

#endif
