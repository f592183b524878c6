/* syncd's real receive path: each record of the input (fuzz.h) is a
 * datagram payload, sealed by the harness with the test key as a peer
 * holding it would, and handed to rx_datagram (syncd/rx.c) of a whole
 * engine: seal_verify, msg_decode, rx_header (peer_get, the freshness
 * check, peer_accept's replay window, rel.c's windows), msg_dispatch,
 * rx_update/rx_delete into the conntrack table, then the engine's
 * answer (tx.c). The kernel and the wire are the unit tests' stubs
 * (tests/unit/stub_*.c, linked in place of ct.c, link.c, defer.c and
 * common/clock.c, as tests/unit/test_engine.mk does), so this runs
 * without root. The engine is node FUZZ_SELF at nonce FUZZ_NONCE, which
 * the seeds acknowledge, so their datagrams are fresh.
 *
 * Properties: the same sealed datagram heard twice is taken once (the
 * replay window, whatever the header says); every state the engine
 * applied to the table is valid and crosses the wire unchanged. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "syncrx.h"
#include "syncd/ct.h"
#include "syncd/syncd.h"
#include "tests/unit/stub_kern.h"

#define FUZZ_NODE	0	/* the stubs' node of the engine */
#define FUZZ_STEP_MS	10

static struct event_base	*fuzz_base;
static struct conf_sync		 fuzz_cs;

static void
fuzz_rx_setup(void)
{
	log_init("fuzz_rx", 0, 0);	/* syslog: quiet here */
	if ((fuzz_base = event_base_new()) == NULL)
		fuzz_fail("event_base_new");
	snprintf(fuzz_cs.syncdev[0], sizeof(fuzz_cs.syncdev[0]), "stub0");
	fuzz_cs.nsyncdev = 1;
	memcpy(fuzz_cs.key, FUZZ_KEY, FUZZ_KEYLEN);
	fuzz_cs.keylen = FUZZ_KEYLEN;
	fuzz_cs.bulk_timeout_ms = 30000;
	fuzz_cs.refresh_ms = 60000;
	fuzz_cs.bulk_demote = 32;
	fuzz_cs.link_demote = 1;
	snprintf(fuzz_cs.carpd_socket, sizeof(fuzz_cs.carpd_socket), "%s",
	    "/nonexistent/carpd.sock");
}

static struct syncd *
fuzz_rx_start(void)
{
	struct syncd	*sc;

	stub_ct_reset();
	stub_wire_reset();
	stub_clock_set(1000000);
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		fuzz_fail("out of memory");
	sc->base = fuzz_base;
	sc->cs = &fuzz_cs;
	sc->node = FUZZ_SELF;
	sc->nonce = FUZZ_NONCE;
	stub_select(FUZZ_NODE);
	if (syncd_start(sc) == -1)
		fuzz_fail("syncd_start");
	return (sc);
}

/* One datagram, then again: the second time it must record nothing. */
static void
fuzz_rx_one(const uint8_t *buf, size_t len, void *arg)
{
	struct syncd	*sc = arg;
	uint64_t	 before;

	stub_wire_inject(FUZZ_NODE, buf, len);
	before = sc->st.messages_received;
	stub_wire_inject(FUZZ_NODE, buf, len);
	if (sc->st.messages_received != before)
		fuzz_fail("rx_datagram took the same datagram twice");
	/* what the engine sent in answer goes nowhere: no other node */
	(void)stub_wire_run();
	stub_clock_add(FUZZ_STEP_MS);
	syncd_on_tick(sc);
}

static void
fuzz_rx_applied(const struct sync_state *s, void *arg)
{
	(void)arg;
	if (!msg_state_valid(s)) {
		fuzz_state_print("applied", s);
		fuzz_fail("the engine applied an invalid state");
	}
	fuzz_state_roundtrip(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syncd	*sc;

	if (fuzz_base == NULL)
		fuzz_rx_setup();
	sc = fuzz_rx_start();
	fuzz_sealed_records(data, size, fuzz_rx_one, sc);
	(void)ct_dump(fuzz_rx_applied, NULL);
	syncd_stop(sc);
	free(sc);
	stub_wire_reset();
	return (0);
}
