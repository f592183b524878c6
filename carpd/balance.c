/* The balancing hash (docs/PROTOCOL.md section 4.4): a host or a flow is
 * mapped to an index into the ordered carpnodes list, and the master of
 * that vhid handles it. Every node computes the same index for the same
 * packet, so the result may depend only on the packet's bytes and the
 * length of the list: bytes are read in network order, never as host
 * words, and there is no per-boot random key. */
#include <stddef.h>
#include <stdint.h>

#include "carpd/balance.h"

/* A big-endian 32-bit word at p: the same value on every host. */
static uint32_t
balance_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

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

/* The XOR fold of OpenBSD's ip balancing: every 32-bit word of source
 * and destination XORed together, then modulo the node count. XOR
 * commutes, so a flow and its reply fold to the same value: stateful
 * forwarding needs both directions on one node. Kept this simple so that
 * the kernel-side filter of the next step can match it exactly. A length
 * that is not a multiple of 4 ignores the tail; callers pass 4 or 16. */
unsigned int
balance_ip_index(const uint8_t *src, const uint8_t *dst, size_t alen,
    unsigned int nnodes)
{
	uint32_t fold = 0;
	size_t	 i;

	if (nnodes == 0)
		return (0);
	for (i = 0; i + 4 <= alen; i += 4)
		fold ^= balance_be32(src + i) ^ balance_be32(dst + i);
	return (fold % nnodes);
}

int
balance_mine(uint32_t mask, unsigned int idx)
{
	if (idx >= BALANCE_MAXNODES)
		return (0);
	return ((mask >> idx) & 1);
}
