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

/* health tracking: a line per check, its last result's age */
static void
text_tracks(FILE *f, const CtlReply *rep)
{
	const CtlTrack	*t;
	char		 age[32], since[32];
	size_t		 i;
	int		 wn = 5, wt = 6;

	for (i = 0; i < rep->n_tracks; i++) {
		t = rep->tracks[i];
		wn = MAX(wn, t->name ? (int)strlen(t->name) : 0);
		wt = MAX(wt, t->target ? (int)strlen(t->target) : 0);
	}
	fprintf(f, "%-*s %-9s %-*s %-7s %-7s %-7s %4s %5s %-7s %6s %s\n", wn,
	    "TRACK", "KIND", wt, "TARGET", "STATE", "LAST", "AGO", "OKS",
	    "FAILS", "SINCE", "HELD", "GROUP");
	for (i = 0; i < rep->n_tracks; i++) {
		t = rep->tracks[i];
		fprintf(f, "%-*s %-9s %-*s %-7s %-7s %-7s %4u %5u %-7s "
		    "%3u/%-2u %s\n", wn, t->name ? t->name : "",
		    t->kind ? t->kind : "", wt, t->target ? t->target : "",
		    t->state ? t->state : "", t->last_result ?
		    t->last_result : "", text_age(t->last_time, age,
		    sizeof(age)), t->successes, t->failures,
		    text_age(t->since, since, sizeof(since)), t->demote_held,
		    t->demote, t->group ? t->group : "");
	}
}

/* The vhids of c's carp that this node is MASTER of, from the rows of
 * its slots. */
static void
text_balance_vhids(FILE *f, const CtlReply *rep, const CtlCarp *c)
{
	const CtlCarp	*s;
	size_t		 j;
	int		 first = 1;

	for (j = 0; j < rep->n_carps; j++) {
		s = rep->carps[j];
		if (s->balancing == NULL || s->name == NULL ||
		    strcmp(s->name, c->name) != 0 ||
		    s->state != CTL_CARP_STATE__MASTER)
			continue;
		fprintf(f, "%s%u", first ? "" : " ", s->vhid);
		first = 0;
	}
	if (first)
		fprintf(f, "none");
}

/* A line per balanced carp, from its first slot's row: the node's
 * share of the slots (the vhids it is MASTER of) and its ARP answers. */
static void
text_balance(FILE *f, const CtlReply *rep)
{
	const CtlCarp		*c;
	const CtlBalCounters	*b;
	size_t			 i;

	for (i = 0; i < rep->n_carps; i++) {
		c = rep->carps[i];
		if (c->balancing == NULL || c->slot != 0 || c->name == NULL)
			continue;
		fprintf(f, "%s: balancing %s, master of %d of %u vhids (",
		    c->name, c->balancing, __builtin_popcount(c->share),
		    c->nslots);
		text_balance_vhids(f, rep, c);
		fprintf(f, "), share 0x%x", c->share);
		if ((b = c->balance) != NULL)
			fprintf(f, "; ARP %llu asked, %llu answered, %llu left "
			    "to others", (unsigned long long)b->arp_requests,
			    (unsigned long long)b->arp_replies,
			    (unsigned long long)b->arp_others);
		fprintf(f, "\n");
	}
}

static void
text_status(FILE *f, const CtlReply *rep)
{
	const CtlCarp	*c;
	char		 age[32];
	size_t		 i, j;
	int		 wn, wd, wm;

	wn = text_width(rep, offsetof(CtlCarp, name), 4);
	wd = text_width(rep, offsetof(CtlCarp, carpdev), 7);
	wm = text_width(rep, offsetof(CtlCarp, master), 6);
	fprintf(f, "%-*s %4s %-6s %-*s %7s %7s %6s %-*s %-7s %s\n", wn, "NAME",
	    "VHID", "STATE", wd, "CARPDEV", "ADVBASE", "ADVSKEW", "DEMOTE", wm,
	    "MASTER", "SINCE", "ADDRESSES");
	for (i = 0; i < rep->n_carps; i++) {
		c = rep->carps[i];
		fprintf(f, "%-*s %4u %-6s %-*s %7u %7u %6u %-*s %-7s ", wn,
		    c->name ? c->name : "", c->vhid, ctl_state_str(c->state),
		    wd, c->carpdev ? c->carpdev : "", c->advbase, c->advskew,
		    c->demote, wm, c->master ? c->master : "-",
		    text_age(c->since, age, sizeof(age)));
		for (j = 0; j < c->n_addresses; j++)
			fprintf(f, "%s%s", j ? " " : "", c->addresses[j]);
		fprintf(f, "%s\n", c->admin_down ? " (down by carpctl)" :
		    !c->link_up ? " (no link)" : "");
	}
	text_balance(f, rep);
	if (rep->realtime != NULL)
		fprintf(f, "realtime: %s\n", rep->realtime);
	if (rep->n_tracks > 0) {
		fprintf(f, "\n");
		text_tracks(f, rep);
	}
}

static void
text_groups(FILE *f, const CtlReply *rep)
{
	const CtlGroup	*g;
	size_t		 i, j;
	int		 wn = 5;

	for (i = 0; i < rep->n_groups; i++)
		if (rep->groups[i]->name != NULL)
			wn = MAX(wn, (int)strlen(rep->groups[i]->name));
	fprintf(f, "%-*s %6s %6s  %s\n", wn, "GROUP", "DEMOTE", "HELD",
	    "MEMBERS");
	for (i = 0; i < rep->n_groups; i++) {
		g = rep->groups[i];
		fprintf(f, "%-*s %6u %6u  ", wn, g->name ? g->name : "",
		    g->demote, g->held);
		for (j = 0; j < g->n_members; j++)
			fprintf(f, "%s%s", j ? ", " : "", g->members[j]);
		fprintf(f, "%s\n", g->n_members ? "" : "-");
	}
}

/* One line per scalar field of msg, in the order of proto/ctl.proto. */
static void
text_fields(FILE *f, const struct object_fields *o, const ProtobufCMessage *msg)
{
	const ProtobufCFieldDescriptor	*fd;
	const char			*s, *label;
	char				 buf[64];
	unsigned			 i;

	for (i = 0; i < o->desc->n_fields; i++) {
		fd = &o->desc->fields[i];
		if (fd->label == PROTOBUF_C_LABEL_REPEATED ||
		    fd->type == PROTOBUF_C_TYPE_MESSAGE)
			continue;
		label = field_label(o, fd, buf, sizeof(buf));
		if (fd->type == PROTOBUF_C_TYPE_BOOL)
			fprintf(f, "%-26s %s\n", label,
			    field_uint(msg, fd) ? "yes" : "no");
		else if (field_is_signed(fd))
			fprintf(f, "%-26s %lld\n", label,
			    (long long)field_int(msg, fd));
		else if (field_is_number(fd))
			fprintf(f, "%-26s %llu\n", label,
			    (unsigned long long)field_uint(msg, fd));
		else {
			s = field_str(msg, fd);
			fprintf(f, "%-26s %s\n", label, s && *s ? s : "-");
		}
	}
}

/* One column per counter, as the daemon-wide totals above it. */
static void
text_carp_counters(FILE *f, const CtlReply *rep)
{
	const ProtobufCMessageDescriptor	*d = counter_fields.desc;
	const ProtobufCMessage			*cnt;
	size_t					 i;
	unsigned				 j;
	int					 wn;

	wn = text_width(rep, offsetof(CtlCarp, name), 4);
	fprintf(f, "\n%-*s", wn, "CARP");
	for (j = 0; j < d->n_fields; j++)
		fprintf(f, " %*s", MAX(6, (int)strlen(d->fields[j].name)),
		    d->fields[j].name);
	fprintf(f, "\n");
	for (i = 0; i < rep->n_carps; i++) {
		fprintf(f, "%-*s", wn, rep->carps[i]->name);
		cnt = rep->carps[i]->counters != NULL ?
		    &rep->carps[i]->counters->base : NULL;
		for (j = 0; j < d->n_fields; j++)
			fprintf(f, " %*llu",
			    MAX(6, (int)strlen(d->fields[j].name)),
			    (unsigned long long)field_uint(cnt, &d->fields[j]));
		fprintf(f, "\n");
	}
}

static void
text_stats(FILE *f, const CtlReply *rep)
{
	if (rep->stats != NULL) {
		text_fields(f, &stats_fields, &rep->stats->base);
		if (rep->stats->totals != NULL)
			text_fields(f, &counter_fields,
			    &rep->stats->totals->base);
	}
	if (rep->n_carps > 0)
		text_carp_counters(f, rep);
}

static void
text_event(FILE *f, const CtlEvent *ev)
{
	struct tm	 tm;
	time_t		 t = ev->time;
	char		 ts[32];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03u %s vhid %u: %s -> %s (%s)\n", ts, ev->usec / 1000,
	    ev->carp ? ev->carp : "?", ev->vhid, ctl_state_str(ev->old_state),
	    ctl_state_str(ev->new_state), ev->reason ? ev->reason : "");
}

/* One cell of a row of text_rows: a field's value as text. */
static const char *
text_cell(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd,
    char *buf, size_t len)
{
	const char	*s;

	if (fd->type == PROTOBUF_C_TYPE_BOOL)
		return (field_uint(msg, fd) ? "yes" : "no");
	if (field_is_signed(fd))
		snprintf(buf, len, "%lld", (long long)field_int(msg, fd));
	else if (field_is_number(fd))
		snprintf(buf, len, "%llu",
		    (unsigned long long)field_uint(msg, fd));
	else
		return ((s = field_str(msg, fd)) != NULL && *s ? s : "-");
	return (buf);
}

/* A table of messages of one type: a column per scalar field, named
 * from the descriptor, as wide as its widest cell. */
static void
text_rows(FILE *f, const ProtobufCMessageDescriptor *d,
    ProtobufCMessage *const *msgs, size_t n)
{
	char		 buf[32];
	int		 w[64];
	size_t		 i;
	unsigned	 j;

	for (j = 0; j < d->n_fields && j < 64; j++) {
		w[j] = (int)strlen(d->fields[j].name);
		for (i = 0; i < n; i++)
			w[j] = MAX(w[j], (int)strlen(text_cell(msgs[i],
			    &d->fields[j], buf, sizeof(buf))));
		fprintf(f, "%s%-*s", j ? " " : "", w[j], d->fields[j].name);
	}
	fprintf(f, "\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < d->n_fields && j < 64; j++)
			fprintf(f, "%s%-*s", j ? " " : "", w[j],
			    text_cell(msgs[i], &d->fields[j], buf,
			    sizeof(buf)));
		fprintf(f, "\n");
	}
}

static void
text_sync_status(FILE *f, const CtlSync *s)
{
	fprintf(f, "%-18s %s (%s)\n", "peer", s->peer ? s->peer : "-",
	    s->peer_alive ? "alive" : "silent");
	fprintf(f, "%-18s %s\n", "syncdev", s->syncdev ? s->syncdev : "-");
	fprintf(f, "%-18s %s\n", "sync", s->in_sync ? "in sync" :
	    s->bulk_in_progress ? "bulk transfer in progress" : "not in sync");
	fprintf(f, "%-18s %llu local, %llu replicated\n", "states",
	    (unsigned long long)s->states_local,
	    (unsigned long long)s->states_replicated);
	fprintf(f, "%-18s %u queued, %llu timeouts\n", "defer",
	    s->defer_queue_len, (unsigned long long)s->defer_timeouts);
	fprintf(f, "%-18s %s, demote held %u\n", "carpd",
	    s->carpd_connected ? "connected" : "not connected",
	    s->demote_held);
	fprintf(f, "%-18s %s\n", "last error",
	    s->last_error && *s->last_error ? s->last_error : "-");
	/* ruleset (issue 11): the sentence syncd makes (ruleset.c) */
	if (s->ruleset != NULL)
		fprintf(f, "%-18s %s\n", "ruleset", s->ruleset);
	if (s->n_links > 0) {
		fprintf(f, "\n");
		text_rows(f, &ctl_sync_link__descriptor,
		    (ProtobufCMessage *const *)(void *)s->links, s->n_links);
	}
}

static void
text_sync_stats(FILE *f, const CtlSync *s)
{
	text_fields(f, &sync_fields, &s->base);
}

static void
text_done(FILE *f, const CtlReply *rep)
{
	if (rep->reason != NULL)
		fprintf(f, "%s\n", rep->reason);
}

const struct output text_output = {
	text_status,
	text_groups,
	text_stats,
	text_event,
	text_sync_status,
	text_sync_stats,
	text_done,
	text_tracks,
};
