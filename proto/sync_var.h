/* Internal to the sync codec, shared by its files:
 *
 *   sync.c         states, header, control messages, decode, dispatch
 *   sync_expect.c  expectations (ExpectUpdate, ExpectDelete)
 *
 * Nothing outside proto/ includes this: the rest sees sync.h. */
#ifndef PROTO_SYNC_VAR_H
#define PROTO_SYNC_VAR_H

#include <stddef.h>
#include <stdint.h>

#include "sync.pb-c.h"
#include "sync.h"

/* The longest timeout a kernel holds: ctnetlink caps it at INT_MAX
 * jiffies, 248 days at the smallest HZ (100). More is not a real state. */
#define MSG_MAXTIMEOUT	(0x7fffffffU / 100)

/* sync.c */
size_t	 msg_addrlen(uint8_t family);
int	 msg_l4proto_valid(uint8_t family, uint8_t l4proto);
int	 msg_tuple_sane(const struct sync_tuple *, uint8_t family, int dir);
uint32_t msg_family_wire(uint8_t family);
int	 msg_family_from_wire(uint32_t, uint8_t *family);
void	 msg_tuple_to_pb(const struct sync_tuple *, uint8_t family,
	    Sync__Tuple *);
int	 msg_tuple_from_pb(const Sync__Tuple *, uint8_t family,
	    struct sync_tuple *);
int	 msg_out_pack(struct msg_out *, unsigned field,
	    const ProtobufCMessage *);

/* sync_expect.c: the expectations of a decoded datagram, checked as a
 * whole with the rest (-1: malformed), then handed to the callbacks. */
int	 msg_expects_validate(const Sync__Datagram *);
void	 msg_expects_dispatch(const Sync__Datagram *, const struct msg_hdr *,
	    const struct msg_cb *, void *);

#endif
