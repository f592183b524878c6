/* Helpers shared by the libFuzzer targets; see fuzz.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

FILE *
fuzz_devnull(void)
{
	static FILE	*f;

	if (f == NULL && (f = fopen("/dev/null", "w")) == NULL)
		fuzz_fail("cannot open /dev/null");
	return (f);
}

int
fuzz_record(const uint8_t **p, size_t *n, const uint8_t **rec, size_t *rlen)
{
	size_t	 want;

	if (*n < 2)
		return (-1);
	want = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	*n -= 2;
	*rec = *p;
	*rlen = want < *n ? want : *n;
	*p += *rlen;
	*n -= *rlen;
	return (0);
}

size_t
fuzz_record_put(uint8_t *buf, size_t len, size_t cap, const uint8_t *rec,
    size_t rlen)
{
	if (rlen > 0xffff || cap - len < rlen + 2)
		return (0);
	buf[len] = rlen >> 8;
	buf[len + 1] = rlen & 0xff;
	memcpy(buf + len + 2, rec, rlen);
	return (len + 2 + rlen);
}
