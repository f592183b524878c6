/* carpd: the CARP election daemon. main, the event loop and signals,
 * after bgpd.c; what the config does to the daemon is apply.c.
 *
 *	carpd [-dnv] [-f file]
 *
 * The election itself is fsm.c; this file wires it to the kernel (kif.c),
 * the wire (net.c), the scripts (hooks.c) and the control socket. */
#include <sys/types.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "carpd.h"
#include "compat.h"
#include "kif.h"
#include "log.h"
#include "net.h"


static struct carpd	 carpd_env;

static __attribute__((noreturn)) void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", __progname);
	exit(1);
}


static void
carpd_status(struct carpd *env)
{
	struct carp_if	*cif;

	TAILQ_FOREACH(cif, &env->carps, entry)
		log_info("%s: %s vhid %d on %s advbase %d advskew %d demote %d"
		    " since %lld sent %llu received %llu bad ttl %llu cksum "
		    "%llu hmac %llu replays %llu loops %llu send errors %llu",
		    cif->conf.name, carp_state_name(cif->state),
		    cif->conf.vhid, cif->conf.carpdev, cif->conf.advbase,
		    cif->conf.advskew, carp_advertised_demote(cif),
		    (long long)cif->since,
		    (unsigned long long)cif->cnt.adverts_sent,
		    (unsigned long long)cif->cnt.adverts_received,
		    (unsigned long long)cif->cnt.bad_ttl,
		    (unsigned long long)cif->cnt.bad_checksum,
		    (unsigned long long)cif->cnt.bad_hmac,
		    (unsigned long long)cif->cnt.replays,
		    (unsigned long long)cif->cnt.loops,
		    (unsigned long long)cif->cnt.send_errors);
}

static void
carpd_sig(evutil_socket_t sig, short what, void *arg)
{
	struct carpd	*env = arg;
	char		 err[512];

	(void)what;
	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading");
		(void)carpd_reload(env, err, sizeof(err));
		break;
	case SIGUSR1:
		carpd_status(env);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		env->shutting_down = 1;
		event_base_loopbreak(env->base);
		break;
	}
}

static void
carpd_signals(struct carpd *env)
{
	static const int	 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct event		*ev;
	size_t			 i;

	/* a control client that goes away must not kill us */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(env->base, sigs[i], carpd_sig, env);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
}

/*
 * Start and stop.
 */

/* -n: check the file only; -nv: print it back in canonical form. */
static int
carpd_check(const char *path, int verbose)
{
	struct carp_conf	*conf;

	if ((conf = conf_parse(path, stderr)) == NULL)
		return (1);
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
	char			 abspath[PATH_MAX];
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
	if (noaction)
		return (carpd_check(path, verbose));

	log_init("carpd", 1, verbose);
	/* reload re-reads conf->path after daemon() moved us to / */
	if (realpath(path, abspath) != NULL)
		path = abspath;
	if ((conf = conf_parse(path, stderr)) == NULL)
		exit(1);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	log_init("carpd", debug, verbose);
	log_info("starting, %s", path);
	carpd_init(&carpd_env, conf);
	carpd_signals(&carpd_env);
	event_base_dispatch(carpd_env.base);
	carpd_shutdown(&carpd_env);
	return (0);
}

