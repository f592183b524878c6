/* /etc/carp.conf parser: a hand-written tokenizer and recursive-descent
 * parser with the shape of the OpenBSD daemons' parse.y. This file holds
 * conf_parse() and the top level (global statements, group blocks,
 * include); conf_priv.h maps the other conf_*.c files.
 *
 * Every statement is a keyword looked up in a small table per block.
 * Errors are reported as "file:line: message" and parsing goes on, so
 * that one run shows every mistake; conf_parse() then returns NULL.
 *
 * Relative paths (include, password-file, key-file, scripts) are taken
 * relative to the directory of the file that names them, like include. */
#include <sys/queue.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "compat.h"
#include "conf_priv.h"
#include "log.h"

/* Blocks */

/* One statement, keyword t of kws: run it, or report it unknown and skip
 * the rest of its line. */
static void
conf_statement(struct conf_parser *p, const struct conf_kw *kws, void *base,
    const struct conf_tok *t)
{
	const struct conf_kw	*k;

	for (k = kws; k->name != NULL; k++)
		if (strcmp(k->name, t->s) == 0) {
			conf_kw_store(p, k, base, t);
			return;
		}
	conf_err(p, t->line, "unknown keyword \"%s\"", t->s);
	conf_skip_statement(p, t->line);
}

/* A { } block of statements from kws; what names it in messages.
 * -1 if the block is missing or unterminated, so that the caller does
 * not add "missing ..." noise to the real mistake. */
int
conf_block(struct conf_parser *p, const struct conf_kw *kws, void *base,
    int line, const char *what)
{
	struct conf_tok		 t;

	conf_lex(p, &t);
	if (t.type != T_OPEN) {
		if (t.type != T_ERROR)
			conf_err(p, line, "missing \"{\" after \"%s\"",
			    what);
		conf_unlex(p, &t);
		conf_skip_statement(p, line);
		return (-1);
	}
	for (;;) {
		conf_lex(p, &t);
		if (t.type == T_CLOSE)
			return (0);
		if (t.type == T_EOF) {
			conf_err(p, line, "unterminated block \"%s\"", what);
			conf_unlex(p, &t);
			return (-1);
		}
		if (t.type == T_ERROR)
			continue;
		if (t.type == T_OPEN) {
			conf_err(p, t.line, "unexpected \"{\"");
			conf_skip_block(p);
			continue;
		}
		conf_statement(p, kws, base, &t);
	}
}

/* group NAME { demote N } */

#define GROUP(f)	CONF_FIELD(struct conf_group, f)

static const struct conf_kw conf_group_kws[] = {
	{ "demote",	NULL, CONF_V_NUM, GROUP(demote), 0, 255 },
	{ NULL }
};

int
conf_groupname(struct conf_parser *p, const struct conf_tok *t)
{
	if (strlen(t->s) >= CONF_NAMELEN) {
		conf_err(p, t->line, "group name \"%s\" too long (max %d)",
		    t->s, CONF_NAMELEN - 1);
		return (-1);
	}
	if (t->s[0] == '\0') {
		conf_err(p, t->line, "empty group name");
		return (-1);
	}
	return (0);
}

static void
conf_group(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_group	*g, *o;
	struct conf_tok		 t, head;
	char			 what[CONF_NAMELEN + 8];

	if (conf_value(p, kw, &t) == -1)
		return;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		conf_err(p, t.line, "%s", strerror(errno));
		return;
	}
	g->line = kw->line;
	if (conf_groupname(p, &t) == 0) {
		strlcpy(g->name, t.s, sizeof(g->name));
		TAILQ_FOREACH(o, &p->conf->groups, entry)
			if (strcmp(o->name, g->name) == 0) {
				conf_err(p, t.line, "duplicate group \"%s\"",
				    t.s);
				break;
			}
	}
	TAILQ_INSERT_TAIL(&p->conf->groups, g, entry);
	/* the block is optional: "group NAME" declares it with demote 0 */
	conf_lex(p, &head);
	conf_unlex(p, &head);
	if (head.type != T_OPEN)
		return;
	snprintf(what, sizeof(what), "group %.*s", CONF_NAMELEN, t.s);
	conf_block(p, conf_group_kws, g, kw->line, what);
}

/* Global statements */

static void	conf_include(struct conf_parser *, const struct conf_tok *);

/* "user NAME" (the daemons run as NAME once set up, common/priv.c) and
 * "control-group NAME" (may read the control sockets): a name the system
 * does not know is an error now, so that "carpd -n" catches a typo
 * rather than a start failing on it; a lookup that fails for another
 * reason (a reload under seccomp) is left to the daemon, which resolves
 * the name again when it uses it. */
static void
conf_account(struct conf_parser *p, const struct conf_tok *kw, char *name,
    size_t len, int group)
{
	int	 found;

	if (conf_string(p, kw, name, len) == -1)
		return;
	errno = 0;
	found = group ? getgrnam(name) != NULL : getpwnam(name) != NULL;
	if (!found && (errno == 0 || errno == ENOENT)) {
		conf_err(p, kw->line, "%s \"%s\": no such %s", kw->s, name,
		    group ? "group" : "user");
		name[0] = '\0';
	}
}

static void
conf_user(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_account(p, kw, p->conf->user, sizeof(p->conf->user), 0);
}

static void
conf_control_group(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_account(p, kw, p->conf->control_group,
	    sizeof(p->conf->control_group), 1);
}

/* "log-facility NAME": a syslog facility the log module knows. */
static void
conf_log_facility(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_tok	 t;
	int		 fac;

	if (conf_value(p, kw, &t) == -1)
		return;
	if ((fac = log_facility_byname(t.s)) == -1) {
		conf_err(p, t.line, "log-facility \"%s\" is not a syslog "
		    "facility (daemon, local0 to local7, user, ...)", t.s);
		return;
	}
	p->conf->log_facility = fac;
}

/* "metrics-listen ADDR:PORT" of carpd (metrics) */
static void
conf_metrics_listen(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_listen(p, kw, p->conf->metrics_listen,
	    sizeof(p->conf->metrics_listen));
}

#define TOP(f)		CONF_FIELD(struct carp_conf, f)

static const struct conf_kw conf_top_kws[] = {
	{ "preempt",	    NULL, CONF_V_YESNO, TOP(preempt) },
	{ "deadratio",	    NULL, CONF_V_NUM, TOP(deadratio), 1, 255 },
	{ "control-socket", NULL, CONF_V_PATH, TOP(control_socket) },
	{ "control-group",  conf_control_group },
	{ "state-file",	    NULL, CONF_V_PATH, TOP(state_file) },
	{ "realtime",	    NULL, CONF_V_YESNO, TOP(realtime) },
	/* ucarp's operator knobs: defaults of the carp blocks, syslog */
	{ "neutral",	    NULL, CONF_V_YESNO, TOP(neutral) },
	{ "shutdown-scripts", NULL, CONF_V_YESNO, TOP(shutdown_scripts) },
	{ "log-facility",   conf_log_facility },
	{ "user",	    conf_user },
	{ "group",	    conf_group },
	{ "carp",	    conf_carp },
	{ "sync",	    conf_sync },
	{ "include",	    conf_include },
	/* health tracking */
	{ "track",	    conf_track },
	/* metrics */
	{ "metrics-listen", conf_metrics_listen },
	{ NULL }
};

static void
conf_toplevel(struct conf_parser *p)
{
	struct conf_tok		 t;

	for (;;) {
		conf_lex(p, &t);
		if (t.type == T_EOF)
			return;
		if (t.type == T_ERROR)
			continue;
		if (t.type != T_WORD) {
			conf_err(p, t.line, "unexpected \"%s\"",
			    t.type == T_OPEN ? "{" : "}");
			if (t.type == T_OPEN)
				conf_skip_block(p);
			continue;
		}
		conf_statement(p, conf_top_kws, p->conf, &t);
	}
}

static void
conf_file_parse(struct conf_parser *p, struct conf_file *cf)
{
	p->file = cf;
	conf_toplevel(p);
	p->file = cf->parent;
	fclose(cf->f);
	/* its buffer and look-ahead token may hold an inline password */
	explicit_bzero(cf, sizeof(*cf));
	free(cf);
}

static void
conf_include(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_file	*cf;
	struct conf_tok		 t;
	char			 path[PATH_MAX];
	const char		*why;

	if (conf_value(p, kw, &t) == -1 ||
	    conf_path(p, &t, path, sizeof(path)) == -1)
		return;
	if (p->file->depth >= CONF_MAXDEPTH) {
		conf_err(p, t.line, "include \"%s\": nested more than %d "
		    "deep", t.s, CONF_MAXDEPTH);
		return;
	}
	if ((cf = conf_file_open(p, path, &why)) == NULL) {
		conf_err(p, t.line, "include \"%s\": %s", t.s, why);
		return;
	}
	conf_file_parse(p, cf);
}

void
conf_defaults(struct carp_conf *conf)
{
	struct conf_sync	*s = &conf->sync;

	TAILQ_INIT(&conf->groups);
	TAILQ_INIT(&conf->carps);
	TAILQ_INIT(&conf->tracks);
	conf->preempt = 0;
	conf->deadratio = 3;
	conf->realtime = 1;
	conf->log_facility = LOG_DAEMON;
	conf->shutdown_scripts = 1;
	strlcpy(conf->control_socket, CONF_CARPD_SOCKET,
	    sizeof(conf->control_socket));
	strlcpy(conf->state_file, CONF_STATE_FILE, sizeof(conf->state_file));
	conf_addr_parse(SYNC_DEFAULT_MCAST, &s->mcast, 0);
	s->port = SYNC_DEFAULT_PORT;
	s->defer_timeout_ms = 20;
	s->bulk_timeout_ms = 30000;
	s->refresh_ms = 60000;
	s->bulk_demote = 32;
	s->link_demote = 1;
	s->expectations = 1;
	strlcpy(s->control_socket, CONF_SYNCD_SOCKET,
	    sizeof(s->control_socket));
}

struct carp_conf *
conf_parse(const char *path, FILE *errf)
{
	struct conf_parser	 p;
	struct conf_file	*cf;
	struct carp_conf	*conf;
	const char		*why;

	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		fprintf(errf, "%s: %s\n", path, strerror(errno));
		return (NULL);
	}
	conf_defaults(conf);
	if (strlcpy(conf->path, path, sizeof(conf->path)) >=
	    sizeof(conf->path)) {
		fprintf(errf, "%s: path too long\n", path);
		conf_free(conf);
		return (NULL);
	}
	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.errf = errf;
	if ((cf = conf_file_open(&p, path, &why)) == NULL) {
		fprintf(errf, "%s: %s\n", path, why);
		conf_free(conf);
		return (NULL);
	}
	conf_file_parse(&p, cf);
	conf_track_check_groups(&p);
	conf_sync_defaults(&p);
	/* syncd demotes through carpd's socket unless told otherwise */
	if (conf->sync.carpd_socket[0] == '\0')
		strlcpy(conf->sync.carpd_socket, conf->control_socket,
		    sizeof(conf->sync.carpd_socket));
	if (p.errors > 0) {
		conf_free(conf);
		return (NULL);
	}
	return (conf);
}

void
conf_free(struct carp_conf *conf)
{
	struct conf_group	*g;
	struct conf_carp	*c;

	if (conf == NULL)
		return;
	while ((g = TAILQ_FIRST(&conf->groups)) != NULL) {
		TAILQ_REMOVE(&conf->groups, g, entry);
		free(g);
	}
	while ((c = TAILQ_FIRST(&conf->carps)) != NULL) {
		TAILQ_REMOVE(&conf->carps, c, entry);
		explicit_bzero(c, sizeof(*c));
		free(c);
	}
	conf_track_free(conf);
	explicit_bzero(&conf->sync, sizeof(conf->sync));
	free(conf);
}

int
conf_carp_preempt(const struct carp_conf *conf, const struct conf_carp *c)
{
	return (c->preempt >= 0 ? c->preempt : conf->preempt);
}

int
conf_carp_neutral(const struct carp_conf *conf, const struct conf_carp *c)
{
	return (c->neutral >= 0 ? c->neutral : conf->neutral);
}

int
conf_carp_shutdown_scripts(const struct carp_conf *conf,
    const struct conf_carp *c)
{
	return (c->shutdown_scripts >= 0 ? c->shutdown_scripts :
	    conf->shutdown_scripts);
}

int
conf_carp_equal(const struct conf_carp *a, const struct conf_carp *b)
{
	int	i;

	if (strcmp(a->name, b->name) != 0 || a->vhid != b->vhid ||
	    strcmp(a->carpdev, b->carpdev) != 0 ||
	    a->passlen != b->passlen ||
	    memcmp(a->password, b->password, a->passlen) != 0 ||
	    strcmp(a->password_file, b->password_file) != 0 ||
	    a->advbase != b->advbase || a->advskew != b->advskew ||
	    a->naddrs != b->naddrs || a->ngroups != b->ngroups ||
	    a->preempt != b->preempt || a->vmac != b->vmac ||
	    conf_addr_cmp(&a->peer, &b->peer) != 0 ||
	    conf_addr_cmp(&a->mcast, &b->mcast) != 0 ||
	    a->auth != b->auth ||
	    strcmp(a->up_script, b->up_script) != 0 ||
	    strcmp(a->down_script, b->down_script) != 0 ||
	    strcmp(a->script_arg, b->script_arg) != 0 ||
	    a->ignore_link_state != b->ignore_link_state)
		return (0);
	if (a->nnodes != b->nnodes || a->balancing != b->balancing ||
	    memcmp(a->nodes, b->nodes, a->nnodes * sizeof(a->nodes[0])) != 0)
		return (0);
	for (i = 0; i < a->naddrs; i++)
		if (conf_addr_cmp(&a->addrs[i], &b->addrs[i]) != 0)
			return (0);
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0)
			return (0);
	return (1);
}
