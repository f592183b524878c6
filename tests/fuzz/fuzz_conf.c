/* The config parser: the input is a carp.conf, written to a file in a
 * private directory under /tmp and read by conf_parse, as carpd -n does.
 * The directory holds the few files a config names (secrets, scripts,
 * includes, an include loop), so that include, password-file, key-file
 * and the scripts reach their checks, not only "no such file".
 *
 * Property: a config that parses prints (conf_print, carpd -nv) a config
 * that parses again and prints the same: the canonical form is stable. */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static char	 fuzz_dir[] = "/tmp/carp-fuzz-conf.XXXXXX";
static int	 fuzz_ready;

/* name, mode, contents: what the seeds (tests/golden) refer to */
static const struct {
	const char	*name;
	mode_t		 mode;
	const char	*text;
} fuzz_files[] = {
	{ "inc", 0700 | S_IFDIR, NULL },
	{ "loop", 0700 | S_IFDIR, NULL },
	{ "lan.pass", 0600, "secretpw\n" },
	{ "long.pass", 0600, "a password far longer than nineteen bytes\n" },
	{ "world.pass", 0644, "secretpw\n" },
	{ "sync.key", 0600, "0123456789abcdef0123456789abcdef\n" },
	{ "short.key", 0600, "short\n" },
	{ "world.key", 0644, "0123456789abcdef0123456789abcdef\n" },
	{ "up.sh", 0755, "#!/bin/sh\n" },
	{ "down.sh", 0755, "#!/bin/sh\n" },
	{ "noexec.sh", 0644, "#!/bin/sh\n" },
	{ "inc/lan.inc", 0644, "include \"groups.inc\"\ncarp lan {\n"
	    "\tvhid 1\n\tcarpdev eth0\n\taddress 192.0.2.100/24\n"
	    "\tgroup internal\n}\n" },
	{ "inc/groups.inc", 0644, "group internal { demote 0 }\n" },
	{ "loop/a.inc", 0644, "include \"b.inc\"\n" },
	{ "loop/b.inc", 0644, "include \"a.inc\"\n" },
};

static void
fuzz_conf_write(const char *name, const void *text, size_t len, mode_t mode)
{
	char	 path[sizeof(fuzz_dir) + 32];
	int	 fd;

	/* a new file each time: ext4 writes a truncated file back to disk
	 * on close, which made this target ten times slower */
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    fchmod(fd, mode) == -1 ||
	    (len > 0 && write(fd, text, len) != (ssize_t)len) ||
	    close(fd) == -1)
		fuzz_fail("cannot write %s", path);
}

static void
fuzz_conf_cleanup(void)
{
	char	 path[sizeof(fuzz_dir) + 32];
	size_t	 i = sizeof(fuzz_files) / sizeof(fuzz_files[0]);

	while (i-- > 0) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir,
		    fuzz_files[i].name);
		(void)remove(path);
	}
	snprintf(path, sizeof(path), "%s/fuzz.conf", fuzz_dir);
	(void)remove(path);
	snprintf(path, sizeof(path), "%s/print.conf", fuzz_dir);
	(void)remove(path);
	(void)rmdir(fuzz_dir);
}

static void
fuzz_conf_setup(void)
{
	char	 path[sizeof(fuzz_dir) + 32];
	size_t	 i;

	if (mkdtemp(fuzz_dir) == NULL)
		fuzz_fail("mkdtemp %s", fuzz_dir);
	atexit(fuzz_conf_cleanup);
	for (i = 0; i < sizeof(fuzz_files) / sizeof(fuzz_files[0]); i++) {
		if (fuzz_files[i].text != NULL) {
			fuzz_conf_write(fuzz_files[i].name, fuzz_files[i].text,
			    strlen(fuzz_files[i].text), fuzz_files[i].mode);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir,
		    fuzz_files[i].name);
		if (mkdir(path, fuzz_files[i].mode & 0777) == -1)
			fuzz_fail("mkdir %s", path);
	}
}

/* conf_print of a parsed config, malloc'd. */
static char *
fuzz_conf_print(const struct carp_conf *conf, size_t *len)
{
	char	*out = NULL;
	FILE	*f;

	if ((f = open_memstream(&out, len)) == NULL)
		fuzz_fail("open_memstream");
	conf_print(f, conf);
	fclose(f);
	return (out);
}

/* parse(print(conf)) must print the same. */
static void
fuzz_conf_reprint(const struct carp_conf *conf)
{
	struct carp_conf	*again;
	char			 path[sizeof(fuzz_dir) + 32];
	char			*first, *second;
	size_t			 len1, len2;

	first = fuzz_conf_print(conf, &len1);
	fuzz_conf_write("print.conf", first, len1, 0600);
	snprintf(path, sizeof(path), "%s/print.conf", fuzz_dir);
	if ((again = conf_parse(path, stderr)) == NULL)
		fuzz_fail("conf_print wrote a config conf_parse refuses:\n%s",
		    first);
	second = fuzz_conf_print(again, &len2);
	if (len1 != len2 || memcmp(first, second, len1) != 0)
		fuzz_fail("conf_print is not stable:\n%s\n---\n%s", first,
		    second);
	conf_free(again);
	free(first);
	free(second);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carp_conf	*conf;
	char			 path[sizeof(fuzz_dir) + 32];

	/* a flag, not the template's last X: mkdtemp may draw an X there,
	 * and a second mkdtemp on the filled-in name fails */
	if (!fuzz_ready) {
		fuzz_conf_setup();
		fuzz_ready = 1;
	}
	fuzz_conf_write("fuzz.conf", data, size, 0600);
	snprintf(path, sizeof(path), "%s/fuzz.conf", fuzz_dir);
	if ((conf = conf_parse(path, fuzz_devnull())) == NULL)
		return (0);
	fuzz_conf_reprint(conf);
	conf_free(conf);
	return (0);
}
