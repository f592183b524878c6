/* Giving up what a daemon no longer needs once its sockets and netlink
 * handles are open: capabilities (libcap-ng), no_new_privs, and a
 * seccomp allow-list of system calls (libseccomp). One spec per daemon,
 * kept in priv.c beside the list of calls it was measured to make. */
#ifndef CARP_PRIV_H
#define CARP_PRIV_H

#include <sys/types.h>

struct priv_spec {
	const char		 *name;		/* "carpd", for the logs */
	const int		 *caps;		/* CAP_*, ends with -1 */
	const char *const	 *syscalls;	/* allowed, ends with NULL;
						 * NULL: no filter at all */
};

/* The user a daemon becomes at the drop (the "user" keyword). */
struct priv_user {
	const char		 *name;		/* NULL: stay root */
	uid_t			  uid;
	gid_t			  gid;
};

extern const struct priv_spec	 priv_carpd;
extern const struct priv_spec	 priv_syncd;
extern const struct priv_spec	 priv_runner;	/* carpd's script runner */

/* Look name up ("" or NULL: stay root) while the files can be read;
 * -1 with a log line if there is no such user. */
int	priv_user(const char *name, struct priv_user *);
/* Make path (a socket or directory made as root before the drop) the
 * user's, so that it still works afterwards; a missing path is fine. */
int	priv_give(const struct priv_user *, const char *path);
/* Keep spec->caps only (effective and permitted; inheritable, ambient
 * and the bounding set cleared of all others), become u (NULL or no
 * name: stay root) keeping those caps, set no_new_privs and install the
 * seccomp filter. -1 with a log line on any failure: the caller stops,
 * since a half-dropped daemon is not what was asked for. */
int	priv_drop(const struct priv_spec *, const struct priv_user *);
/* The filter of spec alone, for the tests: no capability change. */
int	priv_filter(const struct priv_spec *);

#endif
