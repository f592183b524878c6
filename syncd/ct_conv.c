/* Kernel conntrack <-> struct sync_state: libnetfilter_conntrack objects
 * to and from the plain state syncd carries. No socket here. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_dccp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "log.h"
#include "ct_var.h"

/* TCP flags that describe the connection rather than window tracking
 * data we do not carry (td_maxack etc.): the rest stays the kernel's. */
#define CT_TCP_FLAGS		(IP_CT_TCP_FLAG_WINDOW_SCALE | \
	IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_CLOSE_INIT | \
	IP_CT_TCP_FLAG_BE_LIBERAL)

/* Status bits ctnetlink lets us set; NAT comes as explicit bindings,
 * CONFIRMED/DYING/EXPECTED and offload bits are the kernel's. */
#define CT_STATUS_APPLY		(IPS_SEEN_REPLY | IPS_ASSURED | \
	IPS_FIXED_TIMEOUT)

struct ct_tattr {
	int	 v4src, v4dst, v6src, v6dst, sport, dport;
};

static const struct ct_tattr ct_tattrs[2] = {
	{ ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_SRC,
	  ATTR_ORIG_IPV6_DST, ATTR_ORIG_PORT_SRC, ATTR_ORIG_PORT_DST },
	{ ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_SRC,
	  ATTR_REPL_IPV6_DST, ATTR_REPL_PORT_SRC, ATTR_REPL_PORT_DST },
};

static int
ct_has_ports(uint8_t p)
{
	return (p == IPPROTO_TCP || p == IPPROTO_UDP ||
	    p == IPPROTO_UDPLITE || p == IPPROTO_SCTP || p == IPPROTO_DCCP);
}

static int
ct_is_icmp(uint8_t p)
{
	return (p == IPPROTO_ICMP || p == IPPROTO_ICMPV6);
}

/* nf_conntrack -> sync_state */

static void
ct_tuple_from(const struct nf_conntrack *c, const struct sync_state *s,
    int dir, struct sync_tuple *t)
{
	const struct ct_tattr	*a = &ct_tattrs[dir];
	struct sync_tuple	 inv;
	const void		*p;

	if (s->family == AF_INET) {
		t->src.v4.s_addr = nfct_get_attr_u32(c, a->v4src);
		t->dst.v4.s_addr = nfct_get_attr_u32(c, a->v4dst);
	} else {
		if ((p = nfct_get_attr(c, a->v6src)) != NULL)
			memcpy(&t->src.v6, p, sizeof(t->src.v6));
		if ((p = nfct_get_attr(c, a->v6dst)) != NULL)
			memcpy(&t->dst.v6, p, sizeof(t->dst.v6));
	}
	if (ct_has_ports(s->l4proto)) {
		t->sport = ntohs(nfct_get_attr_u16(c, a->sport));
		t->dport = ntohs(nfct_get_attr_u16(c, a->dport));
	} else if (ct_is_icmp(s->l4proto) && dir == 0) {
		t->icmp_type = nfct_get_attr_u8(c, ATTR_ICMP_TYPE);
		t->icmp_code = nfct_get_attr_u8(c, ATTR_ICMP_CODE);
		t->icmp_id = ntohs(nfct_get_attr_u16(c, ATTR_ICMP_ID));
	} else if (ct_is_icmp(s->l4proto)) {
		/* libnetfilter_conntrack has one set of ICMP attributes:
		 * the reply's are the original's, inverted as the kernel
		 * does */
		sync_tuple_invert(s->l4proto, &s->orig, &inv);
		t->icmp_type = inv.icmp_type;
		t->icmp_code = inv.icmp_code;
		t->icmp_id = inv.icmp_id;
	}
}

static void
ct_protoinfo_from(const struct nf_conntrack *c, struct sync_state *s)
{
	switch (s->l4proto) {
	case IPPROTO_TCP:
		s->tcp_state = nfct_get_attr_u8(c, ATTR_TCP_STATE);
		s->tcp_wscale_orig = nfct_get_attr_u8(c, ATTR_TCP_WSCALE_ORIG);
		s->tcp_wscale_repl = nfct_get_attr_u8(c, ATTR_TCP_WSCALE_REPL);
		s->tcp_flags_orig = nfct_get_attr_u8(c, ATTR_TCP_FLAGS_ORIG) &
		    CT_TCP_FLAGS;
		s->tcp_flags_repl = nfct_get_attr_u8(c, ATTR_TCP_FLAGS_REPL) &
		    CT_TCP_FLAGS;
		break;
	case IPPROTO_SCTP:
		s->sctp_state = nfct_get_attr_u8(c, ATTR_SCTP_STATE);
		s->sctp_vtag_orig = nfct_get_attr_u32(c, ATTR_SCTP_VTAG_ORIG);
		s->sctp_vtag_repl = nfct_get_attr_u32(c, ATTR_SCTP_VTAG_REPL);
		break;
	case IPPROTO_DCCP:
		s->dccp_state = nfct_get_attr_u8(c, ATTR_DCCP_STATE);
		break;
	}
}

static void
ct_labels_from(const struct nf_conntrack *c, struct sync_state *s)
{
	const struct nfct_bitmask	*b;
	unsigned int			 i, max;

	if ((b = nfct_get_attr(c, ATTR_CONNLABELS)) == NULL)
		return;
	s->has_labels = 1;
	max = nfct_bitmask_maxbit(b);
	for (i = 0; i <= max && i < SYNC_LABELS_LEN * 8; i++)
		if (nfct_bitmask_test_bit(b, i))
			s->labels[i / 8] |= 1 << (i % 8);
}

int
ct_from_nfct(const struct nf_conntrack *c, struct sync_state *s)
{
	const char	*h;

	memset(s, 0, sizeof(*s));
	if (!nfct_attr_is_set(c, ATTR_L3PROTO) ||
	    !nfct_attr_is_set(c, ATTR_L4PROTO))
		return (-1);
	s->family = nfct_get_attr_u8(c, ATTR_L3PROTO);
	if (s->family != AF_INET && s->family != AF_INET6)
		return (-1);
	s->l4proto = nfct_get_attr_u8(c, ATTR_L4PROTO);
	s->zone = nfct_get_attr_u16(c, ATTR_ZONE);
	ct_tuple_from(c, s, 0, &s->orig);
	ct_tuple_from(c, s, 1, &s->reply);
	s->status = nfct_get_attr_u32(c, ATTR_STATUS);
	s->mark = nfct_get_attr_u32(c, ATTR_MARK);
	s->timeout = nfct_get_attr_u32(c, ATTR_TIMEOUT);
	ct_protoinfo_from(c, s);
	ct_labels_from(c, s);
	if ((h = nfct_get_attr(c, ATTR_HELPER_NAME)) != NULL)
		strncpy(s->helper, h, sizeof(s->helper) - 1);
	return (0);
}

/* sync_state -> nf_conntrack */

static void
ct_tuple_to(struct nf_conntrack *c, const struct sync_state *s, int dir,
    const struct sync_tuple *t)
{
	const struct ct_tattr	*a = &ct_tattrs[dir];

	if (s->family == AF_INET) {
		nfct_set_attr_u32(c, a->v4src, t->src.v4.s_addr);
		nfct_set_attr_u32(c, a->v4dst, t->dst.v4.s_addr);
	} else {
		nfct_set_attr(c, a->v6src, &t->src.v6);
		nfct_set_attr(c, a->v6dst, &t->dst.v6);
	}
	nfct_set_attr_u8(c, dir == 0 ? ATTR_ORIG_L3PROTO : ATTR_REPL_L3PROTO,
	    s->family);
	nfct_set_attr_u8(c, dir == 0 ? ATTR_ORIG_L4PROTO : ATTR_REPL_L4PROTO,
	    s->l4proto);
	if (ct_has_ports(s->l4proto)) {
		nfct_set_attr_u16(c, a->sport, htons(t->sport));
		nfct_set_attr_u16(c, a->dport, htons(t->dport));
	} else if (ct_is_icmp(s->l4proto) && dir == 0) {
		/* one set of ICMP attributes: the library inverts the type
		 * for the reply tuple itself */
		nfct_set_attr_u8(c, ATTR_ICMP_TYPE, t->icmp_type);
		nfct_set_attr_u8(c, ATTR_ICMP_CODE, t->icmp_code);
		nfct_set_attr_u16(c, ATTR_ICMP_ID, htons(t->icmp_id));
	}
}

/* What identifies the entry: enough for a delete. */
void
ct_key_to(struct nf_conntrack *c, const struct sync_state *s)
{
	ct_tuple_to(c, s, 0, &s->orig);
	if (s->zone != 0)
		nfct_set_attr_u16(c, ATTR_ZONE, s->zone);
}

/* The same by the reply tuple (the kernel finds an entry by either),
 * straight into the request: nfct_nlmsg_build refuses an entry without
 * an original tuple. What a reply packet names, NAT binding included. */
void
ct_reply_key_put(struct nlmsghdr *nlh, const struct sync_state *s)
{
	const struct sync_tuple	*t = &s->reply;
	struct nlattr		*tuple, *nest;
	size_t			 alen = s->family == AF_INET ? 4 : 16;

	tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_REPLY);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, s->family == AF_INET ? CTA_IP_V4_SRC :
	    CTA_IP_V6_SRC, alen, &t->src);
	mnl_attr_put(nlh, s->family == AF_INET ? CTA_IP_V4_DST :
	    CTA_IP_V6_DST, alen, &t->dst);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, s->l4proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
	if (s->zone != 0)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(s->zone));
}

static void
ct_protoinfo_to(struct nf_conntrack *c, const struct sync_state *s)
{
	switch (s->l4proto) {
	case IPPROTO_TCP:
		nfct_set_attr_u8(c, ATTR_TCP_STATE, s->tcp_state);
		nfct_set_attr_u8(c, ATTR_TCP_WSCALE_ORIG, s->tcp_wscale_orig);
		nfct_set_attr_u8(c, ATTR_TCP_WSCALE_REPL, s->tcp_wscale_repl);
		nfct_set_attr_u8(c, ATTR_TCP_FLAGS_ORIG,
		    s->tcp_flags_orig & CT_TCP_FLAGS);
		nfct_set_attr_u8(c, ATTR_TCP_MASK_ORIG, CT_TCP_FLAGS);
		nfct_set_attr_u8(c, ATTR_TCP_FLAGS_REPL,
		    s->tcp_flags_repl & CT_TCP_FLAGS);
		nfct_set_attr_u8(c, ATTR_TCP_MASK_REPL, CT_TCP_FLAGS);
		break;
	case IPPROTO_SCTP:
		nfct_set_attr_u8(c, ATTR_SCTP_STATE, s->sctp_state);
		nfct_set_attr_u32(c, ATTR_SCTP_VTAG_ORIG, s->sctp_vtag_orig);
		nfct_set_attr_u32(c, ATTR_SCTP_VTAG_REPL, s->sctp_vtag_repl);
		break;
	case IPPROTO_DCCP:
		/* the kernel wants the role with the state; the original
		 * direction is always the client's */
		nfct_set_attr_u8(c, ATTR_DCCP_STATE, s->dccp_state);
		nfct_set_attr_u8(c, ATTR_DCCP_ROLE,
		    DCCP_CONNTRACK_ROLE_CLIENT);
		break;
	}
}

static int
ct_labels_to(struct nf_conntrack *c, const struct sync_state *s)
{
	struct nfct_bitmask	*b;
	unsigned int		 i;

	if (!s->has_labels)
		return (0);
	if ((b = nfct_bitmask_new(SYNC_LABELS_LEN * 8 - 1)) == NULL)
		return (-1);
	for (i = 0; i < SYNC_LABELS_LEN * 8; i++)
		if (s->labels[i / 8] & (1 << (i % 8)))
			nfct_bitmask_set_bit(b, i);
	nfct_set_attr(c, ATTR_CONNLABELS, b);	/* c owns b now */
	return (0);
}

/* The kernel recomputes the reply tuple from an explicit NAT range, as
 * conntrackd gives it: SNAT to the reply's destination, DNAT to the
 * reply's source. */
static const struct ct_nat {
	uint32_t	 status;
	int		 v4, v6, port;
	int		 reply_src;	/* the binding is the reply's source */
} ct_nats[] = {
	{ IPS_SRC_NAT, ATTR_SNAT_IPV4, ATTR_SNAT_IPV6, ATTR_SNAT_PORT, 0 },
	{ IPS_DST_NAT, ATTR_DNAT_IPV4, ATTR_DNAT_IPV6, ATTR_DNAT_PORT, 1 },
};

static void
ct_nat_to(struct nf_conntrack *c, const struct sync_state *s)
{
	const struct ct_nat	*n;
	const union sync_addr	*a;
	uint16_t		 port;
	size_t			 i;

	for (i = 0; i < sizeof(ct_nats) / sizeof(ct_nats[0]); i++) {
		n = &ct_nats[i];
		if (!(s->status & n->status))
			continue;
		a = n->reply_src ? &s->reply.src : &s->reply.dst;
		port = n->reply_src ? s->reply.sport : s->reply.dport;
		if (s->family == AF_INET)
			nfct_set_attr_u32(c, n->v4, a->v4.s_addr);
		else
			nfct_set_attr(c, n->v6, &a->v6);
		if (ct_has_ports(s->l4proto))
			nfct_set_attr_u16(c, n->port, htons(port));
	}
}

int
ct_to_nfct(const struct sync_state *s, struct nf_conntrack *c, int flags)
{
	struct sync_tuple	 r;

	if (s->family != AF_INET && s->family != AF_INET6)
		return (-1);
	ct_key_to(c, s);
	/* The kernel derives the NATed reply tuple from the binding, and
	 * only sets IPS_SRC_NAT/IPS_DST_NAT (which make it translate) when
	 * that changes the reply it was given: so give it the un-NATed
	 * one, as conntrackd does with NFCT_SOPT_SETUP_REPLY. */
	if ((flags & CT_NFCT_NAT) && (s->status & IPS_NAT_MASK)) {
		/* the reply tuple as it is before NAT */
		sync_tuple_invert(s->l4proto, &s->orig, &r);
		ct_tuple_to(c, s, 1, &r);
	} else
		ct_tuple_to(c, s, 1, &s->reply);
	nfct_set_attr_u32(c, ATTR_STATUS, s->status);
	nfct_set_attr_u32(c, ATTR_MARK, s->mark);
	nfct_set_attr_u32(c, ATTR_TIMEOUT, s->timeout);
	ct_protoinfo_to(c, s);
	if (ct_labels_to(c, s) == -1)
		return (-1);
	if (s->helper[0] != '\0') {
		char	 h[SYNC_HELPER_LEN];

		memcpy(h, s->helper, sizeof(h));
		h[sizeof(h) - 1] = '\0';
		nfct_set_attr(c, ATTR_HELPER_NAME, h);
	}
	if (flags & CT_NFCT_NAT)
		ct_nat_to(c, s);
	return (0);
}

uint32_t
ct_apply_status(uint32_t status)
{
	return (status & CT_STATUS_APPLY);
}

/* One state of an event, a dump or a get. 0, or -1 if the message is
 * not a conntrack entry we can carry. */
int
ct_nlmsg_state(const struct nlmsghdr *nlh, struct sync_state *s)
{
	struct nf_conntrack	*c;
	int			 rv;

	if ((c = nfct_new()) == NULL) {
		log_warn("ct: nfct_new");
		return (-1);
	}
	rv = nfct_nlmsg_parse(nlh, c);
	if (rv != -1)
		rv = ct_from_nfct(c, s);
	nfct_destroy(c);
	return (rv);
}
