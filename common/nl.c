/* Netlink helpers on libmnl (see nl.h). */
#include <sys/socket.h>
#include <sys/time.h>
#include <errno.h>

#include <linux/netfilter/nfnetlink.h>

#include "nl.h"

struct mnl_socket *
nl_open(int bus, unsigned groups, int timeout_ms)
{
	struct mnl_socket	*nl;
	struct timeval		 tv;
	int			 err;

	if ((nl = mnl_socket_open2(bus, SOCK_CLOEXEC)) == NULL)
		return (NULL);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if ((timeout_ms > 0 && setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET,
	    SO_RCVTIMEO, &tv, sizeof(tv)) == -1) ||
	    mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) == -1) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return (NULL);
	}
	return (nl);
}

int
nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data)
{
	static char	 buf[65536];
	unsigned	 portid = mnl_socket_get_portid(nl);
	ssize_t		 n;
	int		 ret, i;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return (-1);
	/* bounded: a dump of a large table still ends well inside */
	for (i = 0; i < 1000000; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return (-1);
		}
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb,
		    data);
		if (ret == MNL_CB_ERROR && errno == ESRCH)
			continue;	/* an answer to an earlier request */
		if (ret <= MNL_CB_STOP)
			return (ret == MNL_CB_ERROR ? -1 : 0);
	}
	errno = EIO;
	return (-1);
}

int
nl_read_acks(struct mnl_socket *nl, int expected)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlmsghdr	*nlh;
	const struct nlmsgerr	*e;
	int			 n, got = 0, err = 0, rounds;

	for (rounds = 0; got < expected && rounds < 64; rounds++) {
		if ((n = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0)
			return (-1);
		nlh = (const struct nlmsghdr *)buf;
		for (; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0 && err == 0)
				err = -e->error;
			got++;
		}
	}
	errno = err;
	return (err == 0 && got >= expected ? 0 : -1);
}

struct nlmsghdr *
nl_nfmsg_put(void *buf, uint8_t subsys, uint8_t type, uint16_t flags,
    uint32_t seq, uint8_t family)
{
	struct nlmsghdr	*nlh;
	struct nfgenmsg	*nfg;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)(subsys << 8 | type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return (nlh);
}

int
nl_rcvbuf(struct mnl_socket *nl, int size)
{
	int	 fd = mnl_socket_get_fd(nl);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		return (-1);
	return (0);
}
