/* Stubs of syncd's kernel and network for the engine tests: an
 * in-memory conntrack table per node (stub_ct.c, in place of ct.c), an
 * in-memory wire between the nodes' links (stub_link.c, in place of
 * link.c), defer.h's calls (stub_defer.c) and a clock the test moves
 * (stub_clock.c, in place of common/clock.c). They are linked before
 * libsyncd.a, which then never pulls the real ct.o, link.o, defer.o.
 *
 * ct.h is one table per process; here there is one per node, and the
 * node the stubs act for is the selected one. The wire selects the
 * receiving node before it hands a datagram over; a test selects a node
 * before it calls into that node's engine. */
#ifndef STUB_KERN_H
#define STUB_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "syncd/state.h"

#define STUB_NODES	4
#define STUB_CT_MAX	1024

/* clock */
void		 stub_clock_set(uint64_t);
void		 stub_clock_add(uint64_t);

/* the node the stubs act for */
void		 stub_select(int);
int		 stub_selected(void);

/* conntrack: what the kernel of node n does on its own (an event
 * follows, as from ctnetlink), and what the test reads back. */
void		 stub_ct_reset(void);
void		 stub_ct_event_update(int n, const struct sync_state *);
void		 stub_ct_event_delete(int n, const struct sync_state *);
/* without an event, as if the event was lost */
void		 stub_ct_put(int n, const struct sync_state *);
void		 stub_ct_drop(int n, const struct sync_state *);
void		 stub_ct_overrun(int n);
const struct sync_state *stub_ct_find(int n, const struct sync_state *key);
size_t		 stub_ct_count(int n);
/* deliver the events held back by ct_events_hold, where released */
void		 stub_ct_run(void);
/* kernel table walks node n made */
unsigned int	 stub_ct_dumps(int n);
/* stub_ct_walk_hold(n, 1): node n's next ct_dump_async reads its table
 * at once but hands the states over only at stub_ct_walk_finish(n), and
 * ct_dump_busy() is 1 in between, as a kernel dump read a few buffers a
 * turn, with events coming between the buffers. */
void		 stub_ct_walk_hold(int n, int on);
int		 stub_ct_walk_finish(int n);

/* wire: every datagram a node sends reaches every other node's link
 * (multicast), in order, when the test runs the wire. A filter may
 * change a datagram's fate. */
enum stub_fate {
	STUB_DELIVER = 0,
	STUB_DROP,
	STUB_DUP,	/* delivered twice */
	STUB_CORRUPT,	/* one byte flipped */
};
typedef enum stub_fate (*stub_filter)(int from, int to, const uint8_t *,
		    size_t, void *);
void		 stub_wire_reset(void);
void		 stub_wire_filter(stub_filter, void *);
/* Deliver until nothing is in flight (bounded); datagrams sent while
 * delivering join the queue. The number delivered. */
size_t		 stub_wire_run(void);
size_t		 stub_wire_pending(void);
/* Hand raw bytes to node n's engine, as if from the wire. */
void		 stub_wire_inject(int n, const uint8_t *, size_t);
/* Queue bytes as if node from had sent them to node to. */
void		 stub_wire_put(int from, int to, const uint8_t *, size_t);
/* Every datagram node n sent so far can be read back (for replays). */
size_t		 stub_wire_sent(int n);
const uint8_t	*stub_wire_sent_get(int n, size_t i, size_t *len);
void		 stub_link_carrier(int n, int up);

/* defer: the last token node n released (defer_ack), 0 if none */
uint32_t	 stub_defer_acked(int n);

#endif
