/* carpd's control socket: carpctl's requests, monitor clients and the
 * demote holds of daemon clients (syncd), after bgpd's control.c.
 *
 * Framing, decoding, version checks, dropping clients that send
 * garbage, client limits and read-only clients are common/ctl_*.c's job; here every connection gets its client
 * state and every request goes through control_cmds[] (control_cmd.c).
 * control.h maps the other files of the control socket. */
#include <sys/types.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "control.h"
#include "log.h"

struct ctl_server	*control_srv;
struct carpd		*control_env;

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

	(void)arg;
	if ((cl = control_client(conn)) == NULL) {
		ctl_conn_result(conn, CTL_RESULT__ERR_INTERNAL, "out of memory");
		return;
	}
	if (req->who != NULL && req->who[0] != '\0')
		control_set_who(cl, req->who);
	if (ctl_dispatch(conn, req, control_cmds, cl) == -1)
		ctl_conn_result(conn, CTL_RESULT__ERR_UNKNOWN_COMMAND,
		    "command %d", req->has_command ? (int)req->command : -1);
}

static void
control_close(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);

	(void)arg;
	if (cl == NULL)
		return;
	control_holds_drop(conn, cl);
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
	if (env->conf != NULL && env->conf->control_group[0] != '\0' &&
	    ctl_server_group(control_srv, env->conf->control_group) == -1) {
		control_cleanup();
		return (-1);
	}
	control_absent_start(env->base);
	/* the election matters more than its metrics: carpd runs on */
	if (control_metrics_start(env) == -1)
		log_warnx("metrics-listen %s: no metrics over HTTP",
		    env->conf->metrics_listen);
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
	control_absent_stop();
	control_metrics_stop();
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

/* An event to every monitor client: old is the state before, rival
 * says this is no transition but another master heard. */
static void
control_event_send(struct carp_if *cif, enum carp_state old, const char *why,
    int rival)
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
	ce.ev.has_rival = rival;
	ce.ev.rival = rival;
	ctl_reply_init(&ce.rep, CTL_RESULT__OK, NULL);
	ce.rep.event = &ce.ev;
	ctl_server_foreach(control_srv, control_notify_conn, &ce);
}

void
control_notify(struct carp_if *cif, enum carp_state old, const char *why)
{
	control_event_send(cif, old, why, 0);
}

/* A MASTER heard another master: the monitor shows MASTER -> MASTER,
 * and syncd makes its TCP windows liberal (PROTOCOL.md 6.11). */
void
control_rival(struct carp_if *cif)
{
	control_event_send(cif, cif->state, "another master heard", 1);
}
