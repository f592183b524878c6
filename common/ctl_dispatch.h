/* One shape of control dispatch for carpd and syncd, after bgpd's
 * control.c: a table of {command, changes state, handler}, ended by an
 * entry with no handler. The write column is the whole permission
 * model: members of control-group run what has 0 there, only root and
 * the daemon's user the rest (ctl_may). */
#ifndef CARP_CTL_DISPATCH_H
#define CARP_CTL_DISPATCH_H

#include "ctl.h"

struct ctl_cmd {
	CtlCommand	 cmd;
	int		 write;	/* changes state: privileged only */
	void		(*fn)(struct ctl_conn *, const CtlRequest *,
			    void *);
};

/* Run the handler of req's command with arg, or answer ERR_PERMISSION
 * ("permission denied") to a write from an unprivileged client. -1 if the table does not have
 * the command: the daemon answers that its own way. */
int	ctl_dispatch(struct ctl_conn *, const CtlRequest *,
	    const struct ctl_cmd *, void *arg);

#endif
