/* Print a parsed configuration back in canonical form (carpd -nv,
 * syncd -nv), after bgpd's printconf.c: fixed keyword order, every value
 * explicit including the defaults, addresses normalised, and never a
 * secret. What is printed parses back to an equal configuration, except
 * for an inline password, which is masked. */
#include <sys/types.h>
#include <arpa/inet.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "log.h"

/* A double-quoted word with the two escapes the tokenizer knows. */
static void
conf_print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
conf_print_word(FILE *f, const char *s)
{
	/* bare when it reads back as the same single word */
	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/") == strlen(s)) {
		fputs(s, f);
		return;
	}
	conf_print_string(f, s);
}

static void
conf_print_kw(FILE *f, const char *indent, const char *kw, const char *val)
{
	fprintf(f, "%s%s ", indent, kw);
	conf_print_word(f, val);
	fputc('\n', f);
}

/* Paths and free text always quoted, as in the documentation. */
static void
conf_print_quoted(FILE *f, const char *indent, const char *kw, const char *val)
{
	fprintf(f, "%s%s ", indent, kw);
	conf_print_string(f, val);
	fputc('\n', f);
}

static void
conf_print_addr(FILE *f, const char *indent, const char *kw,
    const struct conf_addr *a, int with_plen)
{
	char	buf[INET6_ADDRSTRLEN + 8];

	conf_addr_print(a, with_plen, buf, sizeof(buf));
	fprintf(f, "%s%s %s\n", indent, kw, buf);
}

static const char *
conf_yn(int v)
{
	return (v ? "yes" : "no");
}

/* The largest unit that keeps the value exact. */
static void
conf_print_duration(FILE *f, const char *kw, unsigned ms)
{
	if (ms != 0 && ms % 60000 == 0)
		fprintf(f, "\t%s %um\n", kw, ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		fprintf(f, "\t%s %us\n", kw, ms / 1000);
	else
		fprintf(f, "\t%s %ums\n", kw, ms);
}

/* ucarp's operator knobs, each printed when not its default only, so
 * that the canonical output of a file without them stays as it was. */
static void
conf_print_knobs(FILE *f, const struct carp_conf *conf)
{
	if (conf->neutral)
		fputs("neutral yes\n", f);
	if (!conf->shutdown_scripts)
		fputs("shutdown-scripts no\n", f);
	if (conf->log_facility != LOG_DAEMON &&
	    log_facility_name(conf->log_facility) != NULL)
		fprintf(f, "log-facility %s\n",
		    log_facility_name(conf->log_facility));
}

/* A carp's own knobs: an inherited one stays inherited, as preempt. */
static void
conf_print_carp_knobs(FILE *f, const struct conf_carp *c)
{
	if (c->neutral >= 0)
		fprintf(f, "\tneutral %s\n", conf_yn(c->neutral));
	if (c->shutdown_scripts >= 0)
		fprintf(f, "\tshutdown-scripts %s\n",
		    conf_yn(c->shutdown_scripts));
	if (c->ignore_link_state)
		fputs("\tignore-link-state yes\n", f);
}

static void
conf_print_global(FILE *f, const struct carp_conf *conf)
{
	fprintf(f, "preempt %s\n", conf_yn(conf->preempt));
	fprintf(f, "deadratio %d\n", conf->deadratio);
	conf_print_quoted(f, "", "control-socket", conf->control_socket);
	if (conf->control_group[0] != '\0')
		conf_print_kw(f, "", "control-group", conf->control_group);
	conf_print_quoted(f, "", "state-file", conf->state_file);
	if (conf->user[0] != '\0')
		conf_print_quoted(f, "", "user", conf->user);
	/* printed when not the default only, as user: the canonical
	 * output of every file without it stays as it was */
	if (!conf->realtime)
		fprintf(f, "realtime %s\n", conf_yn(conf->realtime));
	conf_print_knobs(f, conf);
	/* metrics: off by default, printed when set */
	if (conf->metrics_listen[0] != '\0')
		conf_print_kw(f, "", "metrics-listen", conf->metrics_listen);
}

static void
conf_print_group(FILE *f, const struct conf_group *g)
{
	fputc('\n', f);
	fputs("group ", f);
	conf_print_word(f, g->name);
	fprintf(f, " {\n\tdemote %d\n}\n", g->demote);
}

static void
conf_print_password(FILE *f, const struct conf_carp *c)
{
	if (c->password_file[0] != '\0')
		conf_print_quoted(f, "\t", "password-file", c->password_file);
	else if (c->passlen > 0)	/* as long as auth strict's minimum, so
					 * the printed form parses back */
		fputs("\tpassword \"****************\"\n", f);
	else
		fputs("\tpassword \"\"\n", f);
}

/* carpnodes replaces vhid and advskew; balancing none is the default
 * and stays unwritten, so that -nv output parses back the same. */
static void
conf_print_carpnodes(FILE *f, const struct conf_carp *c)
{
	int	i;

	fputs("\tcarpnodes ", f);
	for (i = 0; i < c->nnodes; i++)
		fprintf(f, "%s%d:%d", i > 0 ? ", " : "", c->nodes[i].vhid,
		    c->nodes[i].advskew);
	fputc('\n', f);
	if (c->balancing != BAL_NONE)
		fprintf(f, "\tbalancing %s\n",
		    conf_balancing_name(c->balancing));
}

static void
conf_print_carp(FILE *f, const struct conf_carp *c)
{
	int	i;

	fputc('\n', f);
	fputs("carp ", f);
	conf_print_word(f, c->name);
	fputs(" {\n", f);
	if (c->nnodes == 0)
		fprintf(f, "\tvhid %d\n", c->vhid);
	else
		conf_print_carpnodes(f, c);
	conf_print_kw(f, "\t", "carpdev", c->carpdev);
	conf_print_password(f, c);
	fprintf(f, "\tauth %s\n", c->auth == AUTH_STRICT ? "strict" :
	    "compat");
	fprintf(f, "\tadvbase %d\n", c->advbase);
	if (c->nnodes == 0)
		fprintf(f, "\tadvskew %d\n", c->advskew);
	for (i = 0; i < c->naddrs; i++)
		conf_print_addr(f, "\t", "address", &c->addrs[i], 1);
	for (i = 0; i < c->ngroups; i++)
		conf_print_kw(f, "\t", "group", c->groups[i]);
	/* an inherited preempt stays inherited: printing the global value
	 * here would turn it into an override on reparse */
	if (c->preempt >= 0)
		fprintf(f, "\tpreempt %s\n", conf_yn(c->preempt));
	fprintf(f, "\tvmac %s\n", conf_yn(c->vmac));
	if (c->peer.af != 0)
		conf_print_addr(f, "\t", "peer", &c->peer, 0);
	if (c->mcast.af != 0)
		conf_print_addr(f, "\t", "mcast", &c->mcast, 0);
	if (c->up_script[0] != '\0')
		conf_print_quoted(f, "\t", "up-script", c->up_script);
	if (c->down_script[0] != '\0')
		conf_print_quoted(f, "\t", "down-script", c->down_script);
	if (c->script_arg[0] != '\0')
		conf_print_quoted(f, "\t", "script-arg", c->script_arg);
	conf_print_carp_knobs(f, c);
	fputs("}\n", f);
}

static void
conf_print_sync(FILE *f, const struct conf_sync *s)
{
	int	i;

	fputs("\nsync {\n", f);
	/* each link's syncdev, then its syncpeer: the pairs stay visible */
	for (i = 0; i < s->nsyncdev; i++) {
		conf_print_kw(f, "\t", "syncdev", s->syncdev[i]);
		if (i < s->nsyncpeer)
			conf_print_addr(f, "\t", "syncpeer", &s->syncpeer[i],
			    0);
	}
	conf_print_addr(f, "\t", "mcast", &s->mcast, 0);
	fprintf(f, "\tport %u\n", s->port);
	conf_print_quoted(f, "\t", "key-file", s->key_file);
	fprintf(f, "\tdefer %s\n", conf_yn(s->defer));
	conf_print_duration(f, "defer-timeout", s->defer_timeout_ms);
	conf_print_duration(f, "bulk-timeout", s->bulk_timeout_ms);
	conf_print_duration(f, "refresh", s->refresh_ms);
	/* off by default: printed only when set */
	if (s->sync_delay_ms != 0)
		conf_print_duration(f, "sync-delay", s->sync_delay_ms);
	fprintf(f, "\tbulk-demote %d\n", s->bulk_demote);
	fprintf(f, "\tlink-demote %d\n", s->link_demote);
	/* a tuning knob: printed only when set */
	if (s->event_buffer != 0)
		fprintf(f, "\tevent-buffer %d\n", s->event_buffer);
	/* on by default: printed only when switched off */
	if (!s->expectations)
		fputs("\texpectations no\n", f);
	/* ruleset (issue 11): off by default, printed only when set */
	if (s->ruleset_demote != 0)
		fprintf(f, "\truleset-demote %d\n", s->ruleset_demote);
	for (i = 0; i < s->nignore; i++)
		conf_print_addr(f, "\t", "ignore", &s->ignore[i], 1);
	conf_print_quoted(f, "\t", "control-socket", s->control_socket);
	conf_print_quoted(f, "\t", "carpd-socket", s->carpd_socket);
	/* metrics: off by default, printed when set */
	if (s->metrics_listen[0] != '\0')
		conf_print_kw(f, "\t", "metrics-listen", s->metrics_listen);
	fputs("}\n", f);
}

/* health tracking */
static void
conf_print_track(FILE *f, const struct conf_track *t)
{
	fputs("\ntrack ", f);
	conf_print_word(f, t->name);
	fputs(" {\n", f);
	if (t->kind == TRACK_KIND_SCRIPT)
		conf_print_quoted(f, "\t", "script", t->script);
	else if (t->kind == TRACK_KIND_ROUTE)
		conf_print_addr(f, "\t", "route", &t->route, 1);
	else
		conf_print_kw(f, "\t", "interface", t->ifname);
	conf_print_duration(f, "interval", t->interval_ms);
	/* only a script can run late */
	if (t->kind == TRACK_KIND_SCRIPT)
		conf_print_duration(f, "timeout", t->timeout_ms);
	fprintf(f, "\tfall %d\n\trise %d\n\tdemote %d\n", t->fall, t->rise,
	    t->demote);
	conf_print_kw(f, "\t", "group", t->group);
	fputs("}\n", f);
}

void
conf_print(FILE *f, const struct carp_conf *conf)
{
	const struct conf_group	*g;
	const struct conf_carp	*c;
	const struct conf_track	*t;

	conf_print_global(f, conf);
	TAILQ_FOREACH(g, &conf->groups, entry)
		conf_print_group(f, g);
	TAILQ_FOREACH(c, &conf->carps, entry)
		conf_print_carp(f, c);
	if (conf->sync.present)
		conf_print_sync(f, &conf->sync);
	TAILQ_FOREACH(t, &conf->tracks, entry)
		conf_print_track(f, t);
}
