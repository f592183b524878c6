/* The kernel side of the ruleset digest (ruleset_kern.c): nftables'
 * change notifications and the dumps, behind one narrow interface so
 * that ruleset.c is tested without a kernel (tests/unit stubs it). */
#ifndef SYNCD_RULESET_KERN_H
#define SYNCD_RULESET_KERN_H

#include <stdint.h>
#include <event2/event.h>

#include "ruleset_canon.h"

/* A digest of the ruleset as it is now (RS_DIGEST_LEN bytes), or NULL
 * when it could not be taken (the dump failed or never settled). */
typedef void	(*rk_cb)(const uint8_t *digest, void *arg);

/* Watch nftables' changes and dump the ruleset now and after each: the
 * digest goes to cb, from the event loop. -1 with errno if the sockets
 * cannot be opened (no CAP_NET_ADMIN): no digest then. */
int	rk_open(struct event_base *, rk_cb cb, void *arg);
void	rk_close(void);

#endif
