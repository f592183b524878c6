/* Giving up what a daemon no longer needs once its sockets and netlink
 * handles are open: capabilities (libcap-ng), no_new_privs, and a
 * seccomp allow-list of system calls (libseccomp). One spec per daemon,
 * kept in priv.c beside the list of calls it was measured to make. */
#ifndef CARP_PRIV_H
#define CARP_PRIV_H

struct priv_spec {
	const char		 *name;		/* "carpd", for the logs */
	const int		 *caps;		/* CAP_*, ends with -1 */
	const char *const	 *syscalls;	/* allowed, ends with NULL;
						 * NULL: no filter at all */
};

extern const struct priv_spec	 priv_carpd;
extern const struct priv_spec	 priv_syncd;
extern const struct priv_spec	 priv_runner;	/* carpd's script runner */

/* Keep spec->caps only (effective and permitted; inheritable, ambient
 * and the bounding set cleared of all others), set no_new_privs and
 * install the seccomp filter. -1 with a log line on any failure: the
 * caller stops, since a half-dropped daemon is not what was asked for. */
int	priv_drop(const struct priv_spec *);
/* The filter of spec alone, for the tests: no capability change. */
int	priv_filter(const struct priv_spec *);

#endif
