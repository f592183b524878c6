/* ct_expect.h for the engine tests: no kernel, no events, an empty
 * dump; every apply fails with stub_ct_expect_errno (ENOENT: no master
 * here) unless a test sets it to 0 (test_expect.c). */
#include <errno.h>
#include <string.h>

#include "syncd/ct_expect.h"

static struct ct_expect_stats	 stub_ctx_st;
/* The errno of every apply (0: success), set by the tests. */
int				 stub_ct_expect_errno = ENOENT;

static int
stub_ct_expect_result(void)
{
	if (stub_ct_expect_errno == 0)
		return (0);
	errno = stub_ct_expect_errno;
	return (-1);
}

int
ct_expect_init(struct event_base *base, ct_expect_cb cb, void *arg)
{
	(void)base;
	(void)cb;
	(void)arg;
	return (0);
}

void
ct_expect_shutdown(void)
{
}

int
ct_expect_apply_update(const struct sync_expect *x)
{
	(void)x;
	return (stub_ct_expect_result());
}

int
ct_expect_apply_delete(const struct sync_expect *x)
{
	(void)x;
	return (stub_ct_expect_result());
}

int
ct_expect_dump(void (*fn)(const struct sync_expect *, void *), void *arg)
{
	(void)fn;
	(void)arg;
	return (0);
}

const struct ct_expect_stats *
ct_expect_stats(void)
{
	return (&stub_ctx_st);
}
