/* syncd's transport: datagrams to the peer(s) over the sync link, unicast
 * to syncpeer or multicast on syncdev, behind one ops table (like
 * conntrackd's struct channel_ops), so the rest of syncd never asks which
 * one it is. */
#ifndef SYNCD_LINK_H
#define SYNCD_LINK_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "conf.h"

#define LINK_MAXDGRAM	65507

struct sync_link;

typedef void	(*link_recv_cb)(const uint8_t *, size_t,
		    const struct sockaddr_storage *from, void *arg);

struct link_ops {
	const char	*name;
	int		(*open)(struct sync_link *);
	int		(*send)(struct sync_link *, const uint8_t *, size_t);
};

struct sync_link {
	const struct link_ops	*ops;
	int			 fd;
	unsigned		 ifindex;	/* syncdev */
	char			 ifname[IFNAMSIZ];
	struct sockaddr_storage	 dst;		/* peer, or the group */
	socklen_t		 dstlen;
	uint16_t		 port;
	struct event		*ev;
	link_recv_cb		 recv;
	void			*arg;
	uint64_t		 send_errors;
	uint64_t		 foreign;	/* unicast: not from syncpeer */
	uint64_t		 rx_errors;
	/* datagrams the kernel dropped on our full receive buffer, as
	 * of the last datagram read (SO_RXQ_OVFL, cumulative) */
	uint32_t		 kernel_drops;
};

/* Open the transport the sync block asks for and start receiving. */
struct sync_link *link_open(struct event_base *, const struct conf_sync *,
		    link_recv_cb, void *arg);
void		 link_close(struct sync_link *);
int		 link_send(struct sync_link *, const uint8_t *, size_t);
/* Largest datagram payload that fits the syncdev MTU (IP+UDP removed). */
size_t		 link_payload_max(const struct sync_link *);
/* 1 if syncdev is up and running, 0 if not. */
int		 link_carrier(const struct sync_link *);

#endif
