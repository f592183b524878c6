/* carpd's control commands: the table every request is dispatched
 * through (common/ctl_dispatch.c, as syncd's) and the handlers. Each
 * checks its arguments before it touches the engine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"

/* -------------------------------------------------------------- arguments */

int
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
int
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

/* The carps (all, or only) in one final frame. */
static void
control_carps_send(struct ctl_conn *conn, struct carp_if *only)
{
	CtlReply	 rep;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, only) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	if (only == NULL)
		rep.realtime = (char *)(uintptr_t)realtime_status();
	/* health tracking: the checks beside the carps they demote */
	if (only == NULL && control_tracks(&rep) == -1) {
		control_carps_free(&rep);
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	control_send_ok(conn, &rep);
	control_carps_free(&rep);
	control_tracks_free(&rep);
}

static void
control_status(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)req;
	(void)arg;
	control_carps_send(conn, NULL);
}

static void
control_groups(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)req;
	(void)arg;
	control_groups_send(conn, NULL);
}

static void
control_stats(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)req;
	(void)arg;
	control_stats_send(conn);
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
control_demote(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)arg;
	control_demote_cmd(conn, req, 1);
}

static void
control_promote(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)arg;
	control_demote_cmd(conn, req, -1);
}

static void
control_admin(struct ctl_conn *conn, const CtlRequest *req, int down)
{
	struct carp_if	*cif;

	if ((cif = control_need_carp(conn, req)) == NULL)
		return;
	log_info("control: %s %s (pid %ld)", down ? "down" : "up",
	    cif->conf.name, (long)ctl_conn_pid(conn));
	carpd_carp_admin(control_env, cif->conf.name, down);
	control_carps_send(conn, cif);
}

static void
control_down(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)arg;
	control_admin(conn, req, 1);
}

static void
control_up(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)arg;
	control_admin(conn, req, 0);
}

/* Acknowledged with end unset, carrying every carp as it is now, so a
 * watcher (syncd) needs no separate STATUS and misses no change between
 * the two: events follow in order until one side closes. */
static void
control_monitor(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	struct control_client	*cl = arg;
	CtlReply		 rep;

	(void)req;
	cl->monitor = 1;
	ctl_conn_keep(conn);	/* a stream: not idle when it sends nothing */
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, NULL) == -1)
		log_warn("control: monitor snapshot");
	ctl_conn_send(conn, &rep);
	control_carps_free(&rep);
}

static void
control_reload(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	char	 err[512];

	(void)req;
	(void)arg;
	log_info("control: reload (pid %ld)", (long)ctl_conn_pid(conn));
	err[0] = '\0';
	if (carpd_reload(control_env, err, sizeof(err)) == -1) {
		ctl_conn_result(conn, CTL_RESULT__ERR_RELOAD, "%s",
		    err[0] != '\0' ? err : "configuration not reloaded");
		return;
	}
	ctl_conn_result(conn, CTL_RESULT__OK, "%s", "");
}

static void
control_sync(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	(void)arg;
	ctl_conn_result(conn, CTL_RESULT__ERR_NOT_SUPPORTED,
	    "%s is for syncd, this is carpd", ctl_command_str(req->command));
}

/* The permission table: 1 in the middle column is a change of state,
 * refused to control-group members (read-only clients). */
const struct ctl_cmd control_cmds[] = {
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
	{ CTL_COMMAND__TRACK,		0,	control_track },
	{ CTL_COMMAND__SYNC_STATUS,	0,	control_sync },
	{ CTL_COMMAND__SYNC_STATS,	0,	control_sync },
	{ CTL_COMMAND__SYNC_RESYNC,	0,	control_sync },
	{ CTL_COMMAND__NONE,		0,	NULL }
};
