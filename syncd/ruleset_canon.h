/* The canonical digest of an nftables ruleset (ruleset_canon.c): fed
 * the messages of the kernel's dumps, in whatever order they come. */
#ifndef SYNCD_RULESET_CANON_H
#define SYNCD_RULESET_CANON_H

#include <stddef.h>
#include <stdint.h>

#define RS_DIGEST_LEN	32	/* SHA-256 */

struct nlmsghdr;
struct rs_canon;

struct rs_canon	*rs_canon_new(void);
void		 rs_canon_free(struct rs_canon *);
/* One message of a table, chain, set, set element or rule dump. 0 if
 * taken or left out on purpose, -1 if it does not parse (then the
 * digest would be wrong: the caller dumps again). */
int		 rs_canon_add(struct rs_canon *, const struct nlmsghdr *);
/* The i-th set whose elements belong in the digest, for the element
 * dumps: 1 and its names, 0 past the last. */
int		 rs_canon_set(const struct rs_canon *, size_t i,
		    uint8_t *family, const char **table, const char **name);
/* Sort, hash: 0 and out filled, -1 on a failure of libcrypto. */
int		 rs_canon_digest(struct rs_canon *,
		    uint8_t out[RS_DIGEST_LEN]);

#endif
