/* Bulk sync decisions (see bulk.h). No I/O here but the log. */
#include <stdio.h>

#include "bulk.h"
#include "log.h"

static int
bulk_begin(struct bulk *b, int hold, uint64_t now)
{
	b->hold = hold;
	b->in_progress = 1;
	b->in_sync = 0;
	b->start_ms = now;
	b->last_req_ms = now;
	return (BULK_ASK | BULK_DEMOTE | BULK_BEGIN);
}

int
bulk_start(struct bulk *b, int masters, uint64_t now)
{
	if (masters > 0)
		log_info("sync: this node is master: no bulk demotion");
	return (bulk_begin(b, masters <= 0, now));
}

/* A resync holds the demotion only on a node known not to be master
 * (masters 0): before carpd's first count (a peer heard while the start
 * bulk waits for it) the start bulk decides. One while a bulk is under
 * way asks again (the lost part may be newer than the peer's dump) but
 * keeps the bulk's start: the timeout still counts from the first. */
int
bulk_resync(struct bulk *b, int masters, uint64_t now)
{
	if (b->in_progress) {
		b->last_req_ms = now;
		return (BULK_ASK);
	}
	return (bulk_begin(b, masters == 0, now));
}

int
bulk_end(struct bulk *b, uint32_t node, uint64_t now)
{
	int	 ours = b->in_progress;

	if (ours)
		log_info("sync: in sync with node %08x after %llu ms", node,
		    (unsigned long long)(now - b->start_ms));
	b->in_progress = 0;
	b->in_sync = 1;
	return (BULK_DEMOTE | (ours ? BULK_SWEEP : 0));
}

int
bulk_tick(struct bulk *b, uint64_t now, unsigned timeout_ms)
{
	if (!b->in_progress)
		return (0);
	if (now - b->start_ms >= timeout_ms) {
		b->in_progress = 0;
		return (BULK_GAVE_UP | BULK_DEMOTE);
	}
	if (now - b->last_req_ms >= BULK_RETRY_MS) {
		b->last_req_ms = now;
		return (BULK_ASK);
	}
	return (0);
}

/* The peer is silent only once it had the time to be heard: right after
 * a start it is unknown, and demoting a master for that would hand its
 * addresses away. A silent peer never demotes a master either: the
 * master's own loop may be what kept the peer unheard (a flood, a long
 * dump), and a peer whose syncd died is demoted by its own carpd
 * (PROTOCOL.md 6.8). A link without carrier demotes every node. */
static int
bulk_peer_down(const struct bulk_link *l)
{
	if (!l->carrier)
		return (1);
	return (l->peers_alive == 0 && l->settled && !l->master);
}

int
bulk_demotion(const struct bulk *b, const struct bulk_link *l)
{
	int	 n = 0;

	if (b->in_progress && b->hold)
		n += l->bulk_demote;
	if (bulk_peer_down(l))
		n += l->link_demote;
	return (n > 255 ? 255 : n);
}

void
bulk_demotion_why(const struct bulk *b, const struct bulk_link *l,
    char *buf, size_t len)
{
	int		 bulk = b->in_progress && b->hold;
	int		 n = bulk_demotion(b, l);
	const char	*link;

	if (n == 0)
		link = b->in_sync ? "in sync, peer alive" :
		    "bulk given up, peer alive";
	else if (!l->carrier)
		link = "sync link down";
	else
		link = bulk_peer_down(l) ? "no live peer" : "";
	snprintf(buf, len, "%s%s%s", bulk ? "bulk sync" : "",
	    bulk && n > l->bulk_demote ? ", " : "", link);
}
