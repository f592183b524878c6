/* CARP advert decoder and digest check: carp_decode, then carp_verify in
 * both its forms (raw bytes and decoded fields), in compat and strict
 * mode, as carpd's carp_input_check runs them (carpd/fsm.c).
 *
 * Input: flags (1), key length (1), key, IP source (16), the advert (up
 * to 36 bytes), then the carp's addresses, 17 bytes each (family, then
 * the address). Flags: 1 strict, 2 fix the checksum so the fuzzer gets
 * past it, 4 IPv6 source, 8 no source.
 *
 * Properties: both forms of carp_verify agree; an advert carp_encode
 * makes from what was decoded decodes to the same fields and verifies. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "carp.h"
#include "conf.h"	/* the config's limits on keys and addresses */
#include "fuzz.h"

#define F_STRICT	0x01
#define F_CKSUM		0x02
#define F_SRC6		0x04
#define F_NOSRC		0x08

struct fuzz_carp {
	uint8_t			 flags;
	struct carp_auth	 auth;
	uint8_t			 key[CONF_PASSMAX];
	struct sockaddr_storage	 src;
	uint8_t			 adv[CARP_HDRLEN];
	size_t			 advlen;
	struct carp_addr	 addrs[CONF_MAXADDRS];
};

static int
fuzz_carp_take(struct fuzz_carp *fc, const uint8_t *d, size_t n)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&fc->src;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&fc->src;
	size_t			 keymax, i;

	memset(fc, 0, sizeof(*fc));
	if (n < 2)
		return (-1);
	fc->flags = d[0];
	fc->auth.mode = fc->flags & F_STRICT ? CARP_AUTH_STRICT : CARP_AUTH_COMPAT;
	/* the longest password the config takes in each mode */
	keymax = fc->flags & F_STRICT ? CONF_PASSMAX : CONF_COMPAT_PASSMAX;
	fc->auth.keylen = d[1] % (keymax + 1);
	d += 2, n -= 2;
	if (n < fc->auth.keylen + 16)
		return (-1);
	memcpy(fc->key, d, fc->auth.keylen);
	fc->auth.key = fc->key;
	d += fc->auth.keylen, n -= fc->auth.keylen;
	if (fc->flags & F_SRC6) {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, d, 16);
	} else {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, d, 4);
	}
	d += 16, n -= 16;
	fc->advlen = n < CARP_HDRLEN ? n : CARP_HDRLEN;
	memcpy(fc->adv, d, fc->advlen);
	d += fc->advlen, n -= fc->advlen;
	for (i = 0; n >= 17 && i < CONF_MAXADDRS; i++, d += 17, n -= 17) {
		fc->addrs[i].af = d[0] & 1 ? AF_INET6 : AF_INET;
		memcpy(&fc->addrs[i].a, d + 1, 16);
	}
	fc->auth.addrs = fc->addrs;
	fc->auth.naddrs = i;
	if ((fc->flags & F_CKSUM) && fc->advlen == CARP_HDRLEN) {
		uint16_t	 sum;

		fc->adv[6] = fc->adv[7] = 0;
		sum = carp_cksum(fc->adv, CARP_HDRLEN);
		fc->adv[6] = sum >> 8;
		fc->adv[7] = sum & 0xff;
	}
	return (0);
}

static const struct sockaddr *
fuzz_carp_src(const struct fuzz_carp *fc)
{
	return (fc->flags & F_NOSRC ? NULL :
	    (const struct sockaddr *)&fc->src);
}

/* What we decoded, encoded again by carp_encode, must decode the same. */
static void
fuzz_carp_reencode(const struct fuzz_carp *fc, const struct carp_pkt *pkt)
{
	uint8_t		 out[CARP_HDRLEN];
	struct carp_pkt	 back;

	if (carp_encode(out, pkt, &fc->auth, fuzz_carp_src(fc)) == -1)
		return;
	if (carp_decode(out, sizeof(out), &back) != CARP_OK)
		fuzz_fail("carp_encode made an advert carp_decode refuses");
	if (back.vhid != pkt->vhid || back.advskew != pkt->advskew ||
	    back.demote != pkt->demote || back.advbase != pkt->advbase ||
	    back.counter != pkt->counter)
		fuzz_fail("an advert changed on encode -> decode");
	if (carp_verify(out, &back, &fc->auth, fuzz_carp_src(fc)) != CARP_OK)
		fuzz_fail("carp_encode made an advert carp_verify refuses");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_carp	*fc;
	struct carp_pkt		 pkt;
	enum carp_err		 raw, fields;
	uint8_t			*adv;

	/* the bare decoder first, on the whole input at its own length */
	(void)carp_decode(data, size, &pkt);
	if ((fc = malloc(sizeof(*fc))) == NULL)
		return (0);
	if (fuzz_carp_take(fc, data, size) == -1) {
		free(fc);
		return (0);
	}
	/* a heap copy of exactly advlen bytes, so ASan sees any overread */
	if ((adv = malloc(fc->advlen + 1)) == NULL) {
		free(fc);
		return (0);
	}
	memcpy(adv, fc->adv, fc->advlen);
	if (carp_decode(adv, fc->advlen, &pkt) == CARP_OK) {
		if (pkt.version != CARP_VERSION ||
		    pkt.type != CARP_ADVERTISEMENT ||
		    pkt.authlen != CARP_AUTHLEN)
			fuzz_fail("carp_decode took a foreign header");
		raw = carp_verify(adv, &pkt, &fc->auth, fuzz_carp_src(fc));
		fields = carp_verify(NULL, &pkt, &fc->auth,
		    fuzz_carp_src(fc));
		if (raw != fields)
			fuzz_fail("carp_verify: raw says %d, fields %d", raw,
			    fields);
		fuzz_carp_reencode(fc, &pkt);
	}
	free(adv);
	free(fc);
	return (0);
}
