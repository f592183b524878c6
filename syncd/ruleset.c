/* Same ruleset on both boxes (docs/PROTOCOL.md, section 6.18). The
 * rule, in short: each node sends the first 16 bytes of its ruleset's
 * digest (ruleset_canon.c) in a heartbeat at least once a second and at
 * once when it changes; a receiver compares them with its own. A live
 * peer whose digest differs makes the state "differs"; one whose digest
 * is ours, "same"; a peer that sends none (an older syncd, or one that
 * cannot read its ruleset) or that went silent counts for nothing:
 * "unknown" when no peer says anything, never "differs". Each change
 * between same and differs is counted and logged, and ruleset-demote is
 * held on carpd (with the bulk's and link's, engine.c) while it differs.
 *
 *   ruleset_kern.c -> ruleset_local -> rs_eval -> rs_enter -> syncd_demote
 *   rx.c -> ruleset_heard -> rs_eval ...        tx.c <- ruleset_wire */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "compat.h"
#include "log.h"
#include "ruleset.h"
#include "ruleset_kern.h"
#include "syncd.h"

enum rs_state { RS_UNKNOWN, RS_SAME, RS_DIFFERS };

struct rs_peer {
	uint32_t	 node;		/* 0: free */
	uint8_t		 digest[MSG_RULESET_LEN];
	uint64_t	 heard_ms;
	char		 addr[INET6_ADDRSTRLEN];
};

struct ruleset {
	int		 local_ok;	/* a digest of ours */
	uint8_t		 local[RS_DIGEST_LEN];
	int		 unsent;	/* changed since the last heartbeat */
	uint64_t	 sent_ms;
	struct rs_peer	 peers[PEER_MAX];
	enum rs_state	 state;
	enum rs_state	 definite;	/* the last same or differs */
	uint64_t	 since;		/* unix time of the last change */
	char		 why[64];	/* of unknown */
	char		 text[128];	/* for carpctl */
	char		 hex[2 * MSG_RULESET_LEN + 1];
};

static void
rs_hex(const uint8_t *d, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < MSG_RULESET_LEN && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, len - 2 * i, "%02x", d[i]);
}

static int
rs_live(const struct rs_peer *p, uint64_t now)
{
	return (p->node != 0 && now - p->heard_ms < SYNCD_DEAD_MS);
}

/* The sentence carpctl shows. */
static void
rs_text(struct ruleset *rs, const struct rs_peer *from)
{
	char		 ts[32];
	time_t		 t = (time_t)rs->since;
	struct tm	 tm;

	switch (rs->state) {
	case RS_SAME:
		strlcpy(rs->text, "same as peer", sizeof(rs->text));
		break;
	case RS_DIFFERS:
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S",
		    localtime_r(&t, &tm));
		snprintf(rs->text, sizeof(rs->text), "differs from %s since %s",
		    from != NULL ? from->addr : "a peer", ts);
		break;
	default:
		snprintf(rs->text, sizeof(rs->text), "unknown: %s", rs->why);
		break;
	}
}

/* A new state: logged; counted when it turns from same to differs or
 * back (through unknown or not); the demotion follows. */
static void
rs_enter(struct syncd *sc, enum rs_state to, const struct rs_peer *from)
{
	struct ruleset	*rs = sc->ruleset;
	char		 theirs[2 * MSG_RULESET_LEN + 1] = "";

	rs->state = to;
	rs->since = (uint64_t)time(NULL);
	rs_text(rs, from);
	if (to != RS_UNKNOWN && to != rs->definite) {
		sc->st.ruleset_changes++;
		rs->definite = to;
	}
	if (to == RS_DIFFERS) {
		rs_hex(from->digest, theirs, sizeof(theirs));
		log_warnx("ruleset: differs from %s (node %08x): ours %s, "
		    "theirs %s", from->addr, from->node, rs->hex, theirs);
	} else
		log_info("ruleset: %s", rs->text);
	syncd_demote(sc);
}

/* Differs if a live peer's digest differs; same if one's is ours;
 * unknown otherwise. */
static void
rs_eval(struct syncd *sc, uint64_t now)
{
	struct ruleset		*rs = sc->ruleset;
	const struct rs_peer	*p, *differs = NULL, *same = NULL;
	enum rs_state		 to;
	size_t			 i;

	for (i = 0; rs->local_ok && i < PEER_MAX; i++) {
		p = &rs->peers[i];
		if (!rs_live(p, now))
			continue;
		if (memcmp(p->digest, rs->local, MSG_RULESET_LEN) != 0) {
			if (differs == NULL)
				differs = p;
		} else
			same = p;
	}
	to = differs != NULL ? RS_DIFFERS : same != NULL ? RS_SAME :
	    RS_UNKNOWN;
	if (to == RS_UNKNOWN && rs->local_ok)
		strlcpy(rs->why, "no digest from a live peer",
		    sizeof(rs->why));
	if (to != rs->state)
		rs_enter(sc, to, differs);
	else if (to == RS_UNKNOWN)
		rs_text(rs, NULL);
}

/* From ruleset_kern.c: the ruleset as it is now (NULL: unreadable). */
static void
ruleset_local(const uint8_t *digest, void *arg)
{
	struct syncd	*sc = arg;
	struct ruleset	*rs = sc->ruleset;
	uint64_t	 now = clock_ms();

	if (digest == NULL) {
		rs->local_ok = 0;
		strlcpy(rs->why, "cannot read our ruleset", sizeof(rs->why));
	} else if (!rs->local_ok ||
	    memcmp(digest, rs->local, RS_DIGEST_LEN) != 0) {
		memcpy(rs->local, digest, RS_DIGEST_LEN);
		rs->local_ok = 1;
		rs->unsent = 1;
		rs_hex(digest, rs->hex, sizeof(rs->hex));
		log_info("ruleset: digest %s", rs->hex);
	} else
		return;
	rs_eval(sc, now);
	/* the peers hear of it now, not at the next heartbeat */
	if (rs->unsent && sc->link != NULL)
		tx_send(sc, 1, now);
}

void
ruleset_start(struct syncd *sc)
{
	struct ruleset	*rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("ruleset");
	sc->ruleset = rs;
	strlcpy(rs->why, "reading our ruleset", sizeof(rs->why));
	rs->definite = RS_SAME;
	rs_text(rs, NULL);
	if (rk_open(sc->base, ruleset_local, sc) == -1) {
		log_warn("ruleset: cannot watch nftables, no digest");
		snprintf(rs->why, sizeof(rs->why), "cannot watch nftables");
		rs_text(rs, NULL);
	}
}

void
ruleset_stop(struct syncd *sc)
{
	if (sc->ruleset == NULL)
		return;
	rk_close();
	free(sc->ruleset);
	sc->ruleset = NULL;
}

size_t
ruleset_wire(struct syncd *sc, int heartbeat, uint64_t now,
    uint8_t out[MSG_RULESET_LEN])
{
	struct ruleset	*rs = sc->ruleset;

	if (rs == NULL || !rs->local_ok)
		return (0);
	if (!heartbeat && !rs->unsent &&
	    now - rs->sent_ms < SYNCD_HEARTBEAT_MS)
		return (0);
	rs->unsent = 0;
	rs->sent_ms = now;
	memcpy(out, rs->local, MSG_RULESET_LEN);
	return (MSG_RULESET_LEN);
}

/* The peer's slot: its own, a free one, or the one heard least lately. */
static struct rs_peer *
rs_peer(struct ruleset *rs, uint32_t node)
{
	struct rs_peer	*p, *old = &rs->peers[0];
	size_t		 i;

	for (i = 0; i < PEER_MAX; i++)
		if (rs->peers[i].node == node)
			return (&rs->peers[i]);
	for (i = 0; i < PEER_MAX; i++) {
		p = &rs->peers[i];
		if (p->node == 0)
			return (p);
		if (p->heard_ms < old->heard_ms)
			old = p;
	}
	return (old);
}

void
ruleset_heard(struct syncd *sc, uint32_t node,
    const struct sockaddr_storage *from,
    const uint8_t digest[MSG_RULESET_LEN], uint64_t now)
{
	struct rs_peer	*p;

	if (sc->ruleset == NULL || node == 0)
		return;
	p = rs_peer(sc->ruleset, node);
	if (p->node != node) {
		memset(p, 0, sizeof(*p));
		p->node = node;
		conf_sa_print(from, p->addr, sizeof(p->addr));
	}
	memcpy(p->digest, digest, MSG_RULESET_LEN);
	p->heard_ms = now;
	rs_eval(sc, now);
}

void
ruleset_tick(struct syncd *sc, uint64_t now)
{
	if (sc->ruleset != NULL)
		rs_eval(sc, now);
}

int
ruleset_demotion(const struct syncd *sc)
{
	if (sc->ruleset == NULL || sc->ruleset->state != RS_DIFFERS)
		return (0);
	return (sc->cs->ruleset_demote);
}

#define SET(f, v)	do { s->has_##f = 1; s->f = (v); } while (0)

void
ruleset_fill(const struct syncd *sc, CtlSync *s)
{
	const struct ruleset	*rs = sc->ruleset;

	SET(ruleset_changes, sc->st.ruleset_changes);
	if (rs == NULL)
		return;
	s->ruleset = (char *)(uintptr_t)rs->text;
	SET(ruleset_since, rs->since);
	SET(ruleset_differs, rs->state == RS_DIFFERS);
	if (rs->local_ok)
		s->ruleset_digest = (char *)(uintptr_t)rs->hex;
}
