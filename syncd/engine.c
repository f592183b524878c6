/* syncd's engine: start and stop, the heartbeat (link, liveness,
 * mastership, bulk, demotion), and the glue that carries out what
 * bulk.c decides. The work is in the modules syncd.h lists: kernel
 * events become queued states (table.c), queued states become sealed
 * datagrams (tx.c), datagrams from the peers become kernel states
 * (rx.c). Everything from the wire is authenticated (seal.c) and
 * validated as a whole (proto/sync.c) before a single state reaches the
 * kernel table. */
#include <sys/types.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ct.h"
#include "ctl.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "sync.h"
#include "own.h"
#include "rel.h"
#include "ruleset.h"
#include "seal.h"
#include "syncd.h"
#include "sdnotify.h"

void
syncd_error(struct syncd *sc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sc->last_error, sizeof(sc->last_error), fmt, ap);
	va_end(ap);
	log_warnx("%s", sc->last_error);
}

/* ------------------------------------------------------ bulk, demotion */

/* Carry out what bulk.c asked for. */
static void
syncd_bulk_do(struct syncd *sc, int what, uint32_t node)
{
	if (what & BULK_BEGIN)
		sweep_bulk_begin(sc);
	if (what & BULK_SWEEP)
		sweep_bulk_end(sc, node);
	if (what & BULK_ASK)
		sc->want.bulk_request = 1;
	if (what & BULK_GAVE_UP)
		syncd_error(sc, "no bulk end from any peer in %u ms, giving up",
		    sc->cs->bulk_timeout_ms);
	if (what & BULK_DEMOTE)
		syncd_demote(sc);
	if (what != 0)
		sdnotify_bulk(sc);	/* READY=1 after the first */
}

static void
syncd_bulk_ask(struct syncd *sc, const char *why, int what)
{
	log_info("sync: asking the peers for their table (%s)", why);
	sc->st.bulk_requests++;
	syncd_bulk_do(sc, what, 0);
}

void
syncd_resync(struct syncd *sc, const char *why)
{
	struct syncd_peer	*p;

	/* a bulk end waiting for a gap given up is of an incomplete bulk */
	PEER_FOREACH(p, sc)
		p->bulk_end_wait = 0;
	sc->st.resyncs++;
	syncd_bulk_ask(sc, why, bulk_resync(&sc->bulk, sc->masters,
	    clock_ms()));
}

/* A peer's bulk end counts once its stream has no gap left: the lost
 * datagrams it overtook hold states of the bulk (docs/PROTOCOL.md 6.8). */
void
syncd_bulk_end_check(struct syncd *sc)
{
	struct syncd_peer	*p;

	PEER_FOREACH(p, sc)
		if (p->bulk_end_wait && !rel_rx_gap_open(p->rx)) {
			p->bulk_end_wait = 0;
			syncd_bulk_done(sc, p->node);
		}
}

void
syncd_bulk_done(struct syncd *sc, uint32_t node)
{
	syncd_bulk_do(sc, bulk_end(&sc->bulk, node, clock_ms()), node);
}

int
syncd_in_sync(const struct syncd *sc)
{
	return (sc->bulk.in_sync);
}

int
syncd_bulk_in_progress(const struct syncd *sc)
{
	return (sc->bulk.in_progress);
}

/* The demotion bulk.c says to hold, held on carpd (the holder keeps
 * trying while carpd is away and never blocks). */
void
syncd_demote(struct syncd *sc)
{
	struct bulk_link	 l;
	char			 why[64];
	int			 n;

	l.carrier = sc->carrier;
	l.peers_alive = peer_settled(sc, clock_ms());
	l.settled = clock_ms() - sc->start_ms >= SYNCD_DEAD_MS;
	l.master = sc->masters > 0;
	l.bulk_demote = sc->cs->bulk_demote;
	l.link_demote = sc->cs->link_demote;
	n = bulk_demotion(&sc->bulk, &l) + ruleset_demotion(sc);
	if (n > 255)
		n = 255;
	if (n == sc->demote_held || sc->holder == NULL)
		return;
	bulk_demotion_why(&sc->bulk, &l, why, sizeof(why));
	if (ruleset_demotion(sc) > 0 && strlen(why) + 18 < sizeof(why))
		strcat(why, ", ruleset differs");
	log_info("sync: demotion held on carpd %d -> %d (%s)",
	    sc->demote_held, n, why);
	if (ctl_holder_set(sc->holder, "carp", n) == 0)
		sc->demote_held = n;
}

static void	syncd_bulk_first(struct syncd *);

/* A carp MASTER here heard another master: a split that heals, or a
 * backup that took over for a moment (a stalled or lossy master). The
 * other forwarded some of our connections meanwhile, past the windows
 * our kernel saw: make them liberal, as after a handover. */
void
syncd_rival_heard(struct syncd *sc, const char *carp)
{
	char	 why[CONF_NAMELEN + 32];

	(void)sc;
	snprintf(why, sizeof(why), "%s heard another master",
	    carp != NULL ? carp : "a carp");
	refresh_mark_liberal(why);
}

/* A drop in the number of carps MASTER here: this node handed
 * connections to the peer, and they may come back (refresh.c). An
 * unknown count (-1) changes nothing. The first count also lets the
 * first bulk go. */
void
syncd_masters_changed(struct syncd *sc, int masters)
{
	char	 why[64];

	if (masters >= 0) {
		if (sc->masters > 0 && masters < sc->masters) {
			snprintf(why, sizeof(why), "master of %d carp(s) now, "
			    "was %d", masters, sc->masters);
			refresh_mark_liberal(why);
		}
		sc->masters = masters;
	}
	syncd_bulk_first(sc);
}

/* ------------------------------------------------------------ heartbeat */

/* Carrier on some sync link (link-demote holds only when none has it),
 * and each link's health. 1 if the carrier changed. */
static int
syncd_link_check(struct syncd *sc, uint64_t now)
{
	int	 carrier, changed;

	carrier = link_carrier(sc->link);
	if ((changed = carrier != sc->carrier) && sc->link->n < 2)
		log_info("sync link %s is %s", sc->cs->syncdev[0],
		    carrier ? "up" : "down");
	else if (changed)
		log_info("sync links: %s", carrier ? "carrier is back" :
		    "no carrier on any");
	sc->carrier = carrier;
	/* moved: a heartbeat on the new link at once, so that the peer
	 * sees what the old one lost and nacks it (rel.c repairs it) */
	if (link_health(sc->link, now))
		tx_send(sc, 1, now);
	return (changed);
}

/* Two links, every LINK_PROBE_MS: the carriers (a pulled cable moves the
 * datagrams now), the links' health, and a heartbeat on each link that
 * has carried nothing for about that long, so that a silent link is
 * found within LINK_SILENT_MS. The one on the link in use is a heartbeat
 * of the stream; on the other a probe (tx_probe), which the peer takes
 * only as the link heard. */
static void
syncd_link_probe(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*sc = arg;
	uint64_t	 now = clock_ms();
	size_t		 i;

	(void)fd;
	(void)ev;
	if (syncd_link_check(sc, now))
		syncd_demote(sc);
	if (msg_queue_len(sc->outq) > 0)
		syncd_flush(sc);
	for (i = 0; i < sc->link->n; i++) {
		if (!link_probe_due(sc->link, i, now))
			continue;
		if (i == sc->link->active)
			tx_send(sc, 1, now);
		else
			tx_probe(sc, i);
	}
	syncd_schedule(sc);
}

/* Every SYNCD_HEARTBEAT_MS: link, liveness, bulk, demotion. */
void
syncd_on_heartbeat(struct syncd *sc)
{
	uint64_t	 now = clock_ms();

	syncd_link_check(sc, now);
	peer_liveness(sc, now);
	ruleset_tick(sc, now);
	syncd_bulk_do(sc, bulk_tick(&sc->bulk, now, sc->cs->bulk_timeout_ms),
	    0);
	sweep_tick(sc, now);
	if (now - sc->last_sent_ms >= SYNCD_HEARTBEAT_MS / 2)
		tx_send(sc, 1, now);
	syncd_demote(sc);
	syncd_schedule(sc);	/* a bulk retry may be waiting */
}

static void
syncd_heartbeat(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*sc = arg;
	struct timeval	 tv = { 0, SYNCD_HEARTBEAT_MS * 1000 };

	(void)fd;
	(void)ev;
	syncd_on_heartbeat(sc);
	evtimer_add(sc->ev_heartbeat, &tv);
}

/* -------------------------------------------------------- ignore list */

static int
syncd_plen(const struct sockaddr *mask)
{
	const uint8_t	*b;
	size_t		 len, i;
	int		 n = 0;

	if (mask->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)mask)->sin_addr;
		len = 4;
	} else {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)mask)->sin6_addr;
		len = 16;
	}
	for (i = 0; i < len; i++)
		n += __builtin_popcount(b[i]);
	return (n);
}

/* 1 if the interface is one of the syncdevs. */
static int
syncd_is_syncdev(const struct syncd *sc, const char *name)
{
	int	 k;

	for (k = 0; k < sc->cs->nsyncdev; k++)
		if (strcmp(name, sc->cs->syncdev[k]) == 0)
			return (1);
	return (0);
}

/* Every prefix on every syncdev: the sync links' own traffic is never
 * replicated, whatever the config says. */
static size_t
syncd_ignore_syncdev(struct syncd *sc, struct ct_prefix *p, size_t max)
{
	struct ifaddrs	*ifa, *i;
	size_t		 n = 0;

	if (getifaddrs(&ifa) == -1)
		return (0);
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    !syncd_is_syncdev(sc, i->ifa_name))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			memcpy(&p[n].addr, &((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, 4);
		else if (i->ifa_addr->sa_family == AF_INET6)
			memcpy(&p[n].addr, &((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, 16);
		else
			continue;
		p[n].family = (uint8_t)i->ifa_addr->sa_family;
		p[n].plen = (uint8_t)syncd_plen(i->ifa_netmask);
		n++;
	}
	freeifaddrs(ifa);
	return (n);
}

/* Ignore the sync link itself, the peers, and what the config says. */
static int
syncd_ignore(struct syncd *sc)
{
	struct ct_prefix	 p[CONF_MAXIGNORE + 2 + 16];
	const struct conf_addr	*a;
	size_t			 n = 0;
	int			 i;

	memset(p, 0, sizeof(p));
	n = syncd_ignore_syncdev(sc, p, 16);
	for (i = 0; i < sc->cs->nsyncpeer; i++, n++) {
		a = &sc->cs->syncpeer[i];
		p[n].family = (uint8_t)a->af;
		p[n].plen = a->af == AF_INET ? 32 : 128;
		memcpy(&p[n].addr, &a->a, sizeof(a->a));
	}
	for (i = 0; i < sc->cs->nignore; i++, n++) {
		p[n].family = (uint8_t)sc->cs->ignore[i].af;
		p[n].plen = sc->cs->ignore[i].plen;
		memcpy(&p[n].addr, &sc->cs->ignore[i].a,
		    sizeof(sc->cs->ignore[i].a));
	}
	return (ct_set_ignore(p, n));
}

/* ---------------------------------------------------------- start, stop */

static int
syncd_heartbeat_start(struct syncd *sc)
{
	struct timeval	 tv = { 0, SYNCD_HEARTBEAT_MS * 1000 };
	struct timeval	 probe = { 0, LINK_PROBE_MS * 1000 };

	if ((sc->ev_heartbeat = evtimer_new(sc->base, syncd_heartbeat,
	    sc)) == NULL)
		return (-1);
	evtimer_add(sc->ev_heartbeat, &tv);
	/* one link: no probes, as before there were two */
	if (sc->link->n < 2)
		return (0);
	if ((sc->ev_probe = event_new(sc->base, -1, EV_PERSIST,
	    syncd_link_probe, sc)) == NULL)
		return (-1);
	evtimer_add(sc->ev_probe, &probe);
	return (0);
}

/* The first bulk: a node already master (syncd restarted under it)
 * holds no bulk demotion (bulk.c), so it needs carpd's count first. It
 * waits for carpd's monitor snapshot, SYNCD_START_WAIT_MS at most, and
 * not at all when carpd is not there to tell. */
static void
syncd_bulk_first(struct syncd *sc)
{
	if (!sc->bulk_waiting)
		return;
	sc->bulk_waiting = 0;
	if (sc->ev_start != NULL)
		evtimer_del(sc->ev_start);
	syncd_bulk_ask(sc, "start", bulk_start(&sc->bulk, sc->masters,
	    clock_ms()));
	syncd_schedule(sc);
}

static void
syncd_start_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	syncd_bulk_first(arg);
}

static int
syncd_bulk_start(struct syncd *sc)
{
	struct timeval	 tv = { 0, SYNCD_START_WAIT_MS * 1000 };

	sc->start_ms = clock_ms();
	sc->masters = -1;
	sc->bulk_waiting = 1;
	if (!carpwatch_start(sc)) {
		syncd_bulk_first(sc);
		return (0);
	}
	if ((sc->ev_start = evtimer_new(sc->base, syncd_start_timeout,
	    sc)) == NULL)
		return (-1);
	evtimer_add(sc->ev_start, &tv);
	return (0);
}

int
syncd_start(struct syncd *sc)
{
	if (tx_start(sc) == -1 || rx_start(sc) == -1 ||
	    expect_start(sc) == -1)
		return (-1);
	/* the peer refreshes live states every refresh interval (the same
	 * on every node): twice that is the slack on the states it sends */
	ct_set_timeout_slack(2 * sc->cs->refresh_ms / 1000);
	if (syncd_ignore(sc) == -1 || table_start(sc) == -1 ||
	    syncd_heartbeat_start(sc) == -1 || refresh_start(sc) == -1)
		return (-1);
	sc->carrier = link_carrier(sc->link);
	if (syncd_bulk_start(sc) == -1)
		return (-1);
	syncd_schedule(sc);
	return (0);
}

void
syncd_stop(struct syncd *sc)
{
	ct_shutdown();
	expect_stop(sc);
	if (sc->ev_tick != NULL)
		event_free(sc->ev_tick);
	if (sc->ev_heartbeat != NULL)
		event_free(sc->ev_heartbeat);
	if (sc->ev_probe != NULL)
		event_free(sc->ev_probe);
	if (sc->ev_start != NULL)
		event_free(sc->ev_start);
	if (sc->ev_refresh != NULL)
		event_free(sc->ev_refresh);
	peer_free_all(sc);
	link_close(sc->link);
	if (sc->tx != NULL)
		rel_tx_free(sc->tx);
	if (sc->outq != NULL)
		msg_queue_free(sc->outq);
	own_free(sc->own);
	delay_free(sc->delay);
	free(sc->rxd);
	seal_free(sc->seal);
}
