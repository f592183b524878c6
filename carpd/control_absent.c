/* The hold carpd takes in place of a missing syncd (docs/PROTOCOL.md
 * section 6.8).
 *
 * syncd holds link-demote on group "carp" while it hears no peer. If
 * only one node's syncd dies, its peer's syncd declares it dead and
 * demotes its own node, while the node without syncd, whose table is
 * going stale, holds nothing: with preempt it would take over and lose
 * every connection opened since. So when carp.conf has a sync block and
 * no syncd has been connected for CONTROL_ABSENT_MS, carpd holds
 * link-demote itself, and both nodes end up demoted alike. */
#include <string.h>

#include "clock.h"
#include "control.h"
#include "log.h"

/* Shorter than a peer's dead time (3.5 s), so the node that lost its
 * syncd is demoted before its peer's syncd demotes the peer; longer
 * than a syncd restart, which reconnects within a second. */
#define CONTROL_ABSENT_MS	2000
/* Kept this long after syncd is back: the peer's syncd lets go of its
 * link-demote only once it has heard ours for a second (checked each
 * second), and until then this node must not look better than it. */
#define CONTROL_ABSENT_SETTLE_MS 3000
#define CONTROL_ABSENT_TICK_MS	500

static struct event	*absent_ev;
static int		 absent_connected;
static uint64_t		 absent_since;	/* last change of absent_connected */
static int		 absent_held;	/* what we hold on group carp */

static void
control_absent_conn(struct ctl_conn *conn, void *arg)
{
	struct control_client	*cl = ctl_conn_data(conn);
	int			*found = arg;

	/* who is the client's own word: only a privileged one counts */
	if (cl != NULL && strcmp(cl->who, "syncd") == 0 &&
	    ctl_conn_privileged(conn))
		*found = 1;
}

static int
control_syncd_connected(void)
{
	int	 found = 0;

	if (control_srv != NULL)
		ctl_server_foreach(control_srv, control_absent_conn, &found);
	return (found);
}

/* What carpd should hold now, given what it holds (held) and whether
 * syncd is connected, and since when: link-demote once syncd has been
 * away for CONTROL_ABSENT_MS, until it has been back for
 * CONTROL_ABSENT_SETTLE_MS; nothing without a sync block. */
int
control_absent_want(const struct conf_sync *cs, int held, int connected,
    uint64_t since, uint64_t now)
{
	if (!cs->present)
		return (0);
	if (now < since)
		return (held);
	if (!connected)
		return (held > 0 || now - since >= CONTROL_ABSENT_MS ?
		    cs->link_demote : 0);
	return (held > 0 && now - since < CONTROL_ABSENT_SETTLE_MS ?
	    held : 0);
}

void
control_absent_tick(uint64_t now)
{
	int	 connected = control_syncd_connected(), want;

	if (control_env == NULL || control_env->conf == NULL ||
	    control_env->shutting_down)
		return;
	if (connected != absent_connected) {
		absent_connected = connected;
		absent_since = now;
	}
	want = control_absent_want(&control_env->conf->sync, absent_held,
	    connected, absent_since, now);
	if (want == absent_held)
		return;
	if (want > 0)
		log_warnx("control: no syncd for %llu ms: holding demote %d "
		    "on group carp in its place",
		    (unsigned long long)(now - absent_since), want);
	else
		log_info("control: syncd is back: demote hold %d on group "
		    "carp released", absent_held);
	/* the group may be gone after a reload: then there is nothing held */
	if (group_adjust(control_env, "carp", want - absent_held,
	    "syncd absent") == -1)
		want = 0;
	absent_held = want;
}

int
control_absent_held(void)
{
	return (absent_held);
}

static void
control_absent_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	control_absent_tick(clock_ms());
}

void
control_absent_start(struct event_base *base)
{
	struct timeval	 tv = { 0, CONTROL_ABSENT_TICK_MS * 1000 };

	control_absent_stop();
	absent_connected = 0;		/* syncd may connect after us */
	absent_since = clock_ms();
	absent_held = 0;
	absent_ev = event_new(base, -1, EV_PERSIST, control_absent_cb, NULL);
	if (absent_ev == NULL || event_add(absent_ev, &tv) == -1)
		log_warnx("control: cannot watch for syncd");
}

void
control_absent_stop(void)
{
	if (absent_ev != NULL)
		event_free(absent_ev);
	absent_ev = NULL;
}
