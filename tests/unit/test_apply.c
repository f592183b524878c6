/* apply.c through a stub struct carp_ops: start from a config file,
 * reload as a diff (unchanged carps keep their state, removed ones leave
 * their group, new ones start), a carpdev that appears later, a bad file
 * that changes nothing, shutdown; balanced carps (slot.c), whose tests
 * stop the fixture's carps and start their own file. No kernel, no
 * root. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpd/carpd.h"
#include "log.h"

static struct carpd	 env;
static char		 cfpath[64], sockpath[64], statepath[64];

/* What apply.c asked of the kernel. */
static struct {
	int	 opened, closed;
	int	 joins, leaves;
	int	 addr_add, addr_del;
	int	 vmac_created, vmac_destroyed;
	int	 promoted;
	int	 eth2_exists;
	int	 sent, announced, up, down;
	int	 stopped;		/* the test ran carpd_shutdown */
	/* balanced carps: the kernel side's calls, the share it last saw,
	 * the slots whose MAC the switch was taught, adverts per vhid */
	int	 bal_opened, bal_updates, bal_closed, learned[4];
	uint32_t share;
	int	 sent_vhid[256];
} k;

static int
stub_open(struct carpd *e)
{
	(void)e;
	k.opened++;
	return (0);
}

static void
stub_close(void)
{
	k.closed++;
}

/* eth0 is 1, eth1 2, eth2 3 once it "appears"; the macvlans 10+. */
static unsigned
stub_ifindex(const char *name)
{
	if (strcmp(name, "eth0") == 0)
		return (1);
	if (strcmp(name, "eth1") == 0)
		return (2);
	if (strcmp(name, "eth2") == 0 && k.eth2_exists)
		return (3);
	return (0);
}

static int
stub_link_up(unsigned ifindex)
{
	return (ifindex != 0);
}

static int
stub_link_mac(unsigned ifindex, uint8_t mac[6])
{
	memset(mac, (int)ifindex, 6);
	return (0);
}

static unsigned
stub_vmac_create(const char *name, unsigned parent, const uint8_t mac[6])
{
	(void)name;
	ck_assert_uint_eq(mac[5], 7);
	k.vmac_created++;
	return (10 + parent);
}

static int
stub_vmac_destroy(const char *name)
{
	(void)name;
	k.vmac_destroyed++;
	return (0);
}

static void
stub_promote(const char *ifname)
{
	(void)ifname;
	k.promoted++;
}

static int
stub_join(struct carp_if *cif)
{
	ck_assert_uint_ne(cif->carpdev_index, 0);
	k.joins++;
	return (0);
}

static void
stub_leave(struct carp_if *cif)
{
	(void)cif;
	k.leaves++;
}

static int
stub_addr_add(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	k.addr_add++;
	return (0);
}

static int
stub_addr_del(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	k.addr_del++;
	return (0);
}

/* compat mode signs no source: never asked */
static int
stub_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	(void)cif;
	(void)af;
	(void)ss;
	ck_abort_msg("source asked in compat mode");
	return (-1);
}

static int
stub_send(struct carp_if *cif, int af, const uint8_t *p, size_t len)
{
	ck_assert_int_eq(af, AF_INET);
	ck_assert_uint_eq(len, 36);
	ck_assert_uint_eq(p[1], (unsigned)cif->conf.vhid);
	k.sent++;
	k.sent_vhid[p[1]]++;
	return (0);
}

static void
stub_announce(struct carp_if *cif)
{
	ck_assert_int_eq(cif->state, CARP_BACKUP);	/* becoming MASTER */
	k.announced++;
}

static void
stub_script(struct carp_if *cif, int up)
{
	(void)cif;
	if (up)
		k.up++;
	else
		k.down++;
}

static int
stub_bal_open(struct carp_bal *bal)
{
	ck_assert_uint_eq(bal->carpdev_index, 1);
	ck_assert_ptr_null(bal->kern);
	bal->kern = &k;
	k.bal_opened++;
	return (0);
}

static int
stub_bal_update(struct carp_bal *bal)
{
	ck_assert_ptr_eq(bal->kern, &k);
	k.share = bal->share;
	k.bal_updates++;
	return (0);
}

static void
stub_bal_learn(struct carp_bal *bal, int slot)
{
	(void)bal;
	k.learned[slot]++;
}

static void
stub_bal_close(struct carp_bal *bal)
{
	ck_assert_ptr_eq(bal->kern, &k);
	bal->kern = NULL;
	k.bal_closed++;
}

static const struct carp_ops stub_ops = {
	.addr_add = stub_addr_add,
	.addr_del = stub_addr_del,
	.source = stub_source,
	.send = stub_send,
	.announce = stub_announce,
	.script = stub_script,
	.open = stub_open,
	.close = stub_close,
	.ifindex = stub_ifindex,
	.link_up = stub_link_up,
	.link_mac = stub_link_mac,
	.vmac_create = stub_vmac_create,
	.vmac_destroy = stub_vmac_destroy,
	.promote_secondaries = stub_promote,
	.join = stub_join,
	.leave = stub_leave,
	.bal_open = stub_bal_open,
	.bal_update = stub_bal_update,
	.bal_learn = stub_bal_learn,
	.bal_close = stub_bal_close,
};

/* The config file: the global lines, then the carp blocks given. */
static void
write_conf(const char *carps)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(cfpath, "w"));
	fprintf(f, "control-socket \"%s\"\nstate-file \"%s\"\n%s", sockpath,
	    statepath, carps);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(cfpath, 0600), 0);	/* inline passwords */
}

#define CARP1	"carp carp1 {\n vhid 1\n carpdev eth0\n password \"a\"\n" \
		" address 192.0.2.100/24\n}\n"
#define CARP2	"carp carp2 {\n vhid 2\n carpdev eth1\n password \"b\"\n" \
		" address 198.51.100.100/24\n group internal\n}\n"
#define CARP2X	"carp carp2 {\n vhid 2\n carpdev eth1\n password \"b\"\n" \
		" address 198.51.100.101/24\n group internal\n}\n"
#define CARP3	"carp carp3 {\n vhid 7\n carpdev eth2\n password \"c\"\n" \
		" address 203.0.113.100/24\n vmac yes\n}\n"

static enum carp_state
state(const char *name)
{
	struct carp_if	*cif = carpd_find_carp(&env, name);

	ck_assert_msg(cif != NULL, "no carp %s", name);
	return (cif->state);
}

static int
demote(const char *group)
{
	struct carp_group	*g = group_find(&env, group);

	ck_assert_ptr_nonnull(g);
	return (g->demote);
}

static void
start(const char *carps)
{
	struct carp_conf	*conf;

	log_init("test_apply", 1, 0);
	memset(&env, 0, sizeof(env));
	memset(&k, 0, sizeof(k));
	snprintf(cfpath, sizeof(cfpath), "/tmp/test_apply.%ld.conf",
	    (long)getpid());
	snprintf(sockpath, sizeof(sockpath), "/tmp/test_apply.%ld.sock",
	    (long)getpid());
	snprintf(statepath, sizeof(statepath), "/tmp/test_apply.%ld.state",
	    (long)getpid());
	write_conf(carps);
	ck_assert_ptr_nonnull(conf = conf_parse(cfpath, stderr));
	env.ops = &stub_ops;
	carpd_init(&env, conf);
}

static void
setup(void)
{
	start(CARP1 CARP2);
}

static void
teardown(void)
{
	if (!k.stopped)
		carpd_shutdown(&env);
	ck_assert_int_eq(k.closed, 1);
	ck_assert(TAILQ_EMPTY(&env.carps));
	event_base_free(env.base);
	unlink(cfpath);
	unlink(statepath);
}

START_TEST(test_start)
{
	ck_assert_int_eq(k.opened, 1);
	ck_assert_int_eq(k.joins, 2);
	ck_assert_int_eq(k.promoted, 2);
	/* leftovers of an earlier run are cleared at start, those of its
	 * scripts by the down-scripts (neutral no, the default) */
	ck_assert_int_eq(k.addr_del, 2);
	ck_assert_int_eq(k.down, 2);
	ck_assert_int_eq(state("carp1"), CARP_BACKUP);
	ck_assert_int_eq(state("carp2"), CARP_BACKUP);
	ck_assert_uint_eq(carpd_find_carp(&env, "carp2")->carpdev_index, 2);
	ck_assert_ptr_null(carpd_find_carp(&env, "carp9"));
}
END_TEST

START_TEST(test_reload_diff)
{
	struct carp_if	*c1 = carpd_find_carp(&env, "carp1");
	char		 err[256];

	carp_fsm(c1, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(state("carp1"), CARP_MASTER);
	ck_assert_int_eq(k.addr_add, 1);
	ck_assert_int_eq(k.sent, 1);
	ck_assert_int_eq(k.announced, 1);
	ck_assert_int_eq(k.up, 1);
	/* carp1 unchanged, carp2 changed, carp3 new on a missing carpdev */
	write_conf(CARP1 CARP2X CARP3);
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_ptr_eq(carpd_find_carp(&env, "carp1"), c1);
	ck_assert_int_eq(state("carp1"), CARP_MASTER);
	ck_assert_int_eq(state("carp2"), CARP_BACKUP);
	ck_assert_int_eq(k.leaves, 1);
	ck_assert_int_eq(k.joins, 3);
	/* carp3 waits in INIT and demotes its groups until eth2 is there */
	ck_assert_int_eq(state("carp3"), CARP_INIT);
	ck_assert_int_eq(demote("carp"), 1);
	k.eth2_exists = 1;
	carpd_link_changed(3, 1, &env);
	ck_assert_int_eq(state("carp3"), CARP_BACKUP);
	ck_assert_int_eq(k.vmac_created, 1);
	ck_assert_uint_eq(carpd_find_carp(&env, "carp3")->addr_index, 13);
	ck_assert_int_eq(demote("carp"), 0);
	/* removed: it leaves the group, its macvlan goes */
	write_conf(CARP1);
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_ptr_null(carpd_find_carp(&env, "carp3"));
	ck_assert_ptr_null(carpd_find_carp(&env, "carp2"));
	ck_assert_int_eq(k.vmac_destroyed, 1);
	ck_assert_int_eq(k.leaves, 3);
	ck_assert_int_eq(state("carp1"), CARP_MASTER);
	/* carp1 advertised carp3's demote coming and going; nothing was
	 * sent or scripted for the BACKUPs that went: the down-scripts are
	 * those of the four starts (carp1, carp2, carp2 restarted, carp3) */
	ck_assert_int_eq(k.sent, 3);
	ck_assert_int_eq(k.down, 4);
}

/* Stopping: the MASTER bows out, its addresses go, the down script. */
START_TEST(test_shutdown_bows_out)
{
	carp_fsm(carpd_find_carp(&env, "carp1"), EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(k.sent, 1);
	k.addr_del = 0;
	k.down = 0;
	carpd_shutdown(&env);
	ck_assert_int_eq(k.sent, 2);
	ck_assert_int_eq(k.addr_del, 1);
	ck_assert_int_eq(k.down, 1);
	ck_assert_int_eq(k.leaves, 2);
	k.stopped = 1;
}
END_TEST

START_TEST(test_reload_bad)
{
	char	 err[256];

	write_conf(CARP1 "carp carp2 {\n vhid 999\n}\n");
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, cfpath) != NULL, "err: %s", err);
	ck_assert_int_eq(state("carp2"), CARP_BACKUP);
	ck_assert_int_eq(k.leaves, 0);
}
END_TEST

START_TEST(test_link_down)
{
	carpd_link_changed(2, 0, &env);
	ck_assert_int_eq(state("carp2"), CARP_INIT);
	ck_assert_int_eq(state("carp1"), CARP_BACKUP);
	ck_assert_int_eq(demote("internal"), 1);
	carpd_link_changed(2, 1, &env);
	ck_assert_int_eq(state("carp2"), CARP_BACKUP);
	ck_assert_int_eq(demote("internal"), 0);
}
END_TEST

/* neutral and shutdown-scripts change in place: no restart, no flap;
 * shutdown-scripts no then keeps the MASTER's down-script at exit. */
START_TEST(test_reload_knobs)
{
	struct carp_if	*c1 = carpd_find_carp(&env, "carp1");
	char		 err[256];

	carp_fsm(c1, EV_MD_TIMEOUT, "test");
	write_conf("neutral yes\nshutdown-scripts no\n" CARP1 CARP2);
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_ptr_eq(carpd_find_carp(&env, "carp1"), c1);
	ck_assert_int_eq(state("carp1"), CARP_MASTER);
	ck_assert_int_eq(conf_carp_neutral(env.conf, &c1->conf), 1);
	k.down = k.addr_del = 0;
	carpd_shutdown(&env);
	ck_assert_int_eq(k.addr_del, 1);
	ck_assert_int_eq(k.down, 0);
	k.stopped = 1;
}
END_TEST

#define BAL(nodes, mode) "carp lan {\n carpnodes " nodes "\n balancing " \
		mode "\n carpdev eth0\n password \"a\"\n" \
		" address 192.0.2.1/24\n address 192.0.2.2/24\n}\n"

/* The slot carp_if of vhid, or fail. */
static struct carp_if *
slot_of(int vhid)
{
	struct carp_if	*cif;

	TAILQ_FOREACH(cif, &env.carps, entry)
		if (cif->conf.vhid == vhid)
			return (cif);
	ck_abort_msg("no slot with vhid %d", vhid);
	return (NULL);
}

/* Three slots, each its own election with its own vhid and advskew. */
START_TEST(test_slots_elect)
{
	struct carp_if	*s1, *s2, *s3;

	teardown();
	start(BAL("1:0, 2:100, 3:200", "arp"));
	s1 = slot_of(1);
	s2 = slot_of(2);
	s3 = slot_of(3);
	ck_assert_int_eq(s1->conf.advskew, 0);
	ck_assert_int_eq(s2->conf.advskew, 100);
	ck_assert_int_eq(s3->conf.advskew, 200);
	ck_assert_ptr_eq(s1->bal, s3->bal);
	ck_assert_int_eq(s2->slot, 1);
	ck_assert_int_eq(k.bal_opened, 1);
	ck_assert_int_eq(s1->state, CARP_BACKUP);
	/* the start's down-script once for the carp, not per slot */
	ck_assert_int_eq(k.down, 1);
	/* slot 2 first: the addresses come, the kernel hears share 0x2,
	 * the switch learns that slot's MAC; no gratuitous ARP */
	carp_fsm(s2, EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(s2->state, CARP_MASTER);
	ck_assert_uint_eq(k.share, 0x2);
	ck_assert_int_eq(k.addr_add, 2);
	ck_assert_int_eq(k.up, 1);
	ck_assert_int_eq(k.learned[1], 1);
	ck_assert_int_eq(k.announced, 0);
	ck_assert_int_eq(k.sent_vhid[2], 1);
	ck_assert_int_eq(k.sent_vhid[1], 0);
	/* slot 1 too: share 0x3, nothing installed twice */
	carp_fsm(s1, EV_MD_TIMEOUT, "test");
	ck_assert_uint_eq(k.share, 0x3);
	ck_assert_int_eq(k.addr_add, 2);
	ck_assert_int_eq(k.up, 1);
	/* losing one keeps the addresses; losing both removes them */
	carp_fsm(s2, EV_ADV_BETTER, "test");
	ck_assert_uint_eq(k.share, 0x1);
	ck_assert_int_eq(k.addr_del, 6);	/* each slot's start clears */
	carp_fsm(s1, EV_ADV_BETTER, "test");
	ck_assert_uint_eq(k.share, 0);
	ck_assert_int_eq(k.addr_del, 8);
	ck_assert_int_eq(k.down, 2);
	carpd_shutdown(&env);
	k.stopped = 1;
	ck_assert_int_eq(k.bal_closed, 1);
}
END_TEST

/* A reload that changes the node list restarts every slot and the
 * kernel side; one that changes nothing keeps them. */
START_TEST(test_slots_reload)
{
	struct carp_if	*s1;
	char		 err[256];

	teardown();
	start(BAL("1:0, 2:100", "ip"));
	s1 = slot_of(1);
	carp_fsm(s1, EV_MD_TIMEOUT, "test");
	ck_assert_uint_eq(k.share, 0x1);
	write_conf(BAL("1:0, 2:100", "ip"));
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_ptr_eq(slot_of(1), s1);
	ck_assert_int_eq(s1->state, CARP_MASTER);
	ck_assert_int_eq(k.bal_opened, 1);
	write_conf(BAL("1:0, 2:100, 3:200", "ip"));
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_int_eq(k.bal_closed, 1);
	ck_assert_int_eq(k.bal_opened, 2);
	ck_assert_int_eq(slot_of(3)->state, CARP_BACKUP);
	ck_assert_int_eq(slot_of(1)->state, CARP_BACKUP);
	/* 2 slots' start, the bow-out, 3 slots' start */
	ck_assert_int_eq(k.addr_del, 4 + 2 + 6);
	carpd_shutdown(&env);
	k.stopped = 1;
	ck_assert_int_eq(k.bal_closed, 2);
}
END_TEST

/* carpnodes without balancing: a failover led by the first slot; the
 * kernel side is never opened, the others' mastership moves nothing. */
START_TEST(test_slots_leader)
{
	teardown();
	start("carp lan {\n carpnodes 1:0, 2:100\n carpdev eth0\n"
	    " password \"a\"\n address 192.0.2.1/24\n}\n");
	carp_fsm(slot_of(2), EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(k.addr_add, 0);
	ck_assert_int_eq(k.announced, 0);
	carp_fsm(slot_of(1), EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(k.addr_add, 1);
	ck_assert_int_eq(k.announced, 1);
	ck_assert_int_eq(k.up, 1);
	ck_assert_int_eq(k.bal_opened, 0);
	carpd_shutdown(&env);
	k.stopped = 1;
	ck_assert_int_eq(k.bal_closed, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("apply");
	TCase	*tc = tcase_create("apply");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start);
	tcase_add_test(tc, test_reload_diff);
	tcase_add_test(tc, test_reload_bad);
	tcase_add_test(tc, test_link_down);
	tcase_add_test(tc, test_shutdown_bows_out);
	tcase_add_test(tc, test_reload_knobs);
	/* balanced carps (slot.c): each test starts its own config */
	tcase_add_test(tc, test_slots_elect);
	tcase_add_test(tc, test_slots_reload);
	tcase_add_test(tc, test_slots_leader);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
