/* What carpd and syncd share as programs: the command line
 * ([-dnv] [-f file]), -n/-nv, going to the background, and signals. */
#ifndef CARP_DAEMON_H
#define CARP_DAEMON_H

#include <limits.h>
#include <event2/event.h>

#include "conf.h"

struct daemon_opts {
	const char	*ident;
	const char	*path;
	int		 debug;
	int		 noaction;
	int		 verbose;
	int		 need_sync;	/* syncd: the file needs a sync block */
	char		 abspath[PATH_MAX];
};

/* Parse argv; a bad command line prints the usage and exits 1. */
void		 daemon_getopt(struct daemon_opts *, int, char *[]);
/* -n/-nv: the exit code. Otherwise parse the file (exit 1 on errors),
 * go to the background unless -d, and return the config. */
struct carp_conf *daemon_setup(struct daemon_opts *, int *exitcode);
/* SIGPIPE ignored; SIGHUP, SIGTERM, SIGINT and SIGUSR1 go to cb. */
void		 daemon_signals(struct event_base *,
		    void (*)(evutil_socket_t, short, void *), void *);

#endif
