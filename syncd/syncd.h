/* syncd runtime: the node, its peers, and the engine's modules (see
 * state.h for the others). Only these files write struct syncd:
 *
 *   engine.c   start, stop, the heartbeat, bulk and demotion glue
 *   peer.c     the peers: sessions, sequence and replay windows, acks,
 *              liveness (one table, one eviction policy)
 *   table.c    local states: ownership, the send queue's input, requeue
 *              and sweep after overruns, repairs, bulk answers
 *   tx.c       queue -> sealed datagrams, flush, acks due, the tick
 *   rx.c       datagram -> peer bookkeeping -> kernel
 *   young.c    sync-delay: young local states wait in delay.c's queue
 *   sdnotify.c READY=1 after the first bulk, the status line for
 *              systemd (reads only; common/notify.h)
 *   refresh.c  refresh walk; liberal marking when mastership leaves
 *   carpwatch.c  carps MASTER here, from carpd's monitor stream
 *   bulk.c     bulk sync decisions (returns what it wants done)
 *   sweep.c    after a bulk: the peer's states it no longer has
 *   ruleset.c  the nftables ruleset against the peers' (digests)
 *   control.c  carpctl sync status|stats|resync (reads only)
 *   syncd.c    main */
#ifndef SYNCD_H
#define SYNCD_H

#include <sys/socket.h>
#include <stdint.h>
#include <event2/event.h>

#include "bulk.h"
#include "conf.h"
#include "delay.h"
#include "queue.h"
#include "peer.h"
#include "state.h"

#define SYNCD_FLUSH_MS		100	/* coalescing window, at most */
#define SYNCD_HEARTBEAT_MS	1000
#define SYNCD_START_WAIT_MS	300	/* for carpd's count at start */
#define SYNCD_DEAD_MS		3500	/* peer silent that long: dead */
#define SYNCD_QUEUE_LIMIT	(2 * 1024 * 1024)	/* states queued */
#define SYNCD_DELAY_LIMIT	(256 * 1024)	/* young states (sync-delay) */
/* Queued states at which event reading pauses, resuming below half:
 * the send window is full then, and the kernel's event socket holds the
 * backlog better than 240 bytes a state of queue (tx_backpressure). */
#define SYNCD_QUEUE_HOLD	4096

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
	/* dropped received datagrams by reason, besides the above */
	uint64_t	 invalid;		/* sealed, absurd values */
	uint64_t	 self;			/* our own, reflected */
	uint64_t	 too_many_peers;
	uint64_t	 seq_jumps;		/* far ahead of a live session */
	/* expectations (expect.c) */
	uint64_t	 expects_sent;		/* messages packed */
	uint64_t	 expects_applied;	/* creates and deletes taken */
	uint64_t	 expect_errors;		/* refused by the kernel */
	uint64_t	 expects_dropped;	/* no master in time, full,
						   unsendable or switched off */
	/* churn: short-lived states (sync-delay, cancelling in the queue) */
	uint64_t	 died_young;		/* ended within sync-delay */
	uint64_t	 cancelled;		/* create and delete in one flush */
	uint64_t	 delay_overflows;	/* delay queue full: sent at once */
	uint64_t	 delay_sent;		/* lived their delay, then sent */
	/* scale (issue 10) */
	uint64_t	 sweep_dropped;		/* local records, no dump saw */
	/* stale peer states, swept after the peer's bulk (sweep.c) */
	uint64_t	 bulk_swept;		/* deleted from our kernel */
	uint64_t	 bulk_sweeps_skipped;	/* two peers, or marks moved */
	/* states a walk read that an event changed or deleted before the
	 * walk passed them on (table.c) */
	uint64_t	 walk_skipped;
	/* ruleset (issue 11): nftables rulesets against the peers' */
	uint64_t	 ruleset_changes;	/* same -> differs, and back */
};

/* sweep.c: the stale peer states a bulk of ours did not refresh. */
struct syncd_sweep {
	uint32_t		 gen;		/* the bulk's generation */
	int			 pending;	/* its end came: walk due */
	uint32_t		 node;		/* whose bulk */
	uint64_t		 end_ms;
	size_t			 swept;		/* by the last walk */
};

/* States the defer path sent, whose kernel event is not sent again
 * (asym.c): about one per packet defer can hold. */
#define SYNCD_ECHO		128

/* Control messages waiting for the next datagram (tx.c sends them). */
struct syncd_want {
	int			 bulk_request;
	int			 bulk_end;
	uint32_t		 bulk_node;	/* whose bulk is on its way */
	int			 bulk_walk;	/* its dump runs (table.c) */
	int			 resync;
	uint32_t		 resync_node;
	int			 acknow;	/* defer: a packet waits */
};

#define CARPWATCH_MAX		256	/* carps followed */

/* carpd's carps as its monitor stream tells (carpwatch.c). */
struct carpwatch {
	struct carpwatch_carp {
		char		 name[CONF_NAMELEN];
		unsigned	 vhid;	/* a balanced carp: one per slot */
		int		 master;
	}			 carps[CARPWATCH_MAX];
	size_t			 n;
	int			 known;		/* a snapshot came */
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
	/* peer.c */
	struct syncd_peer	 peers[PEER_MAX];
	struct peer_retired	 retired[PEER_RETIRED];
	size_t			 nretired;
	/* tx.c */
	struct syncd_want	 want;
	uint64_t		 last_sent_ms;
	uint64_t		 flush_due_ms;	/* 0: nothing queued */
	size_t			 queue_hold;	/* SYNCD_QUEUE_HOLD; tests less */
	int			 queue_walk;	/* a table walk is queued */
	size_t			 walk_marks;	/* records marked newer (table.c) */
	uint64_t		 bulk_t0;	/* a served bulk's dump began */
	/* table.c */
	int			 need_requeue;	/* the queue overflowed */
	uint32_t		 gen;		/* overrun sweep */
	struct delay		*delay;		/* young states; NULL: no delay */
	/* engine.c: bulk, mastership, link and demotion */
	struct bulk		 bulk;
	int			 masters;	/* carps MASTER here, -1 unknown */
	struct carpwatch	 carpwatch;
	int			 bulk_waiting;	/* first bulk: for carpd's count */
	struct event		*ev_start;
	struct msg_dgram	*rxd;		/* rx.c's decode buffer */
	uint32_t		 rx_drops;	/* link drops at the last taken */
	uint64_t		 start_ms;
	int			 carrier;
	int			 demote_held;
	char			 last_error[128];
	struct event		*ev_tick;
	struct event		*ev_heartbeat;
	struct event		*ev_probe;	/* two sync links */
	struct event		*ev_refresh;
	struct syncd_stats	 st;
	struct syncd_expect	*expect;	/* expect.c */
	struct syncd_sweep	 sweep;		/* sweep.c */
	/* metrics: metrics-listen's server (control.c); NULL: off */
	struct metrics_http	*metrics;
	/* ruleset (issue 11) */
	struct ruleset		*ruleset;	/* ruleset.c; NULL: off */
	/* balancing (issue 12): defer with a balanced carp, whose paths
	 * are asymmetric (PROTOCOL.md 6.12): first replies wait for the
	 * peer's state, new states go at once, no sync-delay */
	int			 asym;
	struct asym_echo {
		uint64_t	 hash;		/* sync_key_hash64; 0: free */
		uint64_t	 ms;		/* when defer sent it */
		uint32_t	 status;
		uint8_t		 tcp_state;
	}			 echo[SYNCD_ECHO];	/* by hash */
};

/* engine.c */
int		 syncd_start(struct syncd *);
void		 syncd_stop(struct syncd *);
void		 syncd_error(struct syncd *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 syncd_on_heartbeat(struct syncd *);
/* Ask the peers for their table again (not the first bulk). */
void		 syncd_resync(struct syncd *, const char *why);
void		 syncd_bulk_done(struct syncd *, uint32_t node);
void		 syncd_bulk_end_check(struct syncd *);
void		 syncd_demote(struct syncd *);
int		 syncd_in_sync(const struct syncd *);
int		 syncd_bulk_in_progress(const struct syncd *);
/* The number of carps MASTER here changed (-1: unknown): pushed by the
 * watcher of carpd's monitor stream (carpwatch.c). */
void		 syncd_masters_changed(struct syncd *, int masters);
void		 syncd_rival_heard(struct syncd *, const char *carp);

/* peer.c */
int		 syncd_peers_alive(const struct syncd *);

/* table.c */
int		 table_queued(struct syncd *, int rv);
int		 table_local(struct syncd *, const struct sync_state *);
int		 table_current(struct syncd *, const struct sync_state *);
/* 1 if an async walk's copy of s is older than what an event sent */
int		 table_walk_stale(struct syncd *, const struct sync_state *);
/* An event-loop walk of the kernel table ended: drop its marks. */
void		 table_walk_end(struct syncd *);
void		 table_requeue(struct syncd *, const char *why);
void		 table_resend(struct syncd *, const struct sync_key *);
void		 table_serve_bulk(struct syncd *, uint32_t node);
void		 table_key_state(const struct sync_key *, struct sync_state *);
int		 table_start(struct syncd *);

/* sweep.c */
void		 sweep_bulk_begin(struct syncd *);
void		 sweep_bulk_end(struct syncd *, uint32_t node);
void		 sweep_tick(struct syncd *, uint64_t now);

/* young.c */
int		 young_start(struct syncd *);
int		 young_event(struct syncd *, const struct sync_state *);
int		 young_delete(struct syncd *, const struct sync_key *);
int		 young_hold(struct syncd *, const struct sync_key *);
void		 young_sent(struct syncd *, const struct sync_key *);
void		 young_expire(struct syncd *, uint64_t now);

/* tx.c */
int		 tx_start(struct syncd *);
int		 tx_send(struct syncd *, int heartbeat, uint64_t now);
void		 tx_probe(struct syncd *, size_t link);
void		 tx_header(struct syncd *, struct msg_hdr *);
void		 syncd_flush(struct syncd *);
void		 syncd_schedule(struct syncd *);
void		 syncd_on_tick(struct syncd *);
struct defer_flow;
int		 syncd_defer(const struct defer_flow *, uint32_t *token,
		    void *);

/* asym.c: what asymmetric paths (a balanced carp) add */
int		 syncd_defer_first(const struct defer_flow *, void *);
void		 asym_sent(struct syncd *, const struct sync_state *);
int		 asym_echo(struct syncd *, const struct sync_state *);
enum asym_kind { ASYM_CHANGE, ASYM_ECHO, ASYM_NEW };
enum asym_kind	 asym_event(struct syncd *, const struct sync_state *);

/* rx.c */
int		 rx_start(struct syncd *);
void		 rx_datagram(const uint8_t *, size_t,
		    const struct sockaddr_storage *, void *);

/* refresh.c */
void		 syncd_on_refresh(struct syncd *);
int		 refresh_liberal(struct sync_state *);
int		 refresh_start(struct syncd *);
void		 refresh_mark_liberal(const char *why);

/* carpwatch.c */
int		 carpwatch_start(struct syncd *);

/* control.c */
int		 syncd_control_init(struct syncd *);
void		 syncd_control_cleanup(struct syncd *);

#endif
