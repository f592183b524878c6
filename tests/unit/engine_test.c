/* The engine tests' bench: see engine_test.h. */
#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "clock.h"
#include "log.h"
#include "engine_test.h"
#include "stub_kern.h"
#include "syncd/ct.h"
#include "syncd/defer.h"
#include "syncd/link.h"
#include "proto/sync.h"
#include "syncd/rel.h"
#include "syncd/seal.h"
#include "syncd/syncd.h"

const char	 test_key[] = "the engine test's shared secret";
struct event_base	*test_base;
struct conf_sync	 test_cs;
struct syncd		*eng[STUB_NODES];
static uint64_t		 test_beat[STUB_NODES];

void
eng_start(int n)
{
	struct syncd	*sc;

	ck_assert_ptr_null(eng[n]);
	ck_assert_ptr_nonnull(sc = calloc(1, sizeof(*sc)));
	sc->base = test_base;
	sc->cs = &test_cs;
	/* a new node id and nonce per start, as syncd_identity gives */
	sc->node = 0x100 * (uint32_t)(n + 1) + (uint32_t)random() % 0xff + 1;
	sc->nonce = ((uint64_t)random() << 32) | (uint64_t)random();
	stub_select(n);
	ck_assert_int_eq(syncd_start(sc), 0);
	eng[n] = sc;
	test_beat[n] = 0;
}

void
eng_stop(int n)
{
	stub_select(n);
	syncd_stop(eng[n]);
	free(eng[n]);
	eng[n] = NULL;
}

void
setup(void)
{
	srandom(7);
	stub_ct_reset();
	stub_wire_reset();
	stub_clock_set(1000000);
	memset(&test_cs, 0, sizeof(test_cs));
	snprintf(test_cs.syncdev[0], sizeof(test_cs.syncdev[0]), "stub0");
	test_cs.nsyncdev = 1;
	memcpy(test_cs.key, test_key, sizeof(test_key) - 1);
	test_cs.keylen = sizeof(test_key) - 1;
	test_cs.bulk_timeout_ms = 30000;
	test_cs.refresh_ms = 60000;
	test_cs.bulk_demote = 32;
	test_cs.link_demote = 1;
	snprintf(test_cs.carpd_socket, sizeof(test_cs.carpd_socket), "%s",
	    "/nonexistent/carpd.sock");
	ck_assert_ptr_nonnull(test_base = event_base_new());
	memset(eng, 0, sizeof(eng));
}

void
teardown(void)
{
	int	 n;

	for (n = 0; n < STUB_NODES; n++)
		if (eng[n] != NULL)
			eng_stop(n);
	stub_wire_reset();
	event_base_free(test_base);
}

/* Let ms of time pass: every engine's timers run as libevent would run
 * them (the tick at most STEP_MS late), the wire delivers in between. */
void
pump(uint64_t ms)
{
	uint64_t	 t;
	int		 n;

	for (t = 0; t < ms; t += STEP_MS) {
		stub_clock_add(STEP_MS);
		for (n = 0; n < STUB_NODES; n++) {
			if (eng[n] == NULL)
				continue;
			stub_ct_run();
			stub_select(n);
			syncd_on_tick(eng[n]);
			if ((test_beat[n] += STEP_MS) >= SYNCD_HEARTBEAT_MS) {
				test_beat[n] = 0;
				syncd_on_heartbeat(eng[n]);
			}
			stub_wire_run();
		}
	}
}

/* Two engines that have found each other and finished their bulks. */
void
pair(void)
{
	eng_start(A);
	eng_start(B);
	pump(3000);
	ck_assert_int_eq(syncd_peers_alive(eng[A]), 1);
	ck_assert_int_eq(syncd_peers_alive(eng[B]), 1);
	ck_assert_int_eq(syncd_in_sync(eng[A]), 1);
	ck_assert_int_eq(syncd_in_sync(eng[B]), 1);
}

void
mk_tcp4(struct sync_state *s, uint32_t i)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->l4proto = IPPROTO_TCP;
	s->orig.src.v4.s_addr = htonl(0xc0000200 + i);
	s->orig.dst.v4.s_addr = htonl(0xc6336414);
	s->orig.sport = (uint16_t)(1024 + i);
	s->orig.dport = 443;
	s->reply.src = s->orig.dst;
	s->reply.dst = s->orig.src;
	s->reply.sport = s->orig.dport;
	s->reply.dport = s->orig.sport;
	s->status = 0x18e;
	s->mark = 0x42;
	s->timeout = 432000;
	s->tcp_state = 3;
}

/* Node n's table holds s as it is (the wire carries no liberal flags). */
int
has(int n, const struct sync_state *s)
{
	const struct sync_state	*c = stub_ct_find(n, s);

	return (c != NULL && c->mark == s->mark &&
	    c->tcp_state == s->tcp_state && c->timeout >= s->timeout);
}

