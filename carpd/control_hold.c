/* Demote holds: a daemon client (syncd) holds demotion on a group for as
 * long as its connection lives, so a crashed holder never leaves a group
 * demoted. */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "control.h"
#include "log.h"

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
struct control_held
control_held(const char *group)
{
	struct control_held	 h = { group, 0, 0 };

	ctl_server_foreach(control_srv, control_held_conn, &h);
	return (h);
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
void
control_hold(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	struct control_client	*cl = arg;
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
	/* a hold lives as long as its connection: never idle-closed */
	ctl_conn_keep(conn);
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

void
control_release(struct ctl_conn *conn, const CtlRequest *req, void *arg)
{
	struct control_client	*cl = arg;
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

/* The connection is going away: so do its holds. */
void
control_holds_drop(struct ctl_conn *conn, struct control_client *cl)
{
	int	 i;

	for (i = 0; i < CTL_MAXHOLDS; i++)
		if (cl->holds[i].n > 0)
			control_hold_drop(conn, cl, &cl->holds[i],
			    "closed its connection");
}
