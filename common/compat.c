#include <string.h>

#include "compat.h"

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 38)
/* Copy with truncation, always terminated; returns strlen(src) so that
 * callers can detect truncation. */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src);

	if (size != 0) {
		size_t	 n = len >= size ? size - 1 : len;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}
#endif
