/* The one clock of both daemons: monotonic milliseconds, for timers,
 * liveness and ages. Wall-clock time is only for logs and for CARP's
 * timestamp counters, which say so where they read it. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

uint64_t	 clock_ms(void);
/* Wall-clock microseconds since the epoch, for CARP's strict counters
 * (timestamps) and their freshness window; 0 if the clock is unset. */
uint64_t	 clock_wall_us(void);

#endif
