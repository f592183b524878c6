/* Up/down scripts, ucarp-style: "<interface> <address> [script-arg]", once
 * per virtual address. Addresses are handled natively; scripts are for
 * extra work. This is carpd's side: it asks the script runner
 * (hooks_runner.c, see hooks.h) to run one and counts how it ended.
 * Nothing here may delay an advert: the socket is non-blocking, and a
 * script that cannot be handed over at once is skipped and counted. */
#include <sys/socket.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carpd.h"
#include "clock.h"
#include "compat.h"
#include "hooks.h"
#include "log.h"

/* A request the runner has not answered; id 0 is a free slot. A reply
 * that never comes (a bug) frees the slot at the deadline anyway. */
struct hooks_slot {
	uint32_t	 id;
	uint64_t	 deadline;	/* clock_ms: a wall clock may step */
	int		 check;		/* a health check's (hooks_exec) */
	hooks_done_cb	 done;		/* NULL once forgotten */
	void		*arg;
};

static struct hooks_slot	 hooks_slots[HOOKS_MAX];
static struct hooks_stats	 hooks_st;
static int			 hooks_fd = -1;
static pid_t			 hooks_pid = -1;
static struct event		*hooks_ev;
static uint32_t			 hooks_lastid;
static unsigned			 hooks_timeout = HOOKS_TIMEOUT_MS;
static struct log_rate		 hooks_skip_log;

static void	hooks_read(evutil_socket_t, short, void *);

int
hooks_start(const char *conf_path)
{
	int	 sv[2];
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("script runner: socketpair");
		return (-1);
	}
	if ((pid = fork()) == -1) {
		log_warn("script runner: fork");
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	if (pid == 0) {
		close(sv[0]);
		runner_main(sv[1], conf_path);
	}
	close(sv[1]);
	/* the kernel reaps the runner if it dies: carpd keeps no wait4 */
	signal(SIGCHLD, SIG_IGN);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		log_warn("script runner: O_NONBLOCK");
	hooks_fd = sv[0];
	hooks_pid = pid;
	log_debug("script runner: pid %d", (int)pid);
	return (0);
}

void
hooks_init(struct event_base *base)
{
	if (hooks_fd == -1 || hooks_ev != NULL)
		return;
	hooks_ev = event_new(base, hooks_fd, EV_READ | EV_PERSIST, hooks_read,
	    NULL);
	if (hooks_ev == NULL || event_add(hooks_ev, NULL) == -1)
		fatalx("hooks: cannot watch the script runner");
}

const struct hooks_stats *
hooks_stats(void)
{
	return (&hooks_st);
}

pid_t
hooks_runner_pid(void)
{
	return (hooks_pid);
}

void
hooks_set_timeout(unsigned ms)
{
	hooks_timeout = ms;
}

static void
hooks_slot_free(struct hooks_slot *s)
{
	s->id = 0;
	s->check = 0;
	s->done = NULL;
	hooks_st.running--;
}

/* A slot ends without a reply (runner gone, reply overdue): a script is
 * counted lost, a health check told it could not be made. */
static void
hooks_slot_lost(struct hooks_slot *s)
{
	hooks_done_cb	 done = s->done;
	void		*arg = s->arg;
	int		 check = s->check;

	hooks_slot_free(s);
	if (!check)
		hooks_st.lost++;
	else if (done != NULL)
		done(arg, HOOKS_END_REFUSED, 0);
}

/* The runner died (or broke the protocol): what was running is lost and
 * every later script is skipped; carpd itself carries on. */
static void
hooks_runner_gone(const char *why)
{
	int	 i;

	log_warnx("script runner %s: %u running scripts lost, later scripts "
	    "are skipped", why, hooks_st.running);
	if (hooks_ev != NULL) {
		event_free(hooks_ev);
		hooks_ev = NULL;
	}
	close(hooks_fd);
	hooks_fd = -1;
	for (i = 0; i < HOOKS_MAX; i++)
		if (hooks_slots[i].id != 0)
			hooks_slot_lost(&hooks_slots[i]);
}

static void
hooks_ended(const struct hooks_rep *rep)
{
	hooks_done_cb	 done;
	void		*arg;
	int		 i, check;

	for (i = 0; i < HOOKS_MAX; i++)
		if (hooks_slots[i].id == rep->id && rep->id != 0)
			break;
	if (i == HOOKS_MAX)
		return;		/* expired here already */
	done = hooks_slots[i].done;
	arg = hooks_slots[i].arg;
	check = hooks_slots[i].check;
	hooks_slot_free(&hooks_slots[i]);
	if (check) {
		if (done != NULL)
			done(arg, rep->end, rep->status);
		return;
	}
	switch (rep->end) {
	case HOOKS_END_OK:
		break;
	case HOOKS_END_TIMEDOUT:
		hooks_st.timedout++;
		break;
	case HOOKS_END_REFUSED:
		hooks_st.refused++;
		break;
	default:
		hooks_st.failed++;
		break;
	}
}

static void
hooks_read(evutil_socket_t fd, short ev, void *arg)
{
	struct hooks_rep	 rep;
	ssize_t			 n;
	int			 i;

	(void)ev;
	(void)arg;
	/* bounded: replies never keep carpd from its adverts for long */
	for (i = 0; i < HOOKS_MAX * 2; i++) {
		n = read(fd, &rep, sizeof(rep));	/* one datagram */
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == 0 || n == -1) {
			hooks_runner_gone(n == 0 ? "exited" : "failed");
			return;
		}
		if (n != sizeof(rep)) {
			hooks_runner_gone("sent a bad reply");
			return;
		}
		hooks_ended(&rep);
	}
}

/* Free the slots whose reply is long overdue; the first free slot. */
static struct hooks_slot *
hooks_slot_get(void)
{
	struct hooks_slot	*free_slot = NULL;
	uint64_t		 now = clock_ms();
	int			 i;

	for (i = 0; i < HOOKS_MAX; i++) {
		if (hooks_slots[i].id != 0 && now > hooks_slots[i].deadline)
			hooks_slot_lost(&hooks_slots[i]);
		if (hooks_slots[i].id == 0 && free_slot == NULL)
			free_slot = &hooks_slots[i];
	}
	return (free_slot);
}

/* Counted always, logged at most once a second: a flapping carp with a
 * busy runner must not flood the log. */
static void
hooks_skip(const char *tag, const char *why)
{
	hooks_st.skipped++;
	if (log_ratelimit(&hooks_skip_log, 1) == 0)
		return;
	log_warnx("%s: skipped, %s (%llu skipped so far)", tag, why,
	    (unsigned long long)hooks_st.skipped);
}

/* Append s to the request; -1 if it does not fit. */
static int
hooks_put(char *msg, size_t *off, const char *s)
{
	size_t	 len = strlen(s) + 1;

	if (*off + len > HOOKS_MSG_MAX)
		return (-1);
	memcpy(msg + *off, s, len);
	*off += len;
	return (0);
}

/* The request for one script: tag, argv, then the CARP_* variables
 * (env, NULL-ended) a script may use instead of its arguments
 * (documented in carp.conf(5)). */
static size_t
hooks_request(char *msg, const struct hooks_req *r, const char *tag,
    char *const argv[], char *const env[])
{
	struct hooks_req	 req = *r;
	size_t			 off = sizeof(req);
	int			 argc, i, fail = 0;

	fail |= hooks_put(msg, &off, tag);
	for (argc = 0; argv[argc] != NULL; argc++)
		fail |= hooks_put(msg, &off, argv[argc]);
	for (i = 0; env[i] != NULL; i++)
		fail |= hooks_put(msg, &off, env[i]);
	if (fail)
		return (0);
	req.argc = argc;
	req.nstr = 1 + argc + i;
	memcpy(msg, &req, sizeof(req));
	return (off);
}

/* Hand one request over; its slot, or NULL with why (the runner gone:
 * "", already said). */
static struct hooks_slot *
hooks_send(struct hooks_req *req, const char *tag, char *const argv[],
    char *const env[], const char **why)
{
	struct hooks_slot	*slot;
	char			 msg[HOOKS_MSG_MAX];
	size_t			 len;

	if (hooks_fd == -1) {
		*why = "no script runner";
		return (NULL);
	}
	if ((slot = hooks_slot_get()) == NULL) {
		*why = "too many scripts running";
		return (NULL);
	}
	if (++hooks_lastid == 0)
		hooks_lastid = 1;
	req->id = hooks_lastid;
	if ((len = hooks_request(msg, req, tag, argv, env)) == 0) {
		*why = "arguments too long";
		return (NULL);
	}
	if (send(hooks_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		*why = "script runner busy";
		if (errno != EAGAIN && errno != ENOBUFS) {
			hooks_runner_gone("unreachable");
			*why = "";
		}
		return (NULL);
	}
	slot->id = req->id;
	slot->deadline = clock_ms() + req->timeout_ms + 10000;
	slot->check = (req->flags & HOOKS_F_CHECK) != 0;
	slot->done = NULL;
	hooks_st.running++;
	return (slot);
}

static void
hooks_script(const char *tag, char *const argv[], char *const env[])
{
	struct hooks_req	 req;
	const char		*why;

	memset(&req, 0, sizeof(req));
	req.timeout_ms = hooks_timeout;
	if (hooks_send(&req, tag, argv, env, &why) != NULL)
		hooks_st.started++;
	else if (why[0] != '\0')
		hooks_skip(tag, why);
}

uint32_t
hooks_exec(const char *tag, char *const argv[], char *const env[],
    unsigned timeout_ms, hooks_done_cb done, void *arg)
{
	struct hooks_slot	*slot;
	struct hooks_req	 req;
	const char		*why;

	memset(&req, 0, sizeof(req));
	req.timeout_ms = timeout_ms;
	req.flags = HOOKS_F_CHECK;
	if ((slot = hooks_send(&req, tag, argv, env, &why)) == NULL) {
		if (why[0] != '\0' && log_ratelimit(&hooks_skip_log, 1))
			log_warnx("%s: not run, %s", tag, why);
		return (0);
	}
	slot->done = done;
	slot->arg = arg;
	return (slot->id);
}

void
hooks_forget(uint32_t id)
{
	int	 i;

	for (i = 0; i < HOOKS_MAX && id != 0; i++)
		if (hooks_slots[i].id == id)
			hooks_slots[i].done = NULL;
}

static void
hooks_one(struct carp_if *cif, const char *script, int up,
    const struct conf_addr *addr)
{
	char		 abuf[64], tag[HOOKS_TAGLEN], envs[5][256];
	const char	*ifname;
	char		*argv[5], *env[6];
	int		 argc = 0, i;

	/* the interface that holds the address, as ucarp passes it */
	ifname = cif->conf.vmac ? cif->conf.name : cif->conf.carpdev;
	conf_addr_print(addr, 0, abuf, sizeof(abuf));
	snprintf(tag, sizeof(tag), "%s %s-script %s", cif->conf.name,
	    up ? "up" : "down", abuf);
	argv[argc++] = (char *)(uintptr_t)script;
	argv[argc++] = (char *)(uintptr_t)ifname;
	argv[argc++] = abuf;
	if (cif->conf.script_arg[0] != '\0')
		argv[argc++] = cif->conf.script_arg;
	argv[argc] = NULL;
	snprintf(envs[0], sizeof(envs[0]), "CARP_NAME=%s", cif->conf.name);
	snprintf(envs[1], sizeof(envs[1]), "CARP_VHID=%d", cif->conf.vhid);
	snprintf(envs[2], sizeof(envs[2]), "CARP_IF=%s", ifname);
	snprintf(envs[3], sizeof(envs[3]), "CARP_ADDRESS=%s", abuf);
	snprintf(envs[4], sizeof(envs[4]), "CARP_STATE=%s",
	    up ? "MASTER" : "BACKUP");
	for (i = 0; i < 5; i++)
		env[i] = envs[i];
	env[i] = NULL;
	hooks_script(tag, argv, env);
}

void
hooks_run(struct carp_if *cif, int up)
{
	const char	*script;
	int		 i;

	script = up ? cif->conf.up_script : cif->conf.down_script;
	if (script[0] == '\0')
		return;
	for (i = 0; i < cif->conf.naddrs; i++)
		hooks_one(cif, script, up, &cif->conf.addrs[i]);
}
