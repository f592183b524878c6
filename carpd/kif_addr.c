/* The interfaces' addresses as rtnetlink reported them, after bgpd's
 * kroute trees: kif.c feeds every RTM_NEWADDR / RTM_DELADDR of its
 * monitor (and of one dump at start) to kif_addr_event(), so that the
 * source of an advert is a table lookup, not a kernel request. No
 * socket here: the unit tests feed it messages they build. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "kif.h"
#include "log.h"

struct kif_addr {
	unsigned	 ifindex;
	int		 af;
	uint8_t		 plen;
	uint32_t	 flags;		/* IFA_F_* */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}		 a;
};

static struct {
	struct kif_addr	*addrs;		/* in the order the kernel told */
	size_t		 n;
	size_t		 max;
} kifa;

static size_t
kif_addr_len(int af)
{
	return (af == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr));
}

static struct kif_addr *
kif_addr_find(const struct kif_addr *k)
{
	size_t	 i;

	for (i = 0; i < kifa.n; i++)
		if (kifa.addrs[i].ifindex == k->ifindex &&
		    kifa.addrs[i].af == k->af &&
		    kifa.addrs[i].plen == k->plen &&
		    memcmp(&kifa.addrs[i].a, &k->a, kif_addr_len(k->af)) == 0)
			return (&kifa.addrs[i]);
	return (NULL);
}

/* A known address only changes its flags (DAD done, promoted to
 * primary): it keeps its place, as in the kernel's list. */
static int
kif_addr_insert(const struct kif_addr *k)
{
	struct kif_addr	*e, *n;
	size_t		 max;

	if ((e = kif_addr_find(k)) != NULL) {
		e->flags = k->flags;
		return (0);
	}
	if (kifa.n == kifa.max) {
		max = kifa.max ? kifa.max * 2 : 16;
		if ((n = reallocarray(kifa.addrs, max, sizeof(*n))) == NULL) {
			log_warn("kif: address table");
			return (-1);
		}
		kifa.addrs = n;
		kifa.max = max;
	}
	kifa.addrs[kifa.n++] = *k;
	return (0);
}

static void
kif_addr_remove(const struct kif_addr *k)
{
	struct kif_addr	*e;
	size_t		 i;

	if ((e = kif_addr_find(k)) == NULL)
		return;
	i = (size_t)(e - kifa.addrs);
	memmove(e, e + 1, (kifa.n - i - 1) * sizeof(*e));
	kifa.n--;
}

/* IPv4 names the interface's own address IFA_LOCAL (IFA_ADDRESS is the
 * peer on point-to-point links); IPv6 has IFA_ADDRESS only. IFA_FLAGS,
 * when present, holds the flags that do not fit the header's 8 bits. */
static int
kif_addr_parse(const struct nlmsghdr *nlh, struct kif_addr *k)
{
	const struct ifaddrmsg	*ifa;
	struct nlattr		*a;	/* libmnl's iterator wants it so */
	int			 want, found = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return (-1);
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return (-1);
	memset(k, 0, sizeof(*k));
	k->ifindex = ifa->ifa_index;
	k->af = ifa->ifa_family;
	k->plen = ifa->ifa_prefixlen;
	k->flags = ifa->ifa_flags;
	want = k->af == AF_INET ? IFA_LOCAL : IFA_ADDRESS;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_type_valid(a, IFA_MAX) <= 0)
			continue;
		if (mnl_attr_get_type(a) == IFA_FLAGS &&
		    mnl_attr_get_payload_len(a) == sizeof(uint32_t))
			k->flags = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) == want &&
		    mnl_attr_get_payload_len(a) == kif_addr_len(k->af)) {
			memcpy(&k->a, mnl_attr_get_payload(a),
			    kif_addr_len(k->af));
			found = 1;
		}
	}
	return (found ? 0 : -1);
}

int
kif_addr_event(const struct nlmsghdr *nlh, void *arg)
{
	struct kif_addr	 k;

	(void)arg;
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return (MNL_CB_OK);
	if (kif_addr_parse(nlh, &k) == -1)
		return (MNL_CB_OK);	/* malformed or other family */
	if (nlh->nlmsg_type == RTM_NEWADDR)
		(void)kif_addr_insert(&k);
	else
		kif_addr_remove(&k);
	return (MNL_CB_OK);
}

/* A deleted link takes its addresses with it. */
void
kif_addr_forget_link(unsigned ifindex)
{
	size_t	 i, j;

	for (i = j = 0; i < kifa.n; i++)
		if (kifa.addrs[i].ifindex != ifindex)
			kifa.addrs[j++] = kifa.addrs[i];
	kifa.n = j;
}

void
kif_addr_flush(void)
{
	kifa.n = 0;
}

void
kif_addr_cleanup(void)
{
	free(kifa.addrs);
	memset(&kifa, 0, sizeof(kifa));
}

/* Our own virtual addresses never count as the carpdev's address: the
 * VIP may even be the kernel's primary when nothing else is on its
 * subnet. */
static int
kif_addr_skipped(const struct kif_addr *k, const struct conf_addr *skip,
    int nskip)
{
	int	 i;

	for (i = 0; i < nskip; i++)
		if (skip[i].af == k->af &&
		    memcmp(&skip[i].a, &k->a, kif_addr_len(k->af)) == 0)
			return (1);
	return (0);
}

/* Rank of a candidate source address; the lowest rank wins, the first
 * one the kernel listed on a tie; 0 if it cannot be the source:
 *   IPv4: 1 primary, 2 secondary;
 *   IPv6: link-local only, 1 usable, 2 tentative (still better than
 *   nothing: DAD ends within a second or two). */
static int
kif_addr_rank(const struct kif_addr *k)
{
	if (k->af == AF_INET)
		return ((k->flags & IFA_F_SECONDARY) ? 2 : 1);
	if (!IN6_IS_ADDR_LINKLOCAL(&k->a.v6))
		return (0);
	return ((k->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) ? 2 : 1);
}

static void
kif_addr_sockaddr(const struct kif_addr *k, struct sockaddr_storage *out)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)out;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (k->af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = k->a.v4;
		return;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = k->a.v6;
	sin6->sin6_scope_id = k->ifindex;
}

int
kif_addr_lookup(unsigned ifindex, int af, const struct conf_addr *skip,
    int nskip, struct sockaddr_storage *out)
{
	const struct kif_addr	*best = NULL;
	size_t			 i;
	int			 rank, best_rank = 0;

	if (af != AF_INET && af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	for (i = 0; i < kifa.n; i++) {
		if (kifa.addrs[i].ifindex != ifindex ||
		    kifa.addrs[i].af != af)
			continue;
		if ((rank = kif_addr_rank(&kifa.addrs[i])) == 0 ||
		    (skip != NULL && kif_addr_skipped(&kifa.addrs[i], skip,
		    nskip)))
			continue;
		if (best == NULL || rank < best_rank) {
			best = &kifa.addrs[i];
			best_rank = rank;
		}
	}
	if (best == NULL) {
		errno = EADDRNOTAVAIL;
		return (-1);
	}
	kif_addr_sockaddr(best, out);
	return (0);
}
