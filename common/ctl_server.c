/* The libevent control server of the daemons' control.c.
 *
 * The server trusts nothing a client sends: a frame longer than
 * CTL_MAX_FRAME or one that does not decode is answered, counted and the
 * client dropped, because after garbage the stream has no frame boundary
 * left to resynchronise on. A request of another version is answered
 * with ERR_VERSION and the connection kept. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "compat.h"
#include "ctl.h"
#include "ctl_priv.h"
#include "log.h"

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl_server	*srv;
	struct bufferevent	*bev;
	struct event		*ev_drop;
	void			*data;
	pid_t			 pid;
	uid_t			 uid;
	int			 closing;	/* answered garbage: flush, close */
	int			 dropping;	/* freed from ev_drop */
};

struct ctl_server {
	struct event_base	*base;
	char			 path[CTL_PATHMAX];
	int			 fd;
	struct event		*ev_accept;
	struct event		*ev_pause;	/* accept paused on EMFILE */
	struct ctl_server_cb	 cb;
	void			*arg;
	struct ctl_server_stats	 stats;
	TAILQ_HEAD(, ctl_conn)	 conns;
};

static void	ctl_conn_free(struct ctl_conn *);

/* A daemon that still answers on the path owns it; anything else there
 * is a leftover of a crash and is removed (bgpd control_check). */
static int
ctl_server_stale(const char *path)
{
	int	 fd;

	if ((fd = ctl_connect(path, 1000)) != -1) {
		close(fd);
		log_warnx("control socket %s is in use by another daemon",
		    path);
		errno = EADDRINUSE;
		return (-1);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("unlink %s", path);
		return (-1);
	}
	return (0);
}

static int
ctl_server_listen(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	if (ctl_sun(path, &sun) == -1) {
		log_warn("control socket %s", path);
		return (-1);
	}
	if (ctl_server_stale(path) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return (-1);
	}
	/* umask around bind: the socket is never briefly world-writable */
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", path);
		close(fd);
		return (-1);
	}
	umask(old);
	if (chmod(path, 0660) == -1 || listen(fd, 16) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		unlink(path);
		return (-1);
	}
	return (fd);
}

static void
ctl_conn_drop_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	ctl_conn_free(arg);
}

/* Free from the event loop, never from under a caller's feet. */
static void
ctl_conn_drop(struct ctl_conn *c)
{
	if (c->dropping)
		return;
	c->dropping = 1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->ev_drop, EV_TIMEOUT, 0);
}

/* Answer, then close once the answer is out: nothing after garbage can
 * be parsed. */
static void
ctl_conn_fail(struct ctl_conn *c, CtlResult r, const char *why)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	log_warnx("control: client pid %ld: %s, disconnecting", (long)c->pid,
	    why);
	c->srv->stats.bad_frames++;
	ctl_conn_result(c, r, "%s", why);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		ctl_conn_drop(c);
}

static void
ctl_conn_request(struct ctl_conn *c, const uint8_t *body, size_t len)
{
	struct ctl_server	*srv = c->srv;
	CtlRequest		*req;

	srv->stats.requests++;
	if ((req = ctl_request_unpack(body, len)) == NULL) {
		ctl_conn_fail(c, CTL_RESULT__ERR_BAD_REQUEST,
		    "request does not decode");
		return;
	}
	if (!req->has_version || req->version != CTL_VERSION)
		ctl_conn_result(c, CTL_RESULT__ERR_VERSION,
		    "request version %u, this daemon speaks %d",
		    req->has_version ? req->version : 0, CTL_VERSION);
	else
		srv->cb.request(c, req, srv->arg);
	ctl_request_free(req);
}

static void
ctl_conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		*p;
	size_t		 n;
	ssize_t		 flen;

	while (!c->closing && !c->dropping) {
		if ((flen = ctl_frame_peek(in, &n)) == 0)
			return;
		if (flen == -1) {
			ctl_conn_fail(c, CTL_RESULT__ERR_FRAME,
			    "frame length out of range");
			return;
		}
		if ((p = evbuffer_pullup(in, flen)) == NULL) {
			ctl_conn_fail(c, CTL_RESULT__ERR_INTERNAL,
			    "out of memory");
			return;
		}
		ctl_conn_request(c, p + CTL_HDRLEN, n);
		if (!c->closing)
			evbuffer_drain(in, flen);
	}
}

static void
ctl_conn_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;

	(void)bev;
	if (c->closing)
		ctl_conn_drop(c);
}

static void
ctl_conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_conn_drop(arg);
}

static void
ctl_conn_free(struct ctl_conn *c)
{
	struct ctl_server	*srv = c->srv;

	if (srv->cb.close != NULL)
		srv->cb.close(c, srv->arg);
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->stats.clients--;
	log_debug("control: client pid %ld gone", (long)c->pid);
	bufferevent_free(c->bev);
	event_free(c->ev_drop);
	free(c);
}

static void
ctl_conn_new(struct ctl_server *srv, int fd)
{
	struct ctl_conn	*c;
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control: new client");
		close(fd);
		return;
	}
	c->srv = srv;
	c->pid = -1;
	c->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->pid = cred.pid;
		c->uid = cred.uid;
	}
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_drop = evtimer_new(srv->base, ctl_conn_drop_cb, c);
	if (c->bev == NULL || c->ev_drop == NULL) {
		log_warnx("control: new client: out of memory");
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->ev_drop != NULL)
			event_free(c->ev_drop);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, ctl_conn_read, ctl_conn_write,
	    ctl_conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->stats.clients++;
	log_debug("control: client pid %ld uid %ld connected", (long)c->pid,
	    (long)c->uid);
}

static void
ctl_server_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_server	*srv = arg;

	(void)fd;
	(void)ev;
	event_add(srv->ev_accept, NULL);
}

static void
ctl_server_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct ctl_server	*srv = arg;
	struct timeval		 tv = { 1, 0 };
	int			 fd;

	(void)ev;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* out of descriptors: pause instead of spinning */
			log_warn("control: accept");
			event_del(srv->ev_accept);
			evtimer_add(srv->ev_pause, &tv);
		} else if (errno != EINTR && errno != EAGAIN &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (srv->stats.clients >= CTL_MAX_CLIENTS) {
		log_warnx("control: too many clients, refusing one");
		close(fd);
		return;
	}
	ctl_conn_new(srv, fd);
}

/* The daemon stops: send what is queued (monitor's END) without the
 * loop, and shut the socket so the client sees EOF although libevent
 * closes it only later. The bufferevent is going away, so taking the
 * drain side of its output back from it is safe. */
static void
ctl_conn_last_words(struct ctl_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	int		 fd = bufferevent_getfd(c->bev);

	evbuffer_unfreeze(out, 1);
	(void)evbuffer_write(out, fd);
	shutdown(fd, SHUT_RDWR);
}

struct ctl_server *
ctl_server_new(struct event_base *base, const char *path,
    const struct ctl_server_cb *cb, void *arg)
{
	struct ctl_server	*srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_warn("control server");
		return (NULL);
	}
	TAILQ_INIT(&srv->conns);
	srv->base = base;
	srv->cb = *cb;
	srv->arg = arg;
	strlcpy(srv->path, path, sizeof(srv->path));
	if ((srv->fd = ctl_server_listen(path)) == -1) {
		free(srv);
		return (NULL);
	}
	srv->ev_accept = event_new(base, srv->fd, EV_READ | EV_PERSIST,
	    ctl_server_accept, srv);
	srv->ev_pause = evtimer_new(base, ctl_server_resume, srv);
	if (srv->ev_accept == NULL || srv->ev_pause == NULL ||
	    event_add(srv->ev_accept, NULL) == -1) {
		log_warnx("control server: cannot add events");
		ctl_server_free(srv);
		return (NULL);
	}
	log_debug("control: listening on %s", path);
	return (srv);
}

void
ctl_server_free(struct ctl_server *srv)
{
	struct ctl_conn	*c;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL) {
		ctl_conn_last_words(c);
		ctl_conn_free(c);
	}
	if (srv->ev_accept != NULL)
		event_free(srv->ev_accept);
	if (srv->ev_pause != NULL)
		event_free(srv->ev_pause);
	close(srv->fd);
	unlink(srv->path);
	free(srv);
}

const struct ctl_server_stats *
ctl_server_stats(const struct ctl_server *srv)
{
	return (&srv->stats);
}

void
ctl_server_foreach(struct ctl_server *srv,
    void (*fn)(struct ctl_conn *, void *), void *arg)
{
	struct ctl_conn	*c;

	/* frees are deferred to the loop, so plain iteration is safe */
	TAILQ_FOREACH(c, &srv->conns, entry)
		if (!c->dropping && !c->closing)
			fn(c, arg);
}

int
ctl_conn_send(struct ctl_conn *c, CtlReply *rep)
{
	struct evbuffer	*out;
	uint8_t		*buf;
	size_t		 len;

	if (c->dropping)
		return (-1);
	rep->has_version = 1;
	rep->version = CTL_VERSION;
	if (rep->has_result && rep->result != CTL_RESULT__OK)
		c->srv->stats.errors++;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) > CTL_MAX_OUTPUT) {
		log_warnx("control: client pid %ld does not read its replies, "
		    "dropping it", (long)c->pid);
		ctl_conn_drop(c);
		return (-1);
	}
	if ((buf = ctl_frame_pack(&rep->base, &len)) == NULL) {
		log_warn("control: reply");
		return (ctl_conn_result(c, CTL_RESULT__ERR_INTERNAL,
		    "reply too large"));
	}
	if (bufferevent_write(c->bev, buf, len) == -1) {
		free(buf);
		ctl_conn_drop(c);
		return (-1);
	}
	free(buf);
	return (0);
}

int
ctl_conn_result(struct ctl_conn *c, CtlResult r, const char *fmt, ...)
{
	CtlReply	 rep;
	va_list		 ap;
	char		 reason[512];

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	ctl_reply_init(&rep, r, reason[0] != '\0' ? reason : NULL);
	rep.has_end = 1;
	rep.end = 1;
	return (ctl_conn_send(c, &rep));
}

void
ctl_conn_set_data(struct ctl_conn *c, void *data)
{
	c->data = data;
}

void *
ctl_conn_data(const struct ctl_conn *c)
{
	return (c->data);
}

pid_t
ctl_conn_pid(const struct ctl_conn *c)
{
	return (c->pid);
}

/* The read-only mode: members of the socket's group may look, only root
 * and the daemon's own user may change anything. */
int
ctl_conn_privileged(const struct ctl_conn *c)
{
	return (c->uid == 0 || c->uid == geteuid());
}
