/* The advert codec allocates nothing: carp_encode and carp_verify, in
 * both modes, with IPv4 and IPv6 addresses, run hundreds of times a
 * second at advbase 0 under mlockall (carpd's realtime). malloc and its
 * kin are interposed here and counted while the codec runs; they
 * forward to glibc's own. Under AddressSanitizer, which owns malloc,
 * the test is skipped (exit 77). */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "carp.h"
#include "tests/unit/unit.h"

static int	 counting;
static int	 allocs;

#ifndef __SANITIZE_ADDRESS__
void	*__libc_malloc(size_t);
void	*__libc_calloc(size_t, size_t);
void	*__libc_realloc(void *, size_t);
void	 __libc_free(void *);

void *
malloc(size_t n)
{
	allocs += counting;
	return (__libc_malloc(n));
}

void *
calloc(size_t n, size_t size)
{
	allocs += counting;
	return (__libc_calloc(n, size));
}

void *
realloc(void *p, size_t n)
{
	allocs += counting;
	return (__libc_realloc(p, n));
}

void
free(void *p)
{
	__libc_free(p);
}
#endif

static struct carp_addr
mkaddr(int af, const char *s)
{
	struct carp_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = af;
	ck_assert_int_eq(inet_pton(af, s, &a.a), 1);
	return (a);
}

/* Encode, decode and verify one advert in mode, counting allocations
 * from the second round on (the first may set up libc's own state). */
static void
roundtrip(enum carp_auth_mode mode, const char *key)
{
	struct carp_addr	 addrs[3];
	struct carp_auth	 a;
	struct carp_pkt		 p, q;
	struct sockaddr_in	 src;
	uint8_t			 pkt[CARP_HDRLEN];
	enum carp_err		 dec, ver;
	int			 i, enc;

	addrs[0] = mkaddr(AF_INET, "192.0.2.100");
	addrs[1] = mkaddr(AF_INET, "192.0.2.99");
	addrs[2] = mkaddr(AF_INET6, "2001:db8::100");
	memset(&a, 0, sizeof(a));
	a.mode = mode;
	a.key = (const uint8_t *)key;
	a.keylen = strlen(key);
	a.addrs = addrs;
	a.naddrs = 3;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	memset(&p, 0, sizeof(p));
	p.vhid = 7;
	p.advskew = 1;
	/* Check's assertions allocate (they report to the parent): the
	 * results are checked after the counted calls */
	for (i = 0; i < 3; i++) {
		p.counter = 1000 + (uint64_t)i;
		counting = i > 0;
		enc = carp_encode(pkt, &p, &a, (struct sockaddr *)&src);
		dec = carp_decode(pkt, sizeof(pkt), &q);
		ver = carp_verify(pkt, &q, &a, (struct sockaddr *)&src);
		counting = 0;
		ck_assert_int_eq(enc, 0);
		ck_assert_int_eq(dec, CARP_OK);
		ck_assert_int_eq(ver, CARP_OK);
	}
	ck_assert_int_eq(allocs, 0);
}

START_TEST(test_compat_noalloc)
{
	allocs = 0;
	roundtrip(CARP_AUTH_COMPAT, "secret");
}
END_TEST

START_TEST(test_strict_noalloc)
{
	allocs = 0;
	/* longer than the 64-byte HMAC block: hashed first, still no
	 * allocation */
	roundtrip(CARP_AUTH_STRICT, "a strict password that is longer than "
	    "one sixty-four byte HMAC block");
}
END_TEST

static Suite *
noalloc_suite(void)
{
	Suite	*s = suite_create("noalloc");
	TCase	*tc = tcase_create("codec");

	tcase_add_test(tc, test_compat_noalloc);
	tcase_add_test(tc, test_strict_noalloc);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
#ifdef __SANITIZE_ADDRESS__
	(void)noalloc_suite;
	return (77);
#else
	return (unit_run(noalloc_suite()));
#endif
}
