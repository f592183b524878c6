/* syncd runtime: the node, its peers, and the glue between the modules
 * (see state.h for the module list).
 *
 *   engine.c  conntrack events -> queue -> datagrams; datagrams -> kernel;
 *             timers: flush, acks/nacks, retransmission, heartbeat,
 *             liveness, refresh of long-lived states
 *   bulk.c    bulk sync (request, answer, timeout) and the demote hold
 *             on carpd
 *   control.c carpctl sync status|stats|resync
 *   syncd.c   main */
#ifndef SYNCD_H
#define SYNCD_H

#include <sys/socket.h>
#include <stdint.h>
#include <event2/event.h>

#include "conf.h"
#include "msg.h"
#include "state.h"

#define SYNCD_FLUSH_MS		100	/* coalescing window, at most */
#define SYNCD_HEARTBEAT_MS	1000
#define SYNCD_DEAD_MS		3500	/* peer silent that long: dead */
#define SYNCD_BULK_RETRY_MS	2000	/* pfsync: every 2 s */
#define SYNCD_QUEUE_LIMIT	(2 * 1024 * 1024)	/* states queued */
#define SYNCD_RETIRED		64	/* dead sessions remembered */

struct rel_rx;

struct syncd_peer {
	uint32_t		 node;		/* 0: free slot */
	struct rel_rx		*rx;
	struct sockaddr_storage	 addr;
	uint64_t		 heard_ms;	/* last fresh datagram */
	uint64_t		 last_ms;	/* last authenticated one */
	int			 alive;
	int			 fresh;		/* has acked this run */
	/* the peer's session as last seen, fresh or not: acked with
	 * seq base - 1 (nothing new) until its stream is ours to ack, so
	 * that it can prove to us, and we to it, that both are live */
	uint64_t		 seen_nonce;
	uint32_t		 seen_base;
};

struct syncd_stats {
	uint64_t	 states_sent;		/* state messages packed */
	uint64_t	 states_applied;	/* peer states into the kernel */
	uint64_t	 deletes_applied;
	uint64_t	 messages_sent;		/* datagrams */
	uint64_t	 messages_received;	/* authenticated datagrams */
	uint64_t	 send_errors;
	uint64_t	 auth_failures;		/* bad tag or malformed */
	uint64_t	 replays;
	uint64_t	 malformed;		/* authenticated, unparseable */
	uint64_t	 resyncs;		/* full table re-sent or asked */
	uint64_t	 bulk_requests;		/* we asked */
	uint64_t	 bulk_served;		/* we answered */
	uint64_t	 queue_overflows;
	uint64_t	 refreshed;		/* states re-sent by refresh */
	uint64_t	 expired_peer;		/* peer states expired here */
	uint64_t	 stale;			/* not acking this run: dropped */
	uint64_t	 unsupported;		/* states the wire cannot carry */
};

struct syncd {
	struct event_base	*base;
	struct carp_conf	*conf;
	const struct conf_sync	*cs;
	struct sync_link	*link;
	struct seal		*seal;
	struct rel_tx		*tx;
	struct msg_queue	*outq;
	struct own		*own;
	struct ctl_server	*ctl;
	struct ctl_holder	*holder;
	uint32_t		 node;
	uint64_t		 nonce;
	size_t			 room;		/* payload bytes per datagram */
	struct syncd_peer	 peers[MSG_MAXPEERS];
	struct {
		uint32_t	 node;
		uint64_t	 nonce;
	}			 retired[SYNCD_RETIRED];
	size_t			 nretired;
	/* control messages waiting for the next datagram */
	int			 want_bulk_request;
	int			 want_bulk_end;
	int			 want_resync;
	int			 want_acknow;	/* defer: a packet waits */
	int			 need_requeue;	/* the queue overflowed */
	uint32_t		 resync_node;
	/* bulk sync of our own table from the peers */
	int			 bulk_in_progress;
	int			 bulk_hold;	/* demotion held for it */
	int			 masters;	/* carps MASTER here, -1 unknown */
	int			 in_sync;
	uint64_t		 bulk_start_ms;
	uint64_t		 start_ms;
	uint64_t		 bulk_last_req_ms;
	/* link and demotion */
	int			 carrier;
	int			 demote_held;
	uint64_t		 last_sent_ms;
	uint64_t		 flush_due_ms;	/* 0: nothing queued */
	uint32_t		 gen;		/* overrun sweep */
	char			 last_error[128];
	struct event		*ev_tick;
	struct event		*ev_heartbeat;
	struct event		*ev_refresh;
	struct syncd_stats	 st;
};

/* engine.c */
int		 syncd_start(struct syncd *);
void		 syncd_stop(struct syncd *);
void		 syncd_flush(struct syncd *);
void		 syncd_schedule(struct syncd *);
/* The timers' work, also called directly by the engine tests. */
void		 syncd_on_tick(struct syncd *);
void		 syncd_on_heartbeat(struct syncd *);
void		 syncd_on_refresh(struct syncd *);
int		 syncd_queue_local(struct syncd *, const struct sync_state *);
int		 syncd_queued(struct syncd *, int);
int		 syncd_queue_current(struct syncd *, const struct sync_state *);
void		 syncd_requeue_table(struct syncd *, const char *why);
void		 syncd_error(struct syncd *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 syncd_peers_alive(const struct syncd *);
struct syncd_peer *syncd_peer_get(struct syncd *, uint32_t node,
		    const struct sockaddr_storage *, int create);

struct defer_flow;
int		 syncd_defer(const struct defer_flow *, uint32_t *token,
		    void *);

/* bulk.c */
void		 bulk_init(struct syncd *);
void		 bulk_request(struct syncd *, const char *why);
void		 bulk_serve(struct syncd *, uint32_t node);
void		 bulk_end_received(struct syncd *, uint32_t node);
void		 bulk_tick(struct syncd *, uint64_t now);
void		 bulk_update_demote(struct syncd *);
int		 bulk_carp_masters(const struct syncd *);

/* control.c */
int		 syncd_control_init(struct syncd *);
void		 syncd_control_cleanup(struct syncd *);

#endif
