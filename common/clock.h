/* The one clock of both daemons: monotonic milliseconds, for timers,
 * liveness and ages. Wall-clock time is only for logs and for CARP's
 * timestamp counters, which say so where they read it. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

uint64_t	 clock_ms(void);

#endif
