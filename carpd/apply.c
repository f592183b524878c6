/* carpd's configuration applied to the running daemon: carps attached
 * to the kernel and the wire, started, removed, and reload as a diff
 * (parse the whole file first, then apply only what changed: an
 * unchanged carp keeps its state and timers). Kept apart from main so the
 * unit tests and the control socket link it. */
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
#include "log.h"
#include "track.h"

/* The kernel is reached through env->ops only (ops.c, or a test's stubs). */

static int		 carpd_auth_ready;	/* auth_init done */
static struct event	*carpd_auth_ev;		/* auth_tick, every second */

struct carp_if *
carpd_find_carp(struct carpd *env, const char *name)
{
	struct carp_if	*cif;

	TAILQ_FOREACH(cif, &env->carps, entry)
		if (strcmp(cif->conf.name, name) == 0)
			return (cif);
	return (NULL);
}

/* Strict mode needs the persisted counter; set it up once, when the
 * first strict carp appears (at start or on reload). */
static void
carpd_auth_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	auth_tick();
}

static void
carpd_auth_need(struct carpd *env, const struct conf_carp *cc)
{
	struct timeval	 tv = { 1, 0 };

	if (cc->auth != AUTH_STRICT || carpd_auth_ready)
		return;
	if (auth_init(env->conf->state_file) == -1)
		log_warnx("auth: counter not persisted to %s; it may go "
		    "backwards after a restart", env->conf->state_file);
	carpd_auth_ready = 1;
	/* the state file is written from here, off the advert path */
	carpd_auth_ev = event_new(env->base, -1, EV_PERSIST, carpd_auth_tick,
	    NULL);
	if (carpd_auth_ev == NULL || event_add(carpd_auth_ev, &tv) == -1)
		log_warnx("auth: no timer: the state file is written from the "
		    "advert path");
}

/*
 * One carp: attach it to its carpdev (or the macvlan), join the group,
 * start it if the link is up.
 */
static void
carpd_carp_vmac(struct carp_if *cif)
{
	uint8_t		 mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x00 };
	unsigned	 idx;

	mac[5] = cif->conf.vhid;
	cif->addr_index = cif->carpdev_index;
	if (!cif->conf.vmac)
		return;
	if ((idx = cif->env->ops->vmac_create(cif->conf.name,
	    cif->carpdev_index, mac)) == 0) {
		log_warnx("%s: cannot create the macvlan, addresses go on %s "
		    "with its own MAC", cif->conf.name, cif->conf.carpdev);
		return;
	}
	cif->addr_index = idx;
}

/* A carp starts as a non-master: addresses left behind by a carpd that
 * died (or by hand) would answer for the VIP while another node is
 * master. Removing an absent address is not an error. */
static void
carpd_addrs_clear(struct carp_if *cif)
{
	int	 i;

	for (i = 0; i < cif->conf.naddrs; i++)
		(void)cif->env->ops->addr_del(cif, &cif->conf.addrs[i]);
}

/* A balanced carp's kernel side opens with its first slot attached (the
 * carpdev known), and follows the share from there. */
static void
carpd_bal_open(struct carp_if *cif)
{
	struct carp_bal		*bal = cif->bal;
	const struct carp_ops	*ops = cif->env->ops;

	if (bal->kern != NULL || bal->conf.balancing == BAL_NONE ||
	    ops->bal_open == NULL)
		return;
	bal->carpdev_index = cif->carpdev_index;
	memcpy(bal->devmac, cif->mac, sizeof(bal->devmac));
	if (ops->bal_open(bal) == -1 || ops->bal_update(bal) == -1) {
		bal->cnt.kernel_errors++;
		log_warnx("%s: cannot set up balancing on %s", bal->conf.name,
		    bal->conf.carpdev);
	}
}

static int
carpd_carp_attach(struct carp_if *cif)
{
	const struct carp_ops	*ops = cif->env->ops;

	if ((cif->carpdev_index = ops->ifindex(cif->conf.carpdev)) == 0) {
		log_warnx("%s: carpdev %s does not exist", cif->conf.name,
		    cif->conf.carpdev);
		return (-1);
	}
	carpd_carp_vmac(cif);
	/* A VIP added before the interface's own address in the same
	 * subnet becomes the kernel's primary; removing it would then
	 * remove every secondary (the real address) with it. */
	ops->promote_secondaries(cif->conf.vmac ? cif->conf.name :
	    cif->conf.carpdev);
	if (ops->link_mac(cif->addr_index, cif->mac) == -1)
		log_warnx("%s: no MAC address for announcements",
		    cif->conf.name);
	if (ops->join(cif) == -1)
		log_warnx("%s: cannot join the CARP group on %s",
		    cif->conf.name, cif->conf.carpdev);
	carpd_addrs_clear(cif);
	if (cif->bal != NULL)
		carpd_bal_open(cif);
	return (0);
}

/* A carp whose carpdev is missing or down stays INIT and demotes its
 * groups by one, as with a link that goes down later; with
 * ignore-link-state only a missing one does. */
static void
carpd_carp_start(struct carp_if *cif)
{
	if (cif->carpdev_index == 0 || (!cif->conf.ignore_link_state &&
	    cif->env->ops->link_up(cif->carpdev_index) != 1)) {
		carp_fsm(cif, EV_LINK_DOWN, "carpdev down at start");
		return;
	}
	cif->link_up = 1;
	carp_fsm(cif, EV_START, "configured");
}

/* A balanced carp: every slot attached before any starts, so that the
 * kernel side is open before the first share change. */
static int
carpd_carp_add(struct carpd *env, const struct conf_carp *cc)
{
	struct carp_if	*cif;
	struct carp_bal	*bal;
	int		 i;

	carpd_auth_need(env, cc);
	if (cc->nnodes == 0) {
		if ((cif = carp_if_new(env, cc)) == NULL)
			return (-1);
		(void)carpd_carp_attach(cif);
		carpd_carp_start(cif);
		return (0);
	}
	if ((bal = slot_add(env, cc)) == NULL)
		return (-1);
	for (i = 0; i < bal->nslots; i++)
		(void)carpd_carp_attach(bal->slot[i]);
	for (i = 0; i < bal->nslots; i++)
		carpd_carp_start(bal->slot[i]);
	return (0);
}

/* Bow out if MASTER (the addresses go, the down script runs), leave the
 * group, remove the macvlan, free. */
static void
carpd_carp_remove(struct carp_if *cif, const char *why)
{
	carp_fsm(cif, EV_REMOVE, why);
	if (cif->carpdev_index != 0)
		cif->env->ops->leave(cif);
	if (cif->conf.vmac && cif->addr_index != cif->carpdev_index)
		(void)cif->env->ops->vmac_destroy(cif->conf.name);
	carp_if_free(cif);
}

/* carpctl down or up: every slot of a balanced carp. */
void
carpd_carp_admin(struct carpd *env, const char *name, int down)
{
	struct carp_if	*cif;

	TAILQ_FOREACH(cif, &env->carps, entry)
		if (strcmp(cif->conf.name, name) == 0)
			carp_fsm(cif, down ? EV_ADMIN_DOWN : EV_ADMIN_UP,
			    "carpctl");
}

/* ignore-link-state (ucarp's --ignoreifstate) is for a driver that
 * reports its carrier wrongly: such a carp takes its carpdev as up for
 * as long as it exists. rtnetlink reports a deleted link as down too,
 * hence the lookup by name. */
static int
carpd_link_believed(struct carpd *env, const struct carp_if *cif,
    unsigned ifindex, int up)
{
	if (up || !cif->conf.ignore_link_state)
		return (up);
	return (env->ops->ifindex(cif->conf.carpdev) == ifindex);
}

/* rtnetlink told us a link changed carrier. A carp whose carpdev did not
 * exist yet is attached when it appears. */
void
carpd_link_changed(unsigned ifindex, int up, void *arg)
{
	struct carpd	*env = arg;
	struct carp_if	*cif;
	int		 lup;

	TAILQ_FOREACH(cif, &env->carps, entry) {
		lup = carpd_link_believed(env, cif, ifindex, up);
		if (cif->carpdev_index == 0 && lup &&
		    env->ops->ifindex(cif->conf.carpdev) == ifindex)
			(void)carpd_carp_attach(cif);
		if (cif->carpdev_index != ifindex || lup == cif->link_up)
			continue;
		carp_fsm(cif, lup ? EV_LINK_UP : EV_LINK_DOWN,
		    lup ? "carpdev link up" : "carpdev link down");
	}
}

/*
 * Reload: parse the whole file; on any error change nothing. Otherwise
 * apply the difference by carp name: removed carps bow out, changed ones
 * are restarted, new ones start, unchanged ones keep state and timers.
 * A configured start demote applies to groups that are new.
 */
static const struct conf_carp *
carpd_conf_find(const struct carp_conf *conf, const char *name)
{
	const struct conf_carp	*cc;

	TAILQ_FOREACH(cc, &conf->carps, entry)
		if (strcmp(cc->name, name) == 0)
			return (cc);
	return (NULL);
}

static void
carpd_apply_removed(struct carpd *env, const struct carp_conf *nconf)
{
	struct carp_if		*cif, *next;
	const struct conf_carp	*cc;

	for (cif = TAILQ_FIRST(&env->carps); cif != NULL; cif = next) {
		next = TAILQ_NEXT(cif, entry);
		if ((cc = carpd_conf_find(nconf, cif->conf.name)) == NULL) {
			log_info("reload: %s removed", cif->conf.name);
			carpd_carp_remove(cif, "removed by reload");
		} else if (!conf_carp_equal(carp_conf_of(cif), cc)) {
			log_info("reload: %s changed, restarting",
			    cif->conf.name);
			carpd_carp_remove(cif, "changed by reload");
		} else {
			/* the knobs of start and exit, never a restart */
			cif->conf.neutral = cc->neutral;
			cif->conf.shutdown_scripts = cc->shutdown_scripts;
			if (cif->bal != NULL) {
				cif->bal->conf.neutral = cc->neutral;
				cif->bal->conf.shutdown_scripts =
				    cc->shutdown_scripts;
			}
		}
	}
}

static void
carpd_apply_added(struct carpd *env)
{
	const struct conf_carp	*cc;

	TAILQ_FOREACH(cc, &env->conf->carps, entry) {
		if (carpd_find_carp(env, cc->name) != NULL)
			continue;
		log_info("reload: starting %s", cc->name);
		(void)carpd_carp_add(env, cc);
	}
}

static void
carpd_groups_from_conf(struct carpd *env)
{
	struct conf_group	*cg;

	group_get(env, "carp");
	TAILQ_FOREACH(cg, &env->conf->groups, entry)
		group_get(env, cg->name);
}

static void
carpd_apply(struct carpd *env, struct carp_conf *nconf)
{
	struct carp_conf	*old = env->conf;

	if (strcmp(old->control_socket, nconf->control_socket) != 0)
		log_warnx("reload: control-socket changes at the next start");
	if (strcmp(old->control_group, nconf->control_group) != 0)
		log_warnx("reload: control-group changes at the next start");
	if (strcmp(old->state_file, nconf->state_file) != 0)
		log_warnx("reload: the state file changes at the next start");
	/* metrics: bound before the privileges were dropped */
	if (strcmp(old->metrics_listen, nconf->metrics_listen) != 0)
		log_warnx("reload: metrics-listen changes at the next start");
	/* set as root before the drop (realtime.c), undone by nothing */
	if (old->realtime != nconf->realtime)
		log_warnx("reload: realtime changes at the next start");
	/* as syncd (no reload) and the script runner (forked at start)
	 * keep theirs: every line of a run has one facility */
	if (old->log_facility != nconf->log_facility)
		log_warnx("reload: log-facility changes at the next start");
	/* the global preempt and deadratio apply to every carp from now,
	 * as neutral and shutdown-scripts do */
	env->conf = nconf;
	carpd_apply_removed(env, nconf);
	carpd_groups_from_conf(env);
	carpd_apply_added(env);
	/* health tracking: after the carps, whose groups a check raises */
	track_reload(env);
	conf_free(old);
}

/* The parser's messages, one per line, go to the log and the first one
 * back to the caller (carpctl reload prints it). */
static void
carpd_reload_errors(char *msgs, char *err, size_t errlen)
{
	char	*line, *next;

	if (err != NULL && errlen > 0)
		strlcpy(err, msgs, errlen);
	if (err != NULL && (next = strchr(err, '\n')) != NULL)
		*next = '\0';
	for (line = msgs; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("reload: %s", line);
	}
}

int
carpd_reload(struct carpd *env, char *err, size_t errlen)
{
	struct carp_conf	*nconf;
	char			*msgs = NULL;
	size_t			 len = 0;
	FILE			*ef;

	if ((ef = open_memstream(&msgs, &len)) == NULL) {
		log_warn("reload: open_memstream");
		if (err != NULL && errlen > 0)
			strlcpy(err, "out of memory", errlen);
		return (-1);
	}
	nconf = conf_parse(env->conf->path, ef);
	fclose(ef);
	if (nconf == NULL) {
		carpd_reload_errors(msgs != NULL && len > 0 ? msgs :
		    "configuration not valid", err, errlen);
		log_warnx("reload: %s has errors, nothing changed",
		    env->conf->path);
		free(msgs);
		return (-1);
	}
	free(msgs);
	log_info("reload: %s", nconf->path);
	carpd_apply(env, nconf);
	return (0);
}

/*
 * Start and stop.
 */

/* libevent reads CLOCK_MONOTONIC_COARSE unless told otherwise: a clock
 * that moves a jiffy (4 ms at HZ=250) at a time, longer than the advert
 * interval at advbase 0 advskew 1. Adverts then went out 3, 4 or 6 ms
 * apart and a master-down timer fired up to a jiffy late, and a loop
 * woken before the coarse clock had moved went back to sleep for the
 * whole interval again (a fifth of the wakeups). The precise timer
 * reads CLOCK_MONOTONIC and sleeps on a timerfd: one more system call
 * per wakeup (timerfd_settime, common/priv.c), none of them wasted. */
static struct event_base *
carpd_base_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return (base);
}

/* carpd_init's first step, alone for the tests (carpd.h). */
int
carpd_env_init(struct carpd *env, struct carp_conf *conf,
    const struct carp_ops *ops)
{
	TAILQ_INIT(&env->carps);
	TAILQ_INIT(&env->groups);
	env->conf = conf;
	env->ops = ops;
	if ((env->base = carpd_base_new()) == NULL)
		return (-1);
	return (0);
}

static void
carpd_groups_free(struct carpd *env)
{
	struct carp_group	*g;

	while ((g = TAILQ_FIRST(&env->groups)) != NULL) {
		TAILQ_REMOVE(&env->groups, g, entry);
		free(g);
	}
}

/* No carpd_carp_remove here: the kernel was never opened, so there is
 * no group to leave and no macvlan to remove. */
void
carpd_env_free(struct carpd *env)
{
	struct carp_if	*cif;

	while ((cif = TAILQ_FIRST(&env->carps)) != NULL)
		carp_if_free(cif);
	carpd_groups_free(env);
	event_base_free(env->base);
	env->base = NULL;
}

void
carpd_init(struct carpd *env, struct carp_conf *conf)
{
	const struct conf_carp	*cc;

	if (carpd_env_init(env, conf, env->ops) == -1)
		fatalx("event_base_new");
	if (env->ops->open(env) == -1)
		fatalx("cannot open the kernel and the wire");
	carpd_groups_from_conf(env);
	TAILQ_FOREACH(cc, &conf->carps, entry)
		if (carpd_carp_add(env, cc) == -1)
			fatalx("%s: cannot set up", cc->name);
	track_start(env);
	if (control_init(env, conf->control_socket) == -1)
		fatalx("cannot open the control socket");
}

/* Every MASTER bows out so a backup takes over at once; addresses are
 * removed and the down scripts started before we go. */
void
carpd_shutdown(struct carpd *env)
{
	struct carp_if		*cif;

	/* holds released by closing clients must not flap the groups now */
	env->shutting_down = 1;
	while ((cif = TAILQ_FIRST(&env->carps)) != NULL)
		carpd_carp_remove(cif, "carpd stopping");
	track_stop(env);
	control_cleanup();
	if (carpd_auth_ev != NULL) {
		event_free(carpd_auth_ev);
		carpd_auth_ev = NULL;
	}
	if (carpd_auth_ready)
		auth_persist();
	env->ops->close();
	carpd_groups_free(env);
	conf_free(env->conf);
	log_info("stopped");
}

