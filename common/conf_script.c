/* Up/down scripts run as root. Like bgpd with the files it trusts, a
 * script and every directory above it must be out of reach of any user
 * but root (or the daemon's own uid): whoever can write the script, or
 * rename it away in a directory, runs code as root. The parser checks at
 * load and reload; carpd's script runner checks again before each run. */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conf.h"

static int
conf_script_owner(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == getuid());
}

/* Group or other write on a directory is safe only with the sticky bit
 * (/tmp): then nobody but the owner may rename or remove our file. */
static int
conf_script_dir(const char *script, const char *dir, const char *name,
    char *why, size_t len)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		snprintf(why, len, "%s: directory %s: %s", script, name,
		    strerror(errno));
		return (-1);
	}
	if (!conf_script_owner(&st)) {
		snprintf(why, len, "%s: directory %s is owned by uid %u",
		    script, name, (unsigned)st.st_uid);
		return (-1);
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, len, "%s: directory %s is writable by group or "
		    "others", script, name);
		return (-1);
	}
	return (0);
}

/* Every directory from the parent of abs (an absolute path) up to /.
 * The first cwdlen bytes of abs are the working directory a relative
 * path was joined to: a message names the directory as it was written. */
static int
conf_script_dirs(const char *script, const char *abs, size_t cwdlen,
    char *why, size_t len)
{
	char	 dir[PATH_MAX], *slash;

	strlcpy(dir, abs, sizeof(dir));
	while ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			return (conf_script_dir(script, "/", "/", why, len));
		*slash = '\0';
		if (conf_script_dir(script, dir, (size_t)(slash - dir) > cwdlen ?
		    dir + cwdlen : dir, why, len) == -1)
			return (-1);
	}
	return (0);
}

/* Both the path as written and the path with its links resolved: a link
 * in a safe directory may point into an unsafe one, and the reverse. */
static int
conf_script_paths(const char *path, char *why, size_t len)
{
	char	 abs[PATH_MAX], real[PATH_MAX], cwd[PATH_MAX];
	size_t	 cwdlen = 0;
	int	 n;

	if (realpath(path, real) == NULL) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (path[0] == '/')
		n = snprintf(abs, sizeof(abs), "%s", path);
	else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		n = snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		cwdlen = strlen(cwd) + 1;
	} else
		n = -1;
	if (n < 0 || (size_t)n >= sizeof(abs)) {
		snprintf(why, len, "%s: cannot make the path absolute", path);
		return (-1);
	}
	if (conf_script_dirs(path, abs, cwdlen, why, len) == -1 ||
	    conf_script_dirs(path, real, 0, why, len) == -1)
		return (-1);
	return (0);
}

int
conf_check_script(const char *path, char *why, size_t len)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		snprintf(why, len, "%s is not an executable regular file", path);
		return (-1);
	}
	if (!conf_script_owner(&st)) {
		snprintf(why, len, "%s is owned by uid %u", path,
		    (unsigned)st.st_uid);
		return (-1);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s is writable by group or others", path);
		return (-1);
	}
	return (conf_script_paths(path, why, len));
}
