/* The balancing hash (docs/PROTOCOL.md section 4.4): a host or a flow is
 * mapped to an index into the ordered carpnodes list, and the master of
 * that vhid handles it. Every node computes the same index for the same
 * packet, so the result may depend only on the packet's bytes and the
 * length of the list: bytes are read in network order, never as host
 * words, and there is no per-boot random key. */
#include <stddef.h>
#include <stdint.h>

#include "carpd/balance.h"

/* FNV-1a over the bytes, then a final avalanche: the raw FNV low bits
 * follow the last byte too closely, and ARP requesters on one LAN often
 * differ only in the last byte of their MAC. */
static uint32_t
balance_bytes_hash(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return (h);
}

unsigned int
balance_arp_index(const uint8_t *hwaddr, size_t len, unsigned int nnodes)
{
	if (nnodes == 0)
		return (0);
	return (balance_bytes_hash(hwaddr, len) % nnodes);
}

/* The last byte of the source XOR the last byte of the destination,
 * modulo the node count. XOR commutes, so a flow and its reply get the
 * same index: stateful forwarding needs both directions on one node.
 * Only the last bytes, because the kernel filter (nftables, which cannot
 * XOR two fields) matches this as a set of (source byte, destination
 * byte) pairs; OpenBSD folds every word, which nft cannot compute. */
unsigned int
balance_ip_index(const uint8_t *src, const uint8_t *dst, size_t alen,
    unsigned int nnodes)
{
	if (nnodes == 0 || alen == 0)
		return (0);
	return ((unsigned int)(src[alen - 1] ^ dst[alen - 1]) % nnodes);
}

/* The virtual MAC a slot or a cluster answers with: arp mode and
 * ip-unicast a unicast 00:00:5e:00:01:vhid, ip and ip-stealth the
 * multicast 01:00:5e:00:01:vhid (every port of the switch gets it). */
void
balance_mac(int multicast, int vhid, uint8_t mac[6])
{
	mac[0] = multicast ? 0x01 : 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = 0x01;
	mac[5] = (uint8_t)vhid;
}

int
balance_mine(uint32_t mask, unsigned int idx)
{
	if (idx >= BALANCE_MAXNODES)
		return (0);
	return ((mask >> idx) & 1);
}
