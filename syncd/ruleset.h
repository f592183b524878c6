/* The nftables ruleset against the peers' (ruleset.c; docs/PROTOCOL.md,
 * section 6.18). Every call is a no-op while sc->ruleset is NULL (the
 * unit tests' engines, which never start it). */
#ifndef SYNCD_RULESET_H
#define SYNCD_RULESET_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "sync.h"

struct syncd;

/* Start watching the ruleset (before the privilege drop: it opens its
 * sockets). Not fatal: without nftables there is no digest, and the
 * state says why. */
void	 ruleset_start(struct syncd *);
void	 ruleset_stop(struct syncd *);
/* Our digest for the next datagram's heartbeat: its length (0: none),
 * when one is due (every SYNCD_HEARTBEAT_MS and as soon as it changes)
 * or the datagram carries a heartbeat anyway. */
size_t	 ruleset_wire(struct syncd *, int heartbeat, uint64_t now,
	    uint8_t out[MSG_RULESET_LEN]);
/* A fresh datagram of node, from, carried its digest. */
void	 ruleset_heard(struct syncd *, uint32_t node,
	    const struct sockaddr_storage *from,
	    const uint8_t digest[MSG_RULESET_LEN], uint64_t now);
/* Every heartbeat: a peer silent for SYNCD_DEAD_MS is forgotten. */
void	 ruleset_tick(struct syncd *, uint64_t now);
/* ruleset-demote while a live peer's ruleset differs, else 0. */
int	 ruleset_demotion(const struct syncd *);
void	 ruleset_fill(const struct syncd *, CtlSync *);

#endif
