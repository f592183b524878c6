/* carpd's wire: raw CARP_PROTO (carp.h) sockets (IPv4 and IPv6), multicast
 * membership per carpdev, gratuitous ARP and unsolicited NA. Received
 * adverts go to carp_input(). */
#ifndef CARPD_NET_H
#define CARPD_NET_H

#include <net/ethernet.h>
#include <net/if_arp.h>
#include <stdint.h>

#include "carpd.h"

/* ARP over Ethernet for IPv4 as on the wire (RFC 826): net.c's
 * gratuitous ARP, bal_arp.c's answers and probes. */
struct net_arp {
	struct ether_header	 eh;
	struct arphdr		 ah;
	uint8_t			 sha[ETH_ALEN];
	uint8_t			 spa[4];
	uint8_t			 tha[ETH_ALEN];
	uint8_t			 tpa[4];
} __attribute__((packed));

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

/* net_drop.c: why an advert was dropped, one counter each */
enum net_drop_why {
	NET_DROP_MALFORMED,	/* carpd.bad_packets */
	NET_DROP_VHID,		/* carpd.unknown_vhid */
	NET_DROP_TTL,		/* the rest: carp_counters */
	NET_DROP_CKSUM,
	NET_DROP_VERSION,
	NET_DROP_LENGTH,
	NET_DROP_HMAC,
	NET_DROP_REPLAY,
	NET_DROP_LOOP,
	NET_NDROPS
};
int	net_drop_init(struct carpd *);
void	net_drop_cleanup(void);
/* Add one to counter and log the drop, at most one line per reason and
 * 10 s; src is the sender, or NULL if unknown. */
void	net_drop(uint64_t *counter, enum net_drop_why,
	    const struct sockaddr *src);

#endif
