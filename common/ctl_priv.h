/* Private to the control-socket files (common/ctl_*.c):
 *
 *   ctl_frame.c	framing, packing, names of results and commands
 *   ctl_client.c	blocking client (carpctl, tests)
 *   ctl_server.c	libevent server (the daemons' control.c)
 *   ctl_holder.c	reconnecting demote-hold client (syncd) */
#ifndef CARP_CTL_PRIV_H
#define CARP_CTL_PRIV_H

#include <sys/types.h>
#include <sys/un.h>
#include <stdint.h>

struct evbuffer;

/* room for a socket path, as bind() and connect() take it */
#define CTL_PATHMAX	sizeof(((struct sockaddr_un *)0)->sun_path)

/* Body length announced by a header, -1 if no valid frame has it. */
long	 ctl_frame_len(const uint8_t *hdr);
/* The frame at the head of in: 0 if not all there yet, -1 if its length
 * is out of range, else the frame's length with the body's in *bodylen;
 * pull that many bytes up to read it. */
ssize_t	 ctl_frame_peek(struct evbuffer *in, size_t *bodylen);
/* -1 with ENAMETOOLONG if path does not fit */
int	 ctl_sun(const char *path, struct sockaddr_un *);

#endif
