/* /etc/carp.conf parser: a hand-written tokenizer and recursive-descent
 * parser with the shape of the OpenBSD daemons' parse.y.
 *
 * Tokens are bare words, double-quoted words (\" and \\ escapes), "{" and
 * "}"; "#" starts a comment and newlines mean nothing. Every statement is
 * a keyword looked up in a small table per block. Errors are reported as
 * "file:line: message" and parsing goes on, so that one run shows every
 * mistake; conf_parse() then returns NULL.
 *
 * Relative paths (include, password-file, key-file, scripts) are taken
 * relative to the directory of the file that names them, like include. */
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"

#define CONF_MAXDEPTH	8	/* include nesting */

enum conf_toktype {
	T_EOF,
	T_WORD,
	T_OPEN,
	T_CLOSE,
	T_ERROR,	/* already reported by the tokenizer */
};

struct conf_tok {
	enum conf_toktype	 type;
	int			 line;
	char			 s[PATH_MAX];
};

struct conf_file {
	struct conf_file	*parent;
	FILE			*f;
	char			 name[PATH_MAX];
	int			 line;
	dev_t			 dev;
	ino_t			 ino;
	int			 depth;
	int			 havepeek;
	struct conf_tok		 peek;
};

struct conf_parser {
	struct carp_conf	*conf;
	FILE			*errf;
	struct conf_file	*file;
	int			 errors;
	/* the block being parsed */
	struct conf_carp	*carp;
	struct conf_group	*group;
	char			 what[64];	/* "carp NAME" */
	int			 vhid_line;	/* where seen, 0 if not */
	int			 dev_line;
	int			 addr_line;
	int			 pass_line;
};

struct conf_kw {
	const char	*name;
	void		(*fn)(struct conf_parser *, const struct conf_tok *);
};

static void	conf_err(struct conf_parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Error reporting */

static void
conf_err(struct conf_parser *p, int line, const char *fmt, ...)
{
	va_list	ap;

	fprintf(p->errf, "%s:%d: ", p->file->name, line);
	va_start(ap, fmt);
	vfprintf(p->errf, fmt, ap);
	va_end(ap);
	fputc('\n', p->errf);
	p->errors++;
}

/* Tokenizer */

static int
conf_isdelim(int c)
{
	return (c == EOF || c == ' ' || c == '\t' || c == '\r' ||
	    c == '\n' || c == '{' || c == '}' || c == '#' || c == '"');
}

static void
conf_lex_quoted(struct conf_parser *p, struct conf_tok *t)
{
	struct conf_file	*cf = p->file;
	size_t			 n = 0;
	int			 c, toolong = 0;

	t->type = T_WORD;
	for (;;) {
		c = getc(cf->f);
		if (c == EOF || c == '\n') {
			/* newlines in strings are mistakes, not content */
			conf_err(p, t->line, "unterminated string");
			if (c == '\n')
				cf->line++;
			t->type = T_ERROR;
			return;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			int	 next = getc(cf->f);

			if (next == '"' || next == '\\')
				c = next;
			else if (next != EOF)
				ungetc(next, cf->f);
		}
		if (n + 1 >= sizeof(t->s))
			toolong = 1;
		else
			t->s[n++] = c;
	}
	t->s[n] = '\0';
	if (toolong) {
		conf_err(p, t->line, "string too long");
		t->type = T_ERROR;
	}
}

static void
conf_lex_bare(struct conf_parser *p, struct conf_tok *t, int c)
{
	struct conf_file	*cf = p->file;
	size_t			 n = 0;
	int			 toolong = 0;

	t->type = T_WORD;
	while (!conf_isdelim(c)) {
		if (n + 1 >= sizeof(t->s))
			toolong = 1;
		else
			t->s[n++] = c;
		c = getc(cf->f);
	}
	ungetc(c, cf->f);
	t->s[n] = '\0';
	if (toolong) {
		conf_err(p, t->line, "word too long");
		t->type = T_ERROR;
	}
}

static void
conf_lex(struct conf_parser *p, struct conf_tok *t)
{
	struct conf_file	*cf = p->file;
	int			 c;

	if (cf->havepeek) {
		*t = cf->peek;
		cf->havepeek = 0;
		return;
	}
	t->s[0] = '\0';
	for (;;) {
		c = getc(cf->f);
		if (c == '\n')
			cf->line++;
		else if (c == '#') {
			while ((c = getc(cf->f)) != '\n' && c != EOF)
				;
			ungetc(c, cf->f);
		} else if (c != ' ' && c != '\t' && c != '\r')
			break;
	}
	t->line = cf->line;
	if (c == EOF)
		t->type = T_EOF;
	else if (c == '{')
		t->type = T_OPEN;
	else if (c == '}')
		t->type = T_CLOSE;
	else if (c == '"')
		conf_lex_quoted(p, t);
	else
		conf_lex_bare(p, t, c);
}

static void
conf_unlex(struct conf_parser *p, const struct conf_tok *t)
{
	p->file->peek = *t;
	p->file->havepeek = 1;
}

/* Error recovery: skip what is left of a bad statement, i.e. the tokens
 * on the same line, and a whole { } block if one opens there. A closing
 * brace is left alone: it most likely ends the enclosing block. */
static void
conf_skip_statement(struct conf_parser *p, int line)
{
	struct conf_tok	t;
	int		depth = 0;

	for (;;) {
		conf_lex(p, &t);
		if (t.type == T_EOF)
			break;
		if (depth == 0 && (t.line != line || t.type == T_CLOSE))
			break;
		if (t.type == T_OPEN)
			depth++;
		else if (t.type == T_CLOSE)
			depth--;
	}
	conf_unlex(p, &t);
}

/* After an unexpected "{": skip up to its matching "}". */
static void
conf_skip_block(struct conf_parser *p)
{
	struct conf_tok	t;
	int		depth = 1;

	while (depth > 0) {
		conf_lex(p, &t);
		if (t.type == T_EOF) {
			conf_unlex(p, &t);
			return;
		}
		if (t.type == T_OPEN)
			depth++;
		else if (t.type == T_CLOSE)
			depth--;
	}
}

/* Values */

static int
conf_value(struct conf_parser *p, const struct conf_tok *kw,
    struct conf_tok *t)
{
	conf_lex(p, t);
	if (t->type == T_WORD)
		return (0);
	if (t->type != T_ERROR) {
		conf_err(p, kw->line, "missing value after \"%s\"", kw->s);
		conf_unlex(p, t);
	}
	return (-1);
}

static int
conf_strtonum(const char *s, long long *out)
{
	char	*end;

	if (s[0] == '\0' || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
		return (-1);
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return (-1);
	return (0);
}

static int
conf_num(struct conf_parser *p, const struct conf_tok *kw, int min, int max,
    int *out)
{
	struct conf_tok	t;
	long long	v;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	if (conf_strtonum(t.s, &v) == -1) {
		conf_err(p, t.line, "%s \"%s\" is not a number", kw->s, t.s);
		return (-1);
	}
	if (v < min || v > max) {
		conf_err(p, t.line, "%s %s out of range (%d..%d)", kw->s, t.s,
		    min, max);
		return (-1);
	}
	*out = v;
	return (0);
}

static int
conf_yesno(struct conf_parser *p, const struct conf_tok *kw, int *out)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	if (strcmp(t.s, "yes") == 0)
		*out = 1;
	else if (strcmp(t.s, "no") == 0)
		*out = 0;
	else {
		conf_err(p, t.line, "%s must be yes or no, not \"%s\"", kw->s,
		    t.s);
		return (-1);
	}
	return (0);
}

static int
conf_string(struct conf_parser *p, const struct conf_tok *kw, char *buf,
    size_t len)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	if (strlcpy(buf, t.s, len) >= len) {
		conf_err(p, t.line, "%s \"%s\" too long (max %zu)", kw->s, t.s,
		    len - 1);
		return (-1);
	}
	return (0);
}

/* Linux refuses "", ".", "..", '/', ':' and white space in names. */
static int
conf_ifname(struct conf_parser *p, const char *what, const struct conf_tok *t,
    char *buf)
{
	if (strlen(t->s) >= IFNAMSIZ) {
		conf_err(p, t->line, "%s \"%s\" too long for an interface "
		    "name (max %d)", what, t->s, IFNAMSIZ - 1);
		return (-1);
	}
	if (t->s[0] == '\0' || strcmp(t->s, ".") == 0 ||
	    strcmp(t->s, "..") == 0 || strpbrk(t->s, "/: \t") != NULL) {
		conf_err(p, t->line, "%s \"%s\" is not a valid interface name",
		    what, t->s);
		return (-1);
	}
	strlcpy(buf, t->s, IFNAMSIZ);
	return (0);
}

static int
conf_ifvalue(struct conf_parser *p, const struct conf_tok *kw, char *buf)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	return (conf_ifname(p, kw->s, &t, buf));
}

static int
conf_ismcast(const struct conf_addr *a)
{
	if (a->af == AF_INET)
		return (IN_MULTICAST(ntohl(a->a.v4.s_addr)));
	return (IN6_IS_ADDR_MULTICAST(&a->a.v6));
}

/* with_plen: a /prefix is allowed (host length if omitted); otherwise
 * the value must be a plain address. mcast: must be a multicast one. */
static int
conf_addrvalue(struct conf_parser *p, const struct conf_tok *kw,
    int with_plen, int mcast, struct conf_addr *a)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	if (conf_addr_parse(t.s, a, with_plen) == -1) {
		conf_err(p, t.line, "%s: bad %s \"%s\"", kw->s,
		    with_plen ? "address or prefix" : "address", t.s);
		return (-1);
	}
	if (mcast && !conf_ismcast(a)) {
		conf_err(p, t.line, "%s: %s is not a multicast address",
		    kw->s, t.s);
		return (-1);
	}
	return (0);
}

/* Durations need a unit: "20ms", "30s", "2m". A bare number would be
 * ambiguous between defer-timeout (ms scale) and bulk-timeout (s). */
static int
conf_duration(struct conf_parser *p, const struct conf_tok *kw,
    unsigned min, unsigned max, unsigned *out)
{
	struct conf_tok		 t;
	unsigned long long	 v, mult;
	char			*end;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	errno = 0;
	v = strtoull(t.s, &end, 10);
	if (t.s[0] < '0' || t.s[0] > '9' || errno == ERANGE)
		mult = 0;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else
		mult = 0;
	if (mult == 0) {
		conf_err(p, t.line, "%s \"%s\" is not a duration "
		    "(number with ms, s or m)", kw->s, t.s);
		return (-1);
	}
	if (v > max || v * mult < min || v * mult > max) {
		conf_err(p, t.line, "%s %s out of range (%ums..%ums)", kw->s,
		    t.s, min, max);
		return (-1);
	}
	*out = v * mult;
	return (0);
}

/* Files */

static int
conf_path(struct conf_parser *p, const struct conf_tok *t, char *buf,
    size_t len)
{
	const char	*cur = p->file->name, *slash;
	int		 n;

	slash = strrchr(cur, '/');
	if (t->s[0] == '/' || slash == NULL)
		n = snprintf(buf, len, "%s", t->s);
	else
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - cur), cur,
		    t->s);
	if (n < 0 || (size_t)n >= len) {
		conf_err(p, t->line, "path \"%s\" too long", t->s);
		return (-1);
	}
	return (0);
}

static int
conf_pathvalue(struct conf_parser *p, const struct conf_tok *kw, char *buf,
    size_t len)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	if (t.s[0] == '\0') {
		conf_err(p, t.line, "%s: empty path", kw->s);
		return (-1);
	}
	return (conf_path(p, &t, buf, len));
}

/* Like bgpd's check_file_secrecy(): owned by us or root, and no access
 * for group or others. */
static int
conf_secrecy_st(const char *path, const struct stat *st, char *why,
    size_t len)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, len, "%s is not a regular file", path);
		return (-1);
	}
	if (st->st_uid != 0 && st->st_uid != getuid()) {
		snprintf(why, len, "%s is owned by uid %u", path,
		    (unsigned)st->st_uid);
		return (-1);
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, len, "%s is readable by group or others", path);
		return (-1);
	}
	return (0);
}

int
conf_check_secrecy(const char *path, char *why, size_t len)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (conf_secrecy_st(path, &st, why, len));
}

/* Read a secret file whole; one trailing newline (or CR LF) is dropped so
 * that files written by echo or an editor hold what the operator typed.
 * The secrecy check is made on the open descriptor, not the path. */
static int
conf_read_secret(struct conf_parser *p, int line, const char *what,
    const char *path, uint8_t *buf, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		 why[PATH_MAX + 64];
	uint8_t		 tmp[CONF_KEYMAX + CONF_PASSMAX + 2];
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)) == -1) {
		conf_err(p, line, "%s %s: %s", what, path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1)
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	else if (conf_secrecy_st(path, &st, why, sizeof(why)) == 0)
		why[0] = '\0';
	if (why[0] != '\0') {
		conf_err(p, line, "%s %s", what, why);
		close(fd);
		return (-1);
	}
	while (len < sizeof(tmp) &&
	    (n = read(fd, tmp + len, sizeof(tmp) - len)) > 0)
		len += n;
	close(fd);
	if (len > 0 && tmp[len - 1] == '\n')
		len--;
	if (len > 0 && tmp[len - 1] == '\r')
		len--;
	if (len > max) {
		conf_err(p, line, "%s %s is longer than %zu bytes", what, path,
		    max);
		return (-1);
	}
	memcpy(buf, tmp, len);
	explicit_bzero(tmp, sizeof(tmp));
	*lenp = len;
	return (0);
}

static int
conf_script(struct conf_parser *p, const struct conf_tok *kw, char *buf,
    size_t len)
{
	struct stat	st;
	int		line = kw->line;

	if (conf_pathvalue(p, kw, buf, len) == -1)
		return (-1);
	if (stat(buf, &st) == -1) {
		conf_err(p, line, "%s %s: %s", kw->s, buf, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		conf_err(p, line, "%s %s is not an executable regular file",
		    kw->s, buf);
		return (-1);
	}
	return (0);
}

/* Blocks */

/* A { } block of statements from kws; what names it in messages.
 * -1 if the block is missing or unterminated, so that the caller does
 * not add "missing ..." noise to the real mistake. */
static int
conf_block(struct conf_parser *p, const struct conf_kw *kws, int line,
    const char *what)
{
	const struct conf_kw	*k;
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
		for (k = kws; k->name != NULL; k++)
			if (strcmp(k->name, t.s) == 0)
				break;
		if (k->name == NULL) {
			conf_err(p, t.line, "unknown keyword \"%s\"", t.s);
			conf_skip_statement(p, t.line);
			continue;
		}
		k->fn(p, &t);
	}
}

/* group NAME { demote N } */

static void
conf_group_demote(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 0, 255, &p->group->demote);
}

static const struct conf_kw conf_group_kws[] = {
	{ "demote",	conf_group_demote },
	{ NULL,		NULL }
};

static int
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
	p->group = g;
	conf_block(p, conf_group_kws, kw->line, what);
	p->group = NULL;
}

/* carp NAME { ... } */

static void
conf_carp_vhid(struct conf_parser *p, const struct conf_tok *kw)
{
	p->vhid_line = kw->line;
	conf_num(p, kw, 1, 255, &p->carp->vhid);
}

static void
conf_carp_carpdev(struct conf_parser *p, const struct conf_tok *kw)
{
	p->dev_line = kw->line;
	conf_ifvalue(p, kw, p->carp->carpdev);
}

static int
conf_carp_passdup(struct conf_parser *p, const struct conf_tok *kw)
{
	if (p->pass_line == 0) {
		p->pass_line = kw->line;
		return (0);
	}
	conf_err(p, kw->line, "password given twice (first at line %d)",
	    p->pass_line);
	conf_skip_statement(p, kw->line);
	return (-1);
}

static void
conf_carp_password(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_carp	*c = p->carp;
	struct conf_tok		 t;
	size_t			 len;

	if (conf_carp_passdup(p, kw) == -1 || conf_value(p, kw, &t) == -1)
		return;
	len = strlen(t.s);
	if (len > CONF_PASSMAX) {
		conf_err(p, t.line, "password longer than %d bytes",
		    CONF_PASSMAX);
		return;
	}
	memcpy(c->password, t.s, len);
	c->passlen = len;
	explicit_bzero(t.s, sizeof(t.s));
}

static void
conf_carp_passfile(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_carp	*c = p->carp;

	if (conf_carp_passdup(p, kw) == -1 ||
	    conf_pathvalue(p, kw, c->password_file,
	    sizeof(c->password_file)) == -1)
		return;
	conf_read_secret(p, kw->line, "password file", c->password_file,
	    c->password, CONF_PASSMAX, &c->passlen);
}

static void
conf_carp_advbase(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 0, 254, &p->carp->advbase);
}

static void
conf_carp_advskew(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 0, 254, &p->carp->advskew);
}

static void
conf_carp_address(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_carp	*c = p->carp;
	struct conf_addr	 a;
	char			 buf[INET6_ADDRSTRLEN + 8];
	int			 i;

	p->addr_line = kw->line;
	if (conf_addrvalue(p, kw, 1, 0, &a) == -1)
		return;
	for (i = 0; i < c->naddrs; i++)
		if (conf_addr_cmp(&c->addrs[i], &a) == 0) {
			conf_addr_print(&a, 1, buf, sizeof(buf));
			conf_err(p, kw->line, "duplicate address %s", buf);
			return;
		}
	if (c->naddrs >= CONF_MAXADDRS) {
		conf_err(p, kw->line, "too many addresses (max %d)",
		    CONF_MAXADDRS);
		return;
	}
	c->addrs[c->naddrs++] = a;
}

static void
conf_carp_group(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_carp	*c = p->carp;
	struct conf_tok		 t;
	int			 i;

	if (conf_value(p, kw, &t) == -1 || conf_groupname(p, &t) == -1)
		return;
	/* every carp is in group "carp" anyway; don't spend a slot */
	if (strcmp(t.s, "carp") == 0)
		return;
	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i], t.s) == 0)
			return;
	if (c->ngroups >= CONF_MAXGROUPS) {
		conf_err(p, t.line, "too many groups (max %d)",
		    CONF_MAXGROUPS);
		return;
	}
	strlcpy(c->groups[c->ngroups++], t.s, CONF_NAMELEN);
}

static void
conf_carp_preempt_kw(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_yesno(p, kw, &p->carp->preempt);
}

static void
conf_carp_vmac(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_yesno(p, kw, &p->carp->vmac);
}

static void
conf_carp_peer(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_addrvalue(p, kw, 0, 0, &p->carp->peer);
}

static void
conf_carp_mcast(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_addrvalue(p, kw, 0, 1, &p->carp->mcast);
}

static void
conf_carp_auth(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return;
	if (strcmp(t.s, "compat") == 0)
		p->carp->auth = AUTH_COMPAT;
	else if (strcmp(t.s, "strict") == 0)
		p->carp->auth = AUTH_STRICT;
	else
		conf_err(p, t.line, "auth must be compat or strict, not "
		    "\"%s\"", t.s);
}

static void
conf_carp_upscript(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_script(p, kw, p->carp->up_script, sizeof(p->carp->up_script));
}

static void
conf_carp_downscript(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_script(p, kw, p->carp->down_script,
	    sizeof(p->carp->down_script));
}

static void
conf_carp_scriptarg(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_string(p, kw, p->carp->script_arg, sizeof(p->carp->script_arg));
}

static const struct conf_kw conf_carp_kws[] = {
	{ "vhid",		conf_carp_vhid },
	{ "carpdev",		conf_carp_carpdev },
	{ "password",		conf_carp_password },
	{ "password-file",	conf_carp_passfile },
	{ "advbase",		conf_carp_advbase },
	{ "advskew",		conf_carp_advskew },
	{ "address",		conf_carp_address },
	{ "group",		conf_carp_group },
	{ "preempt",		conf_carp_preempt_kw },
	{ "vmac",		conf_carp_vmac },
	{ "peer",		conf_carp_peer },
	{ "mcast",		conf_carp_mcast },
	{ "auth",		conf_carp_auth },
	{ "up-script",		conf_carp_upscript },
	{ "down-script",	conf_carp_downscript },
	{ "script-arg",		conf_carp_scriptarg },
	{ NULL,			NULL }
};

/* What a carp block needs as a whole, checked at its closing brace. */
static void
conf_carp_check(struct conf_parser *p)
{
	struct conf_carp	*c = p->carp, *o;

	/* "missing" only when never given: a bad value was reported */
	if (p->vhid_line == 0)
		conf_err(p, c->line, "%s: missing vhid", p->what);
	if (p->dev_line == 0)
		conf_err(p, c->line, "%s: missing carpdev", p->what);
	if (p->addr_line == 0)
		conf_err(p, c->line, "%s: missing address", p->what);
	if (c->advbase == 0 && c->advskew == 0)
		conf_err(p, c->line, "%s: advbase 0 needs an advskew above "
		    "0", p->what);
	if (c->auth == AUTH_COMPAT && c->passlen > CONF_COMPAT_PASSMAX)
		conf_err(p, p->pass_line, "password is %zu bytes, auth compat "
		    "allows at most %d", c->passlen, CONF_COMPAT_PASSMAX);
	if (c->vhid == 0 || c->carpdev[0] == '\0')
		return;
	TAILQ_FOREACH(o, &p->conf->carps, entry)
		if (o != c && o->vhid == c->vhid &&
		    strcmp(o->carpdev, c->carpdev) == 0) {
			conf_err(p, p->vhid_line, "duplicate vhid %d on %s "
			    "(carp %s has it)", c->vhid, c->carpdev, o->name);
			break;
		}
}

static void
conf_carp(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_carp	*c, *o;
	struct conf_tok		 t;

	if (conf_value(p, kw, &t) == -1)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		conf_err(p, t.line, "%s", strerror(errno));
		return;
	}
	c->line = kw->line;
	c->advbase = 1;
	c->preempt = -1;
	c->auth = AUTH_COMPAT;
	if (conf_ifname(p, "carp name", &t, c->name) == 0) {
		TAILQ_FOREACH(o, &p->conf->carps, entry)
			if (strcmp(o->name, c->name) == 0) {
				conf_err(p, t.line, "duplicate carp \"%s\" "
				    "(first at line %d)", c->name, o->line);
				break;
			}
	}
	TAILQ_INSERT_TAIL(&p->conf->carps, c, entry);
	snprintf(p->what, sizeof(p->what), "carp %.56s", t.s);
	p->carp = c;
	p->vhid_line = p->dev_line = p->addr_line = p->pass_line = 0;
	if (conf_block(p, conf_carp_kws, kw->line, p->what) == 0)
		conf_carp_check(p);
	p->carp = NULL;
}

/* sync { ... } */

static void
conf_sync_syncdev(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_ifvalue(p, kw, p->conf->sync.syncdev);
}

static void
conf_sync_syncpeer(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_addrvalue(p, kw, 0, 0, &p->conf->sync.syncpeer);
}

static void
conf_sync_mcast(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_addrvalue(p, kw, 0, 1, &p->conf->sync.mcast);
}

static void
conf_sync_port(struct conf_parser *p, const struct conf_tok *kw)
{
	int	port;

	if (conf_num(p, kw, 1, 65535, &port) == 0)
		p->conf->sync.port = port;
}

static void
conf_sync_keyfile(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;

	if (conf_pathvalue(p, kw, s->key_file, sizeof(s->key_file)) == -1)
		return;
	if (conf_read_secret(p, kw->line, "key file", s->key_file, s->key,
	    CONF_KEYMAX, &s->keylen) == -1)
		return;
	if (s->keylen < 16)
		conf_err(p, kw->line, "key file %s is %zu bytes, need 16..%d",
		    s->key_file, s->keylen, CONF_KEYMAX);
}

static void
conf_sync_defer(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_yesno(p, kw, &p->conf->sync.defer);
}

static void
conf_sync_defertimeout(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_duration(p, kw, 1, 10000, &p->conf->sync.defer_timeout_ms);
}

static void
conf_sync_bulktimeout(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_duration(p, kw, 100, 3600000, &p->conf->sync.bulk_timeout_ms);
}

static void
conf_sync_refresh(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_duration(p, kw, 1000, 3600000, &p->conf->sync.refresh_ms);
}

static void
conf_sync_bulkdemote(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 0, 255, &p->conf->sync.bulk_demote);
}

static void
conf_sync_linkdemote(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 0, 255, &p->conf->sync.link_demote);
}

static void
conf_sync_ignore(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;
	struct conf_addr	 a;

	if (conf_addrvalue(p, kw, 1, 0, &a) == -1)
		return;
	if (s->nignore >= CONF_MAXIGNORE) {
		conf_err(p, kw->line, "too many ignore prefixes (max %d)",
		    CONF_MAXIGNORE);
		return;
	}
	s->ignore[s->nignore++] = a;
}

static void
conf_sync_ctlsock(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_pathvalue(p, kw, p->conf->sync.control_socket,
	    sizeof(p->conf->sync.control_socket));
}

static void
conf_sync_carpdsock(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_pathvalue(p, kw, p->conf->sync.carpd_socket,
	    sizeof(p->conf->sync.carpd_socket));
}

static const struct conf_kw conf_sync_kws[] = {
	{ "syncdev",		conf_sync_syncdev },
	{ "syncpeer",		conf_sync_syncpeer },
	{ "mcast",		conf_sync_mcast },
	{ "port",		conf_sync_port },
	{ "key-file",		conf_sync_keyfile },
	{ "defer",		conf_sync_defer },
	{ "defer-timeout",	conf_sync_defertimeout },
	{ "bulk-timeout",	conf_sync_bulktimeout },
	{ "refresh",		conf_sync_refresh },
	{ "bulk-demote",	conf_sync_bulkdemote },
	{ "link-demote",	conf_sync_linkdemote },
	{ "ignore",		conf_sync_ignore },
	{ "control-socket",	conf_sync_ctlsock },
	{ "carpd-socket",	conf_sync_carpdsock },
	{ NULL,			NULL }
};

static void
conf_sync(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;

	if (s->present)
		conf_err(p, kw->line, "more than one sync block (first at "
		    "line %d)", s->line);
	else
		s->line = kw->line;
	s->present = 1;
	if (conf_block(p, conf_sync_kws, kw->line, "sync") == -1)
		return;
	/* syncd cannot run without a link, and never unauthenticated */
	if (s->syncdev[0] == '\0')
		conf_err(p, kw->line, "sync: missing syncdev");
	if (s->key_file[0] == '\0')
		conf_err(p, kw->line, "sync: missing key-file");
}

/* Global statements */

static void
conf_g_preempt(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_yesno(p, kw, &p->conf->preempt);
}

static void
conf_g_deadratio(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_num(p, kw, 1, 255, &p->conf->deadratio);
}

static void
conf_g_ctlsock(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_pathvalue(p, kw, p->conf->control_socket,
	    sizeof(p->conf->control_socket));
}

static void
conf_g_statefile(struct conf_parser *p, const struct conf_tok *kw)
{
	conf_pathvalue(p, kw, p->conf->state_file,
	    sizeof(p->conf->state_file));
}

static void	conf_include(struct conf_parser *, const struct conf_tok *);

static const struct conf_kw conf_top_kws[] = {
	{ "preempt",		conf_g_preempt },
	{ "deadratio",		conf_g_deadratio },
	{ "control-socket",	conf_g_ctlsock },
	{ "state-file",		conf_g_statefile },
	{ "group",		conf_group },
	{ "carp",		conf_carp },
	{ "sync",		conf_sync },
	{ "include",		conf_include },
	{ NULL,			NULL }
};

static void
conf_toplevel(struct conf_parser *p)
{
	const struct conf_kw	*k;
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
		for (k = conf_top_kws; k->name != NULL; k++)
			if (strcmp(k->name, t.s) == 0)
				break;
		if (k->name == NULL) {
			conf_err(p, t.line, "unknown keyword \"%s\"", t.s);
			conf_skip_statement(p, t.line);
			continue;
		}
		k->fn(p, &t);
	}
}

/* Open path as a new file on the stack; errors are the caller's. */
static struct conf_file *
conf_file_open(struct conf_parser *p, const char *path, const char **why)
{
	struct conf_file	*cf, *o;
	struct stat		 st;

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		*why = strerror(errno);
		return (NULL);
	}
	strlcpy(cf->name, path, sizeof(cf->name));
	cf->line = 1;
	if ((cf->f = fopen(path, "r")) == NULL ||
	    fstat(fileno(cf->f), &st) == -1) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	cf->dev = st.st_dev;
	cf->ino = st.st_ino;
	for (o = p->file; o != NULL; o = o->parent)
		if (o->dev == cf->dev && o->ino == cf->ino) {
			*why = "include loop";
			goto fail;
		}
	cf->parent = p->file;
	cf->depth = p->file ? p->file->depth + 1 : 0;
	return (cf);
 fail:
	if (cf->f != NULL)
		fclose(cf->f);
	free(cf);
	return (NULL);
}

static void
conf_file_parse(struct conf_parser *p, struct conf_file *cf)
{
	p->file = cf;
	conf_toplevel(p);
	p->file = cf->parent;
	fclose(cf->f);
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

static void
conf_defaults(struct carp_conf *conf)
{
	struct conf_sync	*s = &conf->sync;

	TAILQ_INIT(&conf->groups);
	TAILQ_INIT(&conf->carps);
	conf->preempt = 0;
	conf->deadratio = 3;
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
	explicit_bzero(&conf->sync, sizeof(conf->sync));
	free(conf);
}

int
conf_carp_preempt(const struct carp_conf *conf, const struct conf_carp *c)
{
	return (c->preempt >= 0 ? c->preempt : conf->preempt);
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
	    strcmp(a->script_arg, b->script_arg) != 0)
		return (0);
	for (i = 0; i < a->naddrs; i++)
		if (conf_addr_cmp(&a->addrs[i], &b->addrs[i]) != 0)
			return (0);
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0)
			return (0);
	return (1);
}

/* Address helpers.
 *
 * conf_addr_parse(s, a, with_plen): with_plen non-zero accepts
 * "addr/plen" and, when the prefix is left out, takes the host length
 * (/32 or /128) so "address 192.0.2.1" means exactly that address; with
 * with_plen zero a "/plen" is refused and plen is the host length. */
int
conf_addr_parse(const char *s, struct conf_addr *a, int with_plen)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	long long	 plen = -1;
	int		 max;

	memset(a, 0, sizeof(*a));
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return (-1);
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!with_plen || slash[1] < '0' || slash[1] > '9' ||
		    (slash[1] == '0' && slash[2] != '\0') ||
		    conf_strtonum(slash + 1, &plen) == -1)
			return (-1);
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, &a->a.v4) == 1) {
		a->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->a.v6) == 1) {
		a->af = AF_INET6;
		max = 128;
	} else {
		memset(a, 0, sizeof(*a));
		return (-1);
	}
	if (plen > max) {
		memset(a, 0, sizeof(*a));
		return (-1);
	}
	a->plen = plen >= 0 ? plen : max;
	return (0);
}

void
conf_addr_print(const struct conf_addr *a, int with_plen, char *buf,
    size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (a->af != AF_INET && a->af != AF_INET6) {
		snprintf(buf, len, "none");
		return;
	}
	inet_ntop(a->af, &a->a, tmp, sizeof(tmp));
	if (with_plen)
		snprintf(buf, len, "%s/%u", tmp, a->plen);
	else
		snprintf(buf, len, "%s", tmp);
}

int
conf_addr_cmp(const struct conf_addr *a, const struct conf_addr *b)
{
	int	r;

	if (a->af != b->af)
		return (a->af < b->af ? -1 : 1);
	if (a->af == AF_INET)
		r = memcmp(&a->a.v4, &b->a.v4, sizeof(a->a.v4));
	else if (a->af == AF_INET6)
		r = memcmp(&a->a.v6, &b->a.v6, sizeof(a->a.v6));
	else
		return (0);
	if (r != 0)
		return (r);
	if (a->plen != b->plen)
		return (a->plen < b->plen ? -1 : 1);
	return (0);
}
