/* Asymmetric paths (a balanced carp; the rule: docs/PROTOCOL.md, section
 * 6.12). Both nodes forward, and a connection's first reply may reach
 * the node that did not see its first packet. Here: the callback that
 * decides whether such a reply waits for the peer's state (defer.c's
 * "first" hook), and the echo filter.
 *
 * The echo: when defer holds a first reply on the forward hook, the
 * state as conntrack just changed it (SYN_RECV) goes to the peer at
 * once (syncd_defer). The kernel event of that same change comes only
 * after the packet is released (events are delivered when the packet
 * leaves the hooks), and would go on the next flush, by which time the
 * client's ACK has crossed the peer and made its copy ESTABLISHED: the
 * stale SYN_RECV then goes backwards there (the kernel refuses it, or a
 * state without NAT is deleted and created again older). So an event
 * that says exactly what the defer path sent, within a second, is not
 * sent again. */
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "defer.h"
#include "defer_ring.h"
#include "syncd.h"

#define ASYM_ECHO_MS	1000

static uint64_t
asym_hash(const struct sync_state *s)
{
	struct sync_key	 k;
	uint64_t	 h;

	msg_state_key(s, &k);
	h = sync_key_hash64(&k);
	return (h != 0 ? h : 1);
}

/* One slot per key hash: O(1) on every kernel event. A collision
 * overwrites the older entry, whose echo then goes: harmless. */
void
asym_sent(struct syncd *sc, const struct sync_state *s)
{
	struct asym_echo	*e;
	uint64_t		 h;

	if (!sc->asym)
		return;
	h = asym_hash(s);
	e = &sc->echo[h % SYNCD_ECHO];
	e->hash = h;
	e->ms = clock_ms();
	e->status = s->status;
	e->tcp_state = s->tcp_state;
}

/* 1 if s is the event of a change the defer path sent already. */
int
asym_echo(struct syncd *sc, const struct sync_state *s)
{
	uint64_t		 h = asym_hash(s);
	struct asym_echo	*e = &sc->echo[h % SYNCD_ECHO];

	if (e->hash != h || clock_ms() - e->ms > ASYM_ECHO_MS)
		return (0);
	e->hash = 0;
	return (e->status == s->status && e->tcp_state == s->tcp_state);
}

/* defer.c's callback for a first reply before conntrack: it passes if
 * the kernel knows its connection (by the reply tuple the packet
 * carries, NAT included) or no peer is alive to send it; otherwise it
 * waits for the peer's state. */
int
syncd_defer_first(const struct defer_flow *f, void *arg)
{
	struct syncd		*sc = arg;
	struct sync_state	 key, cur;

	defer_flow_key(f, 1, &key);
	if (ct_get_reply(&key, &cur) == 0 || syncd_peers_alive(sc) == 0)
		return (-1);
	return (0);
}
