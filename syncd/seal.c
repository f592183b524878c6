/* Datagram authentication (HMAC-SHA256-128). See seal.h for the rules. */
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "log.h"
#include "sync.h"
#include "seal.h"

#define SEAL_LABEL	"carp-syncd 1"

struct seal {
	EVP_MAC			*mac;
	EVP_MAC_CTX		*ctx;	/* keyed once, re-initialized per use */
	struct seal_stats	 stats;
};

struct seal *
seal_new(const uint8_t *key, size_t keylen)
{
	struct seal	*s;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";

	if (keylen == 0 || (s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (s->ctx = EVP_MAC_CTX_new(s->mac)) == NULL ||
	    EVP_MAC_init(s->ctx, key, keylen, params) != 1) {
		log_warnx("seal: cannot set up HMAC-SHA256");
		seal_free(s);
		return (NULL);
	}
	return (s);
}

void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	EVP_MAC_CTX_free(s->ctx);
	EVP_MAC_free(s->mac);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const struct seal_stats *
seal_stats(const struct seal *s)
{
	return (&s->stats);
}

/* The full 32-byte HMAC of label || buf; the caller truncates. A NULL
 * key to EVP_MAC_init restarts with the key set in seal_new. */
static int
seal_mac(struct seal *s, const uint8_t *buf, size_t len,
    uint8_t out[EVP_MAX_MD_SIZE])
{
	size_t	 outlen = 0;

	if (EVP_MAC_init(s->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(s->ctx, (const uint8_t *)SEAL_LABEL,
	    sizeof(SEAL_LABEL) - 1) != 1 ||
	    EVP_MAC_update(s->ctx, buf, len) != 1 ||
	    EVP_MAC_final(s->ctx, out, &outlen, EVP_MAX_MD_SIZE) != 1 ||
	    outlen < SEAL_TAGLEN)
		return (-1);
	return (0);
}

ssize_t
seal_sign(struct seal *s, uint8_t *buf, size_t len, size_t cap)
{
	uint8_t	 mac[EVP_MAX_MD_SIZE];

	if (len > MSG_MAXDGRAM || cap < len + SEAL_TAGLEN ||
	    seal_mac(s, buf, len, mac) == -1)
		return (-1);
	memcpy(buf + len, mac, SEAL_TAGLEN);
	return (len + SEAL_TAGLEN);
}

static int
seal_count(struct seal *s, int rv)
{
	switch (rv) {
	case SEAL_OK:		s->stats.ok++; break;
	case SEAL_EMALFORMED:	s->stats.malformed++; break;
	case SEAL_EBADTAG:	s->stats.bad_tag++; break;
	}
	return (rv);
}

/* The tag alone, in constant time: nothing of an unauthenticated
 * datagram is decoded, and nothing is recorded (the header is the
 * engine's to decode, once; the replay window is the peer's). */
int
seal_verify(struct seal *s, const uint8_t *buf, size_t len, size_t *plen)
{
	uint8_t		 mac[EVP_MAX_MD_SIZE];

	*plen = 0;
	if (len <= SEAL_TAGLEN || len > MSG_MAXDGRAM + SEAL_TAGLEN)
		return (seal_count(s, SEAL_EMALFORMED));
	if (seal_mac(s, buf, len - SEAL_TAGLEN, mac) == -1 ||
	    CRYPTO_memcmp(mac, buf + len - SEAL_TAGLEN, SEAL_TAGLEN) != 0)
		return (seal_count(s, SEAL_EBADTAG));
	*plen = len - SEAL_TAGLEN;
	return (seal_count(s, SEAL_OK));
}

const char *
seal_strerror(int e)
{
	switch (e) {
	case SEAL_OK:		return ("ok");
	case SEAL_EMALFORMED:	return ("malformed datagram");
	case SEAL_EBADTAG:	return ("bad authentication tag");
	case SEAL_EREPLAY:	return ("replayed datagram");
	}
	return ("unknown error");
}
