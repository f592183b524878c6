/* Up/down scripts, ucarp-style: "<interface> <address> [script-arg]", once
 * per virtual address. Addresses are handled natively; scripts are for
 * extra work, so they run asynchronously (fork + execve, no shell), their
 * output is logged line by line, and they are killed after a timeout.
 * Nothing here may delay an advert. */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpd.h"
#include "log.h"

#define HOOKS_TIMEOUT_SEC	10
#define HOOKS_MAX		32	/* scripts running at once */
#define HOOKS_LINE		512

struct hook {
	TAILQ_ENTRY(hook)	 entry;
	pid_t			 pid;
	int			 fd;		/* child's stdout+stderr */
	char			 tag[128];	/* "carp1 up-script 192.0.2.100" */
	char			 line[HOOKS_LINE];
	size_t			 linelen;
	struct event		*ev_out;
	struct event		*ev_timeout;
};

static TAILQ_HEAD(, hook)	 hooks = TAILQ_HEAD_INITIALIZER(hooks);
static int			 hooks_running;
static struct event_base	*hooks_base;
static struct event		*hooks_sigchld;

static void	hooks_reap(evutil_socket_t, short, void *);

void
hooks_init(struct event_base *base)
{
	hooks_base = base;
	hooks_sigchld = evsignal_new(base, SIGCHLD, hooks_reap, NULL);
	if (hooks_sigchld == NULL || evsignal_add(hooks_sigchld, NULL) == -1)
		fatalx("hooks: cannot watch SIGCHLD");
}

static void
hook_free(struct hook *h)
{
	if (h->ev_out != NULL)
		event_free(h->ev_out);
	if (h->ev_timeout != NULL)
		event_free(h->ev_timeout);
	if (h->fd != -1)
		close(h->fd);
	free(h);
}

/* The child is done when it has exited and its output is drained; the
 * two happen in either order. */
static void
hook_maybe_done(struct hook *h)
{
	if (h->pid != -1 || h->fd != -1)
		return;
	TAILQ_REMOVE(&hooks, h, entry);
	hooks_running--;
	hook_free(h);
}

static void
hook_flush_line(struct hook *h)
{
	if (h->linelen == 0)
		return;
	h->line[h->linelen] = '\0';
	log_info("%s: %s", h->tag, h->line);
	h->linelen = 0;
}

static void
hook_output(evutil_socket_t fd, short ev, void *arg)
{
	struct hook	*h = arg;
	char		 buf[512];
	ssize_t		 n, i;

	(void)ev;
	n = read(fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		hook_flush_line(h);
		event_del(h->ev_out);
		close(h->fd);
		h->fd = -1;
		hook_maybe_done(h);
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || h->linelen == sizeof(h->line) - 1)
			hook_flush_line(h);
		if (buf[i] != '\n')
			h->line[h->linelen++] = buf[i];
	}
}

static void
hook_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct hook	*h = arg;

	(void)fd;
	(void)ev;
	if (h->pid == -1)
		return;
	log_warnx("%s: still running after %d s, killed", h->tag,
	    HOOKS_TIMEOUT_SEC);
	kill(h->pid, SIGKILL);
}

static void
hook_exited(struct hook *h, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("%s: exited with status %d", h->tag,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("%s: killed by signal %d", h->tag, WTERMSIG(status));
	else
		log_debug("%s: done", h->tag);
	h->pid = -1;
	evtimer_del(h->ev_timeout);
	hook_maybe_done(h);
}

static void
hooks_reap(evutil_socket_t sig, short ev, void *arg)
{
	struct hook	*h;
	pid_t		 pid;
	int		 status, n;

	(void)sig;
	(void)ev;
	(void)arg;
	/* One SIGCHLD may stand for several children. */
	for (n = 0; n < HOOKS_MAX * 2; n++) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		TAILQ_FOREACH(h, &hooks, entry)
			if (h->pid == pid)
				break;
		if (h != NULL)
			hook_exited(h, status);
	}
}

static pid_t
hook_spawn(const char *script, char *const argv[], int *outfd)
{
	int	 p[2];
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		/* child: stdin from /dev/null, stdout+stderr to the pipe */
		int	 null = open("/dev/null", O_RDONLY);

		if (null != -1)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execv(script, argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*outfd = p[0];
	return (pid);
}

static void
hook_start(struct carp_if *cif, const char *script, int up,
    const struct conf_addr *addr)
{
	struct timeval	 tv = { HOOKS_TIMEOUT_SEC, 0 };
	struct hook	*h;
	char		 abuf[64];
	const char	*ifname;
	char		*argv[5];
	int		 argc = 0;

	if (hooks_running >= HOOKS_MAX) {
		log_warnx("%s: %d scripts already running, %s script skipped",
		    cif->conf.name, hooks_running, up ? "up" : "down");
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("%s: script", cif->conf.name);
		return;
	}
	/* the interface that holds the address, as ucarp passes it */
	ifname = cif->conf.vmac ? cif->conf.name : cif->conf.carpdev;
	conf_addr_print(addr, 0, abuf, sizeof(abuf));
	snprintf(h->tag, sizeof(h->tag), "%s %s-script %s", cif->conf.name,
	    up ? "up" : "down", abuf);
	argv[argc++] = (char *)(uintptr_t)script;
	argv[argc++] = (char *)(uintptr_t)ifname;
	argv[argc++] = abuf;
	if (cif->conf.script_arg[0] != '\0')
		argv[argc++] = cif->conf.script_arg;
	argv[argc] = NULL;

	h->fd = -1;
	if ((h->pid = hook_spawn(script, argv, &h->fd)) == -1) {
		log_warn("%s: cannot start", h->tag);
		free(h);
		return;
	}
	h->ev_out = event_new(hooks_base, h->fd, EV_READ | EV_PERSIST,
	    hook_output, h);
	h->ev_timeout = evtimer_new(hooks_base, hook_timeout, h);
	if (h->ev_out == NULL || h->ev_timeout == NULL)
		fatalx("hooks: out of memory");
	event_add(h->ev_out, NULL);
	evtimer_add(h->ev_timeout, &tv);
	TAILQ_INSERT_TAIL(&hooks, h, entry);
	hooks_running++;
	log_debug("%s: started, pid %d", h->tag, (int)h->pid);
}

void
hooks_run(struct carp_if *cif, int up)
{
	const char	*script;
	int		 i;

	script = up ? cif->conf.up_script : cif->conf.down_script;
	if (script[0] == '\0' || hooks_base == NULL)
		return;
	for (i = 0; i < cif->conf.naddrs; i++)
		hook_start(cif, script, up, &cif->conf.addrs[i]);
}
