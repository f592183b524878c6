/* JSON escaping for carpctl's JSON output; see ctl_json.c. */
#ifndef CARP_CTL_JSON_H
#define CARP_CTL_JSON_H

#include <stdio.h>

/* JSON string literal with every control character escaped. */
void		 ctl_json_string(FILE *, const char *);

#endif
