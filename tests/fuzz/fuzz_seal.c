/* The sync datagram decoder in front of the seal: each record of the
 * input (fuzz.h) is a datagram as it comes off the socket, tag included,
 * given to seal_verify and, if the tag holds (seeds sealed with the test
 * key, replayed, reordered, cut), on to msg_decode, the sender's replay
 * window and msg_dispatch, as rx_datagram does. Nothing unauthenticated
 * may be decoded or recorded: a forged or cut datagram must stop at
 * seal_verify. */
#include <stdlib.h>
#include <string.h>

#include "syncrx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_rx	 rx;
	const uint8_t	*rec;
	uint8_t		*buf;
	size_t		 rlen;

	fuzz_rx_init(&rx);
	while (fuzz_record(&data, &size, &rec, &rlen) == 0) {
		if ((buf = malloc(rlen + 1)) == NULL)
			break;
		memcpy(buf, rec, rlen);
		fuzz_rx_datagram(&rx, buf, rlen);
		free(buf);
	}
	fuzz_rx_free(&rx);
	return (0);
}
