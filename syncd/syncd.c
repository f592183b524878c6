/* syncd: conntrack state replication for a firewall cluster. main,
 * signals and set-up; the work is engine.c.
 *
 *	syncd [-dnv] [-f file]
 *
 * Reads the sync { } block of the same /etc/carp.conf as carpd. */
#include <sys/types.h>
#include <sys/random.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "ct.h"
#include "ctl.h"
#include "daemon.h"
#include "defer.h"
#include "log.h"
#include "notify.h"
#include "own.h"
#include "priv.h"
#include "ruleset.h"
#include "state.h"
#include "syncd.h"
#include "sdnotify.h"

static struct syncd	 syncd_env;


static void
syncd_status(struct syncd *sc)
{
	log_info("sync: peers alive %d, in sync %s, bulk %s, states local "
	    "%zu known %zu, sent %llu applied %llu, demote held %d%s%s",
	    syncd_peers_alive(sc), syncd_in_sync(sc) ? "yes" : "no",
	    syncd_bulk_in_progress(sc) ? "in progress" : "idle",
	    own_count_origin(sc->own, OWN_LOCAL), own_count(sc->own),
	    (unsigned long long)sc->st.states_sent,
	    (unsigned long long)sc->st.states_applied, sc->demote_held,
	    sc->last_error[0] ? ", last error: " : "", sc->last_error);
}

static void
syncd_sig(evutil_socket_t sig, short what, void *arg)
{
	struct syncd	*sc = arg;

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("stopping on signal %d", (int)sig);
		notify_stopping();
		event_base_loopbreak(sc->base);
		break;
	case SIGHUP:
		log_warnx("SIGHUP: syncd does not reload; restart it to "
		    "apply a new sync block (states stay in the kernel)");
		break;
	case SIGUSR1:
		syncd_status(sc);
		break;
	}
}

/* Node ids and the session nonce are random: a restarted syncd is a new
 * session to its peers (they then send it their table). */
static void
syncd_identity(struct syncd *sc)
{
	do {
		if (getrandom(&sc->node, sizeof(sc->node), 0) !=
		    sizeof(sc->node) ||
		    getrandom(&sc->nonce, sizeof(sc->nonce), 0) !=
		    sizeof(sc->nonce))
			fatal("getrandom");
	} while (sc->node == 0);
	if (sync_key_hash_init() == -1)
		fatal("getrandom");
}

static void
syncd_init(struct syncd *sc, struct carp_conf *conf)
{
	struct defer_ops	 ops = { syncd_defer, NULL };

	sc->conf = conf;
	sc->cs = &conf->sync;
	/* a balanced carp: each node forwards, paths are asymmetric */
	sc->asym = sc->cs->defer && conf_sync_balanced(conf);
	if (sc->asym)
		ops.first = syncd_defer_first;
	if ((sc->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	syncd_identity(sc);
	daemon_signals(sc->base, syncd_sig, sc);
	sc->holder = ctl_holder_new(sc->base, sc->cs->carpd_socket, "syncd");
	if (sc->holder == NULL)
		fatalx("cannot set up the demote client");
	if (syncd_start(sc) == -1)
		fatalx("cannot start replication on %s", sc->cs->syncdev[0]);
	if (syncd_control_init(sc) == -1)
		fatalx("cannot open the control socket %s",
		    sc->cs->control_socket);
	if (sc->cs->defer && defer_init(sc->base, DEFER_QUEUE,
	    sc->cs->defer_timeout_ms, &ops, sc) == -1)
		fatalx("cannot set up defer");
	ruleset_start(sc);
	log_info("node %08x on %s, %s", sc->node, sc->cs->syncdev[0],
	    sc->cs->defer ? "defer on" : "defer off");
}

static void
syncd_shutdown(struct syncd *sc)
{
	if (sc->cs->defer)
		defer_cleanup();
	syncd_control_cleanup(sc);
	ruleset_stop(sc);
	/* closing the connection releases our hold on carpd */
	ctl_holder_free(sc->holder);
	syncd_stop(sc);
	conf_free(sc->conf);
	log_info("stopped");
}

/* Sockets and netlink are open: become the configured user (the control
 * socket with it), keep CAP_NET_ADMIN and CAP_NET_RAW, confine. */
static void
syncd_drop(struct syncd *sc)
{
	struct priv_user	 u;

	if (priv_user(sc->conf->user, &u) == -1)
		fatalx("cannot drop privileges");
	(void)priv_give(&u, sc->cs->control_socket);
	if (priv_drop(&priv_syncd, &u) == -1)
		fatalx("cannot drop privileges");
}

int
main(int argc, char *argv[])
{
	struct daemon_opts	 opts = { .ident = "syncd", .need_sync = 1 };
	struct carp_conf	*conf;
	int			 rc;

	daemon_getopt(&opts, argc, argv);
	if ((conf = daemon_setup(&opts, &rc)) == NULL)
		return (rc);
	syncd_init(&syncd_env, conf);
	notify_init(syncd_env.base, !opts.debug, sdnotify_status, &syncd_env);
	syncd_drop(&syncd_env);
	/* READY=1 now if the first bulk is already over, else at its end */
	sdnotify_start(&syncd_env);
	event_base_dispatch(syncd_env.base);
	notify_cleanup();
	syncd_shutdown(&syncd_env);
	return (0);
}
