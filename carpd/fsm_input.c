/* Advert input: find the carp (or balanced slot) of a received advert
 * by carpdev and vhid, run the receiver's checks in order, count what
 * fails by reason, then classify the advert and drive the state machine
 * (fsm.c). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carpd.h"
#include "carp.h"
#include "net.h"
#include "log.h"

static struct carp_if *
carp_lookup(struct carpd *env, unsigned ifindex, int vhid)
{
	struct carp_if	*cif;

	TAILQ_FOREACH(cif, &env->carps, entry)
		if (cif->carpdev_index == ifindex && cif->conf.vhid == vhid)
			return (cif);
	return (NULL);
}

static const char *
carp_sa_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	struct conf_addr	 a;

	memset(&a, 0, sizeof(a));
	a.af = sa->sa_family;
	if (a.af == AF_INET)
		a.a.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	else if (a.af == AF_INET6)
		a.a.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return ("?");
	conf_addr_print(&a, 0, buf, len);
	return (buf);
}

/* Decode errors are counted per carp, by reason. */
static void
carp_count_decode(struct carp_if *cif, enum carp_err err,
    const struct sockaddr *src)
{
	switch (err) {
	case CARP_ERR_LENGTH:
		net_drop(&cif->cnt.bad_length, NET_DROP_LENGTH, src);
		break;
	case CARP_ERR_CKSUM:
		net_drop(&cif->cnt.bad_checksum, NET_DROP_CKSUM, src);
		break;
	case CARP_ERR_HMAC:
		net_drop(&cif->cnt.bad_hmac, NET_DROP_HMAC, src);
		break;
	default:
		net_drop(&cif->cnt.bad_version, NET_DROP_VERSION, src);
		break;
	}
}

/* The receiver's checks, in order: TTL (always 255, for unicast peers
 * too, so an advert cannot come from off-link), checksum and header,
 * digest, our own counter coming back (loop), and in strict mode a
 * counter not newer than the last one accepted from that source. */
static int
carp_input_check(struct carp_if *cif, const struct sockaddr *src, int ttl,
    const uint8_t *buf, size_t len, struct carp_pkt *pkt)
{
	struct carp_auth	 auth;
	struct carp_addr	 addrs[CONF_MAXADDRS];
	enum carp_err		 err;

	if (ttl != CARP_TTL) {
		net_drop(&cif->cnt.bad_ttl, NET_DROP_TTL, src);
		return (-1);
	}
	carp_auth_fill(cif, &auth, addrs);
	if ((err = carp_decode(buf, len, pkt)) != CARP_OK ||
	    (err = carp_verify(buf, pkt, &auth, src)) != CARP_OK) {
		carp_count_decode(cif, err, src);
		return (-1);
	}
	if (pkt->counter == cif->counter) {
		net_drop(&cif->cnt.loops, NET_DROP_LOOP, src);
		return (-1);
	}
	if (cif->conf.auth == AUTH_STRICT &&
	    !auth_replay_check(cif, src, pkt->counter)) {
		net_drop(&cif->cnt.replays, NET_DROP_REPLAY, src);
		return (-1);
	}
	return (0);
}

static void
carp_master_remember(struct carp_if *cif, const struct sockaddr *src)
{
	size_t	 len;

	len = src->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	memset(&cif->master, 0, sizeof(cif->master));
	memcpy(&cif->master, src, len);
}

void
carp_input(struct carpd *env, unsigned ifindex, int af,
    const struct sockaddr *src, int ttl, const uint8_t *buf, size_t len)
{
	struct carp_if		*cif;
	struct carp_pkt		 pkt;
	struct carp_advert	 adv;
	enum carp_event		 ev;
	char			 a[64], why[160];

	(void)af;	/* src says it */
	if (len < 2) {
		net_drop(&env->bad_packets, NET_DROP_MALFORMED, src);
		return;
	}
	if ((cif = carp_lookup(env, ifindex, buf[1])) == NULL) {
		net_drop(&env->unknown_vhid, NET_DROP_VHID, src);
		return;
	}
	if (carp_input_check(cif, src, ttl, buf, len, &pkt) == -1)
		return;
	cif->cnt.adverts_received++;
	adv.vhid = pkt.vhid;
	adv.advbase = pkt.advbase;
	adv.advskew = pkt.advskew;
	adv.demote = pkt.demote;
	adv.counter = pkt.counter;
	ev = carp_adv_classify(cif, &adv);
	if (ev != EV_ADV_WORSE)
		carp_master_remember(cif, src);
	/* The reason is written out only when it is logged: the adverts
	 * that change nothing (hundreds a second at advbase 0) are not
	 * worth an address conversion and a printf each. */
	if (!carp_fsm_tells(cif, ev)) {
		carp_fsm(cif, ev, "advert");
		return;
	}
	snprintf(why, sizeof(why), "%s from %s, advbase %d advskew %d "
	    "demote %d", adv.advbase == CARP_BOWOUT &&
	    adv.advskew == CARP_BOWOUT ? "bow-out" : "advert",
	    carp_sa_ntop(src, a, sizeof(a)), adv.advbase, adv.advskew,
	    adv.demote);
	carp_fsm(cif, ev, why);
}

