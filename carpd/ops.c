/* The real kernel and wire as struct carp_ops: rtnetlink (kif.c), the
 * CARP sockets (net.c), the scripts (hooks.c), the kernel side of
 * balancing (bal_kern.c). Only carpd.c names this table, so the
 * engine and apply.c link into unit tests without these modules, with a
 * stub table in its place. */
#include "bal.h"
#include "carpd.h"
#include "kif.h"
#include "log.h"
#include "net.h"

static int
ops_open(struct carpd *env)
{
	hooks_init(env->base);
	if (kif_init(env->base, carpd_link_changed, env) == -1) {
		log_warnx("cannot open rtnetlink");
		return (-1);
	}
	if (net_init(env) == -1) {
		log_warnx("cannot open the CARP sockets (carpd needs root)");
		return (-1);
	}
	return (0);
}

static void
ops_close(void)
{
	net_cleanup();
	kif_cleanup();
}

/* Addresses live on the carpdev, or on the macvlan with vmac yes. */
static int
ops_addr_add(struct carp_if *cif, const struct conf_addr *a)
{
	return (kif_addr_add(cif->addr_index, a));
}

static int
ops_addr_del(struct carp_if *cif, const struct conf_addr *a)
{
	return (kif_addr_del(cif->addr_index, a));
}

/* A VIP added before the interface's own address in the same subnet
 * becomes the kernel's primary; removing it would then remove every
 * secondary (the real address) with it, unless they are promoted. */
static void
ops_promote_secondaries(const char *ifname)
{
	unsigned	 idx;

	if ((idx = kif_ifindex(ifname)) == 0 ||
	    kif_promote_secondaries(idx) == -1)
		log_warn("%s: cannot set promote_secondaries", ifname);
}

const struct carp_ops carpd_kernel_ops = {
	.addr_add = ops_addr_add,
	.addr_del = ops_addr_del,
	.source = net_source,
	.send = net_send,
	.announce = net_announce,
	.script = hooks_run,
	.open = ops_open,
	.close = ops_close,
	.ifindex = kif_ifindex,
	.link_up = kif_link_up,
	.link_mac = kif_link_mac,
	.vmac_create = kif_vmac_create,
	.vmac_destroy = kif_vmac_destroy,
	.promote_secondaries = ops_promote_secondaries,
	.join = net_join,
	.leave = net_leave,
	.bal_open = bal_kern_open,
	.bal_update = bal_kern_update,
	.bal_learn = bal_kern_learn,
	.bal_close = bal_kern_close,
};
