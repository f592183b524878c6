/* defer.h for the engine tests: no NFQUEUE, only the acks recorded. */
#include <string.h>

#include "stub_kern.h"
#include "syncd/defer.h"

static uint32_t			 stub_acked[STUB_NODES];
static struct defer_stats	 stub_defer_st;

int
defer_parse(const uint8_t *buf, size_t len, int family,
    struct defer_flow *f)
{
	(void)buf;
	(void)len;
	(void)family;
	memset(f, 0, sizeof(*f));
	return (-1);
}

int
defer_init(struct event_base *base, uint16_t queue, unsigned timeout_ms,
    const struct defer_ops *ops, void *arg)
{
	(void)base;
	(void)queue;
	(void)timeout_ms;
	(void)ops;
	(void)arg;
	return (0);
}

void
defer_arrived(const struct defer_flow *f)
{
	(void)f;
}

void
defer_applied(void)
{
}

void
defer_ack(uint32_t token)
{
	stub_acked[stub_selected()] = token;
}

void
defer_flush(void)
{
}

void
defer_cleanup(void)
{
}

const struct defer_stats *
defer_stats(void)
{
	return (&stub_defer_st);
}

uint32_t
stub_defer_acked(int n)
{
	return (stub_acked[n]);
}
