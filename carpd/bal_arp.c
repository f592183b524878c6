/* ARP for a balanced carp (docs/PROTOCOL.md section 4.4, "Answering
 * ARP"): pure, no kernel, so the unit tests feed it frames.
 *
 * The kernel never answers ARP for the carp's addresses (bal_nft.c drops
 * the requests on arp input); carpd reads them on a packet socket and
 * answers here:
 *
 * - arp mode: the requester's sender MAC hashes to a slot
 *   (balance_arp_index); the node that masters that slot answers, with
 *   the slot's virtual MAC as sender hardware address and as Ethernet
 *   source (the switch learns it on the master's port);
 * - ip modes: every node that masters a slot answers, with the cluster
 *   MAC as sender hardware address but its own MAC as Ethernet source,
 *   so that the switch never learns the cluster MAC and keeps flooding.
 *
 * Probes (sender IP 0.0.0.0) and gratuitous ARP (sender IP one of ours)
 * are no questions and get no answer: the other node's probe that
 * teaches the switch a slot's MAC must not be answered either. */
#include <sys/types.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>

#include "balance.h"
#include "bal.h"
#include "net.h"

uint32_t
bal_share_live(const struct carp_bal *bal)
{
	return (bal->addrs_installed ? bal->share : 0);
}

/* The carp's IPv4 address equal to ip (4 bytes, network order): its
 * index, or -1. */
static int
bal_arp_vip(const struct carp_bal *bal, const uint8_t ip[4])
{
	int	 i;

	for (i = 0; i < bal->conf.naddrs; i++)
		if (bal->conf.addrs[i].af == AF_INET &&
		    memcmp(&bal->conf.addrs[i].a.v4, ip, 4) == 0)
			return (i);
	return (-1);
}

enum bal_arp_verdict
bal_arp_parse(const uint8_t *pkt, size_t len, struct bal_arp_req *req)
{
	struct net_arp	 f;
	static const uint8_t	 zero[ETH_ALEN];

	if (len < sizeof(f))
		return (BAL_ARP_BAD);
	memcpy(&f, pkt, sizeof(f));
	if (ntohs(f.eh.ether_type) != ETHERTYPE_ARP)
		return (BAL_ARP_IGNORE);
	if (ntohs(f.ah.ar_hrd) != ARPHRD_ETHER ||
	    ntohs(f.ah.ar_pro) != ETHERTYPE_IP ||
	    f.ah.ar_hln != ETH_ALEN || f.ah.ar_pln != 4)
		return (BAL_ARP_BAD);
	if (ntohs(f.ah.ar_op) != ARPOP_REQUEST)
		return (BAL_ARP_IGNORE);
	/* the answer goes to the sender's MAC: never to a group or nobody */
	if ((f.sha[0] & 1) != 0 || memcmp(f.sha, zero, ETH_ALEN) == 0)
		return (BAL_ARP_BAD);
	memcpy(req->src, f.eh.ether_shost, ETH_ALEN);
	memcpy(req->sha, f.sha, ETH_ALEN);
	memcpy(req->spa, f.spa, 4);
	memcpy(req->tpa, f.tpa, 4);
	return (BAL_ARP_ANSWER);
}

enum bal_arp_verdict
bal_arp_decide(const struct carp_bal *bal, const struct bal_arp_req *req,
    int *slot)
{
	static const uint8_t	 any[4];
	uint32_t		 share = bal_share_live(bal);

	*slot = 0;
	if (bal_arp_vip(bal, req->tpa) == -1)
		return (BAL_ARP_IGNORE);
	if (memcmp(req->spa, any, 4) == 0 || bal_arp_vip(bal, req->spa) != -1)
		return (BAL_ARP_IGNORE);
	if (bal->conf.balancing != BAL_ARP)
		return (share != 0 ? BAL_ARP_ANSWER : BAL_ARP_OTHER);
	*slot = (int)balance_arp_index(req->sha, ETH_ALEN,
	    (unsigned)bal->nslots);
	return (balance_mine(share, (unsigned)*slot) ? BAL_ARP_ANSWER :
	    BAL_ARP_OTHER);
}

/* An ARP frame of op with the given addresses, padded. */
static void
bal_arp_build(uint8_t frame[BAL_ARP_FRAMELEN], int op, const uint8_t *dst,
    const uint8_t *src, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *tha, const uint8_t *tpa)
{
	struct net_arp	 f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eh.ether_dhost, dst, ETH_ALEN);
	memcpy(f.eh.ether_shost, src, ETH_ALEN);
	f.eh.ether_type = htons(ETHERTYPE_ARP);
	f.ah.ar_hrd = htons(ARPHRD_ETHER);
	f.ah.ar_pro = htons(ETHERTYPE_IP);
	f.ah.ar_hln = ETH_ALEN;
	f.ah.ar_pln = 4;
	f.ah.ar_op = htons((uint16_t)op);
	memcpy(f.sha, sha, ETH_ALEN);
	memcpy(f.spa, spa, 4);
	memcpy(f.tha, tha, ETH_ALEN);
	memcpy(f.tpa, tpa, 4);
	memset(frame, 0, BAL_ARP_FRAMELEN);
	memcpy(frame, &f, sizeof(f));
}

void
bal_arp_reply(const struct carp_bal *bal, const struct bal_arp_req *req,
    int slot, uint8_t frame[BAL_ARP_FRAMELEN])
{
	const uint8_t	*src, *sha;

	if (bal->conf.balancing == BAL_ARP) {
		src = sha = bal->mac[slot];
	} else {
		src = bal->devmac;
		sha = bal->cluster_mac;
	}
	bal_arp_build(frame, ARPOP_REPLY, req->sha, src, sha, req->tpa,
	    req->sha, req->spa);
}

int
bal_arp_probe(const struct carp_bal *bal, int slot,
    uint8_t frame[BAL_ARP_FRAMELEN])
{
	static const uint8_t	 bcast[ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	static const uint8_t	 zero[ETH_ALEN];
	int			 i;

	for (i = 0; i < bal->conf.naddrs; i++)
		if (bal->conf.addrs[i].af == AF_INET)
			break;
	if (i == bal->conf.naddrs || slot < 0 || slot >= bal->nslots)
		return (-1);
	bal_arp_build(frame, ARPOP_REQUEST, bcast, bal->mac[slot],
	    bal->mac[slot], zero, zero,
	    (const uint8_t *)&bal->conf.addrs[i].a.v4);
	return (0);
}

size_t
bal_arp_input(struct carp_bal *bal, const uint8_t *pkt, size_t len,
    uint8_t out[BAL_ARP_FRAMELEN])
{
	struct bal_arp_req	 req;
	enum bal_arp_verdict	 v;
	int			 slot;

	if ((v = bal_arp_parse(pkt, len, &req)) == BAL_ARP_BAD)
		bal->cnt.arp_bad++;
	if (v != BAL_ARP_ANSWER)
		return (0);
	if ((v = bal_arp_decide(bal, &req, &slot)) == BAL_ARP_IGNORE)
		return (0);
	bal->cnt.arp_requests++;
	if (v == BAL_ARP_OTHER) {
		bal->cnt.arp_others++;
		return (0);
	}
	bal->cnt.arp_replies++;
	bal_arp_reply(bal, &req, slot, out);
	return (BAL_ARP_FRAMELEN);
}

/* ip modes: a packet from s to d (last bytes) is this node's when its
 * balance_ip_index slot is in share; the kernel filter matches the
 * pairs, as nft cannot XOR two fields (carpd/balance.c). */
size_t
bal_pairs(uint32_t share, unsigned nslots, uint8_t (*pairs)[2])
{
	uint8_t		 s[1], d[1];
	unsigned	 i, j;
	size_t		 n = 0;

	for (i = 0; i < 256; i++)
		for (j = 0; j < 256; j++) {
			s[0] = (uint8_t)i;
			d[0] = (uint8_t)j;
			if (!balance_mine(share,
			    balance_ip_index(s, d, 1, nslots)))
				continue;
			pairs[n][0] = s[0];
			pairs[n][1] = d[0];
			n++;
		}
	return (n);
}
