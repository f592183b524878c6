/* A control reply as OpenMetrics families (common/metrics.h), walked
 * from the descriptors of proto/ctl.proto, so that a field added there
 * and filled by its daemon is a metric with no code here; the rule is in
 * docs/PROTOCOL.md, section 9 (Metrics):
 *
 * Each message is a set of objects with a family prefix: the reply is
 * the daemon ("carpd", "syncd"), a CtlCarp "carp", a CtlSyncLink
 * "sync_link" (table below). Each field of it, in the order of the
 * .proto, over every object of the set before the next field, since the
 * format wants the samples of a family together:
 *   - uint64: a counter PREFIX_FIELD_total; other numbers and bools a
 *     gauge PREFIX_FIELD (carpd/carpctl_field.c: a uint64 that is not a
 *     counter, and the HELP text where it has one)
 *   - an enum: a stateset, a series per value, 1 for the current one
 *   - key fields (a carp's name and vhid): labels of every series of
 *     the object and of the messages inside it
 *   - other strings: one info family PREFIX_info, if one is set
 *   - a message: its fields under its own prefix, or its parent's if it
 *     has none (a carp's counters: carp_adverts_sent_total{carp=...});
 *     none if no object has it
 *   - repeated strings (addresses, members): none; carpctl status. */
#include <stdlib.h>
#include <string.h>

#include "carpd/carpctl.h"
#include "metrics.h"

#define METRICS_MAXKEYS		2
#define METRICS_MAXSKIP		4
#define METRICS_NAMELEN		128

struct metrics_key {
	const char	*field;
	const char	*label;
};

struct metrics_msg {
	const char		*msg;		/* message name in ctl.proto */
	const char		*prefix;	/* NULL: its parent's */
	struct metrics_key	 keys[METRICS_MAXKEYS];
	const char		*skip[METRICS_MAXSKIP];
};

static const struct metrics_msg metrics_msgs[] = {
	/* the frame's own fields, not the daemon's state */
	{ "CtlReply",	 NULL,		{ { NULL, NULL } },
	    { "version", "result", "reason", "end" } },
	/* the sum of the carps' counters, which sum() in PromQL makes */
	{ "CtlStats",	 NULL,		{ { NULL, NULL } }, { "totals" } },
	{ "CtlCounters", NULL,		{ { NULL, NULL } }, { NULL } },
	{ "CtlCarp",	 "carp",	{ { "name", "carp" }, { "vhid", "vhid" } },
	    { NULL } },
	{ "CtlGroup",	 "carp_group",	{ { "name", "group" } }, { NULL } },
	{ "CtlTrack",	 "carp_track",	{ { "name", "track" } }, { NULL } },
	/* the ruleset sentence carries a time: as a label it would make
	 * a new series at every change (ruleset_differs, _since say it) */
	{ "CtlSync",	 "sync",	{ { NULL, NULL } }, { "ruleset" } },
	{ "CtlSyncLink", "sync_link",	{ { "syncdev", "syncdev" } }, { NULL } },
};

/* A message not in the table: PARENT_NAME (CtlFooBar: parent_foo_bar),
 * keyed by its name field. */
static const struct metrics_msg metrics_other = {
	NULL, NULL, { { "name", "name" } }, { NULL }
};

/* where carpctl keeps a message's exceptions (carpctl_field.c) */
static const struct object_fields *const metrics_fields[] = {
	&counter_fields, &stats_fields, &sync_fields,
};

/* The objects of one message type, each with its labels. */
struct metrics_set {
	char					 prefix[METRICS_NAMELEN];
	const struct metrics_msg		*mm;
	struct object_fields			 of;
	const ProtobufCMessage			**objs;	/* n, NULL: zeros */
	char					**labels; /* n, "k=\"v\",..." */
	size_t					 n;
	int					 own;	/* prefix not the parent's */
};

static int	metrics_walk(struct evbuffer *, const struct metrics_set *);

static const struct metrics_msg *
metrics_msg(const ProtobufCMessageDescriptor *d)
{
	size_t	 i;

	for (i = 0; i < sizeof(metrics_msgs) / sizeof(metrics_msgs[0]); i++)
		if (strcmp(metrics_msgs[i].msg, d->name) == 0)
			return (&metrics_msgs[i]);
	return (&metrics_other);
}

static void
metrics_object_fields(const ProtobufCMessageDescriptor *d,
    struct object_fields *of)
{
	size_t	 i;

	of->desc = d;
	of->info = NULL;
	for (i = 0; i < sizeof(metrics_fields) / sizeof(metrics_fields[0]);
	    i++)
		if (metrics_fields[i]->desc == d)
			*of = *metrics_fields[i];
}

static int
metrics_listed(const char *const *names, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n && names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return (1);
	return (0);
}

static const struct metrics_key *
metrics_key(const struct metrics_msg *mm, const ProtobufCFieldDescriptor *fd)
{
	size_t	 i;

	for (i = 0; i < METRICS_MAXKEYS && mm->keys[i].field != NULL; i++)
		if (strcmp(mm->keys[i].field, fd->name) == 0)
			return (&mm->keys[i]);
	return (NULL);
}

int
metrics_escape(struct evbuffer *b, const char *v)
{
	const unsigned char	*s;
	int			 rc = 0;

	for (s = (const unsigned char *)(v != NULL ? v : ""); *s != '\0' &&
	    rc == 0; s++) {
		if (*s == '\\' || *s == '"')
			rc = evbuffer_add_printf(b, "\\%c", *s) < 0 ? -1 : 0;
		else if (*s == '\n')
			rc = evbuffer_add(b, "\\n", 2);
		else
			rc = evbuffer_add(b, *s >= 0x20 && *s < 0x7f ?
			    (const char *)s : "?", 1);
	}
	return (rc);
}

/* A scalar field's value as text: the number, 0/1, or the string. */
static void
metrics_value(const ProtobufCMessage *obj, const ProtobufCFieldDescriptor *fd,
    char *buf, size_t len)
{
	const char	*s;

	if (field_is_signed(fd))
		snprintf(buf, len, "%lld", (long long)field_int(obj, fd));
	else if (field_is_number(fd) || fd->type == PROTOBUF_C_TYPE_BOOL)
		snprintf(buf, len, "%llu",
		    (unsigned long long)field_uint(obj, fd));
	else
		snprintf(buf, len, "%s", (s = field_str(obj, fd)) != NULL ?
		    s : "");
}

/* "a=\"x\"" appended to b, a comma first if b has something */
static int
metrics_label(struct evbuffer *b, const char *name, const char *value)
{
	if (evbuffer_add_printf(b, "%s%s=\"", evbuffer_get_length(b) > 0 ?
	    "," : "", name) < 0 || metrics_escape(b, value) == -1)
		return (-1);
	return (evbuffer_add(b, "\"", 1));
}

/* The parent's labels and obj's keys, malloc'd. */
static char *
metrics_labels(const char *parent, const struct metrics_msg *mm,
    const ProtobufCMessageDescriptor *d, const ProtobufCMessage *obj)
{
	const ProtobufCFieldDescriptor	*fd;
	struct evbuffer			*b;
	char				 v[256], *s = NULL;
	size_t				 i, len;

	if ((b = evbuffer_new()) == NULL)
		return (NULL);
	if (parent != NULL && evbuffer_add(b, parent, strlen(parent)) == -1)
		goto done;
	for (i = 0; i < METRICS_MAXKEYS && mm->keys[i].field != NULL; i++) {
		if ((fd = protobuf_c_message_descriptor_get_field_by_name(d,
		    mm->keys[i].field)) == NULL)
			continue;
		metrics_value(obj, fd, v, sizeof(v));
		if (metrics_label(b, mm->keys[i].label, v) == -1)
			goto done;
	}
	len = evbuffer_get_length(b);
	if ((s = malloc(len + 1)) != NULL) {
		evbuffer_remove(b, s, len);
		s[len] = '\0';
	}
 done:
	evbuffer_free(b);
	return (s);
}

static void
metrics_set_free(struct metrics_set *set)
{
	size_t	 i;

	for (i = 0; set->labels != NULL && i < set->n; i++)
		free(set->labels[i]);
	free(set->labels);
	free(set->objs);
	memset(set, 0, sizeof(*set));
}

/* "CtlSyncLink" -> "sync_link" after "parent_" */
static void
metrics_prefix_other(char *buf, size_t len, const char *parent,
    const char *msg)
{
	size_t	 n;

	if (strncmp(msg, "Ctl", 3) == 0)
		msg += 3;
	n = (size_t)snprintf(buf, len, "%s", parent);
	for (; *msg != '\0' && n + 2 < len; msg++) {
		if (*msg >= 'A' && *msg <= 'Z') {
			buf[n++] = '_';
			buf[n++] = *msg - 'A' + 'a';
		} else
			buf[n++] = *msg;
	}
	buf[n < len ? n : len - 1] = '\0';
}

/* The set of the messages in field fd of every object of parent. */
static int
metrics_child(const struct metrics_set *parent,
    const ProtobufCFieldDescriptor *fd, struct metrics_set *set)
{
	const ProtobufCMessageDescriptor	*d = fd->descriptor;
	const ProtobufCMessage *const		*arr;
	size_t					 i, j, n = 0;

	memset(set, 0, sizeof(*set));
	set->mm = metrics_msg(d);
	metrics_object_fields(d, &set->of);
	set->own = set->mm->prefix != NULL || set->mm == &metrics_other;
	if (set->mm->prefix != NULL)
		snprintf(set->prefix, sizeof(set->prefix), "%s",
		    set->mm->prefix);
	else if (set->mm == &metrics_other)
		metrics_prefix_other(set->prefix, sizeof(set->prefix),
		    parent->prefix, d->name);
	else
		snprintf(set->prefix, sizeof(set->prefix), "%s",
		    parent->prefix);
	/* a message no object has is not this daemon's (carpd's reply has
	 * no sync, syncd's no stats): no families; one only some lack is
	 * zeros for those, as in the JSON */
	for (i = 0; i < parent->n; i++)
		n += fd->label == PROTOBUF_C_LABEL_REPEATED ?
		    field_count(parent->objs[i], fd) :
		    field_msg(parent->objs[i], fd) != NULL;
	if (n == 0)
		return (0);
	if (fd->label != PROTOBUF_C_LABEL_REPEATED)
		n = parent->n;
	if ((set->objs = calloc(n, sizeof(*set->objs))) == NULL ||
	    (set->labels = calloc(n, sizeof(*set->labels))) == NULL)
		goto fail;
	for (i = 0; i < parent->n; i++) {
		if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
			set->objs[set->n] = field_msg(parent->objs[i], fd);
			if ((set->labels[set->n++] = metrics_labels(
			    parent->labels[i], set->mm, d, NULL)) == NULL)
				goto fail;
			continue;
		}
		arr = field_array(parent->objs[i], fd);
		for (j = 0; j < field_count(parent->objs[i], fd); j++) {
			set->objs[set->n] = arr[j];
			if ((set->labels[set->n++] = metrics_labels(
			    parent->labels[i], set->mm, d, arr[j])) == NULL)
				goto fail;
		}
	}
	return (0);
 fail:
	metrics_set_free(set);
	return (-1);
}

static int
metrics_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	if (evbuffer_add_printf(b, "# TYPE %s %s\n# HELP %s ", name, type,
	    name) < 0 || metrics_escape(b, help) == -1)
		return (-1);
	return (evbuffer_add(b, "\n", 1));
}

/* name{labels,extra} value */
static int
metrics_sample(struct evbuffer *b, const char *name, const char *labels,
    const char *extra, const char *value)
{
	int	 open = labels[0] != '\0' || extra != NULL;

	if (evbuffer_add_printf(b, "%s%s%s%s%s%s %s\n", name, open ? "{" : "",
	    labels, labels[0] != '\0' && extra != NULL ? "," : "",
	    extra != NULL ? extra : "", open ? "}" : "", value) < 0)
		return (-1);
	return (0);
}

/* A counter or a gauge: one sample per object. */
static int
metrics_number(struct evbuffer *b, const struct metrics_set *set,
    const ProtobufCFieldDescriptor *fd, const char *name, const char *help)
{
	int	 counter = field_kind(&set->of, fd) == FK_COUNTER;
	char	 sname[METRICS_NAMELEN + 8], v[32];
	size_t	 i;

	if (metrics_head(b, name, counter ? "counter" : "gauge", help) == -1)
		return (-1);
	snprintf(sname, sizeof(sname), "%s%s", name, counter ? "_total" : "");
	for (i = 0; i < set->n; i++) {
		metrics_value(set->objs[i], fd, v, sizeof(v));
		if (metrics_sample(b, sname, set->labels[i], NULL, v) == -1)
			return (-1);
	}
	return (0);
}

/* An enum: a series per value of it, labelled with the family's name
 * as the format wants (enum names need no escaping); 1 for the object's
 * value, 0 for the others. */
static int
metrics_stateset(struct evbuffer *b, const struct metrics_set *set,
    const ProtobufCFieldDescriptor *fd, const char *name, const char *help)
{
	const ProtobufCEnumDescriptor	*ed = fd->descriptor;
	char				 ex[METRICS_NAMELEN * 2];
	size_t				 i;
	unsigned			 j;

	if (metrics_head(b, name, "stateset", help) == -1)
		return (-1);
	for (i = 0; i < set->n; i++)
		for (j = 0; j < ed->n_values; j++) {
			snprintf(ex, sizeof(ex), "%s=\"%s\"", name,
			    ed->values[j].name);
			if (metrics_sample(b, name, set->labels[i], ex,
			    field_int(set->objs[i], fd) ==
			    ed->values[j].value ? "1" : "0") == -1)
				return (-1);
		}
	return (0);
}

/* 1 if fd is a string of the set's info family */
static int
metrics_is_info(const struct metrics_set *set,
    const ProtobufCFieldDescriptor *fd)
{
	return (fd->type == PROTOBUF_C_TYPE_STRING &&
	    fd->label != PROTOBUF_C_LABEL_REPEATED &&
	    metrics_key(set->mm, fd) == NULL &&
	    !metrics_listed(set->mm->skip, METRICS_MAXSKIP, fd->name));
}

/* The strings of an object, not its keys: PREFIX_info{...} 1, if any
 * is set. Only a message with a prefix of its own has one: a message
 * flattened into its parent's prefix would repeat the parent's. */
static int
metrics_info(struct evbuffer *b, const struct metrics_set *set)
{
	const ProtobufCMessageDescriptor	*d = set->of.desc;
	struct evbuffer				*ex;
	char					 sname[METRICS_NAMELEN + 8];
	size_t					 i;
	unsigned				 j;
	int					 any = 0, rc = 0;

	for (i = 0; i < set->n; i++)
		for (j = 0; j < d->n_fields; j++)
			if (metrics_is_info(set, &d->fields[j]) &&
			    field_str(set->objs[i], &d->fields[j]) != NULL)
				any = 1;
	if (!any)
		return (0);
	snprintf(sname, sizeof(sname), "text fields of %s", d->name);
	if (metrics_head(b, set->prefix, "info", sname) == -1)
		return (-1);
	snprintf(sname, sizeof(sname), "%s_info", set->prefix);
	for (i = 0; rc == 0 && i < set->n; i++) {
		if ((ex = evbuffer_new()) == NULL)
			return (-1);
		for (j = 0; rc == 0 && j < d->n_fields; j++)
			if (metrics_is_info(set, &d->fields[j]))
				rc = metrics_label(ex, d->fields[j].name,
				    field_str(set->objs[i], &d->fields[j]));
		if (rc == 0 && evbuffer_add(ex, "", 1) == 0)
			rc = metrics_sample(b, sname, set->labels[i],
			    (const char *)evbuffer_pullup(ex, -1), "1");
		evbuffer_free(ex);
	}
	return (rc);
}

static int
metrics_message(struct evbuffer *b, const struct metrics_set *parent,
    const ProtobufCFieldDescriptor *fd)
{
	struct metrics_set	 set;
	int			 rc;

	if (metrics_child(parent, fd, &set) == -1)
		return (-1);
	rc = set.n > 0 ? metrics_walk(b, &set) : 0;
	metrics_set_free(&set);
	return (rc);
}

static int
metrics_field(struct evbuffer *b, const struct metrics_set *set,
    const ProtobufCFieldDescriptor *fd)
{
	char	 name[METRICS_NAMELEN], help[64];

	if (fd->type == PROTOBUF_C_TYPE_MESSAGE)
		return (metrics_message(b, set, fd));
	if (fd->label == PROTOBUF_C_LABEL_REPEATED ||
	    fd->type == PROTOBUF_C_TYPE_STRING ||
	    fd->type == PROTOBUF_C_TYPE_BYTES || metrics_key(set->mm, fd))
		return (0);
	/* names are short; a prefix that is not cannot make a bad one */
	if ((size_t)snprintf(name, sizeof(name), "%s_%s", set->prefix,
	    fd->name) >= sizeof(name))
		return (0);
	if (fd->type == PROTOBUF_C_TYPE_ENUM)
		return (metrics_stateset(b, set, fd, name,
		    field_label(&set->of, fd, help, sizeof(help))));
	return (metrics_number(b, set, fd, name,
	    field_label(&set->of, fd, help, sizeof(help))));
}

static int
metrics_walk(struct evbuffer *b, const struct metrics_set *set)
{
	const ProtobufCMessageDescriptor	*d = set->of.desc;
	unsigned				 i;

	if (set->own && metrics_info(b, set) == -1)
		return (-1);
	for (i = 0; i < d->n_fields; i++) {
		if (metrics_listed(set->mm->skip, METRICS_MAXSKIP,
		    d->fields[i].name))
			continue;
		if (metrics_field(b, set, &d->fields[i]) == -1)
			return (-1);
	}
	return (0);
}

int
metrics_reply(struct evbuffer *b, const char *daemon, const CtlReply *rep)
{
	const ProtobufCMessage	*obj = &rep->base;
	char			 none[] = "";
	char			*label = none;
	struct metrics_set	 set;

	memset(&set, 0, sizeof(set));
	snprintf(set.prefix, sizeof(set.prefix), "%s", daemon);
	set.mm = metrics_msg(&ctl_reply__descriptor);
	metrics_object_fields(&ctl_reply__descriptor, &set.of);
	set.objs = &obj;
	set.labels = &label;
	set.n = 1;
	set.own = 1;
	return (metrics_walk(b, &set));
}

int
metrics_end(struct evbuffer *b)
{
	return (evbuffer_add_printf(b, "# EOF\n") < 0 ? -1 : 0);
}
