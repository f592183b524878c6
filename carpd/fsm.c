/* The CARP election engine: a table of {state, event, action, next state}
 * after ospfd's if_fsm(), the advert classifier (OpenBSD semantics, see
 * docs/PROTOCOL.md) and advert output; the input checks are in
 * fsm_input.c.
 *
 * The kernel and the wire are reached only through env->ops, so the whole
 * engine runs in unit tests without root. */
#include <sys/random.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carpd.h"
#include "carp.h"
#include "clock.h"
#include "net.h"
#include "compat.h"
#include "log.h"

/* Repeat the gratuitous ARP / unsolicited NA after becoming MASTER, so a
 * switch or host that missed the first one learns the new port soon. */
#define CARP_ANNOUNCE_REPEAT	3
#define CARP_ANNOUNCE_MS	600

/* Consecutive send errors that demote our groups by one (OpenBSD). */
#define CARP_SEND_ERR_DEMOTE	3

#define CARP_STATE_ANY		CARP_NSTATES

/* proto/carp.c's digest covers at most CARP_MAXADDRS addresses */
_Static_assert(CONF_MAXADDRS <= CARP_MAXADDRS, "CARP_MAXADDRS too small");

static void	carp_announce(struct carp_if *);
static int	fsm_start(struct carp_if *);
static int	fsm_backup_rearm(struct carp_if *);
static int	fsm_master_up(struct carp_if *);
static int	fsm_master_down(struct carp_if *);
static int	fsm_advertise(struct carp_if *);
static int	fsm_advertise_now(struct carp_if *);
static int	fsm_answer_worse(struct carp_if *);
static int	fsm_link_down(struct carp_if *);
static int	fsm_link_up(struct carp_if *);
static int	fsm_admin_down(struct carp_if *);
static int	fsm_admin_up(struct carp_if *);

/* An action returns 0 to take the row's next state, -1 to stay. */
struct carp_fsm_row {
	enum carp_state	 state;		/* CARP_STATE_ANY matches all */
	enum carp_event	 event;
	int		(*action)(struct carp_if *);
	enum carp_state	 next;
};

static const struct carp_fsm_row carp_fsm_table[] = {
	/* Start: INIT -> BACKUP and arm the master-down timer; when it
	 * fires nobody better is advertising and we become MASTER. */
	{ CARP_INIT,	EV_START,	fsm_start,		CARP_BACKUP },
	{ CARP_BACKUP,	EV_MD_TIMEOUT,	fsm_master_up,		CARP_MASTER },
	/* A BACKUP takes over at once from a worse master (preempt, a
	 * higher demote, or a bow-out / interval too long to live). */
	{ CARP_BACKUP,	EV_ADV_WORSE,	fsm_master_up,		CARP_MASTER },
	/* Otherwise a BACKUP re-arms its master-down timer. */
	{ CARP_BACKUP,	EV_ADV_KEEP,	fsm_backup_rearm,	CARP_BACKUP },
	{ CARP_BACKUP,	EV_ADV_BETTER,	fsm_backup_rearm,	CARP_BACKUP },
	/* A MASTER advertises every interval. */
	{ CARP_MASTER,	EV_AD_TIMEOUT,	fsm_advertise,		CARP_MASTER },
	/* A MASTER hearing a better master goes BACKUP, with a parting
	 * advert so that the winner of a healing split hears of it. */
	{ CARP_MASTER,	EV_ADV_BETTER,	fsm_master_down,	CARP_BACKUP },
	/* A MASTER hearing a worse one answers at once so it backs off
	 * now rather than at our next interval, at most once an interval
	 * (a replay is not reflected one for one); a master appearing
	 * after a quiet spell is a healed split: announce again. */
	{ CARP_MASTER,	EV_ADV_WORSE,	fsm_answer_worse,	CARP_MASTER },
	{ CARP_MASTER,	EV_ADV_KEEP,	fsm_answer_worse,	CARP_MASTER },
	/* Our demote changed: a MASTER tells the peers at once, so every
	 * member of a demoted group fails over together. A BACKUP sends
	 * nothing; the new value counts at the next advert it hears. */
	{ CARP_MASTER,	EV_DEMOTED,	fsm_advertise_now,	CARP_MASTER },
	{ CARP_BACKUP,	EV_DEMOTED,	NULL,			CARP_BACKUP },
	/* carpdev link down: INIT, and +1 on our groups until it returns. */
	{ CARP_STATE_ANY, EV_LINK_DOWN,	fsm_link_down,		CARP_INIT },
	{ CARP_INIT,	EV_LINK_UP,	fsm_link_up,		CARP_BACKUP },
	/* carpctl down (maintenance): a MASTER bows out (advbase and
	 * advskew 255) so a backup takes over without waiting, then stays
	 * BACKUP, listening but never taking over, until carpctl up. */
	{ CARP_INIT,	EV_ADMIN_DOWN,	fsm_admin_down,		CARP_INIT },
	{ CARP_BACKUP,	EV_ADMIN_DOWN,	fsm_admin_down,		CARP_BACKUP },
	{ CARP_MASTER,	EV_ADMIN_DOWN,	fsm_admin_down,		CARP_BACKUP },
	{ CARP_INIT,	EV_ADMIN_UP,	fsm_admin_up,		CARP_BACKUP },
	{ CARP_BACKUP,	EV_ADMIN_UP,	fsm_admin_up,		CARP_BACKUP },
	/* Removed by a reload, or carpd stopping: bow out, then INIT. */
	{ CARP_STATE_ANY, EV_REMOVE,	fsm_admin_down,		CARP_INIT },
	/* INIT does not take part in the election. */
	{ CARP_INIT,	EV_ADV_BETTER,	NULL,			CARP_INIT },
	{ CARP_INIT,	EV_ADV_WORSE,	NULL,			CARP_INIT },
	{ CARP_INIT,	EV_ADV_KEEP,	NULL,			CARP_INIT },
	{ CARP_INIT,	EV_DEMOTED,	NULL,			CARP_INIT },
};

static const char *const carp_state_names[CARP_NSTATES] = {
	"INIT", "BACKUP", "MASTER"
};

static const char *const carp_event_names[CARP_NEVENTS] = {
	"START", "MD_TIMEOUT", "AD_TIMEOUT", "ADV_BETTER", "ADV_WORSE",
	"ADV_KEEP", "LINK_DOWN", "LINK_UP", "ADMIN_DOWN", "ADMIN_UP",
	"DEMOTED", "REMOVE"
};

const char *
carp_state_name(enum carp_state s)
{
	if ((unsigned)s >= CARP_NSTATES)
		return ("?");
	return (carp_state_names[s]);
}

const char *
carp_event_name(enum carp_event e)
{
	if ((unsigned)e >= CARP_NEVENTS)
		return ("?");
	return (carp_event_names[e]);
}

static const struct carp_fsm_row *
carp_fsm_lookup(enum carp_state s, enum carp_event e)
{
	size_t	 i;

	for (i = 0; i < sizeof(carp_fsm_table) / sizeof(carp_fsm_table[0]);
	    i++) {
		if (carp_fsm_table[i].event != e)
			continue;
		if (carp_fsm_table[i].state == s ||
		    carp_fsm_table[i].state == CARP_STATE_ANY)
			return (&carp_fsm_table[i]);
	}
	return (NULL);
}

static void
carp_fsm_step(struct carp_if *cif, enum carp_event ev, const char *why)
{
	const struct carp_fsm_row	*row;
	enum carp_state			 old = cif->state;

	if ((row = carp_fsm_lookup(old, ev)) == NULL) {
		log_debug("%s: %s ignored in %s (%s)", cif->conf.name,
		    carp_event_name(ev), carp_state_name(old), why);
		return;
	}
	if (row->action != NULL && row->action(cif) == -1)
		return;
	if (row->next == old)
		return;
	cif->state = row->next;
	cif->since = time(NULL);
	cif->cnt.transitions++;
	log_info("%s: %s -> %s (%s)", cif->conf.name, carp_state_name(old),
	    carp_state_name(row->next), why);
	if (cif->env->notify != NULL)
		cif->env->notify(cif, old, why);
}

/* 1 if ev in cif's state is logged or told (a transition, or an event
 * the table ignores): only then does its reason need writing out. */
int
carp_fsm_tells(const struct carp_if *cif, enum carp_event ev)
{
	const struct carp_fsm_row	*row;

	row = carp_fsm_lookup(cif->state, ev);
	return (row == NULL || row->next != cif->state);
}

/* An action may change a demote (link down, send errors): the members
 * hear EV_DEMOTED after this transition is written, not inside it. */
void
carp_fsm(struct carp_if *cif, enum carp_event ev, const char *why)
{
	struct carpd	*env = cif->env;

	env->fsm_depth++;
	carp_fsm_step(cif, ev, why);
	env->fsm_depth--;
	carp_demote_run(env);
}

void
carp_demote_queue(struct carp_if *cif, const char *why)
{
	if (!cif->demote_pending)
		cif->env->demotes_queued++;
	cif->demote_pending = 1;
	strlcpy(cif->demote_why, why, sizeof(cif->demote_why));
}

/* Deliver the queued EV_DEMOTED, one carp at a time in list order; one
 * raised while delivering joins the queue. A carp freed with one queued
 * is simply not found; the count then starts over. */
void
carp_demote_run(struct carpd *env)
{
	struct carp_if	*cif;
	char		 why[CARP_WHYLEN];

	if (env->demotes_queued == 0 || env->fsm_depth > 0 ||
	    env->demote_running)
		return;
	env->demote_running = 1;
	for (;;) {
		TAILQ_FOREACH(cif, &env->carps, entry)
			if (cif->demote_pending)
				break;
		if (cif == NULL) {
			env->demotes_queued = 0;
			break;
		}
		cif->demote_pending = 0;
		env->demotes_queued--;
		strlcpy(why, cif->demote_why, sizeof(why));
		env->fsm_depth++;
		carp_fsm_step(cif, EV_DEMOTED, why);
		env->fsm_depth--;
	}
	env->demote_running = 0;
}

/*
 * Timers, in microseconds: at advbase 0 one advskew step is 3906 us, and
 * rounding the interval to whole milliseconds sent adverts at advskew 1
 * every 3 ms instead of every 3.9 ms (a quarter more than any other CARP
 * node) and shortened every master-down alike.
 */
unsigned
carp_interval_us(int advbase, int advskew)
{
	return ((unsigned)advbase * 1000000 + (unsigned)advskew * 1000000 / 256);
}

unsigned
carp_interval_ms(int advbase, int advskew)
{
	return (carp_interval_us(advbase, advskew) / 1000);
}

static void
carp_timer_arm_us(struct event *ev, uint64_t us)
{
	struct timeval	 tv;

	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(ev, &tv);
}

static void
carp_timer_arm(struct event *ev, unsigned ms)
{
	carp_timer_arm_us(ev, (uint64_t)ms * 1000);
}

static unsigned
carp_own_interval_us(const struct carp_if *cif)
{
	return (carp_interval_us(cif->conf.advbase, cif->conf.advskew));
}

static unsigned
carp_own_interval_ms(const struct carp_if *cif)
{
	return (carp_own_interval_us(cif) / 1000);
}

/* Master-down = deadratio x our own interval (OpenBSD uses 3). */
static uint64_t
carp_md_us(const struct carp_if *cif)
{
	return ((uint64_t)cif->env->conf->deadratio *
	    carp_own_interval_us(cif));
}

static uint64_t
carp_md_ms(const struct carp_if *cif)
{
	return (carp_md_us(cif) / 1000);
}

static void
carp_md_arm(struct carp_if *cif)
{
	carp_timer_arm_us(cif->md_timer, carp_md_us(cif));
}

static void
carp_timers_stop(struct carp_if *cif)
{
	evtimer_del(cif->md_timer);
	evtimer_del(cif->ad_timer);
	evtimer_del(cif->announce_timer);
	cif->announce_left = 0;
}

static void
carp_md_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	carp_fsm(arg, EV_MD_TIMEOUT, "master down timer");
}

static void
carp_ad_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	carp_fsm(arg, EV_AD_TIMEOUT, "advert timer");
}

static void
carp_announce_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct carp_if	*cif = arg;

	(void)fd;
	(void)what;
	if (cif->state != CARP_MASTER || cif->announce_left <= 0)
		return;
	carp_announce(cif);
	if (--cif->announce_left > 0)
		carp_timer_arm(cif->announce_timer, CARP_ANNOUNCE_MS);
}

/*
 * FSM actions.
 */

/* ucarp's start: a carp's first BACKUP runs its down-script, so that
 * what an up-script of an earlier run left (a service, a route) is
 * undone as carpd_addrs_clear undoes the addresses; neutral skips it. */
static void
carp_start_script(struct carp_if *cif)
{
	/* a balanced carp's scripts follow the node's share (slot.c):
	 * its first slot speaks for it */
	if (cif->start_script_done || (cif->bal != NULL && cif->slot != 0))
		return;
	cif->start_script_done = 1;
	if (!conf_carp_neutral(cif->env->conf, &cif->conf))
		cif->env->ops->script(cif, 0);
}

static int
fsm_start(struct carp_if *cif)
{
	if (!cif->link_up || cif->admin_down)
		return (-1);
	carp_md_arm(cif);
	carp_start_script(cif);
	return (0);
}

/* A carp held down by carpctl follows the election but never arms the
 * timer that would make it take over. */
static int
fsm_backup_rearm(struct carp_if *cif)
{
	if (!cif->admin_down)
		carp_md_arm(cif);
	return (0);
}

/* A balanced slot makes the switch learn its MAC (slot.c); a plain carp
 * sends gratuitous ARP / unsolicited NA. */
static void
carp_announce(struct carp_if *cif)
{
	if (cif->bal != NULL)
		slot_announce(cif);
	else
		cif->env->ops->announce(cif);
}

/* Add or remove every address of cif (a balanced slot's are its carp's);
 * a failure is logged and the rest still go. */
void
carp_addrs_set(struct carp_if *cif, int add)
{
	const struct carp_ops	*ops = cif->env->ops;
	int			 i, rv;

	for (i = 0; i < cif->conf.naddrs; i++) {
		rv = add ? ops->addr_add(cif, &cif->conf.addrs[i]) :
		    ops->addr_del(cif, &cif->conf.addrs[i]);
		if (rv == -1)
			log_warnx("%s: cannot %s address %d", cif->conf.name,
			    add ? "add" : "remove", i);
	}
}

static void
carp_addrs_install(struct carp_if *cif)
{
	carp_addrs_set(cif, 1);
	cif->addrs_installed = 1;
}

static void
carp_addrs_remove(struct carp_if *cif)
{
	if (!cif->addrs_installed)
		return;
	carp_addrs_set(cif, 0);
	cif->addrs_installed = 0;
}

/* Gratuitous ARP / unsolicited NA now, and CARP_ANNOUNCE_REPEAT more
 * times: the later ones land after a host's neighbour locktime (1 s on
 * Linux) has passed, and after the last announce of a master that is
 * only now backing off. */
static void
carp_announce_burst(struct carp_if *cif)
{
	carp_announce(cif);
	cif->announce_left = CARP_ANNOUNCE_REPEAT;
	carp_timer_arm(cif->announce_timer, CARP_ANNOUNCE_MS);
}

/* BACKUP -> MASTER: add the addresses, advertise at once so the old
 * master and the other backups hear us, announce the addresses at once
 * and a few times more, then start the (asynchronous) up script. */
static int
fsm_master_up(struct carp_if *cif)
{
	if (cif->admin_down)
		return (-1);
	carp_timers_stop(cif);
	memset(&cif->master, 0, sizeof(cif->master));
	if (cif->bal != NULL)
		slot_master_up(cif);	/* addresses and scripts by share */
	else
		carp_addrs_install(cif);
	carp_send_advert(cif, 0);
	carp_timer_arm_us(cif->ad_timer, carp_own_interval_us(cif));
	carp_announce_burst(cif);
	cif->rival_ms = 0;
	cif->answer_ms = 0;
	if (cif->bal == NULL)
		cif->env->ops->script(cif, 1);
	return (0);
}

/* Leaving MASTER: stop advertising, remove the addresses, down script
 * (at exit only with shutdown-scripts, as ucarp's --shutdown). */
static void
carp_master_leave(struct carp_if *cif)
{
	carp_timers_stop(cif);
	if (cif->bal != NULL) {
		slot_master_down(cif);
		return;
	}
	carp_addrs_remove(cif);
	if (!cif->env->shutting_down ||
	    conf_carp_shutdown_scripts(cif->env->conf, &cif->conf))
		cif->env->ops->script(cif, 0);
}

/* A better master heard: back off, but advertise once more first. If
 * the two were masters of a split that is healing, the winner may never
 * have heard us (our adverts were cut, and its own reached us first):
 * this one tells it to announce its addresses again (carp_rival_heard),
 * or the hosts we announced ourselves to keep sending to our MAC. To
 * anyone else it is one more advert of a master they heard a moment ago. */
static int
fsm_master_down(struct carp_if *cif)
{
	carp_send_advert(cif, 0);
	carp_master_leave(cif);
	carp_md_arm(cif);
	return (0);
}

/* Split brain healing: a MASTER hears another master it had not heard
 * for a master-down time. That one backs off, but the hosts it
 * announced itself to while the link was cut still send to its MAC:
 * announce ours again (keepalived#166), and once more when it has gone
 * quiet for a master-down time (carp_rival_gone), in case its last
 * announcements crossed ours. A rival heard within the master-down time
 * is the same contest going on. rival_ms 0: no rival being heard. */
static void
carp_rival_heard(struct carp_if *cif, uint64_t now)
{
	if (cif->rival_ms == 0 || now - cif->rival_ms > carp_md_ms(cif)) {
		log_info("%s: another master heard: announcing the addresses "
		    "again", cif->conf.name);
		carp_announce_burst(cif);
		/* the other one may have forwarded our connections for a
		 * moment: syncd makes their windows liberal (PROTOCOL 6) */
		if (cif->env->rival != NULL)
			cif->env->rival(cif);
	}
	cif->rival_ms = now;
}

static void
carp_rival_gone(struct carp_if *cif)
{
	if (cif->rival_ms == 0 || clock_ms() - cif->rival_ms <= carp_md_ms(cif))
		return;
	log_info("%s: the other master went quiet: announcing the addresses "
	    "again", cif->conf.name);
	carp_announce_burst(cif);
	cif->rival_ms = 0;
}

static int
fsm_advertise(struct carp_if *cif)
{
	carp_send_advert(cif, 0);
	carp_timer_arm_us(cif->ad_timer, carp_own_interval_us(cif));
	carp_rival_gone(cif);
	return (0);
}

/* An extra advert now; the regular timer keeps running. Nothing goes
 * out over a carpdev whose link is down or held down by carpctl. */
static int
fsm_advertise_now(struct carp_if *cif)
{
	if (!cif->link_up || cif->admin_down)
		return (-1);
	carp_send_advert(cif, 0);
	return (0);
}

/* A worse master, or a replay of one, gets at most one immediate answer
 * per advert interval; the others are counted, and our regular adverts
 * go on, so the election comes out the same. */
static int
fsm_answer_worse(struct carp_if *cif)
{
	uint64_t	 now = clock_ms();

	if (!cif->link_up || cif->admin_down)
		return (-1);
	carp_rival_heard(cif, now);
	if (cif->answer_ms != 0 &&
	    now - cif->answer_ms < carp_own_interval_ms(cif)) {
		cif->cnt.answers_limited++;
		return (-1);
	}
	cif->answer_ms = now;
	carp_send_advert(cif, 0);
	return (0);
}

static int
fsm_link_down(struct carp_if *cif)
{
	cif->link_up = 0;
	if (cif->state == CARP_MASTER)
		carp_master_leave(cif);
	carp_timers_stop(cif);
	if (!cif->link_demoted) {
		cif->link_demoted = 1;
		group_adjust_member(cif, 1, "carpdev link down");
	}
	return (0);
}

static int
fsm_link_up(struct carp_if *cif)
{
	cif->link_up = 1;
	if (cif->link_demoted) {
		cif->link_demoted = 0;
		group_adjust_member(cif, -1, "carpdev link up");
	}
	return (fsm_start(cif));
}

static int
fsm_admin_down(struct carp_if *cif)
{
	cif->admin_down = 1;
	if (cif->state == CARP_MASTER) {
		carp_send_advert(cif, 1);
		carp_master_leave(cif);
	}
	carp_timers_stop(cif);
	return (0);
}

static int
fsm_admin_up(struct carp_if *cif)
{
	cif->admin_down = 0;
	return (fsm_start(cif));
}

/*
 * Election. Intervals are compared exactly, in 1/256 s, as OpenBSD
 * compares timevals; a bow-out (255/255) is the longest interval there is.
 */
static int
carp_iv256(int advbase, int advskew)
{
	return (advbase * 256 + advskew);
}

/* The rule a MASTER applies: the sender is better if its demote is lower
 * than ours, or not higher and its interval is not longer. OpenBSD has no
 * tie-break: on equal demote and interval the master backs off, so two
 * identical masters both go BACKUP and the first master-down timer to
 * fire wins (ucarp alone tie-breaks by the lower source IP). */
static int
carp_adv_better(int ours, int our_iv, const struct carp_advert *adv)
{
	int	 peer_iv = carp_iv256(adv->advbase, adv->advskew);

	if (adv->demote < ours)
		return (1);
	return (adv->demote <= ours && peer_iv <= our_iv);
}

/* The rules a BACKUP applies to take over at once: preempt a master that
 * advertises slower with a demote not lower than ours; take over from a
 * master with a higher demote whatever preempt says; and treat a master
 * whose interval exceeds our own master-down time as dead (a bow-out
 * advertises 255/255 and so takes effect here). */
static int
carp_adv_takeover(const struct carp_if *cif, int ours, int our_iv,
    const struct carp_advert *adv)
{
	int	 peer_iv = carp_iv256(adv->advbase, adv->advskew);
	int	 preempt = conf_carp_preempt(cif->env->conf, &cif->conf);

	if (preempt && peer_iv > our_iv && adv->demote >= ours)
		return (1);
	if (adv->demote > ours)
		return (1);
	return (peer_iv > cif->env->conf->deadratio * our_iv);
}

/* ADV_BETTER: the sender should be master over us. ADV_WORSE: we should
 * be master over the sender. ADV_KEEP: the sender may stay master
 * although it is not better (a BACKUP without preempt). */
enum carp_event
carp_adv_classify(const struct carp_if *cif, const struct carp_advert *adv)
{
	int	 ours = carp_advertised_demote(cif);
	int	 our_iv = carp_iv256(cif->conf.advbase, cif->conf.advskew);

	switch (cif->state) {
	case CARP_MASTER:
		if (carp_adv_better(ours, our_iv, adv))
			return (EV_ADV_BETTER);
		return (EV_ADV_WORSE);
	case CARP_BACKUP:
		if (carp_adv_takeover(cif, ours, our_iv, adv))
			return (EV_ADV_WORSE);
		if (carp_adv_better(ours, our_iv, adv))
			return (EV_ADV_BETTER);
		return (EV_ADV_KEEP);
	default:
		return (EV_ADV_KEEP);
	}
}

/* Sum of the demote counters of every group we are in ("carp" included),
 * capped at 255: it has to fit the demote byte. */
int
carp_advertised_demote(const struct carp_if *cif)
{
	struct carp_group	*g;
	long			 sum = 0;

	TAILQ_FOREACH(g, &cif->env->groups, entry)
		if (group_is_member(cif, g->name))
			sum += g->demote;
	return (sum > 255 ? 255 : (int)sum);
}

/* The codec's view of the config: its own mode and address types, so
 * that proto/ depends on no config type. addrs has CONF_MAXADDRS. */
void
carp_auth_fill(const struct carp_if *cif, struct carp_auth *auth,
    struct carp_addr *addrs)
{
	int	 i;

	for (i = 0; i < cif->conf.naddrs; i++) {
		memset(&addrs[i], 0, sizeof(addrs[i]));
		addrs[i].af = cif->conf.addrs[i].af;
		memcpy(&addrs[i].a, &cif->conf.addrs[i].a,
		    sizeof(addrs[i].a));
	}
	auth->mode = cif->conf.auth == AUTH_STRICT ? CARP_AUTH_STRICT :
	    CARP_AUTH_COMPAT;
	auth->key = cif->conf.password;
	auth->keylen = cif->conf.passlen;
	auth->addrs = addrs;
	auth->naddrs = cif->conf.naddrs;
}

/*
 * Output.
 */

/* Counter. compat: a random 64-bit cookie per carp, fixed for the life of
 * the process, as current OpenBSD sends; an advert carrying it is our own
 * coming back. Nobody checks monotonicity (ucarp, FreeBSD, OpenBSD), so
 * they all accept it. strict: auth.c's persisted, never decreasing
 * timestamp counter, checked by the receivers per source. */
static uint64_t
carp_next_counter(struct carp_if *cif)
{
	if (cif->conf.auth == AUTH_STRICT)
		cif->counter = auth_next_counter();
	return (cif->counter);
}

static void
carp_cookie_init(struct carp_if *cif)
{
	if (getrandom(&cif->counter, sizeof(cif->counter), 0) !=
	    (ssize_t)sizeof(cif->counter)) {
		log_warn("%s: getrandom", cif->conf.name);
		cif->counter = ((uint64_t)time(NULL) << 32) ^
		    (uint64_t)(uintptr_t)cif;
	}
}

/* An advert goes out over every family we have addresses in
 * (carp_has_af). A unicast peer replaces the multicast group of its own
 * family only, as OpenBSD's carppeer does (net.c picks the destination). */
static int
carp_send_af(struct carp_if *cif, int af, const struct carp_pkt *pkt)
{
	struct carp_auth	 auth;
	struct carp_addr	 addrs[CONF_MAXADDRS];
	struct sockaddr_storage	 ss;
	const struct sockaddr	*src = NULL;
	uint8_t			 buf[CARP_HDRLEN];

	carp_auth_fill(cif, &auth, addrs);
	/* strict mode signs the IP source too */
	if (cif->conf.auth == AUTH_STRICT) {
		if (cif->env->ops->source(cif, af, &ss) == -1)
			return (-1);
		src = (const struct sockaddr *)&ss;
	}
	if (carp_encode(buf, pkt, &auth, src) == -1)
		return (-1);
	return (cif->env->ops->send(cif, af, buf, sizeof(buf)));
}

/* OpenBSD: 3 consecutive send errors demote our groups by one, until a
 * send succeeds again. Only the first error of a run is logged: at
 * advbase 0 there are hundreds a second. */
static void
carp_send_count(struct carp_if *cif, int rv)
{
	if (rv == 0) {
		cif->cnt.adverts_sent++;
		cif->send_fail_run = 0;
		cif->send_demoted = 0;
		return;
	}
	cif->cnt.send_errors++;
	if (++cif->send_fail_run == 1)
		log_warnx("%s: cannot send advert", cif->conf.name);
	if (cif->send_fail_run >= CARP_SEND_ERR_DEMOTE)
		cif->send_demoted = 1;
}

void
carp_send_advert(struct carp_if *cif, int bowout)
{
	static const int	 afs[] = { AF_INET, AF_INET6 };
	struct carp_pkt		 pkt;
	int			 was = cif->send_demoted;
	size_t			 i;

	memset(&pkt, 0, sizeof(pkt));
	pkt.vhid = cif->conf.vhid;
	pkt.advbase = bowout ? CARP_BOWOUT : cif->conf.advbase;
	pkt.advskew = bowout ? CARP_BOWOUT : cif->conf.advskew;
	pkt.demote = carp_advertised_demote(cif);
	pkt.counter = carp_next_counter(cif);
	for (i = 0; i < sizeof(afs) / sizeof(afs[0]); i++)
		if (carp_has_af(cif, afs[i]))
			carp_send_count(cif, carp_send_af(cif, afs[i], &pkt));
	/* adjusted after the round: the demote change makes us (a MASTER)
	 * advertise again at once, with the new value */
	if (cif->send_demoted && !was)
		group_adjust_member(cif, 1, "3 consecutive send errors");
	else if (!cif->send_demoted && was)
		group_adjust_member(cif, -1, "adverts are sent again");
}

/*
 * Life cycle.
 */
static void
carp_if_timers_free(struct carp_if *cif)
{
	if (cif->md_timer != NULL)
		event_free(cif->md_timer);
	if (cif->ad_timer != NULL)
		event_free(cif->ad_timer);
	if (cif->announce_timer != NULL)
		event_free(cif->announce_timer);
}

struct carp_if *
carp_if_new(struct carpd *env, const struct conf_carp *conf)
{
	struct carp_if	*cif;
	int		 i;

	if ((cif = calloc(1, sizeof(*cif))) == NULL) {
		log_warn("%s: calloc", conf->name);
		return (NULL);
	}
	cif->conf = *conf;
	memset(&cif->conf.entry, 0, sizeof(cif->conf.entry));
	cif->env = env;
	cif->state = CARP_INIT;
	cif->since = time(NULL);
	cif->md_timer = evtimer_new(env->base, carp_md_timeout, cif);
	cif->ad_timer = evtimer_new(env->base, carp_ad_timeout, cif);
	cif->announce_timer = evtimer_new(env->base, carp_announce_timeout,
	    cif);
	if (cif->md_timer == NULL || cif->ad_timer == NULL ||
	    cif->announce_timer == NULL) {
		log_warnx("%s: cannot create timers", conf->name);
		carp_if_timers_free(cif);
		explicit_bzero(cif, sizeof(*cif));	/* the password */
		free(cif);
		return (NULL);
	}
	carp_cookie_init(cif);
	group_get(env, "carp");
	for (i = 0; i < cif->conf.ngroups; i++)
		group_get(env, cif->conf.groups[i]);
	TAILQ_INSERT_TAIL(&env->carps, cif, entry);
	return (cif);
}

/* A carp still up bows out and removes its addresses first; the
 * demotions it holds are released once it is off the list, so it is not
 * told about them. */
void
carp_if_free(struct carp_if *cif)
{
	int	 held;

	if (cif->state != CARP_INIT)
		carp_fsm(cif, EV_REMOVE, "removed");
	held = cif->link_demoted + cif->send_demoted;
	TAILQ_REMOVE(&cif->env->carps, cif, entry);
	if (held > 0)
		group_adjust_member(cif, -held, "carp removed");
	carp_if_timers_free(cif);
	if (cif->bal != NULL)
		slot_if_freed(cif);
	explicit_bzero(cif, sizeof(*cif));	/* our copy of the password */
	free(cif);
}
