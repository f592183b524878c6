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
		if (ctl_conn_allow(conn, c->write, req->command))
			c->fn(conn, req, arg);
		return (0);
	}
	return (-1);
}
