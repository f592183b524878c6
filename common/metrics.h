/* Metrics in the OpenMetrics text format (openmetrics.io), for
 * "carpctl metrics" and the daemons' metrics-listen (GET /metrics).
 *
 *   metrics.c       a control reply as metric families, walked from the
 *                   protobuf descriptors of proto/ctl.proto as the text
 *                   and JSON output are (carpd/carpctl_field.c)
 *   metrics_http.c  the HTTP server of metrics-listen (libevent evhttp)
 *
 * A reply is formatted in the daemon's own process by metrics-listen and
 * in carpctl from the control socket's replies: the same function, so
 * both give the same families. */
#ifndef CARP_METRICS_H
#define CARP_METRICS_H

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "ctl.h"

#define METRICS_CONTENT_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Every family of rep, named daemon_* for its own scalar fields
 * ("carpd_realtime" of carpd's reply); -1 if out of memory. Call once
 * per daemon, then metrics_end. */
int	metrics_reply(struct evbuffer *, const char *daemon, const CtlReply *);
int	metrics_end(struct evbuffer *);
/* v as an OpenMetrics label value or HELP text: \\ \" \n escaped, bytes
 * outside printable ASCII as '?' (the format wants UTF-8; names here are
 * interface, group and address names) */
int	metrics_escape(struct evbuffer *, const char *v);

/* metrics_http.c */
struct metrics_http;

struct metrics_http_stats {
	uint64_t	 requests;	/* answered, any status */
	uint64_t	 errors;	/* answered 4xx or 5xx */
	uint64_t	 full;		/* times at the limit: new ones wait */
	uint32_t	 clients;	/* connections open now */
};

/* Fills the body of GET /metrics; -1 answers 500. */
typedef int	(*metrics_fill_fn)(struct evbuffer *, void *arg);

/* Listen on "ADDR:PORT" ("[ADDR]:PORT" for IPv6); NULL if it cannot. */
struct metrics_http	*metrics_http_new(struct event_base *,
			    const char *listen, metrics_fill_fn, void *arg);
void			 metrics_http_free(struct metrics_http *);
/* NULL-safe: all zero without a server */
const struct metrics_http_stats *metrics_http_stats(
			    const struct metrics_http *);

/* Into the http_* fields of CtlStats (carpd) or CtlSync (syncd). */
#define METRICS_HTTP_STATS_COPY(m, hs) do {				\
	__typeof__(m)				 _m = (m);		\
	const struct metrics_http_stats		*_hs = (hs);		\
									\
	_m->has_http_requests = _m->has_http_errors = 1;		\
	_m->has_http_clients = _m->has_http_full = 1;		\
	_m->http_requests = _hs->requests;				\
	_m->http_errors = _hs->errors;					\
	_m->http_clients = _hs->clients;				\
	_m->http_full = _hs->full;				\
} while (0)

#endif
