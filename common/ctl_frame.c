/* Control-socket framing and packing of proto/ctl.proto messages, and
 * the names of results, commands and states: what the blocking client,
 * the server and the demote-hold client all speak.
 *
 * Frame: 4-byte big-endian body length, then the serialized message. */
#include <sys/types.h>
#include <errno.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "ctl.h"
#include "ctl_priv.h"

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
long
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

/* The next frame at the head of a libevent input buffer, for the two
 * non-blocking readers (server and hold client). */
ssize_t
ctl_frame_peek(struct evbuffer *in, size_t *bodylen)
{
	uint8_t	 hdr[CTL_HDRLEN];
	size_t	 have;
	long	 n;

	if ((have = evbuffer_get_length(in)) < CTL_HDRLEN)
		return (0);
	evbuffer_copyout(in, hdr, CTL_HDRLEN);
	if ((n = ctl_frame_len(hdr)) == -1)
		return (-1);
	if (have < CTL_HDRLEN + (size_t)n)
		return (0);
	*bodylen = n;
	return (CTL_HDRLEN + n);
}
