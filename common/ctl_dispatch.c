/* Control requests to their handlers, for both daemons. */
#include "ctl_dispatch.h"

int
ctl_dispatch(struct ctl_conn *conn, const CtlRequest *req,
    const struct ctl_cmd *cmds, void *arg)
{
	const struct ctl_cmd	*c;

	if (!req->has_command)
		return (-1);
	for (c = cmds; c->fn != NULL; c++) {
		if (c->cmd != req->command)
			continue;
		if (c->write && !ctl_conn_privileged(conn))
			ctl_conn_result(conn, CTL_RESULT__ERR_PERMISSION,
			    "%s needs root", ctl_command_str(req->command));
		else
			c->fn(conn, req, arg);
		return (0);
	}
	return (-1);
}
