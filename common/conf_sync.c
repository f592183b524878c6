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

#define SYNC(f)		CONF_FIELD(struct conf_sync, f)

static const struct conf_kw conf_sync_kws[] = {
	{ "syncdev",	    NULL, CONF_V_IFNAME, SYNC(syncdev) },
	{ "syncpeer",	    NULL, CONF_V_ADDR, SYNC(syncpeer) },
	{ "mcast",	    NULL, CONF_V_MCAST, SYNC(mcast) },
	{ "port",	    conf_sync_port },
	{ "key-file",	    conf_sync_keyfile },
	{ "defer",	    NULL, CONF_V_YESNO, SYNC(defer) },
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
	{ "ignore",	    conf_sync_ignore },
	{ "control-socket", NULL, CONF_V_PATH, SYNC(control_socket) },
	{ "carpd-socket",   NULL, CONF_V_PATH, SYNC(carpd_socket) },
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
	if (s->syncdev[0] == '\0')
		conf_err(p, kw->line, "sync: missing syncdev");
	if (s->key_file[0] == '\0')
		conf_err(p, kw->line, "sync: missing key-file");
}
