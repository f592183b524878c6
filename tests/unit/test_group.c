/* Groups and demote counters: creation with the configured start demote,
 * clamping, the advertised sum capped at 255, members advertising at once
 * when a group is demoted, and link-down demotion moving a whole group. */
#include <netinet/in.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/carpd.h"
#include "carp.h"
#include "log.h"

struct rec {
	int	 send[4];		/* adverts sent, by vhid */
	int	 demote[4];		/* demote in the last one, by vhid */
	int	 fail;			/* sends fail */
	int	 depth_max;		/* carp_fsm nesting seen by a send */
	char	 trace[128];		/* "n<vhid><state>" / "s<vhid>" */
};

static struct rec		 rec;
static struct carpd		 env;
static struct carp_conf		 conf;
static struct conf_group	 cg;

static int
st_addr(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	return (0);
}

static int
st_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	(void)cif;
	(void)af;
	(void)ss;
	return (-1);
}

static int
st_send(struct carp_if *cif, int af, const uint8_t *buf, size_t len)
{
	struct carp_pkt	 pkt;

	(void)af;
	ck_assert_int_eq(carp_decode(buf, len, &pkt), CARP_OK);
	if (cif->env->fsm_depth > rec.depth_max)
		rec.depth_max = cif->env->fsm_depth;
	snprintf(rec.trace + strlen(rec.trace), sizeof(rec.trace) -
	    strlen(rec.trace), "s%d ", cif->conf.vhid);
	if (rec.fail)
		return (-1);
	rec.send[cif->conf.vhid]++;
	rec.demote[cif->conf.vhid] = pkt.demote;
	return (0);
}

/* env.notify: the transition as the monitor would see it. */
static void
st_notify(struct carp_if *cif, enum carp_state old, const char *why)
{
	(void)old;
	(void)why;
	snprintf(rec.trace + strlen(rec.trace), sizeof(rec.trace) -
	    strlen(rec.trace), "n%d%s ", cif->conf.vhid,
	    carp_state_name(cif->state));
}

static void
st_announce(struct carp_if *cif)
{
	(void)cif;
}

static void
st_script(struct carp_if *cif, int up)
{
	(void)cif;
	(void)up;
}

static const struct carp_ops stub_ops = {
	st_addr, st_addr, st_source, st_send, st_announce, st_script
};

static void
setup(void)
{
	memset(&rec, 0, sizeof(rec));
	memset(&env, 0, sizeof(env));
	memset(&conf, 0, sizeof(conf));
	log_init("test_group", 1, 0);
	conf_defaults(&conf);
	/* group dmz { demote 20 } */
	memset(&cg, 0, sizeof(cg));
	strcpy(cg.name, "dmz");
	cg.demote = 20;
	TAILQ_INSERT_TAIL(&conf.groups, &cg, entry);
	ck_assert_int_eq(carpd_env_init(&env, &conf, &stub_ops), 0);
}

static void
teardown(void)
{
	carpd_env_free(&env);
}

/* A carp with vhid 1..3 in the given groups, brought to state s. */
static struct carp_if *
mkcarp(int vhid, const char *g1, enum carp_state s)
{
	struct conf_carp	 c;
	struct carp_if		*cif;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "carp%d", vhid);
	strcpy(c.carpdev, "eth0");
	c.vhid = vhid;
	c.advbase = 1;
	c.preempt = -1;
	ck_assert_int_eq(conf_addr_parse("192.0.2.100/24", &c.addrs[0], 1),
	    0);
	c.naddrs = 1;
	if (g1 != NULL)
		strcpy(c.groups[c.ngroups++], g1);
	ck_assert_ptr_nonnull(cif = carp_if_new(&env, &c));
	cif->carpdev_index = 10 + vhid;
	cif->link_up = 1;
	if (s >= CARP_BACKUP)
		carp_fsm(cif, EV_START, "test");
	if (s >= CARP_MASTER)
		carp_fsm(cif, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(cif->state, s);
	return (cif);
}

START_TEST(get_find)
{
	struct carp_group	*g;

	ck_assert_ptr_null(group_find(&env, "internal"));
	g = group_get(&env, "internal");
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->name, "internal");
	ck_assert_int_eq(g->demote, 0);
	ck_assert_ptr_eq(group_get(&env, "internal"), g);
	ck_assert_ptr_eq(group_find(&env, "internal"), g);
	/* declared in the config: starts at its demote */
	ck_assert_int_eq(group_get(&env, "dmz")->demote, 20);
	ck_assert_int_eq(group_adjust(&env, "nosuch", 1, "test"), -1);
}
END_TEST

START_TEST(carp_if_creates_groups)
{
	struct carp_if	*cif = mkcarp(1, "internal", CARP_INIT);

	ck_assert_ptr_nonnull(group_find(&env, "carp"));
	ck_assert_ptr_nonnull(group_find(&env, "internal"));
	ck_assert(group_is_member(cif, "carp"));
	ck_assert(group_is_member(cif, "internal"));
	ck_assert(!group_is_member(cif, "dmz"));
}
END_TEST

START_TEST(adjust_clamp)
{
	group_get(&env, "internal");
	ck_assert_int_eq(group_adjust(&env, "internal", 3, "test"), 0);
	ck_assert_int_eq(group_find(&env, "internal")->demote, 3);
	ck_assert_int_eq(group_adjust(&env, "internal", -5, "test"), 0);
	ck_assert_int_eq(group_find(&env, "internal")->demote, 0);
	group_adjust(&env, "internal", 1000, "test");
	ck_assert_int_eq(group_find(&env, "internal")->demote, 1000);
}
END_TEST

START_TEST(advertised_sum_capped)
{
	struct carp_if	*cif = mkcarp(1, "dmz", CARP_INIT);

	ck_assert_int_eq(carp_advertised_demote(cif), 20);
	group_adjust(&env, "carp", 7, "test");
	ck_assert_int_eq(carp_advertised_demote(cif), 27);
	/* groups the carp is not in do not count */
	group_get(&env, "other")->demote = 50;
	ck_assert_int_eq(carp_advertised_demote(cif), 27);
	group_adjust(&env, "carp", 200, "test");
	group_adjust(&env, "dmz", 200, "test");
	ck_assert_int_eq(carp_advertised_demote(cif), 255);
}
END_TEST

/* Raising a group makes every MASTER member advertise at once with the
 * new demote; members that are BACKUP and non-members send nothing. */
START_TEST(demote_members_advertise)
{
	mkcarp(1, "internal", CARP_MASTER);
	mkcarp(2, "internal", CARP_MASTER);
	mkcarp(3, NULL, CARP_MASTER);
	memset(&rec, 0, sizeof(rec));
	group_adjust(&env, "internal", 1, "test");
	ck_assert_int_eq(rec.send[1], 1);
	ck_assert_int_eq(rec.send[2], 1);
	ck_assert_int_eq(rec.send[3], 0);
	ck_assert_int_eq(rec.demote[1], 1);
	ck_assert_int_eq(rec.demote[2], 1);
	/* no change, no adverts */
	group_adjust(&env, "internal", 0, "test");
	group_adjust(&env, "internal", -5, "test");
	group_adjust(&env, "internal", -5, "test");
	ck_assert_int_eq(rec.send[1], 2);	/* 1 -> 0 only */
	ck_assert_int_eq(rec.demote[1], 0);
}
END_TEST

START_TEST(demote_backup_silent)
{
	mkcarp(1, "internal", CARP_BACKUP);
	group_adjust(&env, "internal", 1, "test");
	ck_assert_int_eq(rec.send[1], 0);
}
END_TEST

/* Group failover: carp1 and carp2 in group internal on two carpdevs,
 * both MASTER. carp1's link fails: carp1 goes INIT, internal and carp get
 * +1, carp2 advertises demote 2 at once, and so the peer's carp2 (demote
 * 0) preempts it and carp2 backs off when the peer's advert arrives. */
START_TEST(link_down_moves_group)
{
	struct carp_if		*c1 = mkcarp(1, "internal", CARP_MASTER);
	struct carp_if		*c2 = mkcarp(2, "internal", CARP_MASTER);
	struct carp_advert	 peer = { 2, 1, 0, 0, 1 };

	memset(&rec, 0, sizeof(rec));
	carp_fsm(c1, EV_LINK_DOWN, "test");
	ck_assert_int_eq(c1->state, CARP_INIT);
	ck_assert_int_eq(group_find(&env, "internal")->demote, 1);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 1);
	ck_assert_int_eq(rec.send[1], 0);
	ck_assert_int_eq(rec.send[2], 1);	/* once, for both groups */
	ck_assert_int_eq(rec.demote[2], 2);
	ck_assert_int_eq(carp_adv_classify(c2, &peer), EV_ADV_BETTER);
	carp_fsm(c2, carp_adv_classify(c2, &peer), "test");
	ck_assert_int_eq(c2->state, CARP_BACKUP);
	/* link back: the demotion is released */
	carp_fsm(c1, EV_LINK_UP, "test");
	ck_assert_int_eq(group_find(&env, "internal")->demote, 0);
	ck_assert_int_eq(group_find(&env, "carp")->demote, 0);
	ck_assert_int_eq(c1->state, CARP_BACKUP);
}
END_TEST

/* A MASTER whose link goes down demotes its groups from inside its own
 * transition: the members hear of it once the transition is written and
 * notified, never by re-entering the state machine (the MASTER itself,
 * INIT by then, sends nothing more). */
START_TEST(demote_after_transition)
{
	struct carp_if	*c1, *c2;

	c1 = mkcarp(1, "dmz", CARP_MASTER);
	c2 = mkcarp(2, "dmz", CARP_MASTER);
	env.notify = st_notify;
	rec.trace[0] = '\0';
	rec.depth_max = 0;
	carp_fsm(c1, EV_LINK_DOWN, "test");
	ck_assert_int_eq(c1->state, CARP_INIT);
	ck_assert_str_eq(rec.trace, "n1INIT s2 ");
	ck_assert_int_eq(rec.demote[2], 22);	/* dmz 21 + carp 1 */
	ck_assert_int_eq(rec.depth_max, 1);
	ck_assert_int_eq(env.fsm_depth, 0);
	ck_assert_int_eq(c1->demote_pending + c2->demote_pending, 0);
}
END_TEST

/* Three failed sends demote our groups from inside the advert timer's
 * transition: the extra advert with the new demote follows it. */
START_TEST(send_errors_no_reentry)
{
	struct carp_if	*c1;
	int		 i;

	c1 = mkcarp(1, NULL, CARP_MASTER);
	env.notify = st_notify;
	rec.fail = 1;
	rec.depth_max = 0;
	for (i = 0; i < 2; i++)
		carp_fsm(c1, EV_AD_TIMEOUT, "test");
	rec.trace[0] = '\0';
	carp_fsm(c1, EV_AD_TIMEOUT, "test");
	ck_assert_int_eq(c1->send_demoted, 1);
	ck_assert_int_eq(carp_advertised_demote(c1), 1);
	/* the timer's advert, then the one for the new demote */
	ck_assert_str_eq(rec.trace, "s1 s1 ");
	ck_assert_int_eq(rec.depth_max, 1);
	/* sent again: the demotion goes, advertised at once */
	rec.fail = 0;
	rec.trace[0] = '\0';
	carp_fsm(c1, EV_AD_TIMEOUT, "test");
	ck_assert_str_eq(rec.trace, "s1 s1 ");
	ck_assert_int_eq(rec.demote[1], 0);
	ck_assert_int_eq(rec.depth_max, 1);
	ck_assert_int_eq(c1->state, CARP_MASTER);
}
END_TEST

START_TEST(free_releases_demotion)
{
	struct carp_if	*c1 = mkcarp(1, "internal", CARP_BACKUP);

	mkcarp(2, "internal", CARP_MASTER);
	carp_fsm(c1, EV_LINK_DOWN, "test");
	ck_assert_int_eq(group_find(&env, "internal")->demote, 1);
	memset(&rec, 0, sizeof(rec));
	carp_if_free(c1);
	ck_assert_int_eq(group_find(&env, "internal")->demote, 0);
	ck_assert_int_eq(rec.send[2], 1);
	ck_assert_int_eq(rec.demote[2], 0);
}
END_TEST

static Suite *
group_suite(void)
{
	Suite	*s = suite_create("group");
	TCase	*tc = tcase_create("group");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, get_find);
	tcase_add_test(tc, carp_if_creates_groups);
	tcase_add_test(tc, adjust_clamp);
	tcase_add_test(tc, advertised_sum_capped);
	tcase_add_test(tc, demote_members_advertise);
	tcase_add_test(tc, demote_backup_silent);
	tcase_add_test(tc, link_down_moves_group);
	tcase_add_test(tc, free_releases_demotion);
	tcase_add_test(tc, demote_after_transition);
	tcase_add_test(tc, send_errors_no_reentry);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(group_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
