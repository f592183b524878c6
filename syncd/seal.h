/* Datagram authentication and replay protection.
 *
 * Tag: HMAC-SHA256 keyed with the sync key-file secret, over the label
 * "carp-syncd 1" and then every byte of the datagram before the tag,
 * truncated to its first 16 bytes (128 bits, as HMAC-SHA-256-128 in
 * RFC 4868 for IPsec): forging one costs 2^128 guesses, and 16 bytes
 * are left for states in every datagram. The label keeps a tag from ever
 * verifying in another protocol that might share the secret.
 *
 * seal_check verifies the tag first, then reads the header (node,
 * session nonce, seq); it records nothing. Replay protection is the
 * peer's: peer.c keeps one replay window (replay.h) per peer and moves
 * it only for a datagram the engine found fresh, so a replayed datagram
 * of an old session records nothing anywhere.
 *
 * Our own datagrams reflected back at us verify (one shared key) and are
 * refused by node id. */
#ifndef SYNCD_SEAL_H
#define SYNCD_SEAL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_TAGLEN	16

enum seal_err {
	SEAL_OK = 0,
	SEAL_EMALFORMED = -1,	/* too short, or no valid header */
	SEAL_EBADTAG = -2,	/* wrong key, altered or forged */
	SEAL_EREPLAY = -3,	/* seen, too old, or a retired session
				   (found by the peer's replay window) */
	SEAL_ESELF = -4,	/* our own datagram sent back */
};

/* What seal_check learned about a good datagram. */
struct seal_info {
	uint32_t	 node;
	uint64_t	 nonce;
	uint32_t	 seq;
	size_t		 len;		/* payload for msg_parse */
};

struct seal_stats {
	uint64_t	 ok;
	uint64_t	 malformed;
	uint64_t	 bad_tag;
	uint64_t	 self;
};

struct seal;

/* NULL if the key is empty or libcrypto fails. */
struct seal	*seal_new(const uint8_t *key, size_t keylen, uint32_t self);
void		 seal_free(struct seal *);
/* Append the tag to the len bytes of buf (cap bytes long): the new
 * length, or -1 if cap has no room or libcrypto fails. */
ssize_t		 seal_sign(struct seal *, uint8_t *buf, size_t len,
		    size_t cap);
/* Tag and header: SEAL_OK and info filled in, or EMALFORMED, EBADTAG or
 * ESELF (each counted). Records nothing else. */
int		 seal_check(struct seal *, const uint8_t *buf, size_t len,
		    struct seal_info *);
const struct seal_stats *seal_stats(const struct seal *);
const char	*seal_strerror(int);

#endif
