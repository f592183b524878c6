/* The config tokenizer and include stack, apart from the grammar.
 *
 * Tokens are bare words, double-quoted words (\" and \\ escapes), "{" and
 * "}"; "#" starts a comment and newlines mean nothing. Each file on the
 * include stack keeps its own line and one token of look-ahead, so that
 * every error names the file and line it is in: "file:line: message". */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf_priv.h"

/* Error reporting */

void
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

void
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

void
conf_unlex(struct conf_parser *p, const struct conf_tok *t)
{
	p->file->peek = *t;
	p->file->havepeek = 1;
}

/* Error recovery: skip what is left of a bad statement, i.e. the tokens
 * on the same line, and a whole { } block if one opens there. A closing
 * brace is left alone: it most likely ends the enclosing block. */
void
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
void
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

/* Include stack */

/* Open path as a new file on the stack; errors are the caller's. */
struct conf_file *
conf_file_open(struct conf_parser *p, const char *path, const char **why)
{
	struct conf_file	*cf, *o;
	struct stat		 st;
	int			 fd = -1;

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		*why = strerror(errno);
		return (NULL);
	}
	strlcpy(cf->name, path, sizeof(cf->name));
	cf->line = 1;
	/* Non-blocking until it is known to be a regular file: a FIFO would
	 * block the open, and a reload with it the daemon's loop. */
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1 || fstat(fd, &st) == -1) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (fcntl(fd, F_SETFL, 0) == -1 || (cf->f = fdopen(fd, "r")) == NULL) {
		*why = strerror(errno);
		goto fail;
	}
	fd = -1;
	setvbuf(cf->f, cf->iobuf, _IOFBF, sizeof(cf->iobuf));
	cf->dev = st.st_dev;
	cf->ino = st.st_ino;
	cf->mode = st.st_mode;
	cf->uid = st.st_uid;
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
	else if (fd != -1)
		close(fd);
	free(cf);
	return (NULL);
}
