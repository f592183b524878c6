/* Balancing, the kernel side of a balanced carp (docs/PROTOCOL.md
 * section 4.4, docs/ARCHITECTURE.md "Balancing"):
 *
 *   bal_arp.c  pure: read an ARP request, decide whether this node
 *              answers it, build the reply and the probe that teaches
 *              the switch a slot's MAC; the pairs the ip filter passes
 *   bal_nft.c  the nftables tables (libnftnl): netdev ingress on the
 *              carpdev (pkttype host, the ip pair filter), arp input and
 *              output (the kernel never answers for the addresses)
 *   bal_kern.c the carp_ops bal_* entries: the AF_PACKET socket for ARP,
 *              its event, the device filters, and the calls above
 *
 * The unit tests link bal_arp.c alone: everything that talks to the
 * kernel stays in the two other files. */
#ifndef CARPD_BAL_H
#define CARPD_BAL_H

#include <stddef.h>
#include <stdint.h>

#include "carpd.h"

#define BAL_ARP_FRAMELEN	60	/* Ethernet minimum, without FCS */
#define BAL_PAIRS_MAX		65536	/* every (source, destination) byte */

/* The fields of an ARP request that matter to us. */
struct bal_arp_req {
	uint8_t		 src[6];	/* Ethernet source */
	uint8_t		 sha[6];
	uint8_t		 spa[4];
	uint8_t		 tpa[4];
};

enum bal_arp_verdict {
	BAL_ARP_BAD = 0,	/* short or malformed: cnt.arp_bad */
	BAL_ARP_IGNORE,		/* not a question about our addresses */
	BAL_ARP_OTHER,		/* for us, but another node answers it */
	BAL_ARP_ANSWER		/* for us, and we answer it */
};

/* The share that counts: a node whose addresses are not installed does
 * not attract traffic, whatever it masters. */
uint32_t	bal_share_live(const struct carp_bal *);

/* Parse an Ethernet frame (header included); BAL_ARP_BAD if it claims
 * to be ARP over Ethernet/IPv4 and is not, BAL_ARP_IGNORE if it is no
 * request, BAL_ARP_ANSWER (req filled) for a well formed request. */
enum bal_arp_verdict bal_arp_parse(const uint8_t *, size_t,
		    struct bal_arp_req *);
/* Who answers a parsed request: BAL_ARP_IGNORE for another address or
 * an announcement (probe, gratuitous ARP), BAL_ARP_OTHER or
 * BAL_ARP_ANSWER; *slot is the slot the requester hashes to (arp mode)
 * or 0 (ip modes). */
enum bal_arp_verdict bal_arp_decide(const struct carp_bal *,
		    const struct bal_arp_req *, int *slot);
/* The reply to req for slot, BAL_ARP_FRAMELEN bytes. */
void		bal_arp_reply(const struct carp_bal *,
		    const struct bal_arp_req *, int slot,
		    uint8_t frame[BAL_ARP_FRAMELEN]);
/* The probe that makes the switch learn slot's MAC: sender IP 0.0.0.0,
 * target the first IPv4 address. -1 if the carp has none. */
int		bal_arp_probe(const struct carp_bal *, int slot,
		    uint8_t frame[BAL_ARP_FRAMELEN]);
/* All of the above on one received frame, counted in bal->cnt: the
 * frame to send back in out, or 0 if none. */
size_t		bal_arp_input(struct carp_bal *, const uint8_t *, size_t,
		    uint8_t out[BAL_ARP_FRAMELEN]);

/* The (source, destination) last-byte pairs this share forwards in the
 * ip modes, in pairs[i][0], pairs[i][1] (room for BAL_PAIRS_MAX); their
 * count. */
size_t		bal_pairs(uint32_t share, unsigned nslots,
		    uint8_t (*pairs)[2]);

/* bal_nft.c: the tables of a balanced carp, named after it. install
 * replaces any left by an earlier carpd; update rewrites the sets from
 * share (live share, see above). 0, or -1 with errno. */
int		bal_nft_install(const struct carp_bal *);
int		bal_nft_update(const struct carp_bal *, uint32_t share);
void		bal_nft_remove(const struct carp_bal *);

/* bal_kern.c: the carp_ops entries */
int		bal_kern_open(struct carp_bal *);
int		bal_kern_update(struct carp_bal *);
void		bal_kern_learn(struct carp_bal *, int slot);
void		bal_kern_close(struct carp_bal *);

#endif
