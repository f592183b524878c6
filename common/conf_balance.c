/* carpnodes VHID:ADVSKEW, ... and balancing MODE in a carp block: the
 * node slots of an active/active carp (docs/PROTOCOL.md section 4.4). */
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

static const char *const conf_bal_names[] = {
	[BAL_NONE] = "none",
	[BAL_ARP] = "arp",
	[BAL_IP] = "ip",
	[BAL_IP_STEALTH] = "ip-stealth",
	[BAL_IP_UNICAST] = "ip-unicast",
};

const char *
conf_balancing_name(enum conf_balancing b)
{
	if ((size_t)b >= sizeof(conf_bal_names) / sizeof(conf_bal_names[0]))
		return ("?");
	return (conf_bal_names[b]);
}

void
conf_carp_balancing(struct conf_parser *p, const struct conf_tok *kw)
{
	struct conf_tok	t;
	size_t		i;

	if (conf_value(p, kw, &t) == -1)
		return;
	p->bal_line = kw->line;
	/* "none" is the default, not something to write down */
	for (i = BAL_ARP; i <= BAL_IP_UNICAST; i++)
		if (strcmp(t.s, conf_bal_names[i]) == 0) {
			p->carp->balancing = (enum conf_balancing)i;
			return;
		}
	conf_err(p, t.line, "balancing must be arp, ip, ip-stealth or "
	    "ip-unicast, not \"%s\"", t.s);
}

/* The words of the statement, one line, joined by single spaces: the
 * list may be written "1:0, 2:100" or "1:0,2:100" alike. */
static int
conf_nodes_words(struct conf_parser *p, const struct conf_tok *kw,
    char *buf, size_t len)
{
	struct conf_tok	t;
	size_t		used = 0;
	int		n;

	buf[0] = '\0';
	for (;;) {
		conf_lex(p, &t);
		if (t.type != T_WORD || t.line != kw->line)
			break;
		n = snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? " " : "", t.s);
		if (n < 0 || (size_t)n >= len - used) {
			conf_err(p, t.line, "carpnodes: list too long");
			conf_skip_statement(p, kw->line);
			return (-1);
		}
		used += (size_t)n;
	}
	conf_unlex(p, &t);
	if (buf[0] == '\0') {
		conf_err(p, kw->line, "missing value after \"carpnodes\"");
		return (-1);
	}
	return (0);
}

/* One "VHID:ADVSKEW" entry, blanks around it already cut off. */
static int
conf_nodes_entry(struct conf_parser *p, int line, const char *s,
    struct conf_carpnode *n)
{
	char		 v[16], *colon;
	long long	 vhid, skew;

	if (strlcpy(v, s, sizeof(v)) >= sizeof(v) ||
	    (colon = strchr(v, ':')) == NULL || strchr(v, ' ') != NULL) {
		conf_err(p, line, "carpnodes: \"%s\" is not VHID:ADVSKEW%s",
		    s, strchr(s, ' ') != NULL ? " (missing comma?)" : "");
		return (-1);
	}
	*colon = '\0';
	if (conf_strtonum(v, &vhid) == -1 ||
	    conf_strtonum(colon + 1, &skew) == -1) {
		conf_err(p, line, "carpnodes: \"%s\" is not VHID:ADVSKEW", s);
		return (-1);
	}
	if (vhid < 1 || vhid > 255) {
		conf_err(p, line, "carpnodes: vhid %lld out of range "
		    "(1..255)", vhid);
		return (-1);
	}
	if (skew < 0 || skew > 254) {
		conf_err(p, line, "carpnodes: advskew %lld out of range "
		    "(0..254)", skew);
		return (-1);
	}
	n->vhid = (int)vhid;
	n->advskew = (int)skew;
	return (0);
}

static int
conf_nodes_find(const struct conf_carp *c, int vhid)
{
	int	i;

	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].vhid == vhid)
			return (1);
	return (0);
}

/* Store one entry after checking that the list has room and that its
 * vhid is new: each vhid is its own election. */
static int
conf_nodes_add(struct conf_parser *p, int line, const char *s)
{
	struct conf_carp	*c = p->carp;
	struct conf_carpnode	 n;

	if (conf_nodes_entry(p, line, s, &n) == -1)
		return (-1);
	if (conf_nodes_find(c, n.vhid)) {
		conf_err(p, line, "carpnodes: vhid %d listed twice", n.vhid);
		return (-1);
	}
	if (c->nnodes >= CONF_MAXNODES) {
		conf_err(p, line, "carpnodes: more than %d entries",
		    CONF_MAXNODES);
		return (-1);
	}
	c->nodes[c->nnodes++] = n;
	return (0);
}

void
conf_carp_carpnodes(struct conf_parser *p, const struct conf_tok *kw)
{
	char	 buf[1024], *s, *next, *end;

	if (p->nodes_line != 0) {
		conf_err(p, kw->line, "carpnodes given twice (first at line "
		    "%d)", p->nodes_line);
		conf_skip_statement(p, kw->line);
		return;
	}
	p->nodes_line = kw->line;
	if (conf_nodes_words(p, kw, buf, sizeof(buf)) == -1)
		return;
	for (s = buf; s != NULL; s = next) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		while (*s == ' ')
			s++;
		end = s + strlen(s);
		while (end > s && end[-1] == ' ')
			*--end = '\0';
		if (*s == '\0') {
			conf_err(p, kw->line, "carpnodes: empty entry");
			return;
		}
		if (conf_nodes_add(p, kw->line, s) == -1)
			return;
	}
}

int
conf_carp_has_vhid(const struct conf_carp *c, int vhid)
{
	if (c->nnodes == 0)
		return (c->vhid == vhid);
	return (conf_nodes_find(c, vhid));
}

/* At the closing brace: carpnodes replaces vhid and advskew (a slot
 * carries both), and balancing spreads load over slots, so it needs two
 * of them at least. */
/* What a balanced carp cannot have yet: its MACs are the slots' own,
 * received on the carpdev, so no macvlan; and carpd answers ARP for its
 * addresses but has no neighbour discovery responder, so IPv4 only. */
static void
conf_carp_nodes_limits(struct conf_parser *p)
{
	struct conf_carp	*c = p->carp;
	int			 i;

	if (c->nnodes == 0)
		return;
	if (c->vmac)
		conf_err(p, p->nodes_line, "%s: carpnodes and vmac are "
		    "mutually exclusive (each slot has its own MAC)", p->what);
	if (c->balancing == BAL_NONE)
		return;
	for (i = 0; i < c->naddrs; i++)
		if (c->addrs[i].af != AF_INET) {
			conf_err(p, p->nodes_line, "%s: balancing supports "
			    "IPv4 addresses only", p->what);
			return;
		}
}

void
conf_carp_nodes_check(struct conf_parser *p)
{
	struct conf_carp	*c = p->carp;
	int			 i;

	if (p->nodes_line != 0 && p->vhid_line != 0)
		conf_err(p, p->nodes_line, "%s: carpnodes and vhid are "
		    "mutually exclusive", p->what);
	if (p->nodes_line != 0 && p->advskew_line != 0)
		conf_err(p, p->advskew_line, "%s: carpnodes and advskew are "
		    "mutually exclusive (each entry has its advskew)",
		    p->what);
	if (p->bal_line != 0 && c->balancing != BAL_NONE && c->nnodes < 2)
		conf_err(p, p->bal_line, "%s: balancing needs carpnodes with "
		    "at least 2 entries", p->what);
	conf_carp_nodes_limits(p);
	if (c->advbase != 0)
		return;
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].advskew == 0)
			conf_err(p, p->nodes_line, "%s: advbase 0 needs an "
			    "advskew above 0 (vhid %d)", p->what,
			    c->nodes[i].vhid);
}
