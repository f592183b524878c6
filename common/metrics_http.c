/* metrics-listen: GET /metrics over HTTP from the daemon's own event
 * loop (libevent's evhttp), read-only. Other paths are 404, other
 * methods 405 (answered here: evhttp 2.1 says 501 to a method it was
 * told to refuse).
 *
 * A scraper must not cost the daemon its adverts or its replication,
 * so everything is bounded: the request (METRICS_HTTP_HEADERS, no
 * body), the time a connection may make no progress either way
 * (METRICS_HTTP_TIMEOUT: a client that never reads is closed, its
 * answer dropped), and the connections at once (METRICS_HTTP_CLIENTS):
 * at the limit the listener pauses and new ones wait in the kernel's
 * queue. Every answer closes its connection.
 *
 * evhttp 2.1 cannot count its connections, so each one's bufferevent
 * is made here (evhttp_set_bevcb) and a reference kept to it: when
 * evhttp is done with a connection it frees the bufferevent, which
 * clears its callbacks; a sweep then drops our reference, which closes
 * the socket. The sweep runs when a connection that asked something
 * closes, and every second for those that never did. */
#include <sys/queue.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"

#define METRICS_HTTP_CLIENTS	8	/* connections at once */
#define METRICS_HTTP_TIMEOUT	5	/* s without progress: closed */
#define METRICS_HTTP_HEADERS	4096	/* request line and headers */
#define METRICS_HTTP_BODY	1024	/* a GET has none; a POST gets 405 */
#define METRICS_HTTP_PATH	"/metrics"

struct metrics_conn {
	struct bufferevent		*bev;	/* our reference */
	TAILQ_ENTRY(metrics_conn)	 entry;
};

struct metrics_http {
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct event			*sweep;
	metrics_fill_fn			 fill;
	void				*arg;
	int				 paused;
	struct metrics_http_stats	 st;
	TAILQ_HEAD(, metrics_conn)	 conns;
};

static void
metrics_http_pause(struct metrics_http *mh, int pause)
{
	struct evconnlistener	*l = evhttp_bound_socket_get_listener(
	    mh->bound);

	if (pause == mh->paused || l == NULL)
		return;
	if (pause) {
		evconnlistener_disable(l);
		mh->st.full++;
	} else
		evconnlistener_enable(l);
	mh->paused = pause;
}

static void
metrics_http_release(struct metrics_http *mh, struct metrics_conn *c)
{
	TAILQ_REMOVE(&mh->conns, c, entry);
	bufferevent_decref(c->bev);
	free(c);
	mh->st.clients--;
}

/* Drop the connections evhttp has let go (see the top). */
static void
metrics_http_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics_http	*mh = arg;
	struct metrics_conn	*c, *next;
	bufferevent_data_cb	 rd, wr;
	bufferevent_event_cb	 evcb;

	(void)fd;
	(void)ev;
	for (c = TAILQ_FIRST(&mh->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		bufferevent_getcb(c->bev, &rd, &wr, &evcb, NULL);
		if (rd == NULL && wr == NULL && evcb == NULL)
			metrics_http_release(mh, c);
	}
	if (mh->st.clients < METRICS_HTTP_CLIENTS)
		metrics_http_pause(mh, 0);
}

/* A new connection: its bufferevent, counted. */
static struct bufferevent *
metrics_http_bev(struct event_base *base, void *arg)
{
	struct metrics_http	*mh = arg;
	struct metrics_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if ((c->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return (NULL);
	}
	bufferevent_incref(c->bev);
	TAILQ_INSERT_TAIL(&mh->conns, c, entry);
	if (++mh->st.clients >= METRICS_HTTP_CLIENTS)
		metrics_http_pause(mh, 1);
	return (c->bev);
}

static void
metrics_http_closed(struct evhttp_connection *evcon, void *arg)
{
	struct metrics_http	*mh = arg;

	(void)evcon;
	event_active(mh->sweep, EV_TIMEOUT, 0);
}

static void
metrics_http_answer(struct evhttp_request *req, struct metrics_http *mh,
    int code, const char *reason, struct evbuffer *body)
{
	mh->st.requests++;
	if (code >= 400)
		mh->st.errors++;
	evhttp_send_reply(req, code, reason, body);
}

static void
metrics_http_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http	*mh = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const char		*path;
	struct evbuffer		*body;

	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    metrics_http_closed, mh);
	evhttp_add_header(out, "Connection", "close");
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(out, "Allow", "GET");
		metrics_http_answer(req, mh, HTTP_BADMETHOD,
		    "Method Not Allowed", NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		metrics_http_answer(req, mh, HTTP_INTERNAL, "Internal error",
		    NULL);
		return;
	}
	if (path == NULL || strcmp(path, METRICS_HTTP_PATH) != 0) {
		evhttp_add_header(out, "Content-Type", "text/plain");
		evbuffer_add_printf(body, "only GET %s here\n",
		    METRICS_HTTP_PATH);
		metrics_http_answer(req, mh, HTTP_NOTFOUND, "Not Found", body);
	} else if (mh->fill(body, mh->arg) == -1) {
		evbuffer_drain(body, evbuffer_get_length(body));
		metrics_http_answer(req, mh, HTTP_INTERNAL, "Internal error",
		    body);
	} else {
		evhttp_add_header(out, "Content-Type", METRICS_CONTENT_TYPE);
		metrics_http_answer(req, mh, HTTP_OK, "OK", body);
	}
	evbuffer_free(body);
}

static int
metrics_http_listen(struct metrics_http *mh, const char *listen)
{
	char		 addr[INET6_ADDRSTRLEN];
	uint16_t	 port;

	if (conf_listen_split(listen, addr, sizeof(addr), &port) == -1) {
		log_warnx("metrics-listen %s: not ADDR:PORT", listen);
		return (-1);
	}
	if ((mh->bound = evhttp_bind_socket_with_handle(mh->http, addr,
	    port)) == NULL) {
		log_warn("metrics-listen %s", listen);
		return (-1);
	}
	return (0);
}

struct metrics_http *
metrics_http_new(struct event_base *base, const char *listen,
    metrics_fill_fn fill, void *arg)
{
	struct metrics_http	*mh;
	struct timeval		 tv = { 1, 0 };

	if ((mh = calloc(1, sizeof(*mh))) == NULL)
		return (NULL);
	TAILQ_INIT(&mh->conns);
	mh->fill = fill;
	mh->arg = arg;
	if ((mh->http = evhttp_new(base)) == NULL ||
	    (mh->sweep = event_new(base, -1, EV_PERSIST, metrics_http_sweep,
	    mh)) == NULL) {
		metrics_http_free(mh);
		return (NULL);
	}
	evhttp_set_allowed_methods(mh->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(mh->http, METRICS_HTTP_HEADERS);
	evhttp_set_max_body_size(mh->http, METRICS_HTTP_BODY);
	evhttp_set_timeout(mh->http, METRICS_HTTP_TIMEOUT);
	evhttp_set_bevcb(mh->http, metrics_http_bev, mh);
	evhttp_set_gencb(mh->http, metrics_http_request, mh);
	if (metrics_http_listen(mh, listen) == -1) {
		metrics_http_free(mh);
		return (NULL);
	}
	event_add(mh->sweep, &tv);
	log_info("metrics on http://%s%s", listen, METRICS_HTTP_PATH);
	return (mh);
}

void
metrics_http_free(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	/* closes every connection: their bufferevents are let go */
	if (mh->http != NULL)
		evhttp_free(mh->http);
	while (!TAILQ_EMPTY(&mh->conns))
		metrics_http_release(mh, TAILQ_FIRST(&mh->conns));
	if (mh->sweep != NULL)
		event_free(mh->sweep);
	free(mh);
}

const struct metrics_http_stats *
metrics_http_stats(const struct metrics_http *mh)
{
	static const struct metrics_http_stats	 none;

	return (mh != NULL ? &mh->st : &none);
}
