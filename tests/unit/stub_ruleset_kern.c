/* ruleset_kern.h for the ruleset tests: no nftables; the test hands
 * ruleset.c the digest a dump would have made (stub_ruleset_dump). */
#include <stddef.h>

#include "syncd/ruleset_kern.h"

void	stub_ruleset_dump(const uint8_t *);

static rk_cb	 stub_cb;
static void	*stub_arg;

int
rk_open(struct event_base *base, rk_cb cb, void *arg)
{
	(void)base;
	stub_cb = cb;
	stub_arg = arg;
	return (0);
}

void
rk_close(void)
{
	stub_cb = NULL;
}

/* A dump ended: its digest, or NULL (it failed). */
void
stub_ruleset_dump(const uint8_t *digest)
{
	if (stub_cb != NULL)
		stub_cb(digest, stub_arg);
}
