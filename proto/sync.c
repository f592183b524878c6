/* syncd wire codec: struct sync_state <-> proto/sync.proto datagrams.
 * Every byte from the peer is untrusted: a datagram is validated as a
 * whole before any callback, and no length in it is believed. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync.pb-c.h"

#include "log.h"
#include "sync.h"
#include "sync_var.h"

#define MSG_MAXSTATE	15	/* tcp/sctp/dccp state numbers fit 4 bits */
#define MSG_MAXWSCALE	14	/* RFC 7323 */
#define MSG_WT_LEN	2	/* protobuf wire type: length-delimited */
#define MSG_FIELD_UPD	2	/* Datagram.updates */
#define MSG_FIELD_DEL	3	/* Datagram.deletes */

/* Protobuf form of one state: the pb structs point into the state
 * (addresses, labels, helper), which outlives the packing. */
struct msg_pb {
	Sync__StateUpdate	 upd;
	Sync__StateDelete	 del;
	Sync__Tuple		 orig;
	Sync__Tuple		 reply;
};

/* ------------------------------------------------------------------ */
/* keys */

size_t
msg_addrlen(uint8_t family)
{
	return (family == AF_INET6 ? 16 : 4);
}

/* IPv4 addresses use 4 bytes of the union: zero the rest so that keys
 * compare and hash as bytes. */
static void
msg_tuple_norm(struct sync_tuple *t, uint8_t family)
{
	size_t	 alen = msg_addrlen(family);

	memset(t->src.b + alen, 0, sizeof(t->src.b) - alen);
	memset(t->dst.b + alen, 0, sizeof(t->dst.b) - alen);
}

void
msg_state_key(const struct sync_state *s, struct sync_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = s->family;
	k->l4proto = s->l4proto;
	k->zone = s->zone;
	k->orig = s->orig;
	msg_tuple_norm(&k->orig, k->family);
}

void
msg_key_norm(const struct sync_key *in, struct sync_key *k)
{
	*k = *in;
	msg_tuple_norm(&k->orig, k->family);
}

int
msg_key_equal(const struct sync_key *a, const struct sync_key *b)
{
	return (memcmp(a, b, sizeof(*a)) == 0);
}

/* ------------------------------------------------------------------ */
/* tuples */

/* The reply type of an ICMP query, as the kernel's invert_tuple maps it
 * (nf_conntrack_proto_icmp.c, icmpv6.c): echo, timestamp, information
 * and address mask; node information for ICMPv6. */
static uint8_t
sync_icmp_invert(uint8_t l4proto, uint8_t type)
{
	static const uint8_t	 v4[][2] = {
		{ 8, 0 }, { 0, 8 }, { 13, 14 }, { 14, 13 }, { 15, 16 },
		{ 16, 15 }, { 17, 18 }, { 18, 17 },
	};
	static const uint8_t	 v6[][2] = {
		{ 128, 129 }, { 129, 128 }, { 139, 140 }, { 140, 139 },
	};
	const uint8_t		(*m)[2] = l4proto == IPPROTO_ICMP ? v4 : v6;
	size_t			 i, n = l4proto == IPPROTO_ICMP ?
				    sizeof(v4) / sizeof(v4[0]) :
				    sizeof(v6) / sizeof(v6[0]);

	for (i = 0; i < n; i++)
		if (m[i][0] == type)
			return (m[i][1]);
	return (type);
}

void
sync_tuple_invert(uint8_t l4proto, const struct sync_tuple *t,
    struct sync_tuple *r)
{
	*r = *t;
	r->src = t->dst;
	r->dst = t->src;
	r->sport = t->dport;
	r->dport = t->sport;
	if (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6)
		r->icmp_type = sync_icmp_invert(l4proto, t->icmp_type);
}

/* ------------------------------------------------------------------ */
/* validation shared by both directions */

int
msg_l4proto_valid(uint8_t family, uint8_t l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_GRE:
		return (1);
	case IPPROTO_ICMP:
		return (family == AF_INET);
	case IPPROTO_ICMPV6:
		return (family == AF_INET6);
	}
	return (0);
}

static int
msg_addr_unspec(const union sync_addr *a, uint8_t family)
{
	static const uint8_t	 zero[16];

	return (memcmp(a->b, zero, msg_addrlen(family)) == 0);
}

static int
msg_addr_mcast(const union sync_addr *a, uint8_t family)
{
	if (family == AF_INET6)
		return (a->b[0] == 0xff);
	return ((a->b[0] & 0xf0) == 0xe0);
}

/* Addresses no confirmed conntrack entry has: a packet to the
 * unspecified address is never routed (a local connect to it goes to a
 * local address), and a multicast source is a martian. dir 0 is the
 * orig tuple (src sends, dst is sent to), 1 the reply (the other way
 * round). A zero tuple fails both ways. */
int
msg_tuple_sane(const struct sync_tuple *t, uint8_t family, int dir)
{
	const union sync_addr	*from = dir == 0 ? &t->src : &t->dst;
	const union sync_addr	*to = dir == 0 ? &t->dst : &t->src;

	return (!msg_addr_unspec(to, family) && !msg_addr_mcast(from, family));
}

int
msg_key_valid(const struct sync_key *k)
{
	if (k->family != AF_INET && k->family != AF_INET6)
		return (0);
	return (msg_l4proto_valid(k->family, k->l4proto) &&
	    msg_tuple_sane(&k->orig, k->family, 0));
}

int
msg_state_valid(const struct sync_state *s)
{
	if (s->family != AF_INET && s->family != AF_INET6)
		return (0);
	if (!msg_l4proto_valid(s->family, s->l4proto) ||
	    !msg_tuple_sane(&s->orig, s->family, 0) ||
	    !msg_tuple_sane(&s->reply, s->family, 1))
		return (0);
	if (s->timeout > MSG_MAXTIMEOUT)
		return (0);
	if (s->tcp_state > MSG_MAXSTATE || s->sctp_state > MSG_MAXSTATE ||
	    s->dccp_state > MSG_MAXSTATE)
		return (0);
	if (s->tcp_wscale_orig > MSG_MAXWSCALE ||
	    s->tcp_wscale_repl > MSG_MAXWSCALE)
		return (0);
	if (s->has_labels > 1)
		return (0);
	return (memchr(s->helper, '\0', sizeof(s->helper)) != NULL);
}

/* ------------------------------------------------------------------ */
/* encode */

uint32_t
msg_family_wire(uint8_t family)
{
	return (family == AF_INET6 ? 6 : 4);
}

void
msg_tuple_to_pb(const struct sync_tuple *t, uint8_t family, Sync__Tuple *pb)
{
	size_t	 alen = msg_addrlen(family);

	sync__tuple__init(pb);
	pb->src.len = alen;
	pb->src.data = (uint8_t *)(uintptr_t)t->src.b;
	pb->dst.len = alen;
	pb->dst.data = (uint8_t *)(uintptr_t)t->dst.b;
	pb->sport = t->sport;
	pb->dport = t->dport;
	pb->icmp_id = t->icmp_id;
	pb->icmp_type = t->icmp_type;
	pb->icmp_code = t->icmp_code;
}

/* The reply tuple of a flow without NAT is the orig one inverted: it is
 * then left out of the datagram, which saves a fifth of a state. */
static int
msg_reply_is_inverse(const struct sync_state *s)
{
	struct sync_tuple	 inv, r = s->reply;

	sync_tuple_invert(s->l4proto, &s->orig, &inv);
	/* only the family's address bytes go on the wire */
	msg_tuple_norm(&inv, s->family);
	msg_tuple_norm(&r, s->family);
	return (memcmp(&inv, &r, sizeof(inv)) == 0);
}

static void
msg_update_to_pb(const struct sync_state *s, struct msg_pb *pb)
{
	Sync__StateUpdate	*u = &pb->upd;

	sync__state_update__init(u);
	u->family = msg_family_wire(s->family);
	u->l4proto = s->l4proto;
	u->zone = s->zone;
	msg_tuple_to_pb(&s->orig, s->family, &pb->orig);
	u->orig = &pb->orig;
	if (!msg_reply_is_inverse(s)) {
		msg_tuple_to_pb(&s->reply, s->family, &pb->reply);
		u->reply = &pb->reply;
	}
	u->status = s->status;
	u->mark = s->mark;
	u->timeout = s->timeout;
	u->tcp_state = s->tcp_state;
	u->tcp_wscale_orig = s->tcp_wscale_orig;
	u->tcp_wscale_repl = s->tcp_wscale_repl;
	u->tcp_flags_orig = s->tcp_flags_orig;
	u->tcp_flags_repl = s->tcp_flags_repl;
	u->sctp_state = s->sctp_state;
	u->sctp_vtag_orig = s->sctp_vtag_orig;
	u->sctp_vtag_repl = s->sctp_vtag_repl;
	u->dccp_state = s->dccp_state;
	if (s->has_labels) {
		u->labels.len = SYNC_LABELS_LEN;
		u->labels.data = (uint8_t *)(uintptr_t)s->labels;
	}
	u->helper = (char *)(uintptr_t)s->helper;
	u->relay = s->relay != 0;
}

static void
msg_delete_to_pb(const struct sync_key *k, struct msg_pb *pb)
{
	Sync__StateDelete	*d = &pb->del;

	sync__state_delete__init(d);
	d->family = msg_family_wire(k->family);
	d->l4proto = k->l4proto;
	d->zone = k->zone;
	msg_tuple_to_pb(&k->orig, k->family, &pb->orig);
	d->orig = &pb->orig;
}

/* Header and control messages live on the stack of msg_build. */
struct msg_pbctl {
	Sync__Header		 hdr;
	Sync__Ack		 ack[MSG_MAXPEERS];
	Sync__Ack		*ackp[MSG_MAXPEERS];
	Sync__BulkRequest	 breq;
	Sync__BulkEnd		 bend;
	Sync__Heartbeat		 hb;
	Sync__ResyncRequest	 rs;
	Sync__Nack		 nack[MSG_MAXPEERS];
	Sync__Nack		*nackp[MSG_MAXPEERS];
	Sync__Range		 range[MSG_MAXPEERS][MSG_MAXRANGES];
	Sync__Range		*rangep[MSG_MAXPEERS][MSG_MAXRANGES];
};

static int
msg_hdr_to_pb(const struct msg_hdr *h, uint32_t flags, struct msg_pbctl *c)
{
	size_t	 i;

	if (h->acks_len > MSG_MAXPEERS)
		return (-1);
	sync__header__init(&c->hdr);
	c->hdr.version = SYNC_WIRE_VERSION;
	c->hdr.nonce = h->nonce;
	c->hdr.node = h->node;
	c->hdr.seq = h->seq;
	c->hdr.low = h->base;
	c->hdr.flags = flags;
	for (i = 0; i < h->acks_len; i++) {
		sync__ack__init(&c->ack[i]);
		c->ack[i].node = h->acks[i].node;
		c->ack[i].nonce = h->acks[i].nonce;
		c->ack[i].seq = h->acks[i].seq;
		c->ackp[i] = &c->ack[i];
	}
	c->hdr.n_acks = h->acks_len;
	c->hdr.acks = c->ackp;
	return (0);
}

static int
msg_nacks_to_pb(const struct msg_ctl *ctl, struct msg_pbctl *c,
    Sync__Datagram *dg)
{
	size_t	 i, j;

	if (ctl->nnacks > MSG_MAXPEERS)
		return (-1);
	for (i = 0; i < ctl->nnacks; i++) {
		if (ctl->nacks[i].nranges > MSG_MAXRANGES)
			return (-1);
		sync__nack__init(&c->nack[i]);
		c->nack[i].node = ctl->nacks[i].node;
		for (j = 0; j < ctl->nacks[i].nranges; j++) {
			sync__range__init(&c->range[i][j]);
			c->range[i][j].first = ctl->nacks[i].ranges[j].first;
			c->range[i][j].count = ctl->nacks[i].ranges[j].count;
			c->rangep[i][j] = &c->range[i][j];
		}
		c->nack[i].n_ranges = ctl->nacks[i].nranges;
		c->nack[i].ranges = c->rangep[i];
		c->nackp[i] = &c->nack[i];
	}
	dg->n_nacks = ctl->nnacks;
	dg->nacks = c->nackp;
	return (0);
}

static int
msg_ctl_to_pb(const struct msg_ctl *ctl, struct msg_pbctl *c,
    Sync__Datagram *dg)
{
	if (ctl == NULL)
		return (0);
	if (ctl->bulk_request) {
		sync__bulk_request__init(&c->breq);
		dg->bulk_request = &c->breq;
	}
	if (ctl->bulk_end) {
		sync__bulk_end__init(&c->bend);
		dg->bulk_end = &c->bend;
	}
	if (ctl->heartbeat) {
		sync__heartbeat__init(&c->hb);
		c->hb.interval_ms = ctl->heartbeat_ms;
		c->hb.probe = ctl->probe != 0;
		c->hb.nlinks = ctl->nlinks;
		c->hb.heard = ctl->heard;
		if (ctl->ruleset_len > 0) {
			c->hb.ruleset.data = (uint8_t *)(uintptr_t)ctl->ruleset;
			c->hb.ruleset.len = ctl->ruleset_len > MSG_RULESET_LEN ?
			    MSG_RULESET_LEN : ctl->ruleset_len;
		}
		dg->heartbeat = &c->hb;
	}
	if (ctl->resync) {
		sync__resync_request__init(&c->rs);
		c->rs.node = ctl->resync_node;
		dg->resync_request = &c->rs;
	}
	return (msg_nacks_to_pb(ctl, c, dg));
}


/* Header and control messages with the given flags, for sizing and for
 * the final packing alike. */
static int
msg_head_to_pb(const struct msg_out *o, uint32_t flags, struct msg_pbctl *c,
    Sync__Datagram *dg)
{
	sync__datagram__init(dg);
	if (msg_hdr_to_pb(o->hdr, flags, c) == -1 ||
	    msg_ctl_to_pb(o->ctl, c, dg) == -1)
		return (-1);
	dg->header = &c->hdr;
	return (0);
}

int
msg_out_begin(struct msg_out *o, const struct msg_hdr *hdr,
    const struct msg_ctl *ctl, uint8_t *buf, size_t room)
{
	Sync__Datagram		 dg, h = SYNC__DATAGRAM__INIT;
	struct msg_pbctl	 c;

	memset(o, 0, sizeof(*o));
	o->hdr = hdr;
	o->ctl = ctl;
	o->buf = buf;
	o->room = room > MSG_MAXDGRAM ? MSG_MAXDGRAM : room;
	/* Sized with MSG_F_DATA, which a datagram with states always has:
	 * flags 0 is absent, flags 1 one byte more. */
	if (msg_head_to_pb(o, hdr->flags | MSG_F_DATA, &c, &dg) == -1) {
		errno = EINVAL;
		return (-1);
	}
	o->hdrlen = sync__datagram__get_packed_size(&dg);
	h.header = &c.hdr;
	o->hdronly = sync__datagram__get_packed_size(&h);
	if (o->hdrlen > o->room) {
		errno = EMSGSIZE;
		return (-1);
	}
	/* the states go after the header, which is written last */
	o->len = o->hdrlen;
	return (0);
}

static size_t
msg_varint_size(size_t v)
{
	size_t	 n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return (n);
}

/* Make room for one embedded message of sz bytes: its one-byte field tag
 * (2 or 3) and its length varint are written here, the message after. A
 * repeated field may come in any order on the wire, so each state is
 * appended as it comes. */
static uint8_t *
msg_out_field(struct msg_out *o, unsigned field, size_t sz)
{
	size_t	 need = 1 + msg_varint_size(sz) + sz;
	uint8_t	*p;

	if (o->nitems == MSG_MAXITEMS || o->len + need > o->room) {
		/* stop at the first that does not fit: skipping ahead to
		 * smaller ones would starve it */
		errno = o->hdronly + need > o->room ? EMSGSIZE : ENOSPC;
		return (NULL);
	}
	p = o->buf + o->len;
	*p++ = field << 3 | MSG_WT_LEN;
	for (; sz >= 0x80; sz >>= 7)
		*p++ = (sz & 0x7f) | 0x80;
	*p++ = sz;
	o->len += need;
	o->nitems++;
	return (p);
}

/* Append one packed state as the given repeated field. */
int
msg_out_pack(struct msg_out *o, unsigned field, const ProtobufCMessage *m)
{
	uint8_t	*p;
	size_t	 sz = protobuf_c_message_get_packed_size(m);

	if ((p = msg_out_field(o, field, sz)) == NULL)
		return (-1);
	protobuf_c_message_pack(m, p);
	return (0);
}

int
msg_out_update(struct msg_out *o, const struct sync_state *s)
{
	struct msg_pb	 pb;

	if (!msg_state_valid(s)) {
		errno = EINVAL;
		return (-1);
	}
	msg_update_to_pb(s, &pb);
	return (msg_out_pack(o, MSG_FIELD_UPD, &pb.upd.base));
}

int
msg_out_delete(struct msg_out *o, const struct sync_key *k)
{
	struct msg_pb	 pb;

	if (!msg_key_valid(k)) {
		errno = EINVAL;
		return (-1);
	}
	msg_delete_to_pb(k, &pb);
	return (msg_out_pack(o, MSG_FIELD_DEL, &pb.del.base));
}

size_t
msg_out_end(struct msg_out *o)
{
	Sync__Datagram		 dg;
	struct msg_pbctl	 c;
	uint32_t		 flags = o->hdr->flags | MSG_F_DATA;
	size_t			 len;

	/* bulk end and resync must be acked too: rel.c repairs them */
	if (o->nitems == 0 &&
	    !(o->ctl != NULL && (o->ctl->bulk_end || o->ctl->resync)))
		flags = o->hdr->flags & ~MSG_F_DATA;
	if (msg_head_to_pb(o, flags, &c, &dg) == -1)
		fatalx("%s: header changed since msg_out_begin", __func__);
	len = sync__datagram__pack(&dg, o->buf);
	if (o->nitems == 0)
		return (len);
	if (len != o->hdrlen)
		fatalx("%s: header of %zu bytes, %zu reserved", __func__,
		    len, o->hdrlen);
	return (o->len);
}

/* ------------------------------------------------------------------ */
/* decode */

int
msg_family_from_wire(uint32_t w, uint8_t *family)
{
	if (w == 4)
		*family = AF_INET;
	else if (w == 6)
		*family = AF_INET6;
	else
		return (-1);
	return (0);
}

int
msg_tuple_from_pb(const Sync__Tuple *pb, uint8_t family,
    struct sync_tuple *t)
{
	size_t	 alen = msg_addrlen(family);

	memset(t, 0, sizeof(*t));
	if (pb == NULL || pb->src.len != alen || pb->dst.len != alen)
		return (-1);
	if (pb->sport > 0xffff || pb->dport > 0xffff ||
	    pb->icmp_id > 0xffff || pb->icmp_type > 0xff ||
	    pb->icmp_code > 0xff)
		return (-1);
	memcpy(t->src.b, pb->src.data, alen);
	memcpy(t->dst.b, pb->dst.data, alen);
	t->sport = pb->sport;
	t->dport = pb->dport;
	t->icmp_id = pb->icmp_id;
	t->icmp_type = pb->icmp_type;
	t->icmp_code = pb->icmp_code;
	return (0);
}

static int
msg_key_from_pb(uint32_t family, uint32_t l4proto, uint32_t zone,
    const Sync__Tuple *orig, struct sync_key *k)
{
	memset(k, 0, sizeof(*k));
	if (msg_family_from_wire(family, &k->family) == -1 ||
	    l4proto > 0xff || zone > 0xffff)
		return (-1);
	k->l4proto = l4proto;
	k->zone = zone;
	if (msg_tuple_from_pb(orig, k->family, &k->orig) == -1)
		return (-1);
	return (msg_key_valid(k) ? 0 : -1);
}

static int
msg_delete_from_pb(const Sync__StateDelete *d, struct sync_key *k)
{
	return (msg_key_from_pb(d->family, d->l4proto, d->zone, d->orig, k));
}

static int
msg_small_fields_ok(const Sync__StateUpdate *u)
{
	return (u->tcp_state <= MSG_MAXSTATE &&
	    u->sctp_state <= MSG_MAXSTATE && u->dccp_state <= MSG_MAXSTATE &&
	    u->tcp_wscale_orig <= MSG_MAXWSCALE &&
	    u->tcp_wscale_repl <= MSG_MAXWSCALE &&
	    u->tcp_flags_orig <= 0xff && u->tcp_flags_repl <= 0xff);
}

static int
msg_extras_from_pb(const Sync__StateUpdate *u, struct sync_state *s)
{
	size_t	 hlen;

	if (u->labels.len != 0) {
		if (u->labels.len != SYNC_LABELS_LEN)
			return (-1);
		memcpy(s->labels, u->labels.data, SYNC_LABELS_LEN);
		s->has_labels = 1;
	}
	if (u->helper != NULL) {
		hlen = strnlen(u->helper, SYNC_HELPER_LEN);
		if (hlen >= SYNC_HELPER_LEN)
			return (-1);
		memcpy(s->helper, u->helper, hlen);
	}
	return (0);
}

static int
msg_state_from_pb(const Sync__StateUpdate *u, struct sync_state *s)
{
	struct sync_key	 k;

	memset(s, 0, sizeof(*s));
	if (msg_key_from_pb(u->family, u->l4proto, u->zone, u->orig,
	    &k) == -1 || !msg_small_fields_ok(u))
		return (-1);
	s->family = k.family;
	s->l4proto = k.l4proto;
	s->zone = k.zone;
	s->orig = k.orig;
	if (u->reply == NULL)
		sync_tuple_invert(s->l4proto, &s->orig, &s->reply);
	else if (msg_tuple_from_pb(u->reply, s->family, &s->reply) == -1)
		return (-1);
	s->status = u->status;
	s->mark = u->mark;
	s->timeout = u->timeout;
	s->relay = u->relay ? 1 : 0;
	s->tcp_state = u->tcp_state;
	s->tcp_wscale_orig = u->tcp_wscale_orig;
	s->tcp_wscale_repl = u->tcp_wscale_repl;
	s->tcp_flags_orig = u->tcp_flags_orig;
	s->tcp_flags_repl = u->tcp_flags_repl;
	s->sctp_state = u->sctp_state;
	s->sctp_vtag_orig = u->sctp_vtag_orig;
	s->sctp_vtag_repl = u->sctp_vtag_repl;
	s->dccp_state = u->dccp_state;
	if (msg_extras_from_pb(u, s) == -1)
		return (-1);
	return (msg_state_valid(s) ? 0 : -1);
}

static int
msg_hdr_from_pb(const Sync__Header *pb, struct msg_hdr *h)
{
	size_t	 i;

	memset(h, 0, sizeof(*h));
	if (pb == NULL || pb->version != SYNC_WIRE_VERSION || pb->node == 0 ||
	    pb->n_acks > MSG_MAXPEERS)
		return (-1);
	h->version = pb->version;
	h->nonce = pb->nonce;
	h->node = pb->node;
	h->seq = pb->seq;
	h->base = pb->low;
	h->flags = pb->flags;
	for (i = 0; i < pb->n_acks; i++) {
		h->acks[i].node = pb->acks[i]->node;
		h->acks[i].nonce = pb->acks[i]->nonce;
		h->acks[i].seq = pb->acks[i]->seq;
	}
	h->acks_len = pb->n_acks;
	return (0);
}

static int
msg_nack_from_pb(const Sync__Nack *pb, struct msg_nack *n)
{
	size_t	 i;

	memset(n, 0, sizeof(*n));
	if (pb->n_ranges == 0 || pb->n_ranges > MSG_MAXRANGES)
		return (-1);
	n->node = pb->node;
	for (i = 0; i < pb->n_ranges; i++) {
		if (pb->ranges[i]->count == 0)
			return (-1);
		n->ranges[i].first = pb->ranges[i]->first;
		n->ranges[i].count = pb->ranges[i]->count;
	}
	n->nranges = pb->n_ranges;
	return (0);
}

/* The nack a decoded datagram carries for node's stream: 1 and *n
 * filled, 0 if none, -1 if it is malformed. */
int
msg_dgram_nack(const struct msg_dgram *d, uint32_t node, struct msg_nack *n)
{
	const Sync__Datagram	*dg = d->pb;
	size_t			 i;

	for (i = 0; i < dg->n_nacks && i < MSG_MAXPEERS; i++)
		if (dg->nacks[i]->node == node)
			return (msg_nack_from_pb(dg->nacks[i], n) == -1 ? -1 :
			    1);
	return (0);
}

/* 1 if a decoded datagram is a link probe (docs/PROTOCOL.md 6.17):
 * nothing in it belongs to the stream. */
int
msg_dgram_probe(const struct msg_dgram *d)
{
	const Sync__Datagram	*dg = d->pb;

	return (dg->heartbeat != NULL && dg->heartbeat->probe);
}

int
msg_dgram_heard(const struct msg_dgram *d, uint32_t *heard)
{
	const Sync__Datagram	*dg = d->pb;

	if (dg == NULL || dg->heartbeat == NULL || dg->heartbeat->nlinks < 2)
		return (0);
	*heard = dg->heartbeat->heard;
	return (1);
}

/* A longer digest (a later sender) is compared on its first bytes; a
 * shorter one says nothing we can compare. */
int
msg_dgram_ruleset(const struct msg_dgram *d, uint8_t digest[MSG_RULESET_LEN])
{
	const Sync__Datagram	*dg = d->pb;

	if (dg == NULL || dg->heartbeat == NULL ||
	    dg->heartbeat->ruleset.len < MSG_RULESET_LEN)
		return (0);
	memcpy(digest, dg->heartbeat->ruleset.data, MSG_RULESET_LEN);
	return (1);
}

/* The body of a datagram whose header msg_decode checked: accepted
 * whole or not at all. */
static int
msg_validate(const Sync__Datagram *dg)
{
	struct sync_state	 s;
	struct sync_key		 k;
	struct msg_nack		 n;
	size_t			 i;

	if (dg->n_nacks > MSG_MAXPEERS ||
	    dg->n_updates + dg->n_deletes + dg->n_expect_updates +
	    dg->n_expect_deletes > MSG_MAXITEMS ||
	    msg_expects_validate(dg) == -1)
		return (-1);
	for (i = 0; i < dg->n_nacks; i++)
		if (msg_nack_from_pb(dg->nacks[i], &n) == -1)
			return (-1);
	for (i = 0; i < dg->n_updates; i++)
		if (msg_state_from_pb(dg->updates[i], &s) == -1)
			return (-1);
	for (i = 0; i < dg->n_deletes; i++)
		if (msg_delete_from_pb(dg->deletes[i], &k) == -1)
			return (-1);
	return (0);
}

static void
msg_dispatch_ctl(const Sync__Datagram *dg, const struct msg_hdr *h,
    const struct msg_cb *cb, void *arg)
{
	struct msg_nack	 n;
	size_t		 i;

	for (i = 0; cb->nack != NULL && i < dg->n_nacks; i++) {
		(void)msg_nack_from_pb(dg->nacks[i], &n);
		cb->nack(arg, h, &n);
	}
	if (dg->resync_request != NULL && cb->resync != NULL)
		cb->resync(arg, h, dg->resync_request->node);
	if (dg->bulk_request != NULL && cb->bulk_request != NULL)
		cb->bulk_request(arg, h);
	if (dg->heartbeat != NULL && cb->heartbeat != NULL)
		cb->heartbeat(arg, h, dg->heartbeat->interval_ms);
}

/* States and deletes go to the callbacks a chunk at a time, the chunk
 * converted and its keys handed to cb->prefetch first. */
#define MSG_CHUNK	32

static void
msg_dispatch_updates(const Sync__Datagram *dg, const struct msg_hdr *h,
    const struct msg_cb *cb, void *arg)
{
	struct sync_state	 s[MSG_CHUNK];
	struct sync_key		 k;
	size_t			 i, j, n;

	for (i = 0; i < dg->n_updates; i += n) {
		n = dg->n_updates - i < MSG_CHUNK ? dg->n_updates - i :
		    MSG_CHUNK;
		for (j = 0; j < n; j++) {
			(void)msg_state_from_pb(dg->updates[i + j], &s[j]);
			if (cb->prefetch != NULL) {
				msg_state_key(&s[j], &k);
				cb->prefetch(arg, &k);
			}
		}
		for (j = 0; j < n; j++)
			cb->update(arg, h, &s[j]);
	}
}

static void
msg_dispatch_deletes(const Sync__Datagram *dg, const struct msg_hdr *h,
    const struct msg_cb *cb, void *arg)
{
	struct sync_key		 k[MSG_CHUNK];
	size_t			 i, j, n;

	for (i = 0; i < dg->n_deletes; i += n) {
		n = dg->n_deletes - i < MSG_CHUNK ? dg->n_deletes - i :
		    MSG_CHUNK;
		for (j = 0; j < n; j++) {
			(void)msg_delete_from_pb(dg->deletes[i + j], &k[j]);
			if (cb->prefetch != NULL)
				cb->prefetch(arg, &k[j]);
		}
		for (j = 0; j < n; j++)
			cb->delete(arg, h, &k[j]);
	}
}

static void
msg_dispatch_states(const Sync__Datagram *dg, const struct msg_hdr *h,
    const struct msg_cb *cb, void *arg)
{
	if (cb->update != NULL)
		msg_dispatch_updates(dg, h, cb, arg);
	if (cb->delete != NULL)
		msg_dispatch_deletes(dg, h, cb, arg);
	msg_expects_dispatch(dg, h, cb, arg);
	if (dg->bulk_end != NULL && cb->bulk_end != NULL)
		cb->bulk_end(arg, h);
}

/* protobuf-c allocates from the datagram's arena; what does not fit
 * spills to the heap. Arena memory is given back all at once. */
static void *
msg_arena_alloc(void *arg, size_t n)
{
	struct msg_dgram	*d = arg;
	size_t			 off = (d->used + 15) & ~(size_t)15;

	if (off <= sizeof(d->arena) && n <= sizeof(d->arena) - off) {
		d->used = off + n;
		return (d->arena + off);
	}
	d->spilled = 1;
	return (malloc(n));
}

static void
msg_arena_free(void *arg, void *p)
{
	struct msg_dgram	*d = arg;
	uintptr_t		 a = (uintptr_t)p, lo = (uintptr_t)d->arena;

	if (a < lo || a >= lo + sizeof(d->arena))
		free(p);
}

void
msg_dgram_free(struct msg_dgram *d)
{
	ProtobufCAllocator	 a = { msg_arena_alloc, msg_arena_free, d };

	/* only what spilled over needs the walk */
	if (d->pb != NULL && d->spilled)
		sync__datagram__free_unpacked(d->pb, &a);
	d->pb = NULL;
	d->used = 0;
	d->spilled = 0;
}

int
msg_decode(struct msg_dgram *d, const uint8_t *buf, size_t len)
{
	ProtobufCAllocator	 a = { msg_arena_alloc, msg_arena_free, d };
	Sync__Datagram		*dg;

	d->pb = NULL;
	d->used = 0;
	d->spilled = 0;
	memset(&d->hdr, 0, sizeof(d->hdr));
	/* a failed unpack has given back all it took */
	if (len == 0 || len > MSG_MAXDGRAM ||
	    (dg = sync__datagram__unpack(&a, len, buf)) == NULL) {
		msg_dgram_free(d);
		return (-1);
	}
	d->pb = dg;
	if (msg_hdr_from_pb(dg->header, &d->hdr) == -1) {
		msg_dgram_free(d);
		return (-1);
	}
	return (0);
}

int
msg_dispatch(struct msg_dgram *d, const struct msg_cb *cb, void *arg)
{
	const Sync__Datagram	*dg = d->pb;
	int			 rv;

	if (dg == NULL || msg_validate(dg) == -1)
		return (-1);
	if (cb->header != NULL && (rv = cb->header(arg, &d->hdr)) != 0)
		return (rv);
	msg_dispatch_ctl(dg, &d->hdr, cb, arg);
	msg_dispatch_states(dg, &d->hdr, cb, arg);
	return (0);
}

/* Decode and dispatch in one call, and the header alone, for tests and
 * tools; the daemon keeps its own msg_dgram (rx.c). One buffer: neither
 * is re-entered from a callback. */
static struct msg_dgram	 msg_onecall;

int
msg_parse(const uint8_t *buf, size_t len, const struct msg_cb *cb,
    void *arg)
{
	int	 rv;

	if (msg_decode(&msg_onecall, buf, len) == -1)
		return (-1);
	rv = msg_dispatch(&msg_onecall, cb, arg);
	msg_dgram_free(&msg_onecall);
	return (rv);
}

int
msg_peek_header(const uint8_t *buf, size_t len, struct msg_hdr *h)
{
	if (msg_decode(&msg_onecall, buf, len) == -1)
		return (-1);
	*h = msg_onecall.hdr;
	msg_dgram_free(&msg_onecall);
	return (0);
}
