/* carpctl: one control tool for carpd and syncd. carpctl.c parses the
 * command line (token table) and talks to the daemon; every reply frame
 * goes through one table of formatters (carpctl_text.c, carpctl_json.c),
 * like bgpctl's output.c and output_json.c. */
#ifndef CARPCTL_H
#define CARPCTL_H

#include <stddef.h>

#include "ctl.h"

/* A counter, flag or string of a reply message, named once for every
 * formatter. */
enum field_type {
	F_U64,
	F_U32,
	F_BOOL,
	F_STR,
};

struct field {
	const char	*name;		/* JSON key */
	const char	*label;		/* text */
	enum field_type	 type;
	size_t		 off;
};

extern const struct field counter_fields[];	/* CtlCounters */
extern const struct field stats_fields[];	/* CtlStats */
extern const struct field sync_fields[];	/* CtlSync */

/* value of f in msg; has_* of optional fields is ignored: absent is 0 */
unsigned long long	 field_uint(const void *msg, const struct field *);
const char		*field_str(const void *msg, const struct field *);

struct output {
	void	(*status)(const CtlReply *);		/* carps */
	void	(*groups)(const CtlReply *);
	void	(*stats)(const CtlReply *);
	void	(*event)(const CtlEvent *);		/* monitor */
	void	(*sync_status)(const CtlSync *);
	void	(*sync_stats)(const CtlSync *);
	void	(*done)(const CtlReply *);		/* reload, resync */
};

extern const struct output text_output;
extern const struct output json_output;

#endif
