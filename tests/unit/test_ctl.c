/* Control protocol (common/ctl_*.c): round trip of every request and reply
 * type, framing edge cases, result strings, JSON escaping, the server's
 * handling of garbage and the reconnecting hold client. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

static CtlRequest *
roundtrip_request(const CtlRequest *req)
{
	uint8_t		*buf;
	size_t		 len, bodylen;
	CtlRequest	*out;

	buf = ctl_frame_pack(&req->base, &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(ctl_frame_check(buf, len, &bodylen), (ssize_t)len);
	ck_assert_uint_eq(bodylen + CTL_HDRLEN, len);
	out = ctl_request_unpack(buf + CTL_HDRLEN, bodylen);
	free(buf);
	ck_assert_ptr_nonnull(out);
	return (out);
}

static CtlReply *
roundtrip_reply(const CtlReply *rep)
{
	uint8_t		*buf;
	size_t		 len, bodylen;
	CtlReply	*out;

	buf = ctl_frame_pack(&rep->base, &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(ctl_frame_check(buf, len, &bodylen), (ssize_t)len);
	out = ctl_reply_unpack(buf + CTL_HDRLEN, bodylen);
	free(buf);
	ck_assert_ptr_nonnull(out);
	ck_assert(out->has_version);
	ck_assert_uint_eq(out->version, CTL_VERSION);
	return (out);
}

START_TEST(test_request_roundtrip)
{
	const ProtobufCEnumDescriptor	*d = &ctl_command__descriptor;
	CtlRequest			 req, *out;
	char				 group[] = "internal", carp[] = "carp1";
	char				 who[] = "syncd";
	unsigned			 i;

	/* every command, with every argument set */
	for (i = 0; i < d->n_values; i++) {
		ctl_request_init(&req, d->values[i].value);
		req.group = group;
		req.carp = carp;
		req.who = who;
		req.has_count = 1;
		req.count = 200 + i;
		out = roundtrip_request(&req);
		ck_assert(out->has_version && out->version == CTL_VERSION);
		ck_assert(out->has_command);
		ck_assert_int_eq(out->command, d->values[i].value);
		ck_assert_str_eq(out->group, "internal");
		ck_assert_str_eq(out->carp, "carp1");
		ck_assert_str_eq(out->who, "syncd");
		ck_assert_uint_eq(out->count, 200 + i);
		ctl_request_free(out);
	}
	/* and bare: absent arguments stay absent */
	ctl_request_init(&req, CTL_COMMAND__DEMOTE);
	out = roundtrip_request(&req);
	ck_assert(!out->has_count);
	ck_assert_ptr_null(out->group);
	ctl_request_free(out);
}
END_TEST

START_TEST(test_reply_carps)
{
	CtlReply	 rep, *out;
	CtlCarp		 c, *cp = &c;
	CtlCounters	 cnt = CTL_COUNTERS__INIT;
	char		 name[] = "carp1", dev[] = "eth0", master[] = "192.0.2.2";
	char		 a1[] = "192.0.2.100/24", a2[] = "2001:db8::100/64";
	char		*addrs[] = { a1, a2 }, g[] = "carp", *groups[] = { g };

	ctl_carp__init(&c);
	c.name = name;
	c.carpdev = dev;
	c.master = master;
	c.has_vhid = c.has_state = c.has_demote = c.has_since = 1;
	c.vhid = 7;
	c.state = CTL_CARP_STATE__MASTER;
	c.demote = 33;
	c.since = 1700000000;
	c.addresses = addrs;
	c.n_addresses = 2;
	c.groups = groups;
	c.n_groups = 1;
	cnt.has_bad_hmac = cnt.has_transitions = 1;
	cnt.bad_hmac = 5;
	cnt.transitions = UINT64_C(1) << 40;
	c.counters = &cnt;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	rep.has_end = rep.end = 1;
	rep.carps = &cp;
	rep.n_carps = 1;
	out = roundtrip_reply(&rep);
	ck_assert(out->end);
	ck_assert_uint_eq(out->n_carps, 1);
	ck_assert_str_eq(out->carps[0]->name, "carp1");
	ck_assert_uint_eq(out->carps[0]->vhid, 7);
	ck_assert_int_eq(out->carps[0]->state, CTL_CARP_STATE__MASTER);
	ck_assert_uint_eq(out->carps[0]->demote, 33);
	ck_assert_str_eq(out->carps[0]->master, "192.0.2.2");
	ck_assert_uint_eq(out->carps[0]->n_addresses, 2);
	ck_assert_str_eq(out->carps[0]->addresses[1], "2001:db8::100/64");
	ck_assert_str_eq(out->carps[0]->groups[0], "carp");
	ck_assert_uint_eq(out->carps[0]->counters->bad_hmac, 5);
	ck_assert(out->carps[0]->counters->transitions == UINT64_C(1) << 40);
	ctl_reply_free(out);
}
END_TEST

START_TEST(test_reply_groups_stats)
{
	CtlReply	 rep, *out;
	CtlGroup	 g, *gp = &g;
	CtlStats	 st = CTL_STATS__INIT;
	CtlCounters	 tot = CTL_COUNTERS__INIT;
	char		 name[] = "internal", m1[] = "carp1", m2[] = "carp2";
	char		*members[] = { m1, m2 };

	ctl_group__init(&g);
	g.name = name;
	g.has_demote = g.has_held = 1;
	g.demote = 32;
	g.held = 32;
	g.members = members;
	g.n_members = 2;
	st.has_unknown_vhid = st.has_ctl_errors = 1;
	st.unknown_vhid = 3;
	st.ctl_errors = 4;
	tot.has_adverts_sent = 1;
	tot.adverts_sent = 99;
	st.totals = &tot;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	rep.groups = &gp;
	rep.n_groups = 1;
	rep.stats = &st;
	out = roundtrip_reply(&rep);
	ck_assert_uint_eq(out->n_groups, 1);
	ck_assert_str_eq(out->groups[0]->name, "internal");
	ck_assert_uint_eq(out->groups[0]->demote, 32);
	ck_assert_uint_eq(out->groups[0]->n_members, 2);
	ck_assert_str_eq(out->groups[0]->members[1], "carp2");
	ck_assert_uint_eq(out->stats->unknown_vhid, 3);
	ck_assert_uint_eq(out->stats->ctl_errors, 4);
	ck_assert_uint_eq(out->stats->totals->adverts_sent, 99);
	ctl_reply_free(out);
}
END_TEST

START_TEST(test_reply_event_sync_error)
{
	CtlReply	 rep, *out;
	CtlEvent	 ev = CTL_EVENT__INIT;
	CtlSync		 s = CTL_SYNC__INIT;
	char		 carp[] = "carp2", why[] = "master down timer";
	char		 peer[] = "203.0.113.2", err[] = "ENOBUFS";

	ev.carp = carp;
	ev.reason = why;
	ev.has_old_state = ev.has_new_state = ev.has_time = 1;
	ev.old_state = CTL_CARP_STATE__BACKUP;
	ev.new_state = CTL_CARP_STATE__MASTER;
	ev.time = 1700000001;
	s.peer = peer;
	s.last_error = err;
	s.has_peer_alive = s.has_in_sync = s.has_defer_timeouts = 1;
	s.peer_alive = 1;
	s.in_sync = 0;
	s.defer_timeouts = 12;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	rep.event = &ev;
	rep.sync = &s;
	out = roundtrip_reply(&rep);
	ck_assert(!out->end);
	ck_assert_str_eq(out->event->carp, "carp2");
	ck_assert_int_eq(out->event->new_state, CTL_CARP_STATE__MASTER);
	ck_assert_str_eq(out->event->reason, "master down timer");
	ck_assert_int_eq(out->event->time, 1700000001);
	ck_assert_str_eq(out->sync->peer, "203.0.113.2");
	ck_assert(out->sync->peer_alive && !out->sync->in_sync);
	ck_assert_uint_eq(out->sync->defer_timeouts, 12);
	ck_assert_str_eq(out->sync->last_error, "ENOBUFS");
	ctl_reply_free(out);

	ctl_reply_init(&rep, CTL_RESULT__ERR_NO_SUCH_GROUP, "no group x");
	rep.has_end = rep.end = 1;
	out = roundtrip_reply(&rep);
	ck_assert_int_eq(out->result, CTL_RESULT__ERR_NO_SUCH_GROUP);
	ck_assert_str_eq(out->reason, "no group x");
	ck_assert(out->end);
	ctl_reply_free(out);
}
END_TEST

START_TEST(test_framing)
{
	CtlRequest	 req;
	uint8_t		*buf, hdr[CTL_HDRLEN + 1];
	size_t		 len, i, bodylen;

	ctl_request_init(&req, CTL_COMMAND__STATUS);
	buf = ctl_frame_pack(&req.base, &len);
	ck_assert_ptr_nonnull(buf);
	/* every partial frame asks for more */
	for (i = 0; i < len; i++)
		ck_assert_int_eq(ctl_frame_check(buf, i, &bodylen), 0);
	ck_assert_int_eq(ctl_frame_check(buf, len, &bodylen), (ssize_t)len);
	free(buf);

	/* zero length */
	memset(hdr, 0, sizeof(hdr));
	ck_assert_int_eq(ctl_frame_check(hdr, sizeof(hdr), &bodylen), -1);
	/* just over the limit, and absurd */
	hdr[0] = ((CTL_MAX_FRAME + 1) >> 24) & 0xff;
	hdr[1] = ((CTL_MAX_FRAME + 1) >> 16) & 0xff;
	hdr[2] = ((CTL_MAX_FRAME + 1) >> 8) & 0xff;
	hdr[3] = (CTL_MAX_FRAME + 1) & 0xff;
	ck_assert_int_eq(ctl_frame_check(hdr, sizeof(hdr), &bodylen), -1);
	memset(hdr, 0xff, CTL_HDRLEN);
	ck_assert_int_eq(ctl_frame_check(hdr, sizeof(hdr), &bodylen), -1);
	/* the limit itself is fine, only incomplete */
	hdr[0] = ((CTL_MAX_FRAME) >> 24) & 0xff;
	hdr[1] = ((CTL_MAX_FRAME) >> 16) & 0xff;
	hdr[2] = ((CTL_MAX_FRAME) >> 8) & 0xff;
	hdr[3] = CTL_MAX_FRAME & 0xff;
	ck_assert_int_eq(ctl_frame_check(hdr, sizeof(hdr), &bodylen), 0);

	/* an empty message is no frame at all */
	ctl_request__init(&req);
	ck_assert_ptr_null(ctl_frame_pack(&req.base, &len));
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(test_garbage)
{
	/* wire type 7 does not exist; a truncated varint; a length running
	 * past the end */
	static const uint8_t	 bad1[] = { 0x0f, 0x01 };
	static const uint8_t	 bad2[] = { 0x08, 0xff, 0xff };
	static const uint8_t	 bad3[] = { 0x1a, 0x7f, 'a' };
	uint8_t			 rnd[64];
	unsigned		 i, j;
	CtlRequest		*req;

	ck_assert_ptr_null(ctl_request_unpack(bad1, sizeof(bad1)));
	ck_assert_ptr_null(ctl_request_unpack(bad2, sizeof(bad2)));
	ck_assert_ptr_null(ctl_request_unpack(bad3, sizeof(bad3)));
	ck_assert_ptr_null(ctl_reply_unpack(bad3, sizeof(bad3)));
	/* random bytes: NULL or a message, never a crash (ASan run) */
	srandom(1);
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < sizeof(rnd); j++)
			rnd[j] = random();
		req = ctl_request_unpack(rnd, 1 + i % sizeof(rnd));
		ctl_request_free(req);
		ctl_reply_free(ctl_reply_unpack(rnd, 1 + i % sizeof(rnd)));
	}
}
END_TEST

START_TEST(test_result_strings)
{
	const ProtobufCEnumDescriptor	*d = &ctl_result__descriptor;
	unsigned			 i;

	for (i = 0; i < d->n_values; i++)
		ck_assert_str_ne(ctl_result_str(d->values[i].value),
		    "unknown result");
	ck_assert_str_eq(ctl_result_str(CTL_RESULT__OK), "ok");
	ck_assert_str_eq(ctl_result_str(CTL_RESULT__ERR_NO_SUCH_GROUP),
	    "no such group");
	ck_assert_str_eq(ctl_result_str(-1), "unknown result");
	ck_assert_str_eq(ctl_result_str(10000), "unknown result");
	ck_assert_str_eq(ctl_command_str(CTL_COMMAND__HOLD), "HOLD");
	ck_assert_str_eq(ctl_state_str(CTL_CARP_STATE__BACKUP), "BACKUP");
	ck_assert_str_eq(ctl_state_str(77), "UNKNOWN");
}
END_TEST

START_TEST(test_client_recv)
{
	CtlReply	 rep, *out;
	uint8_t		*buf, big[CTL_HDRLEN] = { 0x00, 0x20, 0x00, 0x00 };
	size_t		 len;
	int		 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ctl_set_timeout(sv[0], 500), 0);
	ctl_reply_init(&rep, CTL_RESULT__ERR_RANGE, "count 0");
	rep.has_end = rep.end = 1;
	buf = ctl_frame_pack(&rep.base, &len);
	/* delivered in two pieces */
	ck_assert_int_eq(write(sv[1], buf, 3), 3);
	ck_assert_int_eq(write(sv[1], buf + 3, len - 3), (ssize_t)(len - 3));
	free(buf);
	ck_assert_int_eq(ctl_recv(sv[0], &out), 0);
	ck_assert_int_eq(out->result, CTL_RESULT__ERR_RANGE);
	ck_assert_str_eq(out->reason, "count 0");
	ctl_reply_free(out);
	/* an oversized frame is refused without reading it */
	ck_assert_int_eq(write(sv[1], big, sizeof(big)), sizeof(big));
	ck_assert_int_eq(ctl_recv(sv[0], &out), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* nothing comes: timeout */
	ck_assert_int_eq(ctl_recv(sv[0], &out), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	close(sv[1]);
	ck_assert_int_eq(ctl_recv(sv[0], &out), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	close(sv[0]);
}
END_TEST

/* ------------------------------------------------ server and holder */

static struct event_base	*base;
static char			 sockpath[64];
static int			 nrequests, ncloses, last_count;
static CtlCommand		 last_cmd;

/* As carpd: the acknowledgement carries the carps (carp1 MASTER), then
 * an event (carp1 goes BACKUP). */
static void
srv_monitor(struct ctl_conn *c)
{
	CtlReply	 rep;
	CtlCarp		 carp, *carps[1] = { &carp };
	CtlEvent	 ev;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_carp__init(&carp);
	carp.name = (char *)(uintptr_t)"carp1";
	carp.has_state = 1;
	carp.state = CTL_CARP_STATE__MASTER;
	rep.n_carps = 1;
	rep.carps = carps;
	ctl_conn_keep(c);
	ctl_conn_send(c, &rep);
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_event__init(&ev);
	ev.carp = carp.name;
	ev.has_new_state = 1;
	ev.new_state = CTL_CARP_STATE__BACKUP;
	rep.event = &ev;
	ctl_conn_send(c, &rep);
}

static void
srv_request(struct ctl_conn *c, const CtlRequest *req, void *arg)
{
	(void)arg;
	nrequests++;
	last_cmd = req->command;
	last_count = req->has_count ? (int)req->count : 0;
	if (req->command == CTL_COMMAND__MONITOR)
		srv_monitor(c);
	else if (req->command == CTL_COMMAND__STATUS)
		ctl_conn_result(c, CTL_RESULT__ERR_NO_SUCH_CARP, "test %d", 1);
	else
		ctl_conn_result(c, CTL_RESULT__OK, "%s", "");
}

static void
srv_close(struct ctl_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	ncloses++;
}

static const struct ctl_server_cb srv_cb = { srv_request, srv_close };

static void
run_until(const int *counter, int want, int ms)
{
	while (ms-- > 0 && (counter == NULL || *counter < want)) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

static void
setup(void)
{
	log_init("test_ctl", 1, 0);
	base = event_base_new();
	snprintf(sockpath, sizeof(sockpath), "/tmp/test_ctl.%ld.sock",
	    (long)getpid());
	unlink(sockpath);
	nrequests = ncloses = last_count = 0;
}

static void
teardown(void)
{
	event_base_free(base);
	unlink(sockpath);
}

static void
send_raw(int fd, const void *p, size_t len)
{
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
}

START_TEST(test_server_requests)
{
	struct ctl_server	*srv;
	CtlRequest		 req;
	CtlReply		*rep;
	struct stat		 st;
	int			 fd, i;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(stat(sockpath, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	/* a second server on a live socket is refused */
	ck_assert_ptr_null(ctl_server_new(base, sockpath, &srv_cb, NULL));

	fd = ctl_connect(sockpath, 1000);
	ck_assert_int_ge(fd, 0);
	ctl_request_init(&req, CTL_COMMAND__STATUS);
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	run_until(&nrequests, 1, 500);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, CTL_RESULT__ERR_NO_SUCH_CARP);
	ck_assert_str_eq(rep->reason, "test 1");
	ck_assert(rep->end);
	ctl_reply_free(rep);

	/* another version: answered, not passed on, connection kept */
	req.version = 2;
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	run_until(NULL, 0, 50);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, CTL_RESULT__ERR_VERSION);
	ctl_reply_free(rep);
	ck_assert_int_eq(nrequests, 1);

	req.version = CTL_VERSION;
	req.command = CTL_COMMAND__RELOAD;
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	run_until(&nrequests, 2, 500);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, CTL_RESULT__OK);
	ctl_reply_free(rep);
	ck_assert_uint_eq(ctl_server_stats(srv)->requests, 3);
	ck_assert_uint_eq(ctl_server_stats(srv)->errors, 2);
	ck_assert_uint_le(ctl_server_stats(srv)->clients, 2);

	/* the in-use probe above was a client too */
	close(fd);
	for (i = 0; i < 500 && ctl_server_stats(srv)->clients > 0; i++)
		run_until(NULL, 0, 1);
	ck_assert_int_eq(ncloses, 2);
	ck_assert_uint_eq(ctl_server_stats(srv)->clients, 0);
	ctl_server_free(srv);
	ck_assert_int_eq(stat(sockpath, &st), -1);
}
END_TEST

/* Garbage: answered with an error, then the client is dropped, the
 * server lives on. */
static void
garbage_case(struct ctl_server *srv, const void *p, size_t len,
    CtlResult want)
{
	CtlReply	*rep;
	char		 c;
	int		 fd, closes = ncloses;

	fd = ctl_connect(sockpath, 1000);
	ck_assert_int_ge(fd, 0);
	send_raw(fd, p, len);
	run_until(&ncloses, closes + 1, 500);
	ck_assert_int_eq(ncloses, closes + 1);
	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, want);
	ck_assert(rep->end);
	ctl_reply_free(rep);
	ck_assert_int_eq(read(fd, &c, 1), 0);	/* closed */
	close(fd);
	(void)srv;
}

START_TEST(test_server_garbage)
{
	static const uint8_t	 zero[] = { 0, 0, 0, 0 };
	static const uint8_t	 huge[] = { 0x7f, 0xff, 0xff, 0xff, 1, 2 };
	static const uint8_t	 junk[] = { 0, 0, 0, 2, 0x0f, 0x01 };
	struct ctl_server	*srv;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	garbage_case(srv, zero, sizeof(zero), CTL_RESULT__ERR_FRAME);
	garbage_case(srv, huge, sizeof(huge), CTL_RESULT__ERR_FRAME);
	garbage_case(srv, junk, sizeof(junk), CTL_RESULT__ERR_BAD_REQUEST);
	ck_assert_uint_eq(ctl_server_stats(srv)->bad_frames, 3);
	ck_assert_int_eq(nrequests, 0);
	ctl_server_free(srv);
}
END_TEST

/* ------------------------------------------------------------- limits */

struct admit_case {
	uid_t		 uid;
	unsigned	 total, unpriv, same_uid;
	enum ctl_admit	 want;
};

/* self is 999: root and 999 are privileged, 65534 and -1 (credentials
 * unknown) are not. */
START_TEST(test_limits_admit)
{
	static const struct admit_case	 cases[] = {
		{ 0,		0,  0,  0, CTL_ADMIT },
		{ 0,		63, 48, 0, CTL_ADMIT },
		{ 0,		64, 0,  0, CTL_REFUSE_FULL },
		{ 999,		63, 48, 8, CTL_ADMIT },
		{ 999,		64, 48, 8, CTL_REFUSE_FULL },
		{ 65534,	0,  0,  0, CTL_ADMIT },
		{ 65534,	47, 47, 7, CTL_ADMIT },
		{ 65534,	47, 47, 8, CTL_REFUSE_UID },
		{ 65534,	48, 48, 0, CTL_REFUSE_FULL },
		{ 65534,	64, 10, 0, CTL_REFUSE_FULL },
		{ (uid_t)-1,	10, 10, 8, CTL_REFUSE_UID },
	};
	struct ctl_census	 n;
	size_t			 i;

	ck_assert_uint_eq(ctl_limits_default.max_clients, 64);
	ck_assert_uint_lt(ctl_limits_default.max_unpriv,
	    ctl_limits_default.max_clients);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n.total = cases[i].total;
		n.unpriv = cases[i].unpriv;
		n.same_uid = cases[i].same_uid;
		ck_assert_msg(ctl_admit(&ctl_limits_default, &n, cases[i].uid,
		    999) == cases[i].want, "case %zu", i);
	}
}
END_TEST

START_TEST(test_limits_may)
{
	ck_assert(ctl_may(0, 999, 1));
	ck_assert(ctl_may(999, 999, 1));
	ck_assert(ctl_may(0, 0, 1));
	ck_assert(!ctl_may(65534, 999, 1));
	ck_assert(!ctl_may((uid_t)-1, 999, 1));
	ck_assert(ctl_may(65534, 999, 0));
	ck_assert(ctl_may((uid_t)-1, 999, 0));
	ck_assert(ctl_uid_privileged(0, 999));
	ck_assert(!ctl_uid_privileged(1000, 999));
}
END_TEST

/* Bug 8 as it was found: one user opening connection after connection
 * gets its share and no more; more users fill the unprivileged slots
 * and still root and the daemon's user get in. */
START_TEST(test_limits_lockout)
{
	const struct ctl_limits	*lim = &ctl_limits_default;
	struct ctl_census	 n = { 0, 0, 0 };
	unsigned		 i, admitted = 0;
	uid_t			 u;

	for (i = 0; i < 100; i++)
		if (ctl_admit(lim, &n, 65534, 0) == CTL_ADMIT) {
			n.total++, n.unpriv++, n.same_uid++;
			admitted++;
		}
	ck_assert_uint_eq(admitted, lim->max_per_uid);
	for (u = 1000; u < 1100; u++) {
		n.same_uid = 0;
		while (ctl_admit(lim, &n, u, 0) == CTL_ADMIT)
			n.total++, n.unpriv++, n.same_uid++;
	}
	ck_assert_uint_eq(n.unpriv, lim->max_unpriv);
	for (i = 0; ctl_admit(lim, &n, 0, 0) == CTL_ADMIT; i++)
		n.total++;
	ck_assert_uint_eq(i, lim->max_clients - lim->max_unpriv);
	ck_assert_uint_eq(n.total, lim->max_clients);
}
END_TEST

/* The reply a closed or refused client gets, then EOF. */
static void
expect_closed(int fd, CtlResult want)
{
	CtlReply	*rep;
	char		 c;

	ck_assert_int_eq(ctl_recv(fd, &rep), 0);
	ck_assert_int_eq(rep->result, want);
	ck_assert(rep->end);
	ctl_reply_free(rep);
	ck_assert_int_eq(read(fd, &c, 1), 0);
}

static const struct ctl_limits test_limits = {
	3, 2, 1, 100, 4096
};

/* Silent, half a frame, and subscribed clients: the first two are
 * closed after idle_ms, the monitor stays. */
START_TEST(test_server_idle)
{
	static const uint8_t	 half[] = { 0, 0, 0, 9, 0x08 };
	struct ctl_server	*srv;
	CtlRequest		 req;
	CtlReply		*rep;
	int			 quiet, partial, mon;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	ctl_server_limits(srv, &test_limits);
	quiet = ctl_connect(sockpath, 1000);
	partial = ctl_connect(sockpath, 1000);
	mon = ctl_connect(sockpath, 1000);
	ck_assert(quiet >= 0 && partial >= 0 && mon >= 0);
	send_raw(partial, half, sizeof(half));
	ctl_request_init(&req, CTL_COMMAND__MONITOR);
	ck_assert_int_eq(ctl_send(mon, &req), 0);
	run_until(&ncloses, 2, 2000);
	ck_assert_int_eq(ncloses, 2);
	expect_closed(quiet, CTL_RESULT__ERR_LIMIT);
	expect_closed(partial, CTL_RESULT__ERR_LIMIT);
	ck_assert_uint_eq(ctl_server_stats(srv)->closed_idle, 2);
	/* the monitor outlives several idle periods */
	run_until(NULL, 0, 400);
	ck_assert_int_eq(ncloses, 2);
	ck_assert_uint_eq(ctl_server_stats(srv)->clients, 1);
	ck_assert_int_eq(ctl_recv(mon, &rep), 0);
	ck_assert_ptr_nonnull(rep->carps);
	ctl_reply_free(rep);
	close(quiet);
	close(partial);
	close(mon);
	ctl_server_free(srv);
}
END_TEST

/* Past max_clients a client is told why and closed. The test's own uid
 * is the server's, so only the total limit applies here; the per-uid
 * ones are the pure tests above and tests/integ/ctl-abuse.sh. */
START_TEST(test_server_full)
{
	struct ctl_server	*srv;
	struct ctl_limits	 lim = test_limits;
	int			 fd[4], i;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	lim.idle_ms = 10000;	/* none closed for idling meanwhile */
	ctl_server_limits(srv, &lim);
	for (i = 0; i < 4; i++) {
		fd[i] = ctl_connect(sockpath, 1000);
		ck_assert_int_ge(fd[i], 0);
		run_until(NULL, 0, 20);
	}
	expect_closed(fd[3], CTL_RESULT__ERR_LIMIT);
	ck_assert_uint_eq(ctl_server_stats(srv)->refused_full, 1);
	ck_assert_uint_eq(ctl_server_stats(srv)->clients, 3);
	for (i = 0; i < 4; i++)
		close(fd[i]);
	ctl_server_free(srv);
}
END_TEST

/* A server with test_limits and one client of it. */
static struct ctl_server *
limited_server(int *fd)
{
	struct ctl_server	*srv;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	ctl_server_limits(srv, &test_limits);
	*fd = ctl_connect(sockpath, 1000);
	ck_assert_int_ge(*fd, 0);
	return (srv);
}

/* The client fd, which never read, was dropped as slow, and only it. */
static void
expect_slow_drop(struct ctl_server *srv, int fd)
{
	run_until(&ncloses, 1, 500);
	ck_assert_uint_eq(ctl_server_stats(srv)->closed_slow, 1);
	ck_assert_int_eq(ncloses, 1);
	close(fd);
	ctl_server_free(srv);
}

/* A client that sends and never reads is dropped once max_output is
 * queued; the server does not wait on it. */
START_TEST(test_server_slow)
{
	struct ctl_server	*srv;
	CtlRequest		 req;
	uint8_t			*buf;
	size_t			 len;
	int			 fd, i;

	srv = limited_server(&fd);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ctl_request_init(&req, CTL_COMMAND__STATUS);
	buf = ctl_frame_pack(&req.base, &len);
	for (i = 0; i < 20000 && ctl_server_stats(srv)->closed_slow == 0;
	    i++) {
		(void)write(fd, buf, len);
		if (i % 64 == 0)
			event_base_loop(base, EVLOOP_NONBLOCK);
	}
	free(buf);
	expect_slow_drop(srv, fd);
}
END_TEST

static void
push_event(struct ctl_conn *c, void *arg)
{
	ctl_conn_send(c, arg);
}

/* A monitor that never reads its stream: the daemon's events go on,
 * the monitor is dropped once max_output of them is queued. */
START_TEST(test_server_mute_monitor)
{
	struct ctl_server	*srv;
	CtlRequest		 req;
	CtlReply		 rep;
	CtlEvent		 ev;
	int			 fd, i;

	srv = limited_server(&fd);
	ctl_request_init(&req, CTL_COMMAND__MONITOR);
	ck_assert_int_eq(ctl_send(fd, &req), 0);
	run_until(&nrequests, 1, 500);
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_event__init(&ev);
	ev.carp = (char *)(uintptr_t)"carp1";
	rep.event = &ev;
	for (i = 0; i < 200000 && ctl_server_stats(srv)->closed_slow == 0;
	    i++) {
		ctl_server_foreach(srv, push_event, &rep);
		if (i % 64 == 0)
			event_base_loop(base, EVLOOP_NONBLOCK);
	}
	expect_slow_drop(srv, fd);
}
END_TEST

/* control-group: the socket's group changes, its mode does not. */
START_TEST(test_server_group)
{
	struct ctl_server	*srv;
	struct group		*gr;
	struct stat		 st;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(ctl_server_group(srv, "no-such-group.carp"), -1);
	gr = getgrgid(getegid());
	ck_assert_ptr_nonnull(gr);
	ck_assert_int_eq(ctl_server_group(srv, gr->gr_name), 0);
	ck_assert_int_eq(stat(sockpath, &st), 0);
	ck_assert_uint_eq(st.st_gid, getegid());
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	ctl_server_free(srv);
}
END_TEST

/* The hold client waits for the daemon, sends its holds, and sends them
 * again after the daemon restarted. */
START_TEST(test_holder_reconnect)
{
	struct ctl_holder	*h;
	struct ctl_server	*srv;

	h = ctl_holder_new(base, sockpath, "syncd");
	ck_assert_ptr_nonnull(h);
	ck_assert(!ctl_holder_connected(h));
	ck_assert_int_eq(ctl_holder_set(h, "carp", 32), 0);
	ck_assert_int_eq(ctl_holder_set(h, "carp", 256), -1);

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	run_until(&nrequests, 1, 2000);
	ck_assert(ctl_holder_connected(h));
	ck_assert_int_eq(last_cmd, CTL_COMMAND__HOLD);
	ck_assert_int_eq(last_count, 32);

	ck_assert_int_eq(ctl_holder_set(h, "carp", 33), 0);
	run_until(&nrequests, 2, 500);
	ck_assert_int_eq(last_count, 33);

	/* carpd restarts */
	ctl_server_free(srv);
	run_until(NULL, 0, 50);
	ck_assert(!ctl_holder_connected(h));
	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	run_until(&nrequests, 3, 2000);
	ck_assert_int_eq(last_cmd, CTL_COMMAND__HOLD);
	ck_assert_int_eq(last_count, 33);

	ck_assert_int_eq(ctl_holder_set(h, "carp", 0), 0);
	run_until(&nrequests, 4, 500);
	ck_assert_int_eq(last_cmd, CTL_COMMAND__RELEASE);
	ctl_holder_free(h);
	ctl_server_free(srv);
}
END_TEST

/* What the watcher saw: -1 after a loss, else the carps in MASTER by
 * the acknowledgement and the events since. */
static int	 nwatch, watch_masters;

static void
watch_cb(const CtlReply *rep, void *arg)
{
	(void)arg;
	nwatch++;
	if (rep == NULL)
		watch_masters = -1;
	else if (rep->event != NULL)
		watch_masters += rep->event->new_state ==
		    CTL_CARP_STATE__MASTER ? 1 : -1;
	else
		watch_masters = (int)rep->n_carps > 0 &&
		    rep->carps[0]->state == CTL_CARP_STATE__MASTER;
}

/* The hold connection also watches carpd: the monitor's snapshot and its
 * events arrive in order, a loss says so, and a reconnect starts over;
 * the holds are still sent first. */
START_TEST(test_holder_watch)
{
	struct ctl_holder	*h;
	struct ctl_server	*srv;

	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	h = ctl_holder_new(base, sockpath, "syncd");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(ctl_holder_set(h, "carp", 5), 0);
	run_until(&nrequests, 1, 2000);
	ctl_holder_watch(h, watch_cb, NULL);
	run_until(&nwatch, 2, 2000);
	ck_assert_int_eq(nrequests, 2);
	ck_assert_int_eq(last_cmd, CTL_COMMAND__MONITOR);
	ck_assert_int_eq(nwatch, 2);
	ck_assert_int_eq(watch_masters, 0);	/* MASTER, then BACKUP */

	ctl_server_free(srv);
	run_until(&nwatch, 3, 500);
	ck_assert_int_eq(watch_masters, -1);
	srv = ctl_server_new(base, sockpath, &srv_cb, NULL);
	ck_assert_ptr_nonnull(srv);
	run_until(&nwatch, 5, 2000);
	ck_assert_int_eq(nwatch, 5);
	ck_assert_int_eq(watch_masters, 0);
	ck_assert_int_eq(nrequests, 4);		/* the hold again, the monitor */
	ck_assert_int_eq(last_cmd, CTL_COMMAND__MONITOR);
	ctl_holder_free(h);
	ctl_server_free(srv);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite	*s = suite_create("ctl");
	TCase	*tc = tcase_create("codec");
	TCase	*ts = tcase_create("server");

	tcase_add_test(tc, test_request_roundtrip);
	tcase_add_test(tc, test_reply_carps);
	tcase_add_test(tc, test_reply_groups_stats);
	tcase_add_test(tc, test_reply_event_sync_error);
	tcase_add_test(tc, test_framing);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_result_strings);
	tcase_add_test(tc, test_client_recv);
	tcase_add_test(tc, test_limits_admit);
	tcase_add_test(tc, test_limits_may);
	tcase_add_test(tc, test_limits_lockout);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_server_requests);
	tcase_add_test(ts, test_server_garbage);
	tcase_add_test(ts, test_server_idle);
	tcase_add_test(ts, test_server_full);
	tcase_add_test(ts, test_server_slow);
	tcase_add_test(ts, test_server_mute_monitor);
	tcase_add_test(ts, test_server_group);
	tcase_add_test(ts, test_holder_reconnect);
	tcase_add_test(ts, test_holder_watch);
	tcase_set_timeout(ts, 20);
	suite_add_tcase(s, ts);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ctl_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
