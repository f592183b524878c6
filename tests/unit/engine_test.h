/* The engine tests' bench (engine_test.c): two or more syncd engines
 * wired to each other through the stub wire, each over its own stub
 * conntrack table, with a clock that moves only when the test says (see
 * stub_kern.h). Shared by test_engine.c and test_walk.c. */
#ifndef TESTS_ENGINE_TEST_H
#define TESTS_ENGINE_TEST_H

#include <stdint.h>

#include "stub_kern.h"
#include "syncd/syncd.h"

#define A	0
#define B	1
#define STEP_MS	10

extern const char		 test_key[];
extern struct event_base	*test_base;
extern struct conf_sync		 test_cs;
extern struct syncd		*eng[STUB_NODES];

void	 eng_start(int);
void	 eng_stop(int);
/* the checked fixture: a fresh clock, wire, tables and configuration */
void	 setup(void);
void	 teardown(void);
/* let ms of time pass: timers, heartbeats, the wire */
void	 pump(uint64_t);
/* two engines that have found each other and finished their bulks */
void	 pair(void);
void	 mk_tcp4(struct sync_state *, uint32_t);
/* node n's table holds s as it is */
int	 has(int, const struct sync_state *);

#endif
