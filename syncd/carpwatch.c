/* TEMPORARY: how many carps carpd has in MASTER here, learnt by asking
 * carpd on every heartbeat (connect, STATUS, up to 300 ms). This is the
 * piece to replace: once carpd's monitor stream reaches syncd on the
 * ctl_holder connection (ctl_holder_watch), that stream calls
 * syncd_masters_changed() and this file goes. Until then it keeps the
 * behaviour as it was. */
#include <unistd.h>

#include "ctl.h"
#include "syncd.h"

/* -1 if carpd cannot be asked. */
static int
carpwatch_ask(const struct syncd *sc)
{
	CtlRequest	 req;
	CtlReply	*rep = NULL;
	size_t		 i;
	int		 fd, n = -1;

	if ((fd = ctl_connect(sc->cs->carpd_socket, 300)) == -1)
		return (-1);
	ctl_request_init(&req, CTL_COMMAND__STATUS);
	if (ctl_call(fd, &req, &rep) == 0 && rep != NULL)
		for (n = 0, i = 0; i < rep->n_carps; i++)
			if (rep->carps[i]->state == CTL_CARP_STATE__MASTER)
				n++;
	if (rep != NULL)
		ctl_reply_free(rep);
	close(fd);
	return (n);
}

void
carpwatch_poll(struct syncd *sc)
{
	syncd_masters_changed(sc, carpwatch_ask(sc));
}
