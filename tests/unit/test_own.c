/* syncd's origin table (own.c): put/get/del, keys that differ in one
 * field only, growth far past the initial 1024 buckets, walks that
 * remove entries, and the per-origin counts. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "siphash.h"
#include "syncd/own.h"
#include "syncd/state.h"
#include "tests/unit/unit.h"

#define MANY	50000

/* Key i: a TCP state 192.0.2.x:port -> 198.51.100.200:7777, like
 * ctgen's; v6 puts it in 2001:db8::/32 instead. */
static void
key_of(unsigned i, int v6, struct sync_key *k)
{
	memset(k, 0, sizeof(*k));
	k->l4proto = IPPROTO_TCP;
	k->orig.sport = (uint16_t)(10000 + i / 250);
	k->orig.dport = 7777;
	if (v6) {
		k->family = AF_INET6;
		k->orig.src.b[0] = 0x20;
		k->orig.src.b[1] = 0x01;
		k->orig.src.b[2] = 0x0d;
		k->orig.src.b[3] = 0xb8;
		k->orig.src.b[15] = (uint8_t)(1 + i % 250);
		memcpy(k->orig.dst.b, k->orig.src.b, 16);
		k->orig.dst.b[15] = 200;
	} else {
		k->family = AF_INET;
		k->orig.src.v4.s_addr = htonl(0xc0000200u + 1 + i % 250);
		k->orig.dst.v4.s_addr = htonl(0xc63364c8u);
	}
}

START_TEST(test_put_get_del)
{
	struct own		*o = own_new();
	struct own_info		*a, *b;
	struct sync_key		 k;

	ck_assert_ptr_nonnull(o);
	key_of(0, 0, &k);
	ck_assert_ptr_null(own_get(o, &k));
	ck_assert_uint_eq(own_count(o), 0);
	a = own_put(o, &k);
	ck_assert_ptr_nonnull(a);
	/* a new entry is zeroed: origin LOCAL, nothing sent yet */
	ck_assert_int_eq(a->origin, OWN_LOCAL);
	ck_assert_uint_eq(a->gen, 0);
	ck_assert_uint_eq(a->sent_timeout, 0);
	ck_assert_uint_eq(a->sent_s, 0);
	a->origin = OWN_PEER;
	a->sent_timeout = 3600;
	/* put of a known key returns the same entry, unchanged */
	b = own_put(o, &k);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(b->origin, OWN_PEER);
	ck_assert_uint_eq(b->sent_timeout, 3600);
	ck_assert_uint_eq(own_count(o), 1);
	ck_assert_ptr_eq(own_get(o, &k), a);
	own_del(o, &k);
	ck_assert_ptr_null(own_get(o, &k));
	ck_assert_uint_eq(own_count(o), 0);
	/* deleting what is not there is harmless */
	own_del(o, &k);
	ck_assert_uint_eq(own_count(o), 0);
	/* and it comes back fresh */
	a = own_put(o, &k);
	ck_assert_int_eq(a->origin, OWN_LOCAL);
	ck_assert_uint_eq(a->sent_timeout, 0);
	own_free(o);
	own_free(NULL);
}
END_TEST

/* Every field of the key tells states apart. */
START_TEST(test_key_fields)
{
	struct own	*o = own_new();
	struct sync_key	 k[8];
	size_t		 i, j;

	for (i = 0; i < 8; i++)
		key_of(7, 0, &k[i]);
	k[1].family = AF_INET6;
	k[2].l4proto = IPPROTO_UDP;
	k[3].zone = 1;
	k[4].orig.sport++;
	k[5].orig.dport++;
	k[6].orig.src.b[3] ^= 1;
	k[7].orig.dst.b[0] ^= 0x80;
	for (i = 0; i < 8; i++)
		own_put(o, &k[i])->sent_s = (uint32_t)i + 100;
	ck_assert_uint_eq(own_count(o), 8);
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(own_get(o, &k[i])->sent_s, i + 100);
	/* removing one leaves the others */
	own_del(o, &k[4]);
	for (i = 0; i < 8; i++) {
		if (i == 4)
			ck_assert_ptr_null(own_get(o, &k[i]));
		else
			ck_assert_uint_eq(own_get(o, &k[i])->sent_s, i + 100);
	}
	for (i = 0, j = 0; i < 8; i++)
		if (i != 4)
			j++;
	ck_assert_uint_eq(own_count(o), j);
	own_free(o);
}
END_TEST

/* Far past the initial table: every entry stays reachable through
 * the rehashes, with its data. */
START_TEST(test_growth)
{
	struct own	*o = own_new();
	struct own_info	*oi;
	struct sync_key	 k;
	unsigned	 i;
	int		 v6;

	for (v6 = 0; v6 <= 1; v6++)
		for (i = 0; i < MANY; i++) {
			key_of(i, v6, &k);
			oi = own_put(o, &k);
			ck_assert_ptr_nonnull(oi);
			oi->sent_s = i;
			oi->origin = (i % 3 == 0) ? OWN_PEER : OWN_LOCAL;
			oi->sent_timeout = i * 2 + (unsigned)v6;
		}
	ck_assert_uint_eq(own_count(o), 2 * MANY);
	ck_assert_uint_eq(own_count_origin(o, OWN_PEER),
	    2 * ((MANY + 2) / 3));
	ck_assert_uint_eq(own_count_origin(o, OWN_LOCAL) +
	    own_count_origin(o, OWN_PEER), 2 * MANY);
	for (v6 = 0; v6 <= 1; v6++)
		for (i = 0; i < MANY; i++) {
			key_of(i, v6, &k);
			oi = own_get(o, &k);
			ck_assert_ptr_nonnull(oi);
			ck_assert_uint_eq(oi->sent_s, i);
			ck_assert_uint_eq(oi->sent_timeout, i * 2 + (unsigned)v6);
		}
	/* delete the IPv4 half; the IPv6 half is untouched */
	for (i = 0; i < MANY; i++) {
		key_of(i, 0, &k);
		own_del(o, &k);
	}
	ck_assert_uint_eq(own_count(o), MANY);
	for (i = 0; i < MANY; i += 97) {
		key_of(i, 0, &k);
		ck_assert_ptr_null(own_get(o, &k));
		key_of(i, 1, &k);
		ck_assert_uint_eq(own_get(o, &k)->sent_s, i);
	}
	own_free(o);
}
END_TEST

struct walk {
	unsigned	 visits;
	unsigned	 removed;
	unsigned char	*seen;
};

static int
walk_even(struct own_info *oi, void *arg)
{
	struct walk	*w = arg;

	ck_assert_uint_lt(oi->sent_s, MANY);
	/* each entry exactly once */
	ck_assert_int_eq(w->seen[oi->sent_s], 0);
	w->seen[oi->sent_s] = 1;
	w->visits++;
	if (oi->sent_s % 2 == 0) {
		w->removed++;
		return (1);
	}
	oi->sent_timeout = 42;	/* the walk may change what it keeps */
	return (0);
}

static int
walk_all(struct own_info *oi, void *arg)
{
	struct walk	*w = arg;

	w->visits++;
	ck_assert_uint_eq(oi->sent_s % 2, 1);
	ck_assert_uint_eq(oi->sent_timeout, 42);
	return (1);
}

/* A walk that removes entries (the overrun sweep) visits each entry
 * once and leaves exactly the others. */
START_TEST(test_walk_remove)
{
	struct own	*o = own_new();
	struct sync_key	 k;
	struct walk	 w;
	unsigned	 i;

	for (i = 0; i < MANY; i++) {
		key_of(i, 0, &k);
		own_put(o, &k)->sent_s = i;
	}
	memset(&w, 0, sizeof(w));
	w.seen = calloc(MANY, 1);
	ck_assert_ptr_nonnull(w.seen);
	own_walk(o, walk_even, &w);
	ck_assert_uint_eq(w.visits, MANY);
	ck_assert_uint_eq(w.removed, MANY / 2);
	ck_assert_uint_eq(own_count(o), MANY - MANY / 2);
	for (i = 0; i < MANY; i++) {
		key_of(i, 0, &k);
		if (i % 2 == 0)
			ck_assert_ptr_null(own_get(o, &k));
		else
			ck_assert_uint_eq(own_get(o, &k)->sent_timeout, 42);
	}
	/* remove everything that is left: an empty, usable table */
	free(w.seen);
	memset(&w, 0, sizeof(w));
	own_walk(o, walk_all, &w);
	ck_assert_uint_eq(w.visits, MANY - MANY / 2);
	ck_assert_uint_eq(own_count(o), 0);
	own_walk(o, walk_all, &w);
	ck_assert_uint_eq(w.visits, MANY - MANY / 2);
	key_of(1, 0, &k);
	ck_assert_ptr_nonnull(own_put(o, &k));
	ck_assert_uint_eq(own_count(o), 1);
	own_free(o);
}
END_TEST

/* Churn: states come and go far more often than the table holds them;
 * the deleted slots are reused or swept out by a rebuild, so the table
 * stays at the size its live states need. The packed fields keep the
 * low bits of a generation and saturate a timeout. */
START_TEST(test_churn_compact)
{
	struct own	*o = own_new();
	struct own_info	*oi;
	struct sync_key	 k;
	unsigned	 i;
	size_t		 small;

	for (i = 0; i < 1000; i++) {
		key_of(i, i % 2, &k);
		own_put(o, &k)->sent_s = i;
	}
	small = own_bytes(o);
	/* 1000 live at a time, 40 rounds of 1000 deletes and creates */
	for (i = 1000; i < 41000; i++) {
		key_of(i - 1000, i % 2, &k);
		own_del(o, &k);
		key_of(i, i % 2, &k);
		ck_assert_ptr_nonnull(own_put(o, &k));
	}
	ck_assert_uint_eq(own_count(o), 1000);
	ck_assert_uint_le(own_bytes(o), 2 * small);
	/* 16 bytes a slot, at most 3/4 full */
	ck_assert_uint_le(own_bytes(o), 1000 * 16 * 4);
	key_of(40999, 40999 % 2, &k);
	oi = own_get(o, &k);
	ck_assert_ptr_nonnull(oi);
	oi->gen = own_gen(65);
	ck_assert_uint_eq(oi->gen, own_gen(1));
	ck_assert_uint_ne(oi->gen, own_gen(2));
	oi->sent_timeout = own_timeout(21474836);
	ck_assert_uint_eq(oi->sent_timeout, OWN_TIMEOUT_MAX);
	oi->sent_timeout = own_timeout(432000);
	ck_assert_uint_eq(oi->sent_timeout, 432000);
	own_free(o);
}
END_TEST

/* The paper's test vectors for SipHash-2-4 (key 00..0f, input 00..n-1):
 * the rounds, padding and length byte shared with SipHash-1-3 are right. */
START_TEST(test_siphash_vectors)
{
	struct siphash_key	 k = { 0x0706050403020100ULL,
				    0x0f0e0d0c0b0a0908ULL };
	uint8_t			 in[15];
	size_t			 i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(&k, in, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(siphash24(&k, in, 15), 0xa129ca6149be45e5ULL);
	ck_assert_uint_ne(siphash13(&k, in, 15), siphash24(&k, in, 15));
}
END_TEST

#define NBUCKETS	1024

/* Buckets of keys 0..MANY-1 under k; the largest bucket's load. */
static unsigned
buckets_of(const struct siphash_key *k, uint16_t *b)
{
	static unsigned		 load[NBUCKETS];
	struct sync_key		 sk;
	unsigned		 i, max = 0;

	sync_key_hash_setkey(k);
	memset(load, 0, sizeof(load));
	for (i = 0; i < MANY; i++) {
		key_of(i, i % 2, &sk);
		b[i] = (uint16_t)(sync_key_hash(&sk) & (NBUCKETS - 1));
		if (++load[b[i]] > max)
			max = load[b[i]];
	}
	return (max);
}

/* Same key, same buckets; another key, another layout (which states
 * share a bucket cannot be learnt from one run and used on the next);
 * both spread the states evenly (about 49 a bucket here). */
START_TEST(test_hash_keyed)
{
	static uint16_t		 a[MANY], a2[MANY], b[MANY];
	struct siphash_key	 ka = { 1, 2 }, kb = { 1, 3 };
	unsigned		 i, same = 0;

	ck_assert_uint_lt(buckets_of(&ka, a), 3 * MANY / NBUCKETS);
	buckets_of(&ka, a2);
	ck_assert_mem_eq(a, a2, sizeof(a));
	ck_assert_uint_lt(buckets_of(&kb, b), 3 * MANY / NBUCKETS);
	for (i = 0; i < MANY; i++)
		same += a[i] == b[i];
	/* by chance 1 in NBUCKETS; allow 4 times that */
	ck_assert_uint_lt(same, 4 * MANY / NBUCKETS);
	ck_assert_int_eq(sync_key_hash_init(), 0);
	memset(&ka, 0, sizeof(ka));
	sync_key_hash_setkey(&ka);
}
END_TEST

static Suite *
own_suite(void)
{
	Suite	*s = suite_create("own");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_key_fields);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_walk_remove);
	tcase_add_test(tc, test_churn_compact);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_hash_keyed);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(own_suite()));
}
