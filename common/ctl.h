/* Control-socket protocol shared by carpd, syncd and carpctl: framing,
 * packing, a blocking client (carpctl, tests), a libevent server (the
 * daemons' control.c) and a reconnecting demote-hold client (syncd).
 *
 * Frame: 4-byte big-endian body length, then a serialized CtlRequest or
 * CtlReply (proto/ctl.proto). A length of 0 or above CTL_MAX_FRAME is a
 * protocol error: the stream cannot be trusted any more and is closed. */
#ifndef CARP_CTL_H
#define CARP_CTL_H

#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>
#include <event2/event.h>

#include "ctl.pb-c.h"

#define CTL_VERSION		1
#define CTL_HDRLEN		4
#define CTL_MAX_FRAME		(1024 * 1024)
#define CTL_TIMEOUT_MS		5000	/* blocking client default */
#define CTL_MAX_CLIENTS		64
#define CTL_MAX_OUTPUT		(4 * 1024 * 1024) /* slow monitor dropped */
#define CTL_MAXHOLDS		16	/* per connection */

/* result codes and commands */
const char	*ctl_result_str(int);
const char	*ctl_command_str(int);
const char	*ctl_state_str(int);

/* packing */
void		 ctl_request_init(CtlRequest *, CtlCommand);
void		 ctl_reply_init(CtlReply *, CtlResult, const char *reason);
/* A malloc'd frame (header + body) of any ctl message; NULL if the
 * message would exceed CTL_MAX_FRAME. */
uint8_t		*ctl_frame_pack(const ProtobufCMessage *, size_t *len);
/* 0: need more bytes; -1: bad length; else the whole frame's length,
 * with the body's in *bodylen. */
ssize_t		 ctl_frame_check(const uint8_t *, size_t, size_t *bodylen);
/* NULL if the body does not decode; free with ctl_*_free. */
CtlRequest	*ctl_request_unpack(const uint8_t *, size_t);
CtlReply	*ctl_reply_unpack(const uint8_t *, size_t);
void		 ctl_request_free(CtlRequest *);
void		 ctl_reply_free(CtlReply *);

/* Blocking client. Each returns -1 with errno set on failure (EPROTO:
 * the peer sent something that is not a valid frame). */
int		 ctl_connect(const char *path, int timeout_ms);
int		 ctl_set_timeout(int fd, int timeout_ms);	/* 0: none */
int		 ctl_send(int fd, const CtlRequest *);
int		 ctl_recv(int fd, CtlReply **);
/* ctl_send + ctl_recv of the first reply frame; read further frames with
 * ctl_recv until one has end set. */
int		 ctl_call(int fd, const CtlRequest *, CtlReply **);

/* JSON string literal with every control character escaped. */
void		 ctl_json_string(FILE *, const char *);

/* Server on a unix SOCK_STREAM socket, mode 0660. The request callback
 * sees only frames that decoded and carry CTL_VERSION; everything else
 * is answered, counted and, for garbage, disconnected here. */
struct ctl_server;
struct ctl_conn;

struct ctl_server_cb {
	void	(*request)(struct ctl_conn *, const CtlRequest *, void *);
	/* the connection is going away: release what it holds */
	void	(*close)(struct ctl_conn *, void *);
};

struct ctl_server_stats {
	uint64_t	 requests;
	uint64_t	 errors;	/* replies with a result other than OK */
	uint64_t	 bad_frames;	/* clients dropped for garbage */
	unsigned	 clients;
};

struct ctl_server *ctl_server_new(struct event_base *, const char *path,
		    const struct ctl_server_cb *, void *arg);
void		 ctl_server_free(struct ctl_server *);
const struct ctl_server_stats *ctl_server_stats(const struct ctl_server *);
void		 ctl_server_foreach(struct ctl_server *,
		    void (*)(struct ctl_conn *, void *), void *);

/* Send one reply frame (version filled in). Replies with an error
 * result are counted. -1 if the client went away (it is then dropped,
 * later, from the event loop). */
int		 ctl_conn_send(struct ctl_conn *, CtlReply *);
/* The usual last frame: result, reason (printf), end set. */
int		 ctl_conn_result(struct ctl_conn *, CtlResult, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 ctl_conn_set_data(struct ctl_conn *, void *);
void		*ctl_conn_data(const struct ctl_conn *);
/* Peer credentials (SO_PEERCRED), for logs and write permission. */
pid_t		 ctl_conn_pid(const struct ctl_conn *);
int		 ctl_conn_privileged(const struct ctl_conn *);

/* Non-blocking demote holds on carpd for syncd: keeps one connection,
 * reconnects with backoff while carpd is absent, re-sends every hold
 * after a reconnect. Never blocks; carpd being away is not an error. */
struct ctl_holder;

struct ctl_holder *ctl_holder_new(struct event_base *, const char *path,
		    const char *who);
void		 ctl_holder_free(struct ctl_holder *);
/* Hold n (0..255) on group; 0 releases. The whole hold of this client on
 * that group: callers with several reasons send their sum. -1 if the
 * table is full or n out of range. */
int		 ctl_holder_set(struct ctl_holder *, const char *group, int n);
int		 ctl_holder_connected(const struct ctl_holder *);

#endif
