/* Dropped adverts: counted by reason where they are dropped (net.c for
 * what the IP layer shows, carp_input in fsm.c for the rest), through
 * net_drop(), which also logs at most one line per reason and
 * NET_DROP_INTERVAL: a flood of bad adverts costs a few log lines, not
 * one per packet, and nothing per packet beyond the count. The lines name
 * the last source. Other vhids on a shared LAN are normal: debug only. */
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
	int			 debug;
	struct log_rate		 rl;
	struct sockaddr_storage	 last;	/* source of the last one */
};

/* in enum net_drop_why order */
static struct net_drop net_drops[NET_NDROPS] = {
	{ "truncated or malformed", 0 },
	{ "unknown vhid", 1 },
	{ "bad TTL", 0 },
	{ "bad checksum", 0 },
	{ "bad version, type or authlen", 0 },
	{ "bad length", 0 },
	{ "bad digest", 0 },
	{ "replay", 0 },
	{ "our own advert", 0 },
};

static struct {
	struct event	*timer;		/* says held-back drops */
} drop;

static void	net_drop_say(struct net_drop *, uint64_t);
static void	net_drop_flush(evutil_socket_t, short, void *);

int
net_drop_init(struct carpd *env)
{
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

/* A timer says what the rate limit held back; without one (the unit
 * tests of the election) the next drop of that reason says it. */
void
net_drop(uint64_t *counter, enum net_drop_why why, const struct sockaddr *src)
{
	struct timeval	 tv = { NET_DROP_INTERVAL, 0 };
	struct net_drop	*d = &net_drops[why];
	uint64_t	 n;

	(*counter)++;
	memset(&d->last, 0, sizeof(d->last));
	if (src != NULL)
		memcpy(&d->last, src, src->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	if ((n = log_ratelimit(&d->rl, NET_DROP_INTERVAL)) > 0)
		net_drop_say(d, n);
	else if (drop.timer != NULL && !evtimer_pending(drop.timer, NULL))
		evtimer_add(drop.timer, &tv);
}
