/* The nftables tables of a balanced carp (libnftnl), named
 * carp_bal_<carp> in two families:
 *
 *   table netdev carp_bal_<carp>
 *     set macs   { type ether_addr }        the MACs this node takes
 *     set pairs  { @nh,120,8 . @nh,152,8 }  ip modes: the flows it takes
 *     chain ingress { hook ingress device <carpdev> priority -300
 *       ether daddr @macs meta pkttype set host
 *       ether daddr <cluster MAC> ether type ip
 *           @nh,120,8 . @nh,152,8 != @pairs drop       (ip modes)
 *     }
 *   table arp carp_bal_<carp>
 *     set vips   { type ipv4_addr }
 *     chain input  { arp operation request arp daddr ip @vips drop }
 *     chain output { arp saddr ip @vips drop }
 *
 * Why pkttype: a frame to a virtual MAC is PACKET_OTHERHOST (or
 * PACKET_MULTICAST for the ip cluster MAC) to Linux, and ip_rcv drops
 * the first, ip_forward the second; the rule runs before either. The
 * pair set is the ip modes' filter (carpd/balance.c: the last bytes of
 * source and destination), each 1-byte field padded to a 32-bit register
 * as nft lays out a concatenation, so a key is 8 bytes. The arp table
 * keeps the kernel from answering for the addresses (carpd answers,
 * bal_arp.c; a packet socket still sees what arp input drops) and from
 * sending ARP with an address as sender, which would bind every host to
 * the carpdev's own MAC.
 *
 * The sets are rewritten whole in one transaction per update: the
 * kernel applies all of it or none, so no frame meets a half-written
 * filter. */
#include <sys/socket.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/if_packet.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "bal.h"
#include "balance.h"
#include "log.h"
#include "nl.h"

#define BAL_NFT_PRIO	(-300)	/* before anything of the user's */
#define BAL_NFT_NAMELEN	64
#define BAL_NFT_TYPE_ETHER 9	/* nft's datatypes, for nft list */
#define BAL_NFT_TYPE_IPV4 7
#define BAL_NFT_TYPE_MARK 19	/* 32 bits: one padded 1-byte field */
#define BAL_NFT_SET_MACS 1	/* set ids inside one transaction */
#define BAL_NFT_SET_PAIRS 2
#define BAL_NFT_SET_VIPS 3
#define BAL_NFT_SET_WHOLE 4
#define BAL_NFT_CHUNK	1024	/* set elements per message (see below) */

/* One transaction being built: a buffer sized for it, the messages that
 * asked for an ack. */
struct bal_nft_tx {
	char			*buf;
	size_t			 size;
	struct mnl_nlmsg_batch	*b;
	int			 acks;
	char			 table[BAL_NFT_NAMELEN];
};

static uint32_t	bal_nft_seq;

static void
bal_nft_begin(struct bal_nft_tx *tx, const struct carp_bal *bal,
    size_t nkeys)
{
	if (bal_nft_seq == 0)
		bal_nft_seq = (uint32_t)time(NULL);
	memset(tx, 0, sizeof(*tx));
	(void)snprintf(tx->table, sizeof(tx->table), "carp_bal_%s",
	    bal->conf.name);
	/* generous: a key costs some 20 bytes of attributes */
	tx->size = 16384 + nkeys * 48;
	if ((tx->buf = malloc(tx->size)) == NULL ||
	    (tx->b = mnl_nlmsg_batch_start(tx->buf, tx->size)) == NULL)
		fatal("bal_nft");
	nftnl_batch_begin(mnl_nlmsg_batch_current(tx->b), bal_nft_seq++);
	mnl_nlmsg_batch_next(tx->b);
}

/* The message is complete; ack: it asked for an ack. */
static void
bal_nft_next(struct bal_nft_tx *tx, int ack)
{
	if (!mnl_nlmsg_batch_next(tx->b))
		fatalx("bal_nft: transaction overflows its buffer");
	if (ack)
		tx->acks++;
}

/* Send the transaction (one datagram: nfnetlink applies a batch only
 * whole) and read its acks; -1 with the first error's errno. */
static int
bal_nft_commit(struct bal_nft_tx *tx)
{
	struct mnl_socket	*nl;
	int			 rv = -1, err, size, one = 1;

	nftnl_batch_end(mnl_nlmsg_batch_current(tx->b), bal_nft_seq++);
	mnl_nlmsg_batch_next(tx->b);
	size = (int)mnl_nlmsg_batch_size(tx->b) + 4096;
	if ((nl = nl_open(NETLINK_NETFILTER, 0, 2000)) != NULL) {
		/* a large pair set exceeds the default send buffer; an
		 * error must not echo it back (NETLINK_CAP_ACK) */
		if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET,
		    SO_SNDBUFFORCE, &size, sizeof(size)) == -1)
			(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET,
			    SO_SNDBUF, &size, sizeof(size));
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK,
		    NETLINK_CAP_ACK, &one, sizeof(one));
		if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(tx->b),
		    mnl_nlmsg_batch_size(tx->b)) != -1)
			rv = nl_read_acks(nl, tx->acks);
		err = errno;
		mnl_socket_close(nl);
		errno = err;
	}
	err = errno;
	mnl_nlmsg_batch_stop(tx->b);
	free(tx->buf);
	errno = err;
	return (rv);
}

static void
bal_nft_table(struct bal_nft_tx *tx, int family, int msg)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		fatal("bal_nft");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, tx->table);
	nlh = nftnl_table_nlmsg_build_hdr(mnl_nlmsg_batch_current(tx->b), msg,
	    family, (msg == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0) | NLM_F_ACK,
	    bal_nft_seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	bal_nft_next(tx, 1);
}

static struct nftnl_set *
bal_nft_set_alloc(const struct bal_nft_tx *tx, int family, const char *name)
{
	struct nftnl_set	*s;

	if ((s = nftnl_set_alloc()) == NULL)
		fatal("bal_nft");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, tx->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	return (s);
}

static void
bal_nft_set(struct bal_nft_tx *tx, int family, const char *name,
    uint32_t id, uint32_t type, uint32_t keylen)
{
	struct nftnl_set	*s = bal_nft_set_alloc(tx, family, name);
	struct nlmsghdr		*nlh;

	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, keylen);
	nlh = nftnl_set_nlmsg_build_hdr(mnl_nlmsg_batch_current(tx->b),
	    NFT_MSG_NEWSET, (uint16_t)family, NLM_F_CREATE | NLM_F_ACK,
	    bal_nft_seq++);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	bal_nft_next(tx, 1);
}

/* One message of set elements (msg NEWSETELEM), or a flush of the set
 * (DELSETELEM, n 0). */
static void
bal_nft_elem_msg(struct bal_nft_tx *tx, int family, const char *name,
    int msg, const uint8_t *keys, size_t keylen, size_t n)
{
	struct nftnl_set	*s = bal_nft_set_alloc(tx, family, name);
	struct nftnl_set_elem	*e;
	struct nlmsghdr		*nlh;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((e = nftnl_set_elem_alloc()) == NULL)
			fatal("bal_nft");
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, keys + i * keylen,
		    (uint32_t)keylen);
		nftnl_set_elem_add(s, e);
	}
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(tx->b),
	    (uint16_t)msg, (uint16_t)family,
	    msg == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : NLM_F_ACK,
	    bal_nft_seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	bal_nft_next(tx, msg != NFT_MSG_NEWSETELEM);
}

/* Replace a set's elements: a flush, then the n keys of keylen bytes,
 * in the same transaction. The element list is one attribute, whose
 * length is 16 bits: BAL_NFT_CHUNK keys a message keep it well under.
 * Only the flush asks for an ack: up to 64 element messages would be as
 * many acks to read, and the kernel reports an error without being
 * asked. */
static void
bal_nft_elems(struct bal_nft_tx *tx, int family, const char *name,
    const uint8_t *keys, size_t keylen, size_t n)
{
	size_t	 i, k;

	bal_nft_elem_msg(tx, family, name, NFT_MSG_DELSETELEM, NULL, 0, 0);
	for (i = 0; i < n; i += k) {
		k = n - i < BAL_NFT_CHUNK ? n - i : BAL_NFT_CHUNK;
		bal_nft_elem_msg(tx, family, name, NFT_MSG_NEWSETELEM,
		    keys + i * keylen, keylen, k);
	}
}

static void
bal_nft_chain(struct bal_nft_tx *tx, int family, const char *name,
    uint32_t hook, int prio, const char *dev)
{
	struct nftnl_chain	*c;
	struct nlmsghdr		*nlh;

	if ((c = nftnl_chain_alloc()) == NULL)
		fatal("bal_nft");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, tx->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (dev != NULL)
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
	nlh = nftnl_chain_nlmsg_build_hdr(mnl_nlmsg_batch_current(tx->b),
	    NFT_MSG_NEWCHAIN, (uint16_t)family, NLM_F_CREATE | NLM_F_ACK,
	    bal_nft_seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	bal_nft_next(tx, 1);
}

/* ---- expressions ---- */

static struct nftnl_expr *
bal_nft_expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc(name)) == NULL)
		fatal("bal_nft");
	nftnl_rule_add_expr(r, e);
	return (e);
}

static void
bal_nft_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
    uint32_t len, uint32_t dreg)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void
bal_nft_cmp_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void
bal_nft_lookup(struct nftnl_rule *r, uint32_t sreg, const char *set,
    uint32_t id, uint32_t flags)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	if (flags != 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, flags);
}

static void
bal_nft_verdict(struct nftnl_rule *r, uint32_t verdict)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
}

static void
bal_nft_drop(struct nftnl_rule *r)
{
	bal_nft_verdict(r, NF_DROP);
}

/* meta iiftype ether: what nft itself puts before an ether match in
 * the netdev family, so that nft list prints "ether daddr" back */
static void
bal_nft_iiftype_ether(struct nftnl_rule *r)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "meta");
	uint16_t		 ether = ARPHRD_ETHER;

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_IIFTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	bal_nft_cmp_eq(r, &ether, sizeof(ether));
}

/* meta pkttype set host */
static void
bal_nft_pkttype_host(struct nftnl_rule *r)
{
	struct nftnl_expr	*e = bal_nft_expr(r, "immediate");
	uint8_t			 host = PACKET_HOST;

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &host, sizeof(host));
	e = bal_nft_expr(r, "meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_PKTTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

static struct nftnl_rule *
bal_nft_rule_alloc(const struct bal_nft_tx *tx, int family, const char *chain)
{
	struct nftnl_rule	*r;

	if ((r = nftnl_rule_alloc()) == NULL)
		fatal("bal_nft");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, tx->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	return (r);
}

static void
bal_nft_rule_put(struct bal_nft_tx *tx, int family, struct nftnl_rule *r)
{
	struct nlmsghdr		*nlh;

	nlh = nftnl_rule_nlmsg_build_hdr(mnl_nlmsg_batch_current(tx->b),
	    NFT_MSG_NEWRULE, (uint16_t)family,
	    NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, bal_nft_seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	bal_nft_next(tx, 1);
}

/* ---- the tables ---- */

static void
bal_nft_netdev(struct bal_nft_tx *tx, const struct carp_bal *bal)
{
	struct nftnl_rule	*r;
	uint16_t		 ip = htons(ETHERTYPE_IP);

	bal_nft_table(tx, NFPROTO_NETDEV, NFT_MSG_NEWTABLE);
	bal_nft_set(tx, NFPROTO_NETDEV, "macs", BAL_NFT_SET_MACS,
	    BAL_NFT_TYPE_ETHER, ETH_ALEN);
	bal_nft_chain(tx, NFPROTO_NETDEV, "ingress", NF_NETDEV_INGRESS,
	    BAL_NFT_PRIO, bal->conf.carpdev);
	r = bal_nft_rule_alloc(tx, NFPROTO_NETDEV, "ingress");
	bal_nft_iiftype_ether(r);
	bal_nft_payload(r, NFT_PAYLOAD_LL_HEADER, 0, ETH_ALEN, NFT_REG_1);
	bal_nft_lookup(r, NFT_REG_1, "macs", BAL_NFT_SET_MACS, 0);
	bal_nft_pkttype_host(r);
	bal_nft_rule_put(tx, NFPROTO_NETDEV, r);
	if (bal->conf.balancing == BAL_ARP)
		return;
	/* 8 bytes: two 1-byte fields, each in its own 32-bit register;
	 * typed mark . mark only so that nft list can print it (it has no
	 * printer for a concatenation of plain integers) */
	bal_nft_set(tx, NFPROTO_NETDEV, "pairs", BAL_NFT_SET_PAIRS,
	    BAL_NFT_TYPE_MARK << 6 | BAL_NFT_TYPE_MARK, 8);
	/* "whole" holds the cluster MAC while this node masters every
	 * slot: nothing is another node's, and the pairs need no rewrite
	 * (65,536 of them cost a takeover 0.3 s of CPU) */
	bal_nft_set(tx, NFPROTO_NETDEV, "whole", BAL_NFT_SET_WHOLE,
	    BAL_NFT_TYPE_ETHER, ETH_ALEN);
	r = bal_nft_rule_alloc(tx, NFPROTO_NETDEV, "ingress");
	bal_nft_iiftype_ether(r);
	bal_nft_payload(r, NFT_PAYLOAD_LL_HEADER, 0, ETH_ALEN, NFT_REG_1);
	bal_nft_lookup(r, NFT_REG_1, "whole", BAL_NFT_SET_WHOLE, 0);
	bal_nft_verdict(r, NF_ACCEPT);
	bal_nft_rule_put(tx, NFPROTO_NETDEV, r);
	r = bal_nft_rule_alloc(tx, NFPROTO_NETDEV, "ingress");
	bal_nft_iiftype_ether(r);
	bal_nft_payload(r, NFT_PAYLOAD_LL_HEADER, 0, ETH_ALEN, NFT_REG_1);
	bal_nft_cmp_eq(r, bal->cluster_mac, ETH_ALEN);
	bal_nft_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
	bal_nft_cmp_eq(r, &ip, sizeof(ip));
	bal_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 15, 1, NFT_REG32_00);
	bal_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 19, 1, NFT_REG32_01);
	bal_nft_lookup(r, NFT_REG32_00, "pairs", BAL_NFT_SET_PAIRS,
	    NFT_LOOKUP_F_INV);
	bal_nft_drop(r);
	bal_nft_rule_put(tx, NFPROTO_NETDEV, r);
}

/* The carp's IPv4 addresses as set keys; their count. */
static size_t
bal_nft_vips(const struct carp_bal *bal, uint8_t keys[][4])
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < bal->conf.naddrs; i++)
		if (bal->conf.addrs[i].af == AF_INET)
			memcpy(keys[n++], &bal->conf.addrs[i].a.v4, 4);
	return (n);
}

static void
bal_nft_arp(struct bal_nft_tx *tx, const struct carp_bal *bal)
{
	struct nftnl_rule	*r;
	uint8_t			 vips[CONF_MAXADDRS][4];
	uint16_t		 request = htons(1);	/* ARPOP_REQUEST */

	bal_nft_table(tx, NFPROTO_ARP, NFT_MSG_NEWTABLE);
	bal_nft_set(tx, NFPROTO_ARP, "vips", BAL_NFT_SET_VIPS,
	    BAL_NFT_TYPE_IPV4, 4);
	bal_nft_elems(tx, NFPROTO_ARP, "vips", &vips[0][0], 4,
	    bal_nft_vips(bal, vips));
	bal_nft_chain(tx, NFPROTO_ARP, "input", NF_ARP_IN, 0, NULL);
	bal_nft_chain(tx, NFPROTO_ARP, "output", NF_ARP_OUT, 0, NULL);
	/* Ethernet/IPv4 ARP: op at 6, sender IP at 14, target IP at 24 */
	r = bal_nft_rule_alloc(tx, NFPROTO_ARP, "input");
	bal_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 6, 2, NFT_REG_1);
	bal_nft_cmp_eq(r, &request, sizeof(request));
	bal_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 4, NFT_REG_1);
	bal_nft_lookup(r, NFT_REG_1, "vips", BAL_NFT_SET_VIPS, 0);
	bal_nft_drop(r);
	bal_nft_rule_put(tx, NFPROTO_ARP, r);
	r = bal_nft_rule_alloc(tx, NFPROTO_ARP, "output");
	bal_nft_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 14, 4, NFT_REG_1);
	bal_nft_lookup(r, NFT_REG_1, "vips", BAL_NFT_SET_VIPS, 0);
	bal_nft_drop(r);
	bal_nft_rule_put(tx, NFPROTO_ARP, r);
}

/* Delete one family's table; a missing one is no error. */
static void
bal_nft_drop_table(const struct carp_bal *bal, int family)
{
	struct bal_nft_tx	 tx;

	bal_nft_begin(&tx, bal, 0);
	bal_nft_table(&tx, family, NFT_MSG_DELTABLE);
	if (bal_nft_commit(&tx) == -1 && errno != ENOENT)
		log_warn("%s: nft: remove table %s %s", bal->conf.name,
		    family == NFPROTO_ARP ? "arp" : "netdev", tx.table);
}

void
bal_nft_remove(const struct carp_bal *bal)
{
	bal_nft_drop_table(bal, NFPROTO_NETDEV);
	bal_nft_drop_table(bal, NFPROTO_ARP);
}

int
bal_nft_install(const struct carp_bal *bal)
{
	struct bal_nft_tx	 tx;

	/* a table left by a carpd that crashed is replaced, not doubled */
	bal_nft_remove(bal);
	bal_nft_begin(&tx, bal, CONF_MAXADDRS);
	bal_nft_netdev(&tx, bal);
	bal_nft_arp(&tx, bal);
	return (bal_nft_commit(&tx));
}

/* The MACs this node takes frames for: the slots it masters (arp
 * mode), the cluster MAC while it masters any (ip modes). */
static size_t
bal_nft_macs(const struct carp_bal *bal, uint32_t share,
    uint8_t keys[][ETH_ALEN])
{
	size_t	 n = 0;
	int	 i;

	if (bal->conf.balancing != BAL_ARP) {
		if (share != 0)
			memcpy(keys[n++], bal->cluster_mac, ETH_ALEN);
		return (n);
	}
	for (i = 0; i < bal->nslots; i++)
		if (balance_mine(share, (unsigned)i))
			memcpy(keys[n++], bal->mac[i], ETH_ALEN);
	return (n);
}

/* The pair set's keys: each byte at the start of its own register. */
static uint8_t *
bal_nft_pair_keys(const struct carp_bal *bal, uint32_t share, size_t *n)
{
	uint8_t	(*pairs)[2], *keys;
	size_t	  i;

	if ((pairs = malloc(BAL_PAIRS_MAX * sizeof(*pairs))) == NULL ||
	    (keys = calloc(BAL_PAIRS_MAX, 8)) == NULL)
		fatal("bal_nft");
	*n = bal_pairs(share, (unsigned)bal->nslots, pairs);
	for (i = 0; i < *n; i++) {
		keys[i * 8] = pairs[i][0];
		keys[i * 8 + 4] = pairs[i][1];
	}
	free(pairs);
	return (keys);
}

/* The share of a node that masters every slot. */
static uint32_t
bal_share_all(const struct carp_bal *bal)
{
	return (bal->nslots >= 32 ? UINT32_MAX :
	    (UINT32_C(1) << bal->nslots) - 1);
}

int
bal_nft_update(const struct carp_bal *bal, uint32_t share)
{
	struct bal_nft_tx	 tx;
	uint8_t			 macs[CONF_MAXNODES][ETH_ALEN], *keys = NULL;
	size_t			 npairs = 0;
	int			 rv;

	int			 whole = share == bal_share_all(bal);

	if (bal->conf.balancing != BAL_ARP && !whole)
		keys = bal_nft_pair_keys(bal, share, &npairs);
	bal_nft_begin(&tx, bal, npairs + CONF_MAXNODES);
	bal_nft_elems(&tx, NFPROTO_NETDEV, "macs", &macs[0][0], ETH_ALEN,
	    bal_nft_macs(bal, share, macs));
	if (bal->conf.balancing != BAL_ARP)
		bal_nft_elems(&tx, NFPROTO_NETDEV, "whole", bal->cluster_mac,
		    ETH_ALEN, whole ? 1 : 0);
	if (keys != NULL)
		bal_nft_elems(&tx, NFPROTO_NETDEV, "pairs", keys, 8, npairs);
	rv = bal_nft_commit(&tx);
	free(keys);
	return (rv);
}
