/* Which carps are MASTER here, as carpd's monitor stream tells on the
 * demote-hold connection syncd keeps anyway (ctl_holder_watch): the
 * acknowledgement lists every carp, then each transition follows. No
 * request on the heartbeat: the engine hears of a change when it
 * happens (syncd_masters_changed). */
#include <string.h>

#include "compat.h"
#include "ctl.h"
#include "log.h"
#include "syncd.h"

/* By name and vhid: the slots of a balanced carp share its name, and
 * each is MASTER or not on its own. */
static struct carpwatch_carp *
carpwatch_find(struct carpwatch *w, const char *name, unsigned vhid,
    int create)
{
	size_t	 i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->carps[i].name, name) == 0 &&
		    w->carps[i].vhid == vhid)
			return (&w->carps[i]);
	if (!create || w->n == CARPWATCH_MAX)
		return (NULL);
	strlcpy(w->carps[w->n].name, name, sizeof(w->carps[w->n].name));
	w->carps[w->n].vhid = vhid;
	return (&w->carps[w->n++]);
}

static int
carpwatch_masters(const struct carpwatch *w)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < w->n; i++)
		n += w->carps[i].master;
	return (n);
}

/* The monitor's acknowledgement: every carp as it is now. */
static void
carpwatch_snapshot(struct carpwatch *w, const CtlReply *rep)
{
	struct carpwatch_carp	*c;
	size_t			 i;

	w->n = 0;
	for (i = 0; i < rep->n_carps; i++) {
		if (rep->carps[i]->name == NULL ||
		    (c = carpwatch_find(w, rep->carps[i]->name,
		    rep->carps[i]->vhid, 1)) == NULL)
			continue;
		c->master = rep->carps[i]->state == CTL_CARP_STATE__MASTER;
	}
}

/* A carp unknown to the snapshot (added by a reload) joins the table. */
static void
carpwatch_event(struct carpwatch *w, const CtlEvent *ev)
{
	struct carpwatch_carp	*c;

	if (ev->carp == NULL ||
	    (c = carpwatch_find(w, ev->carp, ev->vhid, 1)) == NULL)
		return;
	c->master = ev->new_state == CTL_CARP_STATE__MASTER;
}

static void
carpwatch_cb(const CtlReply *rep, void *arg)
{
	struct syncd		*sc = arg;
	struct carpwatch	*w = &sc->carpwatch;

	if (rep == NULL) {
		w->n = 0;
		w->known = 0;
		syncd_masters_changed(sc, -1);
		return;
	}
	/* no transition: the other node was master for a moment and may
	 * have forwarded our connections (PROTOCOL.md 6.11) */
	if (rep->event != NULL && rep->event->rival) {
		syncd_rival_heard(sc, rep->event->carp);
		return;
	}
	if (rep->event != NULL)
		carpwatch_event(w, rep->event);
	else
		carpwatch_snapshot(w, rep);
	w->known = 1;
	syncd_masters_changed(sc, carpwatch_masters(w));
}

/* 1 if carpd will tell (the hold connection is up), 0 if nobody will. */
int
carpwatch_start(struct syncd *sc)
{
	if (sc->holder == NULL)
		return (0);
	ctl_holder_watch(sc->holder, carpwatch_cb, sc);
	return (ctl_holder_connected(sc->holder));
}
