/* syncd's demote holds on carpd: one non-blocking connection, kept up
 * with backoff while carpd is away, every hold re-sent after a reconnect
 * (carpd releases a client's holds when its connection closes). The same
 * connection may watch carpd's monitor stream, so that syncd learns of
 * state changes as they happen instead of asking. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "compat.h"
#include "ctl.h"
#include "ctl_priv.h"
#include "log.h"

#define CTL_BACKOFF_MIN_MS	100
#define CTL_BACKOFF_MAX_MS	5000

struct ctl_hold {
	char		 group[64];
	int		 n;
};

struct ctl_holder {
	struct event_base	*base;
	char			 path[CTL_PATHMAX];
	char			 who[32];
	struct bufferevent	*bev;		/* NULL: not connected */
	struct event		*ev_retry;
	int			 backoff_ms;
	int			 warned;	/* absence logged once */
	struct ctl_hold		 holds[CTL_MAXHOLDS];
	ctl_holder_watch_cb	 watch;
	void			*watch_arg;
};

static void	ctl_holder_connect(evutil_socket_t, short, void *);

static void
ctl_holder_retry(struct ctl_holder *h)
{
	struct timeval	 tv;

	tv.tv_sec = h->backoff_ms / 1000;
	tv.tv_usec = (h->backoff_ms % 1000) * 1000;
	evtimer_add(h->ev_retry, &tv);
	h->backoff_ms *= 2;
	if (h->backoff_ms > CTL_BACKOFF_MAX_MS)
		h->backoff_ms = CTL_BACKOFF_MAX_MS;
}

static void
ctl_holder_lost(struct ctl_holder *h, const char *why)
{
	log_warnx("control: %s: %s, reconnecting", h->path, why);
	bufferevent_free(h->bev);
	h->bev = NULL;
	h->backoff_ms = CTL_BACKOFF_MIN_MS;
	ctl_holder_retry(h);
	if (h->watch != NULL)
		h->watch(NULL, h->watch_arg);
}

static void
ctl_holder_write(struct ctl_holder *h, CtlRequest *req, const char *what)
{
	uint8_t		*buf;
	size_t		 len;

	if ((buf = ctl_frame_pack(&req->base, &len)) == NULL) {
		log_warn("control: %s", what);
		return;
	}
	if (bufferevent_write(h->bev, buf, len) == -1)
		log_warnx("control: %s not sent", what);
	free(buf);
}

static void
ctl_holder_monitor(struct ctl_holder *h)
{
	CtlRequest	 req;

	ctl_request_init(&req, CTL_COMMAND__MONITOR);
	req.who = h->who;
	ctl_holder_write(h, &req, "monitor request");
}

static void
ctl_holder_send(struct ctl_holder *h, const struct ctl_hold *hd)
{
	CtlRequest	 req;

	ctl_request_init(&req, hd->n > 0 ? CTL_COMMAND__HOLD :
	    CTL_COMMAND__RELEASE);
	req.group = (char *)(uintptr_t)hd->group;
	req.who = h->who;
	if (hd->n > 0) {
		req.has_count = 1;
		req.count = hd->n;
	}
	ctl_holder_write(h, &req, "hold");
}

/* carpd answers every HOLD/RELEASE; only refusals matter here. A frame
 * without end belongs to the monitor stream: its acknowledgement (every
 * carp as it is now) or an event, both for the watcher. */
static void
ctl_holder_read(struct bufferevent *bev, void *arg)
{
	struct ctl_holder	*h = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	uint8_t			*p;
	CtlReply		*rep;
	size_t			 n;
	ssize_t			 flen;

	for (;;) {
		if ((flen = ctl_frame_peek(in, &n)) == 0)
			return;
		if (flen == -1 || (p = evbuffer_pullup(in, flen)) == NULL ||
		    (rep = ctl_reply_unpack(p + CTL_HDRLEN, n)) == NULL) {
			ctl_holder_lost(h, "garbage from the daemon");
			return;
		}
		if (rep->has_result && rep->result != CTL_RESULT__OK)
			log_warnx("control: %s refused a hold: %s%s%s", h->path,
			    ctl_result_str(rep->result), rep->reason ? ": " :
			    "", rep->reason ? rep->reason : "");
		else if (!rep->end && h->watch != NULL)
			h->watch(rep, h->watch_arg);
		ctl_reply_free(rep);
		evbuffer_drain(in, flen);
	}
}

static void
ctl_holder_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_holder_lost(arg, "connection lost");
}

/* AF_UNIX connect() never goes EINPROGRESS: it succeeds or fails at once,
 * so a non-blocking socket keeps this from ever blocking syncd. */
static void
ctl_holder_connect(evutil_socket_t unused, short ev, void *arg)
{
	struct ctl_holder	*h = arg;
	struct sockaddr_un	 sun;
	int			 fd, i;

	(void)unused;
	(void)ev;
	if (ctl_sun(h->path, &sun) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		ctl_holder_retry(h);
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (h->bev = bufferevent_socket_new(h->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (!h->warned++)
			log_warn("control: connect %s, will retry", h->path);
		close(fd);
		ctl_holder_retry(h);
		return;
	}
	log_info("control: connected to %s", h->path);
	h->warned = 0;
	h->backoff_ms = CTL_BACKOFF_MIN_MS;
	bufferevent_setcb(h->bev, ctl_holder_read, NULL, ctl_holder_event, h);
	bufferevent_enable(h->bev, EV_READ);
	/* carpd released everything when the old connection closed */
	for (i = 0; i < CTL_MAXHOLDS; i++)
		if (h->holds[i].n > 0)
			ctl_holder_send(h, &h->holds[i]);
	if (h->watch != NULL)
		ctl_holder_monitor(h);
}

struct ctl_holder *
ctl_holder_new(struct event_base *base, const char *path, const char *who)
{
	struct ctl_holder	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->base = base;
	h->backoff_ms = CTL_BACKOFF_MIN_MS;
	if (strlcpy(h->path, path, sizeof(h->path)) >= sizeof(h->path) ||
	    (h->ev_retry = evtimer_new(base, ctl_holder_connect, h)) == NULL) {
		free(h);
		return (NULL);
	}
	strlcpy(h->who, who != NULL ? who : "client", sizeof(h->who));
	ctl_holder_connect(-1, 0, h);
	return (h);
}

void
ctl_holder_free(struct ctl_holder *h)
{
	if (h == NULL)
		return;
	if (h->bev != NULL)
		bufferevent_free(h->bev);	/* carpd releases on close */
	event_free(h->ev_retry);
	free(h);
}

void
ctl_holder_watch(struct ctl_holder *h, ctl_holder_watch_cb cb, void *arg)
{
	int	 was = h->watch != NULL;

	h->watch = cb;
	h->watch_arg = arg;
	if (h->bev != NULL && cb != NULL && !was)
		ctl_holder_monitor(h);
}

int
ctl_holder_connected(const struct ctl_holder *h)
{
	return (h->bev != NULL);
}

static struct ctl_hold *
ctl_holder_slot(struct ctl_holder *h, const char *group, int create)
{
	struct ctl_hold	*free_slot = NULL;
	int		 i;

	for (i = 0; i < CTL_MAXHOLDS; i++) {
		if (h->holds[i].group[0] == '\0') {
			if (free_slot == NULL)
				free_slot = &h->holds[i];
		} else if (strcmp(h->holds[i].group, group) == 0)
			return (&h->holds[i]);
	}
	if (!create || free_slot == NULL)
		return (NULL);
	strlcpy(free_slot->group, group, sizeof(free_slot->group));
	return (free_slot);
}

int
ctl_holder_set(struct ctl_holder *h, const char *group, int n)
{
	struct ctl_hold	*hd;

	if (n < 0 || n > 255 || group[0] == '\0' ||
	    strlen(group) >= sizeof(hd->group))
		return (-1);
	if ((hd = ctl_holder_slot(h, group, n > 0)) == NULL)
		return (n > 0 ? -1 : 0);
	if (hd->n == n)
		return (0);
	hd->n = n;
	if (h->bev != NULL)
		ctl_holder_send(h, hd);
	if (n == 0)
		memset(hd, 0, sizeof(*hd));
	return (0);
}
