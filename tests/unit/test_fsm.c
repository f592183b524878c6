/* The election engine without root: every row of the FSM table, the
 * advert classifier rule by rule, advert input checks and advert output,
 * with a struct carp_ops that only records what the engine asks for. */
#include <time.h>

#include "fsm_test.h"
#include "unit.h"

/*
 * The table, row by row.
 */
START_TEST(row_init_start)
{
	struct carp_if	*cif = in_state(CARP_INIT);

	carp_fsm(cif, EV_START, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(pending(cif->md_timer));
	ck_assert(!pending(cif->ad_timer));
	ck_assert_int_eq(rec.send + rec.addr_add + rec.up, 0);
	ck_assert_uint_eq(cif->cnt.transitions, 1);
}
END_TEST

START_TEST(row_init_start_link_down)
{
	struct carp_if	*cif = in_state(CARP_INIT);

	cif->link_up = 0;
	carp_fsm(cif, EV_START, "test");
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert(!pending(cif->md_timer));
}
END_TEST

static void
check_became_master(struct carp_if *cif)
{
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.addr_add, 1);
	ck_assert_int_eq(rec.send, 1);
	ck_assert_int_eq(rec.announce, 1);
	ck_assert_int_eq(rec.up, 1);
	ck_assert_int_eq(rec.down, 0);
	ck_assert(cif->addrs_installed);
	ck_assert(pending(cif->ad_timer));
	ck_assert(pending(cif->announce_timer));
	ck_assert(!pending(cif->md_timer));
	ck_assert_int_eq(last_sent().advbase, 1);
}

START_TEST(row_backup_md_timeout)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);

	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	check_became_master(cif);
}
END_TEST

START_TEST(row_backup_adv_worse)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);

	carp_fsm(cif, EV_ADV_WORSE, "test");
	check_became_master(cif);
}
END_TEST

START_TEST(row_backup_adv_keep_better)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);

	evtimer_del(cif->md_timer);
	carp_fsm(cif, EV_ADV_KEEP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(pending(cif->md_timer));
	evtimer_del(cif->md_timer);
	carp_fsm(cif, EV_ADV_BETTER, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(pending(cif->md_timer));
	ck_assert_int_eq(rec.send + rec.addr_add + rec.addr_del, 0);
}
END_TEST

START_TEST(row_master_ad_timeout)
{
	struct carp_if	*cif = in_state(CARP_MASTER);

	evtimer_del(cif->ad_timer);
	carp_fsm(cif, EV_AD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	ck_assert(pending(cif->ad_timer));
	ck_assert_uint_eq(cif->cnt.adverts_sent, 2);
}
END_TEST

START_TEST(row_master_adv_better)
{
	struct carp_if	*cif = in_state(CARP_MASTER);

	carp_fsm(cif, EV_ADV_BETTER, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.addr_del, 1);
	ck_assert_int_eq(rec.down, 1);
	/* one parting advert, with our own values: the winner hears us */
	ck_assert_int_eq(rec.send, 1);
	ck_assert_int_eq(last_sent().advbase, 1);
	ck_assert(!cif->addrs_installed);
	ck_assert(pending(cif->md_timer));
	ck_assert(!pending(cif->ad_timer));
	ck_assert(!pending(cif->announce_timer));
}
END_TEST

static int	rivals;

static void
count_rival(struct carp_if *cif)
{
	ck_assert_int_eq(cif->state, CARP_MASTER);
	rivals++;
}

START_TEST(row_master_adv_worse_keep)
{
	struct carp_if	*cif = in_state(CARP_MASTER);

	rivals = 0;
	cif->env->rival = count_rival;
	carp_fsm(cif, EV_ADV_WORSE, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	/* syncd hears of the other master once per contest */
	ck_assert_int_eq(rivals, 1);
	/* a second one within the interval is counted, not answered */
	carp_fsm(cif, EV_ADV_KEEP, "test");
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	ck_assert_uint_eq(cif->cnt.answers_limited, 1);
	ck_assert_int_eq(rec.addr_del, 0);
	ck_assert_int_eq(rivals, 1);
	cif->env->rival = NULL;
}
END_TEST

START_TEST(row_demoted)
{
	struct carp_if	*m = in_state(CARP_MASTER);
	struct carp_if	*b = mkcarp("carp2", 2, 1, 0);

	carp_fsm(b, EV_START, "test");
	memset(&rec, 0, sizeof(rec));
	carp_fsm(m, EV_DEMOTED, "test");
	ck_assert_int_eq(m->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	carp_fsm(b, EV_DEMOTED, "test");
	ck_assert_int_eq(b->state, CARP_BACKUP);
	ck_assert_int_eq(rec.send, 1);
}
END_TEST

START_TEST(row_link_down)
{
	struct carp_if	*cif = in_state((enum carp_state)_i);
	int		 was_master = _i == CARP_MASTER;

	carp_fsm(cif, EV_LINK_DOWN, "test");
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert_int_eq(rec.addr_del, was_master);
	ck_assert_int_eq(rec.down, was_master);
	ck_assert_int_eq(rec.send, 0);	/* no advert over a dead link */
	ck_assert(!cif->link_up);
	ck_assert(cif->link_demoted);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
	ck_assert(!pending(cif->md_timer));
	ck_assert(!pending(cif->ad_timer));
	/* a second one does not demote twice */
	carp_fsm(cif, EV_LINK_DOWN, "test");
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
}
END_TEST

START_TEST(row_init_link_up)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);

	carp_fsm(cif, EV_LINK_DOWN, "test");
	carp_fsm(cif, EV_LINK_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(cif->link_up);
	ck_assert(!cif->link_demoted);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
	ck_assert(pending(cif->md_timer));
}
END_TEST

START_TEST(row_init_link_up_admin_down)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);

	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	carp_fsm(cif, EV_LINK_DOWN, "test");
	carp_fsm(cif, EV_LINK_UP, "test");
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
	carp_fsm(cif, EV_ADMIN_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
}
END_TEST

START_TEST(row_admin_down)
{
	struct carp_if	*cif = in_state((enum carp_state)_i);
	int		 was_master = _i == CARP_MASTER;
	struct carp_pkt	 pkt;

	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	/* carpctl down: bowed out, but still BACKUP (INIT stays INIT) */
	ck_assert_int_eq(cif->state,
	    _i == CARP_INIT ? CARP_INIT : CARP_BACKUP);
	ck_assert(cif->admin_down);
	ck_assert_int_eq(rec.send, was_master);
	ck_assert_int_eq(rec.addr_del, was_master);
	ck_assert_int_eq(rec.down, was_master);
	ck_assert(!pending(cif->md_timer));
	ck_assert(!pending(cif->ad_timer));
	ck_assert(!pending(cif->announce_timer));
	if (was_master) {
		pkt = last_sent();
		ck_assert_int_eq(pkt.advbase, CARP_BOWOUT);
		ck_assert_int_eq(pkt.advskew, CARP_BOWOUT);
	}
}
END_TEST

START_TEST(row_remove)
{
	struct carp_if	*cif = in_state((enum carp_state)_i);
	int		 was_master = _i == CARP_MASTER;
	struct carp_pkt	 pkt;

	carp_fsm(cif, EV_REMOVE, "test");
	ck_assert_int_eq(cif->state, CARP_INIT);
	ck_assert(cif->admin_down);
	ck_assert_int_eq(rec.send, was_master);
	ck_assert_int_eq(rec.addr_del, was_master);
	ck_assert_int_eq(rec.down, was_master);
	ck_assert(!pending(cif->md_timer));
	ck_assert(!pending(cif->ad_timer));
	ck_assert(!pending(cif->announce_timer));
	if (was_master) {
		pkt = last_sent();
		ck_assert_int_eq(pkt.advbase, CARP_BOWOUT);
		ck_assert_int_eq(pkt.advskew, CARP_BOWOUT);
	}
}
END_TEST

/* A carp held down by carpctl never takes over, whatever it hears. */
START_TEST(admin_down_never_takes_over)
{
	struct carp_if		*cif = in_state(CARP_BACKUP);
	struct carp_advert	 adv = { 1, 255, 255, 0, 0 };

	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	carp_fsm(cif, carp_adv_classify(cif, &adv), "test");
	carp_fsm(cif, EV_ADV_WORSE, "test");
	carp_fsm(cif, EV_ADV_KEEP, "test");
	carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(!pending(cif->md_timer));
	ck_assert_int_eq(rec.addr_add, 0);
	carp_fsm(cif, EV_ADMIN_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(pending(cif->md_timer));
}
END_TEST

START_TEST(row_init_admin_up)
{
	struct carp_if	*cif = in_state(CARP_INIT);

	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	cif->link_up = 0;
	carp_fsm(cif, EV_ADMIN_UP, "test");
	ck_assert_int_eq(cif->state, CARP_INIT);	/* link still down */
	ck_assert(!cif->admin_down);
	cif->link_up = 1;
	carp_fsm(cif, EV_ADMIN_DOWN, "test");
	carp_fsm(cif, EV_ADMIN_UP, "test");
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert(pending(cif->md_timer));
}
END_TEST

START_TEST(row_init_ignores)
{
	struct carp_if	*cif = in_state(CARP_INIT);
	enum carp_event	 evs[] = { EV_ADV_BETTER, EV_ADV_WORSE, EV_ADV_KEEP,
	    EV_DEMOTED, EV_MD_TIMEOUT, EV_AD_TIMEOUT };
	size_t		 i;

	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		carp_fsm(cif, evs[i], "test");
		ck_assert_int_eq(cif->state, CARP_INIT);
	}
	ck_assert_int_eq(rec.send + rec.addr_add + rec.up + rec.down, 0);
	ck_assert(!pending(cif->md_timer));
	ck_assert_uint_eq(cif->cnt.transitions, 0);
}
END_TEST

START_TEST(row_unlisted_ignored)
{
	struct carp_if	*m = in_state(CARP_MASTER);

	carp_fsm(m, EV_START, "test");
	carp_fsm(m, EV_MD_TIMEOUT, "test");
	carp_fsm(m, EV_LINK_UP, "test");
	carp_fsm(m, EV_ADMIN_UP, "test");
	ck_assert_int_eq(m->state, CARP_MASTER);
	ck_assert_int_eq(rec.send + rec.addr_add + rec.addr_del, 0);
}
END_TEST

/* Real timers: advbase 0, advskew 10 is a 39 ms interval, master-down
 * 117 ms; then three more announcements. */
START_TEST(timers_drive_fsm)
{
	struct carp_if	*cif = mkcarp("carp1", 1, 0, 10);
	int		 i;

	ck_assert_uint_eq(carp_interval_ms(0, 10), 39);
	carp_fsm(cif, EV_START, "test");
	event_base_loop(env.base, EVLOOP_ONCE);
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.send, 1);
	for (i = 0; i < 200 && rec.announce < 4; i++)
		event_base_loop(env.base, EVLOOP_ONCE);
	ck_assert_int_eq(rec.announce, 4);
	ck_assert_int_gt(rec.send, 10);		/* adverts every 39 ms */
	ck_assert(!pending(cif->announce_timer));
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(carp_state_name(CARP_MASTER), "MASTER");
	ck_assert_str_eq(carp_state_name(CARP_BACKUP), "BACKUP");
	ck_assert_str_eq(carp_state_name(CARP_INIT), "INIT");
	ck_assert_str_eq(carp_state_name(CARP_NSTATES), "?");
	ck_assert_str_eq(carp_event_name(EV_MD_TIMEOUT), "MD_TIMEOUT");
	ck_assert_str_eq(carp_event_name(EV_DEMOTED), "DEMOTED");
	ck_assert_uint_eq(carp_interval_ms(1, 0), 1000);
	ck_assert_uint_eq(carp_interval_ms(1, 128), 1500);
	ck_assert_uint_eq(carp_interval_ms(0, 1), 3);
	/* the timers run on the exact interval, not the rounded one */
	ck_assert_uint_eq(carp_interval_us(0, 1), 3906);
	ck_assert_uint_eq(carp_interval_us(0, 8), 31250);
	ck_assert_uint_eq(carp_interval_us(1, 128), 1500000);
}
END_TEST

/*
 * The classifier.
 */
static enum carp_event
classify(struct carp_if *cif, int advbase, int advskew, int demote)
{
	struct carp_advert	 adv;

	memset(&adv, 0, sizeof(adv));
	adv.vhid = cif->conf.vhid;
	adv.advbase = advbase;
	adv.advskew = advskew;
	adv.demote = demote;
	return (carp_adv_classify(cif, &adv));
}

/* Ours: advbase 1, advskew 100, demote 5 (group carp). */
static struct carp_if *
classify_carp(enum carp_state s)
{
	struct carp_if	*cif = in_state(s);

	cif->conf.advskew = 100;
	group_find(&env, "carp")->demote = 5;
	return (cif);
}

START_TEST(cls_master)
{
	struct carp_if	*cif = classify_carp(CARP_MASTER);

	/* lower demote wins whatever the interval */
	ck_assert_int_eq(classify(cif, 10, 0, 4), EV_ADV_BETTER);
	/* demote compared before interval: higher demote loses even
	 * with a shorter interval */
	ck_assert_int_eq(classify(cif, 0, 1, 6), EV_ADV_WORSE);
	/* equal demote: shorter or equal interval wins (no tie-break) */
	ck_assert_int_eq(classify(cif, 1, 99, 5), EV_ADV_BETTER);
	ck_assert_int_eq(classify(cif, 1, 100, 5), EV_ADV_BETTER);
	ck_assert_int_eq(classify(cif, 1, 101, 5), EV_ADV_WORSE);
	/* a bow-out never makes a master back off */
	ck_assert_int_eq(classify(cif, 255, 255, 5), EV_ADV_WORSE);
}
END_TEST

START_TEST(cls_backup_no_preempt)
{
	struct carp_if	*cif = classify_carp(CARP_BACKUP);

	/* a slower master is kept without preempt */
	ck_assert_int_eq(classify(cif, 1, 101, 5), EV_ADV_KEEP);
	ck_assert_int_eq(classify(cif, 2, 0, 5), EV_ADV_KEEP);
	/* faster or equal: better */
	ck_assert_int_eq(classify(cif, 1, 100, 5), EV_ADV_BETTER);
	ck_assert_int_eq(classify(cif, 1, 0, 5), EV_ADV_BETTER);
	/* higher demote: take over regardless of preempt */
	ck_assert_int_eq(classify(cif, 0, 1, 6), EV_ADV_WORSE);
	/* lower demote but slower: keep it */
	ck_assert_int_eq(classify(cif, 2, 0, 4), EV_ADV_BETTER);
	/* bow-out: its interval outlasts our master-down time */
	ck_assert_int_eq(classify(cif, 255, 255, 0), EV_ADV_WORSE);
	/* 1.39 s x 3 = 4.17 s: 4 s is alive, 5 s is dead */
	ck_assert_int_eq(classify(cif, 4, 0, 5), EV_ADV_KEEP);
	ck_assert_int_eq(classify(cif, 5, 0, 5), EV_ADV_WORSE);
}
END_TEST

START_TEST(cls_backup_preempt)
{
	struct carp_if	*cif = classify_carp(CARP_BACKUP);

	conf.preempt = 1;
	/* slower master with a demote not lower: preempt */
	ck_assert_int_eq(classify(cif, 1, 101, 5), EV_ADV_WORSE);
	ck_assert_int_eq(classify(cif, 1, 101, 6), EV_ADV_WORSE);
	/* slower but lower demote: demote first, no preempt */
	ck_assert_int_eq(classify(cif, 1, 101, 4), EV_ADV_BETTER);
	/* equal interval: nothing to preempt */
	ck_assert_int_eq(classify(cif, 1, 100, 5), EV_ADV_BETTER);
	/* per-carp override of the global default */
	cif->conf.preempt = 0;
	ck_assert_int_eq(classify(cif, 1, 101, 5), EV_ADV_KEEP);
	conf.preempt = 0;
	cif->conf.preempt = 1;
	ck_assert_int_eq(classify(cif, 1, 101, 5), EV_ADV_WORSE);
}
END_TEST

START_TEST(cls_deadratio)
{
	struct carp_if	*cif = classify_carp(CARP_BACKUP);

	conf.deadratio = 10;
	ck_assert_int_eq(classify(cif, 5, 0, 5), EV_ADV_KEEP);
	ck_assert_int_eq(classify(cif, 14, 0, 5), EV_ADV_WORSE);
}
END_TEST

START_TEST(cls_init)
{
	struct carp_if	*cif = classify_carp(CARP_INIT);

	ck_assert_int_eq(classify(cif, 255, 255, 255), EV_ADV_KEEP);
	ck_assert_int_eq(classify(cif, 0, 1, 0), EV_ADV_KEEP);
}
END_TEST

/*
 * Input.
 */
static struct sockaddr_in	 peer;

/* The codec's keying for cif's addresses (its own types, not config's). */
static void
mkauth(const struct carp_if *cif, const char *password,
    struct carp_auth *auth, struct carp_addr *addrs)
{
	int	 i;

	memset(auth, 0, sizeof(*auth));
	for (i = 0; i < cif->conf.naddrs; i++) {
		addrs[i].af = cif->conf.addrs[i].af;
		memcpy(&addrs[i].a, &cif->conf.addrs[i].a, sizeof(addrs[i].a));
	}
	auth->mode = cif->conf.auth == AUTH_STRICT ? CARP_AUTH_STRICT :
	    CARP_AUTH_COMPAT;
	auth->key = (const uint8_t *)password;
	auth->keylen = strlen(password);
	auth->addrs = addrs;
	auth->naddrs = cif->conf.naddrs;
}

static size_t
mkpkt(uint8_t *buf, const struct carp_if *cif, int vhid, int advbase,
    int advskew, const char *password)
{
	struct carp_pkt		 pkt;
	struct carp_auth	 auth;
	struct carp_addr	 addrs[CONF_MAXADDRS];

	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.2", &peer.sin_addr);
	memset(&pkt, 0, sizeof(pkt));
	pkt.vhid = vhid;
	pkt.advbase = advbase;
	pkt.advskew = advskew;
	pkt.counter = (uint64_t)time(NULL) * 1000000;	/* strict: fresh */
	mkauth(cif, password, &auth, addrs);
	ck_assert_int_eq(carp_encode(buf, &pkt, &auth,
	    (struct sockaddr *)&peer), 0);
	return (CARP_HDRLEN);
}

static void
input(struct carp_if *cif, unsigned ifindex, int ttl, const uint8_t *buf,
    size_t len)
{
	(void)cif;
	carp_input(&env, ifindex, AF_INET, (struct sockaddr *)&peer, ttl, buf,
	    len);
}

START_TEST(in_good)
{
	struct carp_if		*cif = in_state(CARP_BACKUP);
	struct sockaddr_in	*m = (struct sockaddr_in *)&cif->master;
	uint8_t			 buf[CARP_HDRLEN];

	mkpkt(buf, cif, 1, 1, 0, "secret");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.adverts_received, 1);
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(m->sin_family, AF_INET);
	ck_assert_uint_eq(m->sin_addr.s_addr, peer.sin_addr.s_addr);
	/* a bow-out makes us MASTER at once */
	mkpkt(buf, cif, 1, 255, 255, "secret");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_int_eq(cif->state, CARP_MASTER);
	ck_assert_int_eq(rec.addr_add, 1);
	/* and a better master sends us back */
	mkpkt(buf, cif, 1, 0, 200, "secret");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_uint_eq(cif->cnt.adverts_received, 3);
}
END_TEST

static void
check_dropped(struct carp_if *cif)
{
	ck_assert_uint_eq(cif->cnt.adverts_received, 0);
	ck_assert_int_eq(cif->state, CARP_BACKUP);
	ck_assert_int_eq(rec.addr_add, 0);
}

START_TEST(in_bad_ttl)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];

	mkpkt(buf, cif, 1, 255, 255, "secret");
	input(cif, IFINDEX, 254, buf, sizeof(buf));
	input(cif, IFINDEX, 1, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.bad_ttl, 2);
	check_dropped(cif);
}
END_TEST

START_TEST(in_bad_checksum)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];

	mkpkt(buf, cif, 1, 255, 255, "secret");
	buf[20] ^= 0x01;
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.bad_checksum, 1);
	check_dropped(cif);
}
END_TEST

START_TEST(in_bad_hmac)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];

	mkpkt(buf, cif, 1, 255, 255, "wrong");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.bad_hmac, 1);
	check_dropped(cif);
}
END_TEST

START_TEST(in_bad_version_length)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];
	uint16_t	 ck;

	mkpkt(buf, cif, 1, 255, 255, "secret");
	buf[0] = 0x31;		/* version 3 */
	buf[6] = buf[7] = 0;
	ck = carp_cksum(buf, sizeof(buf));
	buf[6] = ck >> 8;
	buf[7] = ck & 0xff;
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.bad_version, 1);
	input(cif, IFINDEX, 255, buf, 20);
	ck_assert_uint_eq(cif->cnt.bad_length, 1);
	check_dropped(cif);
}
END_TEST

START_TEST(in_unknown_vhid)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];

	mkpkt(buf, cif, 7, 255, 255, "secret");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	/* right vhid, other carpdev */
	mkpkt(buf, cif, 1, 255, 255, "secret");
	input(cif, IFINDEX + 1, 255, buf, sizeof(buf));
	ck_assert_uint_eq(env.unknown_vhid, 2);
	input(cif, IFINDEX, 255, buf, 1);
	ck_assert_uint_eq(env.bad_packets, 1);
	check_dropped(cif);
}
END_TEST

START_TEST(in_loop)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	uint8_t		 buf[CARP_HDRLEN];

	/* our own advert coming back would be a better one (equal interval
	 * and demote), were it not ours */
	mkpkt(buf, cif, 1, 1, 0, "secret");	/* sets peer */
	carp_send_advert(cif, 0);
	memcpy(buf, rec.last, sizeof(buf));
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.loops, 1);
	ck_assert_uint_eq(cif->cnt.adverts_received, 0);
	ck_assert_int_eq(cif->state, CARP_MASTER);
}
END_TEST

/* auth strict: a second copy of an accepted advert is a replay. */
START_TEST(in_strict_replay)
{
	struct carp_if	*cif = in_state(CARP_BACKUP);
	uint8_t		 buf[CARP_HDRLEN];

	cif->conf.auth = AUTH_STRICT;
	mkpkt(buf, cif, 1, 1, 0, "secret");
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.adverts_received, 1);
	input(cif, IFINDEX, 255, buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.replays, 1);
	ck_assert_uint_eq(cif->cnt.adverts_received, 1);
	/* the source is signed: the same advert from elsewhere fails */
	peer.sin_addr.s_addr ^= htonl(1);
	carp_input(&env, IFINDEX, AF_INET, (struct sockaddr *)&peer, 255,
	    buf, sizeof(buf));
	ck_assert_uint_eq(cif->cnt.bad_hmac, 1);
}
END_TEST

/*
 * Output.
 */
START_TEST(out_advert)
{
	struct carp_if		*cif = in_state(CARP_MASTER);
	struct carp_auth	 auth;
	struct carp_addr	 addrs[CONF_MAXADDRS];
	struct carp_pkt		 pkt;
	uint64_t		 c1;

	cif->conf.advskew = 42;
	group_get(&env, "carp")->demote = 7;
	carp_send_advert(cif, 0);
	pkt = last_sent();
	ck_assert_int_eq(pkt.vhid, 1);
	ck_assert_int_eq(pkt.advbase, 1);
	ck_assert_int_eq(pkt.advskew, 42);
	ck_assert_int_eq(pkt.demote, 7);
	ck_assert_int_eq(rec.afs[0], AF_INET);
	c1 = pkt.counter;
	ck_assert(c1 == cif->counter);
	mkauth(cif, "secret", &auth, addrs);
	ck_assert_int_eq(carp_verify(rec.last, &pkt, &auth, NULL), CARP_OK);
	/* compat: the per-process cookie, same in every advert */
	carp_send_advert(cif, 0);
	ck_assert(last_sent().counter == c1);
	ck_assert_int_eq(rec.source, 0);	/* compat signs no source */
}
END_TEST

/* auth strict: the source is signed and the counter grows. */
START_TEST(out_strict)
{
	struct carp_if	*cif = in_state(CARP_MASTER);
	uint64_t	 c1;

	cif->conf.auth = AUTH_STRICT;
	carp_send_advert(cif, 0);
	ck_assert_int_eq(rec.source, 1);
	c1 = last_sent().counter;
	carp_send_advert(cif, 0);
	ck_assert(last_sent().counter > c1);
	ck_assert(cif->counter == last_sent().counter);
}
END_TEST

START_TEST(out_families)
{
	struct carp_if	*cif = in_state(CARP_INIT);

	addr(&cif->conf, "2001:db8::100/64");
	carp_send_advert(cif, 0);
	ck_assert_int_eq(rec.send, 2);
	ck_assert_int_eq(rec.afs[0], AF_INET);
	ck_assert_int_eq(rec.afs[1], AF_INET6);
	/* a unicast peer changes the destination, not the families */
	ck_assert_int_eq(conf_addr_parse("2001:db8::2", &cif->conf.peer, 0),
	    0);
	carp_send_advert(cif, 0);
	ck_assert_int_eq(rec.send, 4);
}
END_TEST

START_TEST(out_send_errors_demote)
{
	struct carp_if	*cif = in_state(CARP_MASTER);

	rec.send_fail = 1;
	carp_send_advert(cif, 0);
	carp_send_advert(cif, 0);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
	carp_send_advert(cif, 0);
	ck_assert_uint_eq(cif->cnt.send_errors, 4);	/* + the one at once */
	ck_assert(cif->send_demoted);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
	carp_send_advert(cif, 0);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
	rec.send_fail = 0;
	carp_send_advert(cif, 0);
	ck_assert(!cif->send_demoted);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
	/* the demote change was advertised at once */
	ck_assert_int_eq(rec.send, 2);
	ck_assert_int_eq(last_sent().demote, 0);
}
END_TEST

static Suite *
fsm_suite(void)
{
	Suite	*s = suite_create("fsm");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, row_init_start);
	tcase_add_test(tc, row_init_start_link_down);
	tcase_add_test(tc, row_backup_md_timeout);
	tcase_add_test(tc, row_backup_adv_worse);
	tcase_add_test(tc, row_backup_adv_keep_better);
	tcase_add_test(tc, row_master_ad_timeout);
	tcase_add_test(tc, row_master_adv_better);
	tcase_add_test(tc, row_master_adv_worse_keep);
	tcase_add_test(tc, row_demoted);
	tcase_add_loop_test(tc, row_link_down, CARP_INIT, CARP_NSTATES);
	tcase_add_test(tc, row_init_link_up);
	tcase_add_test(tc, row_init_link_up_admin_down);
	tcase_add_loop_test(tc, row_admin_down, CARP_INIT, CARP_NSTATES);
	tcase_add_loop_test(tc, row_remove, CARP_INIT, CARP_NSTATES);
	tcase_add_test(tc, admin_down_never_takes_over);
	tcase_add_test(tc, row_init_admin_up);
	tcase_add_test(tc, row_init_ignores);
	tcase_add_test(tc, row_unlisted_ignored);
	tcase_add_test(tc, timers_drive_fsm);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);

	tc = tcase_create("classify");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cls_master);
	tcase_add_test(tc, cls_backup_no_preempt);
	tcase_add_test(tc, cls_backup_preempt);
	tcase_add_test(tc, cls_deadratio);
	tcase_add_test(tc, cls_init);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, in_good);
	tcase_add_test(tc, in_bad_ttl);
	tcase_add_test(tc, in_bad_checksum);
	tcase_add_test(tc, in_bad_hmac);
	tcase_add_test(tc, in_bad_version_length);
	tcase_add_test(tc, in_unknown_vhid);
	tcase_add_test(tc, in_loop);
	tcase_add_test(tc, in_strict_replay);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, out_advert);
	tcase_add_test(tc, out_strict);
	tcase_add_test(tc, out_families);
	tcase_add_test(tc, out_send_errors_demote);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(fsm_suite()));
}
