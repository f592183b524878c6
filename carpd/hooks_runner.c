/* The script runner (see hooks.h): forked by carpd before it drops its
 * privileges, it runs the up/down scripts carpd asks for. A poll() loop
 * of its own, not libevent: carpd's event base must not be shared
 * across fork. A script's slot is freed when the script is reaped, not
 * when its output closes, so a background child it left holding the
 * pipe holds nothing here (hardening bug 5). */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"
#include "hooks.h"
#include "log.h"
#include "priv.h"

#define RUNNER_LINE	512
#define RUNNER_LINES	32	/* logged per script, then only counted */
#define RUNNER_STRMAX	24	/* strings in a request */
#define RUNNER_ENVMAX	8	/* CARP_* variables taken from a request */

struct runner_job {
	uint32_t	 id;		/* 0: a free slot */
	pid_t		 pid;		/* its session and group; -1 reaped */
	int		 fd;		/* its stdout+stderr; -1 closed */
	int		 killed;	/* at the timeout */
	int		 unsent;	/* reply waits for room on the socket */
	int		 check;		/* HOOKS_F_CHECK: ends logged quietly */
	struct hooks_rep rep;
	uint64_t	 deadline;	/* monotonic ms */
	unsigned	 nlines;
	size_t		 linelen;
	char		 line[RUNNER_LINE];
	char		 tag[HOOKS_TAGLEN];
};

static struct runner_job	 runner_jobs[HOOKS_MAX];
static int			 runner_sock = -1;	/* -1: carpd gone */
static int			 runner_sigfd[2] = { -1, -1 };
static const char		*runner_conf_path;
static struct carp_conf		*runner_conf;
static time_t			 runner_parsed;

static uint64_t
runner_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
runner_sigchld(int sig)
{
	int	 saved = errno;

	(void)sig;
	(void)write(runner_sigfd[1], "c", 1);
	errno = saved;
}

/* Scripts */

static int
runner_named(const char *path)
{
	struct conf_carp	*c;
	struct conf_track	*t;

	if (runner_conf == NULL)
		return (0);
	TAILQ_FOREACH(c, &runner_conf->carps, entry)
		if (strcmp(c->up_script, path) == 0 ||
		    strcmp(c->down_script, path) == 0)
			return (1);
	/* health tracking: a check's script */
	TAILQ_FOREACH(t, &runner_conf->tracks, entry)
		if (t->kind == TRACK_KIND_SCRIPT && strcmp(t->script, path) == 0)
			return (1);
	return (0);
}

/* Only the scripts the config file names, read here: a carpd taken
 * over cannot have anything else run outside its sandbox. The file is
 * read again for a script not seen yet (a reload added it), at most
 * once a second. No config path (the unit tests): the checks only. */
static int
runner_allowed(const char *path)
{
	struct carp_conf	*c;
	time_t			 now = time(NULL);

	if (runner_conf_path == NULL || runner_named(path))
		return (1);
	if (now == runner_parsed)
		return (0);
	runner_parsed = now;
	if ((c = conf_parse(runner_conf_path, stderr)) == NULL) {
		log_warnx("script runner: %s has errors, the scripts it "
		    "named before stay allowed", runner_conf_path);
		return (0);
	}
	conf_free(runner_conf);
	runner_conf = c;
	return (runner_named(path));
}

/* The child: its own session, so that the timeout can kill it and all
 * it started at once; the signals carpd and the runner ignore are reset;
 * the fixed environment only. */
static void __attribute__((noreturn))
runner_child(int out, char *const argv[], char *const envp[])
{
	static const int	 sigs[] = { SIGCHLD, SIGPIPE, SIGHUP, SIGINT,
				    SIGTERM, SIGUSR1 };
	sigset_t		 none;
	size_t			 i;
	int			 null;

	setsid();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((null = open("/dev/null", O_RDONLY)) != -1)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (chdir("/") == -1)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

static pid_t
runner_spawn(char *const argv[], char *const envp[], int *outfd)
{
	int	 p[2];
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0)
		runner_child(p[1], argv, envp);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*outfd = p[0];
	return (pid);
}

/* Replies */

static void
runner_send(struct runner_job *j)
{
	if (runner_sock == -1 || send(runner_sock, &j->rep, sizeof(j->rep),
	    MSG_DONTWAIT | MSG_NOSIGNAL) != -1 ||
	    (errno != EAGAIN && errno != ENOBUFS)) {
		j->unsent = 0;
		if (j->pid == -1 && j->fd == -1)
			j->id = 0;
		return;
	}
	j->unsent = 1;		/* again when the socket has room */
}

static void
runner_refuse(uint32_t id)
{
	struct runner_job	 j;

	memset(&j, 0, sizeof(j));
	j.pid = j.fd = -1;
	j.rep.id = id;
	j.rep.end = HOOKS_END_REFUSED;
	runner_send(&j);	/* lost if the socket is full: carpd expires it */
}

/* Output */

static void
runner_flush(struct runner_job *j)
{
	if (j->linelen == 0)
		return;
	j->line[j->linelen] = '\0';
	j->linelen = 0;
	if (++j->nlines <= RUNNER_LINES)
		log_info("%s: %s", j->tag, j->line);
}

/* One read: 1 if it got data, 0 if there is none now, -1 at the end. */
static int
runner_output(struct runner_job *j)
{
	char	 buf[512];
	ssize_t	 n, i;

	n = read(j->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		runner_flush(j);
		close(j->fd);
		j->fd = -1;
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || j->linelen == sizeof(j->line) - 1)
			runner_flush(j);
		if (buf[i] != '\n')
			j->line[j->linelen++] = buf[i];
	}
	return (1);
}

/* The script is gone: what it wrote is in the pipe already. A child it
 * left in the background may keep the pipe open; we stop listening. */
static void
runner_drain(struct runner_job *j)
{
	int	 i;

	for (i = 0; i < 64 && j->fd != -1; i++)
		if (runner_output(j) == 0)
			break;
	if (j->fd != -1) {
		runner_flush(j);
		close(j->fd);
		j->fd = -1;
	}
	if (j->nlines > RUNNER_LINES)
		log_info("%s: %u more lines not logged", j->tag,
		    j->nlines - RUNNER_LINES);
}

/* Ends */

/* A health check fails every second while it fails: carpd logs its
 * state changes, so how each run ended is for debugging only. */
static void
runner_ended(const struct runner_job *j, const char *how)
{
	if (j->check)
		log_debug("%s: %s %d", j->tag, how, j->rep.status);
	else
		log_warnx("%s: %s %d", j->tag, how, j->rep.status);
}

static void
runner_exited(struct runner_job *j, int status)
{
	runner_drain(j);
	j->pid = -1;
	j->rep.end = HOOKS_END_FAILED;
	if (j->killed) {
		j->rep.end = HOOKS_END_TIMEDOUT;
		j->rep.status = SIGKILL;
	} else if (WIFEXITED(status)) {
		j->rep.status = WEXITSTATUS(status);
		if (j->rep.status == 0) {
			j->rep.end = HOOKS_END_OK;
			log_debug("%s: done", j->tag);
		} else
			runner_ended(j, "exited with status");
	} else {
		j->rep.status = WTERMSIG(status);
		runner_ended(j, "killed by signal");
	}
	runner_send(j);
}

static void
runner_reap(void)
{
	char	 buf[64];
	pid_t	 pid;
	int	 status, i;

	while (read(runner_sigfd[0], buf, sizeof(buf)) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < HOOKS_MAX; i++)
			if (runner_jobs[i].id != 0 && runner_jobs[i].pid == pid)
				runner_exited(&runner_jobs[i], status);
}

/* The whole group: a script's background children go with it. */
static void
runner_timeouts(uint64_t now)
{
	struct runner_job	*j;
	int			 i;

	for (i = 0; i < HOOKS_MAX; i++) {
		j = &runner_jobs[i];
		if (j->id == 0 || j->pid == -1 || j->killed ||
		    now < j->deadline)
			continue;
		if (j->check)
			log_debug("%s: timed out, killed", j->tag);
		else
			log_warnx("%s: still running after its timeout, its "
			    "process group killed", j->tag);
		if (kill(-j->pid, SIGKILL) == -1)
			kill(j->pid, SIGKILL);
		j->killed = 1;
	}
}

/* Requests */

static void
runner_start(const struct hooks_req *req, char *tag, char *argv[],
    char *envp[])
{
	struct runner_job	*j = NULL;
	char			 why[2 * PATH_MAX + 64];
	unsigned		 ms;
	int			 i;

	for (i = 0; i < HOOKS_MAX && j == NULL; i++)
		if (runner_jobs[i].id == 0)
			j = &runner_jobs[i];
	if (j == NULL) {
		log_warnx("%s: refused, %d scripts running", tag, HOOKS_MAX);
		runner_refuse(req->id);
		return;
	}
	if (!runner_allowed(argv[0])) {
		log_warnx("%s: refused, %s is not a script of %s", tag,
		    argv[0], runner_conf_path);
		runner_refuse(req->id);
		return;
	}
	if (conf_check_script(argv[0], why, sizeof(why)) == -1) {
		log_warnx("%s: refused, %s", tag, why);
		runner_refuse(req->id);
		return;
	}
	memset(j, 0, sizeof(*j));
	strlcpy(j->tag, tag, sizeof(j->tag));
	if ((j->pid = runner_spawn(argv, envp, &j->fd)) == -1) {
		log_warn("%s: cannot start", tag);
		runner_refuse(req->id);
		return;
	}
	ms = req->timeout_ms;
	if (ms == 0 || ms > HOOKS_TIMEOUT_MAX)
		ms = HOOKS_TIMEOUT_MAX;
	j->deadline = runner_now() + ms;
	j->check = (req->flags & HOOKS_F_CHECK) != 0;
	j->id = j->rep.id = req->id;
	log_debug("%s: started, pid %d", tag, (int)j->pid);
}

/* Split a request: the tag, argv (NULL-ended), and envp: the fixed
 * PATH and the request's CARP_* variables, nothing else. */
static int
runner_parse(char *msg, size_t len, struct hooks_req *req, char **tag,
    char **argv, char **envp)
{
	char	*p = msg + sizeof(*req), *end = msg + len, *s;
	int	 i, na = 0, ne = 0;

	if (len < sizeof(*req))
		return (-1);
	memcpy(req, msg, sizeof(*req));
	if (req->nstr > RUNNER_STRMAX || req->argc < 1 ||
	    req->argc + 1 > req->nstr)
		return (-1);
	envp[ne++] = (char *)(uintptr_t)HOOKS_PATH;
	for (i = 0; i < req->nstr; i++) {
		if (p >= end || memchr(p, '\0', end - p) == NULL)
			return (-1);
		s = p;
		p += strlen(s) + 1;
		if (i == 0)
			*tag = s;
		else if (i <= req->argc)
			argv[na++] = s;
		else if (ne <= RUNNER_ENVMAX && strncmp(s, "CARP_", 5) == 0 &&
		    strchr(s, '=') != NULL)
			envp[ne++] = s;
	}
	argv[na] = NULL;
	envp[ne] = NULL;
	return (0);
}

static void
runner_request(void)
{
	char			 msg[HOOKS_MSG_MAX];
	char			*tag = NULL, *argv[RUNNER_STRMAX + 1];
	char			*envp[RUNNER_ENVMAX + 2];
	struct hooks_req	 req;
	ssize_t			 n;

	n = recv(runner_sock, msg, sizeof(msg), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* carpd is gone: finish what runs, then exit */
		close(runner_sock);
		runner_sock = -1;
		for (n = 0; n < HOOKS_MAX; n++)
			if (runner_jobs[n].id != 0 && runner_jobs[n].unsent)
				runner_send(&runner_jobs[n]);
		return;
	}
	if (runner_parse(msg, n, &req, &tag, argv, envp) == -1) {
		log_warnx("script runner: bad request of %zd bytes", n);
		if ((size_t)n >= sizeof(req))
			runner_refuse(req.id);
		return;
	}
	runner_start(&req, tag, argv, envp);
}

/* The loop */

/* poll()'s timeout: until the next script's deadline, if any. */
static int
runner_wait_ms(uint64_t now)
{
	uint64_t	 next = UINT64_MAX;
	int		 i;

	for (i = 0; i < HOOKS_MAX; i++)
		if (runner_jobs[i].id != 0 && runner_jobs[i].pid != -1 &&
		    !runner_jobs[i].killed && runner_jobs[i].deadline < next)
			next = runner_jobs[i].deadline;
	if (next == UINT64_MAX)
		return (-1);
	return (next <= now ? 0 : (int)(next - now));
}

/* 1 while a script runs or a reply waits. */
static int
runner_busy(void)
{
	int	 i;

	for (i = 0; i < HOOKS_MAX; i++)
		if (runner_jobs[i].id != 0 &&
		    (runner_jobs[i].pid != -1 || runner_jobs[i].unsent))
			return (1);
	return (0);
}

static void
runner_poll(void)
{
	struct pollfd	 pfd[2 + HOOKS_MAX];
	int		 job[2 + HOOKS_MAX];
	int		 i, n = 2, unsent = 0;

	for (i = 0; i < HOOKS_MAX; i++) {
		unsent |= runner_jobs[i].id != 0 && runner_jobs[i].unsent;
		if (runner_jobs[i].id == 0 || runner_jobs[i].fd == -1)
			continue;
		pfd[n].fd = runner_jobs[i].fd;
		pfd[n].events = POLLIN;
		job[n++] = i;
	}
	pfd[0].fd = runner_sock;
	pfd[0].events = POLLIN | (unsent ? POLLOUT : 0);
	pfd[1].fd = runner_sigfd[0];
	pfd[1].events = POLLIN;
	if (poll(pfd, n, runner_wait_ms(runner_now())) == -1) {
		if (errno != EINTR)
			fatal("script runner: poll");
		return;
	}
	if (pfd[1].revents)
		runner_reap();
	for (i = 2; i < n; i++)
		if (pfd[i].revents && runner_jobs[job[i]].fd == pfd[i].fd)
			runner_output(&runner_jobs[job[i]]);
	if (pfd[0].revents & POLLOUT)
		for (i = 0; i < HOOKS_MAX; i++)
			if (runner_jobs[i].id != 0 && runner_jobs[i].unsent)
				runner_send(&runner_jobs[i]);
	if (runner_sock != -1 && (pfd[0].revents & (POLLIN | POLLHUP)))
		for (i = 0; i < HOOKS_MAX && runner_sock != -1; i++)
			runner_request();
	runner_timeouts(runner_now());
}

void
runner_main(int fd, const char *conf_path)
{
	static const int	 ignored[] = { SIGPIPE, SIGHUP, SIGINT, SIGTERM,
				    SIGUSR1 };
	size_t			 i;

	runner_sock = fd;
	runner_conf_path = conf_path;
	prctl(PR_SET_NAME, "carpd-scripts");
	/* carpd's signals are for carpd; the runner ends when carpd does */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	if (pipe2(runner_sigfd, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("script runner: pipe");
	signal(SIGCHLD, runner_sigchld);
	if (conf_path != NULL) {
		runner_conf = conf_parse(conf_path, stderr);
		runner_parsed = time(NULL);
	}
	/* scripts exec'd as root get the bounding set: these two only */
	if ((geteuid() == 0 ? priv_drop(&priv_runner, NULL) :
	    priv_filter(&priv_runner)) == -1)
		fatalx("script runner: cannot drop privileges");
	while (runner_sock != -1 || runner_busy())
		runner_poll();
	_exit(0);
}
