/* The kernel side of a balanced carp, as the carp_ops bal_* entries
 * (carpd.h): one AF_PACKET socket for ARP on the carpdev, the device
 * filters that let the virtual MACs in, the nft tables (bal_nft.c), and
 * the answers and probes of bal_arp.c.
 *
 * bal_open runs once the carpdev is attached, at start or on a reload
 * (then after the privilege drop: CAP_NET_RAW and CAP_NET_ADMIN are
 * kept, common/priv.c lists the calls). */
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bal.h"
#include "kif.h"
#include "log.h"

#define BAL_READ_BURST	64	/* frames per wake-up, then back to the loop */

struct bal_kern {
	struct carp_bal	*bal;
	int		 fd;
	struct event	*ev;
	int		 synced;	/* the sets hold share_set */
	uint32_t	 share_set;
};

/* A failure of bal_open or bal_update is counted by the engine, which
 * sees the -1; one of a frame sent from the event loop is counted here. */
static void
bal_kern_warn(struct carp_bal *bal, const char *what)
{
	log_warn("%s: %s", bal->conf.name, what);
}

static void
bal_kern_error(struct carp_bal *bal, const char *what)
{
	bal->cnt.kernel_errors++;
	bal_kern_warn(bal, what);
}

static int
bal_kern_zero(const uint8_t mac[6])
{
	static const uint8_t	 zero[6];

	return (memcmp(mac, zero, sizeof(zero)) == 0);
}

static int
bal_kern_send(struct bal_kern *k, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll	 sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)k->bal->carpdev_index;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, frame, ETH_ALEN);	/* the Ethernet destination */
	return (sendto(k->fd, frame, len, 0, (struct sockaddr *)&sll,
	    sizeof(sll)) == -1 ? -1 : 0);
}

static void
bal_kern_recv(evutil_socket_t fd, short what, void *arg)
{
	struct bal_kern		*k = arg;
	struct sockaddr_ll	 sll;
	struct iovec		 iov;
	struct msghdr		 msg;
	uint8_t			 pkt[1514], out[BAL_ARP_FRAMELEN];
	ssize_t			 n;
	size_t			 olen;
	int			 i;

	(void)what;
	for (i = 0; i < BAL_READ_BURST; i++) {
		iov.iov_base = pkt;
		iov.iov_len = sizeof(pkt);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &sll;
		msg.msg_namelen = sizeof(sll);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if ((n = recvmsg(fd, &msg, 0)) == -1)
			return;		/* EAGAIN: read it all */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		olen = bal_arp_input(k->bal, pkt, (size_t)n, out);
		if (olen > 0 && bal_kern_send(k, out, olen) == -1)
			bal_kern_error(k->bal, "ARP reply");
	}
}

/* The device filter: a NIC delivers a frame to a MAC of its list (or
 * group it joined) only. Bound to the socket: closing it undoes them. */
static int
bal_kern_member(struct bal_kern *k, int type, const uint8_t mac[6])
{
	struct packet_mreq	 mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)k->bal->carpdev_index;
	mr.mr_type = (unsigned short)type;
	mr.mr_alen = ETH_ALEN;
	memcpy(mr.mr_address, mac, ETH_ALEN);
	return (setsockopt(k->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)));
}

static int
bal_kern_members(struct bal_kern *k)
{
	const struct carp_bal	*bal = k->bal;
	int			 i;

	switch (bal->conf.balancing) {
	case BAL_ARP:
		for (i = 0; i < bal->nslots; i++)
			if (bal_kern_member(k, PACKET_MR_UNICAST,
			    bal->mac[i]) == -1)
				return (-1);
		return (0);
	case BAL_IP_UNICAST:
		return (bal_kern_member(k, PACKET_MR_UNICAST,
		    bal->cluster_mac));
	default:
		return (bal_kern_member(k, PACKET_MR_MULTICAST,
		    bal->cluster_mac));
	}
}

static int
bal_kern_socket(struct bal_kern *k)
{
	struct sockaddr_ll	 sll;

	/* protocol 0: nothing arrives until bind names the carpdev, so no
	 * other interface's ARP slips in before */
	k->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd == -1)
		return (-1);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)k->bal->carpdev_index;
	if (bind(k->fd, (struct sockaddr *)&sll, sizeof(sll)) == -1 ||
	    bal_kern_members(k) == -1)
		return (-1);
	return (0);
}

static void
bal_kern_free(struct bal_kern *k)
{
	if (k->ev != NULL)
		event_free(k->ev);
	if (k->fd != -1)
		close(k->fd);
	free(k);
}

int
bal_kern_open(struct carp_bal *bal)
{
	struct bal_kern	*k;

	if (bal->kern != NULL)
		return (0);
	if (bal->carpdev_index == 0) {
		errno = ENODEV;
		return (-1);
	}
	/* the ip modes' answers come from it: never from 00:00:00:00:00:00,
	 * which a bridge drops */
	if (bal_kern_zero(bal->devmac) &&
	    kif_link_mac(bal->carpdev_index, bal->devmac) == -1) {
		bal_kern_warn(bal, "carpdev MAC");
		return (-1);
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("bal_kern");
	k->bal = bal;
	if (bal_kern_socket(k) == -1) {
		bal_kern_warn(bal, "ARP socket");
		bal_kern_free(k);
		return (-1);
	}
	/* The kernel's own ARP requests must not carry an address as
	 * sender (the arp table drops them): with announce 2 it takes the
	 * carpdev's primary address in the target's subnet instead, so a
	 * host that talks to the address is still resolved. */
	if (kif_inet_conf(bal->carpdev_index, IPV4_DEVCONF_ARP_ANNOUNCE,
	    2) == -1)
		log_warn("%s: %s: arp_announce", bal->conf.name,
		    bal->conf.carpdev);
	if (bal_nft_install(bal) == -1) {
		bal_kern_warn(bal, "nft tables");
		bal_kern_free(k);
		return (-1);
	}
	k->ev = event_new(bal->env->base, k->fd, EV_READ | EV_PERSIST,
	    bal_kern_recv, k);
	if (k->ev == NULL || event_add(k->ev, NULL) == -1)
		fatalx("bal_kern: event");
	bal->kern = k;
	return (bal_kern_update(bal));
}

int
bal_kern_update(struct carp_bal *bal)
{
	struct bal_kern	*k = bal->kern;
	uint32_t	 share = bal_share_live(bal);

	if (k == NULL) {
		errno = EBADF;
		return (-1);
	}
	/* a pair set is up to 65,536 elements: no rewrite for nothing */
	if (k->synced && k->share_set == share)
		return (0);
	if (bal_nft_update(bal, share) == -1) {
		k->synced = 0;
		bal_kern_warn(bal, "nft sets");
		return (-1);
	}
	k->synced = 1;
	k->share_set = share;
	log_debug("%s: share 0x%x in the kernel", bal->conf.name, share);
	return (0);
}

/* arp mode only: in the ip modes no frame may carry a virtual MAC as
 * source (ip-stealth, ip-unicast: the switch must keep flooding; ip:
 * a multicast MAC is never a source). */
void
bal_kern_learn(struct carp_bal *bal, int slot)
{
	struct bal_kern	*k = bal->kern;
	uint8_t		 frame[BAL_ARP_FRAMELEN];

	if (k == NULL || bal->conf.balancing != BAL_ARP ||
	    bal_arp_probe(bal, slot, frame) == -1)
		return;
	if (bal_kern_send(k, frame, sizeof(frame)) == -1) {
		bal_kern_error(bal, "ARP probe");
		return;
	}
	bal->cnt.learn_sent++;
}

void
bal_kern_close(struct carp_bal *bal)
{
	if (bal->kern == NULL)
		return;
	bal_nft_remove(bal);
	bal_kern_free(bal->kern);
	bal->kern = NULL;
}
