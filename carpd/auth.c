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
 * counter begins at max(now, reservation). The reservation is rewritten
 * only when the counter passes it, so the advert path writes a file about
 * once per AUTH_RESERVE_US, not once per advert. */
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

#include "carpd.h"
#include "log.h"

#define AUTH_RESERVE_US	(100ULL * 1000000)	/* persisted this far ahead */
#define AUTH_RETRY_US	(1ULL * 1000000)	/* after a failed write */

static uint64_t	 auth_counter;		/* last value handed out */
static uint64_t	 auth_write_at;		/* rewrite once counter passes it */
static int	 auth_write_failed;	/* log a failing write only once */
static int	 auth_exhausted;	/* reached UINT64_MAX, logged */
static char	 auth_path[PATH_MAX];	/* "" : no persistence */

static uint64_t
auth_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

static uint64_t
auth_now_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 || ts.tv_sec < 0)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
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
	char		 buf[64], *end;
	uint64_t	 v;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("auth: %s", path);
		return (0);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		log_warn("auth: read %s", path);
		return (0);
	}
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || buf[0] == '-' ||
	    (*end != '\0' && *end != '\n')) {
		log_warnx("auth: %s: not a counter, ignored", path);
		return (0);
	}
	return (v);
}

/* Write temp file, fsync, rename over the old one, fsync the directory:
 * a crash leaves either the old value or the new one, never a torn one. */
static int
auth_write(const char *path, uint64_t v)
{
	char	 tmp[PATH_MAX + 8], dir[PATH_MAX], *p;
	char	 buf[32];
	int	 fd, len, rv = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return (-1);
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
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
	return (0);
}

/* Persist a reservation ahead of the counter; on failure keep going (the
 * counter is still right while we run) and retry a little later. */
static void
auth_reserve(void)
{
	uint64_t	 r = auth_add(auth_counter, AUTH_RESERVE_US);

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
	uint64_t	 saved = 0, now = auth_now_us();

	auth_path[0] = '\0';
	auth_write_failed = 0;
	auth_exhausted = 0;
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
	uint64_t	 now = auth_now_us();

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

/* Accept only a counter greater than the last one accepted from this
 * source; a source not seen before is accepted. */
int
auth_replay_check(struct carp_if *cif, const struct sockaddr *src,
    uint64_t counter)
{
	struct sockaddr_storage	 key;
	struct carp_replay	*r;
	int			 i;

	if (cif == NULL || src == NULL || auth_src_key(src, &key) == -1)
		return (0);
	for (i = 0; i < CARP_REPLAY_SLOTS; i++) {
		r = &cif->replay[i];
		if (memcmp(&r->src, &key, sizeof(key)) != 0)
			continue;
		if (counter <= r->counter)
			return (0);
		r->counter = counter;
		return (1);
	}
	r = auth_replay_slot(cif);
	r->src = key;
	r->counter = counter;
	return (1);
}
