/* Two owners of one state (docs/PROTOCOL.md 6.9 and 6.12, ownership
 * with asymmetric paths), on the engine bench: a state both nodes
 * create at once crosses on the wire, each applies the other's over
 * its own and takes it as the peer's; no delete is sent (no war of
 * deletes), the next change on either side is what both hold, and a
 * kernel destroy is sent only by the node that changed it last. */
#include <check.h>

#include "engine_test.h"
#include "common/log.h"
#include "syncd/own.h"
#include "tests/unit/unit.h"

static int
origin(int n, const struct sync_state *s)
{
	struct sync_key		 k;
	struct own_info		*oi;

	msg_state_key(s, &k);
	oi = own_get(eng[n]->own, &k);
	return (oi == NULL ? -1 : (int)oi->origin);
}

START_TEST(test_both_created)
{
	struct sync_state	 sa, sb;

	pair();
	mk_tcp4(&sa, 7);
	sb = sa;
	sa.tcp_state = 1;	/* A saw the SYN */
	sb.tcp_state = 2;	/* B saw it too, and more */
	sb.mark = 0x42;
	stub_ct_event_update(A, &sa);
	stub_ct_event_update(B, &sb);
	pump(300);
	/* crossed: each holds the other's, as the peer's */
	ck_assert(has(A, &sb));
	ck_assert(has(B, &sa));
	ck_assert_int_eq(origin(A, &sa), OWN_PEER);
	ck_assert_int_eq(origin(B, &sa), OWN_PEER);
	ck_assert_uint_eq(eng[A]->st.deletes_applied, 0);
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 0);
	/* the next change, on either side, is what both hold */
	sa.tcp_state = 3;
	sa.mark = 0x43;
	stub_ct_event_update(A, &sa);
	pump(300);
	ck_assert(has(A, &sa));
	ck_assert(has(B, &sa));
	ck_assert_int_eq(origin(A, &sa), OWN_LOCAL);
	ck_assert_int_eq(origin(B, &sa), OWN_PEER);
	/* B's kernel ends its copy (its timer): not B's to say */
	stub_ct_event_delete(B, &sa);
	pump(300);
	ck_assert_ptr_nonnull(stub_ct_find(A, &sa));
	ck_assert_uint_eq(eng[A]->st.deletes_applied, 0);
	/* the owner's end goes (after a change that gives B a copy) */
	sa.tcp_state = 4;
	stub_ct_event_update(A, &sa);
	pump(300);
	ck_assert(has(B, &sa));
	stub_ct_event_delete(A, &sa);
	pump(300);
	ck_assert_ptr_null(stub_ct_find(B, &sa));
	ck_assert_uint_eq(eng[B]->st.deletes_applied, 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("owners");
	TCase	*tc = tcase_create("core");

	log_init("test_owners", 1, 0);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_both_created);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
