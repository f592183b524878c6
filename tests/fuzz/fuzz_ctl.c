/* The control-request parser: the input is the byte stream a client
 * writes to carpd's or syncd's control socket. It is cut into frames with
 * ctl_frame_check and each body decoded with ctl_request_unpack, as the
 * server's read loop does (ctl_conn_read and ctl_conn_request in
 * common/ctl.c, private there): a bad length ends the stream, a body
 * that does not decode is answered and skipped. The same bodies go
 * through ctl_reply_unpack (carpctl's and the demote-hold client's side)
 * and every string through ctl_json_string (carpctl -j).
 *
 * Properties: a decoded request packs into a frame that decodes again;
 * ctl_json_string prints one well-formed JSON string literal. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fuzz.h"

/* One JSON string literal: quoted, no raw control byte, every escape
 * complete. */
static void
fuzz_ctl_json_check(const char *out, size_t len)
{
	size_t	 i;

	if (len < 2 || out[0] != '"' || out[len - 1] != '"')
		fuzz_fail("ctl_json_string: not a quoted string");
	for (i = 1; i < len - 1; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == '"')
			fuzz_fail("ctl_json_string: raw 0x%02x at %zu",
			    (unsigned char)out[i], i);
		if (out[i] != '\\')
			continue;
		if (++i >= len - 1)
			fuzz_fail("ctl_json_string: escape cut short");
		if (out[i] == 'u')
			i += 4;
		else if (strchr("\"\\nrt", out[i]) == NULL)
			fuzz_fail("ctl_json_string: bad escape \\%c", out[i]);
	}
	if (i != len - 1)
		fuzz_fail("ctl_json_string: \\u escape cut short");
}

static void
fuzz_ctl_json(const char *s)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	if (s == NULL || (f = open_memstream(&out, &len)) == NULL)
		return;
	ctl_json_string(f, s);
	fclose(f);
	fuzz_ctl_json_check(out, len);
	free(out);
}

/* What the daemons look at, then the round trip through a frame. */
static void
fuzz_ctl_request(const CtlRequest *req)
{
	CtlRequest	*back;
	uint8_t		*frame;
	size_t		 len, body;

	(void)ctl_command_str(req->has_command ? (int)req->command : -1);
	fuzz_ctl_json(req->group);
	fuzz_ctl_json(req->carp);
	fuzz_ctl_json(req->who);
	/* protobuf-c keeps unknown fields and packs them back, but takes a
	 * field number 0 in an overlong tag (82 00) that it refuses once
	 * packed short (02): only requests of known fields round-trip */
	if (req->base.n_unknown_fields != 0)
		return;
	if ((frame = ctl_frame_pack(&req->base, &len)) == NULL)
		return;		/* empty: nothing set */
	if (ctl_frame_check(frame, len, &body) != (ssize_t)len ||
	    (back = ctl_request_unpack(frame + CTL_HDRLEN, body)) == NULL)
		fuzz_fail("a request we packed does not decode");
	if (back->has_command != req->has_command ||
	    back->command != req->command ||
	    back->version != req->version)
		fuzz_fail("a request changed on pack -> unpack");
	ctl_request_free(back);
	free(frame);
}

static void
fuzz_ctl_reply(const uint8_t *body, size_t len)
{
	CtlReply	*rep;

	if ((rep = ctl_reply_unpack(body, len)) == NULL)
		return;
	(void)ctl_result_str(rep->has_result ? (int)rep->result : -1);
	fuzz_ctl_json(rep->reason);
	ctl_reply_free(rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CtlRequest	*req;
	uint8_t		*copy;
	size_t		 off = 0, body;
	ssize_t		 n;

	/* a heap copy of exactly size bytes, so ASan sees any overread */
	if ((copy = malloc(size + 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	while ((n = ctl_frame_check(copy + off, size - off, &body)) > 0) {
		if ((size_t)n != CTL_HDRLEN + body || (size_t)n > size - off)
			fuzz_fail("ctl_frame_check: frame of %zd bytes", n);
		if ((req = ctl_request_unpack(copy + off + CTL_HDRLEN,
		    body)) != NULL) {
			fuzz_ctl_request(req);
			ctl_request_free(req);
		}
		fuzz_ctl_reply(copy + off + CTL_HDRLEN, body);
		off += n;
	}
	free(copy);
	return (0);
}
