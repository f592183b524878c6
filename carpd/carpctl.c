/* carpctl [-hj] [-s socket] [-S syncd-socket] command: control carpd and
 * syncd.
 *
 * The command line is parsed with a token table (bgpctl's parser.c):
 * each token names what may follow it. Sync commands go to syncd's
 * socket, every other one to carpd's; -s overrides whichever it is, -S
 * names syncd's. metrics asks both (carpctl_metrics.c): carpd at -s,
 * syncd at -S if that socket exists.
 *
 * Exit: 0 done, 1 the daemon refused (its reason is printed), 2 bad
 * usage or the daemon cannot be reached or spoke nonsense. */
#include <sys/types.h>
#include <net/if.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carpctl.h"
#include "compat.h"
#include "conf.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

enum token_type {
	NOTOKEN,	/* nothing more is fine here */
	ENDTOKEN,
	KEYWORD,
	GROUPNAME,
	CARPNAME,
	COUNT,
};

struct token {
	enum token_type		 type;
	const char		*keyword;
	int			 value;		/* CtlCommand for keywords */
	const struct token	*next;
};

enum daemon {
	D_CARPD,
	D_SYNCD,
};

/* not a command of either daemon: carpctl_metrics() asks both */
#define ACTION_METRICS	((CtlCommand)-1)

struct parse_result {
	CtlCommand	 action;
	enum daemon	 daemon;
	char		 group[CONF_NAMELEN];
	char		 carp[IFNAMSIZ];
	int		 count;		/* 0: the daemon's default */
};

static const struct token t_main[];
static const struct token t_group[];
static const struct token t_count[];
static const struct token t_carp[];
static const struct token t_sync[];

static const struct token t_main[] = {
	{ KEYWORD,	"status",	CTL_COMMAND__STATUS,	NULL },
	{ KEYWORD,	"groups",	CTL_COMMAND__GROUPS,	NULL },
	{ KEYWORD,	"stats",	CTL_COMMAND__STATS,	NULL },
	{ KEYWORD,	"demote",	CTL_COMMAND__DEMOTE,	t_group },
	{ KEYWORD,	"promote",	CTL_COMMAND__PROMOTE,	t_group },
	{ KEYWORD,	"down",		CTL_COMMAND__DOWN,	t_carp },
	{ KEYWORD,	"up",		CTL_COMMAND__UP,	t_carp },
	{ KEYWORD,	"monitor",	CTL_COMMAND__MONITOR,	NULL },
	{ KEYWORD,	"reload",	CTL_COMMAND__RELOAD,	NULL },
	{ KEYWORD,	"sync",		CTL_COMMAND__NONE,	t_sync },
	{ KEYWORD,	"track",	CTL_COMMAND__TRACK,	NULL },
	{ KEYWORD,	"metrics",	ACTION_METRICS,		NULL },
	{ ENDTOKEN,	"",		CTL_COMMAND__NONE,	NULL }
};

static const struct token t_group[] = {
	{ GROUPNAME,	"",		CTL_COMMAND__NONE,	t_count },
	{ ENDTOKEN,	"",		CTL_COMMAND__NONE,	NULL }
};

static const struct token t_count[] = {
	{ NOTOKEN,	"",		CTL_COMMAND__NONE,	NULL },
	{ COUNT,	"",		CTL_COMMAND__NONE,	NULL },
	{ ENDTOKEN,	"",		CTL_COMMAND__NONE,	NULL }
};

static const struct token t_carp[] = {
	{ CARPNAME,	"",		CTL_COMMAND__NONE,	NULL },
	{ ENDTOKEN,	"",		CTL_COMMAND__NONE,	NULL }
};

static const struct token t_sync[] = {
	{ KEYWORD,	"status",	CTL_COMMAND__SYNC_STATUS, NULL },
	{ KEYWORD,	"stats",	CTL_COMMAND__SYNC_STATS, NULL },
	{ KEYWORD,	"resync",	CTL_COMMAND__SYNC_RESYNC, NULL },
	{ ENDTOKEN,	"",		CTL_COMMAND__NONE,	NULL }
};

/* ------------------------------------------------------------ parser */

/* -h: the usage on stdout, exit 0; a mistake: on stderr, exit 2 */
static __attribute__((noreturn)) void
usage_to(FILE *f, int rv)
{
	extern char	*__progname;

	fprintf(f, "usage: %s [-hj] [-s socket] [-S syncd-socket] command "
	    "[argument ...]\n"
	    "commands: status | groups | stats | monitor | reload | track |\n"
	    "          metrics\n"
	    "          demote GROUP [N] | promote GROUP [N]\n"
	    "          down CARP | up CARP\n"
	    "          sync status | sync stats | sync resync\n", __progname);
	exit(rv);
}

static __attribute__((noreturn)) void
usage(void)
{
	usage_to(stderr, EXIT_USAGE);
}

static void
show_valid_args(const struct token *table)
{
	int	 i;

	for (i = 0; table[i].type != ENDTOKEN; i++) {
		switch (table[i].type) {
		case NOTOKEN:
			fprintf(stderr, "  <cr>\n");
			break;
		case KEYWORD:
			fprintf(stderr, "  %s\n", table[i].keyword);
			break;
		case GROUPNAME:
			fprintf(stderr, "  <group>\n");
			break;
		case CARPNAME:
			fprintf(stderr, "  <carp>\n");
			break;
		case COUNT:
			fprintf(stderr, "  <1-255>\n");
			break;
		case ENDTOKEN:
			break;
		}
	}
}

static int
parse_count(const char *word, struct parse_result *res)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(word, &end, 10);
	if (word[0] == '\0' || *end != '\0' || errno != 0 || n < 1 ||
	    n > 255) {
		fprintf(stderr, "carpctl: demote count %s is not in 1..255\n",
		    word);
		return (-1);
	}
	res->count = n;
	return (0);
}

static int
parse_name(const char *word, char *dst, size_t len, const char *what)
{
	if (strlcpy(dst, word, len) >= len) {
		fprintf(stderr, "carpctl: %s name too long: %s\n", what, word);
		return (-1);
	}
	return (0);
}

/* The token of table word stands for: exact keyword, or the only one it
 * abbreviates; NULL if none. */
static const struct token *
match_token(const char *word, const struct token *table,
    struct parse_result *res)
{
	const struct token	*t = NULL;
	int			 i, nmatch = 0;

	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (table[i].type == KEYWORD) {
			if (strcmp(word, table[i].keyword) == 0)
				return (&table[i]);
			if (strncmp(word, table[i].keyword,
			    strlen(word)) == 0) {
				t = &table[i];
				nmatch++;
			}
		} else if (table[i].type == GROUPNAME) {
			return (parse_name(word, res->group,
			    sizeof(res->group), "group") == 0 ? &table[i] : NULL);
		} else if (table[i].type == CARPNAME) {
			return (parse_name(word, res->carp, sizeof(res->carp),
			    "carp") == 0 ? &table[i] : NULL);
		} else if (table[i].type == COUNT) {
			return (parse_count(word, res) == 0 ? &table[i] : NULL);
		}
	}
	if (nmatch != 1) {
		fprintf(stderr, "carpctl: %s argument: %s\n", nmatch > 1 ?
		    "ambiguous" : "unknown", word);
		return (NULL);
	}
	return (t);
}

static int
parse(int argc, char *argv[], struct parse_result *res)
{
	const struct token	*table = t_main, *t;
	int			 i;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < argc; i++) {
		if ((t = match_token(argv[i], table, res)) == NULL) {
			fprintf(stderr, "valid commands/arguments are:\n");
			show_valid_args(table);
			return (-1);
		}
		if (t->type == KEYWORD && t->value != CTL_COMMAND__NONE)
			res->action = t->value;
		if (t->type == KEYWORD && table == t_sync)
			res->daemon = D_SYNCD;
		if ((table = t->next) == NULL)
			break;
	}
	if (i < argc - 1) {
		fprintf(stderr, "carpctl: superfluous argument: %s\n",
		    argv[i + 1]);
		return (-1);
	}
	if (table != NULL && table[0].type != NOTOKEN) {
		fprintf(stderr, "carpctl: missing argument:\n");
		show_valid_args(table);
		return (-1);
	}
	return (res->action == CTL_COMMAND__NONE ? -1 : 0);
}

/* ---------------------------------------------------------- talking */

static void
build_request(const struct parse_result *res, CtlRequest *req)
{
	static char	 who[] = "carpctl";

	ctl_request_init(req, res->action);
	req->who = who;
	if (res->group[0] != '\0')
		req->group = (char *)(uintptr_t)res->group;
	if (res->carp[0] != '\0')
		req->carp = (char *)(uintptr_t)res->carp;
	if (res->count > 0) {
		req->has_count = 1;
		req->count = res->count;
	}
}

/* One frame through the formatter its command calls for. */
static void
show(const struct output *out, CtlCommand cmd, const CtlReply *rep)
{
	switch (cmd) {
	case CTL_COMMAND__STATUS:
	case CTL_COMMAND__DOWN:
	case CTL_COMMAND__UP:
		out->status(stdout, rep);
		break;
	case CTL_COMMAND__GROUPS:
	case CTL_COMMAND__DEMOTE:
	case CTL_COMMAND__PROMOTE:
		out->groups(stdout, rep);
		break;
	case CTL_COMMAND__STATS:
		out->stats(stdout, rep);
		break;
	case CTL_COMMAND__TRACK:
		out->tracks(stdout, rep);
		break;
	case CTL_COMMAND__MONITOR:
		if (rep->event != NULL)
			out->event(stdout, rep->event);
		break;
	case CTL_COMMAND__SYNC_STATUS:
	case CTL_COMMAND__SYNC_STATS:
		if (rep->sync != NULL) {
			if (cmd == CTL_COMMAND__SYNC_STATUS)
				out->sync_status(stdout, rep->sync);
			else
				out->sync_stats(stdout, rep->sync);
		}
		break;
	default:
		if (rep->end)
			out->done(stdout, rep);
		break;
	}
}

/* Read frames until the one with end set. */
static int
converse(int fd, const struct parse_result *res, const struct output *out,
    const char *sock)
{
	CtlRequest	 req;
	CtlReply	*rep;
	int		 end = 0;

	build_request(res, &req);
	if (ctl_send(fd, &req) == -1) {
		fprintf(stderr, "carpctl: %s: %s\n", sock, strerror(errno));
		return (EXIT_USAGE);
	}
	while (!end) {
		if (ctl_recv(fd, &rep) == -1) {
			fprintf(stderr, "carpctl: %s: %s\n", sock,
			    strerror(errno));
			return (EXIT_USAGE);
		}
		if (!rep->has_version || rep->version != CTL_VERSION) {
			fprintf(stderr, "carpctl: %s speaks protocol version "
			    "%u, not %d\n", sock, rep->version, CTL_VERSION);
			ctl_reply_free(rep);
			return (EXIT_USAGE);
		}
		if (rep->has_result && rep->result != CTL_RESULT__OK) {
			fprintf(stderr, "carpctl: %s%s%s\n",
			    ctl_result_str(rep->result), rep->reason ? ": " :
			    "", rep->reason ? rep->reason : "");
			ctl_reply_free(rep);
			return (EXIT_REFUSED);
		}
		show(out, res->action, rep);
		fflush(stdout);
		end = rep->end;
		/* the acknowledgement is in: events may take forever */
		if (res->action == CTL_COMMAND__MONITOR)
			ctl_set_timeout(fd, 0);
		ctl_reply_free(rep);
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	const struct output	*out = &text_output;
	struct parse_result	 res;
	const char		*sock = NULL, *syncd = CONF_SYNCD_SOCKET;
	int			 ch, fd, rv;

	while ((ch = getopt(argc, argv, "hjs:S:")) != -1) {
		switch (ch) {
		case 'h':
			usage_to(stdout, 0);
		case 'j':
			out = &json_output;
			break;
		case 's':
			sock = optarg;
			break;
		case 'S':
			syncd = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || parse(argc, argv, &res) == -1)
		usage();
	if (res.action == ACTION_METRICS)
		return (carpctl_metrics(stdout, sock != NULL ? sock :
		    CONF_CARPD_SOCKET, syncd) == 0 ? 0 : EXIT_USAGE);
	if (sock == NULL)
		sock = res.daemon == D_SYNCD ? syncd : CONF_CARPD_SOCKET;
	if ((fd = ctl_connect(sock, CTL_TIMEOUT_MS)) == -1) {
		fprintf(stderr, "carpctl: cannot reach %s at %s: %s\n",
		    res.daemon == D_SYNCD ? "syncd" : "carpd", sock,
		    strerror(errno));
		return (EXIT_USAGE);
	}
	rv = converse(fd, &res, out, sock);
	close(fd);
	return (rv);
}
