/* The fields of carpctl's reply objects, read from the protobuf-c
 * descriptors of proto/ctl.proto, so that a field is named once (in the
 * .proto) for the wire, the text, the JSON and later the metrics. The
 * tables here hold only what a descriptor cannot say: a text label that
 * is not the field's name, and the kind of a number that breaks the
 * rule "uint64 counts, the rest is a gauge". */
#include <string.h>

#include "carpctl.h"
#include "compat.h"

#define LABEL(f, l)	{ f, l, FK_AUTO, NULL }
#define GAUGE(f)	{ f, NULL, FK_GAUGE, NULL }
#define END		{ NULL, NULL, FK_AUTO, NULL }

/* control clients refused or closed by reason, in both daemons' stats */
#define CTL_CLIENT_LABELS						\
	LABEL("ctl_refused_full", "control refused (full)"),		\
	LABEL("ctl_refused_uid", "control refused (uid)"),		\
	LABEL("ctl_closed_idle", "control closed idle"),		\
	LABEL("ctl_closed_slow", "control closed slow"),		\
	LABEL("ctl_denied",	"control denied")

static const struct field_info stats_info[] = {
	LABEL("unknown_vhid",	"adverts for unknown vhid"),
	LABEL("ctl_requests",	"control requests"),
	LABEL("ctl_errors",	"control errors"),
	LABEL("ctl_bad_frames",	"control clients dropped"),
	LABEL("ctl_clients",	"control clients"),
	LABEL("holds",		"demote holds"),
	CTL_CLIENT_LABELS,
	LABEL("scripts_running", "scripts running"),
	LABEL("scripts_started", "scripts started"),
	LABEL("scripts_failed",	"scripts failed"),
	LABEL("scripts_timedout", "scripts killed at timeout"),
	LABEL("scripts_refused", "scripts refused"),
	LABEL("scripts_skipped", "scripts skipped"),
	LABEL("scripts_lost",	"scripts lost"),
	LABEL("syncd_absent_demote", "demote for absent syncd"),
	/* health tracking */
	LABEL("track_runs",	"track checks made"),
	LABEL("track_failures",	"track checks failed"),
	LABEL("track_timeouts",	"track checks timed out"),
	END
};

static const struct field_info sync_info[] = {
	GAUGE("states_local"),
	GAUGE("states_replicated"),
	LABEL("overruns",	"netlink overruns"),
	LABEL("defer_queue_len", "defer queue"),
	LABEL("malformed",	"malformed datagrams"),
	LABEL("stale",		"stale datagrams"),
	LABEL("unsupported",	"unsupported states"),
	LABEL("queue_overflows", "send queue overflows"),
	LABEL("expired_peer",	"peer states expired"),
	LABEL("refreshed",	"states refreshed"),
	LABEL("invalid",	"invalid datagrams"),
	LABEL("self",		"own datagrams reflected"),
	LABEL("too_many_peers",	"datagrams, no peer slot"),
	LABEL("seq_jumps",	"seq jumps dropped"),
	LABEL("sweep_dropped",	"records dropped by a sweep"),
	/* ruleset (issue 11): a time, not a count */
	GAUGE("ruleset_since"),
	GAUGE("own_bytes"),
	LABEL("foreign",	"not from syncpeer"),
	LABEL("link_errors",	"link receive errors"),
	LABEL("link_drops",	"link buffer drops"),
	LABEL("ctl_requests",	"control requests"),
	LABEL("ctl_errors",	"control errors"),
	LABEL("ctl_bad_frames",	"control clients dropped"),
	LABEL("ctl_clients",	"control clients"),
	CTL_CLIENT_LABELS,
	END
};

const struct object_fields counter_fields = {
	&ctl_counters__descriptor, NULL
};
const struct object_fields stats_fields = { &ctl_stats__descriptor, stats_info };
const struct object_fields sync_fields = { &ctl_sync__descriptor, sync_info };

const struct field_info *
field_info(const struct object_fields *o, const ProtobufCFieldDescriptor *fd)
{
	const struct field_info	*fi;

	for (fi = o->info; fi != NULL && fi->name != NULL; fi++)
		if (strcmp(fi->name, fd->name) == 0)
			return (fi);
	return (NULL);
}

const char *
field_label(const struct object_fields *o, const ProtobufCFieldDescriptor *fd,
    char *buf, size_t len)
{
	const struct field_info	*fi = field_info(o, fd);
	char			*p;

	if (fi != NULL && fi->label != NULL)
		return (fi->label);
	strlcpy(buf, fd->name, len);
	for (p = buf; (p = strchr(p, '_')) != NULL; p++)
		*p = ' ';
	return (buf);
}

enum field_kind
field_kind(const struct object_fields *o, const ProtobufCFieldDescriptor *fd)
{
	const struct field_info	*fi = field_info(o, fd);

	if (fi != NULL && fi->kind != FK_AUTO)
		return (fi->kind);
	switch (fd->type) {
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return (FK_COUNTER);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_ENUM:
		return (FK_LABEL);
	default:
		return (FK_GAUGE);
	}
}

int
field_is_signed(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return (1);
	default:
		return (0);
	}
}

int
field_is_number(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return (1);
	default:
		return (field_is_signed(fd));
	}
}

static const void *
field_ptr(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	return ((const char *)msg + fd->offset);
}

/* The bits of a number field, sign-extended if it is signed. Every
 * field here is proto2 optional, so its default is 0. */
static uint64_t
field_bits(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	const void	*p;

	if (msg == NULL)
		return (0);
	p = field_ptr(msg, fd);
	switch (fd->type) {
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return (*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return (*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return ((uint64_t)(int64_t)*(const int32_t *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return (*(const protobuf_c_boolean *)p != 0);
	case PROTOBUF_C_TYPE_ENUM:
		return ((uint64_t)(int64_t)*(const int *)p);
	default:
		return (0);
	}
}

uint64_t
field_uint(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	return (field_bits(msg, fd));
}

int64_t
field_int(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	return ((int64_t)field_bits(msg, fd));
}

const char *
field_str(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	const ProtobufCEnumValue	*v;

	if (fd->type == PROTOBUF_C_TYPE_ENUM) {
		v = protobuf_c_enum_descriptor_get_value(fd->descriptor,
		    (int)field_int(msg, fd));
		return (v != NULL ? v->name : "UNKNOWN");
	}
	if (msg == NULL || fd->type != PROTOBUF_C_TYPE_STRING)
		return (NULL);
	return (*(char *const *)field_ptr(msg, fd));
}

size_t
field_count(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	if (msg == NULL || fd->label != PROTOBUF_C_LABEL_REPEATED)
		return (0);
	return (*(const size_t *)(const void *)((const char *)msg +
	    fd->quantifier_offset));
}

const void *
field_array(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	if (field_count(msg, fd) == 0)
		return (NULL);
	return (*(const void *const *)field_ptr(msg, fd));
}

const ProtobufCMessage *
field_msg(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
	if (msg == NULL || fd->type != PROTOBUF_C_TYPE_MESSAGE ||
	    fd->label == PROTOBUF_C_LABEL_REPEATED)
		return (NULL);
	return (*(const ProtobufCMessage *const *)field_ptr(msg, fd));
}
