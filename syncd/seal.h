/* Datagram authentication and replay protection.
 *
 * Tag: HMAC-SHA256 keyed with the sync key-file secret, over the label
 * "carp-syncd 1" and then every byte of the datagram before the tag,
 * truncated to its first 16 bytes (128 bits, as HMAC-SHA-256-128 in
 * RFC 4868 for IPsec): forging one costs 2^128 guesses, and 16 bytes
 * are left for states in every datagram. The label keeps a tag from ever
 * verifying in another protocol that might share the secret.
 *
 * Replay: the tag is checked first, then the header (node, session nonce,
 * seq) is read (seal_check). The caller then decides whether the datagram
 * is fresh (it acknowledges the receiver's current session) and only then
 * moves the window (seal_accept): a replayed datagram of an old session
 * records nothing. Per peer node a sliding window of SEAL_WINDOW sequence
 * numbers below the highest seen: a seq already seen, or older than the
 * window, is a replay. A new nonce for a known node (the peer restarted)
 * is only considered after the tag verified; it resets that node's window.
 * The last SEAL_RETIRED nonces of each node are remembered and refused,
 * so an old session's datagrams cannot be replayed to reset the window
 * again. (Across a restart of this node that memory is gone: an old
 * session replayed then is accepted once per datagram, until the live
 * peer's next datagram resets the window to the real session; rel.c
 * then sees a new session and the caller bulk-requests.)
 *
 * Our own datagrams reflected back at us verify (one shared key) and are
 * refused by node id. */
#ifndef SYNCD_SEAL_H
#define SYNCD_SEAL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_TAGLEN	16
#define SEAL_WINDOW	1024	/* sequence numbers, a multiple of 64 */
#define SEAL_MAXPEERS	16
#define SEAL_RETIRED	4

enum seal_err {
	SEAL_OK = 0,
	SEAL_EMALFORMED = -1,	/* too short, or no valid header */
	SEAL_EBADTAG = -2,	/* wrong key, altered or forged */
	SEAL_EREPLAY = -3,	/* seen, too old, or a retired session */
	SEAL_ESELF = -4,	/* our own datagram sent back */
	SEAL_EPEERS = -5,	/* more than SEAL_MAXPEERS nodes */
};

/* What seal_check learned about a good datagram. */
struct seal_info {
	uint32_t	 node;
	uint64_t	 nonce;
	uint32_t	 seq;
	int		 new_session;	/* first datagram of this nonce */
	size_t		 len;		/* payload for msg_parse */
};

struct seal_stats {
	uint64_t	 ok;
	uint64_t	 malformed;
	uint64_t	 bad_tag;
	uint64_t	 replay;
	uint64_t	 self;
	uint64_t	 peers;
	uint64_t	 sessions;
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
 * ESELF (each counted). Records nothing. */
int		 seal_check(struct seal *, const uint8_t *buf, size_t len,
		    struct seal_info *);
/* The replay window of info's node: SEAL_OK (info->new_session set for
 * a new session), EREPLAY or EPEERS (each counted). */
int		 seal_accept(struct seal *, struct seal_info *);
/* Forget a node whose peer slot was freed (its window and session). */
void		 seal_forget(struct seal *, uint32_t node);
const struct seal_stats *seal_stats(const struct seal *);
const char	*seal_strerror(int);

#endif
