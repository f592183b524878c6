/* The sync datagram decoder behind the seal: each record of the input
 * (fuzz.h) is a datagram payload, which this harness seals with the test
 * key, as a peer holding the key would, so that every byte reaches
 * msg_decode, the sender's replay window (replay.h) and msg_dispatch,
 * in rx_datagram's order.
 *
 * Properties (syncrx.c): msg_decode and msg_peek_header agree on the
 * header; the replay window never takes a sequence number twice; every
 * state handed out is valid and survives encode -> decode. */
#include "syncrx.h"

static void
fuzz_sync_one(const uint8_t *buf, size_t len, void *arg)
{
	fuzz_rx_datagram(arg, buf, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_rx	 rx;

	fuzz_rx_init(&rx);
	fuzz_sealed_records(data, size, fuzz_sync_one, &rx);
	fuzz_rx_free(&rx);
	return (0);
}
