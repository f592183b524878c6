/* Who gets a control connection and who may change state, as pure
 * functions of the client's uid and the live connections, so that the
 * unit tests cover every case without sockets (hardening bug 8: a user
 * holding every slot locked root's carpctl and syncd's holds out). */
#include <sys/types.h>

#include "ctl.h"

const struct ctl_limits ctl_limits_default = {
	CTL_MAX_CLIENTS, CTL_MAX_UNPRIV, CTL_MAX_PER_UID, CTL_IDLE_MS,
	CTL_MAX_OUTPUT
};

/* Root, and the daemon's own user: syncd holding carpd's demotion when
 * both run as the same user. */
int
ctl_uid_privileged(uid_t uid, uid_t self)
{
	return (uid == 0 || uid == self);
}

/* The slots between max_unpriv and max_clients are for privileged users
 * only, and no single unprivileged user takes more than max_per_uid, so
 * root and syncd always get in while any other user fills its share. */
enum ctl_admit
ctl_admit(const struct ctl_limits *lim, const struct ctl_census *n,
    uid_t uid, uid_t self)
{
	if (n->total >= lim->max_clients)
		return (CTL_REFUSE_FULL);
	if (ctl_uid_privileged(uid, self))
		return (CTL_ADMIT);
	if (n->unpriv >= lim->max_unpriv)
		return (CTL_REFUSE_FULL);
	if (n->same_uid >= lim->max_per_uid)
		return (CTL_REFUSE_UID);
	return (CTL_ADMIT);
}

/* control-group members read; only privileged users change state. */
int
ctl_may(uid_t uid, uid_t self, int write)
{
	return (!write || ctl_uid_privileged(uid, self));
}
