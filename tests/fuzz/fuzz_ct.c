/* conntrack event -> struct sync_state: the input is what syncd reads
 * from its ctnetlink event socket, one or more netlink messages. Each
 * goes through mnl_cb_run, nfct_nlmsg_parse and ct_from_nfct, as
 * ct_event_state (syncd/ct.c) has ct_nlmsg_state (syncd/ct_conv.c) do
 * it, then ct_ignored (ct.c). The harness parses by itself only to catch
 * the library's exit() (below) without leaking the object.
 *
 * Properties: a state ct_from_nfct makes either fails msg_state_valid
 * or crosses the wire unchanged (fuzz_state_roundtrip); turned back into
 * a conntrack object with ct_to_nfct (ct_conv.c), built into a netlink
 * message and parsed again, it gives the same state. The NAT form
 * ct_apply.c creates entries with (CT_NFCT_NAT) builds too. */
#include <sys/socket.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "syncd/ct.h"
#include "syncrx.h"

/* libnetfilter_conntrack calls exit() from __abi_breakage when an
 * attribute has the wrong size: the kernel never sends one, and if it
 * did syncd would stop there, by the library's choice, not ours. The
 * fuzzer makes such attributes all the time: the harness takes the
 * exported symbol over and leaves that message alone. */
static sigjmp_buf	 fuzz_ct_jmp;
static int		 fuzz_ct_armed;

void	 __abi_breakage(const char *, int, const char *);

void
__abi_breakage(const char *file, int line, const char *reason)
{
	if (!fuzz_ct_armed)
		fuzz_fail("libnetfilter_conntrack: %s:%d: %s", file, line,
		    reason);
	fuzz_ct_armed = 0;
	siglongjmp(fuzz_ct_jmp, 1);
}

/* The header of a ctnetlink "new" message of family af in buf. */
static struct nlmsghdr *
fuzz_ct_nlmsg(uint8_t *buf, uint8_t af)
{
	struct nlmsghdr	*nlh;
	struct nfgenmsg	*nfg;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = af;
	nfg->version = NFNETLINK_V0;
	return (nlh);
}

/* ct_to_nfct, nfct_nlmsg_build, nfct_nlmsg_parse, ct_from_nfct. */
static void
fuzz_ct_back(const struct sync_state *s)
{
	struct nf_conntrack	*c, *c2;
	struct nlmsghdr		*nlh;
	struct sync_state	 again;
	uint8_t			*buf;

	if ((buf = calloc(1, MNL_SOCKET_BUFFER_SIZE)) == NULL ||
	    (c = nfct_new()) == NULL || (c2 = nfct_new()) == NULL)
		fuzz_fail("out of memory");
	nlh = fuzz_ct_nlmsg(buf, s->family);
	if (ct_to_nfct(s, c, 0) == -1)
		fuzz_fail("ct_to_nfct refused a state ct_from_nfct made");
	if (nfct_nlmsg_build(nlh, c) == -1 || nfct_nlmsg_parse(nlh, c2) == -1)
		fuzz_fail("a conntrack built from a state does not parse");
	if (ct_from_nfct(c2, &again) == -1)
		fuzz_fail("ct_from_nfct refused what ct_to_nfct made");
	/* the library sets IPS_CONFIRMED on every message it builds, as
	 * every state the kernel reports has it: not a change of ours */
	if (!(s->status & IPS_CONFIRMED))
		again.status &= ~IPS_CONFIRMED;
	if (memcmp(&again, s, sizeof(again)) != 0) {
		fuzz_state_print("before", s);
		fuzz_state_print("after", &again);
		fuzz_fail("a state changed on ct_to_nfct -> ct_from_nfct");
	}
	nfct_destroy(c2);
	/* the form ct_apply.c creates a NATed entry with: no round trip
	 * (the reply tuple is the one before NAT), but it must build */
	nfct_destroy(c);
	if ((c = nfct_new()) == NULL)
		fuzz_fail("out of memory");
	nlh = fuzz_ct_nlmsg(buf, s->family);
	if (ct_to_nfct(s, c, CT_NFCT_NAT) == -1 ||
	    nfct_nlmsg_build(nlh, c) == -1)
		fuzz_fail("the NAT form of a valid state does not build");
	nfct_destroy(c);
	free(buf);
}

/* libnetfilter_conntrack (1.0.9) copies the helper and security context
 * names with "%s", reading past an attribute without its NUL. The kernel
 * always ends them with one (nla_put_string): leave such messages out. */
static int
fuzz_ct_name_cb(const struct nlattr *a, void *arg)
{
	int	*ok = arg;

	if (mnl_attr_get_type(a) == 1 &&	/* CTA_HELP_NAME, _SECCTX_NAME */
	    memchr(mnl_attr_get_payload(a), '\0',
	    mnl_attr_get_payload_len(a)) == NULL)
		*ok = 0;
	return (MNL_CB_OK);
}

static int
fuzz_ct_top_cb(const struct nlattr *a, void *arg)
{
	uint16_t	 type = mnl_attr_get_type(a);

	if (type == CTA_HELP || type == CTA_SECCTX)
		(void)mnl_attr_parse_nested(a, fuzz_ct_name_cb, arg);
	return (MNL_CB_OK);
}

static int
fuzz_ct_names_ok(const struct nlmsghdr *nlh)
{
	int	 ok = 1;

	(void)mnl_attr_parse(nlh, sizeof(struct nfgenmsg), fuzz_ct_top_cb,
	    &ok);
	return (ok);
}

static int
fuzz_ct_event(const struct nlmsghdr *nlh, void *arg)
{
	struct nf_conntrack *volatile	 c;
	struct sync_state		 s;
	int				 rv;

	(void)arg;
	if (!fuzz_ct_names_ok(nlh))
		return (MNL_CB_OK);
	if ((c = nfct_new()) == NULL)
		fuzz_fail("nfct_new");
	if (sigsetjmp(fuzz_ct_jmp, 0) != 0) {
		nfct_destroy(c);
		return (MNL_CB_OK);
	}
	fuzz_ct_armed = 1;
	rv = nfct_nlmsg_parse(nlh, c);
	fuzz_ct_armed = 0;
	if (rv != -1)
		rv = ct_from_nfct(c, &s);
	nfct_destroy(c);
	if (rv == -1)
		return (MNL_CB_OK);
	(void)ct_ignored(&s);
	if (msg_state_valid(&s)) {
		fuzz_state_roundtrip(&s);
		fuzz_ct_back(&s);
	}
	return (MNL_CB_OK);
}

/* The kernel never sends a message longer than what it wrote; libmnl
 * (1.0.4) would follow one whose nlmsg_len is 2^31 or more, since
 * mnl_nlmsg_ok compares it as a negative int, out of the buffer. Such
 * input is not what syncd can ever read: skip it. */
static int
fuzz_ct_sane(const uint8_t *buf, size_t size)
{
	const struct nlmsghdr	*nlh;
	size_t			 off = 0;

	while (size - off >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)(const void *)(buf + off);
		if (nlh->nlmsg_len >= 0x80000000U)
			return (0);
		if (nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > size - off)
			break;		/* mnl_cb_run stops here */
		off += MNL_ALIGN(nlh->nlmsg_len);
		if (off > size)
			break;
	}
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*buf;

	/* netlink messages are read into an aligned buffer; exactly size
	 * bytes of it, so ASan sees any overread */
	if ((buf = malloc(size + 1)) == NULL)
		return (0);
	memcpy(buf, data, size);
	if (fuzz_ct_sane(buf, size))
		(void)mnl_cb_run(buf, size, 0, 0, fuzz_ct_event, NULL);
	free(buf);
	return (0);
}
