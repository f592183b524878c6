/* Internal to syncd's kernel conntrack module, shared by its files:
 *
 *   ct.c        sockets, events, ignore list, dump, get
 *   ct_conv.c   nf_conntrack <-> struct sync_state
 *   ct_apply.c  batched create/update/delete/liberal, error replies
 *
 * Nothing outside them includes this: the rest of syncd sees ct.h. */
#ifndef SYNCD_CT_VAR_H
#define SYNCD_CT_VAR_H

#include <stdint.h>

#include "ct.h"

#define CT_RECVBUF		(64 * 1024)

struct mnl_socket;
struct nlmsghdr;

/* Counters of the module, reset by ct_shutdown(). */
extern struct ct_stats	 ct_counters;

/* ct.c */
struct mnl_socket	*ct_socket(unsigned int);
struct nlmsghdr		*ct_nlmsg_put(void *, uint16_t, uint16_t, uint32_t,
			    uint8_t);

/* ct_conv.c */
void	 ct_key_to(struct nf_conntrack *, const struct sync_state *);
struct nlmsghdr;
void	 ct_reply_key_put(struct nlmsghdr *, const struct sync_state *);
int	 ct_nlmsg_state(const struct nlmsghdr *, struct sync_state *);

/* ct_apply.c */
int	 ct_apply_open(void);
void	 ct_apply_close(void);
uint32_t ct_apply_portid(void);

#endif
