/* Balancing: which vhid of a carpnodes list handles a given host or
 * flow (docs/PROTOCOL.md section 4.4). Pure: no state, no kernel; carpd
 * and the nftables rule it will write must agree with it bit for bit,
 * and so must every node of the cluster. */
#ifndef CARPD_BALANCE_H
#define CARPD_BALANCE_H

#include <stddef.h>
#include <stdint.h>

#define BALANCE_MAXNODES	32	/* carpnodes entries, one mask bit each */

/* Index (0 .. nnodes-1) of the vhid that answers ARP for a requester,
 * from its sender hardware address (len bytes, 6 for Ethernet). */
unsigned int	balance_arp_index(const uint8_t *hwaddr, size_t len,
		    unsigned int nnodes);

/* Index of the vhid that forwards an IP packet, from its source and
 * destination addresses (4 bytes for IPv4, 16 for IPv6, both the same
 * family, network byte order; only the last byte of each counts).
 * balance_ip_index(s, d) equals
 * balance_ip_index(d, s): a reply lands on the node of its request. */
unsigned int	balance_ip_index(const uint8_t *src, const uint8_t *dst,
		    size_t alen, unsigned int nnodes);

/* The virtual MAC of a vhid: unicast 00:00:5e:00:01:vhid, or with
 * multicast set 01:00:5e:00:01:vhid (balancing ip, ip-stealth). */
void		balance_mac(int multicast, int vhid, uint8_t mac[6]);

/* Is index idx among the vhids this node masters (bit i of mask set when
 * this node is MASTER of the i-th carpnodes entry)? */
int		balance_mine(uint32_t mask, unsigned int idx);

#endif
