/* The OpenMetrics formatter (common/metrics.c) on replies with known
 * values: family names from the field names, counters with _total and
 * gauges without, a carp's state as a stateset, keys as labels down into
 * the counters, label values escaped, the strings in an info family,
 * one family once even with several objects, "# EOF" last; and the
 * metrics-listen address check (common/conf_listen.c). The namespace
 * test (tests/integ/metrics.sh) runs a real parser over the output of
 * both daemons. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carpd/carpctl.h"
#include "conf.h"
#include "metrics.h"

/* metrics_reply + metrics_end of rep, as a malloc'd string */
static char *
render(const char *daemon, const CtlReply *rep)
{
	struct evbuffer	*b;
	char		*s;
	size_t		 len;

	ck_assert_ptr_nonnull(b = evbuffer_new());
	ck_assert_int_eq(metrics_reply(b, daemon, rep), 0);
	ck_assert_int_eq(metrics_end(b), 0);
	len = evbuffer_get_length(b);
	ck_assert_ptr_nonnull(s = malloc(len + 1));
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return (s);
}

static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return (n);
}

#define HAS(out, line)	ck_assert_msg(strstr(out, line) != NULL, \
			    "missing: %s\nin:\n%s", line, out)
#define ONCE(out, line)	ck_assert_msg(count(out, line) == 1, \
			    "not once: %s\nin:\n%s", line, out)

/* Two carps, one with a name that needs escaping, their counters, a
 * group and the daemon-wide stats. */
START_TEST(test_carpd)
{
	CtlReply	 rep;
	CtlCarp		 c[2], *cp[2] = { &c[0], &c[1] };
	CtlCounters	 cnt[2];
	CtlGroup	 g, *gp = &g;
	CtlStats	 st;
	CtlCounters	 tot;
	char		 n0[] = "a\"b\\c\nd\xc3\xa9", n1[] = "carp2";
	char		 dev[] = "eth0", gname[] = "internal", rt[] = "off";
	char		*out;
	int		 i;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	for (i = 0; i < 2; i++) {
		ctl_carp__init(&c[i]);
		ctl_counters__init(&cnt[i]);
		c[i].has_vhid = c[i].has_state = c[i].has_demote = 1;
		c[i].vhid = 7 + i;
		c[i].carpdev = dev;
		c[i].counters = &cnt[i];
		cnt[i].has_adverts_sent = 1;
		cnt[i].adverts_sent = 3 + i;
	}
	c[0].name = n0;
	c[1].name = n1;
	c[0].state = CTL_CARP_STATE__MASTER;
	c[1].state = CTL_CARP_STATE__BACKUP;
	c[1].demote = 50;
	rep.carps = cp;
	rep.n_carps = 2;
	ctl_group__init(&g);
	g.name = gname;
	g.has_demote = 1;
	g.demote = 10;
	rep.groups = &gp;
	rep.n_groups = 1;
	ctl_stats__init(&st);
	ctl_counters__init(&tot);
	st.totals = &tot;
	st.has_unknown_vhid = 1;
	st.unknown_vhid = 5;
	st.has_ctl_clients = 1;
	st.ctl_clients = 2;
	rep.stats = &st;
	rep.realtime = rt;
	out = render("carpd", &rep);

	/* a stateset, a series per state, labelled with its own name */
	ONCE(out, "# TYPE carp_state stateset\n");
	HAS(out, "carp_state{carp=\"a\\\"b\\\\c\\nd??\",vhid=\"7\","
	    "carp_state=\"MASTER\"} 1\n");
	HAS(out, "carp_state{carp=\"a\\\"b\\\\c\\nd??\",vhid=\"7\","
	    "carp_state=\"BACKUP\"} 0\n");
	HAS(out, "carp_state{carp=\"carp2\",vhid=\"8\",carp_state=\"BACKUP\"}"
	    " 1\n");
	/* gauges and counters; the counters keep their carp's labels */
	ONCE(out, "# TYPE carp_demote gauge\n");
	HAS(out, "carp_demote{carp=\"carp2\",vhid=\"8\"} 50\n");
	ONCE(out, "# TYPE carp_adverts_sent counter\n");
	HAS(out, "carp_adverts_sent_total{carp=\"carp2\",vhid=\"8\"} 4\n");
	ck_assert_int_eq(count(out, "carp_adverts_sent_total{"), 2);
	/* the key is a label only, the strings an info family */
	ck_assert(strstr(out, "carp_name") == NULL);
	ck_assert(strstr(out, "carp_vhid") == NULL);
	HAS(out, "# TYPE carp info\n# HELP carp text fields of CtlCarp\n");
	HAS(out, "carp_info{carp=\"carp2\",vhid=\"8\",carpdev=\"eth0\","
	    "master=\"\",balancing=\"\"} 1\n");
	/* repeated strings are no metric */
	ck_assert(strstr(out, "carp_addresses") == NULL);
	HAS(out, "carp_group_demote{group=\"internal\"} 10\n");
	/* daemon-wide: uint64 a counter, uint32 a gauge; no totals */
	HAS(out, "# TYPE carpd_unknown_vhid counter\n"
	    "# HELP carpd_unknown_vhid adverts for unknown vhid\n"
	    "carpd_unknown_vhid_total 5\n");
	HAS(out, "# TYPE carpd_ctl_clients gauge\n");
	HAS(out, "carpd_ctl_clients 2\n");
	ck_assert(strstr(out, "totals") == NULL);
	HAS(out, "carpd_info{realtime=\"off\"} 1\n");
	/* the frame's own fields are not metrics */
	ck_assert(strstr(out, "carpd_version") == NULL);
	ck_assert(strstr(out, "carpd_result") == NULL);
	/* last */
	ck_assert_str_eq(out + strlen(out) - 6, "# EOF\n");
	ONCE(out, "# EOF");
	free(out);
}
END_TEST

/* syncd: a uint64 the field table calls a gauge, a bool, the links
 * keyed by their syncdev. */
START_TEST(test_syncd)
{
	CtlReply	 rep;
	CtlSync		 s = CTL_SYNC__INIT;
	CtlSyncLink	 l = CTL_SYNC_LINK__INIT, *lp = &l;
	char		 dev[] = "sync0", peer[] = "203.0.113.2";
	char		*out;

	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	s.has_states_replicated = s.has_peer_alive = s.has_retransmits = 1;
	s.states_replicated = 12;
	s.peer_alive = 1;
	s.retransmits = 9;
	s.peer = peer;
	l.syncdev = dev;
	l.peer = peer;
	l.has_datagrams_sent = 1;
	l.datagrams_sent = 77;
	s.links = &lp;
	s.n_links = 1;
	rep.sync = &s;
	out = render("syncd", &rep);
	HAS(out, "# TYPE sync_states_replicated gauge\n");
	HAS(out, "sync_states_replicated 12\n");
	HAS(out, "sync_peer_alive 1\n");
	HAS(out, "sync_retransmits_total 9\n");
	HAS(out, "sync_link_datagrams_sent_total{syncdev=\"sync0\"} 77\n");
	HAS(out, "sync_link_info{syncdev=\"sync0\",peer=\"203.0.113.2\"} 1\n");
	HAS(out, "sync_info{peer=\"203.0.113.2\",syncdev=\"\","
	    "last_error=\"\",ruleset_digest=\"\"} 1\n");
	/* absent fields are zeros, as in the JSON */
	HAS(out, "sync_gaps_total 0\n");
	free(out);
}
END_TEST

START_TEST(test_escape)
{
	struct evbuffer	*b = evbuffer_new();
	char		 s[64];
	size_t		 n;

	ck_assert_int_eq(metrics_escape(b, "q\"b\\n\nt\tx\x7f"), 0);
	n = evbuffer_remove(b, s, sizeof(s) - 1);
	s[n] = '\0';
	ck_assert_str_eq(s, "q\\\"b\\\\n\\nt?x?");
	ck_assert_int_eq(metrics_escape(b, NULL), 0);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_listen)
{
	char		 a[64];
	uint16_t	 port;

	ck_assert_int_eq(conf_listen_split("127.0.0.1:9742", a, sizeof(a),
	    &port), 0);
	ck_assert_str_eq(a, "127.0.0.1");
	ck_assert_uint_eq(port, 9742);
	ck_assert_int_eq(conf_listen_split("[2001:db8::1]:80", a, sizeof(a),
	    &port), 0);
	ck_assert_str_eq(a, "2001:db8::1");
	ck_assert_uint_eq(port, 80);
	ck_assert_int_eq(conf_listen_split("2001:db8::1:80", a, sizeof(a),
	    &port), -1);
	ck_assert_int_eq(conf_listen_split("127.0.0.1", a, sizeof(a),
	    &port), -1);
	ck_assert_int_eq(conf_listen_split("127.0.0.1:0", a, sizeof(a),
	    &port), -1);
	ck_assert_int_eq(conf_listen_split("127.0.0.1:65536", a, sizeof(a),
	    &port), -1);
	ck_assert_int_eq(conf_listen_split("host:80", a, sizeof(a),
	    &port), -1);
	ck_assert_int_eq(conf_listen_split(":80", a, sizeof(a), &port), -1);
	ck_assert_int_eq(conf_listen_split("[]:80", a, sizeof(a), &port), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("openmetrics");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_carpd);
	tcase_add_test(tc, test_syncd);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_listen);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
