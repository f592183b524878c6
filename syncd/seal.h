/* Datagram authentication (docs/PROTOCOL.md, section 6.4).
 *
 * Tag: HMAC-SHA256 keyed with the sync key-file secret, over the label
 * "carp-syncd 1" and then every byte of the datagram before the tag,
 * truncated to its first 16 bytes (128 bits, as HMAC-SHA-256-128 in
 * RFC 4868 for IPsec): forging one costs 2^128 guesses, and 16 bytes
 * are left for states in every datagram. The label keeps a tag from ever
 * verifying in another protocol that might share the secret.
 *
 * seal_verify checks the tag and nothing else, before a byte of the
 * datagram is decoded; it records nothing. The header is the engine's
 * to decode (once, rx.c), and it refuses our own datagrams reflected
 * back at us (they verify: one shared key) by node id. Replay protection
 * is the peer's: peer.c keeps one replay window (replay.h) per peer and
 * moves it only for a datagram the engine found fresh, so a replayed
 * datagram of an old session records nothing anywhere. */
#ifndef SYNCD_SEAL_H
#define SYNCD_SEAL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_TAGLEN	16

enum seal_err {
	SEAL_OK = 0,
	SEAL_EMALFORMED = -1,	/* too short or too long */
	SEAL_EBADTAG = -2,	/* wrong key, altered or forged */
	SEAL_EREPLAY = -3,	/* seen, too old, or a retired session
				   (found by the peer's replay window) */
};

struct seal_stats {
	uint64_t	 ok;
	uint64_t	 malformed;
	uint64_t	 bad_tag;
};

struct seal;

/* NULL if the key is empty or libcrypto fails. */
struct seal	*seal_new(const uint8_t *key, size_t keylen);
void		 seal_free(struct seal *);
/* Append the tag to the len bytes of buf (cap bytes long): the new
 * length, or -1 if cap has no room or libcrypto fails. */
ssize_t		 seal_sign(struct seal *, uint8_t *buf, size_t len,
		    size_t cap);
/* SEAL_OK and *plen the payload's length (without the tag), or
 * EMALFORMED or EBADTAG (each counted). */
int		 seal_verify(struct seal *, const uint8_t *buf, size_t len,
		    size_t *plen);
const struct seal_stats *seal_stats(const struct seal *);
const char	*seal_strerror(int);

#endif
