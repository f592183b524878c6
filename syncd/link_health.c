/* Which sync link is up, and which one carries the datagrams
 * (docs/PROTOCOL.md 6.17). No sockets here: link.c reads the carriers
 * and notes what it sent, rx.c says when a datagram verified, the engine
 * runs link_health() and sends the heartbeats link_probe_due() asks for.
 *
 * The rule: a link is up while its syncdev has carrier and an authentic
 * datagram was heard on it within silent_ms, and (two links) the peer
 * said within silent_ms that it hears us on it: every datagram of a
 * node of two links reports which of its links hear the peer, so a link
 * that fails one way, our datagrams lost and the peer's arriving, is
 * left all the same (once a peer has reported at all: a peer of one
 * link says nothing). Datagrams take the first
 * link that is up; the first link takes them back only after it has been
 * up for LINK_FAILBACK_MS, so that a flapping cable does not bounce the
 * stream. With no link up they stay where they are while it has carrier
 * (the peer may be what is silent), else go to the first with carrier.
 * The stream is one (rel.c's sequence numbers, windows and repairs): a
 * move loses nothing and needs no resync. */
#include "link.h"
#include "log.h"

static uint64_t
link_since(uint64_t now, uint64_t then)
{
	return (now > then ? now - then : 0);
}

void
link_health_init(struct sync_link *set, uint64_t now)
{
	size_t	 i;

	set->silent_ms = set->n > 1 ? LINK_SILENT_MS : LINK_SILENT1_MS;
	set->active = 0;
	/* right after start the peer is unknown, not silent */
	for (i = 0; i < set->n; i++) {
		set->paths[i].heard_ms = now;
		set->paths[i].up_ms = now;
		set->paths[i].peer_heard_ms = now;
		set->paths[i].up = set->paths[i].carrier;
	}
}

int
link_any_carrier(const struct sync_link *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		if (set->paths[i].carrier)
			return (1);
	return (0);
}

void
link_heard(struct sync_link *set, uint64_t now)
{
	if (set->reading != NULL)
		set->reading->heard_ms = now;
}

static int
link_hears(const struct sync_link *set, const struct link_path *l,
    uint64_t now)
{
	return (l->carrier && link_since(now, l->heard_ms) < set->silent_ms);
}

uint32_t
link_heard_bits(const struct sync_link *set, uint64_t now)
{
	uint32_t	 bits = 0;
	size_t		 i;

	for (i = 0; i < set->n; i++)
		if (link_hears(set, &set->paths[i], now))
			bits |= 1u << i;
	return (bits);
}

void
link_peer_heard(struct sync_link *set, uint32_t bits, uint64_t now)
{
	size_t	 i;

	set->peer_reports = 1;
	for (i = 0; i < set->n; i++)
		if (bits & (1u << i))
			set->paths[i].peer_heard_ms = now;
}

void
link_use(struct sync_link *set, int i)
{
	set->use = i >= 0 && (size_t)i < set->n ? i : -1;
}

int
link_probe_due(const struct sync_link *set, size_t i, uint64_t now)
{
	const struct link_path	*l = &set->paths[i];

	/* a little early rather than a timer tick late */
	return (set->n > 1 && i < set->n && l->carrier &&
	    link_since(now, l->sent_ms) >= LINK_PROBE_MS * 3 / 4);
}

static void
link_path_health(struct sync_link *set, struct link_path *l, uint64_t now)
{
	int	 up;

	up = link_hears(set, l, now) && (set->n < 2 || !set->peer_reports ||
	    link_since(now, l->peer_heard_ms) < set->silent_ms);
	if (up == l->up)
		return;
	l->up = up;
	if (up)
		l->up_ms = now;
	/* one link: carrier and the peer's death say it all (engine.c) */
	if (set->n < 2)
		return;
	if (up)
		log_info("sync link %s is up", l->ifname);
	else if (!l->carrier)
		log_info("sync link %s is down: no carrier", l->ifname);
	else if (link_since(now, l->heard_ms) < set->silent_ms)
		log_info("sync link %s is down: the peer has not heard us on "
		    "it for %llu ms", l->ifname, (unsigned long long)
		    link_since(now, l->peer_heard_ms));
	else
		log_info("sync link %s is down: nothing heard for %llu ms",
		    l->ifname, (unsigned long long)link_since(now,
		    l->heard_ms));
}

/* The link datagrams should take now (the rule above). */
static size_t
link_choose(const struct sync_link *set, uint64_t now)
{
	const struct link_path	*l;
	size_t			 i;

	for (i = 0; i < set->n; i++) {
		l = &set->paths[i];
		if (!l->up)
			continue;
		/* reached past the link in use only if that one is down */
		if (i >= set->active || !set->paths[set->active].up ||
		    link_since(now, l->up_ms) >= LINK_FAILBACK_MS)
			return (i);
	}
	if (set->paths[set->active].carrier)
		return (set->active);
	for (i = 0; i < set->n; i++)
		if (set->paths[i].carrier)
			return (i);
	return (set->active);
}

int
link_health(struct sync_link *set, uint64_t now)
{
	size_t	 i, to;

	for (i = 0; i < set->n; i++)
		link_path_health(set, &set->paths[i], now);
	if (set->n < 2 || (to = link_choose(set, now)) == set->active)
		return (0);
	log_info("sync: datagrams move from link %s to %s (%s)",
	    set->paths[set->active].ifname, set->paths[to].ifname,
	    set->paths[set->active].up ? "back to the first link" :
	    "link down");
	set->active = to;
	set->switches++;
	return (1);
}
