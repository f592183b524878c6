/* carpctl's output (carpd/carpctl_*.c): reply messages with known values
 * render to the expected text, and to JSON that json-c parses back with
 * the same values: every field of the message under its own name, a
 * string that needs escaping, invalid UTF-8, a counter above 2^53. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "carpd/carpctl.h"

#define BIG	((UINT64_C(1) << 53) + 1)	/* a double cannot hold it */

/* What a formatter writes, malloc'd. */
static char *
render_sync(void (*fn)(FILE *, const CtlSync *), const CtlSync *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	fn(f, s);
	fclose(f);
	return (buf);
}

static char *
render_reply(void (*fn)(FILE *, const CtlReply *), const CtlReply *rep)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	fn(f, rep);
	fclose(f);
	return (buf);
}

/* The document must be one line that json-c parses. */
static struct json_object *
parse_line(const char *out)
{
	struct json_object	*doc;
	size_t			 len = strlen(out);

	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(out[len - 1], '\n');
	ck_assert(strchr(out, '\n') == out + len - 1);
	ck_assert_ptr_nonnull(doc = json_tokener_parse(out));
	return (doc);
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
	return (v);
}

/* Every field of the message is a key of o, and nothing else is. */
static void
assert_keys(struct json_object *o, const ProtobufCMessageDescriptor *d)
{
	unsigned	 i;

	for (i = 0; i < d->n_fields; i++)
		get(o, d->fields[i].name);
	ck_assert_int_eq(json_object_object_length(o), (int)d->n_fields);
}

static char	 s_peer[] = "192.0.2.2";
static char	 s_error[] = "say \"hi\"\\ tab\t nl\n ctl\x01 caf\xc3\xa9 bad\xff";
static const char s_error_json[] =
    "say \"hi\"\\ tab\t nl\n ctl\x01 caf\xc3\xa9 bad\xef\xbf\xbd";

static void
sync_init(CtlSync *s)
{
	ctl_sync__init(s);
	s->peer = s_peer;
	s->has_in_sync = s->in_sync = 1;
	s->has_states_sent = 1;
	s->states_sent = BIG;
	s->has_overruns = 1;
	s->overruns = 7;
	s->has_defer_queue_len = 1;
	s->defer_queue_len = 3;
	s->last_error = s_error;
}

START_TEST(test_sync_text)
{
	CtlSync	 s;
	char	*out;

	sync_init(&s);
	out = render_sync(text_output.sync_stats, &s);
	ck_assert_ptr_nonnull(strstr(out, "peer                       "
	    "192.0.2.2\nsyncdev                    -\n"
	    "peer alive                 no\nin sync                    yes\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "\nstates sent                9007199254740993\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nnetlink overruns           7\n"));
	ck_assert_ptr_nonnull(strstr(out, "\ndefer queue                3\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nstates refreshed           0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nlast error                 say"));
	free(out);
}
END_TEST

START_TEST(test_sync_json)
{
	struct json_object	*doc;
	CtlSync			 s;
	char			*out;

	sync_init(&s);
	out = render_sync(json_output.sync_stats, &s);
	doc = parse_line(out);
	assert_keys(doc, &ctl_sync__descriptor);
	ck_assert_str_eq(json_object_get_string(get(doc, "peer")), "192.0.2.2");
	ck_assert(json_object_is_type(get(doc, "syncdev"), json_type_null));
	ck_assert(json_object_get_boolean(get(doc, "in_sync")));
	ck_assert(json_object_is_type(get(doc, "peer_alive"),
	    json_type_boolean));
	ck_assert(!json_object_get_boolean(get(doc, "peer_alive")));
	ck_assert(json_object_get_uint64(get(doc, "states_sent")) == BIG);
	ck_assert_int_eq(json_object_get_int64(get(doc, "overruns")), 7);
	ck_assert_int_eq(json_object_get_int64(get(doc, "replays")), 0);
	ck_assert_str_eq(json_object_get_string(get(doc, "last_error")),
	    s_error_json);
	json_object_put(doc);
	free(out);
}
END_TEST

START_TEST(test_stats)
{
	struct json_object	*doc, *st, *carps;
	CtlReply		 rep;
	CtlStats		 stats;
	CtlCounters		 tot;
	char			*out;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_stats__init(&stats);
	ctl_counters__init(&tot);
	stats.unknown_vhid = 4;
	stats.ctl_bad_frames = 2;
	stats.carps = 0;
	tot.adverts_sent = BIG;
	tot.transitions = 1;
	stats.totals = &tot;
	rep.stats = &stats;
	out = render_reply(text_output.stats, &rep);
	ck_assert_str_eq(out,
	    "adverts for unknown vhid   4\n"
	    "bad packets                0\n"
	    "control requests           0\n"
	    "control errors             0\n"
	    "control clients dropped    2\n"
	    "control clients            0\n"
	    "demote holds               0\n"
	    "carps                      0\n"
	    "control refused (full)     0\n"
	    "control refused (uid)      0\n"
	    "control closed idle        0\n"
	    "control closed slow        0\n"
	    "control denied             0\n"
	    "scripts running            0\n"
	    "scripts started            0\n"
	    "scripts failed             0\n"
	    "scripts killed at timeout  0\n"
	    "scripts refused            0\n"
	    "scripts skipped            0\n"
	    "scripts lost               0\n"
	    "demote for absent syncd    0\n"
	    "track checks made          0\n"
	    "track checks failed        0\n"
	    "track checks timed out     0\n"
	    "http requests              0\n"
	    "http errors                0\n"
	    "http clients               0\n"
	    "http full                  0\n"
	    "adverts sent               9007199254740993\n"
	    "adverts received           0\n"
	    "bad checksum               0\n"
	    "bad ttl                    0\n"
	    "bad hmac                   0\n"
	    "bad version                0\n"
	    "bad length                 0\n"
	    "replays                    0\n"
	    "loops                      0\n"
	    "send errors                0\n"
	    "transitions                1\n"
	    "answers limited            0\n");
	free(out);

	out = render_reply(json_output.stats, &rep);
	doc = parse_line(out);
	ck_assert_int_eq(json_object_object_length(doc), 2);
	st = get(doc, "stats");
	assert_keys(st, &ctl_stats__descriptor);
	assert_keys(get(st, "totals"), &ctl_counters__descriptor);
	ck_assert_int_eq(json_object_get_int64(get(st, "unknown_vhid")), 4);
	ck_assert(json_object_get_uint64(get(get(st, "totals"),
	    "adverts_sent")) == BIG);
	carps = get(doc, "carps");
	ck_assert(json_object_is_type(carps, json_type_array));
	ck_assert_uint_eq(json_object_array_length(carps), 0);
	json_object_put(doc);
	free(out);
}
END_TEST

START_TEST(test_status)
{
	struct json_object	*doc, *c, *a;
	CtlReply		 rep;
	CtlCarp			 carp, *carpp = &carp;
	char			 name[] = "carp1", dev[] = "eth0";
	char			 addr[] = "192.0.2.254/24", *addrp = addr;
	char			 rt[] = "SCHED_FIFO 10, memory locked";
	char			*out;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_carp__init(&carp);
	carp.name = name;
	carp.carpdev = dev;
	carp.vhid = 7;
	carp.state = CTL_CARP_STATE__MASTER;
	carp.advbase = 1;
	carp.addresses = &addrp;
	carp.n_addresses = 1;
	carp.link_up = 1;
	carp.since = -5;
	rep.carps = &carpp;
	rep.n_carps = 1;
	out = render_reply(text_output.status, &rep);
	ck_assert_str_eq(out,
	    "NAME  VHID STATE  CARPDEV ADVBASE ADVSKEW DEMOTE MASTER SINCE   "
	    "ADDRESSES\n"
	    "carp1    7 MASTER eth0          1       0      0 -      never   "
	    "192.0.2.254/24\n");
	free(out);

	out = render_reply(json_output.status, &rep);
	doc = parse_line(out);
	ck_assert_uint_eq(json_object_array_length(get(doc, "carps")), 1);
	c = json_object_array_get_idx(get(doc, "carps"), 0);
	assert_keys(c, &ctl_carp__descriptor);
	ck_assert_str_eq(json_object_get_string(get(c, "state")), "MASTER");
	ck_assert(json_object_is_type(get(c, "master"), json_type_null));
	ck_assert_int_eq(json_object_get_int64(get(c, "since")), -5);
	ck_assert(json_object_get_boolean(get(c, "link_up")));
	a = get(c, "addresses");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a,
	    0)), "192.0.2.254/24");
	/* absent counters: every key, all 0 */
	assert_keys(get(c, "counters"), &ctl_counters__descriptor);
	ck_assert_uint_eq(json_object_array_length(get(c, "groups")), 0);
	/* no "\/" in addresses: json-c escapes slashes unless told not to */
	ck_assert_ptr_null(strstr(out, "\\/"));
	/* no realtime in the reply (an older carpd): no line, no key */
	ck_assert(!json_object_object_get_ex(doc, "realtime", NULL));
	json_object_put(doc);
	free(out);

	/* carpd's realtime: a last line, and a key beside "carps" */
	rep.realtime = rt;
	out = render_reply(text_output.status, &rep);
	ck_assert_ptr_nonnull(strstr(out, "192.0.2.254/24\n"
	    "realtime: SCHED_FIFO 10, memory locked\n"));
	free(out);
	out = render_reply(json_output.status, &rep);
	doc = parse_line(out);
	ck_assert_str_eq(json_object_get_string(get(doc, "realtime")), rt);
	ck_assert_uint_eq(json_object_array_length(get(doc, "carps")), 1);
	json_object_put(doc);
	free(out);
}
END_TEST

/* A balanced carp: a row per vhid, then its share line, naming the
 * vhids whose rows say MASTER. */
START_TEST(test_status_balanced)
{
	CtlReply	 rep;
	CtlCarp		 c[3], *cp[3] = { &c[0], &c[1], &c[2] };
	CtlBalCounters	 b;
	char		 name[] = "lan", dev[] = "eth0", mode[] = "arp";
	char		*out;
	int		 i;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	ctl_bal_counters__init(&b);
	b.arp_requests = 9;
	b.arp_replies = 5;
	b.arp_others = 4;
	for (i = 0; i < 3; i++) {
		ctl_carp__init(&c[i]);
		c[i].name = name;
		c[i].carpdev = dev;
		c[i].vhid = 1 + i;
		c[i].link_up = 1;
		c[i].balancing = mode;
		c[i].slot = i;
		c[i].nslots = 3;
		c[i].share = 0x5;
		c[i].balance = &b;
		c[i].state = i == 1 ? CTL_CARP_STATE__BACKUP :
		    CTL_CARP_STATE__MASTER;
	}
	rep.carps = cp;
	rep.n_carps = 3;
	out = render_reply(text_output.status, &rep);
	ck_assert_ptr_nonnull(strstr(out, "\nlan: balancing arp, master of 2 "
	    "of 3 vhids (1 3), share 0x5; ARP 9 asked, 5 answered, 4 left to "
	    "others\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nlan     2 BACKUP"));
	free(out);
	/* none mastered */
	for (i = 0; i < 3; i++) {
		c[i].share = 0;
		c[i].state = CTL_CARP_STATE__BACKUP;
	}
	out = render_reply(text_output.status, &rep);
	ck_assert_ptr_nonnull(strstr(out, "master of 0 of 3 vhids (none), "
	    "share 0x0;"));
	free(out);
}
END_TEST

START_TEST(test_kinds)
{
	const ProtobufCMessageDescriptor	*d = &ctl_sync__descriptor;
	char					 buf[64];

#define FD(n)	protobuf_c_message_descriptor_get_field_by_name(d, n)
	ck_assert_int_eq(field_kind(&sync_fields, FD("states_sent")),
	    FK_COUNTER);
	ck_assert_int_eq(field_kind(&sync_fields, FD("states_local")),
	    FK_GAUGE);
	ck_assert_int_eq(field_kind(&sync_fields, FD("defer_queue_len")),
	    FK_GAUGE);
	ck_assert_int_eq(field_kind(&sync_fields, FD("peer")), FK_LABEL);
	ck_assert_str_eq(field_label(&sync_fields, FD("auth_failures"), buf,
	    sizeof(buf)), "auth failures");
	ck_assert_str_eq(field_label(&sync_fields, FD("overruns"), buf,
	    sizeof(buf)), "netlink overruns");
#undef FD
}
END_TEST

/* A label for a field that is not in the message would never show. */
START_TEST(test_info_names)
{
	const struct object_fields	*objs[] = {
		&counter_fields, &stats_fields, &sync_fields
	};
	const struct field_info		*fi;
	size_t				 i;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		for (fi = objs[i]->info; fi != NULL && fi->name != NULL; fi++)
			ck_assert_msg(protobuf_c_message_descriptor_get_field_by_name(
			    objs[i]->desc, fi->name) != NULL, "%s: no field %s",
			    objs[i]->desc->name, fi->name);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("carpctl");
	TCase	*tc = tcase_create("output");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_sync_text);
	tcase_add_test(tc, test_sync_json);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_status_balanced);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_info_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
