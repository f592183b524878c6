/* Dropped adverts in the log. A dropped advert is counted by reason where
 * it is dropped: in net.c for what the IP layer shows, in carp_input
 * (fsm.c) for the rest. net.c, which reads every packet, takes the drop
 * counters before and after each one (net_drop_before/after), and a
 * counter that moved makes at most one line per reason and
 * NET_DROP_INTERVAL: a flood of bad adverts costs a few log lines, not
 * one per packet. The lines name the last source. Other vhids on a shared
 * LAN are normal: debug only. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <event2/event.h>

#include "carpd.h"
#include "log.h"
#include "net.h"

#define NET_DROP_INTERVAL	10	/* s between lines of one reason */

struct net_drop {
	const char		*why;
	size_t			 off;	/* in carpd, or carp_counters */
	int			 in_env;
	int			 debug;
	struct log_rate		 rl;
	struct sockaddr_storage	 last;	/* source of the last one */
};

#define NET_DROP_ENV(f, why, dbg) { why, offsetof(struct carpd, f), 1, dbg }
#define NET_DROP_CARP(f, why) { why, offsetof(struct carp_counters, f), 0, 0 }

static struct net_drop net_drops[NET_NDROPS] = {
	NET_DROP_ENV(bad_packets, "truncated or malformed", 0),
	NET_DROP_ENV(unknown_vhid, "unknown vhid", 1),
	NET_DROP_CARP(bad_ttl, "bad TTL"),
	NET_DROP_CARP(bad_checksum, "bad checksum"),
	NET_DROP_CARP(bad_version, "bad version, type or authlen"),
	NET_DROP_CARP(bad_length, "bad length"),
	NET_DROP_CARP(bad_hmac, "bad digest"),
	NET_DROP_CARP(replays, "replay"),
	NET_DROP_CARP(loops, "our own advert"),
};

static struct {
	struct carpd	*env;
	struct event	*timer;		/* says held-back drops */
} drop;

static void	net_drop_say(struct net_drop *, uint64_t);
static void	net_drop_flush(evutil_socket_t, short, void *);

int
net_drop_init(struct carpd *env)
{
	drop.env = env;
	if ((drop.timer = evtimer_new(env->base, net_drop_flush, NULL)) ==
	    NULL)
		return (-1);
	return (0);
}

void
net_drop_cleanup(void)
{
	if (drop.timer != NULL)
		event_free(drop.timer);
	drop.timer = NULL;
}

/* The drop counters, in net_drops order: the daemon's own, or the sum
 * over every carp. */
void
net_drop_before(uint64_t *v)
{
	const struct carp_if	*cif;
	const uint8_t		*base;
	uint64_t		 n;
	size_t			 i;

	for (i = 0; i < NET_NDROPS; i++) {
		if (net_drops[i].in_env) {
			base = (const uint8_t *)drop.env;
			memcpy(&v[i], base + net_drops[i].off, sizeof(v[i]));
			continue;
		}
		v[i] = 0;
		TAILQ_FOREACH(cif, &drop.env->carps, entry) {
			base = (const uint8_t *)&cif->cnt;
			memcpy(&n, base + net_drops[i].off, sizeof(n));
			v[i] += n;
		}
	}
}

/* One summary line: how many since the last line, why, the last source. */
static void
net_drop_say(struct net_drop *d, uint64_t n)
{
	char	 buf[INET6_ADDRSTRLEN];

	conf_sa_print(&d->last, buf, sizeof(buf));
	if (d->debug)
		log_debug("net: dropped %llu adverts: %s (last from %s)",
		    (unsigned long long)n, d->why, buf);
	else
		log_warnx("net: dropped %llu adverts: %s (last from %s)",
		    (unsigned long long)n, d->why, buf);
}

/* Drops held back are said once their interval is over, even if the
 * flood has stopped by then; the timer runs only while some wait. */
static void
net_drop_flush(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { 1, 0 };
	uint64_t	 n;
	size_t		 i;
	int		 waiting = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	for (i = 0; i < NET_NDROPS; i++) {
		if ((n = log_ratelimit_flush(&net_drops[i].rl,
		    NET_DROP_INTERVAL)) > 0)
			net_drop_say(&net_drops[i], n);
		waiting |= net_drops[i].rl.count > 0;
	}
	if (waiting)
		evtimer_add(drop.timer, &tv);
}

/* Compare with the counters before the packet: a moved one is a drop. */
void
net_drop_after(const uint64_t *before, const struct sockaddr *src)
{
	struct timeval	 tv = { NET_DROP_INTERVAL, 0 };
	struct net_drop	*d;
	uint64_t	 after[NET_NDROPS], n;
	size_t		 i;

	net_drop_before(after);
	for (i = 0; i < NET_NDROPS; i++) {
		if (after[i] == before[i])
			continue;
		d = &net_drops[i];
		memset(&d->last, 0, sizeof(d->last));
		if (src != NULL)
			memcpy(&d->last, src, src->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in));
		if ((n = log_ratelimit(&d->rl, NET_DROP_INTERVAL)) > 0)
			net_drop_say(d, n);
		else if (!evtimer_pending(drop.timer, NULL))
			evtimer_add(drop.timer, &tv);
	}
}
