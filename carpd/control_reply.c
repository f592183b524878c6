/* carpd's state as control replies: carps with their counters, groups
 * with their members and holds, daemon-wide stats. Every pointer of a
 * reply points into the engine or into storage freed right after
 * sending. */
#include <sys/types.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "control.h"
#include "hooks.h"
#include "metrics.h"

/* one carp's reply, with the storage its pointers point into */
struct control_carp {
	CtlCarp			 c;
	CtlCounters		 cnt;
	CtlBalCounters		 bcnt;
	char			 addrs[CONF_MAXADDRS][INET6_ADDRSTRLEN + 4];
	char			*addrp[CONF_MAXADDRS];
	char			*groupp[CONF_MAXGROUPS + 1];
	char			 master[INET6_ADDRSTRLEN];
};

static char	 control_group_carp[] = "carp";

CtlCarpState
control_state(enum carp_state s)
{
	switch (s) {
	case CARP_MASTER:
		return (CTL_CARP_STATE__MASTER);
	case CARP_BACKUP:
		return (CTL_CARP_STATE__BACKUP);
	default:
		return (CTL_CARP_STATE__INIT);
	}
}

void
control_send_ok(struct ctl_conn *conn, CtlReply *rep)
{
	rep->has_end = 1;
	rep->end = 1;
	ctl_conn_send(conn, rep);
}

/* carpd's counters on the wire, from the one list (CARP_COUNTERS);
 * carpctl finds them in CtlCounters' descriptor. */
static void
control_counters(CtlCounters *out, const struct carp_counters *in)
{
	ctl_counters__init(out);
#define CNT(f)	out->has_##f = 1; out->f = in->f;
	CARP_COUNTERS(CNT)
#undef CNT
}

/* sum += c over every uint64 of CtlCounters, by its descriptor. */
static void
control_counters_add(CtlCounters *sum, const CtlCounters *c)
{
	const ProtobufCMessageDescriptor	*d = &ctl_counters__descriptor;
	const ProtobufCFieldDescriptor		*f;
	uint64_t				*s;
	unsigned				 i;

	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_UINT64)
			continue;
		s = (uint64_t *)(void *)((char *)sum + f->offset);
		*s += *(const uint64_t *)(const void *)((const char *)c +
		    f->offset);
	}
}

static void
control_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	char	 ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->af, &a->a, ip, sizeof(ip)) == NULL)
		strlcpy(ip, "?", sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->plen);
}

/* "" if no master was ever heard */
static void
control_sa_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void	*p;

	buf[0] = '\0';
	if (ss->ss_family == AF_INET)
		p = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		return;
	if (inet_ntop(ss->ss_family, p, buf, len) == NULL)
		buf[0] = '\0';
}

/* ucarp's operator knobs as in effect, the global defaults resolved. */
static void
control_carp_knobs(CtlCarp *c, const struct carp_if *cif)
{
	const struct carp_conf	*conf = control_env->conf;

	c->has_neutral = c->has_ignore_link_state = 1;
	c->has_shutdown_scripts = 1;
	c->neutral = conf != NULL ? conf_carp_neutral(conf, &cif->conf) != 0 :
	    cif->conf.neutral > 0;
	c->shutdown_scripts = conf != NULL ?
	    conf_carp_shutdown_scripts(conf, &cif->conf) != 0 :
	    cif->conf.shutdown_scripts != 0;
	c->ignore_link_state = cif->conf.ignore_link_state != 0;
}

/* A balanced carp's slot: which, of how many, the node's share, and the
 * carp's own counters (the same on each of its slots). */
static void
control_carp_bal(struct control_carp *cc, const struct carp_if *cif)
{
	const struct carp_bal	*bal = cif->bal;
	CtlCarp			*c = &cc->c;

	if (bal == NULL)
		return;
	c->balancing = (char *)(uintptr_t)conf_balancing_name(
	    bal->conf.balancing);
	c->has_slot = c->has_nslots = c->has_share = 1;
	c->slot = cif->slot;
	c->nslots = bal->nslots;
	c->share = bal->share;
	ctl_bal_counters__init(&cc->bcnt);
#define CONTROL_BAL_COUNTER(f)	cc->bcnt.has_##f = 1; cc->bcnt.f = bal->cnt.f;
	CARP_BAL_COUNTERS(CONTROL_BAL_COUNTER)
#undef CONTROL_BAL_COUNTER
	c->balance = &cc->bcnt;
}

static void
control_carp_fill(struct control_carp *cc, struct carp_if *cif)
{
	CtlCarp	*c = &cc->c;
	int	 i;

	ctl_carp__init(c);
	c->name = cif->conf.name;
	c->has_vhid = c->has_state = c->has_advbase = c->has_advskew = 1;
	c->vhid = cif->conf.vhid;
	c->state = control_state(cif->state);
	c->carpdev = cif->conf.carpdev;
	c->advbase = cif->conf.advbase;
	c->advskew = cif->conf.advskew;
	c->has_demote = 1;
	c->demote = carp_advertised_demote(cif);
	for (i = 0; i < cif->conf.naddrs && i < CONF_MAXADDRS; i++) {
		control_addr_str(&cif->conf.addrs[i], cc->addrs[i],
		    sizeof(cc->addrs[i]));
		cc->addrp[i] = cc->addrs[i];
	}
	c->n_addresses = i;
	c->addresses = cc->addrp;
	control_sa_str(&cif->master, cc->master, sizeof(cc->master));
	if (cc->master[0] != '\0')
		c->master = cc->master;
	c->has_since = 1;
	c->since = cif->since;
	control_counters(&cc->cnt, &cif->cnt);
	c->counters = &cc->cnt;
	for (i = 0; i < cif->conf.ngroups && i < CONF_MAXGROUPS; i++)
		cc->groupp[i] = cif->conf.groups[i];
	cc->groupp[i++] = control_group_carp;
	c->n_groups = i;
	c->groups = cc->groupp;
	c->has_preempt = c->has_link_up = c->has_admin_down = 1;
	c->preempt = control_env->conf != NULL ?
	    conf_carp_preempt(control_env->conf, &cif->conf) != 0 :
	    cif->conf.preempt > 0;
	c->link_up = cif->link_up != 0;
	c->admin_down = cif->admin_down != 0;
	control_carp_knobs(c, cif);
	control_carp_bal(cc, cif);
}

/* Every carp (or only the slots named as the given one) into rep; free
 * with control_carps_free. */
int
control_carps(CtlReply *rep, struct carp_if *only)
{
	struct control_carp	*cc;
	struct carp_if		*cif;
	size_t			 n = 0;

	TAILQ_FOREACH(cif, &control_env->carps, entry)
		n++;
	if (n == 0)
		return (0);
	if ((cc = calloc(n, sizeof(*cc))) == NULL ||
	    (rep->carps = calloc(n, sizeof(*rep->carps))) == NULL) {
		free(cc);
		return (-1);
	}
	TAILQ_FOREACH(cif, &control_env->carps, entry) {
		if (only != NULL && strcmp(cif->conf.name, only->conf.name))
			continue;
		control_carp_fill(&cc[rep->n_carps], cif);
		rep->carps[rep->n_carps] = &cc[rep->n_carps].c;
		rep->n_carps++;
	}
	return (0);
}

void
control_carps_free(CtlReply *rep)
{
	/* the array of control_carp starts with the first CtlCarp */
	if (rep->n_carps > 0)
		free(rep->carps[0]);
	free(rep->carps);
	rep->carps = NULL;
	rep->n_carps = 0;
}
static size_t
control_group_members(struct carp_group *g, char **members, size_t max)
{
	struct carp_if	*cif;
	size_t		 n = 0;

	TAILQ_FOREACH(cif, &control_env->carps, entry)
		if (n < max && group_is_member(cif, g->name))
			members[n++] = cif->conf.name;
	return (n);
}

static void
control_group_fill(CtlGroup *cg, struct carp_group *g, char **members,
    size_t max)
{
	ctl_group__init(cg);
	cg->name = g->name;
	cg->has_demote = cg->has_held = 1;
	cg->demote = g->demote;
	cg->held = control_held(g->name).sum;
	cg->members = members;
	cg->n_members = control_group_members(g, members, max);
}

/* All groups, or only one, into rep; every pointer points into env or
 * into cgs, freed with control_groups_free. */
int
control_groups_fill(CtlReply *rep, const char *only,
    struct control_groups *cgs)
{
	struct carp_group	*g;
	struct carp_if		*cif;
	size_t			 ng = 0, nc = 0, i = 0;

	memset(cgs, 0, sizeof(*cgs));
	TAILQ_FOREACH(g, &control_env->groups, entry)
		ng++;
	TAILQ_FOREACH(cif, &control_env->carps, entry)
		nc++;
	if (ng > 0 && ((cgs->cg = calloc(ng, sizeof(*cgs->cg))) == NULL ||
	    (cgs->cgp = calloc(ng, sizeof(*cgs->cgp))) == NULL ||
	    (cgs->members = calloc(ng * (nc + 1),
	    sizeof(*cgs->members))) == NULL)) {
		control_groups_free(cgs);
		return (-1);
	}
	TAILQ_FOREACH(g, &control_env->groups, entry) {
		if (only != NULL && strcmp(only, g->name) != 0)
			continue;
		control_group_fill(&cgs->cg[i], g, cgs->members + i * (nc + 1),
		    nc + 1);
		cgs->cgp[i] = &cgs->cg[i];
		i++;
	}
	rep->groups = cgs->cgp;
	rep->n_groups = i;
	return (0);
}

void
control_groups_free(struct control_groups *cgs)
{
	free(cgs->members);
	free(cgs->cgp);
	free(cgs->cg);
	memset(cgs, 0, sizeof(*cgs));
}

void
control_groups_send(struct ctl_conn *conn, const char *only)
{
	struct control_groups	 cgs;
	CtlReply		 rep;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_groups_fill(&rep, only, &cgs) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_groups_free(&cgs);
}

/* The script runner's counters (hooks.h). */
static void
control_scripts(CtlStats *st)
{
	const struct hooks_stats	*hs = hooks_stats();

	st->has_scripts_running = st->has_scripts_started = 1;
	st->has_scripts_failed = st->has_scripts_timedout = 1;
	st->has_scripts_refused = st->has_scripts_skipped = 1;
	st->has_scripts_lost = 1;
	st->scripts_running = hs->running;
	st->scripts_started = hs->started;
	st->scripts_failed = hs->failed;
	st->scripts_timedout = hs->timedout;
	st->scripts_refused = hs->refused;
	st->scripts_skipped = hs->skipped;
	st->scripts_lost = hs->lost;
}

/* Daemon-wide counters and the totals over the carps already in rep,
 * into cs, which rep->stats points to. */
void
control_stats_fill(CtlReply *rep, struct control_stats *cs)
{
	const struct ctl_server_stats	*ss = ctl_server_stats(control_srv);
	CtlStats			*st = &cs->st;
	struct carp_counters		 zero;
	size_t				 i;

	memset(&zero, 0, sizeof(zero));
	control_counters(&cs->tot, &zero);
	for (i = 0; i < rep->n_carps; i++)
		control_counters_add(&cs->tot, rep->carps[i]->counters);
	ctl_stats__init(st);
	st->totals = &cs->tot;
	st->has_unknown_vhid = st->has_bad_packets = 1;
	st->has_holds = st->has_carps = 1;
	st->carps = rep->n_carps;
	st->unknown_vhid = control_env->unknown_vhid;
	st->bad_packets = control_env->bad_packets;
	CTL_SERVER_STATS_COPY(st, ss);
	st->holds = control_held(NULL).holds;
	st->has_syncd_absent_demote = 1;
	st->syncd_absent_demote = (uint32_t)control_absent_held();
	control_scripts(st);
	control_track_stats(st);
	METRICS_HTTP_STATS_COPY(st, control_metrics_stats());
	rep->stats = st;
}

/* Daemon-wide counters, the totals over every carp, and every carp. */
void
control_stats_send(struct ctl_conn *conn)
{
	struct control_stats	 cs;
	CtlReply		 rep;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, NULL) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_stats_fill(&rep, &cs);
	control_send_ok(conn, &rep);
	control_carps_free(&rep);
}
