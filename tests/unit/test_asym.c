/* asym.c (docs/PROTOCOL.md section 6.12, asymmetric paths): the kernel
 * event of a change the defer path already sent is not sent again, if
 * it says exactly that (TCP state and status) within a second; once
 * only; any other event of the state goes. Nothing is filtered without
 * a balanced carp. */
#include <arpa/inet.h>
#include <string.h>

#include <check.h>

#include "stub_kern.h"
#include "syncd/syncd.h"
#include "tests/unit/unit.h"

static struct syncd	 sc;

static void
state(struct sync_state *s, uint16_t port, uint8_t tcp, uint32_t status)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->l4proto = IPPROTO_TCP;
	inet_pton(AF_INET, "192.0.2.10", &s->orig.src.v4);
	inet_pton(AF_INET, "198.51.100.10", &s->orig.dst.v4);
	s->orig.sport = port;
	s->orig.dport = 8080;
	s->tcp_state = tcp;
	s->status = status;
}

static void
setup(void)
{
	ck_assert_int_eq(sync_key_hash_init(), 0);
	memset(&sc, 0, sizeof(sc));
	sc.asym = 1;
	stub_clock_set(1000000);
}

START_TEST(test_echo)
{
	struct sync_state	 s, t;

	setup();
	state(&s, 41001, 2, 0x18a);
	asym_sent(&sc, &s);
	/* another connection's event goes */
	state(&t, 41002, 2, 0x18a);
	ck_assert_int_eq(asym_echo(&sc, &t), 0);
	/* the echo is dropped, once */
	ck_assert_int_eq(asym_echo(&sc, &s), 1);
	ck_assert_int_eq(asym_echo(&sc, &s), 0);
	/* a different change of the same state goes, and forgets it */
	asym_sent(&sc, &s);
	state(&t, 41001, 3, 0x18a);
	ck_assert_int_eq(asym_echo(&sc, &t), 0);
	ck_assert_int_eq(asym_echo(&sc, &s), 0);
	asym_sent(&sc, &s);
	state(&t, 41001, 2, 0x18e);
	ck_assert_int_eq(asym_echo(&sc, &t), 0);
}
END_TEST

START_TEST(test_late_or_off)
{
	struct sync_state	 s;

	setup();
	state(&s, 41001, 2, 0x18a);
	asym_sent(&sc, &s);
	stub_clock_add(1001);
	ck_assert_int_eq(asym_echo(&sc, &s), 0);
	/* without a balanced carp nothing is remembered */
	sc.asym = 0;
	asym_sent(&sc, &s);
	sc.asym = 1;
	ck_assert_int_eq(asym_echo(&sc, &s), 0);
}
END_TEST

/* More sends than slots: a newer send takes its slot from an older one
 * (whose echo then goes); the newest is always filtered, and never more
 * than the slots. */
START_TEST(test_wrap)
{
	struct sync_state	 s;
	unsigned		 i, n = 0;

	setup();
	for (i = 0; i < SYNCD_ECHO * 2; i++) {
		state(&s, (uint16_t)(40000 + i), 2, 0x18a);
		asym_sent(&sc, &s);
	}
	ck_assert_int_eq(asym_echo(&sc, &s), 1);
	asym_sent(&sc, &s);
	for (i = 0; i < SYNCD_ECHO * 2; i++) {
		state(&s, (uint16_t)(40000 + i), 2, 0x18a);
		n += (unsigned)asym_echo(&sc, &s);
	}
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, SYNCD_ECHO);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("asym");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_echo);
	tcase_add_test(tc, test_late_or_off);
	tcase_add_test(tc, test_wrap);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
