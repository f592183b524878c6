/* Datagram authentication (HMAC-SHA256-128). See seal.h for the rules. */
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "log.h"
#include "msg.h"
#include "seal.h"

#define SEAL_LABEL	"carp-syncd 1"

struct seal {
	EVP_MAC			*mac;
	EVP_MAC_CTX		*ctx;	/* keyed once, re-initialized per use */
	uint32_t		 self;
	struct seal_stats	 stats;
};

struct seal *
seal_new(const uint8_t *key, size_t keylen, uint32_t self)
{
	struct seal	*s;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";

	if (keylen == 0 || (s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->self = self;
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
	case SEAL_ESELF:	s->stats.self++; break;
	}
	return (rv);
}

/* The tag first, in constant time, so that nothing of an unauthenticated
 * datagram is decoded; then the header. Nothing is recorded: the replay
 * window is the peer's (peer.c), moved once the engine knows the
 * datagram is fresh. */
int
seal_check(struct seal *s, const uint8_t *buf, size_t len,
    struct seal_info *info)
{
	uint8_t		 mac[EVP_MAX_MD_SIZE];
	struct msg_hdr	 h;
	size_t		 plen;

	memset(info, 0, sizeof(*info));
	if (len <= SEAL_TAGLEN || len > MSG_MAXDGRAM + SEAL_TAGLEN)
		return (seal_count(s, SEAL_EMALFORMED));
	plen = len - SEAL_TAGLEN;
	if (seal_mac(s, buf, plen, mac) == -1 ||
	    CRYPTO_memcmp(mac, buf + plen, SEAL_TAGLEN) != 0)
		return (seal_count(s, SEAL_EBADTAG));
	if (msg_peek_header(buf, plen, &h) == -1)
		return (seal_count(s, SEAL_EMALFORMED));
	info->node = h.node;
	info->nonce = h.nonce;
	info->seq = h.seq;
	info->len = plen;
	if (info->node == s->self)
		return (seal_count(s, SEAL_ESELF));
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
	case SEAL_ESELF:	return ("own datagram reflected");
	}
	return ("unknown error");
}
