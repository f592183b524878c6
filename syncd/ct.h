/* Kernel conntrack table access for syncd (ctnetlink through libmnl and
 * libnetfilter_conntrack). The rest of syncd only sees struct sync_state:
 *
 *   events  kernel NEW/UPDATE/DESTROY -> on_update/on_delete callbacks,
 *           except what our own apply socket caused (no echo) and ignored
 *           addresses
 *   apply   create-or-update and delete, batched, flushed explicitly
 *   dump    the whole local table, for a bulk sync to a peer
 *
 * One kernel table per daemon: the module keeps its sockets internally,
 * like kroute.c in bgpd. */
#ifndef SYNCD_CT_H
#define SYNCD_CT_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct event_base;
struct nf_conntrack;

struct ct_prefix {
	uint8_t			 family;	/* AF_INET, AF_INET6 */
	uint8_t			 plen;
	union sync_addr		 addr;
};

struct ct_cb {
	void	(*on_update)(const struct sync_state *, void *);
	void	(*on_delete)(const struct sync_state *, void *);
	/* Events were lost (ENOBUFS): resync the peer from ct_dump(). */
	void	(*on_overrun)(void *);
	/* optional: each event of a batch is shown here before any is
	 * passed on, so the lookups it will cause can start together */
	void	(*on_prefetch)(const struct sync_state *, void *);
};

#define CT_ERRNO_MAX		136	/* errors by errno; last slot: others */

struct ct_stats {
	uint64_t		 events;	/* every event read */
	uint64_t		 ignored;	/* ... of which ignored addresses */
	uint64_t		 echo_suppressed; /* ... caused by our apply */
	uint64_t		 applied;	/* apply messages the kernel took */
	uint64_t		 apply_errors;
	uint64_t		 delete_missing; /* delete of an absent entry */
	uint64_t		 overruns;	/* ENOBUFS on the event socket */
	uint32_t		 rcvbuf;	/* current event socket buffer */
	uint64_t		 holds;		/* event reading paused */
	uint64_t		 errors_by_errno[CT_ERRNO_MAX];
};

/* Open the apply socket and, if cb is set, the event socket on base.
 * cb may be NULL (apply and dump only, e.g. tools and tests). */
int	 ct_init(struct event_base *, const struct ct_cb *, void *);
void	 ct_shutdown(void);
/* The event socket's first receive buffer in bytes (`event-buffer`; 0:
 * the default), for the next ct_init. An overrun doubles it. */
void	 ct_set_event_buffer(uint32_t);
/* Stop (1) or resume (0) reading events: while the send queue cannot
 * drain, new events wait in the event socket (kernel memory, up to its
 * buffer) rather than in our queue. A stop takes effect after the read
 * under way. */
void	 ct_events_hold(int);
int	 ct_events_held(void);

/* Never replicate or report states with any address (either tuple) in
 * these prefixes: the sync subnet, each sync peer as a host prefix, and
 * the configured `ignore` ones. Loopback is always ignored. */
int	 ct_set_ignore(const struct ct_prefix *, size_t);
int	 ct_ignored(const struct sync_state *);
int	 ct_prefix_match(const struct ct_prefix *, int,
	    const union sync_addr *);

/* Seconds added to the sender's remaining timeout on apply, so that a
 * state refreshed by the peer every `slack` seconds never expires here
 * while it lives there. 0 (default) applies the timeout as sent. */
void	 ct_set_timeout_slack(uint32_t);

/* Queue a create-or-update / delete; the batch goes to the kernel when
 * full or on ct_apply_flush(). Errors are counted in ct_stats. */
int	 ct_apply_update(const struct sync_state *);
int	 ct_apply_delete(const struct sync_state *);
int	 ct_apply_flush(void);
/* Set the TCP be-liberal flags of a local entry, nothing else. */
int	 ct_apply_liberal(const struct sync_state *);

/* Walk the whole local table (all families and zones), skipping ignored
 * states. Blocks while the kernel dumps: for bulk sync and resync only. */
int	 ct_dump(void (*)(const struct sync_state *, void *), void *);
/* The same walk from the event loop, a few buffers a turn, for the
 * periodic refresh; done(0 or -1, arg) at the end. One at a time
 * (-1 with EBUSY); ct_dump_busy() says whether one runs. */
int	 ct_dump_async(struct event_base *,
	    void (*)(const struct sync_state *, void *),
	    void (*)(int, void *), void *);
int	 ct_dump_busy(void);

/* One entry, as it is now (see ct.c); -1 with ENOENT if it is gone. */
int	 ct_get(const struct sync_state *key, struct sync_state *out);
/* The same by key's reply tuple (family, l4proto, zone, reply). */
int	 ct_get_reply(const struct sync_state *key, struct sync_state *out);

const struct ct_stats	*ct_stats(void);

/* Conversions, exposed for the unit tests. CT_NFCT_NAT is the form the
 * kernel wants to create a NATed entry: the reply tuple before NAT plus
 * explicit SNAT/DNAT bindings taken from the real reply tuple. */
#define CT_NFCT_NAT		0x01
int	 ct_from_nfct(const struct nf_conntrack *, struct sync_state *);
int	 ct_to_nfct(const struct sync_state *, struct nf_conntrack *, int);
uint32_t ct_apply_status(uint32_t);

#endif
