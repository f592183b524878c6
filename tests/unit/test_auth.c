/* carpd/auth.c: the strict-mode counter (monotonic across restarts and
 * clock steps, persisted) and the per-source replay table. */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "carpd/carpd.h"
#include "log.h"
#include "tests/unit/unit.h"

/* The wall clock as auth.c sees it: this definition takes the place of
 * libc's in the test binary, so a test can step the clock. Only
 * CLOCK_REALTIME is shifted; everything else is the kernel's answer. */
static int64_t	 fake_offset_us;
static int64_t	 fake_mono_ms;		/* CLOCK_MONOTONIC, for log.c */

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	int64_t	 ns;

	if (syscall(SYS_clock_gettime, id, ts) == -1)
		return (-1);
	if (id == CLOCK_MONOTONIC)
		ts->tv_sec += fake_mono_ms / 1000;
	if (id != CLOCK_REALTIME || fake_offset_us == 0)
		return (0);
	ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec +
	    fake_offset_us * 1000;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return (0);
}

static char	 tmpdir[64];
/* Counters are timestamps and older than AUTH_WINDOW (30 s) is stale:
 * the replay tests count from T, now at the start of the test. */
static uint64_t	 T;
static char	 state[PATH_MAX];

static uint64_t
real_now_us(void)
{
	struct timespec	 ts;

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/test_auth.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* a directory that does not exist yet */
	snprintf(state, sizeof(state), "%s/lib/carp/carpd.state", tmpdir);
	fake_offset_us = 0;
	T = real_now_us();
	log_init("test_auth", 1, 0);
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static void
write_state(const char *text)
{
	FILE	*f;

	ck_assert_int_eq(auth_init(state), 0);	/* creates the directory */
	ck_assert_ptr_nonnull(f = fopen(state, "w"));
	fputs(text, f);
	fclose(f);
}

static uint64_t
read_state(void)
{
	FILE		*f;
	uint64_t	 v = 0;

	ck_assert_ptr_nonnull(f = fopen(state, "r"));
	ck_assert_int_eq(fscanf(f, "%" SCNu64, &v), 1);
	fclose(f);
	return (v);
}

/* The state file's line starting with prefix, NULL if none. */
static const char *
f_grep(const char *prefix)
{
	static char	 line[256];
	FILE		*f;
	const char	*r = NULL;

	ck_assert_ptr_nonnull(f = fopen(state, "r"));
	while (r == NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			r = line;
	fclose(f);
	return (r);
}

/* ---- counter ---- */

START_TEST(test_counter_fresh)
{
	uint64_t	 before = real_now_us(), c, prev = 0;
	struct stat	 st;
	char		 dir[PATH_MAX];
	int		 i;

	ck_assert_int_eq(auth_init(state), 0);
	snprintf(dir, sizeof(dir), "%s/lib/carp", tmpdir);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(state, &st), 0);
	ck_assert_uint_eq(st.st_mode & 077, 0);
	for (i = 0; i < 10000; i++) {
		c = auth_next_counter();
		ck_assert_uint_gt(c, prev);
		prev = c;
	}
	/* a timestamp in microseconds, not a small sequence number */
	ck_assert_uint_ge(prev, before);
	ck_assert_uint_lt(prev, real_now_us() + 10000000);
}
END_TEST

/* The temp file is never a planted link: a symlink at STATE.tmp to
 * another file leaves that file alone, and the state is still saved. */
START_TEST(test_counter_tmp_symlink)
{
	char		 tmp[PATH_MAX + 8], victim[PATH_MAX];
	struct stat	 st;
	FILE		*f;

	ck_assert_int_eq(auth_init(state), 0);
	snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(victim, "w"));
	fputs("keep\n", f);
	fclose(f);
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(auth_init(state), 0);	/* reserves: writes */
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_int_eq(lstat(tmp, &st), -1);	/* renamed into place */
	ck_assert_int_eq(lstat(state, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_gt(read_state(), 0);
	unlink(victim);
}
END_TEST

START_TEST(test_counter_clock_back)
{
	uint64_t	 c1, c2;

	ck_assert_int_eq(auth_init(state), 0);
	c1 = auth_next_counter();
	fake_offset_us = -86400LL * 1000000;	/* clock stepped back a day */
	c2 = auth_next_counter();
	ck_assert_uint_eq(c2, c1 + 1);
	fake_offset_us = 0;
	ck_assert_uint_gt(auth_next_counter(), c2);
}
END_TEST

/* Restart (auth_init again on the same file) with the clock stepped
 * back: the counter continues above everything sent before. */
START_TEST(test_counter_restart)
{
	uint64_t	 last = 0;
	int		 i;

	ck_assert_int_eq(auth_init(state), 0);
	for (i = 0; i < 100; i++)
		last = auth_next_counter();
	ck_assert_uint_gt(read_state(), last);	/* reservation ahead */

	fake_offset_us = -3600LL * 1000000;
	ck_assert_int_eq(auth_init(state), 0);
	ck_assert_uint_gt(auth_next_counter(), last);

	/* a clean exit persists the exact value; still monotonic */
	last = auth_next_counter();
	auth_persist();
	ck_assert_uint_eq(read_state(), last);
	ck_assert_int_eq(auth_init(state), 0);
	ck_assert_uint_gt(auth_next_counter(), last);
}
END_TEST

START_TEST(test_counter_future_file)
{
	uint64_t	 future = real_now_us() + 10ULL * 365 * 86400 * 1000000;
	char		 buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", future);
	write_state(buf);
	ck_assert_int_eq(auth_init(state), 0);
	ck_assert_uint_gt(auth_next_counter(), future);
	ck_assert_uint_gt(read_state(), future);
}
END_TEST

/* At the very end of the range the counter stops instead of wrapping. */
START_TEST(test_counter_exhausted)
{
	uint64_t	 c, prev;
	char		 buf[32];
	int		 i;

	snprintf(buf, sizeof(buf), "%" PRIu64, UINT64_MAX - 3);
	write_state(buf);
	ck_assert_int_eq(auth_init(state), 0);
	prev = auth_next_counter();
	ck_assert_uint_gt(prev, UINT64_MAX - 3);
	for (i = 0; i < 10; i++) {
		c = auth_next_counter();
		ck_assert_uint_ge(c, prev);
		prev = c;
	}
	ck_assert_uint_eq(prev, UINT64_MAX);
}
END_TEST

/* The reservation is written when the counter passes it, not per
 * advert. */
START_TEST(test_counter_reservation)
{
	uint64_t	 r, c = 0;
	struct stat	 st1, st2;
	int		 i;

	ck_assert_int_eq(auth_init(state), 0);
	r = read_state();
	ck_assert_int_eq(stat(state, &st1), 0);
	for (i = 0; i < 1000; i++)
		c = auth_next_counter();
	ck_assert_uint_lt(c, r);
	ck_assert_int_eq(stat(state, &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);	/* not replaced */
	ck_assert_uint_eq(read_state(), r);

	fake_offset_us = 200LL * 1000000;	/* past the reservation */
	c = auth_next_counter();
	ck_assert_uint_gt(c, r);
	ck_assert_uint_gt(read_state(), c);
}
END_TEST

/* ---- bad state files ---- */

static void
check_garbage(const char *text)
{
	uint64_t	 before = real_now_us(), c;

	write_state(text);
	ck_assert_int_eq(auth_init(state), 0);
	c = auth_next_counter();
	ck_assert_uint_ge(c, before);
	ck_assert_uint_lt(c, real_now_us() + 10000000);
	ck_assert_uint_gt(read_state(), c);	/* replaced by a good one */
}

START_TEST(test_state_garbage)
{
	check_garbage("hello\n");
	check_garbage("");
	check_garbage("-5\n");
	check_garbage("123abc\n");
	check_garbage("99999999999999999999999999\n");
	check_garbage("\n\n");
}
END_TEST

START_TEST(test_state_missing)
{
	uint64_t	 before = real_now_us();

	ck_assert_int_eq(access(state, F_OK), -1);
	ck_assert_int_eq(auth_init(state), 0);
	ck_assert_uint_ge(auth_next_counter(), before);
	ck_assert_int_eq(access(state, F_OK), 0);
}
END_TEST

/* Cannot be written: auth_init says so, the counter still works. */
START_TEST(test_state_unwritable)
{
	char		 path[PATH_MAX];
	uint64_t	 c1, c2;
	FILE		*f;

	snprintf(path, sizeof(path), "%s/file", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/sub/carpd.state", tmpdir);
	ck_assert_int_eq(auth_init(path), -1);
	c1 = auth_next_counter();
	c2 = auth_next_counter();
	ck_assert_uint_gt(c2, c1);
	auth_persist();

	/* a directory where the file should be */
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(auth_init(path), -1);
	ck_assert_uint_gt(auth_next_counter(), c2);
}
END_TEST

START_TEST(test_state_none)
{
	uint64_t	 c;

	ck_assert_int_eq(auth_init(NULL), 0);
	c = auth_next_counter();
	ck_assert_uint_gt(auth_next_counter(), c);
	auth_persist();
	ck_assert_int_eq(auth_init(""), 0);
	ck_assert_uint_gt(auth_next_counter(), c);
}
END_TEST

/* ---- replay table ---- */

static struct sockaddr_in
sin4(const char *s, int port)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, s, &sin.sin_addr), 1);
	return (sin);
}

static struct sockaddr_in6
sin6(const char *s, int scope)
{
	struct sockaddr_in6	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin6_family = AF_INET6;
	sin.sin6_scope_id = scope;
	ck_assert_int_eq(inet_pton(AF_INET6, s, &sin.sin6_addr), 1);
	return (sin);
}

#define SA(x)	((struct sockaddr *)&(x))


static void
setup_now(void)
{
	T = real_now_us();
	fake_offset_us = 0;
}

static struct carp_if *
mkcif(const char *name)
{
	struct carp_if	*cif = calloc(1, sizeof(*cif));

	ck_assert_ptr_nonnull(cif);
	strcpy(cif->conf.name, name);
	return (cif);
}

START_TEST(test_replay_basic)
{
	struct carp_if		*cif = mkcif("basic");
	struct sockaddr_in	 a = sin4("192.0.2.1", 0);

	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 1000), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 1000), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 999), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), 0), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 1001), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 1001), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), UINT64_MAX), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), UINT64_MAX), 0);
	free(cif);
}
END_TEST

START_TEST(test_replay_sources)
{
	struct carp_if		*cif = mkcif("src1");
	struct carp_if		*other = mkcif("src2");
	struct sockaddr_in	 a = sin4("192.0.2.1", 0);
	struct sockaddr_in	 b = sin4("192.0.2.2", 0);
	struct sockaddr_in	 a_port = sin4("192.0.2.1", 112);
	struct sockaddr_in6	 l1 = sin6("fe80::1", 2);
	struct sockaddr_in6	 l1_scope = sin6("fe80::1", 3);
	struct sockaddr_in6	 m4 = sin6("::ffff:192.0.2.1", 0);

	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 500), 1);
	/* each source has its own high-water mark */
	ck_assert_int_eq(auth_replay_check(cif, SA(b), T + 100), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(b), T + 100), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), T + 400), 0);
	/* family and address only */
	ck_assert_int_eq(auth_replay_check(cif, SA(a_port), T + 500), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(m4), T + 500), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(l1), T + 7), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(l1_scope), T + 7), 0);
	/* and each carp its own table */
	ck_assert_int_eq(auth_replay_check(other, SA(a), T + 500), 1);
	free(cif);
	free(other);
}
END_TEST

START_TEST(test_replay_full)
{
	struct carp_if		*cif = mkcif("full");
	struct sockaddr_in	 s[CARP_REPLAY_SLOTS + 1];
	char			 ip[32];
	int			 i;

	for (i = 0; i <= CARP_REPLAY_SLOTS; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 10);
		s[i] = sin4(ip, 0);
	}
	/* source 3 is the one heard from longest ago */
	for (i = 0; i < CARP_REPLAY_SLOTS; i++)
		ck_assert_int_eq(auth_replay_check(cif, SA(s[i]),
		    T + (i == 3 ? 5 : 1000 + i)), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(s[CARP_REPLAY_SLOTS]),
	    T + 2000), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(s[CARP_REPLAY_SLOTS]),
	    T + 2000), 0);
	/* the others are still remembered */
	for (i = 0; i < CARP_REPLAY_SLOTS; i++)
		if (i != 3)
			ck_assert_int_eq(auth_replay_check(cif, SA(s[i]),
			    T + 1000 + i), 0);
	/* source 3 left the carp's table, but the process-wide one still
	 * knows its last counter */
	ck_assert_int_eq(auth_replay_check(cif, SA(s[3]), T + 5), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(s[3]), T + 6), 1);
	free(cif);
}
END_TEST

START_TEST(test_replay_odd)
{
	struct carp_if		*cif = mkcif("odd");
	struct sockaddr_in	 a = sin4("192.0.2.1", 0);
	struct sockaddr		 un;

	memset(&un, 0, sizeof(un));
	un.sa_family = AF_UNIX;
	ck_assert_int_eq(auth_replay_check(cif, &un, T), 0);
	un.sa_family = AF_UNSPEC;
	ck_assert_int_eq(auth_replay_check(cif, &un, T), 0);
	ck_assert_int_eq(auth_replay_check(cif, NULL, T), 0);
	ck_assert_int_eq(auth_replay_check(NULL, SA(a), T), 0);
	/* counter 0 (and anything that old) is stale, even from a new
	 * source */
	ck_assert_int_eq(auth_replay_check(cif, SA(a), 0), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a), 1), 0);
	free(cif);
}
END_TEST

/* Hardening bug 4: the freshness window. An advert older than 30 s by
 * our clock is refused even from a source never seen (a node that lost
 * its table); one from a clock ahead of ours is fine. */
START_TEST(test_replay_window)
{
	struct carp_if		*cif = mkcif("window");
	struct sockaddr_in	 a = sin4("192.0.2.1", 0);
	struct sockaddr_in	 b = sin4("192.0.2.2", 0);

	ck_assert_int_eq(auth_replay_check(cif, SA(a),
	    T - 31ULL * 1000000), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a),
	    T - 25ULL * 1000000), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(b),
	    T + 3600ULL * 1000000), 1);
	/* our clock moves on: the same age is now too old */
	fake_offset_us = 10LL * 1000000;
	ck_assert_int_eq(auth_replay_check(cif, SA(a),
	    T - 24ULL * 1000000), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(a),
	    T - 19ULL * 1000000), 1);
	free(cif);
}
END_TEST

/* Our own address never is a peer's: an advert signed from it is one of
 * ours sent back (a BACKUP that was MASTER before would else take its
 * own old adverts for a live master). */
static int
own_source(struct carp_if *cif, int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	(void)cif;
	memset(ss, 0, sizeof(*ss));
	if (af != AF_INET)
		return (-1);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(9);
	inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
	return (0);
}

START_TEST(test_replay_own)
{
	struct carp_ops		 ops = { .source = own_source };
	struct carpd		 env = { .ops = &ops };
	struct carp_if		*cif = mkcif("own");
	struct sockaddr_in	 me = sin4("192.0.2.7", 0);
	struct sockaddr_in	 peer = sin4("192.0.2.8", 0);
	struct sockaddr_in6	 l1 = sin6("fe80::7", 2);

	cif->env = &env;
	ck_assert_int_eq(auth_replay_check(cif, SA(me), T + 1), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(me), T + 2), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(peer), T + 1), 1);
	/* no source of that family: nothing is ours */
	ck_assert_int_eq(auth_replay_check(cif, SA(l1), T + 1), 1);
	free(cif);
}
END_TEST

/* Hardening bug 4: a restart keeps what was accepted. The table goes to
 * the state file at exit and is read back; the captured adverts are
 * replays after the restart too, newer ones are accepted. */
START_TEST(test_replay_restart)
{
	struct carp_if		*cif = mkcif("lan-1");
	struct sockaddr_in	 m = sin4("192.0.2.1", 0);
	struct sockaddr_in6	 l = sin6("fe80::1", 2);
	uint64_t		 cap[8];
	int			 i;

	ck_assert_int_eq(auth_init(state), 0);
	for (i = 0; i < 8; i++) {
		cap[i] = T + (uint64_t)i * 1000000;
		ck_assert_int_eq(auth_replay_check(cif, SA(m), cap[i]), 1);
	}
	ck_assert_int_eq(auth_replay_check(cif, SA(l), T), 1);
	auth_persist();
	free(cif);

	/* a new process: empty carp, table from the file */
	cif = mkcif("lan-1");
	ck_assert_int_eq(auth_init(state), 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(auth_replay_check(cif, SA(m), cap[i]), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(l), T), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(m), cap[7] + 1), 1);
	free(cif);

	/* another carp's table is its own */
	cif = mkcif("wan");
	ck_assert_int_eq(auth_replay_check(cif, SA(m), cap[0]), 1);
	free(cif);
}
END_TEST

/* The file written is the counter line then one line per source; an old
 * carpd reads the first line only. Bad table lines are skipped. */
START_TEST(test_replay_file)
{
	struct carp_if		*cif;
	struct sockaddr_in	 m = sin4("192.0.2.1", 0);
	struct sockaddr_in	 n = sin4("192.0.2.2", 0);
	char			 buf[512];
	uint64_t		 now = real_now_us();

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n"
	    "replay lan 192.0.2.1 %" PRIu64 "\n"
	    "replay lan 192.0.2.2 -5\n"
	    "replay lan 192.0.2.4 99999999999999999999999\n"
	    "replay lan not-an-address 5\n"
	    "garbage\n"
	    "replay lan 192.0.2.3 %" PRIu64 " trailing\n",
	    now, now + 5000000, now + 5000000);
	write_state(buf);
	ck_assert_int_eq(auth_init(state), 0);
	ck_assert_uint_ge(auth_next_counter(), now);
	cif = mkcif("lan");
	ck_assert_int_eq(auth_replay_check(cif, SA(m), now + 4000000), 0);
	ck_assert_int_eq(auth_replay_check(cif, SA(m), now + 6000000), 1);
	ck_assert_int_eq(auth_replay_check(cif, SA(n), now), 1);
	auth_persist();
	free(cif);
	ck_assert_uint_gt(read_state(), now);
	ck_assert_ptr_nonnull(f_grep("replay lan 192.0.2.1 "));
	ck_assert_ptr_nonnull(f_grep("replay lan 192.0.2.2 "));
}
END_TEST

/* log_ratelimit (common/log.c), which the stale-advert line uses: the
 * first event at once, then one count per interval. */
START_TEST(test_log_ratelimit)
{
	struct log_rate	 rl;
	int		 i;

	memset(&rl, 0, sizeof(rl));
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 1);
	for (i = 0; i < 999; i++)
		ck_assert_uint_eq(log_ratelimit(&rl, 10), 0);
	fake_mono_ms += 5000;
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 0);
	fake_mono_ms += 5000;
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 1001);
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 0);
	fake_mono_ms += 60000;
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 2);
	/* held back, then said by the flush once the interval is over */
	ck_assert_uint_eq(log_ratelimit_flush(&rl, 10), 0);
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 0);
	ck_assert_uint_eq(log_ratelimit(&rl, 10), 0);
	fake_mono_ms += 9000;
	ck_assert_uint_eq(log_ratelimit_flush(&rl, 10), 0);
	ck_assert_uint_eq(rl.count, 2);
	fake_mono_ms += 1000;
	ck_assert_uint_eq(log_ratelimit_flush(&rl, 10), 2);
	ck_assert_uint_eq(rl.count, 0);
	ck_assert_uint_eq(log_ratelimit_flush(&rl, 10), 0);
	fake_mono_ms = 0;
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc;

	tc = tcase_create("counter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_counter_fresh);
	tcase_add_test(tc, test_counter_tmp_symlink);
	tcase_add_test(tc, test_counter_clock_back);
	tcase_add_test(tc, test_counter_restart);
	tcase_add_test(tc, test_counter_future_file);
	tcase_add_test(tc, test_counter_exhausted);
	tcase_add_test(tc, test_counter_reservation);
	tcase_add_test(tc, test_state_garbage);
	tcase_add_test(tc, test_state_missing);
	tcase_add_test(tc, test_state_unwritable);
	tcase_add_test(tc, test_state_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_checked_fixture(tc, setup_now, NULL);
	tcase_add_test(tc, test_replay_basic);
	tcase_add_test(tc, test_replay_sources);
	tcase_add_test(tc, test_replay_full);
	tcase_add_test(tc, test_replay_odd);
	tcase_add_test(tc, test_replay_window);
	tcase_add_test(tc, test_replay_own);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay-persist");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replay_restart);
	tcase_add_test(tc, test_replay_file);
	tcase_add_test(tc, test_log_ratelimit);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (unit_run(auth_suite()));
}
