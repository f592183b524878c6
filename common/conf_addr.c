/* Address and prefix helpers of conf.h, used by the parser, printconf.c
 * and both daemons. */
#include <sys/types.h>
#include <arpa/inet.h>
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

int
conf_ismcast(const struct conf_addr *a)
{
	if (a->af == AF_INET)
		return (IN_MULTICAST(ntohl(a->a.v4.s_addr)));
	return (IN6_IS_ADDR_MULTICAST(&a->a.v6));
}

/* Address helpers.
 *
 * conf_addr_parse(s, a, with_plen): with_plen non-zero accepts
 * "addr/plen" and, when the prefix is left out, takes the host length
 * (/32 or /128) so "address 192.0.2.1" means exactly that address; with
 * with_plen zero a "/plen" is refused and plen is the host length. */
int
conf_addr_parse(const char *s, struct conf_addr *a, int with_plen)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	long long	 plen = -1;
	int		 max;

	memset(a, 0, sizeof(*a));
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return (-1);
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!with_plen || slash[1] < '0' || slash[1] > '9' ||
		    (slash[1] == '0' && slash[2] != '\0') ||
		    conf_strtonum(slash + 1, &plen) == -1)
			return (-1);
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, &a->a.v4) == 1) {
		a->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->a.v6) == 1) {
		a->af = AF_INET6;
		max = 128;
	} else {
		memset(a, 0, sizeof(*a));
		return (-1);
	}
	if (plen > max) {
		memset(a, 0, sizeof(*a));
		return (-1);
	}
	a->plen = plen >= 0 ? plen : max;
	return (0);
}

void
conf_addr_print(const struct conf_addr *a, int with_plen, char *buf,
    size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (a->af != AF_INET && a->af != AF_INET6) {
		snprintf(buf, len, "none");
		return;
	}
	inet_ntop(a->af, &a->a, tmp, sizeof(tmp));
	if (with_plen)
		snprintf(buf, len, "%s/%u", tmp, a->plen);
	else
		snprintf(buf, len, "%s", tmp);
}

const char *
conf_sa_print(const void *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = sa;
	const struct sockaddr_in6	*sin6 = sa;

	if (sin->sin_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, len);
	else if (sin->sin_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
	else
		snprintf(buf, len, "none");
	return (buf);
}

int
conf_addr_cmp(const struct conf_addr *a, const struct conf_addr *b)
{
	int	r;

	if (a->af != b->af)
		return (a->af < b->af ? -1 : 1);
	if (a->af == AF_INET)
		r = memcmp(&a->a.v4, &b->a.v4, sizeof(a->a.v4));
	else if (a->af == AF_INET6)
		r = memcmp(&a->a.v6, &b->a.v6, sizeof(a->a.v6));
	else
		return (0);
	if (r != 0)
		return (r);
	if (a->plen != b->plen)
		return (a->plen < b->plen ? -1 : 1);
	return (0);
}
