/* Interface groups and their demote counters (OpenBSD carpdemote).
 *
 * A carp's advertised demote is the sum over its groups, "carp" always
 * included. Whoever raises a counter (link down, send errors, a client's
 * hold, carpctl) goes through group_adjust(), which makes every member
 * advertise at once: all members of a group fail over together. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "carpd.h"
#include "compat.h"
#include "log.h"

/* Large enough never to be reached by sane holds, small enough that the
 * sum over CONF_MAXGROUPS groups cannot overflow. */
#define GROUP_DEMOTE_MAX	(INT_MAX / (CONF_MAXGROUPS + 2))

struct carp_group *
group_find(struct carpd *env, const char *name)
{
	struct carp_group	*g;

	TAILQ_FOREACH(g, &env->groups, entry)
		if (strcmp(g->name, name) == 0)
			return (g);
	return (NULL);
}

/* A group declared in the config (group NAME { demote N }) starts at
 * that demote; any other group starts at 0. */
static int
group_conf_demote(const struct carpd *env, const char *name)
{
	struct conf_group	*cg;

	if (env->conf == NULL)
		return (0);
	TAILQ_FOREACH(cg, &env->conf->groups, entry)
		if (strcmp(cg->name, name) == 0)
			return (cg->demote);
	return (0);
}

struct carp_group *
group_get(struct carpd *env, const char *name)
{
	struct carp_group	*g;

	if ((g = group_find(env, name)) != NULL)
		return (g);
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("group %s: calloc", name);
		return (NULL);
	}
	strlcpy(g->name, name, sizeof(g->name));
	g->demote = group_conf_demote(env, name);
	TAILQ_INSERT_TAIL(&env->groups, g, entry);
	log_debug("group %s: created, demote %d", g->name, g->demote);
	return (g);
}

int
group_is_member(const struct carp_if *cif, const char *name)
{
	int	 i;

	if (strcmp(name, "carp") == 0)
		return (1);
	for (i = 0; i < cif->conf.ngroups; i++)
		if (strcmp(cif->conf.groups[i], name) == 0)
			return (1);
	return (0);
}

/* Change one counter, clamped at 0; 1 if it changed. */
static int
group_change(struct carp_group *g, int delta, const char *why)
{
	int	 old = g->demote;
	long	 v = (long)old + delta;

	if (v < 0)
		v = 0;
	if (v > GROUP_DEMOTE_MAX)
		v = GROUP_DEMOTE_MAX;
	if (v == old)
		return (0);
	g->demote = (int)v;
	log_info("group %s: demote %d -> %d (%s)", g->name, old, g->demote,
	    why);
	return (1);
}

/* Every carp in any of the changed groups hears EV_DEMOTED once, so a
 * MASTER advertises its new demote at once: at once when no transition
 * is under way, else as soon as it is complete (fsm.c). */
static void
group_notify(struct carpd *env, struct carp_group **changed, int n,
    const char *why)
{
	struct carp_if	*cif;
	int		 i;

	TAILQ_FOREACH(cif, &env->carps, entry) {
		for (i = 0; i < n; i++)
			if (group_is_member(cif, changed[i]->name))
				break;
		if (i < n)
			carp_demote_queue(cif, why);
	}
	carp_demote_run(env);
}

int
group_adjust(struct carpd *env, const char *name, int delta,
    const char *why)
{
	struct carp_group	*g;

	if ((g = group_find(env, name)) == NULL)
		return (-1);
	if (group_change(g, delta, why))
		group_notify(env, &g, 1, why);
	return (0);
}

void
group_adjust_member(struct carp_if *cif, int delta, const char *why)
{
	struct carpd		*env = cif->env;
	struct carp_group	*g, *changed[CONF_MAXGROUPS + 1];
	int			 i, n = 0;

	/* the groups exist from carp_if_new; this is only a safety net */
	group_get(env, "carp");
	for (i = 0; i < cif->conf.ngroups; i++)
		group_get(env, cif->conf.groups[i]);
	TAILQ_FOREACH(g, &env->groups, entry) {
		if (!group_is_member(cif, g->name) || n >= (int)(sizeof(
		    changed) / sizeof(changed[0])))
			continue;
		if (group_change(g, delta, why))
			changed[n++] = g;
	}
	if (n > 0)
		group_notify(env, changed, n, why);
}
