/* The sync datagram decoder behind the seal: each record of the input
 * (fuzz.h) is a datagram payload, which this harness seals with the test
 * key, as a peer holding the key would, so that every byte reaches
 * msg_decode, the sender's replay window (replay.h) and msg_dispatch,
 * in rx_datagram's order.
 *
 * Properties (syncrx.c): msg_decode and msg_peek_header agree on the
 * header; the replay window never takes a sequence number twice; every
 * state handed out is valid and survives encode -> decode. */
#include <stdlib.h>
#include <string.h>

#include "syncrx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_rx	 rx;
	struct seal	*tx;
	const uint8_t	*rec;
	uint8_t		*buf;
	size_t		 rlen;
	ssize_t		 len;

	fuzz_rx_init(&rx);
	if ((tx = seal_new((const uint8_t *)FUZZ_KEY, FUZZ_KEYLEN)) == NULL)
		fuzz_fail("seal_new");
	while (fuzz_record(&data, &size, &rec, &rlen) == 0) {
		/* exactly the datagram's bytes on the heap: ASan sees any
		 * read past its end */
		if ((buf = malloc(rlen + SEAL_TAGLEN)) == NULL)
			break;
		if (rlen > 0)
			memcpy(buf, rec, rlen);
		if ((len = seal_sign(tx, buf, rlen, rlen + SEAL_TAGLEN)) != -1)
			fuzz_rx_datagram(&rx, buf, (size_t)len);
		free(buf);
	}
	seal_free(tx);
	fuzz_rx_free(&rx);
	return (0);
}
