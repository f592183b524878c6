/* carpd's control socket: carpctl's requests, monitor clients and the
 * demote holds of daemon clients (syncd), after bgpd's control.c.
 *
 * Framing, decoding, version checks and dropping clients that send
 * garbage are common/ctl.c's job; here every request is dispatched
 * through control_cmds[] and its arguments checked before the engine is
 * touched. A hold lives exactly as long as the connection that made it:
 * when a holder dies, its demotion goes away with it. */
#include <sys/types.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carpd.h"
#include "compat.h"
#include "ctl.h"
#include "log.h"

struct control_hold {
	char		 group[CONF_NAMELEN];
	int		 n;			/* 0: slot free */
};

/* per connection */
struct control_client {
	int			 monitor;
	char			 who[32];	/* for the logs */
	struct control_hold	 holds[CTL_MAXHOLDS];
};

/* one carp's reply, with the storage its pointers point into */
struct control_carp {
	CtlCarp			 c;
	CtlCounters		 cnt;
	char			 addrs[CONF_MAXADDRS][INET6_ADDRSTRLEN + 4];
	char			*addrp[CONF_MAXADDRS];
	char			*groupp[CONF_MAXGROUPS + 1];
	char			 master[INET6_ADDRSTRLEN];
};

struct control_cmd {
	CtlCommand	 cmd;
	int		 write;		/* changes state: privileged only */
	void		(*fn)(struct ctl_conn *, struct control_client *,
			    const CtlRequest *);
};

static struct ctl_server	*control_srv;
static struct carpd		*control_env;
static char			 control_group_carp[] = "carp";

/* -------------------------------------------------------------- helpers */

static CtlCarpState
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

static void
control_counters(CtlCounters *out, const struct carp_counters *in)
{
	ctl_counters__init(out);
#define CNT(f)	do { out->has_##f = 1; out->f = in->f; } while (0)
	CNT(adverts_sent);
	CNT(adverts_received);
	CNT(bad_checksum);
	CNT(bad_ttl);
	CNT(bad_hmac);
	CNT(bad_version);
	CNT(bad_length);
	CNT(replays);
	CNT(loops);
	CNT(send_errors);
	CNT(transitions);
#undef CNT
}

static void
control_counters_add(struct carp_counters *sum, const struct carp_counters *c)
{
	sum->adverts_sent += c->adverts_sent;
	sum->adverts_received += c->adverts_received;
	sum->bad_checksum += c->bad_checksum;
	sum->bad_ttl += c->bad_ttl;
	sum->bad_hmac += c->bad_hmac;
	sum->bad_version += c->bad_version;
	sum->bad_length += c->bad_length;
	sum->replays += c->replays;
	sum->loops += c->loops;
	sum->send_errors += c->send_errors;
	sum->transitions += c->transitions;
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
}

/* Every carp (or only one) into rep; free with control_carps_free. */
static int
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
		if (only != NULL && cif != only)
			continue;
		control_carp_fill(&cc[rep->n_carps], cif);
		rep->carps[rep->n_carps] = &cc[rep->n_carps].c;
		rep->n_carps++;
	}
	return (0);
}

static void
control_carps_free(CtlReply *rep)
{
	/* the array of control_carp starts with the first CtlCarp */
	if (rep->n_carps > 0)
		free(rep->carps[0]);
	free(rep->carps);
	rep->carps = NULL;
	rep->n_carps = 0;
}

static void
control_send_ok(struct ctl_conn *conn, CtlReply *rep)
{
	rep->has_end = 1;
	rep->end = 1;
	ctl_conn_send(conn, rep);
}

static struct control_hold *
control_hold_find(struct control_client *cl, const char *group)
{
	int	 i;

	for (i = 0; i < CTL_MAXHOLDS; i++)
		if (cl->holds[i].n > 0 && strcmp(cl->holds[i].group,
		    group) == 0)
			return (&cl->holds[i]);
	return (NULL);
}

struct control_held {
	const char	*group;
	int		 sum;
	int		 holds;
};

static void
control_held_conn(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);
	struct control_held	*h = arg;
	int			 i;

	for (i = 0; cl != NULL && i < CTL_MAXHOLDS; i++) {
		if (cl->holds[i].n == 0)
			continue;
		h->holds++;
		if (h->group != NULL && strcmp(h->group,
		    cl->holds[i].group) == 0)
			h->sum += cl->holds[i].n;
	}
}

/* What every client together holds on group (NULL: count of holds). */
static struct control_held
control_held(const char *group)
{
	struct control_held	 h = { group, 0, 0 };

	ctl_server_foreach(control_srv, control_held_conn, &h);
	return (h);
}

/* Arguments. */
static int
control_need_group(struct ctl_conn *conn, const CtlRequest *req)
{
	if (req->group == NULL || req->group[0] == '\0') {
		ctl_conn_result(conn, CTL_RESULT__ERR_BAD_REQUEST,
		    "%s needs a group", ctl_command_str(req->command));
		return (-1);
	}
	if (group_find(control_env, req->group) == NULL) {
		ctl_conn_result(conn, CTL_RESULT__ERR_NO_SUCH_GROUP,
		    "no group %.*s", CONF_NAMELEN, req->group);
		return (-1);
	}
	return (0);
}

/* count 1..255, 1 if absent */
static int
control_need_count(struct ctl_conn *conn, const CtlRequest *req)
{
	if (!req->has_count)
		return (1);
	if (req->count < 1 || req->count > 255) {
		ctl_conn_result(conn, CTL_RESULT__ERR_RANGE,
		    "count %u is not in 1..255", req->count);
		return (-1);
	}
	return (req->count);
}

static struct carp_if *
control_need_carp(struct ctl_conn *conn, const CtlRequest *req)
{
	struct carp_if	*cif;

	if (req->carp == NULL || req->carp[0] == '\0') {
		ctl_conn_result(conn, CTL_RESULT__ERR_BAD_REQUEST,
		    "%s needs a carp", ctl_command_str(req->command));
		return (NULL);
	}
	if ((cif = carpd_find_carp(control_env, req->carp)) == NULL)
		ctl_conn_result(conn, CTL_RESULT__ERR_NO_SUCH_CARP,
		    "no carp %.*s", IFNAMSIZ, req->carp);
	return (cif);
}

/* ------------------------------------------------------------- commands */

static void
control_status(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	CtlReply	 rep;

	(void)cl;
	(void)req;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, NULL) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_carps_free(&rep);
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

/* All groups, or only one; every pointer points into env or into the
 * storage here, freed at once after sending. */
static void
control_groups_send(struct ctl_conn *conn, const char *only)
{
	struct carp_group	*g;
	struct carp_if		*cif;
	CtlReply		 rep;
	CtlGroup		*cg = NULL, **cgp = NULL;
	char			**members = NULL;
	size_t			 ng = 0, nc = 0, i = 0;

	TAILQ_FOREACH(g, &control_env->groups, entry)
		ng++;
	TAILQ_FOREACH(cif, &control_env->carps, entry)
		nc++;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (ng > 0 && ((cg = calloc(ng, sizeof(*cg))) == NULL ||
	    (cgp = calloc(ng, sizeof(*cgp))) == NULL ||
	    (members = calloc(ng * (nc + 1), sizeof(*members))) == NULL)) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		goto done;
	}
	TAILQ_FOREACH(g, &control_env->groups, entry) {
		if (only != NULL && strcmp(only, g->name) != 0)
			continue;
		control_group_fill(&cg[i], g, members + i * (nc + 1), nc + 1);
		cgp[i] = &cg[i];
		i++;
	}
	rep.groups = cgp;
	rep.n_groups = i;
	control_send_ok(conn, &rep);
 done:
	free(members);
	free(cgp);
	free(cg);
}

static void
control_groups(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	(void)req;
	control_groups_send(conn, NULL);
}

static void
control_stats(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	const struct ctl_server_stats	*ss = ctl_server_stats(control_srv);
	struct carp_counters		 sum;
	struct carp_if			*cif;
	CtlStats			 st;
	CtlCounters			 tot;
	CtlReply			 rep;

	(void)cl;
	(void)req;
	memset(&sum, 0, sizeof(sum));
	ctl_stats__init(&st);
	TAILQ_FOREACH(cif, &control_env->carps, entry) {
		control_counters_add(&sum, &cif->cnt);
		st.carps++;
	}
	control_counters(&tot, &sum);
	st.totals = &tot;
	st.has_unknown_vhid = st.has_bad_packets = st.has_ctl_requests = 1;
	st.has_ctl_errors = st.has_ctl_bad_frames = st.has_ctl_clients = 1;
	st.has_holds = st.has_carps = 1;
	st.unknown_vhid = control_env->unknown_vhid;
	st.bad_packets = control_env->bad_packets;
	st.ctl_requests = ss->requests;
	st.ctl_errors = ss->errors;
	st.ctl_bad_frames = ss->bad_frames;
	st.ctl_clients = ss->clients;
	st.holds = control_held(NULL).holds;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	rep.stats = &st;
	if (control_carps(&rep, NULL) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_carps_free(&rep);
}

static void
control_demote_cmd(struct ctl_conn *conn, const CtlRequest *req, int sign)
{
	const char	*why = sign > 0 ? "carpctl demote" : "carpctl promote";
	int		 n;

	if (control_need_group(conn, req) == -1 ||
	    (n = control_need_count(conn, req)) == -1)
		return;
	log_info("control: %s %s %d (pid %ld)", why, req->group, n,
	    (long)ctl_conn_pid(conn));
	if (group_adjust(control_env, req->group, sign * n, why) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_NO_SUCH_GROUP,
		    "no group %.*s", CONF_NAMELEN, req->group);
		return;
	}
	control_groups_send(conn, req->group);
}

static void
control_demote(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	control_demote_cmd(conn, req, 1);
}

static void
control_promote(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	control_demote_cmd(conn, req, -1);
}

static void
control_admin(struct ctl_conn *conn, const CtlRequest *req, int down)
{
	struct carp_if	*cif;
	CtlReply	 rep;

	if ((cif = control_need_carp(conn, req)) == NULL)
		return;
	log_info("control: %s %s (pid %ld)", down ? "down" : "up",
	    cif->conf.name, (long)ctl_conn_pid(conn));
	carp_fsm(cif, down ? EV_ADMIN_DOWN : EV_ADMIN_UP, "carpctl");
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, cif) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_carps_free(&rep);
}

static void
control_down(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	control_admin(conn, req, 1);
}

static void
control_up(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	control_admin(conn, req, 0);
}

/* Acknowledged with end unset: events follow until one side closes. */
static void
control_monitor(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	CtlReply	 rep;

	(void)req;
	cl->monitor = 1;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_conn_send(conn, &rep);
}

static void
control_reload(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	char	 err[512];

	(void)cl;
	(void)req;
	log_info("control: reload (pid %ld)", (long)ctl_conn_pid(conn));
	err[0] = '\0';
	if (carpd_reload(control_env, err, sizeof(err)) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_RELOAD, "%s",
		    err[0] != '\0' ? err : "configuration not reloaded");
		return;
	}
	ctl_conn_result(conn, CTL_RESULT__OK, "%s", "");
}

static struct control_hold *
control_hold_slot(struct control_client *cl, const char *group)
{
	struct control_hold	*hd;
	int			 i;

	if ((hd = control_hold_find(cl, group)) != NULL)
		return (hd);
	for (i = 0; i < CTL_MAXHOLDS; i++)
		if (cl->holds[i].n == 0) {
			strlcpy(cl->holds[i].group, group,
			    sizeof(cl->holds[i].group));
			return (&cl->holds[i]);
		}
	return (NULL);
}

/* HOLD sets this client's whole hold on the group (not an increment),
 * so a client re-sending its holds after a reconnect is idempotent. */
static void
control_hold(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	struct control_hold	*hd;
	int			 n;

	if (control_need_group(conn, req) == -1 ||
	    (n = control_need_count(conn, req)) == -1)
		return;
	if ((hd = control_hold_slot(cl, req->group)) == NULL) {
		ctl_conn_result(conn, CTL_RESULT__ERR_LIMIT,
		    "at most %d holds per client", CTL_MAXHOLDS);
		return;
	}
	if (n != hd->n) {
		log_info("control: %s (pid %ld) holds demote %d on group %s",
		    cl->who, (long)ctl_conn_pid(conn), n, hd->group);
		group_adjust(control_env, hd->group, n - hd->n,
		    "demote hold");
		hd->n = n;
	}
	control_groups_send(conn, hd->group);
}

static void
control_hold_drop(struct ctl_conn *conn, struct control_client *cl,
    struct control_hold *hd, const char *how)
{
	log_info("control: %s (pid %ld) %s, demote hold %d on group %s "
	    "released", cl->who, (long)ctl_conn_pid(conn), how, hd->n,
	    hd->group);
	/* the group may have gone away in a reload; nothing to undo then */
	if (!control_env->shutting_down &&
	    group_adjust(control_env, hd->group, -hd->n,
	    "demote hold released") == -1)
		log_debug("control: group %s no longer exists", hd->group);
	memset(hd, 0, sizeof(*hd));
}

static void
control_release(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	struct control_hold	*hd;
	char			 group[CONF_NAMELEN];

	if (req->group == NULL || req->group[0] == '\0') {
		ctl_conn_result(conn, CTL_RESULT__ERR_BAD_REQUEST,
		    "RELEASE needs a group");
		return;
	}
	if ((hd = control_hold_find(cl, req->group)) == NULL) {
		ctl_conn_result(conn, CTL_RESULT__ERR_NO_SUCH_HOLD,
		    "no hold on group %.*s", CONF_NAMELEN, req->group);
		return;
	}
	strlcpy(group, hd->group, sizeof(group));
	control_hold_drop(conn, cl, hd, "asked");
	if (group_find(control_env, group) != NULL)
		control_groups_send(conn, group);
	else
		ctl_conn_result(conn, CTL_RESULT__OK, "%s", "");
}

static void
control_sync(struct ctl_conn *conn, struct control_client *cl,
    const CtlRequest *req)
{
	(void)cl;
	ctl_conn_result(conn, CTL_RESULT__ERR_NOT_SUPPORTED,
	    "%s is for syncd, this is carpd", ctl_command_str(req->command));
}

static const struct control_cmd control_cmds[] = {
	{ CTL_COMMAND__STATUS,		0,	control_status },
	{ CTL_COMMAND__GROUPS,		0,	control_groups },
	{ CTL_COMMAND__STATS,		0,	control_stats },
	{ CTL_COMMAND__DEMOTE,		1,	control_demote },
	{ CTL_COMMAND__PROMOTE,		1,	control_promote },
	{ CTL_COMMAND__DOWN,		1,	control_down },
	{ CTL_COMMAND__UP,		1,	control_up },
	{ CTL_COMMAND__MONITOR,		0,	control_monitor },
	{ CTL_COMMAND__RELOAD,		1,	control_reload },
	{ CTL_COMMAND__HOLD,		1,	control_hold },
	{ CTL_COMMAND__RELEASE,		1,	control_release },
	{ CTL_COMMAND__SYNC_STATUS,	0,	control_sync },
	{ CTL_COMMAND__SYNC_STATS,	0,	control_sync },
	{ CTL_COMMAND__SYNC_RESYNC,	0,	control_sync },
};

/* ------------------------------------------------------------ callbacks */

/* Only printable bytes of a client's self-chosen name reach the logs. */
static void
control_set_who(struct control_client *cl, const char *who)
{
	size_t	 i;

	for (i = 0; who[i] != '\0' && i < sizeof(cl->who) - 1; i++)
		cl->who[i] = isprint((unsigned char)who[i]) ? who[i] : '?';
	cl->who[i] = '\0';
}

static struct control_client *
control_client(struct ctl_conn *conn)
{
	struct control_client	*cl;

	if ((cl = ctl_conn_data(conn)) != NULL)
		return (cl);
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return (NULL);
	strlcpy(cl->who, "client", sizeof(cl->who));
	ctl_conn_set_data(conn, cl);
	return (cl);
}

static void
control_request(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	struct control_client	*cl;
	size_t			 i;

	(void)arg;
	if ((cl = control_client(conn)) == NULL) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	if (req->who != NULL && req->who[0] != '\0')
		control_set_who(cl, req->who);
	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++) {
		if (!req->has_command || control_cmds[i].cmd != req->command)
			continue;
		if (control_cmds[i].write && !ctl_conn_privileged(conn)) {
			ctl_conn_result(conn, CTL_RESULT__ERR_PERMISSION,
			    "%s needs root", ctl_command_str(req->command));
			return;
		}
		control_cmds[i].fn(conn, cl, req);
		return;
	}
	ctl_conn_result(conn, CTL_RESULT__ERR_UNKNOWN_COMMAND, "command %d",
	    req->has_command ? (int)req->command : -1);
}

static void
control_close(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);
	int			 i;

	(void)arg;
	if (cl == NULL)
		return;
	for (i = 0; i < CTL_MAXHOLDS; i++)
		if (cl->holds[i].n > 0)
			control_hold_drop(conn, cl, &cl->holds[i],
			    "closed its connection");
	ctl_conn_set_data(conn, NULL);
	free(cl);
}

static const struct ctl_server_cb control_cb = {
	control_request,
	control_close,
};

int
control_init(struct carpd *env, const char *path)
{
	if (path == NULL || path[0] == '\0')
		path = env->conf != NULL && env->conf->control_socket[0] != '\0' ?
		    env->conf->control_socket : CONF_CARPD_SOCKET;
	if (control_srv != NULL)
		control_cleanup();
	control_env = env;
	if ((control_srv = ctl_server_new(env->base, path, &control_cb,
	    env)) == NULL)
		return (-1);
	log_info("control socket %s", path);
	return (0);
}

static void
control_end_monitor(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);

	(void)arg;
	if (cl != NULL && cl->monitor)
		ctl_conn_result(conn, CTL_RESULT__OK, "carpd is stopping");
}

void
control_cleanup(void)
{
	if (control_srv == NULL)
		return;
	ctl_server_foreach(control_srv, control_end_monitor, NULL);
	ctl_server_free(control_srv);
	control_srv = NULL;
}

struct control_event {
	CtlReply	 rep;
	CtlEvent	 ev;
};

static void
control_notify_conn(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);
	struct control_event	*ce = arg;

	if (cl != NULL && cl->monitor)
		ctl_conn_send(conn, &ce->rep);
}

void
control_notify(struct carp_if *cif, enum carp_state old, const char *why)
{
	struct control_event	 ce;
	struct timespec		 ts;

	if (control_srv == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ctl_event__init(&ce.ev);
	ce.ev.carp = cif->conf.name;
	ce.ev.has_vhid = ce.ev.has_old_state = ce.ev.has_new_state = 1;
	ce.ev.vhid = cif->conf.vhid;
	ce.ev.old_state = control_state(old);
	ce.ev.new_state = control_state(cif->state);
	ce.ev.reason = (char *)(uintptr_t)why;
	ce.ev.has_time = ce.ev.has_usec = 1;
	ce.ev.time = ts.tv_sec;
	ce.ev.usec = ts.tv_nsec / 1000;
	ctl_reply_init(&ce.rep, CTL_RESULT__OK, NULL);
	ce.rep.event = &ce.ev;
	ctl_server_foreach(control_srv, control_notify_conn, &ce);
}
