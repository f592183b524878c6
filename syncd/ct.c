/* Kernel conntrack table access: events, batched apply, dump.
 *
 * Three netlink sockets:
 *   events  subscribed to NEW/UPDATE/DESTROY, non-blocking, big buffer
 *   apply   our create/update/delete requests; its portid is what the
 *           kernel puts in nlmsg_pid of the events our requests cause,
 *           which is how we tell our own injections from real traffic
 *   dump    opened per ct_dump(), blocking
 *
 * Kernel behaviour this relies on (checked in tests/unit/test_ctkern.c):
 *   - netlink requests to the kernel are processed inside sendmsg(), so
 *     every error for a batch is already queued on the apply socket when
 *     sendmsg() returns; without NLM_F_ACK only errors come back.
 *   - IPCTNL_MSG_CT_NEW with NLM_F_CREATE and without NLM_F_EXCL creates
 *     or updates; an update may not carry NAT (EOPNOTSUPP), so NATed
 *     states go as CREATE|EXCL with the binding and, on EEXIST, again as
 *     a plain update without it. A NAT binding therefore never changes on
 *     an existing entry: the first one applied wins until it is deleted.
 *   - status bits: ASSURED and SEEN_REPLY can be set but not cleared, and
 *     EXPECTED/DYING never (EBUSY). A state whose status went backwards
 *     (the peer reused the tuple for a new connection and we missed the
 *     delete) is replaced: delete, then create.
 *   - a helper the kernel does not have fails the create (EOPNOTSUPP): it
 *     is retried without the helper, the flow matters more.
 *   - CTA_TIMEOUT is mandatory on create (EINVAL). */
#include <sys/socket.h>
#include <linux/filter.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_dccp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "log.h"
#include "ct.h"
#include "nl.h"

#define CT_BATCH_LIMIT		(32 * 1024)	/* bytes per sendmsg */
#define CT_MSG_MAX		1024		/* bound on one request */
#define CT_BATCH_MAX		512		/* requests per sendmsg */
#define CT_EV_RCVBUF		(32 * 1024 * 1024)	/* a 100k/s burst */
#define CT_EV_RCVBUF_MAX	(64 * 1024 * 1024)
#define CT_APPLY_RCVBUF		(2 * 1024 * 1024)
#define CT_EVENT_BURST		256	/* events per read callback */
#define CT_RECVBUF		(64 * 1024)

/* TCP flags that describe the connection rather than window tracking
 * data we do not carry (td_maxack etc.): the rest stays the kernel's. */
#define CT_TCP_FLAGS		(IP_CT_TCP_FLAG_WINDOW_SCALE | \
	IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_CLOSE_INIT | \
	IP_CT_TCP_FLAG_BE_LIBERAL)

/* Status bits ctnetlink lets us set; NAT comes as explicit bindings,
 * CONFIRMED/DYING/EXPECTED and offload bits are the kernel's. */
#define CT_STATUS_APPLY		(IPS_SEEN_REPLY | IPS_ASSURED | \
	IPS_FIXED_TIMEOUT)

enum ct_kind {
	CT_MSG_UPSERT,		/* NEW, CREATE: create or update */
	CT_MSG_CREATE_NAT,	/* NEW, CREATE|EXCL, with NAT binding */
	CT_MSG_UPDATE,		/* NEW, no CREATE: update only */
	CT_MSG_DELETE,
	CT_MSG_LIBERAL,		/* NEW, update only: TCP liberal flags */
};

struct ct_pending {
	struct sync_state	 s;
	uint8_t			 kind;
	uint8_t			 final;		/* a retry: never retried */
};

struct ct_tattr {
	int	 v4src, v4dst, v6src, v6dst, sport, dport;
};

static const struct ct_tattr ct_tattrs[2] = {
	{ ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_SRC,
	  ATTR_ORIG_IPV6_DST, ATTR_ORIG_PORT_SRC, ATTR_ORIG_PORT_DST },
	{ ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_SRC,
	  ATTR_REPL_IPV6_DST, ATTR_REPL_PORT_SRC, ATTR_REPL_PORT_DST },
};

static struct {
	struct mnl_socket	*apply;
	uint32_t		 apply_portid;
	int			 overrun_pending; /* resync once drained */
	struct mnl_socket	*ev;
	struct event		*ev_read;
	struct ct_cb		 cb;
	void			*arg;
	struct ct_prefix	*ignore;
	size_t			 nignore;
	uint32_t		 slack;
	/* the batch being filled */
	char			 buf[2 * CT_BATCH_LIMIT];
	size_t			 len;
	struct ct_pending	 pend[CT_BATCH_MAX];
	size_t			 npend;
	uint32_t		 seq0;		/* seq of pend[0] */
	/* failed requests to send again in another form (at most two each) */
	struct ct_pending	 retry[2 * CT_BATCH_MAX];
	size_t			 nretry;
	struct ct_stats		 stats;
} ct;

static int	 ct_queue(const struct sync_state *, enum ct_kind, int);
static int	 ct_send(void);

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

/* The reply type of an ICMP query, as the kernel's invert_tuple does:
 * libnetfilter_conntrack has no attribute for the reply tuple's type. */
static uint8_t
ct_icmp_reply_type(uint8_t proto, uint8_t type)
{
	static const uint8_t v4[][2] = {
		{ 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 },
		{ 16, 15 }, { 17, 18 }, { 18, 17 },
	};
	static const uint8_t v6[][2] = {
		{ 128, 129 }, { 129, 128 }, { 139, 140 }, { 140, 139 },
	};
	const uint8_t	(*m)[2] = proto == IPPROTO_ICMP ? v4 : v6;
	size_t		 i, n = proto == IPPROTO_ICMP ? 8 : 4;

	for (i = 0; i < n; i++)
		if (m[i][0] == type)
			return (m[i][1]);
	return (type);
}

/* nf_conntrack -> sync_state */

static void
ct_tuple_from(const struct nf_conntrack *c, const struct sync_state *s,
    int dir, struct sync_tuple *t)
{
	const struct ct_tattr	*a = &ct_tattrs[dir];
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
	} else if (ct_is_icmp(s->l4proto)) {
		t->icmp_type = nfct_get_attr_u8(c, ATTR_ICMP_TYPE);
		t->icmp_code = nfct_get_attr_u8(c, ATTR_ICMP_CODE);
		t->icmp_id = ntohs(nfct_get_attr_u16(c, ATTR_ICMP_ID));
		if (dir == 1)
			t->icmp_type = ct_icmp_reply_type(s->l4proto,
			    t->icmp_type);
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
static void
ct_key_to(struct nf_conntrack *c, const struct sync_state *s)
{
	ct_tuple_to(c, s, 0, &s->orig);
	if (s->zone != 0)
		nfct_set_attr_u16(c, ATTR_ZONE, s->zone);
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
static void
ct_nat_to(struct nf_conntrack *c, const struct sync_state *s)
{
	int	 ports = ct_has_ports(s->l4proto);

	if (s->status & IPS_SRC_NAT) {
		if (s->family == AF_INET)
			nfct_set_attr_u32(c, ATTR_SNAT_IPV4,
			    s->reply.dst.v4.s_addr);
		else
			nfct_set_attr(c, ATTR_SNAT_IPV6, &s->reply.dst.v6);
		if (ports)
			nfct_set_attr_u16(c, ATTR_SNAT_PORT,
			    htons(s->reply.dport));
	}
	if (s->status & IPS_DST_NAT) {
		if (s->family == AF_INET)
			nfct_set_attr_u32(c, ATTR_DNAT_IPV4,
			    s->reply.src.v4.s_addr);
		else
			nfct_set_attr(c, ATTR_DNAT_IPV6, &s->reply.src.v6);
		if (ports)
			nfct_set_attr_u16(c, ATTR_DNAT_PORT,
			    htons(s->reply.sport));
	}
}

/* The reply tuple as it is before NAT. */
static void
ct_invert(const struct sync_tuple *o, struct sync_tuple *r)
{
	memset(r, 0, sizeof(*r));
	r->src = o->dst;
	r->dst = o->src;
	r->sport = o->dport;
	r->dport = o->sport;
	r->icmp_id = o->icmp_id;
	r->icmp_code = o->icmp_code;
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
		ct_invert(&s->orig, &r);
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

/* Ignore list */

int
ct_prefix_match(const struct ct_prefix *p, int family,
    const union sync_addr *a)
{
	size_t	 full, rest, alen = family == AF_INET ? 4 : 16;

	if (p->family != family || p->plen > alen * 8)
		return (0);
	full = p->plen / 8;
	rest = p->plen % 8;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((p->addr.b[full] ^ a->b[full]) & (0xff00 >> rest)) == 0);
}

static int
ct_addr_ignored(int family, const union sync_addr *a)
{
	static const struct ct_prefix lo4 = { AF_INET, 8, { .b = { 127 } } };
	static const struct ct_prefix lo6 = { AF_INET6, 128,
	    { .b = { [15] = 1 } } };
	size_t	 i;

	if (ct_prefix_match(&lo4, family, a) ||
	    ct_prefix_match(&lo6, family, a))
		return (1);
	for (i = 0; i < ct.nignore; i++)
		if (ct_prefix_match(&ct.ignore[i], family, a))
			return (1);
	return (0);
}

/* Either end in either tuple: the reply source is the original
 * destination after DNAT, the reply destination the SNAT address. */
int
ct_ignored(const struct sync_state *s)
{
	return (ct_addr_ignored(s->family, &s->orig.src) ||
	    ct_addr_ignored(s->family, &s->orig.dst) ||
	    ct_addr_ignored(s->family, &s->reply.src) ||
	    ct_addr_ignored(s->family, &s->reply.dst));
}

int
ct_set_ignore(const struct ct_prefix *p, size_t n)
{
	struct ct_prefix	*np = NULL;

	if (n > 0) {
		if ((np = calloc(n, sizeof(*np))) == NULL)
			return (-1);
		memcpy(np, p, n * sizeof(*np));
	}
	free(ct.ignore);
	ct.ignore = np;
	ct.nignore = n;
	return (0);
}

void
ct_set_timeout_slack(uint32_t secs)
{
	ct.slack = secs;
}

const struct ct_stats *
ct_stats(void)
{
	return (&ct.stats);
}

/* Sockets */

static int
ct_rcvbuf(struct mnl_socket *nl, int size)
{
	int	 fd = mnl_socket_get_fd(nl);

	/* FORCE passes rmem_max when we are root; plain is the fallback */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		return (-1);
	return (0);
}

static struct mnl_socket *
ct_socket(unsigned int groups)
{
	struct mnl_socket	*nl;

	if ((nl = nl_open(NETLINK_NETFILTER, groups, 0)) == NULL)
		log_warn("ct: netlink socket");
	return (nl);
}

static int
ct_open_apply(void)
{
	int	 on = 1;

	if ((ct.apply = ct_socket(0)) == NULL)
		return (-1);
	ct.apply_portid = mnl_socket_get_portid(ct.apply);
	/* errors without the request echoed: the seq is all we need */
	mnl_socket_setsockopt(ct.apply, NETLINK_CAP_ACK, &on, sizeof(on));
	if (ct_rcvbuf(ct.apply, CT_APPLY_RCVBUF) == -1)
		log_warn("ct: apply socket buffer");
	ct.seq0 = (uint32_t)time(NULL);
	return (0);
}

static void	 ct_event_read(int, short, void *);

/* Drop the events our own apply socket causes in the kernel, before they
 * take room in the event socket's buffer: applying a peer's bulk would
 * otherwise overrun it with our own echo. The check in ct_event_state()
 * stays, for a kernel that refuses the filter. The word at offset 12 is
 * nlmsg_pid in host order; BPF loads words big-endian, hence ntohl. */
static void
ct_echo_filter(int fd)
{
	struct sock_filter	 code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(ct.apply_portid),
		    0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog	 prog = { sizeof(code) / sizeof(code[0]), code };

	if (ct.apply_portid == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		log_warn("ct: echo filter (filtering in userspace instead)");
}

static int
ct_open_events(struct event_base *base)
{
	int	 fd;

	ct.ev = ct_socket(1 << (NFNLGRP_CONNTRACK_NEW - 1) |
	    1 << (NFNLGRP_CONNTRACK_UPDATE - 1) |
	    1 << (NFNLGRP_CONNTRACK_DESTROY - 1));
	if (ct.ev == NULL)
		return (-1);
	fd = mnl_socket_get_fd(ct.ev);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("ct: event socket non-blocking");
		return (-1);
	}
	if (ct_rcvbuf(ct.ev, CT_EV_RCVBUF) == -1)
		log_warn("ct: event socket buffer");
	ct.stats.rcvbuf = CT_EV_RCVBUF;
	ct_echo_filter(fd);
	ct.ev_read = event_new(base, fd, EV_READ | EV_PERSIST, ct_event_read,
	    NULL);
	if (ct.ev_read == NULL || event_add(ct.ev_read, NULL) == -1) {
		log_warnx("ct: event_add");
		return (-1);
	}
	return (0);
}

int
ct_init(struct event_base *base, const struct ct_cb *cb, void *arg)
{
	if (ct_open_apply() == -1)
		return (-1);
	if (cb != NULL) {
		ct.cb = *cb;
		ct.arg = arg;
		if (ct_open_events(base) == -1) {
			ct_shutdown();
			return (-1);
		}
	}
	return (0);
}

void
ct_shutdown(void)
{
	if (ct.ev_read != NULL)
		event_free(ct.ev_read);
	if (ct.ev != NULL)
		mnl_socket_close(ct.ev);
	if (ct.apply != NULL)
		mnl_socket_close(ct.apply);
	free(ct.ignore);
	memset(&ct, 0, sizeof(ct));
}

/* Events */

static void
ct_event_state(const struct nlmsghdr *nlh)
{
	struct nf_conntrack	*c;
	struct sync_state	 s;
	int			 rv;

	if ((c = nfct_new()) == NULL) {
		log_warn("ct: nfct_new");
		return;
	}
	rv = nfct_nlmsg_parse(nlh, c);
	if (rv != -1)
		rv = ct_from_nfct(c, &s);
	nfct_destroy(c);
	if (rv == -1 || ct_ignored(&s)) {
		ct.stats.ignored++;
		return;
	}
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_CT_DELETE) {
		if (ct.cb.on_delete != NULL)
			ct.cb.on_delete(&s, ct.arg);
	} else if (ct.cb.on_update != NULL)
		ct.cb.on_update(&s, ct.arg);
}

static int
ct_event_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	ct.stats.events++;
	/* the kernel stamps events caused by a request with the
	 * requester's portid; kernel-originated ones carry 0 */
	if (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid == ct.apply_portid) {
		ct.stats.echo_suppressed++;
		return (MNL_CB_OK);
	}
	ct_event_state(nlh);
	return (MNL_CB_OK);
}

/* Events were dropped: grow the buffer so it happens less, and let the
 * caller resync from a dump, which is the only way to learn what was
 * lost. */
static void
ct_overrun(void)
{
	uint32_t	 size = ct.stats.rcvbuf;

	ct.stats.overruns++;
	if (size < CT_EV_RCVBUF_MAX) {
		size = size * 2 > CT_EV_RCVBUF_MAX ? CT_EV_RCVBUF_MAX :
		    size * 2;
		if (ct_rcvbuf(ct.ev, (int)size) == 0)
			ct.stats.rcvbuf = size;
	}
	log_warnx("ct: event overrun, buffer %u bytes, resync once drained",
	    ct.stats.rcvbuf);
	ct.overrun_pending = 1;
}

static void
ct_event_read(int fd, short event, void *arg)
{
	static char	 buf[CT_RECVBUF];
	ssize_t		 n;
	int		 i;

	(void)fd;
	(void)event;
	(void)arg;
	/* bounded so that a storm of events cannot starve the loop */
	for (i = 0; i < CT_EVENT_BURST; i++) {
		n = mnl_socket_recvfrom(ct.ev, buf, sizeof(buf));
		if (n == -1) {
			/* The kernel reports ENOBUFS once per congestion and
			 * drops silently until the queue is empty: only a
			 * dump made after the drain misses nothing, since any
			 * later drop is reported again. */
			if (errno == EAGAIN && ct.overrun_pending) {
				ct.overrun_pending = 0;
				if (ct.cb.on_overrun != NULL)
					ct.cb.on_overrun(ct.arg);
				return;
			}
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				ct_overrun();
				continue;
			}
			log_warn("ct: event read");
			return;
		}
		if (mnl_cb_run(buf, n, 0, 0, ct_event_cb, NULL) == -1)
			log_warn("ct: event parse");
	}
}

/* Apply */

static void
ct_count_error(int err)
{
	ct.stats.apply_errors++;
	ct.stats.errors_by_errno[err > 0 && err < CT_ERRNO_MAX - 1 ? err :
	    CT_ERRNO_MAX - 1]++;
}

static void
ct_msg_attrs(struct nf_conntrack *c, const struct sync_state *s,
    enum ct_kind kind)
{
	uint64_t	 t;

	if (kind == CT_MSG_DELETE) {
		ct_key_to(c, s);
		return;
	}
	/* flags only, with their mask: nothing else of the entry (its
	 * state above all) is touched */
	if (kind == CT_MSG_LIBERAL) {
		ct_key_to(c, s);
		nfct_set_attr_u8(c, ATTR_TCP_FLAGS_ORIG,
		    IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(c, ATTR_TCP_MASK_ORIG,
		    IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(c, ATTR_TCP_FLAGS_REPL,
		    IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(c, ATTR_TCP_MASK_REPL,
		    IP_CT_TCP_FLAG_BE_LIBERAL);
		return;
	}
	ct_to_nfct(s, c, kind == CT_MSG_CREATE_NAT ? CT_NFCT_NAT : 0);
	nfct_set_attr_u32(c, ATTR_STATUS, ct_apply_status(s->status));
	/* at least 1 s: a state about to expire on the peer is still
	 * alive there, and 0 would not survive creation */
	t = (uint64_t)s->timeout + ct.slack;
	nfct_set_attr_u32(c, ATTR_TIMEOUT, t == 0 ? 1 :
	    t > UINT32_MAX ? UINT32_MAX : (uint32_t)t);
	if (kind == CT_MSG_UPDATE) {
		/* not allowed to change on an existing entry */
		nfct_attr_unset(c, ATTR_HELPER_NAME);
	}
}

static int
ct_queue(const struct sync_state *s, enum ct_kind kind, int final)
{
	static const uint16_t	 flags[] = {
		[CT_MSG_UPSERT] = NLM_F_CREATE,
		[CT_MSG_CREATE_NAT] = NLM_F_CREATE | NLM_F_EXCL,
		[CT_MSG_UPDATE] = 0,
		[CT_MSG_DELETE] = 0,
		[CT_MSG_LIBERAL] = 0,
	};
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	struct nf_conntrack	*c;

	if (ct.apply == NULL || (s->family != AF_INET &&
	    s->family != AF_INET6)) {
		errno = EINVAL;
		return (-1);
	}
	if ((ct.len + CT_MSG_MAX > CT_BATCH_LIMIT ||
	    ct.npend == CT_BATCH_MAX) && ct_apply_flush() == -1)
		return (-1);
	if ((c = nfct_new()) == NULL)
		return (-1);
	ct_msg_attrs(c, s, kind);
	nlh = mnl_nlmsg_put_header(ct.buf + ct.len);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 |
	    (kind == CT_MSG_DELETE ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	/* no NLM_F_ACK: the kernel answers errors only */
	nlh->nlmsg_flags = NLM_F_REQUEST | flags[kind];
	nlh->nlmsg_seq = ct.seq0 + (uint32_t)ct.npend;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = s->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	nfct_nlmsg_build(nlh, c);
	nfct_destroy(c);
	ct.len += nlh->nlmsg_len;
	ct.pend[ct.npend].s = *s;
	ct.pend[ct.npend].kind = kind;
	ct.pend[ct.npend].final = (uint8_t)final;
	ct.npend++;
	return (0);
}

static enum ct_kind
ct_create_kind(const struct sync_state *s)
{
	return (s->status & IPS_NAT_MASK ? CT_MSG_CREATE_NAT : CT_MSG_UPSERT);
}

int
ct_apply_update(const struct sync_state *s)
{
	return (ct_queue(s, ct_create_kind(s), 0));
}

int
ct_apply_delete(const struct sync_state *s)
{
	return (ct_queue(s, CT_MSG_DELETE, 0));
}

static void
ct_retry(const struct sync_state *s, enum ct_kind kind)
{
	ct.retry[ct.nretry].s = *s;
	ct.retry[ct.nretry].kind = kind;
	ct.nretry++;
}

/* Returns 1 if the request goes again in another form. */
static int
ct_retry_error(const struct ct_pending *p, int err)
{
	struct sync_state	 s;

	if (p->final || ct.nretry + 2 > sizeof(ct.retry) / sizeof(ct.retry[0]))
		return (0);
	if (p->kind == CT_MSG_CREATE_NAT && err == EEXIST) {
		ct_retry(&p->s, CT_MSG_UPDATE);
		return (1);
	}
	if ((p->kind == CT_MSG_UPSERT || p->kind == CT_MSG_UPDATE) &&
	    err == EBUSY) {
		ct_retry(&p->s, CT_MSG_DELETE);
		ct_retry(&p->s, ct_create_kind(&p->s));
		return (1);
	}
	if (p->kind != CT_MSG_DELETE && err == EOPNOTSUPP &&
	    p->s.helper[0] != '\0') {
		s = p->s;
		memset(s.helper, 0, sizeof(s.helper));
		ct_retry(&s, (enum ct_kind)p->kind);
		return (1);
	}
	return (0);
}

static void
ct_ack_error(const struct ct_pending *p, int err)
{
	if (ct_retry_error(p, err))
		return;
	if ((p->kind == CT_MSG_DELETE || p->kind == CT_MSG_LIBERAL) &&
	    err == ENOENT) {
		/* already gone here: expired or never arrived */
		ct.stats.delete_missing++;
		return;
	}
	ct_count_error(err);
}

/* Returns the number of requests that failed or were deferred. */
static size_t
ct_read_errors(void)
{
	static char		 buf[CT_RECVBUF];
	const struct nlmsghdr	*nlh;
	const struct nlmsgerr	*e;
	size_t			 idx, bad = 0, i;
	ssize_t			 n;
	int			 len;

	/* every error is queued already; bounded by one per request */
	for (i = 0; i <= ct.npend; i++) {
		n = recv(mnl_socket_get_fd(ct.apply), buf, sizeof(buf),
		    MSG_DONTWAIT);
		if (n == -1) {
			if (errno == ENOBUFS) {
				log_warnx("ct: apply errors lost");
				ct_count_error(ENOBUFS);
				continue;
			}
			break;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			idx = nlh->nlmsg_seq - ct.seq0;
			if (e->error == 0 || idx >= ct.npend)
				continue;
			ct_ack_error(&ct.pend[idx], -e->error);
			bad++;
		}
	}
	return (bad);
}

static int
ct_send(void)
{
	size_t	 bad;
	int	 rv = 0;

	if (ct.npend == 0)
		return (0);
	if (mnl_socket_sendto(ct.apply, ct.buf, ct.len) == -1) {
		log_warn("ct: apply %zu states", ct.npend);
		ct.stats.apply_errors += ct.npend;
		ct.stats.errors_by_errno[errno < CT_ERRNO_MAX - 1 ? errno :
		    CT_ERRNO_MAX - 1] += ct.npend;
		rv = -1;
	} else {
		bad = ct_read_errors();
		ct.stats.applied += ct.npend - (bad > ct.npend ? ct.npend :
		    bad);
	}
	ct.seq0 += (uint32_t)ct.npend;
	ct.npend = 0;
	ct.len = 0;
	return (rv);
}

/* Send the batch, then the requests that failed in a way another form
 * fixes; those are final, so this ends after one more round. */
int
ct_apply_flush(void)
{
	size_t	 i, n;
	int	 rv;

	rv = ct_send();
	if (ct.nretry == 0)
		return (rv);
	n = ct.nretry;
	ct.nretry = 0;
	for (i = 0; i < n; i++)
		if (ct_queue(&ct.retry[i].s, (enum ct_kind)ct.retry[i].kind,
		    1) == -1)
			rv = -1;
	if (ct_send() == -1)
		rv = -1;
	return (rv);
}

/* Dump */

struct ct_dump_ctx {
	void	(*fn)(const struct sync_state *, void *);
	void	 *arg;
};

static int
ct_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_dump_ctx	*d = arg;
	struct nf_conntrack	*c;
	struct sync_state	 s;
	int			 rv;

	if ((c = nfct_new()) == NULL)
		return (MNL_CB_ERROR);
	rv = nfct_nlmsg_parse(nlh, c);
	if (rv != -1)
		rv = ct_from_nfct(c, &s);
	nfct_destroy(c);
	if (rv != -1 && !ct_ignored(&s))
		d->fn(&s, d->arg);
	return (MNL_CB_OK);
}

int
ct_dump(void (*fn)(const struct sync_state *, void *), void *arg)
{
	static char		 buf[CT_RECVBUF];
	struct ct_dump_ctx	 d = { fn, arg };
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	uint32_t		 seq = (uint32_t)time(NULL);
	int			 rv = -1;

	if ((nl = ct_socket(0)) == NULL)
		return (-1);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if ((rv = nl_talk(nl, nlh, ct_dump_cb, &d)) == -1)
		log_warn("ct: dump");
	mnl_socket_close(nl);
	return (rv);
}

struct ct_get_ctx {
	struct sync_state	*out;
	int			 found;
};

static int
ct_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_get_ctx	*g = arg;
	struct nf_conntrack	*c;

	if ((c = nfct_new()) == NULL)
		return (MNL_CB_ERROR);
	if (nfct_nlmsg_parse(nlh, c) != -1 && ct_from_nfct(c, g->out) != -1)
		g->found = 1;
	nfct_destroy(c);
	return (MNL_CB_OK);
}

/* One entry by its key (family, l4proto, zone, orig tuple of key): for
 * retransmissions, which must carry the state as it is now. 0 and *out
 * filled, or -1 (errno ENOENT if the kernel has no such entry). One
 * blocking round trip on a socket of its own: not for the hot path. */
int
ct_get(const struct sync_state *key, struct sync_state *out)
{
	static struct mnl_socket	*nl;
	static char			 buf[CT_RECVBUF];
	struct ct_get_ctx		 g = { out, 0 };
	struct nf_conntrack		*c;
	struct nlmsghdr			*nlh;
	struct nfgenmsg			*nfg;
	static uint32_t			 seq;
	int				 rv;

	/* each request its own seq, so a late answer is never taken for
	 * the answer to the next one */
	if (seq == 0)
		seq = (uint32_t)time(NULL);
	seq++;
	if (nl == NULL && (nl = ct_socket(0)) == NULL)
		return (-1);
	if ((c = nfct_new()) == NULL)
		return (-1);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = key->family;
	nfg->version = NFNETLINK_V0;
	ct_key_to(c, key);
	rv = nfct_nlmsg_build(nlh, c);
	nfct_destroy(c);
	memset(out, 0, sizeof(*out));
	/* the entry, then the ack (or only an error) */
	if (rv == -1 || nl_talk(nl, nlh, ct_get_cb, &g) == -1)
		return (-1);
	if (!g.found) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

/* Mark a local TCP entry liberal in window tracking. ctnetlink cannot
 * carry window data, so the node that takes a connection over, or gets
 * it back after the peer forwarded it for a while, must not judge its
 * packets against windows it has not seen (they would be INVALID and
 * dropped). The state machine is still tracked. Queued in the batch. */
int
ct_apply_liberal(const struct sync_state *s)
{
	if (s->l4proto != IPPROTO_TCP)
		return (0);
	return (ct_queue(s, CT_MSG_LIBERAL, 1));
}
