/* Program scaffolding shared by carpd and syncd. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static __attribute__((noreturn)) void
daemon_usage(const struct daemon_opts *o)
{
	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", o->ident);
	exit(1);
}

void
daemon_getopt(struct daemon_opts *o, int argc, char *argv[])
{
	int	 ch;

	if (o->path == NULL)
		o->path = CONF_FILE;
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			o->debug = 1;
			break;
		case 'f':
			o->path = optarg;
			break;
		case 'n':
			o->noaction = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		default:
			daemon_usage(o);
		}
	}
	if (optind != argc)
		daemon_usage(o);
}

static struct carp_conf *
daemon_parse(const struct daemon_opts *o)
{
	struct carp_conf	*conf;

	if ((conf = conf_parse(o->path, stderr)) == NULL)
		return (NULL);
	if (o->need_sync && !conf->sync.present) {
		fprintf(stderr, "%s: no sync block\n", o->path);
		conf_free(conf);
		return (NULL);
	}
	return (conf);
}

struct carp_conf *
daemon_setup(struct daemon_opts *o, int *exitcode)
{
	struct carp_conf	*conf;

	*exitcode = 1;
	/* -n: check the file only; -nv: print it back in canonical form */
	if (o->noaction) {
		if ((conf = daemon_parse(o)) == NULL)
			return (NULL);
		if (o->verbose)
			conf_print(stdout, conf);
		conf_free(conf);
		*exitcode = 0;
		return (NULL);
	}
	log_init(o->ident, 1, o->verbose);
	/* a reload re-reads the file after daemon() moved us to / */
	if (realpath(o->path, o->abspath) != NULL)
		o->path = o->abspath;
	if ((conf = daemon_parse(o)) == NULL)
		return (NULL);
	if (!o->debug && daemon(0, 0) == -1)
		fatal("daemon");
	log_setfacility(conf->log_facility);
	log_init(o->ident, o->debug, o->verbose);
	log_info("starting, %s", o->path);
	return (conf);
}

void
daemon_signals(struct event_base *base,
    void (*cb)(evutil_socket_t, short, void *), void *arg)
{
	static const int	 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct event		*ev;
	size_t			 i;

	/* a control client that goes away must not kill us */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(base, sigs[i], cb, arg);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
}
