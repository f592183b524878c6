/* Control-socket protocol shared by carpd, syncd and carpctl: framing,
 * packing and a blocking client (carpctl, tests) here; a libevent server
 * (the daemons' control.c) in ctl_server.h and a reconnecting demote-hold
 * client (syncd) in ctl_holder.h, both included from here so that
 * callers include ctl.h alone.
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
#include "ctl_holder.h"
#include "ctl_server.h"

#define CTL_VERSION		1
#define CTL_HDRLEN		4
#define CTL_MAX_FRAME		(1024 * 1024)
#define CTL_TIMEOUT_MS		5000	/* blocking client default */
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

#endif
