/* Secrets: password-file and key-file are read at parse time, after a
 * secrecy check on the open descriptor, so the daemons never reopen them. */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf_priv.h"

/* Like bgpd's check_file_secrecy(): owned by us or root, and no access
 * for group or others. */
static int
conf_secrecy_st(const char *path, const struct stat *st, char *why,
    size_t len)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, len, "%s is not a regular file", path);
		return (-1);
	}
	if (st->st_uid != 0 && st->st_uid != getuid()) {
		snprintf(why, len, "%s is owned by uid %u", path,
		    (unsigned)st->st_uid);
		return (-1);
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, len, "%s is readable by group or others", path);
		return (-1);
	}
	return (0);
}

int
conf_check_secrecy(const char *path, char *why, size_t len)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (conf_secrecy_st(path, &st, why, len));
}

/* An inline secret is as secret as the file that holds it: a config
 * file or include with a password in it gets the same check as a
 * password-file (bgpd refuses such a file the same way). */
int
conf_inline_secret(struct conf_parser *p, int line, const char *what)
{
	struct stat	 st;
	char		 why[PATH_MAX + 64];

	memset(&st, 0, sizeof(st));
	st.st_mode = p->file->mode;
	st.st_uid = p->file->uid;
	if (conf_secrecy_st(p->file->name, &st, why, sizeof(why)) == 0)
		return (0);
	conf_err(p, line, "inline %s refused: %s (chmod 600, or use a "
	    "%s-file)", what, why, what);
	return (-1);
}

/* Read a secret file whole; one trailing newline (or CR LF) is dropped so
 * that files written by echo or an editor hold what the operator typed.
 * The secrecy check is made on the open descriptor, not the path. The
 * bytes read are wiped on every way out. */
int
conf_read_secret(struct conf_parser *p, int line, const char *what,
    const char *path, uint8_t *buf, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		 why[PATH_MAX + 64];
	uint8_t		 tmp[CONF_KEYMAX + CONF_PASSMAX + 2];
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)) == -1) {
		conf_err(p, line, "%s %s: %s", what, path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1)
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	else if (conf_secrecy_st(path, &st, why, sizeof(why)) == 0)
		why[0] = '\0';
	if (why[0] != '\0') {
		conf_err(p, line, "%s %s", what, why);
		close(fd);
		return (-1);
	}
	while (len < sizeof(tmp) &&
	    (n = read(fd, tmp + len, sizeof(tmp) - len)) > 0)
		len += n;
	close(fd);
	if (len > 0 && tmp[len - 1] == '\n')
		len--;
	if (len > 0 && tmp[len - 1] == '\r')
		len--;
	if (len > max)
		conf_err(p, line, "%s %s is longer than %zu bytes", what, path,
		    max);
	else {
		memcpy(buf, tmp, len);
		*lenp = len;
		rv = 0;
	}
	explicit_bzero(tmp, sizeof(tmp));
	return (rv);
}
