/* track NAME { ... }: a health check whose failure raises a group's
 * demote counter (carpd/track.h runs them).
 *
 *	track uplink {
 *		script "/etc/carp/check-uplink"	# or: route 0.0.0.0/0
 *		interval 1s timeout 800ms	#     interface eth3
 *		fall 3 rise 2
 *		demote 50 group internal
 *	}
 *
 * Exactly one of script, route and interface. The group must be one the
 * configuration knows (a group block, a carp's group, or "carp", which
 * every carp is in): a typo would otherwise demote a group with no
 * member and move nothing. It is checked once the whole file is read,
 * since the carp naming it may come later. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "compat.h"
#include "conf_priv.h"

/* The three kinds exclude each other: the first one given wins. */
static int
conf_track_kind(struct conf_parser *p, const struct conf_tok *kw,
    enum conf_track_kind kind)
{
	struct conf_track	*t = p->track;

	if (t->kind != TRACK_KIND_NONE) {
		conf_err(p, kw->line, "%s: %s given, %s is another kind of "
		    "check", p->what, conf_track_kind_name(t->kind), kw->s);
		conf_skip_statement(p, kw->line);
		return (-1);
	}
	t->kind = kind;
	return (0);
}

static void
conf_track_script(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_track	*t = p->track;

	if (conf_track_kind(p, kw, TRACK_KIND_SCRIPT) == 0)
		conf_script(p, kw, t->script, sizeof(t->script));
}

/* The prefix as the kernel holds it: host bits set would never match. */
static void
conf_track_route(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_track	*t = p->track;
	struct conf_addr	 a;
	const uint8_t		*b;
	int			 i, len;

	if (conf_track_kind(p, kw, TRACK_KIND_ROUTE) == -1 ||
	    conf_addrvalue(p, kw, 1, 0, &a) == -1)
		return;
	b = (const uint8_t *)&a.a;
	len = a.af == AF_INET ? 4 : 16;
	for (i = 0; i < len * 8; i++)
		if (i >= a.plen && (b[i / 8] & (0x80 >> (i % 8)))) {
			conf_err(p, kw->line, "route: host bits set beyond "
			    "/%d", a.plen);
			return;
		}
	t->route = a;
}

static void
conf_track_interface(struct conf_parser *p, const struct conf_tok *kw)
{
	if (conf_track_kind(p, kw, TRACK_KIND_INTERFACE) == 0)
		conf_ifvalue(p, kw, p->track->ifname);
}

static void
conf_track_group(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_tok	 t;

	if (conf_value(p, kw, &t) == -1 || conf_groupname(p, &t) == -1)
		return;
	strlcpy(p->track->group, t.s, sizeof(p->track->group));
	p->track->group_line = t.line;
}

#define TRACK(f)	CONF_FIELD(struct conf_track, f)

static const struct conf_kw conf_track_kws[] = {
	{ "script",	conf_track_script },
	{ "route",	conf_track_route },
	{ "interface",	conf_track_interface },
	{ "interval",	NULL, CONF_V_DURATION, TRACK(interval_ms), 100,
	    3600000 },
	{ "timeout",	NULL, CONF_V_DURATION, TRACK(timeout_ms), 10, 60000 },
	{ "fall",	NULL, CONF_V_NUM, TRACK(fall), 1, 255 },
	{ "rise",	NULL, CONF_V_NUM, TRACK(rise), 1, 255 },
	{ "demote",	NULL, CONF_V_NUM, TRACK(demote), 0, 255 },
	{ "group",	conf_track_group },
	{ NULL }
};

static struct conf_track *
conf_track_new(struct conf_parser *p, const struct conf_tok *kw,
    const struct conf_tok *name)
{
	struct conf_track	*t, *o;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		conf_err(p, kw->line, "%s", strerror(errno));
		return (NULL);
	}
	t->line = kw->line;
	strlcpy(t->file, p->file->name, sizeof(t->file));
	t->interval_ms = TRACK_INTERVAL_MS;
	t->timeout_ms = TRACK_TIMEOUT_MS;
	t->fall = TRACK_FALL;
	t->rise = TRACK_RISE;
	t->demote = TRACK_DEMOTE;
	strlcpy(t->group, "carp", sizeof(t->group));
	if (strlen(name->s) >= sizeof(t->name) || name->s[0] == '\0')
		conf_err(p, name->line, "track name \"%s\" empty or too long "
		    "(max %zu)", name->s, sizeof(t->name) - 1);
	else
		strlcpy(t->name, name->s, sizeof(t->name));
	TAILQ_FOREACH(o, &p->conf->tracks, entry)
		if (t->name[0] != '\0' && strcmp(o->name, t->name) == 0) {
			conf_err(p, name->line, "duplicate track \"%s\" "
			    "(first at line %d)", t->name, o->line);
			break;
		}
	TAILQ_INSERT_TAIL(&p->conf->tracks, t, entry);
	return (t);
}

void
conf_track(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_track	*t;
	struct conf_tok		 name;

	if (conf_value(p, kw, &name) == -1 ||
	    (t = conf_track_new(p, kw, &name)) == NULL)
		return;
	snprintf(p->what, sizeof(p->what), "track %.56s", name.s);
	p->track = t;
	if (conf_block(p, conf_track_kws, t, kw->line, p->what) == 0 &&
	    t->kind == TRACK_KIND_NONE)
		conf_err(p, t->line, "%s: missing script, route or interface",
		    p->what);
	p->track = NULL;
}

static int
conf_track_group_known(const struct carp_conf *conf, const char *name)
{
	const struct conf_group	*g;
	const struct conf_carp	*c;
	int			 i;

	if (strcmp(name, "carp") == 0)
		return (1);
	TAILQ_FOREACH(g, &conf->groups, entry)
		if (strcmp(g->name, name) == 0)
			return (1);
	TAILQ_FOREACH(c, &conf->carps, entry)
		for (i = 0; i < c->ngroups; i++)
			if (strcmp(c->groups[i], name) == 0)
				return (1);
	return (0);
}

/* After the last file is closed: the message names the track's own. */
void
conf_track_check_groups(struct conf_parser *p)
{
	const struct conf_track	*t;

	TAILQ_FOREACH(t, &p->conf->tracks, entry) {
		if (conf_track_group_known(p->conf, t->group))
			continue;
		fprintf(p->errf, "%s:%d: track %s: no group \"%s\" (a group "
		    "block, a carp's group, or carp)\n", t->file,
		    t->group_line ? t->group_line : t->line, t->name, t->group);
		p->errors++;
	}
}

void
conf_track_free(struct carp_conf *conf)
{
	struct conf_track	*t;

	while ((t = TAILQ_FIRST(&conf->tracks)) != NULL) {
		TAILQ_REMOVE(&conf->tracks, t, entry);
		free(t);
	}
}

const char *
conf_track_kind_name(enum conf_track_kind kind)
{
	switch (kind) {
	case TRACK_KIND_SCRIPT:
		return ("script");
	case TRACK_KIND_ROUTE:
		return ("route");
	case TRACK_KIND_INTERFACE:
		return ("interface");
	default:
		return ("none");
	}
}

const char *
conf_track_target(const struct conf_track *t, char *buf, size_t len)
{
	switch (t->kind) {
	case TRACK_KIND_SCRIPT:
		strlcpy(buf, t->script, len);
		break;
	case TRACK_KIND_ROUTE:
		conf_addr_print(&t->route, 1, buf, len);
		break;
	case TRACK_KIND_INTERFACE:
		strlcpy(buf, t->ifname, len);
		break;
	default:
		strlcpy(buf, "", len);
		break;
	}
	return (buf);
}

int
conf_track_same_target(const struct conf_track *a, const struct conf_track *b)
{
	if (a->kind != b->kind)
		return (0);
	switch (a->kind) {
	case TRACK_KIND_SCRIPT:
		return (strcmp(a->script, b->script) == 0);
	case TRACK_KIND_ROUTE:
		return (conf_addr_cmp(&a->route, &b->route) == 0);
	case TRACK_KIND_INTERFACE:
		return (strcmp(a->ifname, b->ifname) == 0);
	default:
		return (1);
	}
}

int
conf_track_equal(const struct conf_track *a, const struct conf_track *b)
{
	return (strcmp(a->name, b->name) == 0 &&
	    conf_track_same_target(a, b) &&
	    a->interval_ms == b->interval_ms &&
	    a->timeout_ms == b->timeout_ms && a->fall == b->fall &&
	    a->rise == b->rise && a->demote == b->demote &&
	    strcmp(a->group, b->group) == 0);
}
