/* /etc/carp.conf: one file for carpd and syncd.
 *
 * The parser (conf*.c) reads the whole file, checks it and returns a
 * struct carp_conf, or reports every mistake as "file:line: message" and
 * returns NULL. printconf.c prints a parsed config back in canonical form
 * (carpd -nv / syncd -nv). Secrets (password-file, key-file) are read at
 * parse time, so the daemons never reopen them. */
#ifndef CARP_CONF_H
#define CARP_CONF_H

#include <sys/queue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_FILE		"/etc/carp.conf"
#define CONF_CARPD_SOCKET	"/run/carpd.sock"
#define CONF_SYNCD_SOCKET	"/run/syncd.sock"
#define CONF_LISTENLEN		64	/* "[ADDR6]:PORT" and more */
#define CONF_STATE_FILE		"/var/lib/carp/carpd.state"
#define CONF_NAMELEN		32	/* group names */
#define CONF_MAXADDRS		16	/* addresses per carp */
#define CONF_MAXGROUPS		8	/* groups per carp, "carp" not counted */
#define CONF_MAXIGNORE		32
#define CONF_MAXSYNCLINKS	2	/* syncdev given at most twice */
#define CONF_MAXNODES		32	/* carpnodes slots: one bit of a mask */
#define CONF_PASSMAX		64	/* strict mode; compat allows 19 */
#define CONF_COMPAT_PASSMAX	19
#define CONF_STRICT_PASSMIN	16	/* a 128-bit secret at least */
#define CONF_KEYMAX		64
#define CONF_USERLEN		33	/* a login name, as useradd allows */
#define SYNC_DEFAULT_PORT	8372
#define SYNC_DEFAULT_MCAST	"224.0.0.240"

struct conf_addr {
	int		 af;		/* AF_INET, AF_INET6, or 0 for unset */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 a;
	uint8_t		 plen;		/* prefix length */
};

enum conf_auth {
	AUTH_COMPAT = 0,	/* byte-identical to OpenBSD/FreeBSD/ucarp */
	AUTH_STRICT,		/* carpd only: SHA-256 over all, monotonic */
};

/* balancing MODE in a carp block (docs/PROTOCOL.md section 4.4) */
enum conf_balancing {
	BAL_NONE = 0,
	BAL_ARP,		/* ARP replies spread hosts over the slots */
	BAL_IP,			/* multicast MAC, per-flow filter */
	BAL_IP_STEALTH,		/* ip, the virtual MAC never a source */
	BAL_IP_UNICAST,		/* ip with a unicast MAC, switch floods */
};

/* One node slot of carpnodes: a vhid with its own election. */
struct conf_carpnode {
	int			 vhid;		/* 1..255 */
	int			 advskew;	/* 0..254 */
};

struct conf_group {
	TAILQ_ENTRY(conf_group)	 entry;
	char			 name[CONF_NAMELEN];
	int			 demote;	/* demote at start, 0..255 */
	int			 line;
};

struct conf_carp {
	TAILQ_ENTRY(conf_carp)	 entry;
	char			 name[IFNAMSIZ];
	int			 vhid;		/* 1..255 */
	char			 carpdev[IFNAMSIZ];
	uint8_t			 password[CONF_PASSMAX];
	size_t			 passlen;
	char			 password_file[PATH_MAX]; /* "" if inline */
	int			 advbase;	/* 0..254 s, default 1 */
	int			 advskew;	/* 0..254 /256 s, default 0 */
	struct conf_addr	 addrs[CONF_MAXADDRS];
	int			 naddrs;
	char			 groups[CONF_MAXGROUPS][CONF_NAMELEN];
	int			 ngroups;
	int			 preempt;	/* -1: the global default */
	int			 vmac;
	struct conf_addr	 peer;		/* af 0: multicast */
	struct conf_addr	 mcast;		/* af 0: 224.0.0.18/ff02::12 */
	enum conf_auth		 auth;
	char			 up_script[PATH_MAX];
	char			 down_script[PATH_MAX];
	char			 script_arg[256];
	/* ucarp's operator knobs; -1 takes the global value */
	int			 neutral;	/* no down-script at start */
	int			 shutdown_scripts; /* down-script at exit */
	int			 ignore_link_state; /* carrier not believed */
	/* carpnodes instead of vhid/advskew: vhid stays 0 (carpd refuses
	 * such a carp until the engine elects each slot) */
	struct conf_carpnode	 nodes[CONF_MAXNODES];
	int			 nnodes;
	enum conf_balancing	 balancing;
	int			 line;
};

/* health tracking: track NAME { } (conf_track.c, carpd/track.h) */
enum conf_track_kind {
	TRACK_KIND_NONE = 0,
	TRACK_KIND_SCRIPT,	/* script "/path": exit 0 is healthy */
	TRACK_KIND_ROUTE,	/* route PREFIX: in the main table */
	TRACK_KIND_INTERFACE,	/* interface IFNAME: carrier */
};

#define TRACK_INTERVAL_MS	1000
#define TRACK_TIMEOUT_MS	800
#define TRACK_FALL		3
#define TRACK_RISE		2
#define TRACK_DEMOTE		1

struct conf_track {
	TAILQ_ENTRY(conf_track)	 entry;
	char			 name[CONF_NAMELEN];
	enum conf_track_kind	 kind;
	char			 script[PATH_MAX];
	struct conf_addr	 route;
	char			 ifname[IFNAMSIZ];
	unsigned		 interval_ms;
	unsigned		 timeout_ms;	/* scripts */
	int			 fall;		/* failures to fail */
	int			 rise;		/* successes to recover */
	int			 demote;	/* raised on group while failed */
	char			 group[CONF_NAMELEN];	/* default "carp" */
	char			 file[PATH_MAX];	/* where, for messages */
	int			 line;
	int			 group_line;
};

struct conf_sync {
	int			 present;	/* a sync { } block was seen */
	/* the sync links, in order of preference: the i-th syncpeer goes
	 * with the i-th syncdev; no syncpeer: multicast on each syncdev */
	char			 syncdev[CONF_MAXSYNCLINKS][IFNAMSIZ];
	struct conf_addr	 syncpeer[CONF_MAXSYNCLINKS];
	int			 nsyncdev;
	int			 nsyncpeer;
	struct conf_addr	 mcast;		/* default SYNC_DEFAULT_MCAST */
	uint16_t		 port;		/* default SYNC_DEFAULT_PORT */
	char			 key_file[PATH_MAX];
	uint8_t			 key[CONF_KEYMAX];
	size_t			 keylen;
	int			 defer;	/* default: a carp is balanced */
	int			 defer_set;	/* said in the sync block */
	unsigned		 defer_timeout_ms;	/* default 20 */
	unsigned		 bulk_timeout_ms;	/* default 30000 */
	unsigned		 refresh_ms;	/* re-send live states, 60000 */
	unsigned		 sync_delay_ms;	/* young states wait; 0: off */
	int			 bulk_demote;		/* default 32 */
	int			 link_demote;		/* default 1 */
	int			 event_buffer;	/* bytes; 0: syncd's default */
	int			 expectations;	/* replicate them, default 1 */
	/* ruleset (issue 11): held on carpd while a peer's nftables
	 * ruleset differs from ours; 0 (default): off */
	int			 ruleset_demote;
	struct conf_addr	 ignore[CONF_MAXIGNORE];
	int			 nignore;
	char			 control_socket[PATH_MAX]; /* syncd's own */
	char			 carpd_socket[PATH_MAX];   /* demote IPC */
	int			 line;
	/* metrics-listen of syncd: "ADDR:PORT", "" off */
	char			 metrics_listen[CONF_LISTENLEN];
};

struct carp_conf {
	char			 path[PATH_MAX];
	int			 preempt;	/* global default, 0 */
	int			 deadratio;	/* 1..255, default 3 */
	char			 control_socket[PATH_MAX];
	char			 control_group[CONF_NAMELEN]; /* "": root only */
	char			 state_file[PATH_MAX];	/* strict counters */
	char			 user[CONF_USERLEN];	/* "": stay root */
	int			 realtime;	/* carpd: FIFO + mlockall, 1 */
	/* ucarp's operator knobs */
	int			 log_facility;	/* LOG_*, default LOG_DAEMON */
	int			 neutral;	/* global default, 0 */
	int			 shutdown_scripts; /* global default, 1 */
	TAILQ_HEAD(, conf_group) groups;
	TAILQ_HEAD(, conf_carp)	 carps;
	struct conf_sync	 sync;
	/* health tracking */
	TAILQ_HEAD(, conf_track) tracks;
	/* metrics-listen of carpd: "ADDR:PORT", "" off */
	char			 metrics_listen[CONF_LISTENLEN];
};

/* Parse path; every error goes to errf as "file:line: message".
 * NULL if there was any error (nothing is half-applied by a caller). */
struct carp_conf	*conf_parse(const char *path, FILE *errf);
const char		*conf_balancing_name(enum conf_balancing);
/* 1 if a carp has carpnodes (conf_sync.c) */
int			 conf_sync_balanced(const struct carp_conf *);
void			 conf_free(struct carp_conf *);
/* The values of an empty file, also for the tests' configs built by
 * hand (conf zeroed by the caller). */
void			 conf_defaults(struct carp_conf *);
void			 conf_print(FILE *, const struct carp_conf *);

/* metrics-listen "ADDR:PORT" or "[ADDR6]:PORT" into its parts
 * (conf_listen.c); -1 if it is not one. */
int			 conf_listen_split(const char *, char *addr,
			    size_t len, uint16_t *port);

/* Effective values, resolving the inherited defaults. */
int			 conf_carp_preempt(const struct carp_conf *,
			    const struct conf_carp *);
int			 conf_carp_neutral(const struct carp_conf *,
			    const struct conf_carp *);
int			 conf_carp_shutdown_scripts(const struct carp_conf *,
			    const struct conf_carp *);
/* 1 if two carps are configured identically (reload keeps the state).
 * neutral and shutdown-scripts are left out: they matter only at start
 * and at exit, so a reload updates them in place (carpd/apply.c). */
int			 conf_carp_equal(const struct conf_carp *,
			    const struct conf_carp *);

/* Health tracking (conf_track.c): 1 if two checks are configured
 * identically; 1 if they watch the same thing (kind and script, route
 * or interface); the kind's keyword; what it watches, as text. */
int			 conf_track_equal(const struct conf_track *,
			    const struct conf_track *);
int			 conf_track_same_target(const struct conf_track *,
			    const struct conf_track *);
const char		*conf_track_kind_name(enum conf_track_kind);
const char		*conf_track_target(const struct conf_track *, char *,
			    size_t);

/* Address helpers shared by everyone. */
int	conf_addr_parse(const char *, struct conf_addr *, int need_plen);
void	conf_addr_print(const struct conf_addr *, int with_plen, char *,
	    size_t);
int	conf_addr_cmp(const struct conf_addr *, const struct conf_addr *);
/* The address of sa, a struct sockaddr_in or _in6 (or a storage holding
 * one), as text; "none" for another family. Returns buf. */
const char *conf_sa_print(const void *sa, char *buf, size_t len);
/* 0 if path is a regular file not readable by group or others. */
int	conf_check_secrecy(const char *path, char *why, size_t);
/* 0 if path may run as a root script: an executable regular file owned
 * by root or us, writable by nobody else, in directories (every one up
 * to /) that only root or we may change (conf_script.c). */
int	conf_check_script(const char *path, char *why, size_t);

#endif
