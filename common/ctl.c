/* Control-socket protocol: framing and packing of proto/ctl.proto
 * messages, the blocking client of carpctl, the libevent server of the
 * daemons' control.c, and syncd's reconnecting demote-hold client.
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
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "compat.h"
#include "ctl.h"
#include "log.h"

/* ---------------------------------------------------------------- names */

static const char *const ctl_results[] = {
	[CTL_RESULT__OK] = "ok",
	[CTL_RESULT__ERR_VERSION] = "protocol version not supported",
	[CTL_RESULT__ERR_UNKNOWN_COMMAND] = "unknown command",
	[CTL_RESULT__ERR_BAD_REQUEST] = "malformed request",
	[CTL_RESULT__ERR_NO_SUCH_GROUP] = "no such group",
	[CTL_RESULT__ERR_NO_SUCH_CARP] = "no such carp",
	[CTL_RESULT__ERR_RANGE] = "value out of range",
	[CTL_RESULT__ERR_RELOAD] = "reload failed",
	[CTL_RESULT__ERR_INTERNAL] = "internal error",
	[CTL_RESULT__ERR_PERMISSION] = "permission denied",
	[CTL_RESULT__ERR_NO_SUCH_HOLD] = "no such hold",
	[CTL_RESULT__ERR_LIMIT] = "limit reached",
	[CTL_RESULT__ERR_FRAME] = "bad frame",
	[CTL_RESULT__ERR_NOT_SUPPORTED] = "not supported by this daemon",
	[CTL_RESULT__ERR_BUSY] = "busy",
};

const char *
ctl_result_str(int r)
{
	if (r < 0 || (size_t)r >= sizeof(ctl_results) / sizeof(ctl_results[0]) ||
	    ctl_results[r] == NULL)
		return ("unknown result");
	return (ctl_results[r]);
}

const char *
ctl_command_str(int c)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(&ctl_command__descriptor, c);
	return (v != NULL ? v->name : "unknown");
}

const char *
ctl_state_str(int s)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(&ctl_carp_state__descriptor, s);
	return (v != NULL ? v->name : "UNKNOWN");
}

/* -------------------------------------------------------------- packing */

void
ctl_request_init(CtlRequest *req, CtlCommand cmd)
{
	ctl_request__init(req);
	req->has_version = 1;
	req->version = CTL_VERSION;
	req->has_command = 1;
	req->command = cmd;
}

void
ctl_reply_init(CtlReply *rep, CtlResult result, const char *reason)
{
	ctl_reply__init(rep);
	rep->has_version = 1;
	rep->version = CTL_VERSION;
	rep->has_result = 1;
	rep->result = result;
	rep->reason = (char *)(uintptr_t)reason;	/* packed, not freed */
}

uint8_t *
ctl_frame_pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t		*buf;
	size_t		 body;

	body = protobuf_c_message_get_packed_size(m);
	if (body == 0 || body > CTL_MAX_FRAME) {
		errno = EMSGSIZE;
		return (NULL);
	}
	if ((buf = malloc(CTL_HDRLEN + body)) == NULL)
		return (NULL);
	buf[0] = body >> 24;
	buf[1] = body >> 16;
	buf[2] = body >> 8;
	buf[3] = body;
	protobuf_c_message_pack(m, buf + CTL_HDRLEN);
	*len = CTL_HDRLEN + body;
	return (buf);
}

/* Body length announced by a header, -1 if no valid frame has it. */
static long
ctl_frame_len(const uint8_t *hdr)
{
	uint32_t	 n;

	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > CTL_MAX_FRAME)
		return (-1);
	return (n);
}

ssize_t
ctl_frame_check(const uint8_t *buf, size_t len, size_t *bodylen)
{
	long	 n;

	if (len < CTL_HDRLEN)
		return (0);
	if ((n = ctl_frame_len(buf)) == -1)
		return (-1);
	if (len < CTL_HDRLEN + (size_t)n)
		return (0);
	*bodylen = n;
	return (CTL_HDRLEN + n);
}

CtlRequest *
ctl_request_unpack(const uint8_t *buf, size_t len)
{
	return (ctl_request__unpack(NULL, len, buf));
}

CtlReply *
ctl_reply_unpack(const uint8_t *buf, size_t len)
{
	return (ctl_reply__unpack(NULL, len, buf));
}

void
ctl_request_free(CtlRequest *req)
{
	if (req != NULL)
		ctl_request__free_unpacked(req, NULL);
}

void
ctl_reply_free(CtlReply *rep)
{
	if (rep != NULL)
		ctl_reply__free_unpacked(rep, NULL);
}

/* ------------------------------------------------------ blocking client */

static int
ctl_sun(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

int
ctl_set_timeout(int fd, int timeout_ms)
{
	struct timeval	 tv;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return (-1);
	return (0);
}

/* Linux honours SO_SNDTIMEO in a unix stream connect(), so a daemon with
 * a full backlog cannot hang carpctl either. */
int
ctl_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	if (ctl_sun(path, &sun) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (ctl_set_timeout(fd, timeout_ms) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved == EAGAIN ? ETIMEDOUT : saved;
		return (-1);
	}
	return (fd);
}

static int
ctl_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

static int
ctl_read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return (-1);
		}
		if (n == 0) {
			errno = ECONNRESET;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

int
ctl_send(int fd, const CtlRequest *req)
{
	uint8_t		*buf;
	size_t		 len;
	int		 rv;

	if ((buf = ctl_frame_pack(&req->base, &len)) == NULL)
		return (-1);
	rv = ctl_write_all(fd, buf, len);
	free(buf);
	return (rv);
}

int
ctl_recv(int fd, CtlReply **repp)
{
	uint8_t		 hdr[CTL_HDRLEN], *body;
	long		 n;

	*repp = NULL;
	if (ctl_read_all(fd, hdr, sizeof(hdr)) == -1)
		return (-1);
	if ((n = ctl_frame_len(hdr)) == -1) {
		errno = EPROTO;
		return (-1);
	}
	if ((body = malloc(n)) == NULL)
		return (-1);
	if (ctl_read_all(fd, body, n) == -1) {
		free(body);
		return (-1);
	}
	*repp = ctl_reply_unpack(body, n);
	free(body);
	if (*repp == NULL) {
		errno = EPROTO;
		return (-1);
	}
	return (0);
}

int
ctl_call(int fd, const CtlRequest *req, CtlReply **repp)
{
	*repp = NULL;
	if (ctl_send(fd, req) == -1)
		return (-1);
	return (ctl_recv(fd, repp));
}

/* ----------------------------------------------------------------- JSON */

/* Length of the valid UTF-8 sequence at s, 0 if it is not one (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
ctl_utf8_len(const unsigned char *s)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (*s < 0x80)
		return (1);
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef) {
		n = 3;
		if (*s == 0xe0)
			lo = 0xa0;
		if (*s == 0xed)
			hi = 0x9f;
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		n = 4;
		if (*s == 0xf0)
			lo = 0x90;
		if (*s == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return (0);
		lo = 0x80;
		hi = 0xbf;
	}
	return (n);
}

void
ctl_json_string(FILE *f, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n;

	fputc('"', f);
	while (s != NULL && *s != '\0') {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\r')
			fputs("\\r", f);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if ((n = ctl_utf8_len(s)) == 0)
			fputs("\\ufffd", f);	/* invalid byte */
		else {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

/* --------------------------------------------------------------- server */

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
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
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
	uint8_t		 hdr[CTL_HDRLEN], *p;
	size_t		 have;
	long		 n;

	while (!c->closing && !c->dropping) {
		have = evbuffer_get_length(in);
		if (have < CTL_HDRLEN)
			return;
		evbuffer_copyout(in, hdr, CTL_HDRLEN);
		if ((n = ctl_frame_len(hdr)) == -1) {
			ctl_conn_fail(c, CTL_RESULT__ERR_FRAME,
			    "frame length out of range");
			return;
		}
		if (have < CTL_HDRLEN + (size_t)n)
			return;
		if ((p = evbuffer_pullup(in, CTL_HDRLEN + n)) == NULL) {
			ctl_conn_fail(c, CTL_RESULT__ERR_INTERNAL,
			    "out of memory");
			return;
		}
		ctl_conn_request(c, p + CTL_HDRLEN, n);
		if (!c->closing)
			evbuffer_drain(in, CTL_HDRLEN + n);
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

/* ---------------------------------------------------------- hold client */

#define CTL_BACKOFF_MIN_MS	100
#define CTL_BACKOFF_MAX_MS	5000

struct ctl_hold {
	char		 group[64];
	int		 n;
};

struct ctl_holder {
	struct event_base	*base;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char			 who[32];
	struct bufferevent	*bev;		/* NULL: not connected */
	struct event		*ev_retry;
	int			 backoff_ms;
	int			 warned;	/* absence logged once */
	struct ctl_hold		 holds[CTL_MAXHOLDS];
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
}

static void
ctl_holder_send(struct ctl_holder *h, const struct ctl_hold *hd)
{
	CtlRequest	 req;
	uint8_t		*buf;
	size_t		 len;

	ctl_request_init(&req, hd->n > 0 ? CTL_COMMAND__HOLD :
	    CTL_COMMAND__RELEASE);
	req.group = (char *)(uintptr_t)hd->group;
	req.who = h->who;
	if (hd->n > 0) {
		req.has_count = 1;
		req.count = hd->n;
	}
	if ((buf = ctl_frame_pack(&req.base, &len)) == NULL) {
		log_warn("control: hold");
		return;
	}
	if (bufferevent_write(h->bev, buf, len) == -1)
		log_warnx("control: hold on %s not sent", hd->group);
	free(buf);
}

/* carpd answers every HOLD/RELEASE; only refusals matter here. */
static void
ctl_holder_read(struct bufferevent *bev, void *arg)
{
	struct ctl_holder	*h = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	uint8_t			 hdr[CTL_HDRLEN], *p;
	CtlReply		*rep;
	size_t			 have;
	long			 n;

	for (;;) {
		if ((have = evbuffer_get_length(in)) < CTL_HDRLEN)
			return;
		evbuffer_copyout(in, hdr, CTL_HDRLEN);
		if ((n = ctl_frame_len(hdr)) != -1 &&
		    have < CTL_HDRLEN + (size_t)n)
			return;
		if (n == -1 || (p = evbuffer_pullup(in, CTL_HDRLEN + n)) ==
		    NULL || (rep = ctl_reply_unpack(p + CTL_HDRLEN, n)) ==
		    NULL) {
			ctl_holder_lost(h, "garbage from the daemon");
			return;
		}
		if (rep->has_result && rep->result != CTL_RESULT__OK)
			log_warnx("control: %s refused a hold: %s%s%s", h->path,
			    ctl_result_str(rep->result), rep->reason ? ": " :
			    "", rep->reason ? rep->reason : "");
		ctl_reply_free(rep);
		evbuffer_drain(in, CTL_HDRLEN + n);
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
