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
#include "defer.h"
#include "log.h"
#include "own.h"
#include "syncd.h"

static struct syncd	 syncd_env;

static __attribute__((noreturn)) void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", __progname);
	exit(1);
}

static void
syncd_status(struct syncd *sc)
{
	log_info("sync: peers alive %d, in sync %s, bulk %s, states local "
	    "%zu known %zu, sent %llu applied %llu, demote held %d%s%s",
	    syncd_peers_alive(sc), sc->in_sync ? "yes" : "no",
	    sc->bulk_in_progress ? "in progress" : "idle",
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

static void
syncd_signals(struct syncd *sc)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct event		*ev;
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(sc->base, sigs[i], syncd_sig, sc);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
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
}

static void
syncd_init(struct syncd *sc, struct carp_conf *conf)
{
	sc->conf = conf;
	sc->cs = &conf->sync;
	if ((sc->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	syncd_identity(sc);
	syncd_signals(sc);
	sc->holder = ctl_holder_new(sc->base, sc->cs->carpd_socket, "syncd");
	if (sc->holder == NULL)
		fatalx("cannot set up the demote client");
	if (syncd_start(sc) == -1)
		fatalx("cannot start replication on %s", sc->cs->syncdev);
	if (syncd_control_init(sc) == -1)
		fatalx("cannot open the control socket %s",
		    sc->cs->control_socket);
	if (sc->cs->defer && defer_init(sc->base, DEFER_QUEUE,
	    sc->cs->defer_timeout_ms, syncd_defer, sc) == -1)
		fatalx("cannot set up defer");
	log_info("node %08x on %s, %s", sc->node, sc->cs->syncdev,
	    sc->cs->defer ? "defer on" : "defer off");
}

static void
syncd_shutdown(struct syncd *sc)
{
	if (sc->cs->defer)
		defer_cleanup();
	syncd_control_cleanup(sc);
	/* closing the connection releases our hold on carpd */
	ctl_holder_free(sc->holder);
	syncd_stop(sc);
	conf_free(sc->conf);
	log_info("stopped");
}

static int
syncd_check(const char *path, int verbose)
{
	struct carp_conf	*conf;

	if ((conf = conf_parse(path, stderr)) == NULL)
		return (1);
	if (!conf->sync.present) {
		fprintf(stderr, "%s: no sync block\n", path);
		conf_free(conf);
		return (1);
	}
	if (verbose)
		conf_print(stdout, conf);
	conf_free(conf);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct carp_conf	*conf;
	const char		*path = CONF_FILE;
	int			 ch, debug = 0, noaction = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (noaction || syncd_check(path, 0) != 0)
		return (noaction ? syncd_check(path, verbose) : 1);
	log_init("syncd", 1, verbose);
	if ((conf = conf_parse(path, stderr)) == NULL)
		exit(1);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	log_init("syncd", debug, verbose);
	log_info("starting, %s", path);
	syncd_init(&syncd_env, conf);
	event_base_dispatch(syncd_env.base);
	syncd_shutdown(&syncd_env);
	return (0);
}
