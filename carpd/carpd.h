/* carpd runtime: one struct carp_if per configured carp, groups with
 * demote counters, and the narrow interfaces between the modules:
 *
 *   carpd.c    main, event loop, signals; installs ops.c and the notify
 *   apply.c    start, stop, reload (apply the config diff), link changes
 *   fsm.c      election state machine (table-driven), advert out,
 *              demotes raised by a transition run after it; advert
 *              input in fsm_input.c
 *   slot.c     balanced carps (carpnodes): a carp_if per slot, the
 *              share, the addresses and scripts that follow it
 *   bal_*.c    balancing's kernel side (bal.h): nft tables, ARP answers
 *   group.c    groups and demote counters
 *   auth.c     strict-mode counter (persisted) and per-source replay table
 *   sdnotify.c the status line for systemd (common/notify.h)
 *   ops.c      the real struct carp_ops over kif.c, net.c and hooks.c
 *   kif.c      kernel via rtnetlink: addresses, link state, macvlan; its
 *              monitor keeps kif_addr.c's address table current
 *   net.c      raw CARP sockets (IPv4 and IPv6), gratuitous ARP, NA
 *   hooks.c    up/down scripts: requests to the script runner
 *              (hooks_runner.c, forked before the drop; see hooks.h)
 *   track*.c   health checks raising a group's demote (track.h)
 *   realtime.c SCHED_FIFO and mlockall at start (carp.conf realtime)
 *   control*.c control socket: server and monitor events (control.c),
 *              commands (control_cmd.c), replies (control_reply.c),
 *              demote holds of clients (control_hold.c); see control.h
 *   carpctl*.c the control tool: command line, fields, text and JSON
 *
 * The engine (fsm.c, group.c) and apply.c reach the kernel and the wire
 * only through struct carp_ops, and tell of transitions only through
 * struct carpd's notify, so unit tests run them without root. */
#ifndef CARPD_H
#define CARPD_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdint.h>
#include <event2/event.h>

#include "conf.h"

enum carp_state {
	CARP_INIT = 0,
	CARP_BACKUP,
	CARP_MASTER,
	CARP_NSTATES
};

/* Everything that may happen to a carp; the FSM table maps
 * (state, event) -> (action, next state). */
enum carp_event {
	EV_START = 0,		/* configured, link up: leave INIT */
	EV_MD_TIMEOUT,		/* master-down timer fired */
	EV_AD_TIMEOUT,		/* advert timer fired (MASTER) */
	EV_ADV_BETTER,		/* valid advert from a better master */
	EV_ADV_WORSE,		/* valid advert we should preempt */
	EV_ADV_KEEP,		/* valid advert: stay, re-arm master-down */
	EV_LINK_DOWN,		/* carpdev lost its link */
	EV_LINK_UP,
	EV_ADMIN_DOWN,		/* carpctl down: bow out, stay BACKUP */
	EV_ADMIN_UP,		/* carpctl up */
	EV_DEMOTED,		/* our advertised demote changed */
	EV_REMOVE,		/* reload removed it, carpd stopping */
	CARP_NEVENTS
};

/* Every per-carp counter, once: the struct below, the control reply
 * (control_reply.c) and the SIGUSR1 log line are made from this list;
 * proto/ctl.proto's CtlCounters names the same fields for the wire. */
#define CARP_COUNTERS(X)						\
	X(adverts_sent)							\
	X(adverts_received)	/* valid, for this vhid */		\
	X(bad_checksum)							\
	X(bad_ttl)							\
	X(bad_hmac)							\
	X(bad_version)		/* version/type/authlen */		\
	X(bad_length)							\
	X(replays)		/* strict: counter not newer */		\
	X(loops)		/* our own counter came back */		\
	X(send_errors)							\
	X(transitions)							\
	X(answers_limited)	/* worse adverts not answered at once */

struct carp_counters {
#define CARP_COUNTER_FIELD(f)	uint64_t f;
	CARP_COUNTERS(CARP_COUNTER_FIELD)
#undef CARP_COUNTER_FIELD
};

/* Advert fields the engine compares (decoded from the wire). */
struct carp_advert {
	int		 vhid;
	int		 advbase;
	int		 advskew;
	int		 demote;
	uint64_t	 counter;
};

#define CARP_REPLAY_SLOTS	8	/* sources remembered per carp */
#define CARP_WHYLEN		96	/* reason of a queued demote */

struct carp_replay {
	struct sockaddr_storage	 src;
	uint64_t		 counter;	/* last accepted */
};

/* Balancing counters (bal_kern.c), shown per balanced carp. */
#define CARP_BAL_COUNTERS(X)						\
	X(arp_requests)		/* for one of the carp's addresses */	\
	X(arp_replies)		/* answered: the host hashes to us */	\
	X(arp_others)		/* left to the node that has its slot */	\
	X(arp_bad)		/* short or malformed ARP frames */	\
	X(learn_sent)		/* frames teaching the switch a MAC */	\
	X(kernel_errors)	/* nft or socket updates that failed */

struct carp_bal_counters {
#define CARP_COUNTER_FIELD(f)	uint64_t f;
	CARP_BAL_COUNTERS(CARP_COUNTER_FIELD)
#undef CARP_COUNTER_FIELD
};

/* A balanced carp (carpnodes, docs/PROTOCOL.md section 4.4): one
 * struct carp_if per node slot runs its own election (its conf has the
 * slot's vhid and advskew); they share this. The addresses are
 * installed while any slot is MASTER here; the kernel side (the nft
 * tables, the ARP answers: bal_kern.c) follows share. */
struct carp_bal {
	struct conf_carp	 conf;		/* as configured, vhid 0 */
	struct carpd		*env;
	int			 nslots;
	int			 nlive;		/* slots not freed yet */
	struct carp_if		*slot[CONF_MAXNODES];
	uint8_t			 mac[CONF_MAXNODES][6]; /* of each slot */
	uint8_t			 cluster_mac[6]; /* ip modes: what ARP says */
	uint32_t		 share;		/* bit i: MASTER of slot i */
	unsigned		 carpdev_index;	/* 0 until attached */
	uint8_t			 devmac[6];	/* the carpdev's own */
	int			 addrs_installed;
	int			 scripts_up;	/* up-script ran last */
	struct carp_bal_counters cnt;
	void			*kern;		/* bal_kern.c's, NULL if closed */
};

struct carp_if {
	TAILQ_ENTRY(carp_if)	 entry;
	struct conf_carp	 conf;		/* own copy */
	struct carpd		*env;
	struct carp_bal		*bal;		/* NULL: not balanced */
	int			 slot;		/* index into bal->slot */
	enum carp_state		 state;
	unsigned		 carpdev_index;
	unsigned		 addr_index;	/* carpdev, or the macvlan */
	uint8_t			 mac[6];	/* source MAC for ARP/NA */
	int			 link_up;
	int			 admin_down;
	int			 link_demoted;	/* holds +1 on our groups */
	int			 send_fail_run;	/* consecutive send errors */
	int			 send_demoted;	/* holds +1 on our groups */
	int			 addrs_installed;
	uint64_t		 counter;	/* ours, as sent */
	struct sockaddr_storage	 master;	/* last master heard */
	time_t			 since;		/* last transition, unix */
	struct carp_counters	 cnt;
	struct carp_replay	 replay[CARP_REPLAY_SLOTS];
	struct event		*ad_timer;	/* MASTER: send advert */
	struct event		*md_timer;	/* BACKUP: master down */
	struct event		*announce_timer; /* repeat GARP/NA */
	int			 announce_left;
	uint64_t		 answer_ms;	/* last answer to a worse one */
	uint64_t		 rival_ms;	/* last other master heard */
	/* our demote changed during a transition: EV_DEMOTED after it */
	int			 demote_pending;
	char			 demote_why[CARP_WHYLEN];
	/* ucarp's operator knobs: its first BACKUP ran (or, with neutral,
	 * skipped) the down-script of a start */
	int			 start_script_done;
};

struct carp_group {
	TAILQ_ENTRY(carp_group)	 entry;
	char			 name[CONF_NAMELEN];
	int			 demote;	/* current counter, >= 0 */
};

/* The kernel and the wire, as the engine and apply.c see them. carpd.c
 * installs the real table (ops.c: kif.c + net.c + hooks.c); unit tests
 * install stubs. */
struct carp_ops {
	int	(*addr_add)(struct carp_if *, const struct conf_addr *);
	int	(*addr_del)(struct carp_if *, const struct conf_addr *);
	/* the IP source an advert for this carp over af will carry (the
	 * carpdev's primary IPv4 address, its IPv6 link-local); -1 if none */
	int	(*source)(struct carp_if *, int af, struct sockaddr_storage *);
	/* send one encoded advert for this carp over af */
	int	(*send)(struct carp_if *, int af, const uint8_t *, size_t);
	/* gratuitous ARP for every IPv4 address, unsolicited NA (override)
	 * for every IPv6 one */
	void	(*announce)(struct carp_if *);
	/* up (1) or down (0) script, once per address, never blocking */
	void	(*script)(struct carp_if *, int up);
	/* apply.c: open the kernel and the wire at start, close at exit;
	 * link changes come back through carpd_link_changed() */
	int	(*open)(struct carpd *);
	void	(*close)(void);
	/* 0 if there is no such interface */
	unsigned (*ifindex)(const char *);
	/* 1 if up and running, 0 if not, -1 on error */
	int	(*link_up)(unsigned ifindex);
	int	(*link_mac)(unsigned ifindex, uint8_t mac[6]);
	/* the macvlan of vmac yes; its ifindex, 0 on error */
	unsigned (*vmac_create)(const char *, unsigned parent,
		    const uint8_t mac[6]);
	int	(*vmac_destroy)(const char *);
	void	(*promote_secondaries)(const char *ifname);
	/* multicast membership of the carp on its carpdev */
	int	(*join)(struct carp_if *);
	void	(*leave)(struct carp_if *);
	/* balancing (bal_kern.c): open the carp's kernel side once its
	 * carpdev is known (nft tables, ARP socket), follow bal->share and
	 * the installed addresses after each change, make the switch learn
	 * a slot's MAC when it becomes MASTER here, close at removal */
	int	(*bal_open)(struct carp_bal *);
	int	(*bal_update)(struct carp_bal *);
	void	(*bal_learn)(struct carp_bal *, int slot);
	void	(*bal_close)(struct carp_bal *);
};

/* ops.c: the real table */
extern const struct carp_ops carpd_kernel_ops;

struct carpd {
	struct event_base	*base;
	struct carp_conf	*conf;
	const struct carp_ops	*ops;
	TAILQ_HEAD(, carp_if)	 carps;
	TAILQ_HEAD(, carp_group) groups;
	uint64_t		 unknown_vhid;	/* adverts for no carp here */
	uint64_t		 bad_packets;	/* too short, unparseable */
	int			 shutting_down;
	/* told of every transition once it is complete (carpd.c sets
	 * control_notify); NULL: nobody listens */
	void			(*notify)(struct carp_if *,
				    enum carp_state old, const char *why);
	/* told when a MASTER first hears another master (control_rival);
	 * NULL: nobody listens */
	void			(*rival)(struct carp_if *);
	int			 fsm_depth;	/* carp_fsm calls under way */
	int			 demote_running; /* carp_demote_run under way */
	int			 demotes_queued; /* carps with demote_pending */
	/* health tracking: the checks (track_run.c); NULL: none started */
	struct track_set	*tracks;
};

/* 1 if the carp has an address of family af: its adverts go out over
 * af and it joins af's group (fsm.c and net.c; inline so that net.c's
 * tests link without the engine). */
static inline int
carp_has_af(const struct carp_if *cif, int af)
{
	int	 i;

	for (i = 0; i < cif->conf.naddrs; i++)
		if (cif->conf.addrs[i].af == af)
			return (1);
	return (0);
}

/* fsm.c */
const char	*carp_state_name(enum carp_state);
const char	*carp_event_name(enum carp_event);
void		 carp_fsm(struct carp_if *, enum carp_event, const char *why);
/* Queue EV_DEMOTED for cif; it runs once no transition is under way
 * (at once if none is), so a demote raised by a transition never
 * re-enters the state machine. */
void		 carp_demote_queue(struct carp_if *, const char *why);
void		 carp_demote_run(struct carpd *);
/* Classify a valid advert against our own state (docs/PROTOCOL.md). */
enum carp_event	 carp_adv_classify(const struct carp_if *,
		    const struct carp_advert *);
/* Raw packet from the wire: checks, counts, then drives the FSM. ttl is
 * the received TTL/hop limit; src the IP source. */
void		 carp_input(struct carpd *, unsigned ifindex, int af,
		    const struct sockaddr *src, int ttl, const uint8_t *,
		    size_t);
/* Interval in us: advbase*10^6 + advskew*10^6/256; in ms, rounded down. */
unsigned	 carp_interval_us(int advbase, int advskew);
unsigned	 carp_interval_ms(int advbase, int advskew);
int		 carp_advertised_demote(const struct carp_if *);
/* Add (1) or remove (0) every address of cif through env->ops. */
void		 carp_addrs_set(struct carp_if *, int add);
/* Encode and send an advert now (bow-out: advbase/advskew 255). */
void		 carp_send_advert(struct carp_if *, int bowout);
struct carp_if	*carp_if_new(struct carpd *, const struct conf_carp *);
void		 carp_if_free(struct carp_if *);
/* fsm.c for fsm_input.c: the codec's view of the config, and whether an
 * event in the current state is logged (its reason worth writing) */
struct carp_auth;
struct carp_addr;
void		 carp_auth_fill(const struct carp_if *, struct carp_auth *,
		    struct carp_addr *);
int		 carp_fsm_tells(const struct carp_if *, enum carp_event);

/* slot.c: balanced carps. slot_add makes the struct carp_bal and one
 * carp_if per slot (attached and started by the caller, NULL on error:
 * nothing is left); the fsm calls the others on a slot's transitions. */
struct carp_bal	*slot_add(struct carpd *, const struct conf_carp *);
void		 slot_master_up(struct carp_if *);
void		 slot_master_down(struct carp_if *);
void		 slot_announce(struct carp_if *);
/* carp_if_free of a slot: the carp_bal goes with its last slot */
void		 slot_if_freed(struct carp_if *);
/* The carp as configured: a slot's own conf has its slot's vhid. */
const struct conf_carp *carp_conf_of(const struct carp_if *);

/* realtime.c: SCHED_FIFO and mlockall when conf says realtime yes; as
 * root, after the script runner is forked. Failures are warnings. */
void		 realtime_start(const struct carp_conf *);
const char	*realtime_status(void);

/* group.c */
struct carp_group *group_find(struct carpd *, const char *);
struct carp_group *group_get(struct carpd *, const char *); /* creates */
/* Adjust a group's counter by delta (clamped at 0); members advertise
 * at once when it changes. -1 if no such group. */
int		 group_adjust(struct carpd *, const char *, int delta,
		    const char *why);
/* Adjust every group cif belongs to (including "carp"). */
void		 group_adjust_member(struct carp_if *, int delta,
		    const char *why);
int		 group_is_member(const struct carp_if *, const char *);

/* auth.c: strict mode (auth strict) counters and replay protection */
int		 auth_init(const char *state_file);
uint64_t	 auth_next_counter(void);	/* never goes backwards */
void		 auth_persist(void);
/* the state file's writes, once a second from the event loop */
void		 auth_tick(void);
/* 1 if counter is newer than the last accepted one from src (and
 * records it), 0 if it is a replay. */
int		 auth_replay_check(struct carp_if *, const struct sockaddr *,
		    uint64_t counter);

/* apply.c */
/* Open the kernel and the wire through env->ops (set by the caller),
 * then start every configured carp. */
void		 carpd_init(struct carpd *, struct carp_conf *);
void		 carpd_shutdown(struct carpd *);
/* The engine's env without the kernel or the wire (carpd_init's first
 * step; the unit tests and the fuzz target stop there): env zeroed by
 * the caller, -1 if there is no event base. carpd_env_free frees every
 * carp (carp_if_free), every group and the event base. */
int		 carpd_env_init(struct carpd *, struct carp_conf *,
		    const struct carp_ops *);
void		 carpd_env_free(struct carpd *);
/* Re-read the config file and apply only the difference; an unchanged
 * carp keeps its state. -1 with the reason in err if the file is bad
 * (then nothing changes). */
int		 carpd_reload(struct carpd *, char *err, size_t errlen);
struct carp_if	*carpd_find_carp(struct carpd *, const char *name);
/* carpctl down (1) or up (0): every carp_if of that name (the slots) */
void		 carpd_carp_admin(struct carpd *, const char *name, int down);
/* A link changed carrier (arg: the struct carpd); the kif_link_cb. */
void		 carpd_link_changed(unsigned ifindex, int up, void *arg);

/* control.c: the control socket server */
int		 control_init(struct carpd *, const char *path);
void		 control_cleanup(void);
/* notify monitor clients of a transition (the struct carpd notify) */
void		 control_rival(struct carp_if *);
void		 control_notify(struct carp_if *, enum carp_state old,
		    const char *why);

/* hooks.c: the up/down scripts (carp_ops.script) */
void		 hooks_run(struct carp_if *, int up);
void		 hooks_init(struct event_base *);

#endif
