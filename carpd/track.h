/* Health tracking: checks (track NAME { } in carp.conf) whose failure
 * raises a group's demote counter, so that a box whose uplink, default
 * route or service is dead gives its VIPs to a healthy peer
 * (docs/PROTOCOL.md section 3).
 *
 *   track.c      the state machine of a check (fall/rise) and the reload
 *                diff; pure: no clock, no kernel, no event loop, so the
 *                unit tests drive it result by result
 *   track_run.c  carpd's side: a timer per check, a check started each
 *                interval (a script through the script runner, hooks.h;
 *                a route or a carrier through track_kern.c), results fed
 *                to track.c, demotes through group.c
 *   track_kern.c route and carrier observation over rtnetlink
 *
 * A check starts unknown and holds nothing. fall consecutive failures
 * (a non-zero exit, a timeout, a refused script, a missing route, no
 * carrier) make it failed: it raises its group's demote by its demote
 * count and holds that until rise consecutive successes make it ok
 * again. A reload keeps the state of a check by name: an unchanged one
 * is left alone, a changed one keeps its state (and, if failed, moves
 * its hold: the new one raised before the old one is released, so no
 * group dips in between), a removed one releases its hold. */
#ifndef CARPD_TRACK_H
#define CARPD_TRACK_H

#include <sys/queue.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

struct event;

enum track_state {
	TRACK_UNKNOWN = 0,	/* not fall or rise results in a row yet */
	TRACK_OK,
	TRACK_FAILED,		/* holds its demote */
	TRACK_NSTATES
};

enum track_result {
	TRACK_RES_NONE = 0,	/* no result yet */
	TRACK_RES_OK,
	TRACK_RES_FAILED,	/* non-zero exit, no route, no carrier */
	TRACK_RES_TIMEOUT,	/* a script killed at its timeout */
	TRACK_RES_ERROR,	/* the check could not be made */
};

/* What every check together did (carpctl stats, CtlStats 30-34). */
struct track_stats {
	uint64_t	 runs;		/* results received */
	uint64_t	 failures;	/* results not ok, timeouts included */
	uint64_t	 timeouts;
};

struct track {
	TAILQ_ENTRY(track)	 entry;
	struct conf_track	 conf;		/* own copy */
	enum track_state	 state;
	enum track_result	 last;
	time_t			 last_time;	/* of last, unix */
	time_t			 since;		/* last state change, unix */
	unsigned		 nok;		/* consecutive good results */
	unsigned		 nfail;		/* consecutive bad results */
	int			 held;		/* demote raised on held_group */
	char			 held_group[CONF_NAMELEN];
	/* track_run.c's */
	struct event		*timer;
	uint32_t		 job;		/* the script running, 0 none */
};

struct track_set;

/* What a check's state does to the world: track_run.c's, or a test's. */
struct track_ops {
	/* add delta (negative: release) to a group's demote counter */
	void	(*demote)(struct track_set *, const char *group, int delta,
		    const char *why);
	/* a check was added (or changed): start checking; and stop */
	void	(*start)(struct track_set *, struct track *);
	void	(*stop)(struct track_set *, struct track *);
};

struct track_set {
	TAILQ_HEAD(, track)	 list;
	const struct track_ops	*ops;
	void			*arg;		/* the ops' */
	struct track_stats	 st;
};

void		 track_set_init(struct track_set *, const struct track_ops *,
		    void *arg);
/* Take the checks of conf: add, change, remove by name (at start: all
 * added). */
void		 track_apply(struct track_set *, const struct carp_conf *,
		    time_t now);
/* Stop and forget every check, releasing what each holds. */
void		 track_clear(struct track_set *);
/* One result of t's check at now; why says it for the log ("exit
 * status 1", "no route 0.0.0.0/0"). */
void		 track_result(struct track_set *, struct track *,
		    enum track_result, const char *why, time_t now);
struct track	*track_find(struct track_set *, const char *name);
const char	*track_state_name(enum track_state);
const char	*track_result_name(enum track_result);

/* track_run.c: carpd's checks (env->tracks) */
struct carpd;
void		 track_start(struct carpd *);	/* carpd_init */
void		 track_reload(struct carpd *);	/* after a reload */
void		 track_stop(struct carpd *);	/* carpd_shutdown */

/* track_kern.c: 1 present / carrier, 0 not, -1 the kernel did not say */
int		 track_kern_open(void);		/* before the drop */
void		 track_kern_close(void);
int		 track_kern_route(const struct conf_addr *);
int		 track_kern_carrier(const char *ifname);

#endif
