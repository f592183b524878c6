/* Logging, after bgpd's log.c: warn variants append strerror(errno),
 * x variants do not; fatal* are for broken invariants only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/time.h>

#include "clock.h"
#include "log.h"

static int	 log_fg = 1;
static int	 log_journal;	/* stderr is systemd's journal */
static int	 log_verbose;
static int	 log_facility = LOG_DAEMON;
static const char *log_ident = "carp";

/* The facilities a program may log as, by their syslog.conf(5) names
 * (ucarp's --facility takes the same); kern is left out: syslog(3)
 * replaces facility 0 with the default, so it could not be honoured. */
static const struct {
	const char	*name;
	int		 facility;
} log_facilities[] = {
	{ "auth",	LOG_AUTH },	{ "authpriv",	LOG_AUTHPRIV },
	{ "cron",	LOG_CRON },	{ "daemon",	LOG_DAEMON },
	{ "ftp",	LOG_FTP },	{ "lpr",	LOG_LPR },
	{ "mail",	LOG_MAIL },	{ "news",	LOG_NEWS },
	{ "syslog",	LOG_SYSLOG },	{ "user",	LOG_USER },
	{ "uucp",	LOG_UUCP },
	{ "local0",	LOG_LOCAL0 },	{ "local1",	LOG_LOCAL1 },
	{ "local2",	LOG_LOCAL2 },	{ "local3",	LOG_LOCAL3 },
	{ "local4",	LOG_LOCAL4 },	{ "local5",	LOG_LOCAL5 },
	{ "local6",	LOG_LOCAL6 },	{ "local7",	LOG_LOCAL7 },
};
#define LOG_NFAC	(sizeof(log_facilities) / sizeof(log_facilities[0]))

static void	 log_vmsg(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(const char *ident, int foreground, int verbose)
{
	log_ident = ident;
	log_fg = foreground;
	log_verbose = verbose;
	/* under systemd, -d output goes to the journal: give it the
	 * priority of each line (sd-daemon "<N>" prefixes) */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, log_facility);
	tzset();
}

int
log_facility_byname(const char *name)
{
	size_t	 i;

	for (i = 0; i < LOG_NFAC; i++)
		if (strcmp(log_facilities[i].name, name) == 0)
			return (log_facilities[i].facility);
	return (-1);
}

const char *
log_facility_name(int facility)
{
	size_t	 i;

	for (i = 0; i < LOG_NFAC; i++)
		if (log_facilities[i].facility == facility)
			return (log_facilities[i].name);
	return (NULL);
}

/* Each line carries its facility (syslog(3) takes it in the priority):
 * set before log_init or after, it holds for every later line. */
void
log_setfacility(int facility)
{
	if (log_facility_name(facility) != NULL)
		log_facility = facility;
}

int
log_getfacility(void)
{
	return (log_facility);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

static void
log_emit(int pri, const char *msg)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 ts[16];

	if (!log_fg) {
		syslog(log_facility | pri, "%s", msg);
		return;
	}
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", pri, msg);
		fflush(stderr);
		return;
	}
	/* Milliseconds: failover timelines are read from these lines. */
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", ts, (long)tv.tv_usec / 1000,
	    log_ident, msg);
	fflush(stderr);
}

static void
log_vmsg(int pri, int with_errno, const char *fmt, va_list ap)
{
	char	 buf[1024];
	size_t	 len;
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno) {
		len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, ": %s",
		    strerror(saved));
	}
	log_emit(pri, buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

uint64_t
log_ratelimit_flush(struct log_rate *rl, unsigned interval_s)
{
	uint64_t	 now = clock_ms(), n;

	if (rl->count == 0 || (rl->started &&
	    now - rl->last_ms < (uint64_t)interval_s * 1000))
		return (0);
	n = rl->count;
	rl->count = 0;
	rl->last_ms = now;
	rl->started = 1;
	return (n);
}

uint64_t
log_ratelimit(struct log_rate *rl, unsigned interval_s)
{
	rl->count++;
	return (log_ratelimit_flush(rl, interval_s));
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
