/* carp NAME { ... }: the keywords of a carp block and the checks made
 * on it as a whole at its closing brace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "compat.h"
#include "conf_priv.h"

static void
conf_carp_vhid(struct conf_parser *p, const struct conf_tok *kw)
{
	p->vhid_line = kw->line;
	conf_num(p, kw, 1, 255, &p->carp->vhid);
}

/* a table entry but for the line, which carpnodes' check needs */
static void
conf_carp_advskew(struct conf_parser *p, const struct conf_tok *kw)
{
	p->advskew_line = kw->line;
	conf_num(p, kw, 0, 254, &p->carp->advskew);
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
	/* an empty password gives nothing away */
	if (t.s[0] != '\0' &&
	    conf_inline_secret(p, kw->line, "password") == -1) {
		explicit_bzero(t.s, sizeof(t.s));
		return;
	}
	len = strlen(t.s);
	if (len > CONF_PASSMAX) {
		conf_err(p, t.line, "password longer than %d bytes",
		    CONF_PASSMAX);
		explicit_bzero(t.s, sizeof(t.s));
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

#define CARP(f)		CONF_FIELD(struct conf_carp, f)

static const struct conf_kw conf_carp_kws[] = {
	{ "vhid",	    conf_carp_vhid },
	{ "carpdev",	    conf_carp_carpdev },
	{ "password",	    conf_carp_password },
	{ "password-file",  conf_carp_passfile },
	{ "advbase",	    NULL, CONF_V_NUM, CARP(advbase), 0, 254 },
	{ "advskew",	    conf_carp_advskew },
	{ "carpnodes",	    conf_carp_carpnodes },
	{ "balancing",	    conf_carp_balancing },
	{ "address",	    conf_carp_address },
	{ "group",	    conf_carp_group },
	{ "preempt",	    NULL, CONF_V_YESNO, CARP(preempt) },
	{ "vmac",	    NULL, CONF_V_YESNO, CARP(vmac) },
	/* ucarp's operator knobs: --neutral, --shutdown, --ignoreifstate */
	{ "neutral",	    NULL, CONF_V_YESNO, CARP(neutral) },
	{ "shutdown-scripts", NULL, CONF_V_YESNO, CARP(shutdown_scripts) },
	{ "ignore-link-state", NULL, CONF_V_YESNO, CARP(ignore_link_state) },
	{ "peer",	    NULL, CONF_V_ADDR, CARP(peer) },
	{ "mcast",	    NULL, CONF_V_MCAST, CARP(mcast) },
	{ "auth",	    conf_carp_auth },
	{ "up-script",	    NULL, CONF_V_SCRIPT, CARP(up_script) },
	{ "down-script",    NULL, CONF_V_SCRIPT, CARP(down_script) },
	{ "script-arg",	    NULL, CONF_V_STRING, CARP(script_arg) },
	{ NULL }
};

/* A vhid names one election on a carpdev: no two carps may share one,
 * whether it comes from vhid or from a carpnodes slot. */
static void
conf_carp_dupvhid(struct conf_parser *p)
{
	struct conf_carp	*c = p->carp, *o;
	int			 i, n, v;

	if (c->carpdev[0] == '\0')
		return;
	n = c->nnodes > 0 ? c->nnodes : 1;
	for (i = 0; i < n; i++) {
		v = c->nnodes > 0 ? c->nodes[i].vhid : c->vhid;
		if (v == 0)
			continue;
		TAILQ_FOREACH(o, &p->conf->carps, entry)
			if (o != c && conf_carp_has_vhid(o, v) &&
			    strcmp(o->carpdev, c->carpdev) == 0) {
				conf_err(p, c->nnodes > 0 ? p->nodes_line :
				    p->vhid_line, "duplicate vhid %d on %s "
				    "(carp %s has it)", v, c->carpdev,
				    o->name);
				return;
			}
	}
}

/* What a carp block needs as a whole, checked at its closing brace. */
static void
conf_carp_check(struct conf_parser *p)
{
	struct conf_carp	*c = p->carp;

	/* "missing" only when never given: a bad value was reported */
	if (p->vhid_line == 0 && p->nodes_line == 0)
		conf_err(p, c->line, "%s: missing vhid", p->what);
	if (p->dev_line == 0)
		conf_err(p, c->line, "%s: missing carpdev", p->what);
	if (p->addr_line == 0)
		conf_err(p, c->line, "%s: missing address", p->what);
	if (c->advbase == 0 && c->advskew == 0 && c->nnodes == 0)
		conf_err(p, c->line, "%s: advbase 0 needs an advskew above "
		    "0", p->what);
	if (c->auth == AUTH_COMPAT && c->passlen > CONF_COMPAT_PASSMAX)
		conf_err(p, p->pass_line, "password is %zu bytes, auth compat "
		    "allows at most %d", c->passlen, CONF_COMPAT_PASSMAX);
	/* strict mode exists to resist forgery: no empty or guessable key */
	if (c->auth == AUTH_STRICT && c->passlen < CONF_STRICT_PASSMIN)
		conf_err(p, p->pass_line != 0 ? p->pass_line : c->line,
		    "password is %zu bytes, auth strict needs at least %d",
		    c->passlen, CONF_STRICT_PASSMIN);
	conf_carp_nodes_check(p);
	conf_carp_dupvhid(p);
}

void
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
	c->neutral = -1;
	c->shutdown_scripts = -1;
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
	p->advskew_line = p->nodes_line = p->bal_line = 0;
	if (conf_block(p, conf_carp_kws, c, kw->line, p->what) == 0)
		conf_carp_check(p);
	p->carp = NULL;
}
