/* One logging API for every program: stderr in the foreground (-d),
 * syslog otherwise. errno is preserved across every call. */
#ifndef CARP_LOG_H
#define CARP_LOG_H

#include <stdarg.h>
#include <stdint.h>

/* One rate-limited kind of event (log_ratelimit); zero it to start. */
struct log_rate {
	uint64_t	 last_ms;	/* clock_ms of the last line */
	uint64_t	 count;		/* events since that line */
	int		 started;
};

void	log_init(const char *ident, int foreground, int verbose);
void	log_setverbose(int verbose);
/* syslog facilities (carp.conf's log-facility): the LOG_* value of a
 * name, -1 if unknown; the name of a value, NULL if unknown. The
 * facility set (LOG_DAEMON until then) applies to the next line. */
int	log_facility_byname(const char *);
const char *log_facility_name(int);
void	log_setfacility(int);
int	log_getfacility(void);
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Count one event; the number to report if a line is due now (the
 * first event, then the first after each interval_s), else 0. A flood
 * then costs one summary line per interval, not one per event:
 *	if ((n = log_ratelimit(&rl, 10)) > 0)
 *		log_warnx("dropped %llu adverts: ...", n);
 * Events held back are reported with the next line: by the next event
 * after the interval, or by log_ratelimit_flush from a timer. */
uint64_t log_ratelimit(struct log_rate *, unsigned interval_s);
/* The events held back, if the interval has passed (then they count as
 * reported), else 0; rl->count says whether any wait. */
uint64_t log_ratelimit_flush(struct log_rate *, unsigned interval_s);
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

#endif
