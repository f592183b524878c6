/* The state machine of a health check and the reload diff (track.h).
 * Pure: results come in with their time, demotes and timers go out
 * through struct track_ops, so the unit tests need no clock or kernel.
 *
 * The rule (docs/PROTOCOL.md section 3): fall bad results in a row fail a
 * check, rise good ones recover it; one result the other way only
 * restarts the count. A failed check holds its demote on its group;
 * nothing else does. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "log.h"
#include "track.h"

/* A result, as the state machine sees it: good or bad, and whether it
 * completes a run of rise (good) or fall (bad) results. */
enum track_event {
	TEV_GOOD = 0,
	TEV_GOOD_RISE,
	TEV_BAD,
	TEV_BAD_FALL,
};

static const struct {
	enum track_state	 from;
	enum track_event	 ev;
	enum track_state	 to;
} track_fsm[] = {
	{ TRACK_UNKNOWN,	TEV_GOOD,	TRACK_UNKNOWN },
	{ TRACK_UNKNOWN,	TEV_GOOD_RISE,	TRACK_OK },
	{ TRACK_UNKNOWN,	TEV_BAD,	TRACK_UNKNOWN },
	{ TRACK_UNKNOWN,	TEV_BAD_FALL,	TRACK_FAILED },
	{ TRACK_OK,		TEV_GOOD,	TRACK_OK },
	{ TRACK_OK,		TEV_GOOD_RISE,	TRACK_OK },
	{ TRACK_OK,		TEV_BAD,	TRACK_OK },
	{ TRACK_OK,		TEV_BAD_FALL,	TRACK_FAILED },
	{ TRACK_FAILED,		TEV_GOOD,	TRACK_FAILED },
	{ TRACK_FAILED,		TEV_GOOD_RISE,	TRACK_OK },
	{ TRACK_FAILED,		TEV_BAD,	TRACK_FAILED },
	{ TRACK_FAILED,		TEV_BAD_FALL,	TRACK_FAILED },
};

const char *
track_state_name(enum track_state s)
{
	static const char *const names[] = { "unknown", "ok", "failed" };

	return (s < TRACK_NSTATES ? names[s] : "?");
}

const char *
track_result_name(enum track_result r)
{
	static const char *const names[] = { "none", "ok", "failed",
	    "timeout", "error" };

	return (r <= TRACK_RES_ERROR ? names[r] : "?");
}

void
track_set_init(struct track_set *set, const struct track_ops *ops, void *arg)
{
	memset(set, 0, sizeof(*set));
	TAILQ_INIT(&set->list);
	set->ops = ops;
	set->arg = arg;
}

struct track *
track_find(struct track_set *set, const char *name)
{
	struct track	*t;

	TAILQ_FOREACH(t, &set->list, entry)
		if (strcmp(t->conf.name, name) == 0)
			return (t);
	return (NULL);
}

/* Hold demote on group from now (0: nothing). A move to another group
 * raises the new one first: no group is left without it in between. */
static void
track_hold(struct track_set *set, struct track *t, int demote,
    const char *group, const char *why)
{
	if (strcmp(group, t->held_group) == 0) {
		if (demote != t->held)
			set->ops->demote(set, group, demote - t->held, why);
	} else {
		if (demote > 0)
			set->ops->demote(set, group, demote, why);
		if (t->held > 0)
			set->ops->demote(set, t->held_group, -t->held, why);
	}
	t->held = demote;
	strlcpy(t->held_group, demote > 0 ? group : "", sizeof(t->held_group));
}

/* What the check's state asks to hold, with its configuration now. */
static void
track_hold_state(struct track_set *set, struct track *t, const char *why)
{
	if (t->state == TRACK_FAILED)
		track_hold(set, t, t->conf.demote, t->conf.group, why);
	else
		track_hold(set, t, 0, "", why);
}

static enum track_event
track_event(struct track *t, enum track_result res)
{
	if (res == TRACK_RES_OK) {
		t->nfail = 0;
		if (t->nok < UINT_MAX)
			t->nok++;
		return (t->nok >= (unsigned)t->conf.rise ? TEV_GOOD_RISE :
		    TEV_GOOD);
	}
	t->nok = 0;
	if (t->nfail < UINT_MAX)
		t->nfail++;
	return (t->nfail >= (unsigned)t->conf.fall ? TEV_BAD_FALL : TEV_BAD);
}

static void
track_count(struct track_set *set, enum track_result res)
{
	set->st.runs++;
	if (res != TRACK_RES_OK)
		set->st.failures++;
	if (res == TRACK_RES_TIMEOUT)
		set->st.timeouts++;
}

void
track_result(struct track_set *set, struct track *t, enum track_result res,
    const char *why, time_t now)
{
	enum track_event	 ev;
	enum track_state	 old = t->state;
	char			 reason[160];
	size_t			 i;

	track_count(set, res);
	t->last = res;
	t->last_time = now;
	ev = track_event(t, res);
	for (i = 0; i < sizeof(track_fsm) / sizeof(track_fsm[0]); i++)
		if (track_fsm[i].from == t->state && track_fsm[i].ev == ev)
			break;
	if (i == sizeof(track_fsm) / sizeof(track_fsm[0]) ||
	    track_fsm[i].to == old)
		return;
	t->state = track_fsm[i].to;
	t->since = now;
	snprintf(reason, sizeof(reason), "track %s: %s", t->conf.name,
	    track_state_name(t->state));
	log_info("track %s: %s -> %s (%u %s in a row, last: %s)", t->conf.name,
	    track_state_name(old), track_state_name(t->state),
	    res == TRACK_RES_OK ? t->nok : t->nfail,
	    res == TRACK_RES_OK ? "successes" : "failures", why);
	track_hold_state(set, t, reason);
}

/* Reload */

static struct track *
track_new(const struct conf_track *ct, time_t now)
{
	struct track	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("track %s: calloc", ct->name);
		return (NULL);
	}
	t->conf = *ct;
	t->since = now;
	return (t);
}

/* Same name, other settings: the state stays (no flap); the counts
 * start again if it now watches something else; a hold follows the new
 * group and demote. */
static void
track_change(struct track_set *set, struct track *t,
    const struct conf_track *ct)
{
	char	 why[CONF_NAMELEN + 32];

	log_info("reload: track %s changed", ct->name);
	set->ops->stop(set, t);
	if (!conf_track_same_target(&t->conf, ct)) {
		t->nok = t->nfail = 0;
		t->last = TRACK_RES_NONE;
	}
	t->conf = *ct;
	snprintf(why, sizeof(why), "track %s changed", ct->name);
	track_hold_state(set, t, why);
	set->ops->start(set, t);
}

static void
track_remove(struct track_set *set, struct track *t, const char *why)
{
	set->ops->stop(set, t);
	track_hold(set, t, 0, "", why);
	free(t);
}

/* The new list in the order of the file: kept checks move over, new ones
 * are made; the rest of the old list is removed last, so that a hold
 * that moves to another check is raised before it is released. */
void
track_apply(struct track_set *set, const struct carp_conf *conf, time_t now)
{
	TAILQ_HEAD(, track)	 keep;
	const struct conf_track	*ct;
	struct track		*t;
	char			 why[CONF_NAMELEN + 32];

	TAILQ_INIT(&keep);
	TAILQ_FOREACH(ct, &conf->tracks, entry) {
		if ((t = track_find(set, ct->name)) != NULL) {
			TAILQ_REMOVE(&set->list, t, entry);
			if (!conf_track_equal(&t->conf, ct))
				track_change(set, t, ct);
		} else if ((t = track_new(ct, now)) != NULL)
			set->ops->start(set, t);
		if (t != NULL)
			TAILQ_INSERT_TAIL(&keep, t, entry);
	}
	while ((t = TAILQ_FIRST(&set->list)) != NULL) {
		TAILQ_REMOVE(&set->list, t, entry);
		log_info("reload: track %s removed", t->conf.name);
		snprintf(why, sizeof(why), "track %s removed", t->conf.name);
		track_remove(set, t, why);
	}
	TAILQ_CONCAT(&set->list, &keep, entry);
}

void
track_clear(struct track_set *set)
{
	struct track	*t;

	while ((t = TAILQ_FIRST(&set->list)) != NULL) {
		TAILQ_REMOVE(&set->list, t, entry);
		track_remove(set, t, "carpd stopping");
	}
}
