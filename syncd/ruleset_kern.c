/* nftables for the ruleset digest: a socket on the NFNLGRP_NFTABLES
 * group hears every committed change (each transaction ends with a
 * NEWGEN message), and a second socket dumps tables, chains, sets, the
 * elements of each set that counts, and rules, one request after the
 * other, into ruleset_canon.c.
 *
 * Why notifications and not an interval: they cost nothing while the
 * ruleset stays put, and a change is seen within RK_SETTLE_MS instead
 * of a period. A lost notification (the socket's buffer overran,
 * ENOBUFS) is a change too.
 *
 * The loop is never held for long: both sockets are non-blocking, and
 * a dump is read one buffer per readable event. A dump that a change
 * overtook (another generation in the messages' res_id, the kernel's
 * NLM_F_DUMP_INTR, or a notification meanwhile) is taken again, at
 * most RK_RETRIES times in a row; then no digest until the next
 * change. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <event2/util.h>

#include "log.h"
#include "nl.h"
#include "ruleset_kern.h"

#define RK_SETTLE_MS	100	/* a transaction's messages come together */
#define RK_RETRY_MS	1000	/* after a failed dump */
#define RK_RETRIES	5
#define RK_NOTIFY_READS	64	/* per readable event */

/* The dumps, in order; the element dump runs once per set. */
static const uint16_t	 rk_steps[] = {
	NFT_MSG_GETTABLE, NFT_MSG_GETCHAIN, NFT_MSG_GETSET,
	NFT_MSG_GETSETELEM, NFT_MSG_GETRULE,
};
#define RK_NSTEPS	(sizeof(rk_steps) / sizeof(rk_steps[0]))

static struct rk {
	struct mnl_socket	*notify, *dump;
	struct event		*ev_notify, *ev_dump, *ev_timer;
	rk_cb			 cb;
	void			*arg;
	struct rs_canon		*canon;		/* NULL: no dump running */
	size_t			 step, set;
	uint32_t		 seq;
	int			 gen;		/* res_id of the dump, -1 */
	int			 torn;		/* overtaken by a change */
	int			 retries;
} rk;

static uint8_t	 rk_buf[65536];

static void	rk_dump_start(void);

static void
rk_later(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!evtimer_pending(rk.ev_timer, NULL))
		evtimer_add(rk.ev_timer, &tv);
}

static void
rk_dump_end(const uint8_t *digest)
{
	rs_canon_free(rk.canon);
	rk.canon = NULL;
	rk.cb(digest, rk.arg);
}

/* Taken again later, or given up (no digest) after RK_RETRIES. */
static void
rk_dump_fail(const char *why, int ms)
{
	rs_canon_free(rk.canon);
	rk.canon = NULL;
	if (++rk.retries > RK_RETRIES) {
		log_warnx("ruleset: no digest: %s, %d times", why,
		    RK_RETRIES + 1);
		rk.retries = 0;
		rk.cb(NULL, rk.arg);
		return;
	}
	log_debug("ruleset: dump again: %s", why);
	rk_later(ms);
}

/* The request of the current step: -1 if there is none left to send
 * for it (no more sets). */
static int
rk_request(void)
{
	struct nlmsghdr		*nlh;
	struct nftnl_set	*s;
	const char		*table, *name;
	uint16_t		 type = rk_steps[rk.step];
	uint8_t			 family = NFPROTO_UNSPEC;

	if (type == NFT_MSG_GETSETELEM &&
	    !rs_canon_set(rk.canon, rk.set, &family, &table, &name))
		return (-1);
	nlh = nftnl_nlmsg_build_hdr((char *)rk_buf, type, family,
	    NLM_F_DUMP, ++rk.seq);
	if (type == NFT_MSG_GETSETELEM) {
		if ((s = nftnl_set_alloc()) == NULL)
			return (-2);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
	if (mnl_socket_sendto(rk.dump, nlh, nlh->nlmsg_len) == -1)
		return (-2);
	return (0);
}

/* The next request; at the end, the digest. */
static void
rk_next(void)
{
	uint8_t	 d[RS_DIGEST_LEN];
	int	 rv;

	for (;;) {
		if (rk.step == RK_NSTEPS) {
			if (rs_canon_digest(rk.canon, d) == -1) {
				rk_dump_fail("cannot hash", RK_RETRY_MS);
				return;
			}
			rk.retries = 0;
			rk_dump_end(d);
			return;
		}
		if ((rv = rk_request()) == 0)
			return;
		if (rv == -2) {
			rk_dump_fail(strerror(errno), RK_RETRY_MS);
			return;
		}
		rk.step++;	/* no set left: the rules */
	}
}

static int
rk_dump_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nfgenmsg	*nfg = mnl_nlmsg_get_payload(nlh);
	int			 gen;

	(void)arg;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*nfg))
		return (MNL_CB_ERROR);
	gen = ntohs(nfg->res_id);
	if (rk.gen == -1)
		rk.gen = gen;
	if (gen != rk.gen || (nlh->nlmsg_flags & NLM_F_DUMP_INTR))
		rk.torn = 1;
	if (rs_canon_add(rk.canon, nlh) == -1)
		return (MNL_CB_ERROR);
	return (MNL_CB_OK);
}

/* One buffer of the dump per readable event. */
static void
rk_dump_read(evutil_socket_t fd, short ev, void *arg)
{
	ssize_t		 n;
	int		 rv;

	(void)fd;
	(void)ev;
	(void)arg;
	n = mnl_socket_recvfrom(rk.dump, rk_buf, sizeof(rk_buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (rk.canon == NULL)		/* a stale answer */
		return;
	if (n == -1) {
		rk_dump_fail(strerror(errno), RK_RETRY_MS);
		return;
	}
	errno = 0;
	rv = mnl_cb_run(rk_buf, (size_t)n, rk.seq,
	    mnl_socket_get_portid(rk.dump), rk_dump_msg, NULL);
	if (rv == MNL_CB_OK)
		return;
	/* the rest of a dump given up: its messages come first */
	if (rv == MNL_CB_ERROR && errno == EPROTO)
		return;
	if (rv == MNL_CB_ERROR) {
		/* a set gone between the set and element dumps: ENOENT */
		rk_dump_fail(errno ? strerror(errno) : "unparseable",
		    RK_RETRY_MS);
		return;
	}
	if (rk.torn) {
		rk_dump_fail("changed during the dump", RK_SETTLE_MS);
		return;
	}
	if (rk_steps[rk.step] == NFT_MSG_GETSETELEM)
		rk.set++;
	else
		rk.step++;
	rk_next();
}

static void
rk_dump_start(void)
{
	if (rk.canon != NULL)
		return;
	if ((rk.canon = rs_canon_new()) == NULL) {
		rk_dump_fail("out of memory", RK_RETRY_MS);
		return;
	}
	rk.step = rk.set = 0;
	rk.gen = -1;
	rk.torn = 0;
	rk_next();
}

static void
rk_timer(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	rk_dump_start();
}

/* Any message of the group is a change (NEWGEN closes each commit); a
 * dump under way is overtaken. */
static void
rk_notify_read(evutil_socket_t fd, short ev, void *arg)
{
	ssize_t	 n;
	int	 i, changed = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < RK_NOTIFY_READS; i++) {
		n = mnl_socket_recvfrom(rk.notify, rk_buf, sizeof(rk_buf));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		changed = 1;	/* a message, or ENOBUFS: some were lost */
	}
	if (!changed)
		return;
	if (rk.canon != NULL)
		rk.torn = 1;
	rk.retries = 0;
	rk_later(RK_SETTLE_MS);
}

static struct mnl_socket *
rk_socket(unsigned groups, struct event_base *base, struct event **ev,
    event_callback_fn fn)
{
	struct mnl_socket	*nl;

	if ((nl = nl_open(NETLINK_NETFILTER, groups, 0)) == NULL)
		return (NULL);
	if (evutil_make_socket_nonblocking(mnl_socket_get_fd(nl)) == -1 ||
	    (*ev = event_new(base, mnl_socket_get_fd(nl), EV_READ | EV_PERSIST,
	    fn, NULL)) == NULL) {
		mnl_socket_close(nl);
		return (NULL);
	}
	event_add(*ev, NULL);
	return (nl);
}

int
rk_open(struct event_base *base, rk_cb cb, void *arg)
{
	memset(&rk, 0, sizeof(rk));
	rk.cb = cb;
	rk.arg = arg;
	if ((rk.ev_timer = evtimer_new(base, rk_timer, NULL)) == NULL ||
	    (rk.notify = rk_socket(1U << (NFNLGRP_NFTABLES - 1), base,
	    &rk.ev_notify, rk_notify_read)) == NULL ||
	    (rk.dump = rk_socket(0, base, &rk.ev_dump, rk_dump_read)) ==
	    NULL) {
		rk_close();
		return (-1);
	}
	rk_dump_start();
	return (0);
}

void
rk_close(void)
{
	if (rk.ev_timer != NULL)
		event_free(rk.ev_timer);
	if (rk.ev_notify != NULL)
		event_free(rk.ev_notify);
	if (rk.ev_dump != NULL)
		event_free(rk.ev_dump);
	if (rk.notify != NULL)
		mnl_socket_close(rk.notify);
	if (rk.dump != NULL)
		mnl_socket_close(rk.dump);
	rs_canon_free(rk.canon);
	memset(&rk, 0, sizeof(rk));
}
