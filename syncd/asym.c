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
#include "own.h"
#include "syncd.h"

#define ASYM_ECHO_MS	1000

static uint64_t
asym_hash(const struct sync_key *k)
{
	uint64_t	 h = sync_key_hash64(k);

	return (h != 0 ? h : 1);
}

/* One slot per key hash: O(1) on every kernel event. A collision
 * overwrites the older entry, whose echo then goes: harmless. */
void
asym_sent(struct syncd *sc, const struct sync_state *s)
{
	struct asym_echo	*e;
	struct sync_key		 k;
	uint64_t		 h;

	if (!sc->asym)
		return;
	msg_state_key(s, &k);
	h = asym_hash(&k);
	e = &sc->echo[h % SYNCD_ECHO];
	e->hash = h;
	e->ms = clock_ms();
	e->status = s->status;
	e->tcp_state = s->tcp_state;
}

/* 1 if s (key k) is the event of a change the defer path sent already. */
static int
asym_echo_key(struct syncd *sc, const struct sync_key *k,
    const struct sync_state *s)
{
	uint64_t		 h = asym_hash(k);
	struct asym_echo	*e = &sc->echo[h % SYNCD_ECHO];

	if (e->hash != h || clock_ms() - e->ms > ASYM_ECHO_MS)
		return (0);
	e->hash = 0;
	return (e->status == s->status && e->tcp_state == s->tcp_state);
}

int
asym_echo(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key	 k;

	msg_state_key(s, &k);
	return (asym_echo_key(sc, &k, s));
}

/* A kernel event on a balanced carp's node, with one key for both
 * questions: the echo of what the defer path sent (dropped), a state
 * this node has not sent before (it goes at the end of the loop's
 * turn), or any other change. */
enum asym_kind
asym_event(struct syncd *sc, const struct sync_state *s)
{
	struct sync_key	 k;
	struct own_info	*oi;

	msg_state_key(s, &k);
	if (asym_echo_key(sc, &k, s))
		return (ASYM_ECHO);
	if ((oi = own_get(sc->own, &k)) == NULL || oi->origin == OWN_GONE)
		return (ASYM_NEW);
	return (ASYM_CHANGE);
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

	/* the peer count first: it costs no round trip to the kernel */
	if (syncd_peers_alive(sc) == 0)
		return (-1);
	defer_flow_key(f, 1, &key);
	return (ct_get_reply(&key, &cur) == 0 ? -1 : 0);
}
