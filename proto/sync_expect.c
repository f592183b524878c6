/* syncd wire codec, expectations: struct sync_expect <-> ExpectUpdate
 * and ExpectDelete (docs/PROTOCOL.md, section 6.16). Same rules as the
 * states: nothing is believed, a datagram is validated as a whole. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include "sync_var.h"

#define MSG_FIELD_XUPD	9	/* Datagram.expect_updates */
#define MSG_FIELD_XDEL	10	/* Datagram.expect_deletes */
#define MSG_MAXEXPFLAGS	0xff	/* NF_CT_EXPECT_* fit a byte */
#define MSG_MAXCLASS	0xff	/* helpers have a handful of classes */

/* ------------------------------------------------------------------ */
/* validation */

static int
msg_string_ok(const char *s, size_t len)
{
	return (memchr(s, '\0', len) != NULL);
}

/* The key alone: what a delete needs. The expected tuple may have
 * wildcards (a zero source), so only its protocol is checked. */
static int
msg_expect_key_valid(const struct sync_expect *x)
{
	if (x->family != AF_INET && x->family != AF_INET6)
		return (0);
	return (msg_l4proto_valid(x->family, x->exp_l4proto));
}

int
msg_expect_valid(const struct sync_expect *x, int keyonly)
{
	if (!msg_expect_key_valid(x))
		return (0);
	if (keyonly)
		return (1);
	if (!msg_l4proto_valid(x->family, x->l4proto) ||
	    !msg_tuple_sane(&x->master, x->family, 0))
		return (0);
	if (x->timeout > MSG_MAXTIMEOUT || x->flags > MSG_MAXEXPFLAGS ||
	    x->cls > MSG_MAXCLASS || x->nat_dir > 1 || x->has_nat > 1)
		return (0);
	return (msg_string_ok(x->helper, sizeof(x->helper)) &&
	    msg_string_ok(x->fn, sizeof(x->fn)));
}

/* ------------------------------------------------------------------ */
/* encode */

struct msg_xpb {
	Sync__ExpectUpdate	 upd;
	Sync__ExpectDelete	 del;
	Sync__Tuple		 master;
	Sync__Tuple		 tuple;
	Sync__Tuple		 mask;
	Sync__Tuple		 nat;
};

static void
msg_expect_to_pb(const struct sync_expect *x, struct msg_xpb *pb)
{
	Sync__ExpectUpdate	*u = &pb->upd;

	sync__expect_update__init(u);
	u->family = msg_family_wire(x->family);
	u->l4proto = x->l4proto;
	u->zone = x->zone;
	msg_tuple_to_pb(&x->master, x->family, &pb->master);
	u->master = &pb->master;
	u->exp_l4proto = x->exp_l4proto;
	msg_tuple_to_pb(&x->tuple, x->family, &pb->tuple);
	u->tuple = &pb->tuple;
	msg_tuple_to_pb(&x->mask, x->family, &pb->mask);
	u->mask = &pb->mask;
	u->timeout = x->timeout;
	u->flags = x->flags;
	u->class_ = x->cls;
	u->helper = (char *)(uintptr_t)x->helper;
	u->fn = (char *)(uintptr_t)x->fn;
	if (x->has_nat) {
		u->nat_dir = x->nat_dir;
		msg_tuple_to_pb(&x->nat, x->family, &pb->nat);
		u->nat = &pb->nat;
	}
}

int
msg_out_expect_update(struct msg_out *o, const struct sync_expect *x)
{
	struct msg_xpb	 pb;

	if (!msg_expect_valid(x, 0)) {
		errno = EINVAL;
		return (-1);
	}
	msg_expect_to_pb(x, &pb);
	return (msg_out_pack(o, MSG_FIELD_XUPD, &pb.upd.base));
}

int
msg_out_expect_delete(struct msg_out *o, const struct sync_expect *x)
{
	struct msg_xpb	 pb;
	Sync__ExpectDelete	*d = &pb.del;

	if (!msg_expect_valid(x, 1)) {
		errno = EINVAL;
		return (-1);
	}
	sync__expect_delete__init(d);
	d->family = msg_family_wire(x->family);
	d->exp_l4proto = x->exp_l4proto;
	d->zone = x->zone;
	msg_tuple_to_pb(&x->tuple, x->family, &pb.tuple);
	d->tuple = &pb.tuple;
	return (msg_out_pack(o, MSG_FIELD_XDEL, &d->base));
}

/* ------------------------------------------------------------------ */
/* decode */

static int
msg_xkey_from_pb(uint32_t family, uint32_t l4proto, uint32_t zone,
    const Sync__Tuple *tuple, struct sync_expect *x)
{
	memset(x, 0, sizeof(*x));
	if (msg_family_from_wire(family, &x->family) == -1 ||
	    l4proto > 0xff || zone > 0xffff)
		return (-1);
	x->exp_l4proto = l4proto;
	x->zone = zone;
	return (msg_tuple_from_pb(tuple, x->family, &x->tuple));
}

static int
msg_xstring_from_pb(const char *in, char *out, size_t len)
{
	size_t	 n;

	if (in == NULL)
		return (0);
	if ((n = strnlen(in, len)) >= len)
		return (-1);
	memcpy(out, in, n);
	return (0);
}

static int
msg_xnat_from_pb(const Sync__ExpectUpdate *u, struct sync_expect *x)
{
	if (u->nat == NULL)
		return (u->nat_dir == 0 ? 0 : -1);
	if (u->nat_dir > 1 ||
	    msg_tuple_from_pb(u->nat, x->family, &x->nat) == -1)
		return (-1);
	x->has_nat = 1;
	x->nat_dir = u->nat_dir;
	return (0);
}

static int
msg_xupdate_from_pb(const Sync__ExpectUpdate *u, struct sync_expect *x)
{
	if (msg_xkey_from_pb(u->family, u->exp_l4proto, u->zone, u->tuple,
	    x) == -1 || u->l4proto > 0xff || u->class_ > MSG_MAXCLASS ||
	    u->flags > MSG_MAXEXPFLAGS)
		return (-1);
	x->l4proto = u->l4proto;
	if (msg_tuple_from_pb(u->master, x->family, &x->master) == -1 ||
	    msg_tuple_from_pb(u->mask, x->family, &x->mask) == -1)
		return (-1);
	x->timeout = u->timeout;
	x->flags = u->flags;
	x->cls = u->class_;
	if (msg_xstring_from_pb(u->helper, x->helper, sizeof(x->helper)) ==
	    -1 || msg_xstring_from_pb(u->fn, x->fn, sizeof(x->fn)) == -1 ||
	    msg_xnat_from_pb(u, x) == -1)
		return (-1);
	return (msg_expect_valid(x, 0) ? 0 : -1);
}

static int
msg_xdelete_from_pb(const Sync__ExpectDelete *d, struct sync_expect *x)
{
	if (msg_xkey_from_pb(d->family, d->exp_l4proto, d->zone, d->tuple,
	    x) == -1)
		return (-1);
	return (msg_expect_valid(x, 1) ? 0 : -1);
}

int
msg_expects_validate(const Sync__Datagram *dg)
{
	struct sync_expect	 x;
	size_t			 i;

	for (i = 0; i < dg->n_expect_updates; i++)
		if (msg_xupdate_from_pb(dg->expect_updates[i], &x) == -1)
			return (-1);
	for (i = 0; i < dg->n_expect_deletes; i++)
		if (msg_xdelete_from_pb(dg->expect_deletes[i], &x) == -1)
			return (-1);
	return (0);
}

void
msg_expects_dispatch(const Sync__Datagram *dg, const struct msg_hdr *h,
    const struct msg_cb *cb, void *arg)
{
	struct sync_expect	 x;
	size_t			 i;

	for (i = 0; cb->expect_update != NULL && i < dg->n_expect_updates;
	    i++) {
		(void)msg_xupdate_from_pb(dg->expect_updates[i], &x);
		cb->expect_update(arg, h, &x);
	}
	for (i = 0; cb->expect_delete != NULL && i < dg->n_expect_deletes;
	    i++) {
		(void)msg_xdelete_from_pb(dg->expect_deletes[i], &x);
		cb->expect_delete(arg, h, &x);
	}
}
