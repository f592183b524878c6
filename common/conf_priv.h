/* Private to the config parser: what its files share, never included
 * outside common/conf*.c.
 *
 *   conf.c		conf_parse, top level, group blocks, include, helpers
 *   conf_carp.c	carp NAME { } blocks
 *   conf_balance.c	carpnodes and balancing in a carp block
 *   conf_sync.c	the sync { } block
 *   conf_lex.c		tokenizer, include stack, "file:line: message"
 *   conf_value.c	keyword values: numbers, durations, names, paths
 *   conf_addr.c	address and prefix helpers (public in conf.h)
 *   conf_secret.c	password and key files, their secrecy check
 *   conf_script.c	up/down scripts: owner, mode, safe directories
 *   conf_track.c	track NAME { } blocks (health checks) */
#ifndef CARP_CONF_PRIV_H
#define CARP_CONF_PRIV_H

#include <sys/types.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

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

/* One open file of the include stack, with its own position and
 * one token of look-ahead. */
struct conf_file {
	struct conf_file	*parent;
	FILE			*f;
	char			 name[PATH_MAX];
	int			 line;
	dev_t			 dev;
	ino_t			 ino;
	mode_t			 mode;		/* for inline secrets */
	uid_t			 uid;
	int			 depth;
	int			 havepeek;
	struct conf_tok		 peek;
	/* stdio's buffer, ours so that it is wiped: it holds the text
	 * of an inline password */
	char			 iobuf[BUFSIZ];
};

struct conf_parser {
	struct carp_conf	*conf;
	FILE			*errf;
	struct conf_file	*file;
	int			 errors;
	/* the block being parsed */
	struct conf_carp	*carp;
	char			 what[64];	/* "carp NAME" */
	int			 vhid_line;	/* where seen, 0 if not */
	int			 dev_line;
	int			 addr_line;
	int			 pass_line;
	int			 advskew_line;
	int			 nodes_line;
	int			 bal_line;
	/* health tracking: the track block being parsed */
	struct conf_track	*track;
};

/* How a keyword stores its value. Most keywords store one typed value
 * in a field of their block's struct and need no handler of their own;
 * the others (CONF_V_FN) check or collect more than one value. */
enum conf_vtype {
	CONF_V_FN,		/* fn does it all */
	CONF_V_NUM,		/* int in min..max */
	CONF_V_YESNO,		/* int, 1 or 0 */
	CONF_V_DURATION,	/* unsigned ms in min..max */
	CONF_V_STRING,		/* char[size] */
	CONF_V_IFNAME,		/* char[IFNAMSIZ] */
	CONF_V_ADDR,		/* struct conf_addr, no prefix */
	CONF_V_MCAST,		/* struct conf_addr, multicast */
	CONF_V_PATH,		/* char[size], relative to the file */
	CONF_V_SCRIPT,		/* char[size], an executable file */
};

struct conf_kw {
	const char	*name;
	void		(*fn)(struct conf_parser *, const struct conf_tok *);
	enum conf_vtype	 type;
	size_t		 off;		/* of the field in the block */
	size_t		 size;		/* of the field */
	int		 min, max;	/* CONF_V_NUM, CONF_V_DURATION */
};

/* off and size of a field, for a struct conf_kw entry */
#define CONF_FIELD(type, f)	offsetof(type, f), sizeof(((type *)0)->f)

/* conf_lex.c: errors, tokens, error recovery, the include stack */
void	conf_err(struct conf_parser *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	conf_lex(struct conf_parser *, struct conf_tok *);
void	conf_unlex(struct conf_parser *, const struct conf_tok *);
void	conf_skip_statement(struct conf_parser *, int line);
void	conf_skip_block(struct conf_parser *);
struct conf_file *conf_file_open(struct conf_parser *, const char *path,
	    const char **why);

/* conf_value.c: the value after a keyword; each reports its own errors
 * and returns -1 after one */
int	conf_value(struct conf_parser *, const struct conf_tok *kw,
	    struct conf_tok *);
int	conf_strtonum(const char *, long long *);
int	conf_num(struct conf_parser *, const struct conf_tok *kw, int min,
	    int max, int *);
int	conf_yesno(struct conf_parser *, const struct conf_tok *kw, int *);
int	conf_string(struct conf_parser *, const struct conf_tok *kw, char *,
	    size_t);
int	conf_ifname(struct conf_parser *, const char *what,
	    const struct conf_tok *, char *);
int	conf_ifvalue(struct conf_parser *, const struct conf_tok *kw, char *);
int	conf_addrvalue(struct conf_parser *, const struct conf_tok *kw,
	    int with_plen, int mcast, struct conf_addr *);
int	conf_duration(struct conf_parser *, const struct conf_tok *kw,
	    unsigned min, unsigned max, unsigned *);
int	conf_path(struct conf_parser *, const struct conf_tok *, char *,
	    size_t);
int	conf_pathvalue(struct conf_parser *, const struct conf_tok *kw, char *,
	    size_t);
int	conf_script(struct conf_parser *, const struct conf_tok *kw, char *,
	    size_t);
/* The value of a keyword of a type other than CONF_V_FN, stored in
 * base, the struct of the block it is in. */
void	conf_kw_store(struct conf_parser *, const struct conf_kw *,
	    void *base, const struct conf_tok *kw);

/* conf_listen.c: metrics-listen ADDR:PORT into dst ("" if bad) */
void	conf_listen(struct conf_parser *, const struct conf_tok *kw, char *,
	    size_t);

/* conf_addr.c */
int	conf_ismcast(const struct conf_addr *);

/* conf_secret.c */
int	conf_read_secret(struct conf_parser *, int line, const char *what,
	    const char *path, uint8_t *, size_t max, size_t *lenp);
/* -1 (reported) if the file being parsed may not hold an inline secret */
int	conf_inline_secret(struct conf_parser *, int line, const char *what);

/* conf.c: blocks and names shared by the grammar files */
int	conf_block(struct conf_parser *, const struct conf_kw *, void *base,
	    int line, const char *what);
int	conf_groupname(struct conf_parser *, const struct conf_tok *);

/* conf_carp.c, conf_sync.c: the statements that open those blocks */
void	conf_carp(struct conf_parser *, const struct conf_tok *);
/* conf_balance.c: carpnodes and balancing in a carp block */
void	conf_carp_carpnodes(struct conf_parser *, const struct conf_tok *);
void	conf_carp_balancing(struct conf_parser *, const struct conf_tok *);
void	conf_carp_nodes_check(struct conf_parser *);
int	conf_carp_has_vhid(const struct conf_carp *, int vhid);
void	conf_sync(struct conf_parser *, const struct conf_tok *);
void	conf_sync_defaults(struct conf_parser *);
/* conf_track.c: track blocks, and their groups checked once the whole
 * file is read (a carp naming the group may come after the track) */
void	conf_track(struct conf_parser *, const struct conf_tok *);
void	conf_track_check_groups(struct conf_parser *);
void	conf_track_free(struct carp_conf *);

#endif
