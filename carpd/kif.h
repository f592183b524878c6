/* Kernel interface of carpd over rtnetlink (libmnl): the only place that
 * touches addresses, links and macvlans. */
#ifndef CARPD_KIF_H
#define CARPD_KIF_H

#include <sys/socket.h>
#include <linux/netlink.h>
#include <event2/event.h>

#include "conf.h"

typedef void	(*kif_link_cb)(unsigned ifindex, int up, void *arg);

int	kif_init(struct event_base *, kif_link_cb, void *arg);
void	kif_cleanup(void);
/* 0 if no such interface */
unsigned kif_ifindex(const char *ifname);
/* 1 if the link is up and running (carrier), 0 if not, -1 on error */
int	kif_link_up(unsigned ifindex);
int	kif_link_mac(unsigned ifindex, uint8_t mac[6]);
/* Add/remove one address (IPv6 without DAD, so it is usable at once).
 * Adding an address that is there, or removing one that is not, is 0. */
int	kif_addr_add(unsigned ifindex, const struct conf_addr *);
int	kif_addr_del(unsigned ifindex, const struct conf_addr *);
/* Primary IPv4 address / IPv6 link-local of ifindex, skipping the
 * addresses in skip[] (our virtual ones). -1 if there is none. Once
 * kif_init() ran, from the address table: no kernel request. */
int	kif_primary_addr(unsigned ifindex, int af,
	    const struct conf_addr *skip, int nskip,
	    struct sockaddr_storage *);
/* macvlan (mode private... bridge) named name on parent with mac, up.
 * Returns its ifindex, or 0 on error. Existing one is reused. */
unsigned kif_vmac_create(const char *name, unsigned parent,
	    const uint8_t mac[6]);
int	kif_vmac_destroy(const char *name);
/* IPv4 promote_secondaries on, through rtnetlink (no /proc/sys). */
int	kif_promote_secondaries(unsigned ifindex);
/* Any IPv4 devconf value (IPV4_DEVCONF_*) the same way. */
int	kif_inet_conf(unsigned ifindex, int key, uint32_t value);

/* kif_addr.c: the address table kif.c's monitor keeps, apart so that
 * unit tests feed it netlink messages without a kernel. */
/* mnl_cb_t: RTM_NEWADDR adds or updates, RTM_DELADDR removes. */
int	kif_addr_event(const struct nlmsghdr *, void *);
void	kif_addr_forget_link(unsigned ifindex);
void	kif_addr_flush(void);
void	kif_addr_cleanup(void);
/* kif_primary_addr() on the table as it is. */
int	kif_addr_lookup(unsigned ifindex, int af,
	    const struct conf_addr *skip, int nskip,
	    struct sockaddr_storage *);

#endif
