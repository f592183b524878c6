/* syncd datagram authentication: the tag (seal.c), and the header and
 * the replay window the engine keeps per peer (replay.c), chained as
 * rx.c chains them. */
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "syncd/queue.h"
#include "syncd/replay.h"
#include "syncd/seal.h"
#include "tests/unit/unit.h"

#define SELF	1
#define PEER	2
#define CAP	512

static const uint8_t	 key[] = "correct horse battery staple";
#define KEYLEN	(sizeof(key) - 1)

/* A sealed datagram from node with nonce and seq. */
static size_t
mk(struct seal *s, uint32_t node, uint64_t nonce, uint32_t seq,
    uint8_t *buf)
{
	struct msg_queue	*q = msg_queue_new(1);
	struct msg_built	*b = malloc(sizeof(*b));
	struct msg_hdr		 h;
	struct msg_ctl		 c;
	ssize_t			 n;

	memset(&h, 0, sizeof(h));
	memset(&c, 0, sizeof(c));
	h.node = node;
	h.nonce = nonce;
	h.seq = h.base = seq;
	c.heartbeat = 1;
	c.heartbeat_ms = 1000;
	ck_assert_int_eq(msg_build(q, &h, &c, buf, CAP - SEAL_TAGLEN, b), 0);
	n = seal_sign(s, buf, b->len, CAP);
	ck_assert_int_eq(n, (ssize_t)(b->len + SEAL_TAGLEN));
	msg_queue_free(q);
	free(b);
	return (n);
}

/* The peers' replay windows, one per node as peer.c keeps them. */
static struct {
	uint32_t	 node;
	struct replay	 r;
}			 win[8];
static int		 nsessions, nreplays;

static struct replay *
window(uint32_t node)
{
	size_t	 i;

	for (i = 0; i < 8; i++)
		if (win[i].node == node || win[i].node == 0) {
			win[i].node = node;
			return (&win[i].r);
		}
	ck_abort_msg("test window table full");
	return (NULL);
}

/* What the engine (rx.c) learns of a datagram whose tag verified. */
struct info {
	uint32_t	 node;
	uint64_t	 nonce;
	uint32_t	 seq;
	size_t		 len;		/* payload for msg_parse */
};

#define ESELF	(-4)	/* rx.c: our own datagram, reflected */
static int		 nmalformed, nself;

/* What the engine does with a fresh datagram: the tag (seal.c), the
 * header (decoded once, in rx.c), then the peer's replay window. */
static int
verify(struct seal *s, const uint8_t *buf, size_t len, struct info *info)
{
	struct msg_hdr	 h;
	int		 rv;

	memset(info, 0, sizeof(*info));
	if ((rv = seal_verify(s, buf, len, &info->len)) != SEAL_OK)
		return (rv);
	if (msg_peek_header(buf, info->len, &h) == -1) {
		nmalformed++;
		return (SEAL_EMALFORMED);
	}
	info->node = h.node;
	info->nonce = h.nonce;
	info->seq = h.seq;
	if (h.node == SELF) {
		nself++;
		return (ESELF);
	}
	switch (replay_check(window(info->node), info->nonce, info->seq)) {
	case REPLAY_NEW:
		nsessions++;
		return (SEAL_OK);
	case REPLAY_OK:
		return (SEAL_OK);
	default:
		nreplays++;
		return (SEAL_EREPLAY);
	}
}

static int
check(struct seal *s, uint32_t node, uint64_t nonce, uint32_t seq)
{
	struct seal	*tx = seal_new(key, KEYLEN);
	struct info info;
	uint8_t		 buf[CAP];
	size_t		 len = mk(tx, node, nonce, seq, buf);

	seal_free(tx);
	return (verify(s, buf, len, &info));
}

START_TEST(test_good)
{
	struct seal		*tx = seal_new(key, KEYLEN);
	struct seal		*rx = seal_new(key, KEYLEN);
	struct info	 info;
	struct msg_cb		 cb;
	uint8_t			 buf[CAP];
	size_t			 len;

	ck_assert_ptr_nonnull(tx);
	ck_assert_ptr_nonnull(rx);
	len = mk(tx, PEER, 77, 1000, buf);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_OK);
	ck_assert_uint_eq(info.node, PEER);
	ck_assert_uint_eq(info.nonce, 77);
	ck_assert_uint_eq(info.seq, 1000);
	ck_assert_int_eq(nsessions, 1);
	ck_assert_uint_eq(info.len, len - SEAL_TAGLEN);
	memset(&cb, 0, sizeof(cb));
	ck_assert_int_eq(msg_parse(buf, info.len, &cb, NULL), 0);
	ck_assert_int_eq(check(rx, PEER, 77, 1001), SEAL_OK);
	ck_assert_uint_eq(seal_stats(rx)->ok, 2);
	ck_assert_int_eq(nsessions, 1);
	seal_free(tx);
	seal_free(rx);
}
END_TEST

/* The tag is HMAC-SHA256(key, "carp-syncd 1" || datagram), first 16
 * bytes: checked against libcrypto's one-shot HMAC. */
START_TEST(test_known_answer)
{
	struct seal	*s = seal_new(key, KEYLEN);
	uint8_t		 buf[CAP], in[CAP + 32], md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen = 0;
	size_t		 len = mk(s, PEER, 5, 5, buf), plen = len - SEAL_TAGLEN;

	memcpy(in, "carp-syncd 1", 12);
	memcpy(in + 12, buf, plen);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, KEYLEN, in, 12 + plen,
	    md, &mdlen));
	ck_assert_uint_eq(mdlen, 32);
	ck_assert_mem_eq(buf + plen, md, SEAL_TAGLEN);
	seal_free(s);
}
END_TEST

START_TEST(test_flipped_bit)
{
	struct seal		*tx = seal_new(key, KEYLEN);
	struct seal		*rx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 buf[CAP];
	size_t			 len = mk(tx, PEER, 9, 9, buf), i;
	int			 bit;

	for (i = 0; i < len; i++) {
		bit = 1 << (i % 8);
		buf[i] ^= bit;
		ck_assert_int_eq(verify(rx, buf, len, &info),
		    SEAL_EBADTAG);
		buf[i] ^= bit;
	}
	ck_assert_uint_eq(seal_stats(rx)->bad_tag, len);
	/* nothing moved the window: the genuine one is still accepted */
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_OK);
	seal_free(tx);
	seal_free(rx);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct seal		*tx = seal_new((const uint8_t *)"other", 5);
	struct seal		*rx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 buf[CAP];
	size_t			 len = mk(tx, PEER, 9, 9, buf);

	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_EBADTAG);
	/* a key that is a prefix of the right one is wrong too */
	seal_free(tx);
	tx = seal_new(key, KEYLEN - 1);
	len = mk(tx, PEER, 9, 9, buf);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_EBADTAG);
	ck_assert_ptr_null(seal_new(key, 0));
	seal_free(tx);
	seal_free(rx);
}
END_TEST

START_TEST(test_malformed)
{
	struct seal		*rx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 buf[CAP];
	ssize_t			 n;
	size_t			 len;

	memset(buf, 0xab, sizeof(buf));
	ck_assert_int_eq(verify(rx, buf, 0, &info), SEAL_EMALFORMED);
	ck_assert_int_eq(verify(rx, buf, SEAL_TAGLEN, &info),
	    SEAL_EMALFORMED);
	ck_assert_int_eq(verify(rx, buf, MSG_MAXDGRAM + SEAL_TAGLEN + 1,
	    &info), SEAL_EMALFORMED);
	/* truncated: the tag no longer matches */
	len = mk(rx, PEER, 1, 1, buf);
	ck_assert_int_eq(verify(rx, buf, len - 1, &info), SEAL_EBADTAG);
	/* authentic garbage (a peer's bug) is malformed, not a bad tag */
	memset(buf, 0xff, 40);
	n = seal_sign(rx, buf, 40, CAP);
	ck_assert_int_eq(n, 40 + SEAL_TAGLEN);
	ck_assert_int_eq(verify(rx, buf, n, &info), SEAL_EMALFORMED);
	ck_assert_uint_eq(seal_stats(rx)->malformed + nmalformed, 4);
	/* no room for the tag */
	ck_assert_int_eq(seal_sign(rx, buf, 40, 40 + SEAL_TAGLEN - 1), -1);
	seal_free(rx);
}
END_TEST

START_TEST(test_replay)
{
	struct seal		*tx = seal_new(key, KEYLEN);
	struct seal		*rx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 buf[CAP];
	size_t			 len = mk(tx, PEER, 3, 500, buf);

	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_OK);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 3, 501), SEAL_OK);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_EREPLAY);
	ck_assert_int_eq(nreplays, 2);
	seal_free(tx);
	seal_free(rx);
}
END_TEST

START_TEST(test_reorder)
{
	struct seal	*rx = seal_new(key, KEYLEN);

	ck_assert_int_eq(check(rx, PEER, 3, 10), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 14), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 12), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 11), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 13), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 12), SEAL_EREPLAY);
	/* the oldest still inside the window */
	ck_assert_int_eq(check(rx, PEER, 3, 14 + REPLAY_WINDOW - 1), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 14), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 3, 15), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 13), SEAL_EREPLAY);
	seal_free(rx);
}
END_TEST

START_TEST(test_too_old)
{
	struct seal	*rx = seal_new(key, KEYLEN);

	ck_assert_int_eq(check(rx, PEER, 3, 100), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 101 + REPLAY_WINDOW), SEAL_OK);
	/* never seen, but out of the window */
	ck_assert_int_eq(check(rx, PEER, 3, 101), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 3, 102), SEAL_OK);
	/* a big jump clears the window */
	ck_assert_int_eq(check(rx, PEER, 3, 1000000), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 1000000 - REPLAY_WINDOW + 1),
	    SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 200), SEAL_EREPLAY);
	seal_free(rx);
}
END_TEST

START_TEST(test_wrap)
{
	struct seal	*rx = seal_new(key, KEYLEN);

	ck_assert_int_eq(check(rx, PEER, 3, 0xfffffffe), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 1), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 0xffffffff), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 0), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 3, 0xffffffff), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 3, 0), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 3, 0xfffffffe - REPLAY_WINDOW),
	    SEAL_EREPLAY);
	seal_free(rx);
}
END_TEST

START_TEST(test_new_session)
{
	struct seal		*rx = seal_new(key, KEYLEN);
	struct seal		*tx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 old[CAP];
	size_t			 oldlen;

	ck_assert_int_eq(check(rx, PEER, 111, 5000), SEAL_OK);
	oldlen = mk(tx, PEER, 111, 5001, old);
	/* the peer restarts: new nonce, low seq; accepted, window reset */
	ck_assert_int_eq(check(rx, PEER, 222, 3), SEAL_OK);
	ck_assert_int_eq(check(rx, PEER, 222, 4), SEAL_OK);
	ck_assert_int_eq(nsessions, 2);
	/* the old session, replayed, must not reset it again */
	ck_assert_int_eq(verify(rx, old, oldlen, &info), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 222, 3), SEAL_EREPLAY);
	ck_assert_int_eq(check(rx, PEER, 222, 5), SEAL_OK);
	/* a forged new session (wrong key) changes nothing */
	seal_free(tx);
	tx = seal_new((const uint8_t *)"bad", 3);
	oldlen = mk(tx, PEER, 333, 1, old);
	ck_assert_int_eq(verify(rx, old, oldlen, &info), SEAL_EBADTAG);
	ck_assert_int_eq(check(rx, PEER, 222, 6), SEAL_OK);
	/* another node has its own window */
	ck_assert_int_eq(check(rx, PEER + 1, 222, 5), SEAL_OK);
	seal_free(tx);
	seal_free(rx);
}
END_TEST

START_TEST(test_self)
{
	struct seal	*rx = seal_new(key, KEYLEN);

	ck_assert_int_eq(check(rx, SELF, 1, 1), ESELF);
	ck_assert_int_eq(nself, 1);
	ck_assert_str_eq(seal_strerror(SEAL_EREPLAY), "replayed datagram");
	seal_free(rx);
}
END_TEST

/* seal_verify records nothing: a datagram the engine finds stale (a
 * replayed old session) moves no window; the same datagram passes the
 * tag check twice, and only the window refuses it the second time. */
START_TEST(test_check_records_nothing)
{
	struct seal		*rx = seal_new(key, KEYLEN);
	struct seal		*tx = seal_new(key, KEYLEN);
	struct info	 info;
	uint8_t			 buf[CAP];
	size_t			 len;

	len = mk(tx, 500, 1, 2, buf);
	ck_assert_int_eq(seal_verify(rx, buf, len, &info.len), SEAL_OK);
	ck_assert_int_eq(seal_verify(rx, buf, len, &info.len), SEAL_OK);
	ck_assert_int_eq(nsessions, 0);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_OK);
	ck_assert_int_eq(verify(rx, buf, len, &info), SEAL_EREPLAY);
	seal_free(tx);
	seal_free(rx);
}
END_TEST

static Suite *
seal_suite(void)
{
	Suite	*s = suite_create("seal");
	TCase	*tc;

	tc = tcase_create("tag");
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_flipped_bit);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_reorder);
	tcase_add_test(tc, test_too_old);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_new_session);
	tcase_add_test(tc, test_self);
	tcase_add_test(tc, test_check_records_nothing);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(seal_suite()));
}
