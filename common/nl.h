/* Netlink helpers on libmnl, shared by the kernel-facing modules (kif.c,
 * ct.c, nft.c): open a socket, send one request and read to its end, read
 * the acks of a batch. */
#ifndef CARP_NL_H
#define CARP_NL_H

#include <stdint.h>

#include <libmnl/libmnl.h>

/* A bound socket on bus (NETLINK_ROUTE, NETLINK_NETFILTER) joined to
 * groups, with a receive timeout (0: none). NULL with errno on error. */
struct mnl_socket *nl_open(int bus, unsigned groups, int timeout_ms);
/* Send nlh and run cb on every answer until its ack, error or end of
 * dump; answers to an earlier request (other seq) are skipped. 0, or -1
 * with errno from the kernel (ETIMEDOUT when the timeout ran out). */
int	nl_talk(struct mnl_socket *, struct nlmsghdr *, mnl_cb_t, void *);
/* Read acks until expected messages have one; the first error wins.
 * For nftables batches, whose messages each asked for an ack. */
int	nl_read_acks(struct mnl_socket *, int expected);
/* An nfnetlink request header (subsystem subsys, message type) with its
 * nfgenmsg for family, at buf. */
struct nlmsghdr *nl_nfmsg_put(void *buf, uint8_t subsys, uint8_t type,
	    uint16_t flags, uint32_t seq, uint8_t family);
/* Receive buffer of size bytes: SO_RCVBUFFORCE passes rmem_max when we
 * may, plain SO_RCVBUF is the fallback. 0, or -1 with errno. */
int	nl_rcvbuf(struct mnl_socket *, int size);

#endif
