/* sync { ... }: syncd's block, at most one per configuration. */
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

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

/* syncdev and syncpeer: up to CONF_MAXSYNCLINKS of each, paired in
 * order (the second syncpeer is reached over the second syncdev). */
static void
conf_sync_dev(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;
	char			 dev[IFNAMSIZ];
	int			 i;

	if (conf_ifvalue(p, kw, dev) == -1)
		return;
	if (s->nsyncdev >= CONF_MAXSYNCLINKS) {
		conf_err(p, kw->line, "too many syncdev (max %d)",
		    CONF_MAXSYNCLINKS);
		return;
	}
	for (i = 0; i < s->nsyncdev; i++)
		if (strcmp(s->syncdev[i], dev) == 0) {
			conf_err(p, kw->line, "syncdev %s given twice", dev);
			return;
		}
	strlcpy(s->syncdev[s->nsyncdev++], dev, IFNAMSIZ);
}

static void
conf_sync_peer(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;
	struct conf_addr	 a;
	char			 buf[64];
	int			 i;

	if (conf_addrvalue(p, kw, 0, 0, &a) == -1)
		return;
	if (s->nsyncpeer >= CONF_MAXSYNCLINKS) {
		conf_err(p, kw->line, "too many syncpeer (max %d)",
		    CONF_MAXSYNCLINKS);
		return;
	}
	for (i = 0; i < s->nsyncpeer; i++)
		if (conf_addr_cmp(&s->syncpeer[i], &a) == 0) {
			conf_addr_print(&a, 0, buf, sizeof(buf));
			conf_err(p, kw->line, "syncpeer %s given twice", buf);
			return;
		}
	s->syncpeer[s->nsyncpeer++] = a;
}

/* "metrics-listen ADDR:PORT" of syncd (metrics): its own port, carpd's
 * is the global one */
static void
conf_sync_metrics(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;

	conf_listen(p, kw, s->metrics_listen, sizeof(s->metrics_listen));
}

/* "defer yes|no": said explicitly, it is kept; otherwise
 * conf_sync_defaults decides once the whole file is read */
static void
conf_sync_defer(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;

	if (conf_yesno(p, kw, &s->defer) == 0)
		s->defer_set = 1;
}

#define SYNC(f)		CONF_FIELD(struct conf_sync, f)

static const struct conf_kw conf_sync_kws[] = {
	{ "syncdev",	    conf_sync_dev },
	{ "syncpeer",	    conf_sync_peer },
	{ "mcast",	    NULL, CONF_V_MCAST, SYNC(mcast) },
	{ "port",	    conf_sync_port },
	{ "key-file",	    conf_sync_keyfile },
	{ "defer",	    conf_sync_defer },
	{ "defer-timeout",  NULL, CONF_V_DURATION, SYNC(defer_timeout_ms),
	    1, 10000 },
	{ "bulk-timeout",   NULL, CONF_V_DURATION, SYNC(bulk_timeout_ms),
	    100, 3600000 },
	{ "refresh",	    NULL, CONF_V_DURATION, SYNC(refresh_ms),
	    1000, 3600000 },
	{ "sync-delay",	    NULL, CONF_V_DURATION, SYNC(sync_delay_ms),
	    0, 60000 },
	{ "bulk-demote",    NULL, CONF_V_NUM, SYNC(bulk_demote), 0, 255 },
	{ "link-demote",    NULL, CONF_V_NUM, SYNC(link_demote), 0, 255 },
	{ "event-buffer",   NULL, CONF_V_NUM, SYNC(event_buffer), 16384,
	    1073741824 },
	{ "expectations",   NULL, CONF_V_YESNO, SYNC(expectations) },
	/* ruleset (issue 11) */
	{ "ruleset-demote", NULL, CONF_V_NUM, SYNC(ruleset_demote), 0, 255 },
	{ "ignore",	    conf_sync_ignore },
	{ "control-socket", NULL, CONF_V_PATH, SYNC(control_socket) },
	{ "carpd-socket",   NULL, CONF_V_PATH, SYNC(carpd_socket) },
	/* metrics */
	{ "metrics-listen", conf_sync_metrics },
	{ NULL }
};

void
conf_sync(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_sync	*s = &p->conf->sync;

	if (s->present)
		conf_err(p, kw->line, "more than one sync block (first at "
		    "line %d)", s->line);
	else
		s->line = kw->line;
	s->present = 1;
	if (conf_block(p, conf_sync_kws, s, kw->line, "sync") == -1)
		return;
	/* syncd cannot run without a link, and never unauthenticated */
	if (s->nsyncdev == 0)
		conf_err(p, kw->line, "sync: missing syncdev");
	/* unicast pairs each link with its peer; multicast needs none */
	else if (s->nsyncpeer != 0 && s->nsyncpeer != s->nsyncdev)
		conf_err(p, kw->line, "sync: %d syncdev but %d syncpeer (one "
		    "syncpeer per syncdev, or none for multicast)",
		    s->nsyncdev, s->nsyncpeer);
	if (s->key_file[0] == '\0')
		conf_err(p, kw->line, "sync: missing key-file");
}

/* A carp balanced over node slots (carpnodes): both nodes forward, so
 * paths are asymmetric and syncd needs defer (PROTOCOL.md 6.12). */
int
conf_sync_balanced(const struct carp_conf *conf)
{
	const struct conf_carp	*c;

	TAILQ_FOREACH(c, &conf->carps, entry)
		if (c->nnodes > 0)
			return (1);
	return (0);
}

/* Once the whole file is read (a carp block may follow the sync
 * block): defer is on with a balanced carp unless said otherwise. */
void
conf_sync_defaults(struct conf_parser *p)
{
	struct conf_sync	*s = &p->conf->sync;

	if (!s->defer_set)
		s->defer = conf_sync_balanced(p->conf);
}
