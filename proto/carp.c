/* CARP v2 advertisement codec: checksum, encode, decode and both
 * authentication modes (see carp.h and docs/PROTOCOL.md).
 *
 * Checksums are handled as host-order numbers: carp_cksum() returns the
 * value to store big-endian in bytes 6-7, and struct carp_pkt.cksum holds
 * the wire field read the same way. The checksum of a valid advert,
 * checksum field included, is 0. */
#include <sys/types.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* The digests run on every advert sent and received, hundreds a second
 * at advbase 0, under mlockall (carpd's realtime): nothing there may
 * allocate. OpenSSL 3.0's EVP digests and MACs allocate a provider
 * context on every init or copy (and EVP_MAC_init looks the digest up by
 * name), so HMAC (RFC 2104) is made here over the plain SHA structs,
 * which live on our stack; they are deprecated, not removed, in 3.0. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "carp.h"

#define CARP_OFF_CKSUM		6
#define CARP_OFF_COUNTER	8
#define CARP_OFF_DIGEST		16
#define CARP_MAXMD		SHA256_DIGEST_LENGTH
#define CARP_HMAC_BLOCK		64	/* SHA-1 and SHA-256 alike */

/* Which address list the digest covers. */
enum carp_ll {
	CARP_LL_SKIP = 0,	/* link-local IPv6 left out (what we send) */
	CARP_LL_KEEP,		/* included, as older OpenBSD peers did */
};

/* On the stack, CARP_MAXADDRS each: no allocation per advert. */
struct carp_addrlist {
	uint32_t	 v4[CARP_MAXADDRS];	/* host order, sorted */
	int		 n4;
	struct in6_addr	 v6[CARP_MAXADDRS];	/* sorted by memcmp */
	int		 n6;
};

/* One hash of the HMAC, as a row: SHA-1 for compat, SHA-256 for strict. */
union carp_shactx {
	SHA_CTX		 s1;
	SHA256_CTX	 s256;
};

struct carp_hash {
	int	(*init)(union carp_shactx *);
	int	(*update)(union carp_shactx *, const void *, size_t);
	int	(*final)(uint8_t *, union carp_shactx *);
	size_t	 mdlen;
};

/* HMAC in progress: the inner hash, and the outer key pad for the end. */
struct carp_hmac {
	const struct carp_hash	*h;
	union carp_shactx	 ctx;
	uint8_t			 opad[CARP_HMAC_BLOCK];
};

static const char *carp_errstr[] = {
	[CARP_OK] = "ok",
	[CARP_ERR_LENGTH] = "short packet",
	[CARP_ERR_CKSUM] = "bad checksum",
	[CARP_ERR_VERSION] = "bad version, type or authlen",
	[CARP_ERR_HMAC] = "bad digest",
};

const char *
carp_strerror(enum carp_err e)
{
	if ((unsigned)e >= sizeof(carp_errstr) / sizeof(carp_errstr[0]) ||
	    carp_errstr[e] == NULL)
		return ("unknown error");
	return (carp_errstr[e]);
}

/* RFC 1071: one's complement sum of big-endian 16-bit words; an odd last
 * byte is the high half of a word padded with zero. */
uint16_t
carp_cksum(const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static void
carp_put64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t
carp_get64(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

/* The 36 header bytes with the checksum and digest zeroed: the exact
 * bytes strict mode authenticates. */
static void
carp_hdr_put(uint8_t *out, const struct carp_pkt *pkt)
{
	memset(out, 0, CARP_HDRLEN);
	out[0] = (pkt->version & 0x0f) << 4 | (pkt->type & 0x0f);
	out[1] = pkt->vhid;
	out[2] = pkt->advskew;
	out[3] = pkt->authlen;
	out[4] = pkt->demote;
	out[5] = pkt->advbase;
	carp_put64(out + CARP_OFF_COUNTER, pkt->counter);
}

static int
carp_cmp4(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

static int
carp_cmp6(const void *a, const void *b)
{
	return (memcmp(a, b, sizeof(struct in6_addr)));
}

/* The digest covers every IPv4 address in ascending numeric order and
 * every IPv6 address in ascending memcmp order, each once (BSD walks a
 * sorted address list). OpenBSD leaves link-local IPv6 addresses out. */
static int
carp_addrlist_get(const struct carp_auth *auth, enum carp_ll ll,
    struct carp_addrlist *al)
{
	const struct carp_addr	*a;
	int			 i, n = auth->naddrs > 0 ? auth->naddrs : 0;

	al->n4 = al->n6 = 0;
	if ((n > 0 && auth->addrs == NULL) || n > CARP_MAXADDRS)
		return (-1);
	for (i = 0; i < n; i++) {
		a = &auth->addrs[i];
		if (a->af == AF_INET)
			al->v4[al->n4++] = ntohl(a->a.v4.s_addr);
		else if (a->af == AF_INET6 && (ll == CARP_LL_KEEP ||
		    !IN6_IS_ADDR_LINKLOCAL(&a->a.v6)))
			al->v6[al->n6++] = a->a.v6;
	}
	qsort(al->v4, al->n4, sizeof(*al->v4), carp_cmp4);
	qsort(al->v6, al->n6, sizeof(*al->v6), carp_cmp6);
	return (0);
}

static int
carp_sha1_init(union carp_shactx *c)
{
	return (SHA1_Init(&c->s1));
}

static int
carp_sha1_update(union carp_shactx *c, const void *p, size_t len)
{
	return (SHA1_Update(&c->s1, p, len));
}

static int
carp_sha1_final(uint8_t *md, union carp_shactx *c)
{
	return (SHA1_Final(md, &c->s1));
}

static int
carp_sha256_init(union carp_shactx *c)
{
	return (SHA256_Init(&c->s256));
}

static int
carp_sha256_update(union carp_shactx *c, const void *p, size_t len)
{
	return (SHA256_Update(&c->s256, p, len));
}

static int
carp_sha256_final(uint8_t *md, union carp_shactx *c)
{
	return (SHA256_Final(md, &c->s256));
}

static const struct carp_hash carp_sha1 = {
	carp_sha1_init, carp_sha1_update, carp_sha1_final,
	SHA_DIGEST_LENGTH
};
static const struct carp_hash carp_sha256 = {
	carp_sha256_init, carp_sha256_update, carp_sha256_final,
	SHA256_DIGEST_LENGTH
};

/* RFC 2104: a key longer than the block is hashed first; the key, zero
 * padded to the block, XOR 0x36 starts the inner hash and XOR 0x5c the
 * outer one. An empty key is a block of zeros. */
static int
carp_hmac_init(struct carp_hmac *m, const struct carp_hash *h,
    const uint8_t *key, size_t keylen)
{
	uint8_t		 k[CARP_HMAC_BLOCK], ipad[CARP_HMAC_BLOCK];
	size_t		 i;
	int		 ok;

	m->h = h;
	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k)) {
		if (!h->init(&m->ctx) || !h->update(&m->ctx, key, keylen) ||
		    !h->final(k, &m->ctx))
			return (-1);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof(k); i++) {
		ipad[i] = k[i] ^ 0x36;
		m->opad[i] = k[i] ^ 0x5c;
	}
	ok = h->init(&m->ctx) && h->update(&m->ctx, ipad, sizeof(ipad));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(ipad, sizeof(ipad));
	return (ok ? 0 : -1);
}

static int
carp_hmac_update(struct carp_hmac *m, const void *p, size_t len)
{
	return (m->h->update(&m->ctx, p, len) ? 0 : -1);
}

/* md gets h->mdlen bytes (CARP_MAXMD at most). */
static int
carp_hmac_final(struct carp_hmac *m, uint8_t *md)
{
	uint8_t		 inner[CARP_MAXMD];
	int		 ok;

	ok = m->h->final(inner, &m->ctx) && m->h->init(&m->ctx) &&
	    m->h->update(&m->ctx, m->opad, sizeof(m->opad)) &&
	    m->h->update(&m->ctx, inner, m->h->mdlen) &&
	    m->h->final(md, &m->ctx);
	OPENSSL_cleanse(m, sizeof(*m));
	return (ok ? 0 : -1);
}

static int
carp_hmac_addrs(struct carp_hmac *m, const struct carp_addrlist *al)
{
	uint8_t		 b[4];
	int		 i;

	for (i = 0; i < al->n4; i++) {
		if (i > 0 && al->v4[i] == al->v4[i - 1])
			continue;
		b[0] = al->v4[i] >> 24;
		b[1] = al->v4[i] >> 16;
		b[2] = al->v4[i] >> 8;
		b[3] = al->v4[i];
		if (carp_hmac_update(m, b, sizeof(b)) == -1)
			return (-1);
	}
	for (i = 0; i < al->n6; i++) {
		if (i > 0 && carp_cmp6(&al->v6[i], &al->v6[i - 1]) == 0)
			continue;
		if (carp_hmac_update(m, al->v6[i].s6_addr, 16) == -1)
			return (-1);
	}
	return (0);
}

/* compat (OpenBSD, FreeBSD, ucarp): HMAC-SHA1 keyed with the password
 * copied into a zeroed 20-byte buffer, over version, type, vhid, the
 * address list and the counter bytes as on the wire. */
static int
carp_digest_compat(uint8_t *md, const uint8_t *hdr,
    const struct carp_auth *auth, enum carp_ll ll)
{
	uint8_t			 key[CARP_KEYLEN], vtv[3];
	uint8_t			 full[CARP_MAXMD];
	struct carp_addrlist	 al;
	struct carp_hmac	 m;
	int			 rv = -1;

	if (auth->keylen > sizeof(key) || (auth->keylen && !auth->key))
		return (-1);
	memset(key, 0, sizeof(key));
	if (auth->keylen)
		memcpy(key, auth->key, auth->keylen);
	vtv[0] = CARP_VERSION;
	vtv[1] = CARP_ADVERTISEMENT;
	vtv[2] = hdr[1];
	if (carp_addrlist_get(auth, ll, &al) == 0 &&
	    carp_hmac_init(&m, &carp_sha1, key, sizeof(key)) == 0 &&
	    carp_hmac_update(&m, vtv, sizeof(vtv)) == 0 &&
	    carp_hmac_addrs(&m, &al) == 0 &&
	    carp_hmac_update(&m, hdr + CARP_OFF_COUNTER, 8) == 0 &&
	    carp_hmac_final(&m, full) == 0) {
		memcpy(md, full, CARP_DIGESTLEN);
		rv = 0;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return (rv);
}

/* The IP source as the digest sees it: 4 or 16 address bytes. */
static int
carp_src_bytes(const struct sockaddr *src, const uint8_t **p, size_t *len)
{
	if (src == NULL)
		return (-1);
	if (src->sa_family == AF_INET) {
		*p = (const uint8_t *)
		    &((const struct sockaddr_in *)(const void *)src)->sin_addr;
		*len = 4;
	} else if (src->sa_family == AF_INET6) {
		*p = ((const struct sockaddr_in6 *)(const void *)src)->
		    sin6_addr.s6_addr;
		*len = 16;
	} else
		return (-1);
	return (0);
}

/* strict (carpd only): HMAC-SHA256 keyed with the password, truncated to
 * the 20-byte field, over the whole header (checksum and digest zeroed),
 * the address list and the IP source, so that advbase, advskew, demote
 * and the sender cannot be changed by someone replaying an advert. */
static int
carp_digest_strict(uint8_t *md, const uint8_t *hdr,
    const struct carp_auth *auth, const struct sockaddr *src)
{
	uint8_t			 zhdr[CARP_HDRLEN], full[CARP_MAXMD];
	struct carp_addrlist	 al;
	struct carp_hmac	 m;
	const uint8_t		*sp;
	size_t			 slen;

	if (carp_src_bytes(src, &sp, &slen) == -1 ||
	    (auth->keylen && !auth->key))
		return (-1);
	memcpy(zhdr, hdr, CARP_HDRLEN);
	memset(zhdr + CARP_OFF_CKSUM, 0, 2);
	memset(zhdr + CARP_OFF_DIGEST, 0, CARP_DIGESTLEN);
	if (carp_addrlist_get(auth, CARP_LL_SKIP, &al) == -1 ||
	    carp_hmac_init(&m, &carp_sha256, auth->key, auth->keylen) == -1 ||
	    carp_hmac_update(&m, zhdr, sizeof(zhdr)) == -1 ||
	    carp_hmac_addrs(&m, &al) == -1 ||
	    carp_hmac_update(&m, sp, slen) == -1 ||
	    carp_hmac_final(&m, full) == -1)
		return (-1);
	memcpy(md, full, CARP_DIGESTLEN);
	return (0);
}

static int
carp_digest(uint8_t *md, const uint8_t *hdr, const struct carp_auth *auth,
    const struct sockaddr *src, enum carp_ll ll)
{
	if (auth == NULL)
		return (-1);
	switch (auth->mode) {
	case CARP_AUTH_COMPAT:
		return (carp_digest_compat(md, hdr, auth, ll));
	case CARP_AUTH_STRICT:
		return (carp_digest_strict(md, hdr, auth, src));
	}
	return (-1);
}

/* The digest is computed over the finished header, the checksum last
 * over everything (docs/PROTOCOL.md: computed last, checked first). */
int
carp_encode(uint8_t *out, const struct carp_pkt *pkt,
    const struct carp_auth *auth, const struct sockaddr *src)
{
	struct carp_pkt	 p = *pkt;
	uint16_t	 sum;

	p.version = CARP_VERSION;
	p.type = CARP_ADVERTISEMENT;
	p.authlen = CARP_AUTHLEN;
	carp_hdr_put(out, &p);
	if (carp_digest(out + CARP_OFF_DIGEST, out, auth, src,
	    CARP_LL_SKIP) == -1) {
		memset(out, 0, CARP_HDRLEN);
		return (-1);
	}
	sum = carp_cksum(out, CARP_HDRLEN);
	out[CARP_OFF_CKSUM] = sum >> 8;
	out[CARP_OFF_CKSUM + 1] = sum & 0xff;
	return (0);
}

/* Length, then the checksum before looking at any field, then the
 * version, type and authlen. Bytes past the 36 (none in practice) are
 * neither checksummed nor looked at. */
enum carp_err
carp_decode(const uint8_t *buf, size_t len, struct carp_pkt *pkt)
{
	if (buf == NULL || len < CARP_HDRLEN)
		return (CARP_ERR_LENGTH);
	if (carp_cksum(buf, CARP_HDRLEN) != 0)
		return (CARP_ERR_CKSUM);
	memset(pkt, 0, sizeof(*pkt));
	pkt->version = buf[0] >> 4;
	pkt->type = buf[0] & 0x0f;
	pkt->vhid = buf[1];
	pkt->advskew = buf[2];
	pkt->authlen = buf[3];
	pkt->demote = buf[4];
	pkt->advbase = buf[5];
	pkt->cksum = (uint16_t)(buf[CARP_OFF_CKSUM] << 8 |
	    buf[CARP_OFF_CKSUM + 1]);
	pkt->counter = carp_get64(buf + CARP_OFF_COUNTER);
	memcpy(pkt->digest, buf + CARP_OFF_DIGEST, CARP_DIGESTLEN);
	if (pkt->version != CARP_VERSION || pkt->type != CARP_ADVERTISEMENT ||
	    pkt->authlen != CARP_AUTHLEN)
		return (CARP_ERR_VERSION);
	return (CARP_OK);
}

static int
carp_digest_match(const uint8_t *hdr, const uint8_t *want,
    const struct carp_auth *auth, const struct sockaddr *src,
    enum carp_ll ll)
{
	uint8_t	 md[CARP_DIGESTLEN];

	if (carp_digest(md, hdr, auth, src, ll) == -1)
		return (0);
	return (CRYPTO_memcmp(md, want, CARP_DIGESTLEN) == 0);
}

static int
carp_has_ll6(const struct carp_auth *auth)
{
	int	 i;

	for (i = 0; auth->addrs != NULL && i < auth->naddrs; i++)
		if (auth->addrs[i].af == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&auth->addrs[i].a.v6))
			return (1);
	return (0);
}

/* The digest is taken from the raw bytes when given (what the peer really
 * sent), else from the decoded fields. In compat mode a digest that
 * includes link-local IPv6 addresses is accepted too, as OpenBSD does. */
enum carp_err
carp_verify(const uint8_t *raw, const struct carp_pkt *pkt,
    const struct carp_auth *auth, const struct sockaddr *src)
{
	uint8_t		 hdr[CARP_HDRLEN];
	const uint8_t	*want;

	if (auth == NULL || (raw == NULL && pkt == NULL))
		return (CARP_ERR_HMAC);
	if (raw != NULL) {
		memcpy(hdr, raw, CARP_HDRLEN);
		want = raw + CARP_OFF_DIGEST;
	} else {
		carp_hdr_put(hdr, pkt);
		want = pkt->digest;
	}
	if (carp_digest_match(hdr, want, auth, src, CARP_LL_SKIP))
		return (CARP_OK);
	if (auth->mode == CARP_AUTH_COMPAT && carp_has_ll6(auth) &&
	    carp_digest_match(hdr, want, auth, src, CARP_LL_KEEP))
		return (CARP_OK);
	return (CARP_ERR_HMAC);
}
