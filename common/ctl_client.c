/* The blocking control client of carpctl and the tests: one request
 * out, reply frames in, every call bounded by a socket timeout. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "ctl.h"
#include "ctl_priv.h"

int
ctl_sun(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

int
ctl_set_timeout(int fd, int timeout_ms)
{
	struct timeval	 tv;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return (-1);
	return (0);
}

/* Linux honours SO_SNDTIMEO in a unix stream connect(), so a daemon with
 * a full backlog cannot hang carpctl either. */
int
ctl_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	if (ctl_sun(path, &sun) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (ctl_set_timeout(fd, timeout_ms) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved == EAGAIN ? ETIMEDOUT : saved;
		return (-1);
	}
	return (fd);
}

static int
ctl_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

static int
ctl_read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return (-1);
		}
		if (n == 0) {
			errno = ECONNRESET;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

int
ctl_send(int fd, const CtlRequest *req)
{
	uint8_t		*buf;
	size_t		 len;
	int		 rv;

	if ((buf = ctl_frame_pack(&req->base, &len)) == NULL)
		return (-1);
	rv = ctl_write_all(fd, buf, len);
	free(buf);
	return (rv);
}

int
ctl_recv(int fd, CtlReply **repp)
{
	uint8_t		 hdr[CTL_HDRLEN], *body;
	long		 n;

	*repp = NULL;
	if (ctl_read_all(fd, hdr, sizeof(hdr)) == -1)
		return (-1);
	if ((n = ctl_frame_len(hdr)) == -1) {
		errno = EPROTO;
		return (-1);
	}
	if ((body = malloc(n)) == NULL)
		return (-1);
	if (ctl_read_all(fd, body, n) == -1) {
		free(body);
		return (-1);
	}
	*repp = ctl_reply_unpack(body, n);
	free(body);
	if (*repp == NULL) {
		errno = EPROTO;
		return (-1);
	}
	return (0);
}

int
ctl_call(int fd, const CtlRequest *req, CtlReply **repp)
{
	*repp = NULL;
	if (ctl_send(fd, req) == -1)
		return (-1);
	return (ctl_recv(fd, repp));
}
