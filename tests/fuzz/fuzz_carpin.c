/* carpd's advert input, past the decoder: the IPv4 header check
 * (net_parse_ip4, carpd/net.c) and carp_input (carpd/fsm.c): TTL,
 * checksum, digest, loop and replay checks, the advert classifier and
 * the state machine, on two carps driven through a struct carp_ops that
 * only counts (as tests/unit/test_fsm.c does): vhid 7 in compat mode with
 * the key and address of tests/data/ucarp-vhid7.txt, vhid 42 in strict
 * mode. A demote goes through carp_demote_queue and carp_demote_run, as
 * group.c raises it; transitions are heard through env->notify.
 *
 * Input: records (fuzz.h), each an advert and then an event:
 *   byte 0   bit 0: IPv6, else IPv4; bits 1-3: event fired after the
 *            advert on the carp bit 4 picks (0: none, see fuzz_carpin_ev)
 *   IPv4     the packet as the raw socket returns it, IP header first
 *   IPv6     hop limit (1), source (16), the CARP bytes
 *
 * Properties: every carp stays in a state of the table; notify hears
 * only real transitions, each once it is complete (no carp_fsm under
 * way); no demote is left queued once the state machine returns. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/carpd.h"
#include "carp.h"
#include "fuzz.h"
#include "log.h"

#define FUZZ_IFINDEX	2

/* carpd/net.c: not static so that the unit tests reach it */
int	 net_parse_ip4(const uint8_t *, size_t, struct sockaddr_in *,
	    int *ttl, size_t *off, size_t *plen);

static const enum carp_event fuzz_carpin_ev[8] = {
	EV_REMOVE,	/* slot 0: no event */
	EV_MD_TIMEOUT, EV_AD_TIMEOUT, EV_LINK_DOWN, EV_LINK_UP,
	EV_ADMIN_DOWN, EV_ADMIN_UP,
	EV_DEMOTED,	/* slot 7: queued, as group.c raises it */
};

static int
fuzz_state_known(enum carp_state st)
{
	return (st == CARP_INIT || st == CARP_BACKUP || st == CARP_MASTER);
}

/* env->notify: a transition, told once it is written. */
static void
fuzz_notify(struct carp_if *cif, enum carp_state old, const char *why)
{
	(void)why;
	if (!fuzz_state_known(cif->state) || !fuzz_state_known(old))
		fuzz_fail("%s: notified of %d -> %d", cif->conf.name, old,
		    cif->state);
	if (old == cif->state)
		fuzz_fail("%s: notified of a transition to the same state",
		    cif->conf.name);
	if (cif->env->fsm_depth != 1)
		fuzz_fail("%s: notified at fsm depth %d", cif->conf.name,
		    cif->env->fsm_depth);
}

/* The machine is at rest: no transition under way, no demote left. */
static void
fuzz_carpin_rest(const struct carpd *env)
{
	if (env->fsm_depth != 0 || env->demote_running ||
	    env->demotes_queued != 0)
		fuzz_fail("at rest: fsm depth %d, demote running %d, %d "
		    "queued", env->fsm_depth, env->demote_running,
		    env->demotes_queued);
}

/* Fire event slot ev on cif. */
static void
fuzz_carpin_event(struct carp_if *cif, int ev)
{
	if (fuzz_carpin_ev[ev] == EV_DEMOTED) {
		carp_demote_queue(cif, "fuzz");
		carp_demote_run(cif->env);
	} else
		carp_fsm(cif, fuzz_carpin_ev[ev], "fuzz");
}

static int
fuzz_addr(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	return (0);
}

static int
fuzz_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	(void)cif;
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = af;
	if (af == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(0xc0000201);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr[15] = 1;
	return (0);
}

static int
fuzz_send(struct carp_if *cif, int af, const uint8_t *buf, size_t len)
{
	struct carp_pkt	 pkt;

	(void)cif;
	(void)af;
	if (carp_decode(buf, len, &pkt) != CARP_OK)
		fuzz_fail("carpd sent an advert carp_decode refuses");
	return (0);
}

static void
fuzz_announce(struct carp_if *cif)
{
	(void)cif;
}

static void
fuzz_script(struct carp_if *cif, int up)
{
	(void)cif;
	(void)up;
}

static const struct carp_ops fuzz_ops = {
	fuzz_addr, fuzz_addr, fuzz_source, fuzz_send, fuzz_announce,
	fuzz_script
};

static struct carp_if *
fuzz_carpin_new(struct carpd *env, const char *name, int vhid,
    enum conf_auth auth, const char *pass, const char *addr)
{
	struct conf_carp	 c;
	struct carp_if		*cif;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.carpdev, sizeof(c.carpdev), "eth0");
	c.vhid = vhid;
	c.advbase = 1;
	c.preempt = -1;
	c.auth = auth;
	c.passlen = strlen(pass);
	memcpy(c.password, pass, c.passlen);
	if (conf_addr_parse(addr, &c.addrs[c.naddrs++], 1) == -1 ||
	    (cif = carp_if_new(env, &c)) == NULL)
		fuzz_fail("cannot make carp %s", name);
	cif->carpdev_index = cif->addr_index = FUZZ_IFINDEX;
	cif->link_up = 1;
	carp_fsm(cif, EV_START, "fuzz");
	return (cif);
}

/* One record: the advert, then the event. */
static void
fuzz_carpin_one(struct carpd *env, struct carp_if **cifs, const uint8_t *d,
    size_t n)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	size_t			 off, plen;
	int			 ttl, ev;

	if (n < 1)
		return;
	ev = (d[0] >> 1) & 7;
	if (!(d[0] & 1)) {
		if (net_parse_ip4(d + 1, n - 1, &sin, &ttl, &off, &plen) == 0) {
			if (off + plen > n - 1)
				fuzz_fail("net_parse_ip4: %zu + %zu bytes of %zu",
				    off, plen, n - 1);
			carp_input(env, FUZZ_IFINDEX, AF_INET,
			    (struct sockaddr *)&sin, ttl, d + 1 + off, plen);
		}
	} else if (n >= 18) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, d + 2, 16);
		carp_input(env, FUZZ_IFINDEX, AF_INET6,
		    (struct sockaddr *)&sin6, d[1], d + 18, n - 18);
	}
	if (ev != 0)
		fuzz_carpin_event(cifs[(d[0] >> 4) & 1], ev);
	fuzz_carpin_rest(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct carp_conf	 conf;
	struct carpd		 env;
	struct carp_if		*cifs[2], *cif;
	const uint8_t		*rec;
	uint8_t			*copy;
	size_t			 rlen;

	log_init("fuzz_carpin", 0, 0);	/* syslog: quiet here */
	memset(&env, 0, sizeof(env));
	memset(&conf, 0, sizeof(conf));
	conf_defaults(&conf);
	if (carpd_env_init(&env, &conf, &fuzz_ops) == -1)
		fuzz_fail("event_base_new");
	env.notify = fuzz_notify;
	cifs[0] = fuzz_carpin_new(&env, "ucarp7", 7, AUTH_COMPAT, "secretpw",
	    "192.0.2.100/24");
	cifs[1] = fuzz_carpin_new(&env, "strict42", 42, AUTH_STRICT,
	    "a strict password", "2001:db8::100/64");
	while (fuzz_record(&data, &size, &rec, &rlen) == 0) {
		/* exactly the record's bytes on the heap, for ASan */
		if ((copy = malloc(rlen + 1)) == NULL)
			break;
		memcpy(copy, rec, rlen);
		fuzz_carpin_one(&env, cifs, copy, rlen);
		free(copy);
	}
	TAILQ_FOREACH(cif, &env.carps, entry)
		if (!fuzz_state_known(cif->state))
			fuzz_fail("%s in state %d", cif->conf.name, cif->state);
	carpd_env_free(&env);
	return (0);
}
