/* The control-request parser: the input is the byte stream a client
 * writes to carpd's or syncd's control socket. It is cut into frames with
 * ctl_frame_check and each body decoded with ctl_request_unpack, as the
 * server's read loop does (common/ctl_server.c; ctl_frame_check and the
 * unpackers are common/ctl_frame.c): a bad length ends the stream, a
 * body that does not decode is answered and skipped. The same bodies go
 * through ctl_reply_unpack (carpctl's and the demote-hold client's side)
 * and every decoded reply through carpctl's JSON formatters
 * (carpd/carpctl_json.c, carpctl -j) and the metrics formatter
 * (common/metrics.c, carpctl metrics and metrics-listen).
 *
 * Properties: a decoded request packs into a frame that decodes again;
 * carpctl's JSON of any decoded reply is one line that json-c parses
 * back, strict and valid UTF-8; its metrics are printable ASCII lines,
 * each a "# " line or a sample, ending with "# EOF". */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/carpctl.h"
#include "ctl.h"
#include "fuzz.h"
#include "metrics.h"

/* One formatter's output: one line, one JSON document that json-c
 * reads back in strict mode, valid UTF-8 throughout, nothing after it. */
static void
fuzz_ctl_json_check(const char *what, const char *out, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*doc;

	if (len == 0)
		return;		/* nothing to say for this reply */
	if (out[len - 1] != '\n' || memchr(out, '\n', len - 1) != NULL)
		fuzz_fail("json %s: not one line: %.*s", what, (int)len, out);
	if ((tok = json_tokener_new()) == NULL)
		fuzz_fail("json_tokener_new");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, out, (int)len - 1);
	if (doc == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len - 1)
		fuzz_fail("json %s does not parse back (%s): %.*s", what,
		    json_tokener_error_desc(json_tokener_get_error(tok)),
		    (int)len, out);
	json_object_put(doc);
	json_tokener_free(tok);
}

#define FUZZ_CTL_JSON(fn, arg) do {					\
	char	*out_ = NULL;						\
	size_t	 len_ = 0;						\
	FILE	*f_;							\
									\
	if ((f_ = open_memstream(&out_, &len_)) == NULL)		\
		fuzz_fail("open_memstream");				\
	json_output.fn(f_, (arg));					\
	fclose(f_);							\
	fuzz_ctl_json_check(#fn, out_, len_);				\
	free(out_);							\
} while (0)

/* carpctl -j on a decoded reply: every formatter that could be handed
 * it (carpctl picks one by the command it sent). */
static void
fuzz_ctl_json(const CtlReply *rep)
{
	FUZZ_CTL_JSON(status, rep);
	FUZZ_CTL_JSON(groups, rep);
	FUZZ_CTL_JSON(stats, rep);
	FUZZ_CTL_JSON(done, rep);
	if (rep->event != NULL)
		FUZZ_CTL_JSON(event, rep->event);
	if (rep->sync != NULL) {
		FUZZ_CTL_JSON(sync_status, rep->sync);
		FUZZ_CTL_JSON(sync_stats, rep->sync);
	}
}

/* Whatever the strings of the reply, the escaping keeps every line one
 * line of printable ASCII. */
static void
fuzz_ctl_metrics(const CtlReply *rep)
{
	struct evbuffer	*b;
	const char	*p;
	size_t		 len, i;

	if ((b = evbuffer_new()) == NULL)
		fuzz_fail("evbuffer_new");
	if (metrics_reply(b, "carpd", rep) == -1 || metrics_end(b) == -1)
		fuzz_fail("metrics: out of memory");
	len = evbuffer_get_length(b);
	p = (const char *)evbuffer_pullup(b, -1);
	if (len < 6 || memcmp(p + len - 6, "# EOF\n", 6) != 0)
		fuzz_fail("metrics do not end with # EOF");
	for (i = 0; i < len; i++) {
		if (p[i] != '\n' && (p[i] < 0x20 || p[i] > 0x7e))
			fuzz_fail("metrics: byte %#x at %zu", (unsigned char)p[i],
			    i);
		if ((i == 0 || p[i - 1] == '\n') && p[i] != '#' &&
		    !(p[i] >= 'a' && p[i] <= 'z'))
			fuzz_fail("metrics: a line starts with %c", p[i]);
	}
	evbuffer_free(b);
}

/* What the daemons look at, then the round trip through a frame. */
static void
fuzz_ctl_request(const CtlRequest *req)
{
	CtlRequest	*back;
	uint8_t		*frame;
	size_t		 len, body;

	(void)ctl_command_str(req->has_command ? (int)req->command : -1);
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
	fuzz_ctl_json(rep);
	fuzz_ctl_metrics(rep);
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
