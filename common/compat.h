/* What glibc 2.36 (Debian 12) lacks and the OpenBSD habits assume. */
#ifndef CARP_COMPAT_H
#define CARP_COMPAT_H

#include <stddef.h>

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 38)
size_t	strlcpy(char *, const char *, size_t);
#endif

#endif
