/* The health checks (track.h) as control replies: carpctl track, and
 * the checks beside the carps in carpctl status. Every pointer points
 * into the checks or into storage freed right after sending. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "track.h"

/* one check's reply, with the storage its pointers point into */
struct control_track {
	CtlTrack	 t;
	char		 target[PATH_MAX];
};

static void
control_track_fill(struct control_track *ct, struct track *t,
    struct track_set *set)
{
	CtlTrack	*c = &ct->t;

	(void)set;
	ctl_track__init(c);
	c->name = t->conf.name;
	c->kind = (char *)(uintptr_t)conf_track_kind_name(t->conf.kind);
	c->target = (char *)(uintptr_t)conf_track_target(&t->conf, ct->target,
	    sizeof(ct->target));
	c->state = (char *)(uintptr_t)track_state_name(t->state);
	c->last_result = (char *)(uintptr_t)track_result_name(t->last);
	c->group = t->conf.group;
	c->has_last_time = c->has_successes = c->has_failures = 1;
	c->has_fall = c->has_rise = c->has_demote = 1;
	c->has_demote_held = c->has_since = 1;
	c->last_time = t->last_time;
	c->successes = t->nok;
	c->failures = t->nfail;
	c->fall = (uint32_t)t->conf.fall;
	c->rise = (uint32_t)t->conf.rise;
	c->demote = (uint32_t)t->conf.demote;
	c->demote_held = (uint32_t)t->held;
	c->since = t->since;
}

int
control_tracks(CtlReply *rep)
{
	struct track_set	*set = control_env->tracks;
	struct control_track	*ct;
	struct track		*t;
	size_t			 n = 0;

	if (set == NULL)
		return (0);
	TAILQ_FOREACH(t, &set->list, entry)
		n++;
	if (n == 0)
		return (0);
	if ((ct = calloc(n, sizeof(*ct))) == NULL ||
	    (rep->tracks = calloc(n, sizeof(*rep->tracks))) == NULL) {
		free(ct);
		return (-1);
	}
	TAILQ_FOREACH(t, &set->list, entry) {
		control_track_fill(&ct[rep->n_tracks], t, set);
		rep->tracks[rep->n_tracks] = &ct[rep->n_tracks].t;
		rep->n_tracks++;
	}
	return (0);
}

void
control_tracks_free(CtlReply *rep)
{
	/* the array of control_track starts with the first CtlTrack */
	if (rep->n_tracks > 0)
		free(rep->tracks[0]);
	free(rep->tracks);
	rep->tracks = NULL;
	rep->n_tracks = 0;
}

void
control_track(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	CtlReply	 rep;

	(void)req;
	(void)arg;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_tracks(&rep) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_tracks_free(&rep);
}

/* CtlStats 30-34 */
void
control_track_stats(CtlStats *st)
{
	const struct track_set	*set = control_env->tracks;

	st->has_track_runs = st->has_track_failures = 1;
	st->has_track_timeouts = 1;
	if (set == NULL)
		return;
	st->track_runs = set->st.runs;
	st->track_failures = set->st.failures;
	st->track_timeouts = set->st.timeouts;
}
