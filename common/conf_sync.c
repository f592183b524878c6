/* sync { ... }: syncd's block, at most one per configuration. */
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

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
	if (conf_block(p, conf_sync_kws, kw->line, "sync") == -1)
		return;
	/* syncd cannot run without a link, and never unauthenticated */
	if (s->syncdev[0] == '\0')
		conf_err(p, kw->line, "sync: missing syncdev");
	if (s->key_file[0] == '\0')
		conf_err(p, kw->line, "sync: missing key-file");
}
