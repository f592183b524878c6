/* carpd's wire: raw CARP_PROTO (carp.h) sockets (IPv4 and IPv6), multicast
 * membership per carpdev, gratuitous ARP and unsolicited NA. Received
 * adverts go to carp_input(). */
#ifndef CARPD_NET_H
#define CARPD_NET_H

#include "carpd.h"

int	net_init(struct carpd *);
void	net_cleanup(void);
/* Join (or leave) the carp's multicast group(s) on its carpdev, for every
 * address family the carp has addresses in. */
int	net_join(struct carp_if *);
void	net_leave(struct carp_if *);
/* carp_ops members */
int	net_source(struct carp_if *, int af, struct sockaddr_storage *);
int	net_send(struct carp_if *, int af, const uint8_t *, size_t);
void	net_announce(struct carp_if *);

/* net_drop.c: the drop counters (NET_NDROPS of them) taken before and
 * after each packet read; one moved makes a rate-limited log line. */
#define NET_NDROPS	9
int	net_drop_init(struct carpd *);
void	net_drop_cleanup(void);
void	net_drop_before(uint64_t *);
void	net_drop_after(const uint64_t *, const struct sockaddr *src);

#endif
