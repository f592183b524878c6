/* syncd's control socket: carpctl sync status|stats|resync. Framing,
 * versions, bad clients, limits and read-only clients are common/ctl_*.c's
 * job. metrics-listen answers GET /metrics with the same CtlSync,
 * formatted as carpctl metrics formats it (common/metrics.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ct.h"
#include "ctl.h"
#include "ctl_dispatch.h"
#include "defer.h"
#include "expect.h"
#include "link.h"
#include "log.h"
#include "metrics.h"
#include "own.h"
#include "rel.h"
#include "ruleset.h"
#include "seal.h"
#include "syncd.h"

#define SET(f, v)	do { s->has_##f = 1; s->f = (v); } while (0)

/* The sync links' part of the answer, which CtlSync points into. */
struct control_links {
	CtlSyncLink	 link[LINK_MAX];
	CtlSyncLink	*ptr[LINK_MAX];
	char		 peer[LINK_MAX][INET6_ADDRSTRLEN];
};

/* Link i's peer: its syncpeer, or the group it multicasts to. */
static void
control_peer(const struct syncd *sc, size_t i, char *buf, size_t len)
{
	const struct conf_addr	*a = (int)i < sc->cs->nsyncpeer ?
	    &sc->cs->syncpeer[i] : &sc->cs->mcast;

	conf_addr_print(a, 0, buf, len);
}

static void
control_link(const struct syncd *sc, size_t i, CtlSyncLink *s, char *peer,
    uint64_t now)
{
	const struct link_path	*l = &sc->link->paths[i];

	control_peer(sc, i, peer, INET6_ADDRSTRLEN);
	s->peer = peer;
	s->syncdev = (char *)(uintptr_t)l->ifname;
	SET(up, l->up);
	SET(active, i == sc->link->active);
	SET(carrier, l->carrier);
	SET(heard_ms_ago, now > l->heard_ms ? now - l->heard_ms : 0);
	SET(datagrams_sent, l->sent);
	SET(datagrams_received, l->received);
	SET(send_errors, l->send_errors);
	SET(receive_errors, l->rx_errors);
	SET(foreign, l->foreign);
	SET(buffer_drops, l->kernel_drops);
}

/* Each link's health; the top-level peer and syncdev are the link in
 * use (the only one with one link, as before). */
static void
control_links(const struct syncd *sc, CtlSync *s, struct control_links *cl)
{
	uint64_t	 now = clock_ms();
	size_t		 i;

	if (sc->link == NULL)
		return;
	for (i = 0; i < sc->link->n; i++) {
		ctl_sync_link__init(&cl->link[i]);
		control_link(sc, i, &cl->link[i], cl->peer[i], now);
		cl->ptr[i] = &cl->link[i];
	}
	s->links = cl->ptr;
	s->n_links = sc->link->n;
	s->peer = cl->peer[sc->link->active];
	s->syncdev = cl->link[sc->link->active].syncdev;
	SET(link_switches, sc->link->switches);
}

static void
control_fill(const struct syncd *sc, CtlSync *s, struct control_links *cl)
{
	const struct ct_stats		*cs = ct_stats();
	const struct defer_stats	*ds = defer_stats();
	const struct rel_stats		*ts = rel_tx_stats(sc->tx);
	uint64_t			 nlocal, gaps, rx_resyncs;

	control_links(sc, s, cl);
	peer_rx_sums(sc, &gaps, &rx_resyncs);
	SET(peer_alive, syncd_peers_alive(sc) > 0);
	SET(in_sync, syncd_in_sync(sc));
	SET(bulk_in_progress, syncd_bulk_in_progress(sc));
	nlocal = own_count_origin(sc->own, OWN_LOCAL);
	SET(states_local, nlocal);
	SET(states_replicated, own_count(sc->own) - nlocal);
	SET(states_sent, sc->st.states_sent);
	SET(states_applied, sc->st.states_applied);
	SET(apply_errors, cs->apply_errors);
	SET(messages_sent, sc->st.messages_sent);
	SET(messages_received, sc->st.messages_received);
	SET(retransmits, ts->retransmits);
	SET(gaps, gaps);
	SET(resyncs, sc->st.resyncs + ts->resyncs + rx_resyncs);
	SET(auth_failures, sc->st.auth_failures);
	SET(replays, sc->st.replays);
	SET(overruns, cs->overruns);
	SET(deferred, ds->deferred);
	SET(defer_timeouts, ds->timeouts);
	SET(defer_queue_len, ds->queued);
	SET(demote_held, (uint32_t)sc->demote_held);
	SET(malformed, sc->st.malformed);
	SET(stale, sc->st.stale);
	SET(unsupported, sc->st.unsupported);
	SET(queue_overflows, sc->st.queue_overflows);
	SET(send_errors, sc->st.send_errors);
	SET(expired_peer, sc->st.expired_peer);
	SET(refreshed, sc->st.refreshed);
	SET(invalid, sc->st.invalid);
	SET(self, sc->st.self);
	SET(too_many_peers, sc->st.too_many_peers);
	SET(seq_jumps, sc->st.seq_jumps);
	SET(died_young, sc->st.died_young);
	SET(cancelled, sc->st.cancelled);
	SET(delay_overflows, sc->st.delay_overflows);
	SET(delay_queue_len, (uint32_t)delay_len(sc->delay));
	SET(delay_sent, sc->st.delay_sent);
	SET(sweep_dropped, sc->st.sweep_dropped);
	SET(own_bytes, own_bytes(sc->own));
	SET(bulk_swept, sc->st.bulk_swept);
	SET(bulk_sweeps_skipped, sc->st.bulk_sweeps_skipped);
	SET(event_holds, cs->holds);
	SET(walk_skipped, sc->st.walk_skipped);
	SET(foreign, sc->link != NULL ? sc->link->foreign : 0);
	SET(link_errors, sc->link != NULL ? sc->link->rx_errors : 0);
	SET(link_drops, sc->link != NULL ? sc->link->kernel_drops : 0);
	SET(expects_sent, sc->st.expects_sent);
	SET(expects_applied, sc->st.expects_applied);
	SET(expect_errors, sc->st.expect_errors);
	SET(expects_waiting, (uint32_t)expect_waiting(sc));
	SET(expects_dropped, sc->st.expects_dropped);
	SET(carpd_connected, sc->holder != NULL &&
	    ctl_holder_connected(sc->holder));
	s->last_error = (char *)(uintptr_t)sc->last_error;
	ruleset_fill(sc, s);
	if (sc->ctl != NULL)
		CTL_SERVER_STATS_COPY(s, ctl_server_stats(sc->ctl));
	METRICS_HTTP_STATS_COPY(s, metrics_http_stats(sc->metrics));
}

static void
control_show(struct ctl_conn *c, const CtlRequest *req, void *arg)
{
	struct syncd	*sc = arg;
	CtlReply	 rep;
	CtlSync		 s = CTL_SYNC__INIT;
	struct control_links	 cl;

	(void)req;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	control_fill(sc, &s, &cl);
	rep.sync = &s;
	rep.has_end = rep.end = 1;
	ctl_conn_send(c, &rep);
}

static void
control_resync(struct ctl_conn *c, const CtlRequest *req, void *arg)
{
	struct syncd	*sc = arg;

	(void)req;
	syncd_resync(sc, "carpctl sync resync");
	syncd_flush(sc);
	ctl_conn_result(c, CTL_RESULT__OK, "bulk request sent");
}

/* Same shape as carpd's control_cmds: 1 changes state, root only. */
static const struct ctl_cmd control_cmds[] = {
	{ CTL_COMMAND__SYNC_STATUS,	0,	control_show },
	{ CTL_COMMAND__SYNC_STATS,	0,	control_show },
	{ CTL_COMMAND__SYNC_RESYNC,	1,	control_resync },
	{ CTL_COMMAND__NONE,		0,	NULL }
};

static void
control_request(struct ctl_conn *c, const CtlRequest *req, void *arg)
{
	if (ctl_dispatch(c, req, control_cmds, arg) == -1)
		ctl_conn_result(c, CTL_RESULT__ERR_NOT_SUPPORTED,
		    "syncd answers only the sync commands");
}

static void
control_close(struct ctl_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static const struct ctl_server_cb control_cb = {
	control_request,
	control_close,
};

static int
control_metrics(struct evbuffer *b, void *arg)
{
	struct syncd		*sc = arg;
	struct control_links	 cl;
	CtlSync			 s = CTL_SYNC__INIT;
	CtlReply		 rep;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	control_fill(sc, &s, &cl);
	rep.sync = &s;
	return (metrics_reply(b, "syncd", &rep) == 0 && metrics_end(b) == 0 ?
	    0 : -1);
}

/* Bound before privileges are dropped; replication matters more than
 * its metrics, so syncd runs on without them. */
static void
control_metrics_start(struct syncd *sc)
{
	if (sc->cs->metrics_listen[0] == '\0')
		return;
	if ((sc->metrics = metrics_http_new(sc->base, sc->cs->metrics_listen,
	    control_metrics, sc)) == NULL)
		log_warnx("metrics-listen %s: no metrics over HTTP",
		    sc->cs->metrics_listen);
}

int
syncd_control_init(struct syncd *sc)
{
	sc->ctl = ctl_server_new(sc->base, sc->cs->control_socket,
	    &control_cb, sc);
	if (sc->ctl == NULL)
		return (-1);
	if (sc->conf->control_group[0] != '\0' &&
	    ctl_server_group(sc->ctl, sc->conf->control_group) == -1) {
		syncd_control_cleanup(sc);
		return (-1);
	}
	control_metrics_start(sc);
	return (0);
}

void
syncd_control_cleanup(struct syncd *sc)
{
	if (sc->ctl != NULL)
		ctl_server_free(sc->ctl);
	sc->ctl = NULL;
	metrics_http_free(sc->metrics);
	sc->metrics = NULL;
}
