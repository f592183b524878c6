/* Seed corpora for the fuzz targets, made with the project's own
 * encoders so that they stay valid when the wire formats move:
 *
 *	mkseeds OUTDIR [tests/data/ucarp-*.txt ...]
 *
 * writes OUTDIR/carp (captured ucarp adverts, adverts carp_encode makes in
 * both modes), OUTDIR/sync, OUTDIR/rx and OUTDIR/seal (datagrams of every
 * message type, as payloads and sealed with the test key), OUTDIR/ctl (a frame
 * of each control command and some replies) and OUTDIR/ct (ctnetlink
 * messages of states of every protocol, via ct_to_nfct). The config
 * seeds are copies of tests/golden (tests/fuzz/mkseeds.sh).
 *
 *	mkseeds -k OUTDIR
 *
 * (root, in a network namespace of its own) writes OUTDIR/ct/kernel-*:
 * the events the kernel sends while ct_apply_* create, update and delete
 * those states, as syncd reads them. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "carp.h"
#include "ctl.h"
#include "syncd/ct.h"
#include "syncrx.h"

static const char	*outdir;

static void
seed(const char *target, const char *name, const void *buf, size_t len)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		err(1, "%s", path);
}

/* ------------------------------------------------------------ carp */

struct carp_seed {
	uint8_t		 buf[512];
	size_t		 len;
};

static void
carp_put(struct carp_seed *cs, const void *p, size_t n)
{
	if (cs->len + n > sizeof(cs->buf))
		errx(1, "carp seed too long");
	memcpy(cs->buf + cs->len, p, n);
	cs->len += n;
}

/* fuzz_carp's layout: flags, key length, key, source, advert, addrs */
static void
carp_seed_make(struct carp_seed *cs, uint8_t flags, const char *key,
    int af, const char *src)
{
	uint8_t	 a[16];

	memset(cs, 0, sizeof(*cs));
	memset(a, 0, sizeof(a));
	cs->buf[0] = flags;
	cs->buf[1] = strlen(key);
	cs->len = 2;
	carp_put(cs, key, strlen(key));
	if (inet_pton(af, src, a) != 1)
		errx(1, "bad address %s", src);
	carp_put(cs, a, 16);
}

static void
carp_seed_addr(struct carp_seed *cs, int af, const char *s)
{
	uint8_t	 a[17];

	memset(a, 0, sizeof(a));
	a[0] = af == AF_INET6;
	if (inet_pton(af, s, a + 1) != 1)
		errx(1, "bad address %s", s);
	carp_put(cs, a, sizeof(a));
}

/* One of a carp's addresses, in the codec's own type. */
static void
carp_addr_make(struct carp_addr *ca, const char *s)
{
	memset(ca, 0, sizeof(*ca));
	ca->af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(ca->af, s, &ca->a) != 1)
		errx(1, "bad address %s", s);
}

static int
hexbyte(const char *p)
{
	unsigned	 v;

	return (sscanf(p, "%2x", &v) == 1 ? (int)v : -1);
}

/* fuzz_carpin's records: flags (IPv6, event), then an IPv4 packet or
 * hop limit, IPv6 source and the CARP bytes. */
static size_t
carpin_put(uint8_t *out, size_t len, uint8_t flags, const uint8_t *p,
    size_t n)
{
	uint8_t	 rec[128];

	rec[0] = flags;
	if (n > 0)
		memcpy(rec + 1, p, n);
	return (fuzz_record_put(out, len, 1024, rec, n + 1));
}

/* The advert in the IPv4 header a raw socket hands carpd. */
static size_t
carpin_ip4(uint8_t *out, size_t len, const char *src, const uint8_t *adv)
{
	uint8_t	 ip[20 + CARP_HDRLEN];

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[3] = sizeof(ip);
	ip[8] = CARP_TTL;
	ip[9] = CARP_PROTO;
	if (inet_pton(AF_INET, src, ip + 12) != 1 ||
	    inet_pton(AF_INET, CARP_MCAST4, ip + 16) != 1)
		errx(1, "bad address %s", src);
	memcpy(ip + 20, adv, CARP_HDRLEN);
	return (carpin_put(out, len, 0, ip, sizeof(ip)));
}

/* tests/data/ucarp-*.txt: key=value lines, carp= one advert in hex */
static void
carp_from_capture(const char *path, int *n)
{
	char			 line[512], pass[64] = "", src[64] = "";
	char			 addr[64] = "", name[64];
	struct carp_seed	 cs;
	uint8_t			 adv[CARP_HDRLEN], in[1024];
	FILE			*f;
	size_t			 i;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "password=", 9) == 0)
			snprintf(pass, sizeof(pass), "%s", line + 9);
		else if (strncmp(line, "source=", 7) == 0)
			snprintf(src, sizeof(src), "%s", line + 7);
		else if (strncmp(line, "address=", 8) == 0)
			snprintf(addr, sizeof(addr), "%s", line + 8);
		if (strncmp(line, "carp=", 5) != 0 ||
		    strlen(line + 5) != 2 * CARP_HDRLEN)
			continue;
		for (i = 0; i < CARP_HDRLEN; i++)
			adv[i] = hexbyte(line + 5 + 2 * i);
		carp_seed_make(&cs, 0, pass, AF_INET, src);
		carp_put(&cs, adv, sizeof(adv));
		carp_seed_addr(&cs, AF_INET, addr);
		snprintf(name, sizeof(name), "ucarp-%d", (*n)++);
		seed("carp", name, cs.buf, cs.len);
		seed("carpin", name, in, carpin_ip4(in, 0, src, adv));
	}
	fclose(f);
}

static void
carp_encoded(const char *name, uint8_t flags, int af, const char *src,
    uint8_t advbase, uint8_t advskew)
{
	struct carp_seed	 cs;
	struct carp_pkt		 pkt;
	struct carp_addr	 addrs[3];
	struct carp_auth	 auth;
	struct sockaddr_storage	 ss;
	uint8_t			 adv[CARP_HDRLEN];
	const char		*key = flags & 1 ? "a strict password" : "pw";

	carp_seed_make(&cs, flags, key, af, src);
	memset(&pkt, 0, sizeof(pkt));
	pkt.vhid = 42;
	pkt.advbase = advbase;
	pkt.advskew = advskew;
	pkt.demote = 1;
	pkt.counter = 0x0005f1c2a3b4c5d6ULL;
	memset(addrs, 0, sizeof(addrs));
	carp_addr_make(&addrs[0], "192.0.2.100");
	carp_addr_make(&addrs[1], "2001:db8::100");
	carp_addr_make(&addrs[2], "fe80::100");
	memset(&auth, 0, sizeof(auth));
	auth.mode = flags & 1 ? CARP_AUTH_STRICT : CARP_AUTH_COMPAT;
	auth.key = (const uint8_t *)key;
	auth.keylen = strlen(key);
	auth.addrs = addrs;
	auth.naddrs = 3;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = af;
	if (af == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, cs.buf + cs.len
		    - 16, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, cs.buf +
		    cs.len - 16, 16);
	if (carp_encode(adv, &pkt, &auth, (struct sockaddr *)&ss) == -1)
		errx(1, "carp_encode");
	carp_put(&cs, adv, sizeof(adv));
	carp_seed_addr(&cs, AF_INET, "192.0.2.100");
	carp_seed_addr(&cs, AF_INET6, "2001:db8::100");
	carp_seed_addr(&cs, AF_INET6, "fe80::100");
	seed("carp", name, cs.buf, cs.len);
}

/* An advert carpd's strict carp 42 (fuzz_carpin.c) accepts, over
 * IPv6, then every event on each carp. */
static void
carpin_strict(void)
{
	struct carp_pkt		 pkt;
	struct carp_addr	 a;
	struct carp_auth	 auth;
	struct sockaddr_in6	 sin6;
	uint8_t			 rec[1 + 16 + CARP_HDRLEN], out[1024];
	size_t			 len;
	int			 ev;

	memset(&pkt, 0, sizeof(pkt));
	pkt.vhid = 42;
	pkt.advbase = 1;
	pkt.counter = 0x0005f1c2a3b4c5d6ULL;
	carp_addr_make(&a, "2001:db8::100");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, "fe80::2", &sin6.sin6_addr) != 1)
		errx(1, "bad address");
	memset(&auth, 0, sizeof(auth));
	auth.mode = CARP_AUTH_STRICT;
	auth.key = (const uint8_t *)"a strict password";
	auth.keylen = strlen("a strict password");
	auth.addrs = &a;
	auth.naddrs = 1;
	rec[0] = CARP_TTL;
	memcpy(rec + 1, &sin6.sin6_addr, 16);
	if (carp_encode(rec + 17, &pkt, &auth, (struct sockaddr *)&sin6) == -1)
		errx(1, "carp_encode");
	len = carpin_put(out, 0, 1, rec, sizeof(rec));
	seed("carpin", "strict42-v6", out, len);
	for (ev = 1; ev < 8; ev++) {
		len = carpin_put(out, len, ev << 1, NULL, 0);
		len = carpin_put(out, len, ev << 1 | 0x10, NULL, 0);
	}
	seed("carpin", "strict42-events", out, len);
}

static void
carp_seeds(int argc, char **argv)
{
	int	 i, n = 0;

	for (i = 0; i < argc; i++)
		carp_from_capture(argv[i], &n);
	carp_encoded("compat-v4", 0, AF_INET, "192.0.2.1", 1, 0);
	carp_encoded("compat-v6", 4, AF_INET6, "fe80::1", 1, 100);
	carp_encoded("strict-v4", 1, AF_INET, "192.0.2.2", 0, 1);
	carp_encoded("strict-v6", 5, AF_INET6, "fe80::2", 3, 254);
	carp_encoded("bowout", 0, AF_INET, "192.0.2.1", CARP_BOWOUT,
	    CARP_BOWOUT);
	carpin_strict();
}

/* ------------------------------------------------------------ sync */

static void
addr(int af, union sync_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(af, s, a) != 1)
		errx(1, "bad address %s", s);
}

static void
state(struct sync_state *s, int af, uint8_t proto, const char *src,
    const char *dst)
{
	memset(s, 0, sizeof(*s));
	s->family = af;
	s->l4proto = proto;
	addr(af, &s->orig.src, src);
	addr(af, &s->orig.dst, dst);
	s->orig.sport = 40000;
	s->orig.dport = 443;
	s->reply.src = s->orig.dst;
	s->reply.dst = s->orig.src;
	s->reply.sport = s->orig.dport;
	s->reply.dport = s->orig.sport;
	s->status = 0x18e;	/* ASSURED, CONFIRMED, SEEN_REPLY, ... */
	s->timeout = 432000;
}

/* An ICMP query: no ports, a type each way and an id. */
static void
icmp(struct sync_state *s, uint8_t type, uint8_t reply_type)
{
	s->orig.sport = s->orig.dport = 0;
	s->reply.sport = s->reply.dport = 0;
	s->orig.icmp_type = type;
	s->reply.icmp_type = reply_type;
	s->orig.icmp_id = s->reply.icmp_id = 77;
}

/* One state of each kind the codec and ct.c treat apart. */
static size_t
states(struct sync_state *s)
{
	size_t	 n = 0;

	state(&s[n], AF_INET, IPPROTO_TCP, "192.0.2.10", "198.51.100.20");
	s[n].tcp_state = 3;
	s[n].tcp_wscale_orig = 7;
	s[n].tcp_wscale_repl = 14;
	s[n].tcp_flags_orig = 0x23;
	s[n++].tcp_flags_repl = 0x33;
	state(&s[n++], AF_INET, IPPROTO_UDP, "192.0.2.11", "198.51.100.53");
	state(&s[n], AF_INET, IPPROTO_ICMP, "192.0.2.12", "198.51.100.1");
	icmp(&s[n++], 8, 0);		/* echo request, reply */
	state(&s[n], AF_INET6, IPPROTO_ICMPV6, "2001:db8::12",
	    "2001:db8:1::1");
	icmp(&s[n++], 128, 129);
	state(&s[n], AF_INET6, IPPROTO_TCP, "2001:db8::10", "2001:db8:1::20");
	s[n].tcp_state = 3;
	s[n].has_labels = 1;
	s[n].labels[0] = 0x81;
	s[n].labels[15] = 0x40;
	s[n].zone = 7;
	s[n++].mark = 0x42;
	state(&s[n], AF_INET, IPPROTO_SCTP, "192.0.2.13", "198.51.100.30");
	s[n].sctp_state = 3;
	s[n].sctp_vtag_orig = 0x11223344;
	s[n++].sctp_vtag_repl = 0x55667788;
	state(&s[n], AF_INET, IPPROTO_DCCP, "192.0.2.14", "198.51.100.31");
	s[n++].dccp_state = 4;
	/* NAT: the reply tuple is not the inverse, so it is sent */
	state(&s[n], AF_INET, IPPROTO_TCP, "10.0.0.5", "198.51.100.20");
	addr(AF_INET, &s[n].reply.dst, "192.0.2.100");
	s[n].reply.dport = 61000;
	s[n].status |= 0x10;	/* SRC_NAT */
	s[n].tcp_state = 3;
	snprintf(s[n].helper, sizeof(s[n].helper), "ftp");
	s[n++].relay = 1;
	state(&s[n++], AF_INET, IPPROTO_GRE, "192.0.2.15", "198.51.100.32");
	return (n);
}

struct dgram {
	uint8_t		 buf[9000 + SEAL_TAGLEN];
	size_t		 len;
};

/* Build one datagram of node, seq with ctl and the given states. */
static void
dgram(struct dgram *d, uint32_t node, uint64_t nonce, uint32_t seq,
    const struct msg_ctl *ctl, const struct sync_state *s, size_t ns,
    int deletes)
{
	struct msg_queue	*q;
	struct msg_built	*b;
	struct msg_hdr		 h;
	struct sync_key		 k;
	size_t			 i;

	if ((q = msg_queue_new(64)) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL)
		err(1, "malloc");
	memset(&h, 0, sizeof(h));
	h.node = node;
	h.nonce = nonce;
	h.seq = seq;
	h.base = seq > 4 ? seq - 4 : 0;
	h.acks_len = 1;
	h.acks[0].node = FUZZ_SELF;
	h.acks[0].nonce = FUZZ_NONCE;
	h.acks[0].seq = 9;
	for (i = 0; i < ns; i++) {
		msg_state_key(&s[i], &k);
		if ((deletes ? msg_queue_delete(q, &k) :
		    msg_queue_update(q, &s[i])) == -1)
			errx(1, "msg_queue");
	}
	if (msg_build(q, &h, ctl, d->buf, 9000, b) == -1)
		errx(1, "msg_build");
	d->len = b->len;
	msg_queue_free(q);
	free(b);
}

/* The same datagrams as fuzz_sync's payload records and, sealed, as
 * fuzz_seal's raw ones. */
static void
sync_seed(const char *name, struct dgram *d, size_t n)
{
	static uint8_t	 out[8 * sizeof(struct dgram)];
	struct seal	*tx;
	size_t		 len = 0, slen = 0, i;
	ssize_t		 sealed;

	if ((tx = seal_new((const uint8_t *)FUZZ_KEY, FUZZ_KEYLEN)) == NULL)
		errx(1, "seal_new");
	for (i = 0; i < n; i++)
		len = fuzz_record_put(out, len, sizeof(out), d[i].buf,
		    d[i].len);
	seed("sync", name, out, len);
	seed("rx", name, out, len);	/* the same payloads, whole engine */
	for (i = 0; i < n; i++) {
		if ((sealed = seal_sign(tx, d[i].buf, d[i].len,
		    sizeof(d[i].buf))) == -1)
			errx(1, "seal_sign");
		slen = fuzz_record_put(out, slen, sizeof(out), d[i].buf,
		    (size_t)sealed);
	}
	seed("seal", name, out, slen);
	seal_free(tx);
}

/* Expectations (ExpectUpdate, ExpectDelete): a NATed FTP one, and its
 * delete, with the header the other seeds have. */
static void
expect_seed(struct dgram *d)
{
	struct sync_expect	 x;
	struct msg_hdr		 h;
	struct msg_out		 o;

	memset(&x, 0, sizeof(x));
	x.family = AF_INET;
	x.l4proto = x.exp_l4proto = IPPROTO_TCP;
	inet_pton(AF_INET, "192.0.2.10", &x.master.src);
	inet_pton(AF_INET, "198.51.100.20", &x.master.dst);
	x.master.sport = 40000;
	x.master.dport = 21;
	x.tuple.src = x.master.src;
	x.tuple.dst = x.master.dst;
	x.tuple.dport = 60000;
	memset(x.mask.src.b, 0xff, 4);
	memset(x.mask.dst.b, 0xff, 4);
	x.mask.dport = 0xffff;
	x.timeout = 300;
	snprintf(x.helper, sizeof(x.helper), "ftp");
	snprintf(x.fn, sizeof(x.fn), "nat-follow-master");
	x.has_nat = 1;
	x.nat.src = x.master.dst;
	x.nat.sport = 60000;
	memset(&h, 0, sizeof(h));
	h.node = 2;
	h.nonce = 0xabcd;
	h.seq = 7;
	h.base = 3;
	h.acks_len = 1;
	h.acks[0].node = FUZZ_SELF;
	h.acks[0].nonce = FUZZ_NONCE;
	h.acks[0].seq = 9;
	if (msg_out_begin(&o, &h, NULL, d->buf, 9000) == -1 ||
	    msg_out_expect_update(&o, &x) == -1 ||
	    msg_out_expect_delete(&o, &x) == -1)
		errx(1, "msg_out_expect");
	d->len = msg_out_end(&o);
}

static void
sync_seeds(void)
{
	static struct dgram	 d[4];
	struct sync_state	 s[16];
	struct msg_ctl		 c;
	size_t			 ns = states(s), i;
	char			 name[32];

	for (i = 0; i < ns; i++) {
		dgram(&d[0], 2, 0xabcd, 1, NULL, &s[i], 1, 0);
		snprintf(name, sizeof(name), "update-%zu", i);
		sync_seed(name, d, 1);
	}
	dgram(&d[0], 2, 0xabcd, 1, NULL, s, ns, 0);
	sync_seed("updates", d, 1);
	dgram(&d[0], 2, 0xabcd, 2, NULL, s, ns, 1);
	sync_seed("deletes", d, 1);
	expect_seed(&d[0]);
	sync_seed("expectations", d, 1);
	memset(&c, 0, sizeof(c));
	c.heartbeat = 1;
	c.heartbeat_ms = 1000;
	dgram(&d[0], 2, 0xabcd, 3, &c, NULL, 0, 0);
	sync_seed("heartbeat", d, 1);
	memset(&c, 0, sizeof(c));
	c.bulk_request = 1;
	c.resync = 1;
	c.resync_node = FUZZ_SELF;
	dgram(&d[0], 2, 0xabcd, 4, &c, NULL, 0, 0);
	sync_seed("bulk-request-resync", d, 1);
	memset(&c, 0, sizeof(c));
	c.bulk_end = 1;
	c.nnacks = 2;
	c.nacks[0].node = FUZZ_SELF;
	c.nacks[0].nranges = 2;
	c.nacks[0].ranges[0].first = 5;
	c.nacks[0].ranges[0].count = 2;
	c.nacks[0].ranges[1].first = 10;
	c.nacks[0].ranges[1].count = 1;
	c.nacks[1].node = 3;
	c.nacks[1].nranges = 1;
	c.nacks[1].ranges[0].first = 0xfffffffe;
	c.nacks[1].ranges[0].count = 4;
	dgram(&d[0], 2, 0xabcd, 5, &c, &s[1], 1, 0);
	sync_seed("bulk-end-nacks", d, 1);
	/* a session: in order, a replay, a restart with a new nonce */
	for (i = 0; i < 4; i++)
		dgram(&d[i], 2, i < 3 ? 0xabcd : 0xbeef, i == 2 ? 1 : i + 1,
		    NULL, &s[i], 1, 0);
	sync_seed("session", d, 4);
	/* two peers, and our own node reflected */
	dgram(&d[0], 2, 0xabcd, 1, NULL, &s[0], 1, 0);
	dgram(&d[1], 3, 0x3333, 1, NULL, &s[1], 1, 0);
	dgram(&d[2], FUZZ_SELF, FUZZ_NONCE, 1, NULL, &s[2], 1, 0);
	sync_seed("peers", d, 3);
}

/* ------------------------------------------------------------- ctl */

static void
ctl_seed(const char *name, const ProtobufCMessage *m)
{
	uint8_t	*frame;
	size_t	 len;

	if ((frame = ctl_frame_pack(m, &len)) == NULL)
		errx(1, "ctl_frame_pack");
	seed("ctl", name, frame, len);
	free(frame);
}

static void
ctl_seeds(void)
{
	static const struct {
		const char	*name;
		CtlCommand	 cmd;
		const char	*group, *carp;
		uint32_t	 count;
	} reqs[] = {
		{ "status", CTL_COMMAND__STATUS, NULL, NULL, 0 },
		{ "groups", CTL_COMMAND__GROUPS, NULL, NULL, 0 },
		{ "stats", CTL_COMMAND__STATS, NULL, "lan", 0 },
		{ "demote", CTL_COMMAND__DEMOTE, "carp", NULL, 10 },
		{ "promote", CTL_COMMAND__PROMOTE, "internal", NULL, 1 },
		{ "down", CTL_COMMAND__DOWN, NULL, "lan", 0 },
		{ "up", CTL_COMMAND__UP, NULL, "lan", 0 },
		{ "monitor", CTL_COMMAND__MONITOR, NULL, NULL, 0 },
		{ "reload", CTL_COMMAND__RELOAD, NULL, NULL, 0 },
		{ "hold", CTL_COMMAND__HOLD, "carp", NULL, 32 },
		{ "release", CTL_COMMAND__RELEASE, "carp", NULL, 0 },
		{ "sync-status", CTL_COMMAND__SYNC_STATUS, NULL, NULL, 0 },
		{ "sync-stats", CTL_COMMAND__SYNC_STATS, NULL, NULL, 0 },
		{ "sync-resync", CTL_COMMAND__SYNC_RESYNC, NULL, NULL, 0 },
	};
	CtlRequest	 req;
	CtlReply	 rep;
	size_t		 i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ctl_request_init(&req, reqs[i].cmd);
		req.group = (char *)(uintptr_t)reqs[i].group;
		req.carp = (char *)(uintptr_t)reqs[i].carp;
		req.has_count = reqs[i].count != 0;
		req.count = reqs[i].count;
		req.who = (char *)(uintptr_t)"carpctl \"fuzz\"\t\xc3\xa9";
		ctl_seed(reqs[i].name, &req.base);
	}
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	rep.has_end = 1;
	rep.end = 1;
	ctl_seed("reply-ok", &rep.base);
	ctl_reply_init(&rep, CTL_RESULT__ERR_NO_SUCH_GROUP,
	    "no group \"x\"\n\x01\xed\xa0\x80");
	ctl_seed("reply-error", &rep.base);
}

/* -------------------------------------------------------------- ct */

static void
ct_seeds(void)
{
	struct sync_state	 s[16];
	struct nf_conntrack	*c;
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	size_t			 ns = states(s), i;
	char			 name[32];
	uint8_t			*buf;

	if ((buf = calloc(1, MNL_SOCKET_BUFFER_SIZE)) == NULL)
		err(1, "calloc");
	for (i = 0; i < 2 * ns; i++) {
		if ((c = nfct_new()) == NULL)
			err(1, "nfct_new");
		if (ct_to_nfct(&s[i % ns], c, i >= ns ? CT_NFCT_NAT : 0) == -1)
			errx(1, "ct_to_nfct");
		memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 |
		    (i % 3 == 2 ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = s[i % ns].family;
		nfg->version = NFNETLINK_V0;
		if (nfct_nlmsg_build(nlh, c) == -1)
			errx(1, "nfct_nlmsg_build");
		snprintf(name, sizeof(name), "%s-%zu", i >= ns ? "nat" : "event",
		    i % ns);
		seed("ct", name, buf, nlh->nlmsg_len);
		nfct_destroy(c);
	}
	free(buf);
}

/* Each event message alone, and all of them as one read. */
static void
ct_kernel_read(struct mnl_socket *ev, int *nmsg)
{
	static uint8_t		 buf[65536], all[65536];
	static size_t		 alllen;
	struct pollfd		 pfd;
	const struct nlmsghdr	*nlh;
	char			 name[32];
	ssize_t			 n;
	int			 len;

	pfd.fd = mnl_socket_get_fd(ev);
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 200) == 1) {
		if ((n = mnl_socket_recvfrom(ev, buf, sizeof(buf))) == -1)
			err(1, "event read");
		len = n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			snprintf(name, sizeof(name), "kernel-%d", (*nmsg)++);
			seed("ct", name, nlh, nlh->nlmsg_len);
			if (alllen + MNL_ALIGN(nlh->nlmsg_len) > sizeof(all))
				continue;
			memcpy(all + alllen, nlh, nlh->nlmsg_len);
			alllen += MNL_ALIGN(nlh->nlmsg_len);
		}
	}
	if (alllen > 0)
		seed("ct", "kernel-all", all, alllen);
}

static void
ct_kernel_seeds(void)
{
	struct sync_state	 s[16];
	struct mnl_socket	*ev;
	size_t			 ns = states(s), i;
	int			 nmsg = 0;

	if ((ev = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(ev, NF_NETLINK_CONNTRACK_NEW |
	    NF_NETLINK_CONNTRACK_UPDATE | NF_NETLINK_CONNTRACK_DESTROY,
	    MNL_SOCKET_AUTOPID) == -1)
		err(1, "ctnetlink event socket");
	if (ct_init(NULL, NULL, NULL) == -1)
		err(1, "ct_init");
	for (i = 0; i < ns; i++)
		(void)ct_apply_update(&s[i]);
	(void)ct_apply_flush();
	ct_kernel_read(ev, &nmsg);
	s[0].tcp_state = 5;	/* TIME_WAIT */
	s[0].timeout = 120;
	(void)ct_apply_update(&s[0]);
	(void)ct_apply_flush();
	ct_kernel_read(ev, &nmsg);
	for (i = 0; i < ns; i++)
		(void)ct_apply_delete(&s[i]);
	(void)ct_apply_flush();
	ct_kernel_read(ev, &nmsg);
	ct_shutdown();
	mnl_socket_close(ev);
	if (nmsg == 0)
		errx(1, "no conntrack event came");
	printf("mkseeds: %d kernel events\n", nmsg);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-k") == 0) {
		outdir = argv[2];
		ct_kernel_seeds();
		return (0);
	}
	if (argc < 2) {
		fprintf(stderr, "usage: mkseeds OUTDIR [ucarp-capture.txt ...]\n"
		    "       mkseeds -k OUTDIR\n");
		return (2);
	}
	outdir = argv[1];
	carp_seeds(argc - 2, argv + 2);
	sync_seeds();
	ctl_seeds();
	ct_seeds();
	return (0);
}
