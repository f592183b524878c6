/* Kernel conntrack expectations for syncd (ctnetlink's expectation
 * subsystem through libmnl and libnetfilter_conntrack's nfexp API). The
 * rest of syncd only sees struct sync_expect (proto/sync.h):
 *
 *   events  kernel NEW/DESTROY -> on_expect, except those our own apply
 *           socket caused (no echo)
 *   apply   create and delete, one request each (expectations are few)
 *   dump    every expectation, for a bulk or a repair
 *
 * Like ct.h, one kernel per daemon: the sockets are the module's. The
 * unit tests link tests/unit/stub_ct_expect.c in its place. */
#ifndef SYNCD_CT_EXPECT_H
#define SYNCD_CT_EXPECT_H

#include <stdint.h>

#include "sync.h"

struct event_base;
struct nf_expect;

enum ct_expect_op {
	CT_EXPECT_NEW = 0,
	CT_EXPECT_DESTROY,
	CT_EXPECT_LOST,		/* events were dropped: dump again */
};

/* x is NULL for CT_EXPECT_LOST. */
typedef void	(*ct_expect_cb)(enum ct_expect_op, const struct sync_expect *,
		    void *);

struct ct_expect_stats {
	uint64_t	 events;	/* every event read */
	uint64_t	 echo_suppressed; /* ... caused by our apply */
	uint64_t	 overruns;
};

/* Open the apply socket and, if cb is set, the event socket on base. */
int	 ct_expect_init(struct event_base *, ct_expect_cb, void *);
void	 ct_expect_shutdown(void);

/* Create x under its master; delete by x's key. 0, or -1 with the
 * kernel's errno: ENOENT (create: no master here yet; delete: no such
 * expectation), EEXIST (already there), EOPNOTSUPP (the master has no
 * helper here), ... */
int	 ct_expect_apply_update(const struct sync_expect *);
int	 ct_expect_apply_delete(const struct sync_expect *);

/* Walk every expectation of the kernel (all families and zones). */
int	 ct_expect_dump(void (*)(const struct sync_expect *, void *), void *);

const struct ct_expect_stats *ct_expect_stats(void);

/* Conversions (ct_expect_conv.c), exposed for the unit tests. */
int	 ct_expect_from_nfexp(const struct nf_expect *, struct sync_expect *);
int	 ct_expect_to_nfexp(const struct sync_expect *, struct nf_expect *,
	    int keyonly);

#endif
