/* Config parser: valid and invalid snippets written to a private temp
 * directory, ranges, include, secrecy, print -> reparse, address helpers.
 * No root needed. */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static char	 tdir[] = "/tmp/test_conf.XXXXXX";
static char	 errbuf[8192];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tdir));
}

static void
teardown(void)
{
	char	cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tdir);
	strcpy(tdir, "/tmp/test_conf.XXXXXX");
}

/* Write name in the temp directory with mode; returns its path. */
static const char *
wfile(const char *name, const char *text, mode_t mode)
{
	static char	 path[PATH_MAX];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return (path);
}

/* Parse text as carp.conf; errbuf gets the error output. */
static struct carp_conf *
parse(const char *text)
{
	struct carp_conf	*conf;
	char			 path[PATH_MAX];
	FILE			*ef;

	snprintf(path, sizeof(path), "%s", wfile("carp.conf", text, 0600));
	ck_assert_ptr_nonnull(ef = fmemopen(errbuf, sizeof(errbuf), "w"));
	conf = conf_parse(path, ef);
	fclose(ef);
	return (conf);
}

/* text must be refused with an error containing msg at line. */
static void
refused(const char *text, int line, const char *msg)
{
	char	want[256];

	memset(errbuf, 0, sizeof(errbuf));
	ck_assert_ptr_null(parse(text));
	snprintf(want, sizeof(want), "carp.conf:%d: %s", line, msg);
	ck_assert_msg(strstr(errbuf, want) != NULL, "want \"%s\" in \"%s\"",
	    want, errbuf);
}

static struct carp_conf *
accepted(const char *text)
{
	struct carp_conf	*conf;

	memset(errbuf, 0, sizeof(errbuf));
	conf = parse(text);
	ck_assert_msg(conf != NULL, "refused: %s", errbuf);
	ck_assert_str_eq(errbuf, "");
	return (conf);
}

#define MINCARP	"carp c1 { vhid 1 carpdev eth0 address 192.0.2.1/24 }\n"

START_TEST(t_defaults)
{
	struct carp_conf	*conf = accepted(MINCARP);
	struct conf_carp	*c = TAILQ_FIRST(&conf->carps);
	char			 buf[64];

	ck_assert_int_eq(conf->preempt, 0);
	ck_assert_int_eq(conf->deadratio, 3);
	ck_assert_int_eq(conf->realtime, 1);
	ck_assert_str_eq(conf->control_socket, CONF_CARPD_SOCKET);
	ck_assert_str_eq(conf->state_file, CONF_STATE_FILE);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->name, "c1");
	ck_assert_int_eq(c->vhid, 1);
	ck_assert_int_eq(c->advbase, 1);
	ck_assert_int_eq(c->advskew, 0);
	ck_assert_int_eq(c->preempt, -1);
	ck_assert_int_eq(conf_carp_preempt(conf, c), 0);
	ck_assert_int_eq(c->auth, AUTH_COMPAT);
	ck_assert_uint_eq(c->passlen, 0);
	ck_assert_int_eq(c->peer.af, 0);
	ck_assert_int_eq(c->mcast.af, 0);
	/* sync defaults are set even without a sync block */
	ck_assert_int_eq(conf->sync.present, 0);
	ck_assert_uint_eq(conf->sync.port, SYNC_DEFAULT_PORT);
	conf_addr_print(&conf->sync.mcast, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, SYNC_DEFAULT_MCAST);
	ck_assert_uint_eq(conf->sync.defer_timeout_ms, 20);
	ck_assert_uint_eq(conf->sync.bulk_timeout_ms, 30000);
	ck_assert_int_eq(conf->sync.bulk_demote, 32);
	ck_assert_int_eq(conf->sync.link_demote, 1);
	ck_assert_str_eq(conf->sync.control_socket, CONF_SYNCD_SOCKET);
	ck_assert_str_eq(conf->sync.carpd_socket, CONF_CARPD_SOCKET);
	conf_free(conf);
}
END_TEST

START_TEST(t_full)
{
	struct carp_conf	*conf;
	struct conf_carp	*c;
	struct conf_group	*g;
	char			 text[2048], buf[64];

	wfile("up.sh", "#!/bin/sh\n", 0755);
	snprintf(text, sizeof(text),
	    "# comment\n"
	    "preempt yes deadratio 5\n"
	    "control-socket \"/run/x.sock\"\n"
	    "group internal { demote 7 }\n"
	    "carp \"carp1\" {\n"
	    "  vhid 255 carpdev eth0 password \"pa\\\"ss of sixteen+\"\n"
	    "  advbase 0 advskew 254\n"
	    "  address 192.0.2.100/24  # trailing comment\n"
	    "  address 2001:DB8::100/64\n"
	    "  group internal group carp group other\n"
	    "  preempt no vmac yes peer 198.51.100.2 mcast ff02::1:2\n"
	    "  auth strict up-script \"up.sh\" down-script \"%s/up.sh\"\n"
	    "  script-arg \"a b\"\n"
	    "}\n"
	    "sync { syncdev eth1 key-file \"k\" bulk-timeout 2m "
	    "defer-timeout 250ms defer yes }\n", tdir);
	wfile("k", "0123456789abcdef0123\n", 0600);
	conf = accepted(text);
	ck_assert_int_eq(conf->preempt, 1);
	ck_assert_int_eq(conf->deadratio, 5);
	g = TAILQ_FIRST(&conf->groups);
	ck_assert_str_eq(g->name, "internal");
	ck_assert_int_eq(g->demote, 7);
	c = TAILQ_FIRST(&conf->carps);
	ck_assert_int_eq(c->vhid, 255);
	ck_assert_uint_eq(c->passlen, 17);
	ck_assert_mem_eq(c->password, "pa\"ss of sixteen+", 17);
	ck_assert_int_eq(c->advbase, 0);
	ck_assert_int_eq(c->advskew, 254);
	ck_assert_int_eq(c->naddrs, 2);
	conf_addr_print(&c->addrs[1], 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::100/64");
	/* "carp" is implicit and takes no slot */
	ck_assert_int_eq(c->ngroups, 2);
	ck_assert_str_eq(c->groups[1], "other");
	ck_assert_int_eq(conf_carp_preempt(conf, c), 0);
	ck_assert_int_eq(c->vmac, 1);
	ck_assert_int_eq(c->mcast.af, AF_INET6);
	ck_assert_int_eq(c->auth, AUTH_STRICT);
	/* relative to the config file's directory */
	snprintf(buf, sizeof(buf), "%s/up.sh", tdir);
	ck_assert_str_eq(c->up_script, buf);
	ck_assert_str_eq(c->script_arg, "a b");
	ck_assert_int_eq(conf->sync.present, 1);
	ck_assert_uint_eq(conf->sync.keylen, 20);
	ck_assert_uint_eq(conf->sync.bulk_timeout_ms, 120000);
	ck_assert_uint_eq(conf->sync.defer_timeout_ms, 250);
	ck_assert_str_eq(conf->sync.carpd_socket, "/run/x.sock");
	conf_free(conf);
}
END_TEST

static const struct {
	const char	*text;
	int		 line;
	const char	*msg;
} bad[] = {
	{ "bogus 1\n", 1, "unknown keyword \"bogus\"" },
	{ "\n\ncarp c1 { vhid 1 carpdev eth0 address 10.0.0.1 frob }\n", 3,
	    "unknown keyword \"frob\"" },
	{ "deadratio\n", 1, "missing value after \"deadratio\"" },
	{ "deadratio 0\n", 1, "deadratio 0 out of range (1..255)" },
	{ "deadratio 256\n", 1, "deadratio 256 out of range (1..255)" },
	{ "deadratio x\n", 1, "deadratio \"x\" is not a number" },
	{ "preempt maybe\n", 1, "preempt must be yes or no" },
	{ "group g { demote 256 }\n", 1, "demote 256 out of range" },
	{ "group g\ngroup g\n", 2, "duplicate group \"g\"" },
	{ "carp c1 { vhid 0 carpdev eth0 address 10.0.0.1 }\n", 1,
	    "vhid 0 out of range (1..255)" },
	{ "carp c1 { vhid 256 carpdev eth0 address 10.0.0.1 }\n", 1,
	    "vhid 256 out of range" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 advbase 255 }\n",
	    1, "advbase 255 out of range (0..254)" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 advskew 255 }\n",
	    1, "advskew 255 out of range (0..254)" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 advbase 0 }\n",
	    1, "carp c1: advbase 0 needs an advskew above 0" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.256 }\n", 1,
	    "address: bad address or prefix \"10.0.0.256\"" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1/33 }\n", 1,
	    "address: bad address or prefix \"10.0.0.1/33\"" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 peer 1.2.3.4/24 }\n",
	    1, "peer: bad address \"1.2.3.4/24\"" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 mcast 10.1.1.1 }\n",
	    1, "mcast: 10.1.1.1 is not a multicast address" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 auth weak }\n", 1,
	    "auth must be compat or strict" },
	{ "carp c1 { carpdev eth0 address 10.0.0.1 }\n", 1,
	    "carp c1: missing vhid" },
	{ "carp c1 { vhid 1 address 10.0.0.1 }\n", 1,
	    "carp c1: missing carpdev" },
	{ "carp c1 { vhid 1 carpdev eth0 }\n", 1,
	    "carp c1: missing address" },
	{ MINCARP "carp c1 { vhid 2 carpdev eth0 address 10.0.0.1 }\n", 2,
	    "duplicate carp \"c1\" (first at line 1)" },
	{ MINCARP "carp c2 {\n vhid 1\n carpdev eth0 address 10.0.0.2 }\n",
	    3, "duplicate vhid 1 on eth0 (carp c1 has it)" },
	{ "carp c1234567890123456 { vhid 1 carpdev eth0 address 10.0.0.1 }\n",
	    1, "carp name \"c1234567890123456\" too long for an interface "
	    "name (max 15)" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password \"01234567890123456789\" }\n", 2,
	    "password is 20 bytes, auth compat allows at most 19" },
	{ "carp c1 { vhid 1\n", 1, "unterminated block \"carp c1\"" },
	{ "carp c1 { vhid 1 carpdev \"eth0\n }\n", 1, "unterminated string" },
	{ "sync { syncdev eth1 key-file \"k\" }\nsync { }\n", 2,
	    "more than one sync block (first at line 1)" },
	{ "sync { syncdev eth1 port 0 }\n", 1, "port 0 out of range" },
	{ "sync { key-file \"k\" }\n", 1, "sync: missing syncdev" },
	{ "sync { syncdev eth1 }\n", 1, "sync: missing key-file" },
	{ "sync { defer-timeout 20 }\n", 1, "defer-timeout \"20\" is not a "
	    "duration (number with ms, s or m)" },
	{ "sync { defer-timeout 11s }\n", 1, "defer-timeout 11s out of range" },
	{ "sync { bulk-timeout 2h }\n", 1, "bulk-timeout \"2h\" is not a "
	    "duration" },
	{ "sync { bulk-demote 256 }\n", 1, "bulk-demote 256 out of range" },
	{ "sync { ignore 10.0.0.0/40 }\n", 1, "ignore: bad address or prefix" },
	{ "include \"nope.conf\"\n", 1, "include \"nope.conf\": No such file" },
	{ "}\n", 1, "unexpected \"}\"" },
	{ "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "up-script \"nope.sh\" }\n", 1, "up-script /" },
};

START_TEST(t_invalid)
{
	wfile("k", "0123456789abcdef\n", 0600);
	refused(bad[_i].text, bad[_i].line, bad[_i].msg);
}
END_TEST

/* Every mistake is reported, not only the first. */
START_TEST(t_all_errors)
{
	refused("deadratio 0\nbogus\n" MINCARP "carp c1 { }\npreempt x\n",
	    1, "deadratio");
	ck_assert_ptr_nonnull(strstr(errbuf, "carp.conf:2: unknown keyword"));
	ck_assert_ptr_nonnull(strstr(errbuf, "carp.conf:4: duplicate carp"));
	ck_assert_ptr_nonnull(strstr(errbuf, "carp.conf:5: preempt must"));
}
END_TEST

START_TEST(t_ranges)
{
	struct carp_conf	*conf;

	conf = accepted("deadratio 255\ngroup g { demote 255 }\n"
	    "carp c1 { vhid 255 carpdev eth0 address 10.0.0.1 advbase 254 "
	    "advskew 254 }\n"
	    "carp c2 { vhid 255 carpdev eth1 address 10.0.0.2 advbase 0 "
	    "advskew 1 }\n");
	ck_assert_int_eq(conf->deadratio, 255);
	conf_free(conf);
	wfile("k", "0123456789abcdef\n", 0600);
	conf = accepted("sync { syncdev eth1 key-file k port 65535 "
	    "defer-timeout 1ms bulk-timeout 60m bulk-demote 0 "
	    "link-demote 255 }\n");
	ck_assert_uint_eq(conf->sync.port, 65535);
	ck_assert_uint_eq(conf->sync.defer_timeout_ms, 1);
	ck_assert_uint_eq(conf->sync.bulk_timeout_ms, 3600000);
	conf_free(conf);
}
END_TEST

START_TEST(t_limits)
{
	char	text[4096];
	size_t	n;
	int	i;

	n = snprintf(text, sizeof(text), "carp c1 { vhid 1 carpdev eth0\n");
	for (i = 0; i <= CONF_MAXADDRS; i++)
		n += snprintf(text + n, sizeof(text) - n,
		    "address 10.0.0.%d\n", i + 1);
	snprintf(text + n, sizeof(text) - n, "}\n");
	refused(text, CONF_MAXADDRS + 2, "too many addresses (max 16)");
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "address 10.0.0.1 }\n", 1, "duplicate address 10.0.0.1/32");
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "password \"01234567890123456789012345678901234567890123456789"
	    "0123456789abcde\" }\n", 1, "password longer than 64 bytes");
}
END_TEST

START_TEST(t_password_strict)
{
	struct carp_conf	*conf;

	conf = accepted("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "password \"01234567890123456789\" auth strict }\n");
	ck_assert_uint_eq(TAILQ_FIRST(&conf->carps)->passlen, 20);
	conf_free(conf);
}
END_TEST

START_TEST(t_include_files)
{
	struct carp_conf	*conf;
	char			 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sub", tdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	/* relative to the including file: sub/a.conf includes sub/b.conf */
	wfile("sub/a.conf", "include \"b.conf\"\ndeadratio 7\n", 0600);
	wfile("sub/b.conf", MINCARP, 0600);
	conf = accepted("include \"sub/a.conf\"\n");
	ck_assert_int_eq(conf->deadratio, 7);
	ck_assert_ptr_nonnull(TAILQ_FIRST(&conf->carps));
	conf_free(conf);

	/* errors name the included file */
	wfile("sub/b.conf", "\nbogus\n", 0600);
	ck_assert_ptr_null(parse("include \"sub/a.conf\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf, "sub/b.conf:2: unknown keyword"));

	wfile("sub/b.conf", "include \"a.conf\"\n", 0600);
	ck_assert_ptr_null(parse("include \"sub/a.conf\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "sub/b.conf:1: include \"a.conf\": include loop"));

	wfile("self.conf", "include \"self.conf\"\n", 0600);
	ck_assert_ptr_null(parse("include \"self.conf\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "self.conf:1: include \"self.conf\": include loop"));
}
END_TEST

/* A FIFO as include: refused at once, not waited on (Check's timeout
 * fails the test if the open blocks). */
START_TEST(t_include_fifo)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pipe.conf", tdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(parse("include \"pipe.conf\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "include \"pipe.conf\": not a regular file"));
	unlink(path);
}
END_TEST

START_TEST(t_include_depth)
{
	char	name[32], text[64];
	int	i;

	/* d0 includes d1 ... d9: nine levels under carp.conf */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "include \"d%d.conf\"\n", i + 1);
		wfile(name, text, 0600);
	}
	wfile("d10.conf", "deadratio 2\n", 0600);
	ck_assert_ptr_null(parse("include \"d0.conf\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf, "nested more than 8 deep"));
	wfile("d6.conf", "deadratio 2\n", 0600);
	conf_free(accepted("include \"d0.conf\"\n"));
}
END_TEST

START_TEST(t_secrecy)
{
	struct carp_conf	*conf;
	const char		*path;
	char			 why[PATH_MAX + 64];

	path = wfile("lan.pass", "secret\n", 0600);
	ck_assert_int_eq(conf_check_secrecy(path, why, sizeof(why)), 0);
	conf = accepted(MINCARP "carp c2 { vhid 2 carpdev eth0 "
	    "address 10.0.0.2 password-file \"lan.pass\" }\n");
	ck_assert_uint_eq(TAILQ_NEXT(TAILQ_FIRST(&conf->carps), entry)->passlen,
	    6);
	conf_free(conf);

	path = wfile("lan.pass", "secret\n", 0644);
	ck_assert_int_eq(conf_check_secrecy(path, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "is readable by group or others"));
	refused(MINCARP "carp c2 { vhid 2 carpdev eth0 address 10.0.0.2 "
	    "password-file \"lan.pass\" }\n", 2, "password file ");
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "lan.pass is readable by group or others"));
	wfile("lan.pass", "secret\n", 0640);
	refused(MINCARP "carp c2 { vhid 2 carpdev eth0 address 10.0.0.2 "
	    "password-file \"lan.pass\" }\n", 2, "password file ");

	ck_assert_int_eq(conf_check_secrecy(tdir, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not a regular file"));
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "password-file \"none.pass\" }\n", 1, "password file ");
	ck_assert_ptr_nonnull(strstr(errbuf, "No such file or directory"));

	wfile("k", "0123456789abcdef\n", 0644);
	refused("sync { syncdev eth1 key-file \"k\" }\n", 1, "key file ");
	ck_assert_ptr_nonnull(strstr(errbuf, "readable by group or others"));
	wfile("k", "0123456789abcde\n", 0600);
	refused("sync { syncdev eth1 key-file \"k\" }\n", 1, "key file ");
	ck_assert_ptr_nonnull(strstr(errbuf, "is 15 bytes, need 16..64"));
	wfile("k", "0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdefX", 0600);
	refused("sync { syncdev eth1 key-file \"k\" }\n", 1, "key file ");
	ck_assert_ptr_nonnull(strstr(errbuf, "longer than 64 bytes"));
}
END_TEST

/* Hardening bug 7: an inline password is refused in a config file or
 * include that group or others may read; a password-file, an empty
 * password, or a private file are fine. */
START_TEST(t_inline_secret)
{
	struct carp_conf	*conf;
	const char		*path;
	FILE			*ef;

	path = wfile("open.conf", "carp c1 { vhid 1 carpdev eth0\n"
	    "address 10.0.0.1\npassword \"hunter2\" }\n", 0644);
	memset(errbuf, 0, sizeof(errbuf));
	ck_assert_ptr_nonnull(ef = fmemopen(errbuf, sizeof(errbuf), "w"));
	ck_assert_ptr_null(conf_parse(path, ef));
	fclose(ef);
	ck_assert_msg(strstr(errbuf, "open.conf:3: inline password refused: "
	    ) != NULL && strstr(errbuf, "open.conf is readable by group or "
	    "others") != NULL, "got \"%s\"", errbuf);

	/* in an include: the include's own mode counts */
	wfile("pw.inc", "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password \"hunter2\" }\n", 0640);
	memset(errbuf, 0, sizeof(errbuf));
	ck_assert_ptr_null(parse("include \"pw.inc\"\n"));
	ck_assert_ptr_nonnull(strstr(errbuf, "pw.inc:2: inline password "
	    "refused"));
	wfile("pw.inc", "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password \"hunter2\" }\n", 0600);
	conf = accepted("include \"pw.inc\"\n");
	ck_assert_uint_eq(TAILQ_FIRST(&conf->carps)->passlen, 7);
	conf_free(conf);

	/* no secret, no check: empty password, none, or a password-file */
	wfile("lan.pass", "secret\n", 0600);
	wfile("pw.inc", "carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password \"\" }\ncarp c2 { vhid 2 carpdev eth0 address "
	    "10.0.0.2\npassword-file \"lan.pass\" }\n", 0644);
	conf = accepted("include \"pw.inc\"\n");
	conf_free(conf);
}
END_TEST

START_TEST(t_password_file)
{
	struct carp_conf	*conf;
	struct conf_carp	*c;

	wfile("lan.pass", "lanpasswd\r\n", 0600);
	conf = accepted("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "password-file \"lan.pass\" }\n");
	c = TAILQ_FIRST(&conf->carps);
	ck_assert_uint_eq(c->passlen, 9);
	ck_assert_mem_eq(c->password, "lanpasswd", 9);
	conf_free(conf);
	wfile("lan.pass", "0123456789012345678901\n", 0600);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password-file \"lan.pass\" }\n", 2, "password is 22 bytes");
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "password \"x\" password-file \"lan.pass\" }\n", 2,
	    "password given twice (first at line 2)");
}
END_TEST

START_TEST(t_scripts)
{
	wfile("up.sh", "#!/bin/sh\n", 0755);
	conf_free(accepted("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "up-script \"up.sh\" down-script up.sh }\n"));
	wfile("up.sh", "#!/bin/sh\n", 0644);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "up-script \"up.sh\" }\n", 2, "up-script ");
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "up.sh is not an executable regular file"));
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "down-script \"/\" }\n", 2,
	    "down-script / is not an executable regular file");
}
END_TEST

/* Scripts run as root: nobody else may change them or their directories
 * (hardening bug 6). */
START_TEST(t_scripts_unsafe)
{
	char	dir[PATH_MAX], lnk[PATH_MAX];

	wfile("up.sh", "#!/bin/sh\n", 0777);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "up-script \"up.sh\" }\n", 2, "up-script ");
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "up.sh is writable by group or others"));
	wfile("up.sh", "#!/bin/sh\n", 0775);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "up-script \"up.sh\" }\n", 2, "up-script ");
	/* a world-writable directory; with the sticky bit it is safe */
	snprintf(dir, sizeof(dir), "%s/w", tdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	wfile("w/up.sh", "#!/bin/sh\n", 0755);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "up-script \"w/up.sh\" }\n", 2, "up-script ");
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "/w is writable by group or others"));
	ck_assert_int_eq(chmod(dir, 01777), 0);
	conf_free(accepted("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "up-script \"w/up.sh\" }\n"));
	/* a link from a safe directory into the unsafe one */
	ck_assert_int_eq(chmod(dir, 0777), 0);
	snprintf(dir, sizeof(dir), "%s/w/up.sh", tdir);
	snprintf(lnk, sizeof(lnk), "%s/lnk", tdir);
	ck_assert_int_eq(symlink(dir, lnk), 0);
	refused("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1\n"
	    "up-script \"lnk\" }\n", 2, "up-script ");
	ck_assert_ptr_nonnull(strstr(errbuf,
	    "/w is writable by group or others"));
}
END_TEST

static struct carp_conf *
reparse(const struct carp_conf *conf)
{
	struct carp_conf	*again;
	FILE			*f, *ef;
	char			 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/printed.conf", tdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	conf_print(f, conf);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0);	/* it may hold a password */
	ck_assert_ptr_nonnull(ef = fmemopen(errbuf, sizeof(errbuf), "w"));
	again = conf_parse(path, ef);
	fclose(ef);
	ck_assert_msg(again != NULL, "printed config refused: %s", errbuf);
	return (again);
}

/* realtime: yes by default and not printed then (the canonical form
 * of every older file is unchanged); "realtime no" printed and read
 * back; anything but yes or no refused. */
START_TEST(t_realtime)
{
	struct carp_conf	*conf, *again;
	char			*out = NULL;
	size_t			 len = 0;
	FILE			*f;

	conf = accepted("realtime yes\n" MINCARP);
	ck_assert_int_eq(conf->realtime, 1);
	ck_assert_ptr_nonnull(f = open_memstream(&out, &len));
	conf_print(f, conf);
	fclose(f);
	ck_assert_ptr_null(strstr(out, "realtime"));
	free(out);
	conf_free(conf);

	conf = accepted("realtime no\n" MINCARP);
	ck_assert_int_eq(conf->realtime, 0);
	again = reparse(conf);
	ck_assert_int_eq(again->realtime, 0);
	conf_free(again);
	conf_free(conf);

	refused("realtime maybe\n" MINCARP, 1,
	    "realtime must be yes or no, not \"maybe\"");
	refused("realtime\n" MINCARP, 2, "");
	refused("carp c1 { vhid 1 carpdev eth0 address 192.0.2.1/24\n"
	    "realtime no }\n", 2, "");
}
END_TEST

static void
same_conf(const struct carp_conf *a, const struct carp_conf *b)
{
	const struct conf_carp	*ca, *cb;
	const struct conf_group	*ga, *gb;
	const struct conf_sync	*sa = &a->sync, *sb = &b->sync;
	int			 i;

	ck_assert_int_eq(a->preempt, b->preempt);
	ck_assert_int_eq(a->deadratio, b->deadratio);
	ck_assert_int_eq(a->realtime, b->realtime);
	ck_assert_str_eq(a->control_socket, b->control_socket);
	ck_assert_str_eq(a->state_file, b->state_file);
	for (ga = TAILQ_FIRST(&a->groups), gb = TAILQ_FIRST(&b->groups);
	    ga != NULL && gb != NULL;
	    ga = TAILQ_NEXT(ga, entry), gb = TAILQ_NEXT(gb, entry)) {
		ck_assert_str_eq(ga->name, gb->name);
		ck_assert_int_eq(ga->demote, gb->demote);
	}
	ck_assert_ptr_eq(ga, gb);
	for (ca = TAILQ_FIRST(&a->carps), cb = TAILQ_FIRST(&b->carps);
	    ca != NULL && cb != NULL;
	    ca = TAILQ_NEXT(ca, entry), cb = TAILQ_NEXT(cb, entry))
		ck_assert_msg(conf_carp_equal(ca, cb), "carp %s differs",
		    ca->name);
	ck_assert_ptr_eq(ca, cb);
	ck_assert_int_eq(sa->present, sb->present);
	ck_assert_int_eq(sa->nsyncdev, sb->nsyncdev);
	ck_assert_int_eq(sa->nsyncpeer, sb->nsyncpeer);
	for (i = 0; i < sa->nsyncdev; i++) {
		ck_assert_str_eq(sa->syncdev[i], sb->syncdev[i]);
		ck_assert_int_eq(conf_addr_cmp(&sa->syncpeer[i],
		    &sb->syncpeer[i]), 0);
	}
	ck_assert_int_eq(conf_addr_cmp(&sa->mcast, &sb->mcast), 0);
	ck_assert_uint_eq(sa->port, sb->port);
	ck_assert_str_eq(sa->key_file, sb->key_file);
	ck_assert_uint_eq(sa->keylen, sb->keylen);
	ck_assert_mem_eq(sa->key, sb->key, sa->keylen);
	ck_assert_int_eq(sa->defer, sb->defer);
	ck_assert_uint_eq(sa->defer_timeout_ms, sb->defer_timeout_ms);
	ck_assert_uint_eq(sa->bulk_timeout_ms, sb->bulk_timeout_ms);
	ck_assert_int_eq(sa->bulk_demote, sb->bulk_demote);
	ck_assert_int_eq(sa->link_demote, sb->link_demote);
	ck_assert_int_eq(sa->nignore, sb->nignore);
	for (i = 0; i < sa->nignore; i++)
		ck_assert_int_eq(conf_addr_cmp(&sa->ignore[i],
		    &sb->ignore[i]), 0);
	ck_assert_str_eq(sa->control_socket, sb->control_socket);
	ck_assert_str_eq(sa->carpd_socket, sb->carpd_socket);
}

START_TEST(t_roundtrip)
{
	struct carp_conf	*conf, *again;

	wfile("up.sh", "#!/bin/sh\n", 0755);
	wfile("lan.pass", "lanpasswd-sixteen\n", 0600);
	wfile("sync.key", "0123456789abcdef0123456789abcdef\n", 0600);
	conf = accepted("preempt yes deadratio 9 state-file \"/tmp/s\"\n"
	    "group internal { demote 3 } group \"we ird\"\n"
	    "carp carp1 { vhid 1 carpdev eth0 password-file \"lan.pass\"\n"
	    "  advbase 0 advskew 30 address 192.0.2.100/24\n"
	    "  address 2001:db8:0:0::100/64 address 192.0.2.7\n"
	    "  group internal group \"we ird\" preempt no vmac yes\n"
	    "  peer 2001:db8::2 mcast 239.192.0.1 auth strict\n"
	    "  up-script up.sh down-script up.sh script-arg \"x \\\"y\\\"\" }\n"
	    "carp carp2 { vhid 2 carpdev eth1 address 198.51.100.1/24 }\n"
	    "sync { syncdev eth2 syncpeer 203.0.113.2 mcast 224.0.0.241\n"
	    "  port 9000 key-file sync.key defer yes defer-timeout 1500ms\n"
	    "  bulk-timeout 90s bulk-demote 40 link-demote 2\n"
	    "  ignore 203.0.113.0/24 ignore 2001:db8:ff::/48\n"
	    "  control-socket \"/run/s.sock\" carpd-socket \"/run/c.sock\" }\n");
	again = reparse(conf);
	same_conf(conf, again);
	conf_free(again);
	conf_free(conf);

	/* a minimal one: every default survives the trip */
	conf = accepted(MINCARP);
	again = reparse(conf);
	same_conf(conf, again);
	conf_free(again);
	conf_free(conf);
}
END_TEST

/* An inline password is masked: the rest still round-trips. */
START_TEST(t_print_masks_password)
{
	struct carp_conf	*conf, *again;
	struct conf_carp	*c, *c2;
	char			 path[PATH_MAX], buf[4096];
	FILE			*f;
	size_t			 n;

	conf = accepted("carp c1 { vhid 1 carpdev eth0 address 10.0.0.1 "
	    "password \"topsecret\" }\n");
	again = reparse(conf);
	snprintf(path, sizeof(path), "%s/printed.conf", tdir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_ptr_null(strstr(buf, "topsecret"));
	ck_assert_ptr_nonnull(strstr(buf, "\tpassword \"****************\"\n"));
	c = TAILQ_FIRST(&conf->carps);
	c2 = TAILQ_FIRST(&again->carps);
	ck_assert_int_eq(conf_carp_equal(c, c2), 0);
	memcpy(c2->password, c->password, c->passlen);
	c2->passlen = c->passlen;
	ck_assert_int_eq(conf_carp_equal(c, c2), 1);
	conf_free(again);
	conf_free(conf);
}
END_TEST

START_TEST(t_carp_equal)
{
	struct carp_conf	*a, *b;
	struct conf_carp	*ca, *cb;

	a = accepted(MINCARP);
	b = accepted(MINCARP);
	ca = TAILQ_FIRST(&a->carps);
	cb = TAILQ_FIRST(&b->carps);
	ck_assert_int_eq(conf_carp_equal(ca, cb), 1);
	cb->advskew = 10;
	ck_assert_int_eq(conf_carp_equal(ca, cb), 0);
	cb->advskew = 0;
	cb->addrs[0].plen = 25;
	ck_assert_int_eq(conf_carp_equal(ca, cb), 0);
	cb->addrs[0].plen = 24;
	cb->preempt = 0;
	ck_assert_int_eq(conf_carp_equal(ca, cb), 0);
	conf_free(a);
	conf_free(b);
}
END_TEST

START_TEST(t_addr)
{
	struct conf_addr	a, b;
	char			buf[64];

	ck_assert_int_eq(conf_addr_parse("192.0.2.1", &a, 0), 0);
	ck_assert_int_eq(a.af, AF_INET);
	ck_assert_int_eq(a.plen, 32);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/24", &a, 0), -1);
	ck_assert_int_eq(conf_addr_parse("192.0.2.100/24", &a, 1), 0);
	ck_assert_int_eq(a.plen, 24);
	conf_addr_print(&a, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.100/24");
	conf_addr_print(&a, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.100");
	ck_assert_int_eq(conf_addr_parse("192.0.2.1", &a, 1), 0);
	ck_assert_int_eq(a.plen, 32);
	ck_assert_int_eq(conf_addr_parse("2001:DB8:0::100/64", &a, 1), 0);
	ck_assert_int_eq(a.af, AF_INET6);
	conf_addr_print(&a, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::100/64");
	ck_assert_int_eq(conf_addr_parse("2001:db8::1", &a, 1), 0);
	ck_assert_int_eq(a.plen, 128);
	ck_assert_int_eq(conf_addr_parse("::/0", &a, 1), 0);
	ck_assert_int_eq(a.plen, 0);

	ck_assert_int_eq(conf_addr_parse("192.0.2.256", &a, 1), -1);
	ck_assert_int_eq(a.af, 0);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/33", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("2001:db8::1/129", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/-1", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/024", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("192.0.2.1/2x", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("eth0", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("", &a, 1), -1);
	ck_assert_int_eq(conf_addr_parse("fe80::1%eth0", &a, 1), -1);

	memset(&a, 0, sizeof(a));
	conf_addr_print(&a, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");

	conf_addr_parse("192.0.2.1/24", &a, 1);
	conf_addr_parse("192.0.2.1/24", &b, 1);
	ck_assert_int_eq(conf_addr_cmp(&a, &b), 0);
	conf_addr_parse("192.0.2.2/24", &b, 1);
	ck_assert_int_lt(conf_addr_cmp(&a, &b), 0);
	ck_assert_int_gt(conf_addr_cmp(&b, &a), 0);
	conf_addr_parse("192.0.2.1/25", &b, 1);
	ck_assert_int_lt(conf_addr_cmp(&a, &b), 0);
	conf_addr_parse("::1", &b, 1);
	ck_assert_int_ne(conf_addr_cmp(&a, &b), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(conf_addr_cmp(&a, &b), 0);
}
END_TEST

START_TEST(t_lexer)
{
	struct carp_conf	*conf;

	/* newlines are insignificant, quoted keywords and braces are words */
	conf = accepted("carp\nc1\n{\nvhid\n1\n\"carpdev\"\neth0 address\n"
	    "10.0.0.1 script-arg \"{ } # \\\\\" } # comment\n");
	ck_assert_str_eq(TAILQ_FIRST(&conf->carps)->script_arg, "{ } # \\");
	conf_free(conf);
	refused("carp \"c1 { }\n", 1, "unterminated string");
	refused("\n\ncarp c1 { vhid 1 carpdev eth0 address 10.0.0.1 { } }\n",
	    3, "unexpected \"{\"");
	refused("carp c1 vhid 1\n", 1, "missing \"{\" after \"carp c1\"");
}
END_TEST

START_TEST(t_missing_file)
{
	char	path[PATH_MAX];
	FILE	*ef;

	snprintf(path, sizeof(path), "%s/nope.conf", tdir);
	ck_assert_ptr_nonnull(ef = fmemopen(errbuf, sizeof(errbuf), "w"));
	ck_assert_ptr_null(conf_parse(path, ef));
	fclose(ef);
	ck_assert_ptr_nonnull(strstr(errbuf, "No such file or directory"));
}
END_TEST

/* defer's default (PROTOCOL.md 6.12): on when a carp is balanced
 * (carpnodes), whether its block comes before or after the sync block;
 * off otherwise; what the sync block says always wins. */
#define BALCARP	"carp b {\n carpnodes 1:0, 2:100\n balancing ip carpdev eth0 " \
		"address 192.0.2.1/24 }\n"
#define SYNCBLK(x) "sync { syncdev eth1 key-file k " x " }\n"

START_TEST(t_defer_balanced)
{
	static const struct {
		const char	*text;
		int		 defer;
	} cases[] = {
		{ MINCARP SYNCBLK(""), 0 },
		{ BALCARP SYNCBLK(""), 1 },
		{ SYNCBLK("") BALCARP, 1 },
		{ BALCARP SYNCBLK("defer no"), 0 },
		{ SYNCBLK("defer no") BALCARP, 0 },
		{ MINCARP SYNCBLK("defer yes"), 1 },
	};
	struct carp_conf	*conf;
	size_t			 i;

	wfile("k", "0123456789abcdef\n", 0600);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf = accepted(cases[i].text);
		ck_assert_msg(conf->sync.defer == cases[i].defer,
		    "case %zu: defer %d", i, conf->sync.defer);
		ck_assert_int_eq(conf_sync_balanced(conf),
		    strstr(cases[i].text, "carpnodes") != NULL);
		conf_free(conf);
	}
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_defaults);
	tcase_add_test(tc, t_full);
	tcase_add_loop_test(tc, t_invalid, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, t_all_errors);
	tcase_add_test(tc, t_ranges);
	tcase_add_test(tc, t_limits);
	tcase_add_test(tc, t_password_strict);
	tcase_add_test(tc, t_include_files);
	tcase_add_test(tc, t_include_depth);
	tcase_add_test(tc, t_include_fifo);
	tcase_add_test(tc, t_secrecy);
	tcase_add_test(tc, t_password_file);
	tcase_add_test(tc, t_inline_secret);
	tcase_add_test(tc, t_scripts);
	tcase_add_test(tc, t_scripts_unsafe);
	tcase_add_test(tc, t_roundtrip);
	tcase_add_test(tc, t_realtime);
	tcase_add_test(tc, t_print_masks_password);
	tcase_add_test(tc, t_carp_equal);
	tcase_add_test(tc, t_addr);
	tcase_add_test(tc, t_lexer);
	tcase_add_test(tc, t_missing_file);
	tcase_add_test(tc, t_defer_balanced);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(conf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed != 0);
}
