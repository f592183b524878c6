/* What route and interface checks observe (track.h), over rtnetlink.
 *
 * Each check asks the kernel once an interval rather than following
 * route notifications: fall and rise count consecutive observations, so
 * a sample per interval is what the state machine needs anyway; a dump
 * answers for itself (no monitor to resynchronise after an overrun, no
 * table kept in carpd), and the main table of a firewall is small. A
 * route gone and back within one interval goes unseen, as a blip
 * shorter than fall intervals would be absorbed anyway.
 *
 * The request socket is opened before the privilege drop (its bind is
 * not in carpd's system call list, common/priv.c), once, whether or not
 * a route check is configured yet: a reload may add one. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "kif.h"
#include "log.h"
#include "nl.h"
#include "track.h"

/* A dump of a small table is answered at once; the loop must not wait. */
#define TRACK_KERN_TIMEOUT_MS	300

static struct mnl_socket	*track_nl;
static uint32_t			 track_seq;

int
track_kern_open(void)
{
	if (track_nl != NULL)
		return (0);
	if ((track_nl = nl_open(NETLINK_ROUTE, 0, TRACK_KERN_TIMEOUT_MS)) ==
	    NULL) {
		log_warn("track: rtnetlink socket");
		return (-1);
	}
	track_seq = (uint32_t)time(NULL);
	return (0);
}

void
track_kern_close(void)
{
	if (track_nl != NULL)
		mnl_socket_close(track_nl);
	track_nl = NULL;
}

struct track_route_match {
	const struct conf_addr	*want;
	int			 found;
	uint32_t		 table;
	int			 have_dst;
	uint8_t			 dst[16];
};

static int
track_route_attr(const struct nlattr *a, void *data)
{
	struct track_route_match	*m = data;
	size_t				 len = m->want->af == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(a)) {
	case RTA_TABLE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			m->table = mnl_attr_get_u32(a);
		break;
	case RTA_DST:
		if (mnl_attr_get_payload_len(a) == len) {
			memcpy(m->dst, mnl_attr_get_payload(a), len);
			m->have_dst = 1;
		}
		break;
	}
	return (MNL_CB_OK);
}

/* A usable route of the main table to exactly the prefix: unicast, its
 * next hop neither dead nor on a link that is down. */
static int
track_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct track_route_match	*m = data;
	const struct rtmsg		*rtm;
	size_t				 len = m->want->af == AF_INET ? 4 : 16;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return (MNL_CB_OK);
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != m->want->af ||
	    rtm->rtm_dst_len != m->want->plen ||
	    rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)))
		return (MNL_CB_OK);
	m->table = rtm->rtm_table;
	m->have_dst = 0;
	memset(m->dst, 0, sizeof(m->dst));
	mnl_attr_parse(nlh, sizeof(*rtm), track_route_attr, m);
	if (m->table != RT_TABLE_MAIN)
		return (MNL_CB_OK);
	/* the default route carries no RTA_DST: all zeros */
	if (memcmp(m->dst, &m->want->a, len) == 0)
		m->found = 1;
	return (MNL_CB_OK);
}

int
track_kern_route(const struct conf_addr *prefix)
{
	char				 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr			*nlh;
	struct rtmsg			*rtm;
	struct track_route_match	 m;

	if (track_nl == NULL) {
		errno = ENOTCONN;
		return (-1);
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++track_seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)prefix->af;
	rtm->rtm_table = RT_TABLE_MAIN;
	memset(&m, 0, sizeof(m));
	m.want = prefix;
	if (nl_talk(track_nl, nlh, track_route_cb, &m) == -1)
		return (-1);
	return (m.found);
}

/* No such interface is no carrier: it went away, or never came. */
int
track_kern_carrier(const char *ifname)
{
	unsigned	 idx;

	if ((idx = kif_ifindex(ifname)) == 0)
		return (0);
	return (kif_link_up(idx));
}
