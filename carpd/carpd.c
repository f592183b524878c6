/* carpd: the CARP election daemon. main, the event loop and signals,
 * after bgpd.c; what the config does to the daemon is apply.c.
 *
 *	carpd [-dnv] [-f file]
 *
 * The election itself is fsm.c; this file wires it to the kernel (kif.c),
 * the wire (net.c), the scripts (hooks.c, run by the script runner it
 * forks first: hooks.h) and the control socket. */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "carpd.h"
#include "compat.h"
#include "daemon.h"
#include "hooks.h"
#include "log.h"
#include "notify.h"
#include "priv.h"
#include "sdnotify.h"


static struct carpd	 carpd_env;



/* SIGUSR1: one line per carp, every counter of CARP_COUNTERS. */
static void
carpd_status(struct carpd *env)
{
	struct carp_if	*cif;
	char		 cnt[512];
	size_t		 off;

	TAILQ_FOREACH(cif, &env->carps, entry) {
		off = 0;
		cnt[0] = '\0';
#define CNT(f)	if (off < sizeof(cnt))					\
		off += snprintf(cnt + off, sizeof(cnt) - off, " %s %llu", #f, \
		    (unsigned long long)cif->cnt.f);
		CARP_COUNTERS(CNT)
#undef CNT
		log_info("%s: %s vhid %d on %s advbase %d advskew %d demote %d"
		    " since %lld%s", cif->conf.name, carp_state_name(cif->state),
		    cif->conf.vhid, cif->conf.carpdev, cif->conf.advbase,
		    cif->conf.advskew, carp_advertised_demote(cif),
		    (long long)cif->since, cnt);
	}
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
		notify_reloading();
		(void)carpd_reload(env, err, sizeof(err));
		notify_ready();
		break;
	case SIGUSR1:
		carpd_status(env);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		env->shutting_down = 1;
		notify_stopping();
		event_base_loopbreak(env->base);
		break;
	}
}

/* The strict-mode state file is rewritten (temp file, rename) after the
 * drop, so with "user" its directory becomes the user's: only a private
 * one (mode 0700, as carpd or systemd's StateDirectory make it), never a
 * shared one like /var/lib. */
static void
carpd_give_state(const struct priv_user *u, const char *file)
{
	struct stat	 st;
	char		 dir[PATH_MAX];

	if (strlcpy(dir, file, sizeof(dir)) >= sizeof(dir))
		return;
	dirname(dir);
	if (stat(dir, &st) == -1)
		return;
	if ((st.st_mode & 077) != 0) {
		log_warnx("%s is not private (mode 0700): the strict-mode "
		    "state file cannot be rewritten as %s", dir, u->name);
		return;
	}
	(void)priv_give(u, dir);
	(void)priv_give(u, file);
}

/* Sockets and netlink are open: become the configured user (carpd's
 * control socket becomes its own, so that syncd running as the same
 * user connects to it), keep CAP_NET_ADMIN and CAP_NET_RAW, confine. */
static void
carpd_drop(struct carpd *env)
{
	struct priv_user	 u;

	if (priv_user(env->conf->user, &u) == -1)
		fatalx("cannot drop privileges");
	if (u.name != NULL) {
		(void)priv_give(&u, env->conf->control_socket);
		carpd_give_state(&u, env->conf->state_file);
	}
	if (priv_drop(&priv_carpd, &u) == -1)
		fatalx("cannot drop privileges");
}

int
main(int argc, char *argv[])
{
	struct daemon_opts	 opts = { .ident = "carpd" };
	struct carp_conf	*conf;
	int			 rc;

	daemon_getopt(&opts, argc, argv);
	if ((conf = daemon_setup(&opts, &rc)) == NULL)
		return (rc);
	/* before any socket is open and before the drop: the runner keeps
	 * what scripts need and carpd no longer needs fork or exec */
	if (hooks_start(opts.path) == -1)
		log_warnx("no script runner: up/down scripts will be skipped");
	/* after that fork: the runner and its scripts stay ordinary */
	realtime_start(conf);
	carpd_env.ops = &carpd_kernel_ops;
	carpd_env.notify = sdnotify_transition;
	carpd_env.rival = control_rival;
	carpd_init(&carpd_env, conf);
	notify_init(carpd_env.base, !opts.debug, sdnotify_status, &carpd_env);
	carpd_drop(&carpd_env);
	daemon_signals(carpd_env.base, carpd_sig, &carpd_env);
	/* the control socket is open (carpd_init): carpctl and syncd can
	 * talk to us from here on */
	notify_ready();
	event_base_dispatch(carpd_env.base);
	carpd_shutdown(&carpd_env);
	notify_cleanup();
	return (0);
}
