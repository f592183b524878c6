/* CARP codec: real ucarp adverts (tests/data/ucarp-*.txt, captured by
 * tests/tools/capture-ucarp.sh), checksum, decode errors, the digest's
 * address list, strict mode coverage and compat mode's known gaps.
 *
 * The data directory is $TEST_DATA_DIR, or tests/data from the repo root. */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "carp.h"
#include "tests/unit/unit.h"
#include "conf.h"	/* CONF_PASSMAX: the longest password a vector may hold */

#define VEC_MAXPKT	8

struct vec {
	int			 vhid, advbase, advskew, ttl;
	char			 password[CONF_PASSMAX + 1];
	struct carp_addr	 addr;
	struct sockaddr_in	 src;
	uint8_t			 pkt[VEC_MAXPKT][CARP_HDRLEN];
	int			 npkt;
};

static const char *vec_files[] = {
	"ucarp-vhid7.txt",
	"ucarp-vhid42.txt",
	"ucarp-pass19.txt",
};
#define NVEC	(int)(sizeof(vec_files) / sizeof(vec_files[0]))

static void
hex_decode(const char *hex, uint8_t *out, size_t len)
{
	unsigned	 b;
	size_t		 i;

	ck_assert_uint_eq(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = b;
	}
}

static void
vec_line(struct vec *v, const char *k, const char *val)
{
	if (strcmp(k, "vhid") == 0)
		v->vhid = atoi(val);
	else if (strcmp(k, "advbase") == 0)
		v->advbase = atoi(val);
	else if (strcmp(k, "advskew") == 0)
		v->advskew = atoi(val);
	else if (strcmp(k, "ttl") == 0)
		v->ttl = atoi(val);
	else if (strcmp(k, "password") == 0) {
		ck_assert_uint_le(strlen(val), CONF_PASSMAX);
		strcpy(v->password, val);
	} else if (strcmp(k, "address") == 0) {
		v->addr.af = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, val, &v->addr.a.v4), 1);
	} else if (strcmp(k, "source") == 0) {
		v->src.sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, val, &v->src.sin_addr), 1);
	} else if (strcmp(k, "carp") == 0) {
		ck_assert_int_lt(v->npkt, VEC_MAXPKT);
		hex_decode(val, v->pkt[v->npkt++], CARP_HDRLEN);
	}
}

static void
vec_load(int i, struct vec *v)
{
	const char	*dir = getenv("TEST_DATA_DIR");
	char		 path[1024], line[512], *eq;
	FILE		*f;

	if (dir == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/%s", dir, vec_files[i]);
	memset(v, 0, sizeof(*v));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		vec_line(v, line, eq + 1);
	}
	fclose(f);
	ck_assert_msg(v->vhid > 0 && v->npkt >= 1 && v->addr.af == AF_INET &&
	    v->src.sin_family == AF_INET, "%s incomplete", path);
}

static struct carp_auth
vec_auth(const struct vec *v, const char *pw)
{
	struct carp_auth	 a;

	memset(&a, 0, sizeof(a));
	a.mode = CARP_AUTH_COMPAT;
	a.key = (const uint8_t *)pw;
	a.keylen = strlen(pw);
	a.addrs = &v->addr;
	a.naddrs = 1;
	return (a);
}

/* Rewrite the checksum after changing a field, as an on-link attacker
 * would: the checksum protects against noise, not against people. */
static void
fix_cksum(uint8_t *p)
{
	uint16_t	 s;

	p[6] = p[7] = 0;
	s = carp_cksum(p, CARP_HDRLEN);
	p[6] = s >> 8;
	p[7] = s & 0xff;
}

/* ---- real ucarp adverts ---- */

START_TEST(test_vec_decode)
{
	struct vec	 v;
	struct carp_pkt	 p;
	int		 i;

	vec_load(_i, &v);
	ck_assert_int_eq(v.ttl, CARP_TTL);
	for (i = 0; i < v.npkt; i++) {
		ck_assert_int_eq(carp_decode(v.pkt[i], CARP_HDRLEN, &p),
		    CARP_OK);
		ck_assert_int_eq(p.version, CARP_VERSION);
		ck_assert_int_eq(p.type, CARP_ADVERTISEMENT);
		ck_assert_int_eq(p.authlen, CARP_AUTHLEN);
		ck_assert_int_eq(p.vhid, v.vhid);
		ck_assert_int_eq(p.advbase, v.advbase);
		ck_assert_int_eq(p.advskew, v.advskew);
		ck_assert_int_eq(p.demote, 0);		/* ucarp sends 0 */
		ck_assert_uint_eq(p.cksum, v.pkt[i][6] << 8 | v.pkt[i][7]);
		ck_assert_mem_eq(p.digest, v.pkt[i] + 16, CARP_DIGESTLEN);
	}
}
END_TEST

START_TEST(test_vec_verify)
{
	struct vec		 v;
	struct carp_pkt		 p;
	struct carp_auth	 a;
	struct carp_addr	 other;
	char			 wrong[CONF_PASSMAX + 2];
	int			 i;

	vec_load(_i, &v);
	for (i = 0; i < v.npkt; i++) {
		ck_assert_int_eq(carp_decode(v.pkt[i], CARP_HDRLEN, &p),
		    CARP_OK);
		a = vec_auth(&v, v.password);
		ck_assert_int_eq(carp_verify(v.pkt[i], &p, &a,
		    (struct sockaddr *)&v.src), CARP_OK);
		/* from the decoded fields alone, too */
		ck_assert_int_eq(carp_verify(NULL, &p, &a,
		    (struct sockaddr *)&v.src), CARP_OK);

		a = vec_auth(&v, "wrongpass");
		ck_assert_int_eq(carp_verify(v.pkt[i], &p, &a, NULL),
		    CARP_ERR_HMAC);
		/* one byte more: the zero padding is part of the key */
		snprintf(wrong, sizeof(wrong), "%sx", v.password);
		if (strlen(wrong) <= CARP_KEYLEN) {
			a = vec_auth(&v, wrong);
			ck_assert_int_eq(carp_verify(v.pkt[i], &p, &a, NULL),
			    CARP_ERR_HMAC);
		}
		/* right password, other virtual address */
		other = v.addr;
		other.a.v4.s_addr ^= htonl(1);
		a = vec_auth(&v, v.password);
		a.addrs = &other;
		ck_assert_int_eq(carp_verify(v.pkt[i], &p, &a, NULL),
		    CARP_ERR_HMAC);
	}
}
END_TEST

START_TEST(test_vec_reencode)
{
	struct vec		 v;
	struct carp_pkt		 p, q;
	struct carp_auth	 a;
	uint8_t			 out[CARP_HDRLEN];
	int			 i;

	vec_load(_i, &v);
	a = vec_auth(&v, v.password);
	for (i = 0; i < v.npkt; i++) {
		memset(&q, 0, sizeof(q));
		ck_assert_int_eq(carp_decode(v.pkt[i], CARP_HDRLEN, &p),
		    CARP_OK);
		q.vhid = v.vhid;
		q.advbase = v.advbase;
		q.advskew = v.advskew;
		q.counter = p.counter;
		ck_assert_int_eq(carp_encode(out, &q, &a, NULL), 0);
		ck_assert_mem_eq(out, v.pkt[i], CARP_HDRLEN);
	}
}
END_TEST

/* ---- checksum ---- */

START_TEST(test_cksum_known)
{
	/* RFC 1071 section 3 example: sum ddf2 */
	static const uint8_t	 rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4,
	    0xf5, 0xf6, 0xf7 };
	static const uint8_t	 ones[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	 carry[] = { 0x80, 0x00, 0x80, 0x00 };
	static const uint8_t	 odd1[] = { 0x01 };
	static const uint8_t	 odd3[] = { 0x01, 0x02, 0x03 };
	static const uint8_t	 odd5[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4 };

	ck_assert_uint_eq(carp_cksum(rfc, sizeof(rfc)), 0x220d);
	ck_assert_uint_eq(carp_cksum(ones, sizeof(ones)), 0x0000);
	ck_assert_uint_eq(carp_cksum(carry, sizeof(carry)), 0xfffe);
	ck_assert_uint_eq(carp_cksum(odd1, 1), 0xfeff);
	ck_assert_uint_eq(carp_cksum(odd3, 3), 0xfbfd);
	/* 0x0001 + 0xf203 + 0xf400 = 0x1e604 -> 0xe605 */
	ck_assert_uint_eq(carp_cksum(odd5, 5), 0x19fa);
	ck_assert_uint_eq(carp_cksum(rfc, 0), 0xffff);
}
END_TEST

START_TEST(test_cksum_vectors)
{
	struct vec	 v;
	uint8_t		 p[CARP_HDRLEN];
	int		 i;

	vec_load(_i, &v);
	for (i = 0; i < v.npkt; i++) {
		/* a valid advert sums to zero, checksum included */
		ck_assert_uint_eq(carp_cksum(v.pkt[i], CARP_HDRLEN), 0);
		memcpy(p, v.pkt[i], sizeof(p));
		p[6] = p[7] = 0;
		ck_assert_uint_eq(carp_cksum(p, sizeof(p)),
		    v.pkt[i][6] << 8 | v.pkt[i][7]);
	}
}
END_TEST

/* ---- decode errors ---- */

START_TEST(test_decode_short)
{
	struct vec	 v;
	struct carp_pkt	 p;
	uint8_t		 big[CARP_HDRLEN + 8];

	vec_load(0, &v);
	ck_assert_int_eq(carp_decode(v.pkt[0], CARP_HDRLEN - 1, &p),
	    CARP_ERR_LENGTH);
	ck_assert_int_eq(carp_decode(v.pkt[0], 0, &p), CARP_ERR_LENGTH);
	ck_assert_int_eq(carp_decode(NULL, CARP_HDRLEN, &p), CARP_ERR_LENGTH);
	/* trailing bytes are not ours to judge */
	memset(big, 0xa5, sizeof(big));
	memcpy(big, v.pkt[0], CARP_HDRLEN);
	ck_assert_int_eq(carp_decode(big, sizeof(big), &p), CARP_OK);
}
END_TEST

START_TEST(test_decode_cksum)
{
	struct vec	 v;
	struct carp_pkt	 p;
	uint8_t		 b[CARP_HDRLEN];
	int		 i;

	vec_load(0, &v);
	/* any single bit flip anywhere is caught */
	for (i = 0; i < CARP_HDRLEN * 8; i++) {
		memcpy(b, v.pkt[0], sizeof(b));
		b[i / 8] ^= 1 << (i % 8);
		ck_assert_int_eq(carp_decode(b, sizeof(b), &p),
		    CARP_ERR_CKSUM);
	}
	/* checked before anything else: a wrong version with a wrong
	 * checksum is a checksum error */
	memcpy(b, v.pkt[0], sizeof(b));
	b[0] = 0x31;
	ck_assert_int_eq(carp_decode(b, sizeof(b), &p), CARP_ERR_CKSUM);
	b[3] = 3;
	ck_assert_int_eq(carp_decode(b, sizeof(b), &p), CARP_ERR_CKSUM);
}
END_TEST

START_TEST(test_decode_version)
{
	static const struct { int off; uint8_t val; } bad[] = {
		{ 0, 0x31 },	/* version 3 */
		{ 0, 0x11 },	/* version 1 */
		{ 0, 0x22 },	/* type 2 */
		{ 0, 0x20 },	/* type 0 */
		{ 3, 6 },	/* authlen */
		{ 3, 0 },
	};
	struct vec	 v;
	struct carp_pkt	 p;
	uint8_t		 b[CARP_HDRLEN];
	size_t		 i;

	vec_load(0, &v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, v.pkt[0], sizeof(b));
		b[bad[i].off] = bad[i].val;
		fix_cksum(b);
		ck_assert_int_eq(carp_decode(b, sizeof(b), &p),
		    CARP_ERR_VERSION);
	}
}
END_TEST

START_TEST(test_strerror)
{
	ck_assert_str_eq(carp_strerror(CARP_OK), "ok");
	ck_assert_ptr_nonnull(carp_strerror(CARP_ERR_LENGTH));
	ck_assert_ptr_nonnull(carp_strerror(CARP_ERR_CKSUM));
	ck_assert_ptr_nonnull(carp_strerror(CARP_ERR_VERSION));
	ck_assert_ptr_nonnull(carp_strerror(CARP_ERR_HMAC));
	ck_assert_str_eq(carp_strerror((enum carp_err)99), "unknown error");
}
END_TEST

/* ---- the digest's address list ---- */

static struct carp_addr
mkaddr(const char *s)
{
	struct carp_addr	 a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.a.v4) == 1)
		a.af = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, &a.a.v6), 1);
		a.af = AF_INET6;
	}
	return (a);
}

static struct carp_auth
mkauth(enum carp_auth_mode mode, const char *pw, const struct carp_addr *addrs,
    int n)
{
	struct carp_auth	 a;

	memset(&a, 0, sizeof(a));
	a.mode = mode;
	a.key = (const uint8_t *)pw;
	a.keylen = strlen(pw);
	a.addrs = addrs;
	a.naddrs = n;
	return (a);
}

static void
encode_digest(const struct carp_auth *a, const struct sockaddr *src,
    uint64_t counter, uint8_t *md)
{
	struct carp_pkt	 p;
	uint8_t		 out[CARP_HDRLEN];

	memset(&p, 0, sizeof(p));
	p.vhid = 9;
	p.advbase = 1;
	p.counter = counter;
	ck_assert_int_eq(carp_encode(out, &p, a, src), 0);
	memcpy(md, out + 16, CARP_DIGESTLEN);
}

/* Reference compat digest built by hand from PROTOCOL.md, for a list of
 * addresses given in the order they must be hashed. */
static void
ref_compat(const char *pw, uint8_t vhid, const char **addrs, int n,
    uint64_t counter, uint8_t *md)
{
	uint8_t		 msg[512], key[CARP_KEYLEN];
	size_t		 len = 0;
	unsigned	 mdlen;
	int		 i;

	memset(key, 0, sizeof(key));
	memcpy(key, pw, strlen(pw));
	msg[len++] = 2;
	msg[len++] = 1;
	msg[len++] = vhid;
	for (i = 0; i < n; i++) {
		if (inet_pton(AF_INET, addrs[i], msg + len) == 1)
			len += 4;
		else {
			ck_assert_int_eq(inet_pton(AF_INET6, addrs[i],
			    msg + len), 1);
			len += 16;
		}
	}
	for (i = 7; i >= 0; i--)
		msg[len++] = counter >> (8 * i);
	ck_assert_ptr_nonnull(HMAC(EVP_sha1(), key, sizeof(key), msg, len,
	    md, &mdlen));
	ck_assert_uint_eq(mdlen, CARP_DIGESTLEN);
}

START_TEST(test_addr_order)
{
	/* unsorted, duplicates, a link-local; 9.0.0.2 < 10.0.0.1 only
	 * when compared as numbers (not as little-endian words) */
	static const char	*given[] = { "192.0.2.200", "2001:db8::2",
	    "10.0.0.1", "192.0.2.3", "fe80::1", "2001:db8::1", "9.0.0.2",
	    "192.0.2.3", "2001:db8::2" };
	static const char	*sorted[] = { "9.0.0.2", "10.0.0.1",
	    "192.0.2.3", "192.0.2.200", "2001:db8::1", "2001:db8::2" };
	struct carp_addr	 a1[9], a2[6];
	struct carp_auth	 x, y;
	uint8_t			 m1[CARP_DIGESTLEN], m2[CARP_DIGESTLEN];
	uint8_t			 ref[CARP_DIGESTLEN];
	int			 i;

	for (i = 0; i < 9; i++)
		a1[i] = mkaddr(given[i]);
	for (i = 0; i < 6; i++)
		a2[i] = mkaddr(sorted[i]);
	x = mkauth(CARP_AUTH_COMPAT, "pw", a1, 9);
	y = mkauth(CARP_AUTH_COMPAT, "pw", a2, 6);
	encode_digest(&x, NULL, 0x0102030405060708ULL, m1);
	encode_digest(&y, NULL, 0x0102030405060708ULL, m2);
	ck_assert_mem_eq(m1, m2, CARP_DIGESTLEN);
	ref_compat("pw", 9, sorted, 6, 0x0102030405060708ULL, ref);
	ck_assert_mem_eq(m1, ref, CARP_DIGESTLEN);

	/* one address less changes it */
	y.naddrs = 5;
	encode_digest(&y, NULL, 0x0102030405060708ULL, m2);
	ck_assert_mem_ne(m1, m2, CARP_DIGESTLEN);
}
END_TEST

START_TEST(test_addr_linklocal)
{
	static const char	*with_ll[] = { "192.0.2.1", "fe80::1",
	    "2001:db8::5" };
	struct carp_addr	 a[3], b[3];
	struct carp_auth	 x, y;
	struct carp_pkt		 p;
	uint8_t			 m1[CARP_DIGESTLEN], m2[CARP_DIGESTLEN];
	uint8_t			 pkt[CARP_HDRLEN];
	int			 i;

	for (i = 0; i < 3; i++)
		a[i] = mkaddr(with_ll[i]);
	b[0] = a[0];
	b[1] = a[2];
	b[2] = mkaddr("febf::1");	/* still fe80::/10 */
	x = mkauth(CARP_AUTH_COMPAT, "pw", a, 3);
	y = mkauth(CARP_AUTH_COMPAT, "pw", b, 2);
	encode_digest(&x, NULL, 42, m1);
	encode_digest(&y, NULL, 42, m2);
	ck_assert_mem_eq(m1, m2, CARP_DIGESTLEN);
	y.naddrs = 3;
	encode_digest(&y, NULL, 42, m2);
	ck_assert_mem_eq(m1, m2, CARP_DIGESTLEN);
	b[2] = mkaddr("fec0::1");	/* outside fe80::/10: counted */
	encode_digest(&y, NULL, 42, m2);
	ck_assert_mem_ne(m1, m2, CARP_DIGESTLEN);

	/* a peer that hashes the link-local address is accepted too */
	memset(&p, 0, sizeof(p));
	p.vhid = 9;
	p.advbase = 1;
	p.counter = 42;
	ck_assert_int_eq(carp_encode(pkt, &p, &x, NULL), 0);
	{
		static const char *order[] = { "192.0.2.1", "2001:db8::5",
		    "fe80::1" };
		ref_compat("pw", 9, order, 3, 42, pkt + 16);
	}
	fix_cksum(pkt);
	ck_assert_int_eq(carp_decode(pkt, sizeof(pkt), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(pkt, &p, &x, NULL), CARP_OK);
	x.naddrs = 1;		/* not without it configured */
	ck_assert_int_eq(carp_verify(pkt, &p, &x, NULL), CARP_ERR_HMAC);
}
END_TEST

START_TEST(test_compat_keylen)
{
	static const char	 k20[] = "0123456789abcdefghij";
	static const char	 k21[] = "0123456789abcdefghijk";
	struct carp_addr	 a = mkaddr("192.0.2.1");
	struct carp_auth	 x;
	struct carp_pkt		 p;
	uint8_t			 out[CARP_HDRLEN];

	memset(&p, 0, sizeof(p));
	p.vhid = 1;
	p.advbase = 1;
	x = mkauth(CARP_AUTH_COMPAT, k20, &a, 1);
	ck_assert_int_eq(carp_encode(out, &p, &x, NULL), 0);
	x = mkauth(CARP_AUTH_COMPAT, k21, &a, 1);
	ck_assert_int_eq(carp_encode(out, &p, &x, NULL), -1);
	ck_assert_int_eq(carp_verify(out, &p, &x, NULL), CARP_ERR_HMAC);
	/* an empty password is a 20-byte zero key */
	x = mkauth(CARP_AUTH_COMPAT, "", &a, 1);
	ck_assert_int_eq(carp_encode(out, &p, &x, NULL), 0);
	ck_assert_int_eq(carp_decode(out, sizeof(out), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(out, &p, &x, NULL), CARP_OK);
}
END_TEST

/* ---- strict mode ---- */

static struct sockaddr_in
mksin(const char *s)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, s, &sin.sin_addr), 1);
	return (sin);
}

static struct sockaddr_in6
mksin6(const char *s)
{
	struct sockaddr_in6	 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &sin6.sin6_addr), 1);
	return (sin6);
}

static void
strict_setup(struct carp_addr *addrs, struct carp_auth *a, uint8_t *pkt,
    const struct sockaddr *src)
{
	struct carp_pkt	 p;

	addrs[0] = mkaddr("192.0.2.100");
	addrs[1] = mkaddr("2001:db8::100");
	*a = mkauth(CARP_AUTH_STRICT, "a strict password longer than twenty", addrs,
	    2);
	memset(&p, 0, sizeof(p));
	p.vhid = 12;
	p.advbase = 1;
	p.advskew = 20;
	p.demote = 3;
	p.counter = 1700000000123456ULL;
	ck_assert_int_eq(carp_encode(pkt, &p, a, src), 0);
}

START_TEST(test_strict_roundtrip)
{
	struct sockaddr_in	 s4 = mksin("192.0.2.1");
	struct sockaddr_in6	 s6 = mksin6("fe80::1");
	struct carp_addr	 addrs[2];
	struct carp_auth	 a;
	struct carp_pkt		 p;
	uint8_t			 pkt[CARP_HDRLEN];

	strict_setup(addrs, &a, pkt, (struct sockaddr *)&s4);
	ck_assert_int_eq(carp_decode(pkt, sizeof(pkt), &p), CARP_OK);
	ck_assert_int_eq(p.vhid, 12);
	ck_assert_int_eq(p.advbase, 1);
	ck_assert_int_eq(p.advskew, 20);
	ck_assert_int_eq(p.demote, 3);
	ck_assert_uint_eq(p.counter, 1700000000123456ULL);
	ck_assert_int_eq(carp_verify(pkt, &p, &a, (struct sockaddr *)&s4),
	    CARP_OK);
	ck_assert_int_eq(carp_verify(NULL, &p, &a, (struct sockaddr *)&s4),
	    CARP_OK);

	strict_setup(addrs, &a, pkt, (struct sockaddr *)&s6);
	ck_assert_int_eq(carp_decode(pkt, sizeof(pkt), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(pkt, &p, &a, (struct sockaddr *)&s6),
	    CARP_OK);
	/* the source address is required */
	ck_assert_int_eq(carp_verify(pkt, &p, &a, NULL), CARP_ERR_HMAC);
	ck_assert_int_eq(carp_encode(pkt, &p, &a, NULL), -1);
}
END_TEST

/* Reference strict digest from the definition in carp.h. */
START_TEST(test_strict_reference)
{
	struct sockaddr_in	 s4 = mksin("192.0.2.1");
	struct carp_addr	 addrs[2];
	struct carp_auth	 a;
	uint8_t			 pkt[CARP_HDRLEN], msg[128], md[64];
	unsigned		 mdlen;
	size_t			 len;

	strict_setup(addrs, &a, pkt, (struct sockaddr *)&s4);
	memcpy(msg, pkt, CARP_HDRLEN);
	memset(msg + 6, 0, 2);
	memset(msg + 16, 0, CARP_DIGESTLEN);
	len = CARP_HDRLEN;
	memcpy(msg + len, &addrs[0].a.v4, 4);
	len += 4;
	memcpy(msg + len, &addrs[1].a.v6, 16);
	len += 16;
	memcpy(msg + len, &s4.sin_addr, 4);
	len += 4;
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), a.key, a.keylen, msg, len,
	    md, &mdlen));
	ck_assert_mem_eq(pkt + 16, md, CARP_DIGESTLEN);
}
END_TEST

/* Every header field an attacker could change, one at a time, with the
 * checksum made right again. */
START_TEST(test_strict_fields)
{
	static const int	 offs[] = { 1, 2, 4, 5, 8, 12, 15, 16, 35 };
	struct sockaddr_in	 s4 = mksin("192.0.2.1");
	struct carp_addr	 addrs[2];
	struct carp_auth	 a;
	struct carp_pkt		 p;
	uint8_t			 pkt[CARP_HDRLEN], b[CARP_HDRLEN];
	size_t			 i;

	strict_setup(addrs, &a, pkt, (struct sockaddr *)&s4);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memcpy(b, pkt, sizeof(b));
		b[offs[i]] ^= 0x01;
		fix_cksum(b);
		ck_assert_int_eq(carp_decode(b, sizeof(b), &p), CARP_OK);
		ck_assert_msg(carp_verify(b, &p, &a, (struct sockaddr *)&s4) ==
		    CARP_ERR_HMAC, "byte %d not covered", offs[i]);
	}
}
END_TEST

START_TEST(test_strict_addrs_src)
{
	struct sockaddr_in	 s4 = mksin("192.0.2.1");
	struct sockaddr_in	 o4 = mksin("192.0.2.2");
	struct sockaddr_in6	 o6 = mksin6("::ffff:192.0.2.1");
	struct carp_addr	 addrs[2], mod[2];
	struct carp_auth	 a, m;
	struct carp_pkt		 p;
	uint8_t			 pkt[CARP_HDRLEN];
	int			 i;

	strict_setup(addrs, &a, pkt, (struct sockaddr *)&s4);
	ck_assert_int_eq(carp_decode(pkt, sizeof(pkt), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(pkt, &p, &a, (struct sockaddr *)&o4),
	    CARP_ERR_HMAC);
	ck_assert_int_eq(carp_verify(pkt, &p, &a, (struct sockaddr *)&o6),
	    CARP_ERR_HMAC);
	for (i = 0; i < 2; i++) {
		memcpy(mod, addrs, sizeof(mod));
		if (mod[i].af == AF_INET)
			mod[i].a.v4.s_addr ^= htonl(1);
		else
			mod[i].a.v6.s6_addr[15] ^= 1;
		m = a;
		m.addrs = mod;
		ck_assert_int_eq(carp_verify(pkt, &p, &m,
		    (struct sockaddr *)&s4), CARP_ERR_HMAC);
	}
	m = a;
	m.naddrs = 1;
	ck_assert_int_eq(carp_verify(pkt, &p, &m, (struct sockaddr *)&s4),
	    CARP_ERR_HMAC);
	m = a;
	m.keylen--;
	ck_assert_int_eq(carp_verify(pkt, &p, &m, (struct sockaddr *)&s4),
	    CARP_ERR_HMAC);
	/* the modes never accept each other's digests */
	m = a;
	m.mode = CARP_AUTH_COMPAT;
	m.keylen = 8;
	ck_assert_int_eq(carp_verify(pkt, &p, &m, (struct sockaddr *)&s4),
	    CARP_ERR_HMAC);
}
END_TEST

/* The known weakness of the BSD/ucarp digest, kept on purpose for
 * interoperability: advbase, advskew, demote and the sender are not
 * covered, so a replayed advert can be altered. This is why auth strict
 * exists. */
START_TEST(test_compat_weakness)
{
	static const int	 offs[] = { 2, 4, 5 };	/* skew, demote, base */
	struct vec		 v;
	struct carp_auth	 a;
	struct carp_pkt		 p;
	struct sockaddr_in	 other = mksin("192.0.2.66");
	uint8_t			 b[CARP_HDRLEN];
	size_t			 i;

	vec_load(0, &v);
	a = vec_auth(&v, v.password);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memcpy(b, v.pkt[0], sizeof(b));
		b[offs[i]] = 0xff;
		fix_cksum(b);
		ck_assert_int_eq(carp_decode(b, sizeof(b), &p), CARP_OK);
		ck_assert_int_eq(carp_verify(b, &p, &a,
		    (struct sockaddr *)&other), CARP_OK);
	}
	/* the counter and vhid are covered */
	memcpy(b, v.pkt[0], sizeof(b));
	b[15] ^= 1;
	fix_cksum(b);
	ck_assert_int_eq(carp_decode(b, sizeof(b), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(b, &p, &a, NULL), CARP_ERR_HMAC);
}
END_TEST

START_TEST(test_strict_emptykey)
{
	struct sockaddr_in	 s4 = mksin("192.0.2.1");
	struct carp_addr	 a1 = mkaddr("192.0.2.9");
	struct carp_auth	 a = mkauth(CARP_AUTH_STRICT, "", &a1, 1);
	struct carp_pkt		 p;
	uint8_t			 pkt[CARP_HDRLEN];

	memset(&p, 0, sizeof(p));
	p.vhid = 1;
	p.advbase = 1;
	ck_assert_int_eq(carp_encode(pkt, &p, &a, (struct sockaddr *)&s4), 0);
	ck_assert_int_eq(carp_decode(pkt, sizeof(pkt), &p), CARP_OK);
	ck_assert_int_eq(carp_verify(pkt, &p, &a, (struct sockaddr *)&s4),
	    CARP_OK);
}
END_TEST

static Suite *
carp_suite(void)
{
	Suite	*s = suite_create("carp");
	TCase	*tc;

	tc = tcase_create("ucarp");
	tcase_add_loop_test(tc, test_vec_decode, 0, NVEC);
	tcase_add_loop_test(tc, test_vec_verify, 0, NVEC);
	tcase_add_loop_test(tc, test_vec_reencode, 0, NVEC);
	tcase_add_loop_test(tc, test_cksum_vectors, 0, NVEC);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, test_cksum_known);
	tcase_add_test(tc, test_decode_short);
	tcase_add_test(tc, test_decode_cksum);
	tcase_add_test(tc, test_decode_version);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("digest");
	tcase_add_test(tc, test_addr_order);
	tcase_add_test(tc, test_addr_linklocal);
	tcase_add_test(tc, test_compat_keylen);
	tcase_add_test(tc, test_compat_weakness);
	tcase_add_test(tc, test_strict_roundtrip);
	tcase_add_test(tc, test_strict_reference);
	tcase_add_test(tc, test_strict_fields);
	tcase_add_test(tc, test_strict_addrs_src);
	tcase_add_test(tc, test_strict_emptykey);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(carp_suite()));
}
