/* JSON string literals for carpctl's JSON output. Kept alone so that a
 * JSON library can replace it without touching the control protocol. */
#include <stdio.h>

#include "ctl_json.h"

/* Length of the valid UTF-8 sequence at s, 0 if it is not one (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
ctl_utf8_len(const unsigned char *s)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (*s < 0x80)
		return (1);
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef) {
		n = 3;
		if (*s == 0xe0)
			lo = 0xa0;
		if (*s == 0xed)
			hi = 0x9f;
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		n = 4;
		if (*s == 0xf0)
			lo = 0x90;
		if (*s == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return (0);
		lo = 0x80;
		hi = 0xbf;
	}
	return (n);
}

void
ctl_json_string(FILE *f, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n;

	fputc('"', f);
	while (s != NULL && *s != '\0') {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\r')
			fputs("\\r", f);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if ((n = ctl_utf8_len(s)) == 0)
			fputs("\\ufffd", f);	/* invalid byte */
		else {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}
