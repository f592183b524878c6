/* carpctl -j: one JSON document per answer (one per line for monitor),
 * keys as documented in the README and issue: scripts depend on them. */
#include <stdio.h>

#include "carpctl.h"

#define JSON_MAXDEPTH	8

static int	 json_depth;
static int	 json_first[JSON_MAXDEPTH];

/* Separator and key of the next value; key NULL inside arrays. */
static void
json_key(const char *key)
{
	if (json_depth > 0 && !json_first[json_depth - 1])
		putchar(',');
	if (json_depth > 0)
		json_first[json_depth - 1] = 0;
	if (key != NULL) {
		ctl_json_string(stdout, key);
		putchar(':');
	}
}

static void
json_open(const char *key, char c)
{
	json_key(key);
	putchar(c);
	if (json_depth < JSON_MAXDEPTH)
		json_first[json_depth] = 1;
	json_depth++;
}

static void
json_close(char c)
{
	putchar(c);
	json_depth--;
	if (json_depth == 0)
		putchar('\n');
}

static void
json_str(const char *key, const char *val)
{
	json_key(key);
	if (val == NULL)
		fputs("null", stdout);
	else
		ctl_json_string(stdout, val);
}

static void
json_uint(const char *key, unsigned long long val)
{
	json_key(key);
	printf("%llu", val);
}

static void
json_int(const char *key, long long val)
{
	json_key(key);
	printf("%lld", val);
}

static void
json_bool(const char *key, int val)
{
	json_key(key);
	fputs(val ? "true" : "false", stdout);
}

static void
json_fields(const void *msg, const struct field *f)
{
	for (; f->name != NULL; f++) {
		if (f->type == F_STR)
			json_str(f->name, field_str(msg, f));
		else if (f->type == F_BOOL)
			json_bool(f->name, field_uint(msg, f) != 0);
		else
			json_uint(f->name, field_uint(msg, f));
	}
}

static void
json_counters(const char *key, const CtlCounters *cnt)
{
	CtlCounters	 zero = CTL_COUNTERS__INIT;

	json_open(key, '{');
	json_fields(cnt != NULL ? cnt : &zero, counter_fields);
	json_close('}');
}

static void
json_strings(const char *key, char **s, size_t n)
{
	size_t	 i;

	json_open(key, '[');
	for (i = 0; i < n; i++)
		json_str(NULL, s[i]);
	json_close(']');
}

static void
json_carp(const CtlCarp *c)
{
	json_open(NULL, '{');
	json_str("name", c->name);
	json_uint("vhid", c->vhid);
	json_str("state", ctl_state_str(c->state));
	json_str("carpdev", c->carpdev);
	json_uint("advbase", c->advbase);
	json_uint("advskew", c->advskew);
	json_uint("demote", c->demote);
	json_strings("addresses", c->addresses, c->n_addresses);
	json_str("master", c->master);
	json_int("since", c->since);
	json_strings("groups", c->groups, c->n_groups);
	json_bool("preempt", c->preempt);
	json_bool("link_up", c->link_up);
	json_bool("admin_down", c->admin_down);
	json_counters("counters", c->counters);
	json_close('}');
}

static void
json_carps(const CtlReply *rep)
{
	size_t	 i;

	json_open("carps", '[');
	for (i = 0; i < rep->n_carps; i++)
		json_carp(rep->carps[i]);
	json_close(']');
}

static void
json_status(const CtlReply *rep)
{
	json_open(NULL, '{');
	json_carps(rep);
	json_close('}');
}

static void
json_groups(const CtlReply *rep)
{
	const CtlGroup	*g;
	size_t		 i;

	json_open(NULL, '{');
	json_open("groups", '[');
	for (i = 0; i < rep->n_groups; i++) {
		g = rep->groups[i];
		json_open(NULL, '{');
		json_str("name", g->name);
		json_uint("demote", g->demote);
		json_uint("held", g->held);
		json_strings("members", g->members, g->n_members);
		json_close('}');
	}
	json_close(']');
	json_close('}');
}

static void
json_stats(const CtlReply *rep)
{
	CtlStats	 zero = CTL_STATS__INIT;
	const CtlStats	*st = rep->stats != NULL ? rep->stats : &zero;

	json_open(NULL, '{');
	json_open("stats", '{');
	json_fields(st, stats_fields);
	json_counters("totals", st->totals);
	json_close('}');
	json_carps(rep);
	json_close('}');
}

static void
json_event(const CtlEvent *ev)
{
	json_open(NULL, '{');
	json_open("event", '{');
	json_str("carp", ev->carp);
	json_uint("vhid", ev->vhid);
	json_str("old_state", ctl_state_str(ev->old_state));
	json_str("new_state", ctl_state_str(ev->new_state));
	json_str("reason", ev->reason);
	json_int("time", ev->time);
	json_uint("usec", ev->usec);
	json_close('}');
	json_close('}');
}

/* Flat: scripts read carpctl -j sync stats | jq .in_sync */
static void
json_sync(const CtlSync *s)
{
	json_open(NULL, '{');
	json_fields(s, sync_fields);
	json_close('}');
}

static void
json_done(const CtlReply *rep)
{
	json_open(NULL, '{');
	json_str("result", ctl_result_str(rep->result));
	json_str("reason", rep->reason);
	json_close('}');
}

const struct output json_output = {
	json_status,
	json_groups,
	json_stats,
	json_event,
	json_sync,
	json_sync,
	json_done,
};
