/* SipHash-c-d, as specified in the paper (see siphash.h): the state is
 * four 64-bit words; each 8-byte little-endian word of input is mixed in
 * with c SipRounds, the last word carries the input length in its top
 * byte, and d SipRounds finish. */
#include <sys/random.h>

#include <endian.h>
#include <string.h>

#include "siphash.h"

#define SIP_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip_state {
	uint64_t	 v0, v1, v2, v3;
};

static void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = SIP_ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = SIP_ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = SIP_ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = SIP_ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = SIP_ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = SIP_ROTL(s->v2, 32);
}

static uint64_t
sip_le64(const uint8_t *p, size_t n)
{
	uint64_t	 m = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		m |= (uint64_t)p[i] << (8 * i);
	return (m);
}

/* A whole little-endian word in one load: the byte loop above costs
 * half of a state table's lookup (syncd hashes each state several
 * times on its way). */
static uint64_t
sip_word(const uint8_t *p)
{
	uint64_t	 m;

	memcpy(&m, p, sizeof(m));
	return (le64toh(m));
}

static void
sip_compress(struct sip_state *s, uint64_t m, int c)
{
	int	 i;

	s->v3 ^= m;
	for (i = 0; i < c; i++)
		sip_round(s);
	s->v0 ^= m;
}

static uint64_t
sip_hash(const struct siphash_key *k, const void *in, size_t len, int c,
    int d)
{
	const uint8_t		*p = in;
	struct sip_state	 s;
	size_t			 off;
	int			 i;

	s.v0 = 0x736f6d6570736575ULL ^ k->k0;
	s.v1 = 0x646f72616e646f6dULL ^ k->k1;
	s.v2 = 0x6c7967656e657261ULL ^ k->k0;
	s.v3 = 0x7465646279746573ULL ^ k->k1;
	for (off = 0; off + 8 <= len; off += 8)
		sip_compress(&s, sip_word(p + off), c);
	sip_compress(&s, sip_le64(p + off, len - off) | (uint64_t)len << 56,
	    c);
	s.v2 ^= 0xff;
	for (i = 0; i < d; i++)
		sip_round(&s);
	return (s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}

uint64_t
siphash13(const struct siphash_key *k, const void *in, size_t len)
{
	return (sip_hash(k, in, len, 1, 3));
}

uint64_t
siphash24(const struct siphash_key *k, const void *in, size_t len)
{
	return (sip_hash(k, in, len, 2, 4));
}

int
siphash_key_random(struct siphash_key *k)
{
	uint8_t	 b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return (-1);
	k->k0 = sip_le64(b, 8);
	k->k1 = sip_le64(b + 8, 8);
	memset(b, 0, sizeof(b));
	return (0);
}
