/* ct_expect.h for the engine tests: no kernel. Nothing is ever expected
 * here, so every apply finds no master and every dump is empty; the
 * engine's own tests of expect.c drive it through test_expect.c. */
#include <errno.h>
#include <string.h>

#include "syncd/ct_expect.h"

static struct ct_expect_stats	 stub_ctx_st;

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
	errno = ENOENT;
	return (-1);
}

int
ct_expect_apply_delete(const struct sync_expect *x)
{
	(void)x;
	errno = ENOENT;
	return (-1);
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
