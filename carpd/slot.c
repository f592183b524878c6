/* Balanced carps (carpnodes, docs/PROTOCOL.md section 4.4). Each node
 * slot is a struct carp_if of its own, with the slot's vhid and advskew,
 * so the election (fsm.c) runs per slot unchanged; the slots of one carp
 * share a struct carp_bal, which holds what follows the node's share of
 * them: the addresses, the scripts and the kernel side (bal_kern.c
 * through env->ops). */
#include <stdlib.h>
#include <string.h>

#include "carpd.h"
#include "balance.h"
#include "log.h"

const struct conf_carp *
carp_conf_of(const struct carp_if *cif)
{
	return (cif->bal != NULL ? &cif->bal->conf : &cif->conf);
}

/* Without balancing, carpnodes is a plain failover led by the first
 * slot (OpenBSD's "leader"): the addresses follow slot 0 alone. */
static int
slot_holds_addrs(const struct carp_bal *bal)
{
	if (bal->conf.balancing == BAL_NONE)
		return (bal->share & 1);
	return (bal->share != 0);
}

static void
slot_macs(struct carp_bal *bal)
{
	enum conf_balancing	 m = bal->conf.balancing;
	int			 i;

	for (i = 0; i < bal->nslots; i++)
		balance_mac(0, bal->conf.nodes[i].vhid, bal->mac[i]);
	balance_mac(m == BAL_IP || m == BAL_IP_STEALTH,
	    bal->conf.nodes[0].vhid, bal->cluster_mac);
}

/* The bal first, then a carp_if per slot; on a failure the slots made so
 * far are freed, and the bal with the last of them. */
struct carp_bal *
slot_add(struct carpd *env, const struct conf_carp *cc)
{
	struct carp_bal		*bal;
	struct conf_carp	 sc;
	int			 i;

	if ((bal = calloc(1, sizeof(*bal))) == NULL) {
		log_warn("%s: calloc", cc->name);
		return (NULL);
	}
	bal->conf = *cc;
	memset(&bal->conf.entry, 0, sizeof(bal->conf.entry));
	bal->env = env;
	bal->nslots = cc->nnodes;
	slot_macs(bal);
	for (i = 0; i < bal->nslots; i++) {
		sc = bal->conf;
		sc.vhid = cc->nodes[i].vhid;
		sc.advskew = cc->nodes[i].advskew;
		if ((bal->slot[i] = carp_if_new(env, &sc)) == NULL)
			break;
		bal->slot[i]->bal = bal;
		bal->slot[i]->slot = i;
		bal->nlive++;
	}
	explicit_bzero(&sc, sizeof(sc));	/* the password */
	if (i == bal->nslots)
		return (bal);
	if (i == 0) {
		explicit_bzero(bal, sizeof(*bal));
		free(bal);
		return (NULL);
	}
	while (--i >= 0)
		carp_if_free(bal->slot[i]);	/* frees bal with the last */
	return (NULL);
}

void
slot_if_freed(struct carp_if *cif)
{
	struct carp_bal	*bal = cif->bal;

	bal->slot[cif->slot] = NULL;
	if (--bal->nlive > 0)
		return;
	if (bal->kern != NULL)
		bal->env->ops->bal_close(bal);
	explicit_bzero(bal, sizeof(*bal));	/* the password */
	free(bal);
}

/* Installed once for the carp, whichever slot's transition it is (each
 * slot's conf holds the carp's addresses). */
static void
slot_addrs(struct carp_if *cif, int add)
{
	if (cif->bal->addrs_installed == add)
		return;
	carp_addrs_set(cif, add);
	cif->bal->addrs_installed = add;
}

/* The up-script runs when the node starts holding the addresses, the
 * down-script when it stops (at exit only with shutdown-scripts). */
static void
slot_scripts(struct carp_if *cif)
{
	struct carp_bal	*bal = cif->bal;
	struct carpd	*env = cif->env;
	int		 up = bal->addrs_installed;

	if (bal->scripts_up == up)
		return;
	bal->scripts_up = up;
	if (up || !env->shutting_down ||
	    conf_carp_shutdown_scripts(env->conf, &bal->conf))
		env->ops->script(cif, up);
}

/* The share changed: the addresses, then the kernel's filters, then the
 * scripts. Adding the addresses first means a host sent here by the
 * filter finds them. */
static void
slot_share_changed(struct carp_if *cif, uint32_t old)
{
	struct carp_bal	*bal = cif->bal;

	log_info("%s: vhid %d %s here, share 0x%x (was 0x%x)",
	    bal->conf.name, cif->conf.vhid, bal->share > old ? "taken" :
	    "given up", bal->share, old);
	slot_addrs(cif, slot_holds_addrs(bal));
	if (bal->conf.balancing != BAL_NONE && bal->kern != NULL &&
	    cif->env->ops->bal_update(bal) == -1)
		bal->cnt.kernel_errors++;
	slot_scripts(cif);
}

void
slot_master_up(struct carp_if *cif)
{
	uint32_t	 old = cif->bal->share;

	cif->bal->share |= 1u << cif->slot;
	slot_share_changed(cif, old);
}

void
slot_master_down(struct carp_if *cif)
{
	uint32_t	 old = cif->bal->share;

	cif->bal->share &= ~(1u << cif->slot);
	if (old != cif->bal->share)
		slot_share_changed(cif, old);
}

/* A slot that became MASTER makes the switch learn its MAC on our port
 * (bal_learn); without balancing, the leader slot announces the
 * addresses as a plain carp does. */
void
slot_announce(struct carp_if *cif)
{
	struct carp_bal	*bal = cif->bal;

	if (bal->conf.balancing == BAL_NONE) {
		if (cif->slot == 0)
			cif->env->ops->announce(cif);
		return;
	}
	if (bal->kern != NULL)
		cif->env->ops->bal_learn(bal, cif->slot);
}
