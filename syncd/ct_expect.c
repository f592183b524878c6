/* Kernel conntrack expectations: sockets, events, apply, dump.
 *
 * Two netlink sockets, as ct.c has for entries:
 *   events  subscribed to EXP_NEW and EXP_DESTROY, non-blocking
 *   apply   our create and delete requests, one at a time with their
 *           ack; its portid is what the kernel stamps on the events they
 *           cause, which is how we tell our own from the helpers'
 *   dump    opened per ct_expect_dump(), blocking
 *
 * Conversion: ct_expect_conv.c. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ct_expect.h"
#include "log.h"
#include "nl.h"

#define CTX_RECVBUF		(64 * 1024)
#define CTX_EV_RCVBUF		(1024 * 1024)	/* expectations are few */
#define CTX_APPLY_TIMEOUT_MS	1000
#define CTX_EVENT_BURST		64	/* reads per callback */

static struct {
	struct mnl_socket	*ev;
	struct mnl_socket	*apply;
	struct event		*ev_read;
	ct_expect_cb		 cb;
	void			*arg;
	uint32_t		 seq;
	struct ct_expect_stats	 st;
} ctx;

const struct ct_expect_stats *
ct_expect_stats(void)
{
	return (&ctx.st);
}

/* Each request its own seq: a late answer is never taken for the answer
 * to the next. */
static struct nlmsghdr *
ctx_nlmsg_put(void *buf, uint16_t type, uint16_t flags, uint8_t family)
{
	if (ctx.seq == 0)
		ctx.seq = (uint32_t)time(NULL);
	return (nl_nfmsg_put(buf, NFNL_SUBSYS_CTNETLINK_EXP, (uint8_t)type,
	    flags, ++ctx.seq, family));
}

/* One netlink message -> x. */
static int
ctx_parse(const struct nlmsghdr *nlh, struct sync_expect *x)
{
	struct nf_expect	*e;
	int			 rv = -1;

	if ((e = nfexp_new()) == NULL)
		return (-1);
	if (nfexp_nlmsg_parse(nlh, e) == 0)
		rv = ct_expect_from_nfexp(e, x);
	nfexp_destroy(e);
	return (rv);
}

/* Events */

static int
ctx_event_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct sync_expect	 x;
	uint32_t		 portid = mnl_socket_get_portid(ctx.apply);

	(void)arg;
	ctx.st.events++;
	if (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid == portid) {
		ctx.st.echo_suppressed++;
		return (MNL_CB_OK);
	}
	if (ctx_parse(nlh, &x) == -1)
		return (MNL_CB_OK);
	ctx.cb(NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_EXP_DELETE ?
	    CT_EXPECT_DESTROY : CT_EXPECT_NEW, &x, ctx.arg);
	return (MNL_CB_OK);
}

static void
ctx_event_read(int fd, short event, void *arg)
{
	static char	 buf[CTX_RECVBUF];
	ssize_t		 n;
	int		 i;

	(void)fd;
	(void)event;
	(void)arg;
	for (i = 0; i < CTX_EVENT_BURST; i++) {
		if ((n = mnl_socket_recvfrom(ctx.ev, buf, sizeof(buf))) ==
		    -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				/* what was dropped is only known by a dump */
				ctx.st.overruns++;
				ctx.cb(CT_EXPECT_LOST, NULL, ctx.arg);
				continue;
			}
			log_warn("ct: expectation event read");
			return;
		}
		if (mnl_cb_run(buf, n, 0, 0, ctx_event_cb, NULL) == -1)
			log_warn("ct: expectation event parse");
	}
}

static int
ctx_open_events(struct event_base *base)
{
	int	 fd;

	ctx.ev = nl_open(NETLINK_NETFILTER,
	    1 << (NFNLGRP_CONNTRACK_EXP_NEW - 1) |
	    1 << (NFNLGRP_CONNTRACK_EXP_DESTROY - 1), 0);
	if (ctx.ev == NULL) {
		log_warn("ct: expectation event socket");
		return (-1);
	}
	fd = mnl_socket_get_fd(ctx.ev);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("ct: expectation event socket non-blocking");
		return (-1);
	}
	(void)nl_rcvbuf(ctx.ev, CTX_EV_RCVBUF);
	ctx.ev_read = event_new(base, fd, EV_READ | EV_PERSIST,
	    ctx_event_read, NULL);
	if (ctx.ev_read == NULL || event_add(ctx.ev_read, NULL) == -1) {
		log_warnx("ct: expectation event_add");
		return (-1);
	}
	return (0);
}

int
ct_expect_init(struct event_base *base, ct_expect_cb cb, void *arg)
{
	if ((ctx.apply = nl_open(NETLINK_NETFILTER, 0,
	    CTX_APPLY_TIMEOUT_MS)) == NULL) {
		log_warn("ct: expectation apply socket");
		return (-1);
	}
	if (cb != NULL) {
		ctx.cb = cb;
		ctx.arg = arg;
		if (ctx_open_events(base) == -1) {
			ct_expect_shutdown();
			return (-1);
		}
	}
	return (0);
}

void
ct_expect_shutdown(void)
{
	if (ctx.ev_read != NULL)
		event_free(ctx.ev_read);
	if (ctx.ev != NULL)
		mnl_socket_close(ctx.ev);
	if (ctx.apply != NULL)
		mnl_socket_close(ctx.apply);
	memset(&ctx, 0, sizeof(ctx));
}

/* Apply */

static int
ctx_has_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr	*a;	/* libmnl's iterator casts away const */

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type)
			return (1);
	return (0);
}

/* A tuple as ctnetlink nests it: addresses, protocol and ports. */
static void
ctx_put_tuple(struct nlmsghdr *nlh, uint16_t type, int family,
    uint8_t l4proto, const struct sync_tuple *t)
{
	struct nlattr	*nest, *ip, *proto;
	size_t		 alen = family == AF_INET ? 4 : 16;

	nest = mnl_attr_nest_start(nlh, type);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC,
	    alen, t->src.b);
	mnl_attr_put(nlh, family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST,
	    alen, t->dst.b);
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, l4proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, nest);
}

/* What libnetfilter_conntrack's nfexp_nlmsg_build leaves out (1.0.9
 * builds neither class, NAT nor expectfn), added unless it did. The
 * class only goes with the helper: the kernel checks it against that
 * helper's, and without it the expectation counts against class 0's
 * limit, whose eviction would remove the others. */
static void
ctx_put_extras(struct nlmsghdr *nlh, const struct sync_expect *x)
{
	struct nlattr	*nat;

	if (x->helper[0] != '\0' && !ctx_has_attr(nlh, CTA_EXPECT_CLASS))
		mnl_attr_put_u32(nlh, CTA_EXPECT_CLASS, htonl(x->cls));
	if (x->fn[0] != '\0' && !ctx_has_attr(nlh, CTA_EXPECT_FN))
		mnl_attr_put_strz(nlh, CTA_EXPECT_FN, x->fn);
	if (x->has_nat && !ctx_has_attr(nlh, CTA_EXPECT_NAT)) {
		nat = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT);
		mnl_attr_put_u32(nlh, CTA_EXPECT_NAT_DIR, htonl(x->nat_dir));
		ctx_put_tuple(nlh, CTA_EXPECT_NAT_TUPLE, x->family, x->l4proto,
		    &x->nat);
		mnl_attr_nest_end(nlh, nat);
	}
}

static int
ctx_request(const struct sync_expect *x, uint16_t type, uint16_t flags,
    int keyonly)
{
	static char		 buf[CTX_RECVBUF];
	struct nf_expect	*e;
	struct nlmsghdr		*nlh;
	int			 rv;

	if (ctx.apply == NULL) {
		errno = ENOTCONN;
		return (-1);
	}
	if ((e = nfexp_new()) == NULL)
		return (-1);
	nlh = ctx_nlmsg_put(buf, type, flags | NLM_F_ACK, x->family);
	if ((rv = ct_expect_to_nfexp(x, e, keyonly)) == 0)
		rv = nfexp_nlmsg_build(nlh, e);
	nfexp_destroy(e);
	if (rv != -1 && !keyonly)
		ctx_put_extras(nlh, x);
	if (rv == -1)
		return (-1);
	return (nl_talk(ctx.apply, nlh, NULL, NULL));
}

int
ct_expect_apply_update(const struct sync_expect *x)
{
	return (ctx_request(x, IPCTNL_MSG_EXP_NEW, NLM_F_CREATE | NLM_F_EXCL,
	    0));
}

int
ct_expect_apply_delete(const struct sync_expect *x)
{
	return (ctx_request(x, IPCTNL_MSG_EXP_DELETE, 0, 1));
}

/* Dump */

struct ctx_dump {
	void	(*fn)(const struct sync_expect *, void *);
	void	 *arg;
};

static int
ctx_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ctx_dump		*d = arg;
	struct sync_expect	 x;

	if (ctx_parse(nlh, &x) == 0)
		d->fn(&x, d->arg);
	return (MNL_CB_OK);
}

int
ct_expect_dump(void (*fn)(const struct sync_expect *, void *), void *arg)
{
	static char		 buf[CTX_RECVBUF];
	struct ctx_dump		 d = { fn, arg };
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	int			 rv;

	if ((nl = nl_open(NETLINK_NETFILTER, 0, CTX_APPLY_TIMEOUT_MS)) ==
	    NULL)
		return (-1);
	nlh = ctx_nlmsg_put(buf, IPCTNL_MSG_EXP_GET, NLM_F_DUMP, AF_UNSPEC);
	if ((rv = nl_talk(nl, nlh, ctx_dump_cb, &d)) == -1)
		log_warn("ct: expectation dump");
	mnl_socket_close(nl);
	return (rv);
}
