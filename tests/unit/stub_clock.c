/* clock_ms for the engine tests: time moves only when the test says.
 * The wall clock stands still too, one second after the strict-mode
 * counter of tests/fuzz/mkseeds.c, so that its seeds stay fresh for
 * fuzz_carpin (carpd/auth.c's 30 s window) whatever the date. */
#include "clock.h"
#include "stub_kern.h"

static uint64_t	 stub_now = 1000000;

uint64_t
clock_ms(void)
{
	return (stub_now);
}

uint64_t
clock_wall_us(void)
{
	return (0x0005f1c2a3b4c5d6ULL + 1000000);
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
