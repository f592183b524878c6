/* carpctl's text output: aligned tables for people. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "carpctl.h"

#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* "3d04h", "5m12s": how long ago t was */
static const char *
text_age(long long t, char *buf, size_t len)
{
	long long	 d = (long long)time(NULL) - t;

	if (t <= 0)
		snprintf(buf, len, "never");
	else if (d < 0)
		snprintf(buf, len, "now");
	else if (d < 60)
		snprintf(buf, len, "%llds", d);
	else if (d < 3600)
		snprintf(buf, len, "%lldm%02llds", d / 60, d % 60);
	else if (d < 86400)
		snprintf(buf, len, "%lldh%02lldm", d / 3600, d / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", d / 86400, d / 3600 % 24);
	return (buf);
}

static int
text_width(const CtlReply *rep, size_t off, int min)
{
	const char	*s;
	size_t		 i;
	int		 w = min;

	for (i = 0; i < rep->n_carps; i++) {
		s = *(char *const *)(const void *)((const char *)rep->carps[i] +
		    off);
		if (s != NULL)
			w = MAX(w, (int)strlen(s));
	}
	return (w);
}

static void
text_status(const CtlReply *rep)
{
	const CtlCarp	*c;
	char		 age[32];
	size_t		 i, j;
	int		 wn, wd, wm;

	wn = text_width(rep, offsetof(CtlCarp, name), 4);
	wd = text_width(rep, offsetof(CtlCarp, carpdev), 7);
	wm = text_width(rep, offsetof(CtlCarp, master), 6);
	printf("%-*s %4s %-6s %-*s %7s %7s %6s %-*s %-7s %s\n", wn, "NAME",
	    "VHID", "STATE", wd, "CARPDEV", "ADVBASE", "ADVSKEW", "DEMOTE", wm,
	    "MASTER", "SINCE", "ADDRESSES");
	for (i = 0; i < rep->n_carps; i++) {
		c = rep->carps[i];
		printf("%-*s %4u %-6s %-*s %7u %7u %6u %-*s %-7s ", wn,
		    c->name ? c->name : "", c->vhid, ctl_state_str(c->state),
		    wd, c->carpdev ? c->carpdev : "", c->advbase, c->advskew,
		    c->demote, wm, c->master ? c->master : "-",
		    text_age(c->since, age, sizeof(age)));
		for (j = 0; j < c->n_addresses; j++)
			printf("%s%s", j ? " " : "", c->addresses[j]);
		printf("%s\n", c->admin_down ? " (down by carpctl)" :
		    !c->link_up ? " (no link)" : "");
	}
}

static void
text_groups(const CtlReply *rep)
{
	const CtlGroup	*g;
	size_t		 i, j;
	int		 wn = 5;

	for (i = 0; i < rep->n_groups; i++)
		if (rep->groups[i]->name != NULL)
			wn = MAX(wn, (int)strlen(rep->groups[i]->name));
	printf("%-*s %6s %6s  %s\n", wn, "GROUP", "DEMOTE", "HELD", "MEMBERS");
	for (i = 0; i < rep->n_groups; i++) {
		g = rep->groups[i];
		printf("%-*s %6u %6u  ", wn, g->name ? g->name : "", g->demote,
		    g->held);
		for (j = 0; j < g->n_members; j++)
			printf("%s%s", j ? ", " : "", g->members[j]);
		printf("%s\n", g->n_members ? "" : "-");
	}
}

static void
text_fields(const void *msg, const struct field *f)
{
	const char	*s;

	for (; f->name != NULL; f++) {
		if (f->type == F_STR) {
			s = field_str(msg, f);
			printf("%-26s %s\n", f->label, s && *s ? s : "-");
		} else if (f->type == F_BOOL)
			printf("%-26s %s\n", f->label,
			    field_uint(msg, f) ? "yes" : "no");
		else
			printf("%-26s %llu\n", f->label, field_uint(msg, f));
	}
}

static void
text_stats(const CtlReply *rep)
{
	const struct field	*f;
	size_t			 i;
	int			 wn;

	if (rep->stats != NULL) {
		text_fields(rep->stats, stats_fields);
		if (rep->stats->totals != NULL)
			text_fields(rep->stats->totals, counter_fields);
	}
	if (rep->n_carps == 0)
		return;
	wn = text_width(rep, offsetof(CtlCarp, name), 4);
	printf("\n%-*s", wn, "CARP");
	for (f = counter_fields; f->name != NULL; f++)
		printf(" %*s", MAX(6, (int)strlen(f->name)), f->name);
	printf("\n");
	for (i = 0; i < rep->n_carps; i++) {
		printf("%-*s", wn, rep->carps[i]->name);
		for (f = counter_fields; f->name != NULL; f++)
			printf(" %*llu", MAX(6, (int)strlen(f->name)),
			    rep->carps[i]->counters ?
			    field_uint(rep->carps[i]->counters, f) : 0);
		printf("\n");
	}
}

static void
text_event(const CtlEvent *ev)
{
	struct tm	 tm;
	time_t		 t = ev->time;
	char		 ts[32];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%03u %s vhid %u: %s -> %s (%s)\n", ts, ev->usec / 1000,
	    ev->carp ? ev->carp : "?", ev->vhid, ctl_state_str(ev->old_state),
	    ctl_state_str(ev->new_state), ev->reason ? ev->reason : "");
}

static void
text_sync_status(const CtlSync *s)
{
	printf("%-18s %s (%s)\n", "peer", s->peer ? s->peer : "-",
	    s->peer_alive ? "alive" : "silent");
	printf("%-18s %s\n", "syncdev", s->syncdev ? s->syncdev : "-");
	printf("%-18s %s\n", "sync", s->in_sync ? "in sync" :
	    s->bulk_in_progress ? "bulk transfer in progress" : "not in sync");
	printf("%-18s %llu local, %llu replicated\n", "states",
	    (unsigned long long)s->states_local,
	    (unsigned long long)s->states_replicated);
	printf("%-18s %u queued, %llu timeouts\n", "defer",
	    s->defer_queue_len, (unsigned long long)s->defer_timeouts);
	printf("%-18s %s, demote held %u\n", "carpd",
	    s->carpd_connected ? "connected" : "not connected",
	    s->demote_held);
	printf("%-18s %s\n", "last error",
	    s->last_error && *s->last_error ? s->last_error : "-");
}

static void
text_sync_stats(const CtlSync *s)
{
	text_fields(s, sync_fields);
}

static void
text_done(const CtlReply *rep)
{
	if (rep->reason != NULL)
		printf("%s\n", rep->reason);
}

const struct output text_output = {
	text_status,
	text_groups,
	text_stats,
	text_event,
	text_sync_status,
	text_sync_stats,
	text_done,
};
