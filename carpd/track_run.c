/* carpd's health checks (track.h): a timer per check; each interval a
 * script is handed to the script runner (hooks.c, the one that runs the
 * up/down scripts: fork/execve, fixed environment, killed at the
 * timeout, output logged), or a route or a carrier is looked up
 * (track_kern.c). Results go to the state machine (track.c); what it
 * holds goes to the groups (group.c), whose members advertise at once.
 *
 * Nothing here waits: a script's end comes back as a reply on the
 * runner's socket, and a check whose script still runs at the next
 * interval skips that interval (the runner kills it at its timeout). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "carpd.h"
#include "hooks.h"
#include "log.h"
#include "track.h"

static struct track_set	 track_carpd;

static struct carpd *
track_env(struct track_set *set)
{
	return (set->arg);
}

static void
track_run_demote(struct track_set *set, const char *group, int delta,
    const char *why)
{
	struct carpd	*env = track_env(set);

	/* a group a carp names exists once the carp does; "carp" and the
	 * group blocks' from the start; made here if still missing */
	if (group_get(env, group) != NULL)
		(void)group_adjust(env, group, delta, why);
}

/* The runner's word on a script, as a result. */
static void
track_run_done(void *arg, enum hooks_end end, int status)
{
	struct track		*t = arg;
	enum track_result	 res;
	char			 why[64];

	t->job = 0;
	switch (end) {
	case HOOKS_END_OK:
		res = TRACK_RES_OK;
		snprintf(why, sizeof(why), "exit status 0");
		break;
	case HOOKS_END_FAILED:
		res = TRACK_RES_FAILED;
		snprintf(why, sizeof(why), "exit status or signal %d", status);
		break;
	case HOOKS_END_TIMEDOUT:
		res = TRACK_RES_TIMEOUT;
		snprintf(why, sizeof(why), "killed at its timeout, %ums",
		    t->conf.timeout_ms);
		break;
	default:
		res = TRACK_RES_ERROR;
		snprintf(why, sizeof(why), "not run by the script runner");
		break;
	}
	track_result(&track_carpd, t, res, why, time(NULL));
}

static void
track_run_script(struct track *t)
{
	char	 tag[HOOKS_TAGLEN], env0[CONF_NAMELEN + 16];
	char	*argv[2], *env[2];

	if (t->job != 0)
		return;		/* the last run is not over: skip this one */
	snprintf(tag, sizeof(tag), "track %s", t->conf.name);
	snprintf(env0, sizeof(env0), "CARP_TRACK=%s", t->conf.name);
	argv[0] = t->conf.script;
	argv[1] = NULL;
	env[0] = env0;
	env[1] = NULL;
	t->job = hooks_exec(tag, argv, env, t->conf.timeout_ms,
	    track_run_done, t);
	if (t->job == 0)
		track_result(&track_carpd, t, TRACK_RES_ERROR,
		    "the script runner did not take it", time(NULL));
}

/* A route or a carrier: asked now, answered now. */
static void
track_run_kern(struct track *t)
{
	char		 why[96], target[INET6_ADDRSTRLEN + 8];
	int		 r;

	conf_track_target(&t->conf, target, sizeof(target));
	if (t->conf.kind == TRACK_KIND_ROUTE)
		r = track_kern_route(&t->conf.route);
	else
		r = track_kern_carrier(t->conf.ifname);
	if (r == -1)
		snprintf(why, sizeof(why), "%s: %s", target, strerror(errno));
	else if (t->conf.kind == TRACK_KIND_ROUTE)
		snprintf(why, sizeof(why), "%s route %s", r ? "a" : "no",
		    target);
	else
		snprintf(why, sizeof(why), "%s %s", target, r ? "has carrier" :
		    "has no carrier");
	track_result(&track_carpd, t, r == 1 ? TRACK_RES_OK : r == 0 ?
	    TRACK_RES_FAILED : TRACK_RES_ERROR, why, time(NULL));
}

static void
track_run_arm(struct track *t, unsigned ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (t->timer != NULL && event_add(t->timer, &tv) == -1)
		log_warnx("track %s: cannot arm its timer", t->conf.name);
}

static void
track_run_tick(evutil_socket_t fd, short what, void *arg)
{
	struct track	*t = arg;

	(void)fd;
	(void)what;
	track_run_arm(t, t->conf.interval_ms);
	if (t->conf.kind == TRACK_KIND_SCRIPT)
		track_run_script(t);
	else
		track_run_kern(t);
}

/* The first check at once: a restart learns the state within fall
 * intervals, not fall + 1. */
static void
track_run_start(struct track_set *set, struct track *t)
{
	t->timer = evtimer_new(track_env(set)->base, track_run_tick, t);
	if (t->timer == NULL) {
		log_warnx("track %s: no timer, not checked", t->conf.name);
		return;
	}
	track_run_arm(t, 0);
}

static void
track_run_stop(struct track_set *set, struct track *t)
{
	(void)set;
	if (t->timer != NULL)
		event_free(t->timer);
	t->timer = NULL;
	hooks_forget(t->job);
	t->job = 0;
}

static const struct track_ops track_run_ops = {
	.demote = track_run_demote,
	.start = track_run_start,
	.stop = track_run_stop,
};

void
track_start(struct carpd *env)
{
	/* before the drop, even with no route check yet (track_kern.c) */
	(void)track_kern_open();
	track_set_init(&track_carpd, &track_run_ops, env);
	env->tracks = &track_carpd;
	track_apply(&track_carpd, env->conf, time(NULL));
}

void
track_reload(struct carpd *env)
{
	if (env->tracks != NULL)
		track_apply(env->tracks, env->conf, time(NULL));
}

void
track_stop(struct carpd *env)
{
	if (env->tracks == NULL)
		return;
	track_clear(env->tracks);
	env->tracks = NULL;
	track_kern_close();
}
