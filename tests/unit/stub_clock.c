/* clock_ms for the engine tests: time moves only when the test says. */
#include "clock.h"
#include "stub_kern.h"

static uint64_t	 stub_now = 1000000;

uint64_t
clock_ms(void)
{
	return (stub_now);
}

void
stub_clock_set(uint64_t ms)
{
	stub_now = ms;
}

void
stub_clock_add(uint64_t ms)
{
	stub_now += ms;
}
