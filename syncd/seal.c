/* Datagram authentication (HMAC-SHA256-128) and per-peer replay windows.
 * See seal.h for the rules. */
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
#define SEAL_WORDS	(SEAL_WINDOW / 64)

struct seal_peer {
	uint32_t	 node;		/* 0: free slot */
	uint64_t	 nonce;
	uint32_t	 top;		/* highest seq accepted */
	uint64_t	 seen[SEAL_WORDS];	/* bit seq % SEAL_WINDOW */
	uint64_t	 retired[SEAL_RETIRED];
	size_t		 nretired;
};

struct seal {
	EVP_MAC			*mac;
	EVP_MAC_CTX		*ctx;	/* keyed once, re-initialized per use */
	uint32_t		 self;
	struct seal_peer	 peers[SEAL_MAXPEERS];
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

/* ------------------------------------------------------------------ */
/* replay windows */

static struct seal_peer *
seal_peer_get(struct seal *s, uint32_t node)
{
	struct seal_peer	*p, *free_slot = NULL;
	size_t			 i;

	for (i = 0; i < SEAL_MAXPEERS; i++) {
		p = &s->peers[i];
		if (p->node == node)
			return (p);
		if (p->node == 0 && free_slot == NULL)
			free_slot = p;
	}
	return (free_slot);
}

void
seal_forget(struct seal *s, uint32_t node)
{
	size_t	 i;

	for (i = 0; i < SEAL_MAXPEERS; i++)
		if (s->peers[i].node == node && node != 0)
			memset(&s->peers[i], 0, sizeof(s->peers[i]));
}

static int
seal_bit(const struct seal_peer *p, uint32_t seq)
{
	uint32_t	 b = seq % SEAL_WINDOW;

	return ((p->seen[b / 64] >> (b % 64)) & 1);
}

static void
seal_setbit(struct seal_peer *p, uint32_t seq, int on)
{
	uint32_t	 b = seq % SEAL_WINDOW;

	if (on)
		p->seen[b / 64] |= 1ULL << (b % 64);
	else
		p->seen[b / 64] &= ~(1ULL << (b % 64));
}

static int
seal_retired(const struct seal_peer *p, uint64_t nonce)
{
	size_t	 i;

	for (i = 0; i < p->nretired && i < SEAL_RETIRED; i++)
		if (p->retired[i] == nonce)
			return (1);
	return (0);
}

/* A new session of this node: remember the old nonce, start over. */
static void
seal_session(struct seal_peer *p, uint32_t node, uint64_t nonce,
    uint32_t seq)
{
	if (p->node != 0)
		p->retired[p->nretired++ % SEAL_RETIRED] = p->nonce;
	p->node = node;
	p->nonce = nonce;
	p->top = seq;
	memset(p->seen, 0, sizeof(p->seen));
	seal_setbit(p, seq, 1);
}

/* Serial-number arithmetic (RFC 1982): seq ahead of top slides the
 * window; behind it, the bit says whether it was seen. */
static int
seal_window(struct seal_peer *p, uint32_t seq)
{
	int32_t		 d = (int32_t)(seq - p->top);
	uint32_t	 i;

	if (d > 0) {
		if (d >= SEAL_WINDOW)
			memset(p->seen, 0, sizeof(p->seen));
		else
			for (i = 1; i <= (uint32_t)d; i++)
				seal_setbit(p, p->top + i, 0);
		p->top = seq;
	} else if (d <= -SEAL_WINDOW || seal_bit(p, seq))
		return (SEAL_EREPLAY);
	seal_setbit(p, seq, 1);
	return (SEAL_OK);
}

static int
seal_count(struct seal *s, int rv)
{
	switch (rv) {
	case SEAL_OK:		s->stats.ok++; break;
	case SEAL_EMALFORMED:	s->stats.malformed++; break;
	case SEAL_EBADTAG:	s->stats.bad_tag++; break;
	case SEAL_EREPLAY:	s->stats.replay++; break;
	case SEAL_ESELF:	s->stats.self++; break;
	case SEAL_EPEERS:	s->stats.peers++; break;
	}
	return (rv);
}

/* Move the node's replay window: called only for a datagram the caller
 * found fresh, so nothing a replay of an old session carries takes a
 * slot or resets a window. */
int
seal_accept(struct seal *s, struct seal_info *info)
{
	struct seal_peer	*p;

	if ((p = seal_peer_get(s, info->node)) == NULL)
		return (seal_count(s, SEAL_EPEERS));
	if (p->node == info->node && p->nonce == info->nonce)
		return (seal_count(s, seal_window(p, info->seq)));
	if (seal_retired(p, info->nonce))
		return (seal_count(s, SEAL_EREPLAY));
	seal_session(p, info->node, info->nonce, info->seq);
	info->new_session = 1;
	s->stats.sessions++;
	return (seal_count(s, SEAL_OK));
}

/* The tag first, in constant time, so that nothing of an unauthenticated
 * datagram is decoded; then the header. Nothing is recorded: the replay
 * window moves in seal_accept, once the caller knows the datagram is
 * fresh. */
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
	return (SEAL_OK);
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
	case SEAL_EPEERS:	return ("too many peers");
	}
	return ("unknown error");
}
