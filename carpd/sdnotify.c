/* carpd's state for systemd (common/notify.h): the status line, one
 * "name STATE" per carp with the demote it advertises when not 0, sent
 * on every transition and refreshed by notify.c's timer (a demote moves
 * without a transition). */
#include <stdio.h>

#include "carpd.h"
#include "notify.h"
#include "sdnotify.h"

void
sdnotify_status(void *arg, char *buf, size_t len)
{
	const struct carpd	*env = arg;
	const struct carp_if	*cif;
	size_t			 off = 0;
	int			 n, demote;

	buf[0] = '\0';
	TAILQ_FOREACH(cif, &env->carps, entry) {
		demote = carp_advertised_demote(cif);
		n = snprintf(buf + off, len - off, "%s%s %s", off ? ", " : "",
		    cif->conf.name, carp_state_name(cif->state));
		if (n > 0 && (size_t)n < len - off && demote > 0)
			n += snprintf(buf + off + n, len - off - n,
			    " demote %d", demote);
		if (n < 0 || (size_t)n >= len - off)
			return;		/* cut: systemd shows what fits */
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "no carp configured");
}

/* env->notify: the monitor clients, then systemd. */
void
sdnotify_transition(struct carp_if *cif, enum carp_state old,
    const char *why)
{
	control_notify(cif, old, why);
	notify_refresh();
}
