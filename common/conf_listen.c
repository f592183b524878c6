/* "ADDR:PORT" of metrics-listen: an address (IPv6 in brackets) and a
 * port, checked when the file is read so that "carpd -n" catches a bad
 * one; the daemons split it again when they listen. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "conf_priv.h"

int
conf_listen_split(const char *s, char *addr, size_t len, uint16_t *port)
{
	const char	*colon = strrchr(s, ':');
	unsigned char	 bin[sizeof(struct in6_addr)];
	long long	 n;
	size_t		 alen;
	int		 v6 = s[0] == '[';

	if (colon == NULL || (v6 && (colon == s || colon[-1] != ']')))
		return (-1);
	alen = (size_t)(colon - s) - (v6 ? 2 : 0);
	if (alen == 0 || alen >= len)
		return (-1);
	memcpy(addr, s + v6, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return (-1);
	if (conf_strtonum(colon + 1, &n) == -1 || n < 1 || n > 65535)
		return (-1);
	*port = (uint16_t)n;
	return (0);
}

void
conf_listen(struct conf_parser *p, const struct conf_tok *kw, char *dst,
    size_t len)
{
	char		 addr[INET6_ADDRSTRLEN];
	uint16_t	 port;

	if (conf_string(p, kw, dst, len) == -1)
		return;
	if (conf_listen_split(dst, addr, sizeof(addr), &port) == -1) {
		conf_err(p, kw->line, "%s %s: not ADDR:PORT or [ADDR6]:PORT",
		    kw->s, dst);
		dst[0] = '\0';
	}
}
