/* Kernel conntrack apply: creates, updates, deletes and liberal marks,
 * batched into one sendmsg on the apply socket, errors read back by seq.
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

#include <errno.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "log.h"
#include "ct_var.h"
#include "nl.h"

#define CT_BATCH_LIMIT		(32 * 1024)	/* bytes per sendmsg */
#define CT_MSG_MAX		1024		/* bound on one request */
#define CT_BATCH_MAX		512		/* requests per sendmsg */
#define CT_APPLY_RCVBUF		(2 * 1024 * 1024)

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

static struct {
	struct mnl_socket	*apply;
	uint32_t		 apply_portid;
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
} ct;

static int	 ct_send(void);

int
ct_apply_open(void)
{
	int	 on = 1;

	if ((ct.apply = ct_socket(0)) == NULL)
		return (-1);
	ct.apply_portid = mnl_socket_get_portid(ct.apply);
	/* errors without the request echoed: the seq is all we need */
	mnl_socket_setsockopt(ct.apply, NETLINK_CAP_ACK, &on, sizeof(on));
	if (nl_rcvbuf(ct.apply, CT_APPLY_RCVBUF) == -1)
		log_warn("ct: apply socket buffer");
	ct.seq0 = (uint32_t)time(NULL);
	return (0);
}

void
ct_apply_close(void)
{
	if (ct.apply != NULL)
		mnl_socket_close(ct.apply);
	memset(&ct, 0, sizeof(ct));
}

/* The kernel stamps the events our requests cause with this portid. */
uint32_t
ct_apply_portid(void)
{
	return (ct.apply_portid);
}

/* Seconds added to the sender's remaining timeout on apply. */
void
ct_set_timeout_slack(uint32_t secs)
{
	ct.slack = secs;
}

static void
ct_count_error(int err, uint64_t n)
{
	ct_counters.apply_errors += n;
	ct_counters.errors_by_errno[err > 0 && err < CT_ERRNO_MAX - 1 ? err :
	    CT_ERRNO_MAX - 1] += n;
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
	/* no NLM_F_ACK: the kernel answers errors only */
	nlh = ct_nlmsg_put(ct.buf + ct.len, kind == CT_MSG_DELETE ?
	    IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW, flags[kind],
	    ct.seq0 + (uint32_t)ct.npend, s->family);
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
		ct_counters.delete_missing++;
		return;
	}
	ct_count_error(err, 1);
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
				ct_count_error(ENOBUFS, 1);
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
		ct_count_error(errno, ct.npend);
		rv = -1;
	} else {
		bad = ct_read_errors();
		ct_counters.applied += ct.npend - (bad > ct.npend ? ct.npend :
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
