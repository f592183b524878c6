/* Values after a keyword: numbers, yes/no, strings, interface names,
 * addresses, durations and paths. Each reports its own mistake as
 * "file:line: message" and returns -1, so a keyword handler only stores. */
#include <sys/types.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

int
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

int
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

int
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

int
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

int
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
int
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

int
conf_ifvalue(struct conf_parser *p, const struct conf_tok *kw, char *buf)
{
	struct conf_tok	t;

	if (conf_value(p, kw, &t) == -1)
		return (-1);
	return (conf_ifname(p, kw->s, &t, buf));
}

/* with_plen: a /prefix is allowed (host length if omitted); otherwise
 * the value must be a plain address. mcast: must be a multicast one. */
int
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
int
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

int
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

int
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

int
conf_script(struct conf_parser *p, const struct conf_tok *kw, char *buf,
    size_t len)
{
	char	why[2 * PATH_MAX + 64];
	int	line = kw->line;

	if (conf_pathvalue(p, kw, buf, len) == -1)
		return (-1);
	if (conf_check_script(buf, why, sizeof(why)) == -1) {
		conf_err(p, line, "%s %s", kw->s, why);
		return (-1);
	}
	return (0);
}

void
conf_kw_store(struct conf_parser *p, const struct conf_kw *k, void *base,
    const struct conf_tok *kw)
{
	char	*field = (char *)base + k->off;

	switch (k->type) {
	case CONF_V_NUM:
		conf_num(p, kw, k->min, k->max, (int *)field);
		break;
	case CONF_V_YESNO:
		conf_yesno(p, kw, (int *)field);
		break;
	case CONF_V_DURATION:
		conf_duration(p, kw, k->min, k->max, (unsigned *)field);
		break;
	case CONF_V_STRING:
		conf_string(p, kw, field, k->size);
		break;
	case CONF_V_IFNAME:
		conf_ifvalue(p, kw, field);
		break;
	case CONF_V_ADDR:
	case CONF_V_MCAST:
		conf_addrvalue(p, kw, 0, k->type == CONF_V_MCAST,
		    (struct conf_addr *)(void *)field);
		break;
	case CONF_V_PATH:
		conf_pathvalue(p, kw, field, k->size);
		break;
	case CONF_V_SCRIPT:
		conf_script(p, kw, field, k->size);
		break;
	case CONF_V_FN:
		k->fn(p, kw);
		break;
	}
}
