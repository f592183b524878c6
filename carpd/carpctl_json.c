/* carpctl -j: one JSON document per answer (one per line for monitor).
 * Keys are the field names of proto/ctl.proto, documented in carpctl(8);
 * scripts depend on them. json-c does the escaping and the 64-bit
 * numbers; strings are made valid UTF-8 first, since json-c copies
 * bytes above 0x7f as they are. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "carpctl.h"

static struct json_object *json_message(const ProtobufCMessageDescriptor *,
		    const ProtobufCMessage *);

/* Length of the valid UTF-8 sequence at s, 0 if it is not one (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
json_utf8_len(const unsigned char *s)
{
	unsigned	 lo = 0x80, hi = 0xbf;
	size_t		 i, n;

	if (s[0] < 0x80)
		return (1);
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return (0);
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return (0);
	return (n);
}

/* A JSON string, every invalid byte replaced by U+FFFD; NULL is null. */
static struct json_object *
json_string(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	struct json_object	*o;
	char			*buf, *p;
	size_t			 n;

	if (str == NULL)
		return (NULL);
	for (; *s != '\0' && (n = json_utf8_len(s)) > 0; s += n)
		;
	if (*s == '\0')
		return (json_object_new_string(str));
	if ((buf = p = malloc(strlen(str) * 3 + 1)) == NULL)
		return (NULL);
	for (s = (const unsigned char *)str; *s != '\0'; s += n) {
		if ((n = json_utf8_len(s)) == 0) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			n = 1;
		} else {
			memcpy(p, s, n);
			p += n;
		}
	}
	*p = '\0';
	o = json_object_new_string(buf);
	free(buf);
	return (o);
}

/* Only strings and messages repeat in ctl.proto. */
static struct json_object *
json_repeated(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	struct json_object	*a = json_object_new_array();
	const void *const	*v = field_array(msg, fd);
	size_t			 i, n = field_count(msg, fd);

	for (i = 0; a != NULL && i < n; i++) {
		if (fd->type == PROTOBUF_C_TYPE_STRING)
			json_object_array_add(a, json_string(v[i]));
		else if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
			json_object_array_add(a, json_message(fd->descriptor,
			    v[i]));
	}
	return (a);
}

static struct json_object *
json_value(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	if (fd->label == PROTOBUF_C_LABEL_REPEATED)
		return (json_repeated(msg, fd));
	if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
		return (json_message(fd->descriptor, field_msg(msg, fd)));
	if (fd->type == PROTOBUF_C_TYPE_BOOL)
		return (json_object_new_boolean(field_uint(msg, fd) != 0));
	if (field_is_signed(fd))
		return (json_object_new_int64(field_int(msg, fd)));
	if (field_is_number(fd))
		return (json_object_new_uint64(field_uint(msg, fd)));
	return (json_string(field_str(msg, fd)));
}

/* Every field, absent ones too: 0, null, [] or an object of zeros, so
 * that a script finds every key it was told about. */
static struct json_object *
json_message(const ProtobufCMessageDescriptor *d, const ProtobufCMessage *msg)
{
	struct json_object	*o = json_object_new_object();
	unsigned		 i;

	for (i = 0; o != NULL && i < d->n_fields; i++)
		json_object_object_add(o, d->fields[i].name,
		    json_value(msg, &d->fields[i]));
	return (o);
}

static void
json_print(FILE *f, struct json_object *doc)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

static struct json_object *
json_carps(const CtlReply *rep)
{
	struct json_object	*a = json_object_new_array();
	size_t			 i;

	for (i = 0; a != NULL && i < rep->n_carps; i++)
		json_object_array_add(a, json_message(&ctl_carp__descriptor,
		    &rep->carps[i]->base));
	return (a);
}

/* {"key": value} */
static void
json_wrap(FILE *f, const char *key, struct json_object *val)
{
	struct json_object	*doc = json_object_new_object();

	json_object_object_add(doc, key, val);
	json_print(f, doc);
}

/* health tracking: every check, [] when there is none */
static struct json_object *
json_track_list(const CtlReply *rep)
{
	struct json_object	*a = json_object_new_array();
	size_t			 i;

	for (i = 0; a != NULL && i < rep->n_tracks; i++)
		json_object_array_add(a, json_message(&ctl_track__descriptor,
		    &rep->tracks[i]->base));
	return (a);
}

static void
json_tracks(FILE *f, const CtlReply *rep)
{
	json_wrap(f, "tracks", json_track_list(rep));
}

static void
json_status(FILE *f, const CtlReply *rep)
{
	struct json_object	*doc = json_object_new_object();

	json_object_object_add(doc, "carps", json_carps(rep));
	json_object_object_add(doc, "tracks", json_track_list(rep));
	if (rep->realtime != NULL)
		json_object_object_add(doc, "realtime",
		    json_string(rep->realtime));
	json_print(f, doc);
}

static void
json_groups(FILE *f, const CtlReply *rep)
{
	struct json_object	*a = json_object_new_array();
	size_t			 i;

	for (i = 0; a != NULL && i < rep->n_groups; i++)
		json_object_array_add(a, json_message(&ctl_group__descriptor,
		    &rep->groups[i]->base));
	json_wrap(f, "groups", a);
}

static void
json_stats(FILE *f, const CtlReply *rep)
{
	struct json_object	*doc = json_object_new_object();

	json_object_object_add(doc, "stats",
	    json_message(&ctl_stats__descriptor,
	    rep->stats != NULL ? &rep->stats->base : NULL));
	json_object_object_add(doc, "carps", json_carps(rep));
	json_print(f, doc);
}

static void
json_event(FILE *f, const CtlEvent *ev)
{
	json_wrap(f, "event", json_message(&ctl_event__descriptor, &ev->base));
}

/* Flat: scripts read carpctl -j sync stats | jq .in_sync */
static void
json_sync(FILE *f, const CtlSync *s)
{
	json_print(f, json_message(&ctl_sync__descriptor, &s->base));
}

static void
json_done(FILE *f, const CtlReply *rep)
{
	struct json_object	*doc = json_object_new_object();

	json_object_object_add(doc, "result",
	    json_string(ctl_result_str(rep->result)));
	json_object_object_add(doc, "reason", json_string(rep->reason));
	json_print(f, doc);
}

const struct output json_output = {
	json_status,
	json_groups,
	json_stats,
	json_event,
	json_sync,
	json_sync,
	json_done,
	json_tracks,
};
