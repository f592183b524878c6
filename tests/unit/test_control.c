/* carpd's control socket (carpd/control.c) against the real engine
 * (fsm.c, group.c) with stub kernel and wire ops: status contents,
 * argument checks, demote and holds, monitor events, garbage. The event
 * loop runs in this process between the client's writes and reads. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpd/carpd.h"
#include "carpd/control.h"
#include "clock.h"
#include "compat.h"
#include "ctl.h"
#include "log.h"

static struct carpd	 env;
static struct carp_conf	 conf;
static char		 sockpath[64];

/* ------------------------------------------------------------- stubs */

static int
stub_addr(struct carp_if *cif, const struct conf_addr *a)
{
	(void)cif;
	(void)a;
	return (0);
}

static int
stub_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	(void)cif;
	if (af != AF_INET)
		return (-1);
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	return (0);
}

static int
stub_send(struct carp_if *cif, int af, const uint8_t *p, size_t len)
{
	(void)cif;
	(void)af;
	(void)p;
	(void)len;
	return (0);
}

static void
stub_announce(struct carp_if *cif)
{
	(void)cif;
}

static void
stub_script(struct carp_if *cif, int up)
{
	(void)cif;
	(void)up;
}

static const struct carp_ops stub_ops = {
	stub_addr, stub_addr, stub_source, stub_send, stub_announce,
	stub_script,
};

/* ----------------------------------------------------------- fixture */

static void
add_carp(const char *name, int vhid, const char *dev, const char *addr,
    const char *group)
{
	struct conf_carp	 cc;
	struct carp_if		*cif;

	memset(&cc, 0, sizeof(cc));
	strlcpy(cc.name, name, sizeof(cc.name));
	strlcpy(cc.carpdev, dev, sizeof(cc.carpdev));
	cc.vhid = vhid;
	cc.advbase = 1;
	cc.advskew = 100;
	cc.preempt = -1;
	ck_assert_int_eq(conf_addr_parse(addr, &cc.addrs[0], 1), 0);
	cc.naddrs = 1;
	if (group != NULL) {
		strlcpy(cc.groups[0], group, sizeof(cc.groups[0]));
		cc.ngroups = 1;
	}
	ck_assert_ptr_nonnull(cif = carp_if_new(&env, &cc));
	cif->link_up = 1;
}

static void
setup(void)
{
	log_init("test_control", 1, 0);
	memset(&env, 0, sizeof(env));
	memset(&conf, 0, sizeof(conf));
	conf_defaults(&conf);
	ck_assert_int_eq(carpd_env_init(&env, &conf, &stub_ops), 0);
	env.notify = control_notify;
	add_carp("carp1", 1, "eth0", "192.0.2.100/24", "internal");
	add_carp("carp2", 2, "eth1", "2001:db8::100/64", "internal");
	add_carp("carp3", 3, "eth2", "198.51.100.1/32", NULL);
	snprintf(sockpath, sizeof(sockpath), "/tmp/test_control.%ld.sock",
	    (long)getpid());
	ck_assert_int_eq(control_init(&env, sockpath), 0);
}

static void
teardown(void)
{
	control_cleanup();
	env.shutting_down = 1;
	carpd_env_free(&env);
}

/* ------------------------------------------------------------ client */

/* Run the daemon's loop until fd has something to read. */
static void
pump(int fd, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	while (ms-- > 0) {
		event_base_loop(env.base, EVLOOP_NONBLOCK);
		if (fd >= 0 && poll(&pfd, 1, 0) == 1)
			return;
		usleep(1000);
	}
}

static int
client(void)
{
	int	 fd;

	fd = ctl_connect(sockpath, 1000);
	ck_assert_int_ge(fd, 0);
	return (fd);
}

static CtlReply *
call(int fd, CtlCommand cmd, const char *group, const char *carp, int count)
{
	CtlRequest	 req;
	CtlReply	*rep;

	ctl_request_init(&req, cmd);
	req.group = (char *)(uintptr_t)group;
	req.carp = (char *)(uintptr_t)carp;
	if (count >= 0) {
		req.has_count = 1;
		req.count = count;
	}
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	pump(fd, 1000);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_uint_eq(rep->version, CTL_VERSION);
	return (rep);
}

static void
expect(int fd, CtlCommand cmd, const char *group, const char *carp,
    int count, CtlResult want)
{
	CtlReply	*rep;

	rep = call(fd, cmd, group, carp, count);
	ck_assert_msg(rep->result == want, "%s: got %s (%s), want %s",
	    ctl_command_str(cmd), ctl_result_str(rep->result),
	    rep->reason ? rep->reason : "", ctl_result_str(want));
	ck_assert(rep->end);
	if (want != CTL_RESULT__OK)
		ck_assert_ptr_nonnull(rep->reason);
	ctl_reply_free(rep);
}

static int
group_demote(const char *name)
{
	struct carp_group	*g = group_find(&env, name);

	ck_assert_ptr_nonnull(g);
	return (g->demote);
}

/* ------------------------------------------------------------- tests */

START_TEST(test_status)
{
	CtlReply	*rep;
	CtlCarp		*c;
	int		 fd = client();

	carp_fsm(carpd_find_carp(&env, "carp1"), EV_START, "test");
	rep = call(fd, CTL_COMMAND__STATUS, NULL, NULL, -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert(rep->end);
	ck_assert_uint_eq(rep->n_carps, 3);
	c = rep->carps[0];
	ck_assert_str_eq(c->name, "carp1");
	ck_assert_uint_eq(c->vhid, 1);
	ck_assert_int_eq(c->state, CTL_CARP_STATE__BACKUP);
	ck_assert_str_eq(c->carpdev, "eth0");
	ck_assert_uint_eq(c->advbase, 1);
	ck_assert_uint_eq(c->advskew, 100);
	ck_assert_uint_eq(c->demote, 0);
	ck_assert_uint_eq(c->n_addresses, 1);
	ck_assert_str_eq(c->addresses[0], "192.0.2.100/24");
	ck_assert_uint_eq(c->n_groups, 2);
	ck_assert_str_eq(c->groups[0], "internal");
	ck_assert_str_eq(c->groups[1], "carp");
	ck_assert_ptr_nonnull(c->counters);
	ck_assert_uint_eq(c->counters->transitions, 1);
	ck_assert(c->since > 0);
	ck_assert_ptr_null(c->master);
	ck_assert_str_eq(rep->carps[1]->addresses[0], "2001:db8::100/64");
	ck_assert_int_eq(rep->carps[1]->state, CTL_CARP_STATE__INIT);
	ctl_reply_free(rep);
	close(fd);
}
END_TEST

START_TEST(test_demote)
{
	CtlReply	*rep;
	int		 fd = client();

	expect(fd, CTL_COMMAND__DEMOTE, "nosuch", NULL, -1,
	    CTL_RESULT__ERR_NO_SUCH_GROUP);
	expect(fd, CTL_COMMAND__DEMOTE, NULL, NULL, -1,
	    CTL_RESULT__ERR_BAD_REQUEST);
	expect(fd, CTL_COMMAND__DEMOTE, "internal", NULL, 0,
	    CTL_RESULT__ERR_RANGE);
	expect(fd, CTL_COMMAND__DEMOTE, "internal", NULL, 256,
	    CTL_RESULT__ERR_RANGE);
	ck_assert_int_eq(group_demote("internal"), 0);

	rep = call(fd, CTL_COMMAND__DEMOTE, "internal", NULL, 5);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert_uint_eq(rep->n_groups, 1);
	ck_assert_str_eq(rep->groups[0]->name, "internal");
	ck_assert_uint_eq(rep->groups[0]->demote, 5);
	ck_assert_uint_eq(rep->groups[0]->n_members, 2);
	ctl_reply_free(rep);
	expect(fd, CTL_COMMAND__DEMOTE, "internal", NULL, -1,
	    CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("internal"), 6);
	ck_assert_int_eq(carp_advertised_demote(carpd_find_carp(&env,
	    "carp2")), 6);
	ck_assert_int_eq(carp_advertised_demote(carpd_find_carp(&env,
	    "carp3")), 0);
	expect(fd, CTL_COMMAND__PROMOTE, "internal", NULL, 4,
	    CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("internal"), 2);

	rep = call(fd, CTL_COMMAND__GROUPS, NULL, NULL, -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert_uint_eq(rep->n_groups, 2);
	ctl_reply_free(rep);
	close(fd);
}
END_TEST

START_TEST(test_down_up)
{
	struct carp_if	*cif = carpd_find_carp(&env, "carp2");
	CtlReply	*rep;
	int		 fd = client();

	expect(fd, CTL_COMMAND__DOWN, NULL, "carp9", -1,
	    CTL_RESULT__ERR_NO_SUCH_CARP);
	expect(fd, CTL_COMMAND__UP, NULL, NULL, -1,
	    CTL_RESULT__ERR_BAD_REQUEST);
	carp_fsm(cif, EV_START, "test");
	rep = call(fd, CTL_COMMAND__DOWN, NULL, "carp2", -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert_uint_eq(rep->n_carps, 1);
	ck_assert_str_eq(rep->carps[0]->name, "carp2");
	ck_assert(rep->carps[0]->admin_down);
	ctl_reply_free(rep);
	ck_assert(cif->admin_down);
	expect(fd, CTL_COMMAND__UP, NULL, "carp2", -1, CTL_RESULT__OK);
	ck_assert(!cif->admin_down);
	close(fd);
}
END_TEST

START_TEST(test_hold_released_on_close)
{
	CtlReply	*rep;
	CtlRequest	 req;
	int		 fd = client(), other = client();

	ctl_request_init(&req, CTL_COMMAND__HOLD);
	expect(fd, CTL_COMMAND__HOLD, "nosuch", NULL, 32,
	    CTL_RESULT__ERR_NO_SUCH_GROUP);
	expect(fd, CTL_COMMAND__RELEASE, "carp", NULL, -1,
	    CTL_RESULT__ERR_NO_SUCH_HOLD);
	expect(fd, CTL_COMMAND__HOLD, "carp", NULL, 32, CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("carp"), 32);
	/* HOLD sets, it does not add: a re-sent hold changes nothing */
	expect(fd, CTL_COMMAND__HOLD, "carp", NULL, 32, CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("carp"), 32);
	expect(fd, CTL_COMMAND__HOLD, "carp", NULL, 33, CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("carp"), 33);
	expect(fd, CTL_COMMAND__HOLD, "internal", NULL, 1, CTL_RESULT__OK);
	expect(other, CTL_COMMAND__DEMOTE, "carp", NULL, 2, CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("carp"), 35);
	ck_assert_int_eq(carp_advertised_demote(carpd_find_carp(&env,
	    "carp1")), 36);

	rep = call(other, CTL_COMMAND__STATS, NULL, NULL, -1);
	ck_assert_uint_eq(rep->stats->holds, 2);
	ctl_reply_free(rep);

	/* the holder dies: its holds go, the operator's demote stays */
	close(fd);
	pump(-1, 100);
	ck_assert_int_eq(group_demote("carp"), 2);
	ck_assert_int_eq(group_demote("internal"), 0);

	/* RELEASE by hand */
	expect(other, CTL_COMMAND__HOLD, "internal", NULL, 7, CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("internal"), 7);
	expect(other, CTL_COMMAND__RELEASE, "internal", NULL, -1,
	    CTL_RESULT__OK);
	ck_assert_int_eq(group_demote("internal"), 0);
	close(other);
}
END_TEST

START_TEST(test_monitor)
{
	struct carp_if	*cif = carpd_find_carp(&env, "carp3");
	CtlReply	*rep;
	int		 mon = client(), fd = client();

	rep = call(mon, CTL_COMMAND__MONITOR, NULL, NULL, -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert(!rep->end);		/* events follow */
	ctl_reply_free(rep);

	carp_fsm(cif, EV_START, "test start");
	pump(mon, 1000);
	ck_assert_int_eq(ctl_recv(mon, &rep), 0);
	ck_assert(!rep->end);
	ck_assert_ptr_nonnull(rep->event);
	ck_assert_str_eq(rep->event->carp, "carp3");
	ck_assert_uint_eq(rep->event->vhid, 3);
	ck_assert_int_eq(rep->event->old_state, CTL_CARP_STATE__INIT);
	ck_assert_int_eq(rep->event->new_state, CTL_CARP_STATE__BACKUP);
	ck_assert_str_eq(rep->event->reason, "test start");
	ck_assert(rep->event->time > 0);
	ctl_reply_free(rep);

	carp_fsm(cif, EV_MD_TIMEOUT, "test timeout");
	pump(mon, 1000);
	ck_assert_int_eq(ctl_recv(mon, &rep), 0);
	ck_assert_int_eq(rep->event->new_state, CTL_CARP_STATE__MASTER);
	ctl_reply_free(rep);

	/* carpctl down on another connection shows up here too: the
	 * master bows out and stays BACKUP */
	expect(fd, CTL_COMMAND__DOWN, NULL, "carp3", -1, CTL_RESULT__OK);
	pump(mon, 1000);
	ck_assert_int_eq(ctl_recv(mon, &rep), 0);
	ck_assert_int_eq(rep->event->old_state, CTL_CARP_STATE__MASTER);
	ck_assert_int_eq(rep->event->new_state, CTL_CARP_STATE__BACKUP);
	ck_assert_str_eq(rep->event->reason, "carpctl");
	ctl_reply_free(rep);

	/* the daemon stops: the stream ends with END */
	control_cleanup();
	ck_assert_msg(ctl_recv(mon, &rep) == 0, "recv: %s", strerror(errno));
	ck_assert(rep->end);
	ctl_reply_free(rep);
	close(mon);
	close(fd);
}
END_TEST

START_TEST(test_errors)
{
	CtlReply	*rep;
	CtlRequest	 req;
	int		 fd = client();

	expect(fd, CTL_COMMAND__SYNC_STATS, NULL, NULL, -1,
	    CTL_RESULT__ERR_NOT_SUPPORTED);
	expect(fd, 99, NULL, NULL, -1, CTL_RESULT__ERR_UNKNOWN_COMMAND);
	rep = call(fd, CTL_COMMAND__RELOAD, NULL, NULL, -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__ERR_RELOAD);
	ck_assert_ptr_nonnull(rep->reason);
	ck_assert_str_ne(rep->reason, "");
	ctl_reply_free(rep);

	ctl_request_init(&req, CTL_COMMAND__STATUS);
	req.version = 9;
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	pump(fd, 1000);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, CTL_RESULT__ERR_VERSION);
	ctl_reply_free(rep);

	rep = call(fd, CTL_COMMAND__STATS, NULL, NULL, -1);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ck_assert_ptr_nonnull(rep->stats);
	ck_assert_uint_eq(rep->stats->ctl_errors, 4);
	ck_assert_uint_eq(rep->stats->ctl_requests, 5);
	ck_assert_uint_eq(rep->stats->carps, 3);
	ck_assert_uint_eq(rep->n_carps, 3);
	ctl_reply_free(rep);
	close(fd);
}
END_TEST

/* Garbage: error reply, disconnect, and the daemon serves the next. */
START_TEST(test_garbage)
{
	static const uint8_t	 junk[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
	static const uint8_t	 huge[] = { 0x10, 0, 0, 0 };
	const uint8_t		*bad[] = { junk, huge };
	size_t			 badlen[] = { sizeof(junk), sizeof(huge) };
	CtlReply		*rep;
	char			 c;
	int			 i, fd;

	for (i = 0; i < 2; i++) {
		fd = client();
		ck_assert_int_eq(write(fd, bad[i], badlen[i]),
		    (ssize_t)badlen[i]);
		pump(fd, 1000);
		ck_assert_int_eq(ctl_recv(fd, &rep), 0);
		ck_assert(rep->result == CTL_RESULT__ERR_BAD_REQUEST ||
		    rep->result == CTL_RESULT__ERR_FRAME);
		ctl_reply_free(rep);
		pump(-1, 20);
		ck_assert_int_eq(read(fd, &c, 1), 0);
		close(fd);
	}
	fd = client();
	expect(fd, CTL_COMMAND__STATUS, NULL, NULL, -1, CTL_RESULT__OK);
	rep = call(fd, CTL_COMMAND__STATS, NULL, NULL, -1);
	ck_assert_uint_eq(rep->stats->ctl_bad_frames, 2);
	ctl_reply_free(rep);
	close(fd);
}
END_TEST

/* The permission table (hardening bug 8): what a control-group member
 * may run. Every command of the protocol is in it, and exactly these
 * change state. */
/* A sync block and no syncd for 2 s: carpd holds link-demote on group
 * carp in syncd's place, and lets go once a privileged client that says
 * it is syncd has been connected for 3 s. */
START_TEST(test_absent)
{
	struct conf_sync	 cs;
	CtlRequest		 req;
	CtlReply		*rep;
	uint64_t		 t = clock_ms();
	int			 fd;

	control_absent_stop();		/* the test's clock, not the loop's */
	memset(&cs, 0, sizeof(cs));
	cs.link_demote = 5;
	ck_assert_int_eq(control_absent_want(&cs, 0, 0, t, t + 5000), 0);
	cs.present = 1;
	ck_assert_int_eq(control_absent_want(&cs, 0, 0, t, t + 1999), 0);
	ck_assert_int_eq(control_absent_want(&cs, 0, 0, t, t + 2000), 5);
	ck_assert_int_eq(control_absent_want(&cs, 5, 0, t, t + 9000), 5);
	ck_assert_int_eq(control_absent_want(&cs, 0, 1, t, t + 9000), 0);
	ck_assert_int_eq(control_absent_want(&cs, 5, 1, t, t + 2999), 5);
	ck_assert_int_eq(control_absent_want(&cs, 5, 1, t, t + 3000), 0);
	ck_assert_int_eq(control_absent_want(&cs, 0, 0, t, t - 1), 0);

	/* no sync block: nothing held however long syncd is away */
	control_absent_tick(t + 10000);
	ck_assert_int_eq(group_demote("carp"), 0);

	conf.sync.present = 1;
	conf.sync.link_demote = 5;
	control_absent_tick(t + 1000);
	ck_assert_int_eq(group_demote("carp"), 0);
	control_absent_tick(t + 2500);
	ck_assert_int_eq(group_demote("carp"), 5);
	ck_assert_int_eq(control_absent_held(), 5);
	control_absent_tick(t + 3000);		/* held once, not again */
	ck_assert_int_eq(group_demote("carp"), 5);

	/* a client that says it is syncd: released 3 s later */
	fd = client();
	ctl_request_init(&req, CTL_COMMAND__STATUS);
	req.who = (char *)(uintptr_t)"syncd";
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	pump(fd, 1000);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ctl_reply_free(rep);
	control_absent_tick(t + 3500);
	control_absent_tick(t + 6000);
	ck_assert_int_eq(group_demote("carp"), 5);
	control_absent_tick(t + 6500);
	ck_assert_int_eq(group_demote("carp"), 0);
	ck_assert_int_eq(control_absent_held(), 0);

	/* it goes: held again only after another 2 s */
	close(fd);
	pump(-1, 100);
	control_absent_tick(t + 7000);
	control_absent_tick(t + 8500);
	ck_assert_int_eq(group_demote("carp"), 0);
	control_absent_tick(t + 9100);
	ck_assert_int_eq(group_demote("carp"), 5);
}
END_TEST

START_TEST(test_cmd_table)
{
	static const CtlCommand	 writes[] = {
		CTL_COMMAND__DEMOTE, CTL_COMMAND__PROMOTE, CTL_COMMAND__DOWN,
		CTL_COMMAND__UP, CTL_COMMAND__RELOAD, CTL_COMMAND__HOLD,
		CTL_COMMAND__RELEASE,
	};
	const ProtobufCEnumDescriptor	*d = &ctl_command__descriptor;
	const struct ctl_cmd		*c;
	unsigned			 i, j;
	int				 want;

	for (i = 0; i < d->n_values; i++) {
		if (d->values[i].value == CTL_COMMAND__NONE)
			continue;
		for (c = control_cmds; c->fn != NULL; c++)
			if ((int)c->cmd == d->values[i].value)
				break;
		ck_assert_msg(c->fn != NULL, "%s not in control_cmds",
		    d->values[i].name);
		want = 0;
		for (j = 0; j < sizeof(writes) / sizeof(writes[0]); j++)
			if ((int)writes[j] == d->values[i].value)
				want = 1;
		ck_assert_msg(c->write == want, "%s: write %d, want %d",
		    d->values[i].name, c->write, want);
	}
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("control");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_demote);
	tcase_add_test(tc, test_down_up);
	tcase_add_test(tc, test_hold_released_on_close);
	tcase_add_test(tc, test_monitor);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_cmd_table);
	tcase_add_test(tc, test_absent);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
