/* carpctl: one control tool for carpd and syncd. carpctl.c parses the
 * command line (token table) and talks to the daemon; every reply frame
 * goes through one table of formatters (carpctl_text.c, carpctl_json.c),
 * like bgpctl's output.c and output_json.c.
 *
 * The fields of a reply object are those of its message in
 * proto/ctl.proto, read from the protobuf-c descriptor
 * (carpctl_field.c): a counter added there and filled by the daemon
 * shows in every format. struct field_info holds only what the
 * descriptor cannot say. */
#ifndef CARPCTL_H
#define CARPCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl.h"

/* For metrics: a counter only grows (until the daemon restarts). */
enum field_kind {
	FK_AUTO = 0,	/* uint64: counter, string: label, else gauge */
	FK_COUNTER,
	FK_GAUGE,
	FK_LABEL,
};

struct field_info {
	const char	*name;		/* field of the message */
	const char	*label;		/* NULL: the name, '_' as ' ' */
	enum field_kind	 kind;
	const char	*unit;		/* NULL: a plain number */
};

/* One kind of reply object: its message and the exceptions to the
 * defaults, NULL-terminated (NULL: none). */
struct object_fields {
	const ProtobufCMessageDescriptor	*desc;
	const struct field_info			*info;
};

extern const struct object_fields counter_fields;	/* CtlCounters */
extern const struct object_fields stats_fields;		/* CtlStats */
extern const struct object_fields sync_fields;		/* CtlSync */

const struct field_info	*field_info(const struct object_fields *,
			    const ProtobufCFieldDescriptor *);
const char		*field_label(const struct object_fields *,
			    const ProtobufCFieldDescriptor *, char *, size_t);
enum field_kind		 field_kind(const struct object_fields *,
			    const ProtobufCFieldDescriptor *);

/* A singular scalar field's value; msg NULL or the field absent gives
 * 0 (proto2 default of every field here). */
int			 field_is_signed(const ProtobufCFieldDescriptor *);
int			 field_is_number(const ProtobufCFieldDescriptor *);
uint64_t		 field_uint(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);
int64_t			 field_int(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);
/* string (NULL if absent) or enum value's name */
const char		*field_str(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);
/* repeated: the count and the array */
size_t			 field_count(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);
const void		*field_array(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);
const ProtobufCMessage	*field_msg(const ProtobufCMessage *,
			    const ProtobufCFieldDescriptor *);

/* Each writes one reply frame to f. */
struct output {
	void	(*status)(FILE *, const CtlReply *);	/* carps */
	void	(*groups)(FILE *, const CtlReply *);
	void	(*stats)(FILE *, const CtlReply *);
	void	(*event)(FILE *, const CtlEvent *);	/* monitor */
	void	(*sync_status)(FILE *, const CtlSync *);
	void	(*sync_stats)(FILE *, const CtlSync *);
	void	(*done)(FILE *, const CtlReply *);	/* reload */
	void	(*tracks)(FILE *, const CtlReply *);	/* health checks */
};

extern const struct output text_output;
extern const struct output json_output;

/* carpctl metrics (carpctl_metrics.c): both daemons' replies as
 * OpenMetrics text on f; syncd only if its socket exists. -1 after an
 * error, printed. */
int	carpctl_metrics(FILE *, const char *carpd_sock,
	    const char *syncd_sock);

#endif
