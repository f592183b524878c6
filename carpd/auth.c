/* auth strict: our advert counter and the per-source replay table.
 *
 * The counter is a timestamp, microseconds since the epoch, that never
 * goes backwards: each advert carries max(last + 1, now). A receiver
 * drops an advert whose counter is not greater than the last one it
 * accepted from that source, so a captured advert cannot be replayed to
 * keep a dead master alive or to force a demotion.
 *
 * It must not go backwards across a restart either, even if the clock
 * was stepped back meanwhile. The state file therefore holds a
 * reservation, a value ahead of every counter handed out; on start the
 * counter begins at max(now, reservation). The reservation is renewed
 * by auth_tick, once a second from the event loop, when half of it is
 * left; the advert path writes only if the counter passes it all the
 * same (the loop stalled for AUTH_RESERVE_US / 2).
 *
 * A receiver that restarts must not forget what it accepted, or every
 * advert captured before the restart is new to it again (hardening bug
 * 4). Two rules, each covering what the other cannot:
 *  - the replay table goes into the state file too (at exit, and at
 *    most every AUTH_SAVE_US while it changes, from auth_tick), and is
 *    read back at
 *    start: a capture older than what we last accepted stays a replay;
 *  - a counter older than our clock minus AUTH_WINDOW_US is stale, so
 *    a node without the table (first start, lost file, crash before a
 *    save) accepts only adverts sent in the last AUTH_WINDOW_US. This
 *    needs the nodes' clocks within that of each other (NTP).
 * An advert from one of our own addresses is never a peer's: it is our
 * own, captured earlier and sent back. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "carpd.h"
#include "compat.h"
#include "clock.h"
#include "log.h"

#define AUTH_RESERVE_US	(100ULL * 1000000)	/* persisted this far ahead */
#define AUTH_RETRY_US	(1ULL * 1000000)	/* after a failed write */
#define AUTH_WINDOW_US	(30ULL * 1000000)	/* older counters are stale */
#define AUTH_SAVE_US	(30ULL * 1000000)	/* table saved at most this often */
#define AUTH_SEEN_MAX	64			/* sources persisted, all carps */
#define AUTH_FILEMAX	(AUTH_SEEN_MAX * 128 + 64)
#define AUTH_LOG_S	60			/* s between stale-clock lines */

/* The last counter accepted from a source by a carp, kept here apart
 * from the carp's own table: it outlives the carp (written at exit after
 * the carps are gone) and a restart (read back from the state file). */
struct auth_seen {
	char			 name[CONF_NAMELEN];	/* the carp's */
	struct sockaddr_storage	 src;
	uint64_t		 counter;
};

static uint64_t	 auth_counter;		/* last value handed out */
static uint64_t	 auth_write_at;		/* rewrite once counter passes it */
static int	 auth_write_failed;	/* log a failing write only once */
static int	 auth_exhausted;	/* reached UINT64_MAX, logged */
static char	 auth_path[PATH_MAX];	/* "" : no persistence */
static uint64_t	 auth_reserved;		/* first line of the file */
static struct auth_seen auth_seen[AUTH_SEEN_MAX];
static int	 auth_nseen;
static int	 auth_dirty;		/* table changed since the save */
static uint64_t	 auth_saved_at;		/* wall clock of the last save */
static struct log_rate auth_stale_log;

static int	 auth_seen_parse(const char *);
static size_t	 auth_seen_print(char *, size_t);

static uint64_t
auth_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

/* mkdir -p for the directory holding the state file; only directories we
 * create get mode 0700, existing ones are left as they are. */
static int
auth_mkdirs(const char *file)
{
	char	 dir[PATH_MAX], *p;

	if (strlen(file) >= sizeof(dir))
		return (-1);
	strcpy(dir, file);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return (0);
	*p = '\0';
	/* each ancestor in turn, then the directory itself */
	for (p = strchr(dir + 1, '/'); ; p = strchr(p + 1, '/')) {
		if (p != NULL)
			*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			log_warn("auth: mkdir %s", dir);
			return (-1);
		}
		if (p == NULL)
			return (0);
		*p = '/';
	}
}

/* The persisted value, 0 if there is none or it cannot be read (then the
 * clock alone decides, and the file is rewritten). */
static uint64_t
auth_read(const char *path)
{
	char		 buf[AUTH_FILEMAX], *end;
	uint64_t	 v;
	ssize_t		 n = 0;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno != ENOENT)
			log_warn("auth: %s", path);
		return (0);
	}
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0) {
		log_warn("auth: read %s", path);
		return (0);
	}
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || buf[0] == '-' ||
	    (*end != '\0' && *end != '\n')) {
		log_warnx("auth: %s: not a counter, ignored", path);
		return (0);
	}
	if (*end == '\n' && auth_seen_parse(end + 1) == -1)
		log_warnx("auth: %s: bad replay table lines ignored", path);
	return (v);
}

/* Write temp file, fsync, rename over the old one, fsync the directory:
 * a crash leaves either the old value or the new one, never a torn one. */
static int
auth_write(const char *path, uint64_t v)
{
	char	 tmp[PATH_MAX + 8], dir[PATH_MAX], *p;
	char	 buf[AUTH_FILEMAX];
	int	 fd, len, rv = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return (-1);
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
	len += auth_seen_print(buf + len, sizeof(buf) - len);
	/* A fresh file of our own: whatever is at the temp path (a crash's
	 * leftover, or a link planted to make us write elsewhere) goes, and
	 * the open neither follows a link nor reuses a file. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return (-1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return (-1);
	if (write(fd, buf, len) == len && fsync(fd) == 0)
		rv = 0;
	if (close(fd) == -1)
		rv = -1;
	if (rv == 0 && rename(tmp, path) == -1)
		rv = -1;
	if (rv == -1) {
		unlink(tmp);
		return (-1);
	}
	strcpy(dir, path);
	if ((p = strrchr(dir, '/')) != NULL) {
		p[p == dir ? 1 : 0] = '\0';
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
			fsync(fd);
			close(fd);
		}
	}
	auth_reserved = v;
	auth_dirty = 0;
	auth_saved_at = clock_wall_us();
	return (0);
}

/* Persist a reservation ahead of the counter; on failure keep going (the
 * counter is still right while we run) and retry a little later. */
static void
auth_reserve(void)
{
	uint64_t	 now = clock_wall_us();
	uint64_t	 r = auth_add(now > auth_counter ? now : auth_counter,
			    AUTH_RESERVE_US);

	if (auth_path[0] == '\0') {
		auth_write_at = r;
		return;
	}
	if (auth_write(auth_path, r) == -1) {
		if (!auth_write_failed)
			log_warn("auth: cannot write %s", auth_path);
		auth_write_failed = 1;
		auth_write_at = auth_add(auth_counter, AUTH_RETRY_US);
		return;
	}
	if (auth_write_failed)
		log_info("auth: %s written again", auth_path);
	auth_write_failed = 0;
	auth_write_at = r;
}

/* Start at max(now, the persisted reservation). state_file may be NULL
 * or "" for a counter kept in memory only. -1 if the state file cannot be
 * written (the counter works anyway, without the restart guarantee). */
int
auth_init(const char *state_file)
{
	uint64_t	 saved = 0, now = clock_wall_us();

	auth_path[0] = '\0';
	auth_write_failed = 0;
	auth_exhausted = 0;
	auth_nseen = 0;
	auth_dirty = 0;
	if (state_file != NULL && state_file[0] != '\0') {
		if (strlen(state_file) >= sizeof(auth_path)) {
			log_warnx("auth: state file name too long");
			return (-1);
		}
		strcpy(auth_path, state_file);
		if (auth_mkdirs(auth_path) == 0)
			saved = auth_read(auth_path);
	}
	auth_counter = saved > now ? saved : now;
	/* a normal restart resumes less than a reservation ahead */
	if (saved > now && saved - now > AUTH_RESERVE_US)
		log_info("auth: clock is %" PRIu64 " s behind the counter",
		    (saved - now) / 1000000);
	auth_reserve();
	return (auth_write_failed ? -1 : 0);
}

uint64_t
auth_next_counter(void)
{
	uint64_t	 now = clock_wall_us();

	if (auth_counter == UINT64_MAX) {
		if (!auth_exhausted)
			log_warnx("auth: counter exhausted, peers will "
			    "refuse our adverts");
		auth_exhausted = 1;
	} else
		auth_counter = now > auth_counter ? now : auth_counter + 1;
	if (auth_counter > auth_write_at)
		auth_reserve();
	return (auth_counter);
}

/* At exit: nothing above the current value was handed out, so it is a
 * valid starting point for the next run. */
void
auth_persist(void)
{
	if (auth_path[0] == '\0')
		return;
	if (auth_write(auth_path, auth_counter) == -1)
		log_warn("auth: cannot write %s", auth_path);
}

/* Sources are told apart by family and address only: ports and scope
 * ids mean nothing for raw CARP packets. */
static int
auth_src_key(const struct sockaddr *sa, struct sockaddr_storage *key)
{
	memset(key, 0, sizeof(*key));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in	*k = (struct sockaddr_in *)key;

		k->sin_family = AF_INET;
		k->sin_addr = ((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6	*k = (struct sockaddr_in6 *)key;

		k->sin6_family = AF_INET6;
		k->sin6_addr = ((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr;
	} else
		return (-1);
	return (0);
}

/* ---- the persisted table: "replay CARP ADDRESS COUNTER" lines ---- */

static struct auth_seen *
auth_seen_find(const char *name, const struct sockaddr_storage *key)
{
	int	 i;

	for (i = 0; i < auth_nseen; i++)
		if (strcmp(auth_seen[i].name, name) == 0 &&
		    memcmp(&auth_seen[i].src, key, sizeof(*key)) == 0)
			return (&auth_seen[i]);
	return (NULL);
}

/* Record a counter; when full, the entry heard from longest ago (lowest
 * counter: they are timestamps) goes. */
static void
auth_seen_set(const char *name, const struct sockaddr_storage *key,
    uint64_t counter)
{
	struct auth_seen	*e;
	int			 i;

	if ((e = auth_seen_find(name, key)) != NULL) {
		if (counter > e->counter) {
			e->counter = counter;
			auth_dirty = 1;
		}
		return;
	}
	if (auth_nseen < AUTH_SEEN_MAX)
		e = &auth_seen[auth_nseen++];
	else
		for (e = &auth_seen[0], i = 1; i < auth_nseen; i++)
			if (auth_seen[i].counter < e->counter)
				e = &auth_seen[i];
	strlcpy(e->name, name, sizeof(e->name));
	e->src = *key;
	e->counter = counter;
	auth_dirty = 1;
}

/* One table line; -1 if it is not one (the line is skipped). */
static int
auth_seen_line(const char *line)
{
	char			 name[CONF_NAMELEN], addr[INET6_ADDRSTRLEN];
	char			 num[24], *end, extra;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	uint64_t		 counter;

	memset(&ss, 0, sizeof(ss));
	if (sscanf(line, "replay %31s %45s %23s %c", name, addr, num,
	    &extra) != 3 || num[strspn(num, "0123456789")] != '\0')
		return (-1);
	errno = 0;
	counter = strtoull(num, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		return (-1);
	auth_seen_set(name, &ss, counter);
	return (0);
}

/* The lines after the first of the state file; -1 if any was bad. */
static int
auth_seen_parse(const char *text)
{
	char		 line[256];
	size_t		 len;
	int		 rv = 0;

	while (*text != '\0') {
		len = strcspn(text, "\n");
		if (len >= sizeof(line))
			rv = -1;
		else if (len > 0) {
			memcpy(line, text, len);
			line[len] = '\0';
			if (auth_seen_line(line) == -1)
				rv = -1;
		}
		text += len;
		if (*text == '\n')
			text++;
	}
	auth_dirty = 0;
	return (rv);
}

static size_t
auth_seen_print(char *buf, size_t size)
{
	char	 addr[INET6_ADDRSTRLEN + 8];
	size_t	 len = 0;
	int	 i, n;

	for (i = 0; i < auth_nseen; i++) {
		n = snprintf(buf + len, size - len, "replay %s %s %" PRIu64
		    "\n", auth_seen[i].name, conf_sa_print(&auth_seen[i].src,
		    addr, sizeof(addr)), auth_seen[i].counter);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += n;
	}
	return (len);
}

/* The receive side saves a changed table now and then, so that a crash
 * loses at most AUTH_SAVE_US of it; the first line stays a valid
 * starting point for our own counter. */
static void
auth_seen_save(uint64_t now)
{
	uint64_t	 first;

	if (auth_path[0] == '\0' || !auth_dirty ||
	    now < auth_saved_at + AUTH_SAVE_US)
		return;
	first = auth_reserved > auth_counter ? auth_reserved : auth_counter;
	if (auth_write(auth_path, first) == -1) {
		if (!auth_write_failed)
			log_warn("auth: cannot write %s", auth_path);
		auth_write_failed = 1;
		auth_saved_at = now;	/* retried later, not per advert */
	} else if (auth_write_failed) {
		log_info("auth: %s written again", auth_path);
		auth_write_failed = 0;
	}
}

/* ---- the check ---- */

/* Slot for a source not seen yet: a free one, else the one whose last
 * counter is lowest; strict counters are timestamps, so that is the
 * source heard from longest ago. Only adverts that passed the strict
 * digest get here, and it covers the source address, so a forger cannot
 * flood the table with made-up sources to evict a real one. */
static struct carp_replay *
auth_replay_slot(struct carp_if *cif)
{
	struct carp_replay	*r, *old = &cif->replay[0];
	int			 i;

	for (i = 0; i < CARP_REPLAY_SLOTS; i++) {
		r = &cif->replay[i];
		if (r->src.ss_family == AF_UNSPEC)
			return (r);
		if (r->counter < old->counter)
			old = r;
	}
	return (old);
}

/* The carp's entry for a source, NULL if it has none. */
static struct carp_replay *
auth_replay_find(struct carp_if *cif, const struct sockaddr_storage *key)
{
	int	 i;

	for (i = 0; i < CARP_REPLAY_SLOTS; i++)
		if (memcmp(&cif->replay[i].src, key, sizeof(*key)) == 0)
			return (&cif->replay[i]);
	return (NULL);
}

/* 1 if src is the address our adverts over its family leave from. */
static int
auth_is_own(struct carp_if *cif, const struct sockaddr_storage *key)
{
	struct sockaddr_storage	 ss, own;

	if (cif->env == NULL || cif->env->ops == NULL ||
	    cif->env->ops->source == NULL ||
	    cif->env->ops->source(cif, key->ss_family, &ss) == -1 ||
	    auth_src_key((struct sockaddr *)&ss, &own) == -1)
		return (0);
	return (memcmp(&own, key, sizeof(own)) == 0);
}

/* Stale: older than the window by our clock. Said now and then, with how
 * far behind, since a clock out of sync looks the same as a replay. */
static int
auth_is_stale(const struct sockaddr_storage *key, uint64_t counter,
    uint64_t now)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	uint64_t	 n;

	if (now < AUTH_WINDOW_US || counter >= now - AUTH_WINDOW_US)
		return (0);
	if ((n = log_ratelimit(&auth_stale_log, AUTH_LOG_S)) > 0)
		log_warnx("auth: %" PRIu64 " stale adverts (last from %s, "
		    "%" PRIu64 " s behind our clock: a replay, or clocks out "
		    "of sync)", n, conf_sa_print(key, buf, sizeof(buf)),
		    (now - counter) / 1000000);
	return (1);
}

/* Accept only a fresh counter (auth_is_stale) greater than the last one
 * accepted from this source, here or before a restart (the persisted
 * table), and never one from our own address. */
int
auth_replay_check(struct carp_if *cif, const struct sockaddr *src,
    uint64_t counter)
{
	struct sockaddr_storage	 key;
	struct carp_replay	*r;
	struct auth_seen	*e;
	uint64_t		 now = clock_wall_us(), last = 0;

	if (cif == NULL || src == NULL || auth_src_key(src, &key) == -1)
		return (0);
	if (auth_is_stale(&key, counter, now) || auth_is_own(cif, &key))
		return (0);
	if ((r = auth_replay_find(cif, &key)) != NULL)
		last = r->counter;
	else if ((e = auth_seen_find(cif->conf.name, &key)) != NULL)
		last = e->counter;
	if (counter <= last)
		return (0);
	if (r == NULL) {
		r = auth_replay_slot(cif);
		r->src = key;
	}
	r->counter = counter;
	auth_seen_set(cif->conf.name, &key, counter);
	return (1);
}

/* Once a second from the event loop (apply.c): the writes of strict
 * mode happen here, not on the advert path, where a write and its fsync
 * on a busy disk took longer than a master-down time at advbase 0 (a
 * false failover every AUTH_RESERVE_US, and every AUTH_SAVE_US while
 * the replay table changed). The reservation is renewed with half of
 * it left, the table saved as before. */
void
auth_tick(void)
{
	uint64_t	 now = clock_wall_us();

	if (auth_path[0] == '\0')
		return;
	if (auth_add(now > auth_counter ? now : auth_counter,
	    AUTH_RESERVE_US / 2) > auth_write_at)
		auth_reserve();
	auth_seen_save(now);
}
