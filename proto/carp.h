/* CARP v2: every protocol constant, and the advertisement codec (see
 * docs/PROTOCOL.md). It depends on no config type: the daemon hands it
 * the mode, key and addresses in the codec's own types.
 *
 * Wire: 36 bytes, network order. version 2 / type 1 in byte 0, vhid,
 * advskew, authlen 7, demote, advbase, checksum (Internet checksum of the
 * 36 bytes only), 64-bit counter, 20-byte digest.
 *
 * auth compat: HMAC-SHA1 keyed with the password zero-padded to 20 bytes
 * over version, type, vhid, the IPv4 addresses ascending (4 bytes each,
 * duplicates once), the IPv6 addresses ascending by memcmp (link-local
 * ones left out), then the 8 counter bytes as on the wire. Identical to
 * OpenBSD, FreeBSD and ucarp.
 *
 * auth strict (carpd peers only): HMAC-SHA256, truncated to 20 bytes,
 * keyed with the password bytes, over the whole 36-byte header with the
 * checksum and digest fields zeroed, then the same address list, then the
 * IP source address (4 or 16 bytes). advbase, advskew, demote and the
 * sender are then covered too. */
#ifndef CARP_PROTO_H
#define CARP_PROTO_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define CARP_PROTO		112	/* IP protocol number */
#define CARP_VERSION		2
#define CARP_ADVERTISEMENT	1
#define CARP_HDRLEN		36
#define CARP_AUTHLEN		7
#define CARP_DIGESTLEN		20
#define CARP_KEYLEN		20	/* compat key buffer */
#define CARP_MAXADDRS		16	/* addresses a digest covers, at most */
#define CARP_BOWOUT		255	/* advbase and advskew of a bow-out */
#define CARP_TTL		255
#define CARP_MCAST4		"224.0.0.18"	/* the default groups */
#define CARP_MCAST6		"ff02::12"

struct carp_pkt {
	uint8_t		 version;
	uint8_t		 type;
	uint8_t		 vhid;
	uint8_t		 advskew;
	uint8_t		 authlen;
	uint8_t		 demote;
	uint8_t		 advbase;
	uint16_t	 cksum;		/* as on the wire (decode only) */
	uint64_t	 counter;	/* host order */
	uint8_t		 digest[CARP_DIGESTLEN];
};

enum carp_auth_mode {
	CARP_AUTH_COMPAT = 0,	/* byte-identical to OpenBSD/FreeBSD/ucarp */
	CARP_AUTH_STRICT,	/* carpd only: SHA-256 over all, monotonic */
};

/* One address of a carp, as the digest covers it. */
struct carp_addr {
	int		 af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 a;
};

/* Keying material and mode for one carp. */
struct carp_auth {
	enum carp_auth_mode	 mode;
	const uint8_t		*key;
	size_t			 keylen;
	const struct carp_addr	*addrs;		/* the carp's addresses */
	int			 naddrs;
};

enum carp_err {
	CARP_OK = 0,
	CARP_ERR_LENGTH,	/* shorter than 36 bytes */
	CARP_ERR_CKSUM,		/* checked first, before anything else */
	CARP_ERR_VERSION,	/* version, type or authlen not ours */
	CARP_ERR_HMAC,
};

const char	*carp_strerror(enum carp_err);
uint16_t	 carp_cksum(const void *, size_t);

/* Fill out[CARP_HDRLEN] from pkt (version, type and authlen are set by
 * the encoder), computing the digest and then the checksum. src is the IP
 * source the advert will carry (strict mode only; may be NULL in compat).
 * Returns 0, or -1 if the digest could not be computed. */
int		 carp_encode(uint8_t *out, const struct carp_pkt *,
		    const struct carp_auth *, const struct sockaddr *src);

/* Parse and check the checksum, version, type and authlen. */
enum carp_err	 carp_decode(const uint8_t *, size_t, struct carp_pkt *);

/* Check the digest of a decoded advert received from src. */
enum carp_err	 carp_verify(const uint8_t *raw, const struct carp_pkt *,
		    const struct carp_auth *, const struct sockaddr *src);

#endif
