/* Shared by the election engine tests (test_fsm.c, test_fsmsplit.c):
 * a struct carp_ops that only records what the engine asks for, and
 * carps made in a given state. */
#ifndef TESTS_FSM_TEST_H
#define TESTS_FSM_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/carpd.h"
#include "carp.h"
#include "log.h"

#define IFINDEX		2

struct rec {
	int	 addr_add, addr_del, source, send, announce, up, down;
	int	 send_fail;		/* make ops->send fail */
	int	 afs[8];
	uint8_t	 last[CARP_HDRLEN];	/* last advert sent */
};

static struct rec		 rec;
static struct carpd		 env;
static struct carp_conf		 conf;

static int
st_addr_add(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	rec.addr_add++;
	return (0);
}

static int
st_addr_del(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	rec.addr_del++;
	return (0);
}

static int
st_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	(void)cif;
	rec.source++;
	memset(ss, 0, sizeof(*ss));
	if (af != AF_INET)
		return (-1);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	return (0);
}

static int
st_send(struct carp_if *cif, int af, const uint8_t *buf, size_t len)
{
	(void)cif;
	if (rec.send_fail)
		return (-1);
	ck_assert_uint_eq(len, CARP_HDRLEN);
	memcpy(rec.last, buf, len);
	rec.afs[rec.send % 8] = af;
	rec.send++;
	return (0);
}

static void
st_announce(struct carp_if *cif)
{
	(void)cif;
	rec.announce++;
}

static void
st_script(struct carp_if *cif, int up)
{
	(void)cif;
	if (up)
		rec.up++;
	else
		rec.down++;
}

static const struct carp_ops stub_ops = {
	st_addr_add, st_addr_del, st_source, st_send, st_announce, st_script
};

static void
setup(void)
{
	memset(&rec, 0, sizeof(rec));
	memset(&env, 0, sizeof(env));
	memset(&conf, 0, sizeof(conf));
	log_init("test_fsm", 1, 0);
	conf_defaults(&conf);
	ck_assert_int_eq(carpd_env_init(&env, &conf, &stub_ops), 0);
}

static void
teardown(void)
{
	carpd_env_free(&env);
}

static void
addr(struct conf_carp *c, const char *s)
{
	ck_assert_int_eq(conf_addr_parse(s, &c->addrs[c->naddrs], 1), 0);
	c->naddrs++;
}

static struct carp_if *
mkcarp(const char *name, int vhid, int advbase, int advskew)
{
	struct conf_carp	 c;
	struct carp_if		*cif;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, name);
	strcpy(c.carpdev, "eth0");
	c.vhid = vhid;
	c.advbase = advbase;
	c.advskew = advskew;
	c.preempt = -1;
	memcpy(c.password, "secret", 6);
	c.passlen = 6;
	addr(&c, "192.0.2.100/24");
	cif = carp_if_new(&env, &c);
	ck_assert_ptr_nonnull(cif);
	cif->carpdev_index = IFINDEX;
	cif->addr_index = IFINDEX;
	cif->link_up = 1;
	return (cif);
}

static inline int
pending(struct event *ev)
{
	return (evtimer_pending(ev, NULL) != 0);
}

/* A carp named name (advbase 1) brought to state s, the record reset. */
static inline struct carp_if *
named_in_state(const char *name, int vhid, enum carp_state s)
{
	struct carp_if	*cif = mkcarp(name, vhid, 1, 0);

	if (s >= CARP_BACKUP)
		carp_fsm(cif, EV_START, "test");
	if (s >= CARP_MASTER)
		carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, s);
	memset(&rec, 0, sizeof(rec));
	return (cif);
}

static inline struct carp_if *
in_state(enum carp_state s)
{
	return (named_in_state("carp1", 1, s));
}

static inline struct carp_pkt
last_sent(void)
{
	struct carp_pkt	 pkt;

	ck_assert_int_eq(carp_decode(rec.last, CARP_HDRLEN, &pkt), CARP_OK);
	return (pkt);
}
#endif
