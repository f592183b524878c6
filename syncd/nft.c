/* syncd's own nftables tables (libnftnl), for defer: queue the first
 * reply packets of every new forwarded connection to userspace.
 *
 * Why replies, not the very first packet: a state is complete (NAT
 * binding chosen, entry confirmed and readable over ctnetlink) only after
 * its first packet has left, and this kernel cannot attach the unconfirmed
 * conntrack to a queued packet (no CONFIG_NETFILTER_NETLINK_GLUE_CT).
 * Holding the replies until the peer has the state gives the same
 * guarantee: the initiator cannot get anywhere before the backup knows the
 * connection.
 *
 * One table per family ("ip carp_syncd", "ip6 carp_syncd"), one chain at
 * forward priority 10 (after the user's filter at 0). Rule: ct direction
 * reply, ct status not assured, not ICMP (echo replies are never assured
 * and need no state to survive), queue num N bypass. Bypass means a dead
 * syncd never black-holes traffic. The native queue expression is used
 * where the kernel has it; otherwise the xt NFQUEUE target through nft
 * compat, as iptables-nft emits it.
 *
 * With asymmetric paths (a balanced carp) a second chain, "first", on
 * prerouting at priority -250 (after a raw table at -300, before
 * conntrack at -200) queues every TCP SYN-ACK: a connection's first
 * reply may reach this node before the state its peer created, and
 * conntrack, finding none, would mark it invalid. It must wait before
 * conntrack has seen it. (Only TCP's first reply tells itself from a
 * new connection by its header alone.) */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_NFQUEUE.h>

#include "log.h"
#include "nft.h"
#include "nl.h"

#define NFT_DIR_REPLY	1	/* enum ip_conntrack_dir, kernel-only */
#define NFT_TABLE	"carp_syncd"
#define NFT_CHAIN	"defer"
#define NFT_PRIO	10
#define NFT_FIRST	"first"
#define NFT_FIRST_PRIO	(-250)	/* NF_IP_PRI_CONNTRACK is -200 */
#define NFT_TCP_FLAGS	13	/* offset of the flags in the TCP header */
#define NFT_TCP_SYNACK	0x12
#define NFT_TCP_MASK	0x17	/* FIN, SYN, RST, ACK */

static uint32_t	nft_seq;

static struct nftnl_expr *
nft_expr(const char *name)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc(name)) == NULL)
		fatal("nftnl_expr_alloc");
	return (e);
}

static void
nft_add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, size_t len)
{
	struct nftnl_expr	*e = nft_expr("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void
nft_add_ct(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr	*e = nft_expr("ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

/* ct direction reply */
static void
nft_add_reply(struct nftnl_rule *r)
{
	uint8_t		 dir = NFT_DIR_REPLY;

	nft_add_ct(r, NFT_CT_DIRECTION);
	nft_add_cmp(r, NFT_CMP_EQ, &dir, sizeof(dir));
}

/* ct status & assured == 0 */
static void
nft_add_not_assured(struct nftnl_rule *r)
{
	struct nftnl_expr	*e;
	uint32_t		 mask = IPS_ASSURED, x = 0;

	nft_add_ct(r, NFT_CT_STATUS);
	e = nft_expr("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &x, sizeof(x));
	nftnl_rule_add_expr(r, e);
	nft_add_cmp(r, NFT_CMP_EQ, &x, sizeof(x));
}

/* meta l4proto tcp, tcp flags & (fin|syn|rst|ack) == syn|ack */
static void
nft_add_synack(struct nftnl_rule *r)
{
	struct nftnl_expr	*e = nft_expr("meta");
	uint8_t			 tcp = IPPROTO_TCP, mask = NFT_TCP_MASK;
	uint8_t			 x = 0, synack = NFT_TCP_SYNACK;

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	nft_add_cmp(r, NFT_CMP_EQ, &tcp, sizeof(tcp));
	e = nft_expr("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
	    NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, NFT_TCP_FLAGS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nft_expr("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 1);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 1);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &x, 1);
	nftnl_rule_add_expr(r, e);
	nft_add_cmp(r, NFT_CMP_EQ, &synack, sizeof(synack));
}

/* meta l4proto != icmp, != icmpv6 */
static void
nft_add_not_icmp(struct nftnl_rule *r)
{
	struct nftnl_expr	*e = nft_expr("meta");
	uint8_t			 icmp = IPPROTO_ICMP, icmp6 = IPPROTO_ICMPV6;

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	nft_add_cmp(r, NFT_CMP_NEQ, &icmp, sizeof(icmp));
	nft_add_cmp(r, NFT_CMP_NEQ, &icmp6, sizeof(icmp6));
}

static void
nft_add_queue(struct nftnl_rule *r, uint16_t num, int compat)
{
	struct nftnl_expr	*e;
	struct xt_NFQ_info_v3	*info;
	size_t			 len;

	if (!compat) {
		e = nft_expr("queue");
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, num);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
		    NFT_QUEUE_FLAG_BYPASS);
		nftnl_rule_add_expr(r, e);
		return;
	}
	/* xt target info is padded to 8 bytes (XT_ALIGN); libnftnl takes
	 * ownership of the buffer. */
	len = (sizeof(*info) + 7) & ~(size_t)7;
	if ((info = calloc(1, len)) == NULL)
		fatal("nft");
	info->queuenum = num;
	info->queues_total = 1;
	info->flags = NFQ_FLAG_BYPASS;
	e = nft_expr("target");
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, len);
	nftnl_rule_add_expr(r, e);
}

static void
nft_put_table(struct mnl_nlmsg_batch *b, int family, int msg)
{
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL)
		fatal("nft");
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nlh = nftnl_table_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), msg,
	    family, (msg == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0) | NLM_F_ACK,
	    nft_seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);
}

static void
nft_put_chain(struct mnl_nlmsg_batch *b, int family, const char *name,
    uint32_t hook, int32_t prio)
{
	struct nftnl_chain	*c;
	struct nlmsghdr		*nlh;

	if ((c = nftnl_chain_alloc()) == NULL)
		fatal("nft");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nftnl_chain_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
	    NFT_MSG_NEWCHAIN, family, NLM_F_CREATE | NLM_F_ACK, nft_seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(b);
}

/* The defer chain's rule, or with first set the first chain's. */
static void
nft_put_rule(struct mnl_nlmsg_batch *b, int family, uint16_t num,
    int compat, int first)
{
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;

	if ((r = nftnl_rule_alloc()) == NULL)
		fatal("nft");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, first ? NFT_FIRST : NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	if (first)
		nft_add_synack(r);
	else {
		nft_add_reply(r);
		nft_add_not_assured(r);
		nft_add_not_icmp(r);
	}
	nft_add_queue(r, num, compat);
	nlh = nftnl_rule_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
	    NFT_MSG_NEWRULE, family, NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK,
	    nft_seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(b);
}

/* Send one transaction and read every ack; -1 with the errno of the
 * first error (the kernel then applied nothing of it). */
static int
nft_commit(struct mnl_nlmsg_batch *b, int expected)
{
	struct mnl_socket	*nl;
	int			 rv = -1, err;

	if ((nl = nl_open(NETLINK_NETFILTER, 0, 2000)) == NULL)
		return (-1);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
	    mnl_nlmsg_batch_size(b)) != -1)
		rv = nl_read_acks(nl, expected);
	err = errno;
	mnl_socket_close(nl);
	errno = err;
	return (rv);
}

static struct mnl_nlmsg_batch *
nft_begin(char *buf, size_t len)
{
	struct mnl_nlmsg_batch	*b;

	if (nft_seq == 0)
		nft_seq = (uint32_t)time(NULL);
	if ((b = mnl_nlmsg_batch_start(buf, len)) == NULL)
		fatal("nft");
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), nft_seq++);
	mnl_nlmsg_batch_next(b);
	return (b);
}

static int
nft_end(struct mnl_nlmsg_batch *b, int expected)
{
	int	 rv, err;

	nftnl_batch_end(mnl_nlmsg_batch_current(b), nft_seq++);
	mnl_nlmsg_batch_next(b);
	rv = nft_commit(b, expected);
	err = errno;
	mnl_nlmsg_batch_stop(b);
	errno = err;
	return (rv);
}

static int
nft_install_family(int family, uint16_t num, int first, int compat)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_nlmsg_batch	*b;

	b = nft_begin(buf, sizeof(buf));
	nft_put_table(b, family, NFT_MSG_NEWTABLE);
	nft_put_chain(b, family, NFT_CHAIN, NF_INET_FORWARD, NFT_PRIO);
	nft_put_rule(b, family, num, compat, 0);
	if (first) {
		nft_put_chain(b, family, NFT_FIRST, NF_INET_PRE_ROUTING,
		    NFT_FIRST_PRIO);
		nft_put_rule(b, family, num, compat, 1);
	}
	return (nft_end(b, first ? 5 : 3));
}

static void
nft_remove_family(int family)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_nlmsg_batch	*b;

	b = nft_begin(buf, sizeof(buf));
	nft_put_table(b, family, NFT_MSG_DELTABLE);
	if (nft_end(b, 1) == -1 && errno != ENOENT)
		log_warn("nft: remove table %s %s",
		    family == NFPROTO_IPV4 ? "ip" : "ip6", NFT_TABLE);
}

void
nft_defer_remove(void)
{
	nft_remove_family(NFPROTO_IPV4);
	nft_remove_family(NFPROTO_IPV6);
}

int
nft_defer_install(uint16_t num, int first, int *used_compat)
{
	static const int	 fam[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	size_t			 i;
	int			 compat = 0;

	/* a table left by a syncd that crashed is replaced, not doubled */
	nft_defer_remove();
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (nft_install_family(fam[i], num, first, compat) == 0)
			continue;
		if (compat) {
			log_warn("nft: cannot install the defer rule");
			nft_defer_remove();
			return (-1);
		}
		log_info("nft: no native queue expression (%s), using the "
		    "xt NFQUEUE target", strerror(errno));
		compat = 1;
		nft_defer_remove();
		i = (size_t)-1;
	}
	if (used_compat != NULL)
		*used_compat = compat;
	return (0);
}
