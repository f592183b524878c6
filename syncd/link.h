/* syncd's transport: datagrams to the peer(s) over one or two sync links,
 * each unicast to its syncpeer or multicast on its syncdev, behind one ops
 * table (like conntrackd's struct channel_ops), so the rest of syncd never
 * asks which one it is, nor how many links there are.
 *
 *   link.c		the sockets: open, send on the link in use, receive
 *   link_health.c	which link is up and which carries the datagrams
 *			(docs/PROTOCOL.md 6.17), no sockets: unit-tested */
#ifndef SYNCD_LINK_H
#define SYNCD_LINK_H

#include <sys/socket.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "conf.h"

#define LINK_MAXDGRAM	65507
#define LINK_MAX	CONF_MAXSYNCLINKS
/* Two links only (one link behaves as before, without probes): every
 * link hears a heartbeat at least every LINK_PROBE_MS, a link silent for
 * LINK_SILENT_MS is down, and the first link takes the datagrams back
 * once it has been up for LINK_FAILBACK_MS. */
#define LINK_PROBE_MS		250
#define LINK_SILENT_MS		750
#define LINK_FAILBACK_MS	2000
/* One link: "up" in the status means heard within a peer's dead time. */
#define LINK_SILENT1_MS		3500

struct sync_link;
struct link_path;

typedef void	(*link_recv_cb)(const uint8_t *, size_t,
		    const struct sockaddr_storage *from, void *arg);

struct link_ops {
	const char	*name;
	int		(*open)(struct link_path *);
	int		(*send)(struct link_path *, const uint8_t *, size_t);
};

/* One sync link: a socket on one syncdev. */
struct link_path {
	const struct link_ops	*ops;
	struct sync_link	*set;
	int			 fd;
	unsigned		 ifindex;	/* syncdev */
	char			 ifname[IFNAMSIZ];
	struct sockaddr_storage	 dst;		/* peer, or the group */
	socklen_t		 dstlen;
	uint16_t		 port;
	struct event		*ev;
	/* health (link_health.c) */
	int			 carrier;
	int			 up;
	uint64_t		 up_ms;		/* when it last came up */
	uint64_t		 heard_ms;	/* last authentic datagram */
	uint64_t		 sent_ms;	/* last datagram sent on it */
	uint64_t		 peer_heard_ms;	/* a peer said it hears us */
	/* counters */
	uint64_t		 sent;
	uint64_t		 received;	/* datagrams read */
	uint64_t		 send_errors;
	uint64_t		 rx_errors;
	uint64_t		 foreign;	/* unicast: not from syncpeer */
	uint32_t		 kernel_drops;	/* SO_RXQ_OVFL, cumulative */
};

/* The sync links of the node, in order of preference. */
struct sync_link {
	struct link_path	 paths[LINK_MAX];
	size_t			 n;
	size_t			 active;	/* the one datagrams take */
	int			 use;		/* >= 0: next send goes there */
	struct link_path	*reading;	/* in the receive callback */
	uint64_t		 silent_ms;	/* down when silent that long */
	uint64_t		 switches;	/* datagrams moved link */
	int			 peer_reports;	/* a peer says what it hears */
	link_recv_cb		 recv;
	void			*arg;
	/* the paths' sums, as one link counted them */
	uint64_t		 send_errors;
	uint64_t		 foreign;
	uint64_t		 rx_errors;
	/* datagrams the kernel dropped on a full receive buffer, as of the
	 * last datagram read (SO_RXQ_OVFL, cumulative over the links) */
	uint32_t		 kernel_drops;
};

/* link.c */
/* Open every link the sync block asks for and start receiving. */
struct sync_link *link_open(struct event_base *, const struct conf_sync *,
		    link_recv_cb, void *arg);
void		 link_close(struct sync_link *);
/* On the link in use (or the one link_use chose). */
int		 link_send(struct sync_link *, const uint8_t *, size_t);
/* Largest datagram payload that fits every syncdev's MTU (IP+UDP
 * removed), so a datagram fits whichever link it takes. */
size_t		 link_payload_max(const struct sync_link *);
/* Reads each syncdev's carrier: 1 if any is up and running, 0 if not. */
int		 link_carrier(struct sync_link *);

/* link_health.c */
void		 link_health_init(struct sync_link *, uint64_t now);
/* 1 if some link has carrier: link-demote holds only when none has. */
int		 link_any_carrier(const struct sync_link *);
/* The datagram being received verified: its link is heard. */
void		 link_heard(struct sync_link *, uint64_t now);
/* Each link's health from its carrier and silence, and the link in use;
 * 1 if the link in use changed. */
int		 link_health(struct sync_link *, uint64_t now);
/* Bit i: link i heard the peer lately (what our heartbeats report). */
uint32_t	 link_heard_bits(const struct sync_link *, uint64_t now);
/* A peer's report of the links it hears us on (its heard bits). */
void		 link_peer_heard(struct sync_link *, uint32_t bits,
		    uint64_t now);
/* 1 if link i should carry a heartbeat now (two links only). */
int		 link_probe_due(const struct sync_link *, size_t i,
		    uint64_t now);
/* The next link_send goes on link i (-1: the link in use again). */
void		 link_use(struct sync_link *, int i);

#endif
