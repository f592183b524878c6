/* carpd/slot.c through apply.c and a stub struct carp_ops: a balanced
 * carp is one election per slot; the addresses, the scripts and the
 * kernel side follow the node's share of the slots; a reload that
 * changes it restarts every slot; the last slot closes the kernel side.
 * No kernel, no root. */
#include <sys/stat.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpd/carpd.h"
#include "log.h"
#include "tests/unit/unit.h"

static struct carpd	 env;
static char		 cfpath[64], sockpath[64], statepath[64];

static struct {
	int		 addr_add, addr_del, up, down, announced;
	int		 opened, updates, closed, learned[4];
	uint32_t	 share;		/* as the last bal_update saw it */
	int		 sent[256];	/* adverts per vhid */
} k;

static int
st_addr(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	k.addr_add++;
	return (0);
}

static int
st_addr_del(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	k.addr_del++;
	return (0);
}

static int
st_send(struct carp_if *cif, int af, const uint8_t *p, size_t len)
{
	(void)af;
	(void)len;
	ck_assert_uint_eq(p[1], (unsigned)cif->conf.vhid);
	k.sent[p[1]]++;
	return (0);
}

static void
st_announce(struct carp_if *cif)
{
	(void)cif;
	k.announced++;
}

static void
st_script(struct carp_if *cif, int up)
{
	(void)cif;
	if (up)
		k.up++;
	else
		k.down++;
}

static int
st_open(struct carpd *e)
{
	(void)e;
	return (0);
}

static void
st_close(void)
{
}

static unsigned
st_ifindex(const char *name)
{
	return (strcmp(name, "eth0") == 0 ? 1 : 0);
}

static int
st_link_up(unsigned ifindex)
{
	return (ifindex != 0);
}

static int
st_link_mac(unsigned ifindex, uint8_t mac[6])
{
	memset(mac, (int)ifindex, 6);
	return (0);
}

static void
st_promote(const char *ifname)
{
	(void)ifname;
}

static int
st_join(struct carp_if *cif)
{
	(void)cif;
	return (0);
}

static void
st_leave(struct carp_if *cif)
{
	(void)cif;
}

static int
st_bal_open(struct carp_bal *bal)
{
	ck_assert_uint_eq(bal->carpdev_index, 1);
	ck_assert_ptr_null(bal->kern);
	bal->kern = &k;
	k.opened++;
	return (0);
}

static int
st_bal_update(struct carp_bal *bal)
{
	ck_assert_ptr_eq(bal->kern, &k);
	k.share = bal->share;
	k.updates++;
	return (0);
}

static void
st_bal_learn(struct carp_bal *bal, int slot)
{
	(void)bal;
	k.learned[slot]++;
}

static void
st_bal_close(struct carp_bal *bal)
{
	ck_assert_ptr_eq(bal->kern, &k);
	bal->kern = NULL;
	k.closed++;
}

static const struct carp_ops stub_ops = {
	.addr_add = st_addr,
	.addr_del = st_addr_del,
	.send = st_send,
	.announce = st_announce,
	.script = st_script,
	.open = st_open,
	.close = st_close,
	.ifindex = st_ifindex,
	.link_up = st_link_up,
	.link_mac = st_link_mac,
	.promote_secondaries = st_promote,
	.join = st_join,
	.leave = st_leave,
	.bal_open = st_bal_open,
	.bal_update = st_bal_update,
	.bal_learn = st_bal_learn,
	.bal_close = st_bal_close,
};

static void
write_conf(const char *carps)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(cfpath, "w"));
	fprintf(f, "control-socket \"%s\"\nstate-file \"%s\"\n%s", sockpath,
	    statepath, carps);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(cfpath, 0600), 0);
}

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

static void
start(const char *carps)
{
	struct carp_conf	*conf;

	log_init("test_slot", 1, 0);
	memset(&env, 0, sizeof(env));
	memset(&k, 0, sizeof(k));
	snprintf(cfpath, sizeof(cfpath), "/tmp/test_slot.%ld.conf",
	    (long)getpid());
	snprintf(sockpath, sizeof(sockpath), "/tmp/test_slot.%ld.sock",
	    (long)getpid());
	snprintf(statepath, sizeof(statepath), "/tmp/test_slot.%ld.state",
	    (long)getpid());
	write_conf(carps);
	ck_assert_ptr_nonnull(conf = conf_parse(cfpath, stderr));
	env.ops = &stub_ops;
	carpd_init(&env, conf);
}

static void
stop(void)
{
	carpd_shutdown(&env);
	ck_assert(TAILQ_EMPTY(&env.carps));
	event_base_free(env.base);
	unlink(cfpath);
	unlink(statepath);
}

/* Three slots, each its own election with its own vhid and advskew. */
START_TEST(test_slots_elect)
{
	struct carp_if	*s1, *s2, *s3;

	start(BAL("1:0, 2:100, 3:200", "arp"));
	s1 = slot_of(1);
	s2 = slot_of(2);
	s3 = slot_of(3);
	ck_assert_int_eq(s1->conf.advskew, 0);
	ck_assert_int_eq(s2->conf.advskew, 100);
	ck_assert_int_eq(s3->conf.advskew, 200);
	ck_assert_ptr_eq(s1->bal, s3->bal);
	ck_assert_int_eq(s2->slot, 1);
	ck_assert_int_eq(k.opened, 1);
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
	ck_assert_int_eq(k.sent[2], 1);
	ck_assert_int_eq(k.sent[1], 0);
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
	stop();
	ck_assert_int_eq(k.closed, 1);
}
END_TEST

/* A reload that changes the node list restarts every slot and the
 * kernel side; one that changes nothing keeps them. */
START_TEST(test_slots_reload)
{
	struct carp_if	*s1;
	char		 err[256];

	start(BAL("1:0, 2:100", "ip"));
	s1 = slot_of(1);
	carp_fsm(s1, EV_MD_TIMEOUT, "test");
	ck_assert_uint_eq(k.share, 0x1);
	write_conf(BAL("1:0, 2:100", "ip"));
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_ptr_eq(slot_of(1), s1);
	ck_assert_int_eq(s1->state, CARP_MASTER);
	ck_assert_int_eq(k.opened, 1);
	write_conf(BAL("1:0, 2:100, 3:200", "ip"));
	ck_assert_int_eq(carpd_reload(&env, err, sizeof(err)), 0);
	ck_assert_int_eq(k.closed, 1);
	ck_assert_int_eq(k.opened, 2);
	ck_assert_int_eq(slot_of(3)->state, CARP_BACKUP);
	ck_assert_int_eq(slot_of(1)->state, CARP_BACKUP);
	/* 2 slots' start, the bow-out, 3 slots' start */
	ck_assert_int_eq(k.addr_del, 4 + 2 + 6);
	stop();
	ck_assert_int_eq(k.closed, 2);
}
END_TEST

/* carpnodes without balancing: a failover led by the first slot; the
 * kernel side is never opened, the others' mastership moves nothing. */
START_TEST(test_slots_leader)
{
	start("carp lan {\n carpnodes 1:0, 2:100\n carpdev eth0\n"
	    " password \"a\"\n address 192.0.2.1/24\n}\n");
	carp_fsm(slot_of(2), EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(k.addr_add, 0);
	ck_assert_int_eq(k.announced, 0);
	carp_fsm(slot_of(1), EV_MD_TIMEOUT, "test");
	ck_assert_int_eq(k.addr_add, 1);
	ck_assert_int_eq(k.announced, 1);
	ck_assert_int_eq(k.up, 1);
	ck_assert_int_eq(k.opened, 0);
	stop();
	ck_assert_int_eq(k.closed, 0);
}
END_TEST

static Suite *
slot_suite(void)
{
	Suite	*s = suite_create("slot");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_slots_elect);
	tcase_add_test(tc, test_slots_reload);
	tcase_add_test(tc, test_slots_leader);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(slot_suite()));
}
