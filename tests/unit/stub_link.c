/* link.h for the engine tests: an in-memory wire. What a node sends is
 * queued for every other node, and delivered (or dropped, doubled,
 * corrupted: the filter decides) when the test runs the wire. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "stub_kern.h"
#include "syncd/link.h"

#define STUB_INFLIGHT	4096
#define STUB_SENT	4096

struct stub_dgram {
	int		 from, to;
	size_t		 len;
	uint8_t		*buf;
};

static struct sync_link	*stub_links[STUB_NODES];
static int		 stub_carrier[STUB_NODES];
static struct stub_dgram stub_q[STUB_INFLIGHT];
static size_t		 stub_qhead, stub_qlen;
static struct stub_dgram stub_sent[STUB_NODES][STUB_SENT];
static size_t		 stub_nsent[STUB_NODES];
static stub_filter	 stub_fn;
static void		*stub_fn_arg;
static int		 stub_from = -1;	/* node delivering now */

static uint8_t *
stub_copy(const uint8_t *buf, size_t len)
{
	uint8_t	*c = malloc(len);

	if (c != NULL)
		memcpy(c, buf, len);
	return (c);
}

void
stub_wire_reset(void)
{
	size_t	 i, n;

	for (; stub_qlen > 0; stub_qlen--, stub_qhead++)
		free(stub_q[stub_qhead % STUB_INFLIGHT].buf);
	for (n = 0; n < STUB_NODES; n++) {
		for (i = 0; i < stub_nsent[n]; i++)
			free(stub_sent[n][i].buf);
		stub_nsent[n] = 0;
		stub_carrier[n] = 1;
	}
	stub_qhead = 0;
	stub_fn = NULL;
}

void
stub_wire_filter(stub_filter fn, void *arg)
{
	stub_fn = fn;
	stub_fn_arg = arg;
}

void
stub_link_carrier(int n, int up)
{
	stub_carrier[n] = up;
}

size_t
stub_wire_pending(void)
{
	return (stub_qlen);
}

size_t
stub_wire_sent(int n)
{
	return (stub_nsent[n]);
}

const uint8_t *
stub_wire_sent_get(int n, size_t i, size_t *len)
{
	*len = stub_sent[n][i].len;
	return (stub_sent[n][i].buf);
}

void
stub_wire_inject(int n, const uint8_t *buf, size_t len)
{
	struct sync_link	*l = stub_links[n];

	struct sockaddr_storage	 from;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&from;

	if (l == NULL)
		return;
	from = l->paths[0].dst;
	/* each node sends from its own address, 192.0.2.(n + 1); raw
	 * bytes the test injects come from the link's own peer address */
	if (stub_from >= 0) {
		memset(&from, 0, sizeof(from));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc0000201 + (uint32_t)stub_from);
	}
	stub_select(n);
	l->reading = &l->paths[0];
	l->recv(buf, len, &from, l->arg);
	l->reading = NULL;
}

static void
stub_deliver(struct stub_dgram *d)
{
	enum stub_fate	 f = STUB_DELIVER;

	if (stub_fn != NULL)
		f = stub_fn(d->from, d->to, d->buf, d->len, stub_fn_arg);
	stub_from = d->from;
	switch (f) {
	case STUB_DROP:
		break;
	case STUB_DUP:
		stub_wire_inject(d->to, d->buf, d->len);
		stub_wire_inject(d->to, d->buf, d->len);
		break;
	case STUB_CORRUPT:
		d->buf[d->len / 2] ^= 0x40;
		/* FALLTHROUGH */
	case STUB_DELIVER:
		stub_wire_inject(d->to, d->buf, d->len);
		break;
	}
	stub_from = -1;
}

size_t
stub_wire_run(void)
{
	struct stub_dgram	 d;
	size_t			 n = 0;

	while (stub_qlen > 0 && n < 100000) {
		d = stub_q[stub_qhead++ % STUB_INFLIGHT];
		stub_qlen--;
		stub_deliver(&d);
		free(d.buf);
		n++;
	}
	return (n);
}

static void
stub_enqueue(int from, int to, const uint8_t *buf, size_t len)
{
	struct stub_dgram	*d;

	if (stub_qlen == STUB_INFLIGHT)
		return;		/* a full queue drops, as a socket would */
	d = &stub_q[(stub_qhead + stub_qlen++) % STUB_INFLIGHT];
	d->from = from;
	d->to = to;
	d->len = len;
	d->buf = stub_copy(buf, len);
}

void
stub_wire_put(int from, int to, const uint8_t *buf, size_t len)
{
	stub_enqueue(from, to, buf, len);
}

/* ------------------------------------------------------ link.h */

struct sync_link *
link_open(struct event_base *base, const struct conf_sync *cs,
    link_recv_cb recv, void *arg)
{
	struct sync_link	*l;

	(void)base;
	(void)cs;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	l->recv = recv;
	l->arg = arg;
	l->n = 1;
	l->use = -1;
	l->paths[0].set = l;
	l->paths[0].ifindex = (unsigned)stub_selected();
	l->paths[0].dst.ss_family = AF_INET;
	stub_links[stub_selected()] = l;
	stub_carrier[stub_selected()] = 1;
	l->paths[0].carrier = 1;
	link_health_init(l, 0);
	return (l);
}

void
link_close(struct sync_link *l)
{
	if (l == NULL)
		return;
	stub_links[l->paths[0].ifindex] = NULL;
	free(l);
}

int
link_send(struct sync_link *l, const uint8_t *buf, size_t len)
{
	int	 from = (int)l->paths[0].ifindex, n;

	if (stub_nsent[from] < STUB_SENT) {
		stub_sent[from][stub_nsent[from]].len = len;
		stub_sent[from][stub_nsent[from]++].buf = stub_copy(buf, len);
	}
	if (!stub_carrier[from])
		return (-1);
	for (n = 0; n < STUB_NODES; n++)
		if (n != from && stub_links[n] != NULL)
			stub_enqueue(from, n, buf, len);
	return (0);
}

size_t
link_payload_max(const struct sync_link *l)
{
	(void)l;
	return (1500 - 28);
}

int
link_carrier(struct sync_link *l)
{
	l->paths[0].carrier = stub_carrier[l->paths[0].ifindex];
	return (l->paths[0].carrier);
}
