/* The libevent control server of the daemons' control.c.
 *
 * The server trusts nothing a client sends: a frame longer than
 * CTL_MAX_FRAME or one that does not decode is answered, counted and the
 * client dropped, because after garbage the stream has no frame boundary
 * left to resynchronise on. A request of another version is answered
 * with ERR_VERSION and the connection kept.
 *
 * Nor may a client keep the socket from others (hardening bug 8): the
 * limits of ctl_limit.c are checked at accept and refusals answered
 * with ERR_LIMIT; a client gets idle_ms to send each whole request
 * unless it subscribed (ctl_conn_keep), and one that does not read its
 * replies is dropped once max_output is queued. Each is counted by
 * reason, and logged at most once per CTL_NOTE_SEC, since a hostile
 * client can cause them as fast as it connects. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "compat.h"
#include "ctl.h"
#include "ctl_priv.h"
#include "log.h"

#define CTL_NOTE_SEC	10

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl_server	*srv;
	struct bufferevent	*bev;
	struct event		*ev_drop;
	struct event		*ev_idle;
	void			*data;
	pid_t			 pid;
	uid_t			 uid;
	int			 kept;		/* subscribed: never idle */
	int			 closing;	/* answered: flush, close */
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
	struct ctl_limits	 lim;
	struct log_rate		 note_rl;	/* of ctl_server_note */
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

/* One warning per CTL_NOTE_SEC at most, with the count left out. */
static void __attribute__((format(printf, 2, 3)))
ctl_server_note(struct ctl_server *srv, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[256];
	uint64_t	 n;

	if ((n = log_ratelimit(&srv->note_rl, CTL_NOTE_SEC)) == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 1)
		log_warnx("%s (%llu more control notices not logged)", msg,
		    (unsigned long long)(n - 1));
	else
		log_warnx("%s", msg);
}

/* Time for the next whole request, from connect or the last one. */
static void
ctl_conn_idle_arm(struct ctl_conn *c)
{
	struct timeval	 tv;

	tv.tv_sec = c->srv->lim.idle_ms / 1000;
	tv.tv_usec = (c->srv->lim.idle_ms % 1000) * 1000;
	evtimer_add(c->ev_idle, &tv);
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
 * be parsed, and an idle client has had its time. If the answer cannot
 * go out either, the idle timer closes the connection anyway. */
static void
ctl_conn_close(struct ctl_conn *c, CtlResult r, const char *why)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	ctl_server_note(c->srv, "control: client pid %ld uid %ld: %s, "
	    "disconnecting", (long)c->pid, (long)c->uid, why);
	ctl_conn_result(c, r, "%s", why);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(in, evbuffer_get_length(in));
	ctl_conn_idle_arm(c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		ctl_conn_drop(c);
}

static void
ctl_conn_fail(struct ctl_conn *c, CtlResult r, const char *why)
{
	c->srv->stats.bad_frames++;
	ctl_conn_close(c, r, why);
}

static void
ctl_conn_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_conn	*c = arg;
	char		 why[64];

	(void)fd;
	(void)ev;
	if (c->closing) {
		ctl_conn_drop(c);
		return;
	}
	c->srv->stats.closed_idle++;
	snprintf(why, sizeof(why), "no whole request within %u ms",
	    c->srv->lim.idle_ms);
	ctl_conn_close(c, CTL_RESULT__ERR_LIMIT, why);
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
		if (c->closing)
			return;
		evbuffer_drain(in, flen);
		if (!c->kept && !c->dropping)
			ctl_conn_idle_arm(c);
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
	event_free(c->ev_idle);
	free(c);
}

static void
ctl_conn_new(struct ctl_server *srv, int fd, const struct ucred *cred)
{
	struct ctl_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control: new client");
		close(fd);
		return;
	}
	c->srv = srv;
	c->pid = cred->pid;
	c->uid = cred->uid;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_drop = evtimer_new(srv->base, ctl_conn_drop_cb, c);
	c->ev_idle = evtimer_new(srv->base, ctl_conn_idle_cb, c);
	if (c->bev == NULL || c->ev_drop == NULL || c->ev_idle == NULL) {
		log_warnx("control: new client: out of memory");
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->ev_drop != NULL)
			event_free(c->ev_drop);
		if (c->ev_idle != NULL)
			event_free(c->ev_idle);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, ctl_conn_read, ctl_conn_write,
	    ctl_conn_event, c);
	/* input held at one whole frame: a frame is never more */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_HDRLEN + CTL_MAX_FRAME);
	bufferevent_enable(c->bev, EV_READ);
	ctl_conn_idle_arm(c);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->stats.clients++;
	log_debug("control: client pid %ld uid %ld connected", (long)c->pid,
	    (long)c->uid);
}

/* The daemon's own user is asked at each use (geteuid), not kept: a
 * daemon may switch to its configured user after opening the socket. */
static void
ctl_server_census(const struct ctl_server *srv, uid_t uid,
    struct ctl_census *n)
{
	const struct ctl_conn	*c;

	memset(n, 0, sizeof(*n));
	TAILQ_FOREACH(c, &srv->conns, entry) {
		n->total++;
		if (!ctl_uid_privileged(c->uid, geteuid()))
			n->unpriv++;
		if (c->uid == uid)
			n->same_uid++;
	}
}

/* Tell a refused client why, if its socket takes one small frame at
 * once (a fresh one does), then close. */
static void
ctl_server_refuse(struct ctl_server *srv, int fd, const struct ucred *cred,
    enum ctl_admit why)
{
	CtlReply	 rep;
	uint8_t		*buf;
	size_t		 len;
	char		 reason[96];

	if (why == CTL_REFUSE_UID) {
		srv->stats.refused_uid++;
		snprintf(reason, sizeof(reason), "uid %ld has %u control "
		    "connections already", (long)cred->uid,
		    srv->lim.max_per_uid);
	} else {
		srv->stats.refused_full++;
		snprintf(reason, sizeof(reason), "too many control clients");
	}
	ctl_server_note(srv, "control: refused client pid %ld uid %ld: %s",
	    (long)cred->pid, (long)cred->uid, reason);
	ctl_reply_init(&rep, CTL_RESULT__ERR_LIMIT, reason);
	rep.has_end = rep.end = 1;
	if ((buf = ctl_frame_pack(&rep.base, &len)) != NULL) {
		(void)send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(buf);
	}
	close(fd);
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
	struct ctl_census	 n;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	enum ctl_admit		 a;
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
	/* unknown credentials: an unprivileged nobody */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		cred.pid = -1;
		cred.uid = (uid_t)-1;
	}
	ctl_server_census(srv, cred.uid, &n);
	if ((a = ctl_admit(&srv->lim, &n, cred.uid, geteuid())) != CTL_ADMIT)
		ctl_server_refuse(srv, fd, &cred, a);
	else
		ctl_conn_new(srv, fd, &cred);
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
	srv->lim = ctl_limits_default;
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

/* The socket stays 0660; only its group changes, so that members of
 * control-group may connect (and then only read: ctl_may). */
int
ctl_server_group(struct ctl_server *srv, const char *group)
{
	struct group	*gr;

	errno = 0;
	if ((gr = getgrnam(group)) == NULL) {
		if (errno != 0)
			log_warn("control-group %s", group);
		else
			log_warnx("control-group %s: no such group", group);
		return (-1);
	}
	if (chown(srv->path, (uid_t)-1, gr->gr_gid) == -1) {
		log_warn("control socket %s: group %s", srv->path, group);
		return (-1);
	}
	log_debug("control: socket %s group %s", srv->path, group);
	return (0);
}

void
ctl_server_limits(struct ctl_server *srv, const struct ctl_limits *lim)
{
	srv->lim = *lim;
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
	if (evbuffer_get_length(out) > c->srv->lim.max_output) {
		c->srv->stats.closed_slow++;
		ctl_server_note(c->srv, "control: client pid %ld uid %ld does "
		    "not read its replies, dropping it", (long)c->pid,
		    (long)c->uid);
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
ctl_conn_keep(struct ctl_conn *c)
{
	c->kept = 1;
	if (!c->closing)
		evtimer_del(c->ev_idle);
}

int
ctl_conn_allow(struct ctl_conn *c, int write, int cmd)
{
	if (ctl_may(c->uid, geteuid(), write))
		return (1);
	c->srv->stats.denied++;
	ctl_server_note(c->srv, "control: uid %ld may not %s (read-only)",
	    (long)c->uid, ctl_command_str(cmd));
	ctl_conn_result(c, CTL_RESULT__ERR_PERMISSION, "%s changes state: "
	    "only root may, uid %ld may only read", ctl_command_str(cmd),
	    (long)c->uid);
	return (0);
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
	return (ctl_uid_privileged(c->uid, geteuid()));
}
