/* syncd's state for systemd (common/notify.h). READY=1 waits for the
 * end of the first bulk, done or given up (bulk.c): a unit ordered
 * after syncd then starts on a node whose table holds the peer's
 * states, or that waited bulk-timeout for them. The status line says
 * where replication stands; notify.c's timer refreshes it, and sends it
 * only when it changed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "notify.h"
#include "own.h"
#include "sdnotify.h"
#include "syncd.h"

static int	 sdnotify_started;	/* the control socket is open */
static int	 sdnotify_ready_sent;

/* The peer a bulk comes from: the first live one, else the first
 * configured (a multicast group has none to name). */
static const char *
sdnotify_bulk_peer(struct syncd *sc, char *buf, size_t len)
{
	struct syncd_peer	*p;
	const void		*a = NULL;
	int			 af = 0;

	PEER_FOREACH(p, sc)
		if (p->alive) {
			af = p->addr.ss_family;
			a = af == AF_INET ?
			    (const void *)&((const struct sockaddr_in *)
			    (const void *)&p->addr)->sin_addr :
			    (const void *)&((const struct sockaddr_in6 *)
			    (const void *)&p->addr)->sin6_addr;
			break;
		}
	if (a == NULL && sc->cs->nsyncpeer > 0) {
		af = sc->cs->syncpeer[0].af;
		a = &sc->cs->syncpeer[0].a;
	}
	if (a == NULL || inet_ntop(af, a, buf, (socklen_t)len) == NULL)
		return ("the group");
	return (buf);
}

static const char *
sdnotify_state(struct syncd *sc, char *buf, size_t len)
{
	char	 addr[INET6_ADDRSTRLEN];

	if (!sc->carrier)
		return ("sync link down");
	if (sc->bulk_waiting || syncd_bulk_in_progress(sc)) {
		snprintf(buf, len, "bulk from %s",
		    sdnotify_bulk_peer(sc, addr, sizeof(addr)));
		return (buf);
	}
	if (syncd_peers_alive(sc) == 0)
		return (syncd_in_sync(sc) ? "peer lost" :
		    "no peer, bulk given up");
	return (syncd_in_sync(sc) ? "in sync" : "bulk given up");
}

void
sdnotify_status(void *arg, char *buf, size_t len)
{
	struct syncd	*sc = arg;
	char		 state[INET6_ADDRSTRLEN + 16], demote[32];
	size_t		 n;

	demote[0] = '\0';
	if (sc->demote_held > 0)
		snprintf(demote, sizeof(demote), ", demote %d held",
		    sc->demote_held);
	n = own_count(sc->own);
	snprintf(buf, len, "%s, %zu state%s%s",
	    sdnotify_state(sc, state, sizeof(state)), n, n == 1 ? "" : "s",
	    demote);
}

void
sdnotify_bulk(struct syncd *sc)
{
	if (sdnotify_started && !sdnotify_ready_sent && !sc->bulk_waiting &&
	    !syncd_bulk_in_progress(sc)) {
		sdnotify_ready_sent = 1;
		notify_ready();
		return;
	}
	notify_refresh();
}

void
sdnotify_start(struct syncd *sc)
{
	sdnotify_started = 1;
	sdnotify_bulk(sc);
}
