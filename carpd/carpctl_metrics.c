/* carpctl metrics: carpd's status, groups and stats, and syncd's sync
 * stats, as one OpenMetrics text (common/metrics.c formats it, as the
 * daemons' metrics-listen does, so both give the same families).
 *
 * carpd's three answers are merged into one reply first: each carries
 * its part (carps, groups, stats), and a field another part carries too
 * (the carps of stats) is taken once, or its families would repeat.
 * syncd is asked only when its socket exists: a node without
 * replication runs no syncd. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "carpctl.h"
#include "metrics.h"

/* One command's answer: its frame with end set; NULL after an error
 * (printed). */
static CtlReply *
ctlm_ask(int fd, CtlCommand cmd, const char *sock)
{
	static char	 who[] = "carpctl";
	CtlRequest	 req;
	CtlReply	*rep = NULL;

	ctl_request_init(&req, cmd);
	req.who = who;
	if (ctl_send(fd, &req) == -1)
		goto fail;
	for (;;) {
		if (ctl_recv(fd, &rep) == -1)
			goto fail;
		if (!rep->has_version || rep->version != CTL_VERSION ||
		    (rep->has_result && rep->result != CTL_RESULT__OK)) {
			fprintf(stderr, "carpctl: %s: %s: %s\n", sock,
			    ctl_command_str(cmd), rep->reason != NULL ?
			    rep->reason : ctl_result_str(rep->result));
			ctl_reply_free(rep);
			return (NULL);
		}
		if (rep->end)
			return (rep);
		ctl_reply_free(rep);
	}
 fail:
	fprintf(stderr, "carpctl: %s: %s\n", sock, strerror(errno));
	return (NULL);
}

/* What base lacks, from other, by the descriptor: a repeated field
 * base has none of, a message or string it has not. Swapped, so that
 * each reply still frees what it holds. */
static void
ctlm_merge(CtlReply *base, CtlReply *other)
{
	const ProtobufCMessageDescriptor	*d = &ctl_reply__descriptor;
	const ProtobufCFieldDescriptor		*fd;
	char					*pb, *po;
	void					*tp;
	size_t					 tn, *nb, *no;
	unsigned				 i;

	for (i = 0; i < d->n_fields; i++) {
		fd = &d->fields[i];
		pb = (char *)base + fd->offset;
		po = (char *)other + fd->offset;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			nb = (size_t *)(void *)((char *)base +
			    fd->quantifier_offset);
			no = (size_t *)(void *)((char *)other +
			    fd->quantifier_offset);
			if (*nb != 0 || *no == 0)
				continue;
			tn = *nb, *nb = *no, *no = tn;
		} else if (fd->type != PROTOBUF_C_TYPE_MESSAGE &&
		    fd->type != PROTOBUF_C_TYPE_STRING)
			continue;
		else if (*(void **)(void *)pb != NULL ||
		    *(void **)(void *)po == NULL)
			continue;
		memcpy(&tp, pb, sizeof(tp));
		memcpy(pb, po, sizeof(tp));
		memcpy(po, &tp, sizeof(tp));
	}
}

/* carpd's status, groups and stats as one reply. */
static CtlReply *
ctlm_carpd(const char *sock)
{
	static const CtlCommand	 cmds[] = {
		CTL_COMMAND__STATUS, CTL_COMMAND__GROUPS, CTL_COMMAND__STATS,
	};
	CtlReply		*base = NULL, *rep;
	size_t			 i;
	int			 fd;

	if ((fd = ctl_connect(sock, CTL_TIMEOUT_MS)) == -1) {
		fprintf(stderr, "carpctl: cannot reach carpd at %s: %s\n",
		    sock, strerror(errno));
		return (NULL);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if ((rep = ctlm_ask(fd, cmds[i], sock)) == NULL) {
			if (base != NULL)
				ctl_reply_free(base);
			base = NULL;
			break;
		}
		if (base == NULL)
			base = rep;
		else {
			ctlm_merge(base, rep);
			ctl_reply_free(rep);
		}
	}
	close(fd);
	return (base);
}

/* syncd's sync stats; *rep NULL and 0 if it has no socket. */
static int
ctlm_syncd(const char *sock, CtlReply **rep)
{
	int	 fd;

	*rep = NULL;
	if (access(sock, F_OK) == -1 && errno == ENOENT)
		return (0);
	if ((fd = ctl_connect(sock, CTL_TIMEOUT_MS)) == -1) {
		fprintf(stderr, "carpctl: cannot reach syncd at %s: %s\n",
		    sock, strerror(errno));
		return (-1);
	}
	*rep = ctlm_ask(fd, CTL_COMMAND__SYNC_STATS, sock);
	close(fd);
	return (*rep != NULL ? 0 : -1);
}

int
carpctl_metrics(FILE *f, const char *carpd_sock, const char *syncd_sock)
{
	struct evbuffer	*b;
	CtlReply	*carpd, *syncd = NULL;
	int		 rc = -1;

	if ((carpd = ctlm_carpd(carpd_sock)) == NULL)
		return (-1);
	if (ctlm_syncd(syncd_sock, &syncd) == -1 ||
	    (b = evbuffer_new()) == NULL)
		goto done;
	if (metrics_reply(b, "carpd", carpd) == 0 &&
	    (syncd == NULL || metrics_reply(b, "syncd", syncd) == 0) &&
	    metrics_end(b) == 0 &&
	    fwrite(evbuffer_pullup(b, -1), 1, evbuffer_get_length(b), f) ==
	    evbuffer_get_length(b) && fflush(f) == 0)
		rc = 0;
	evbuffer_free(b);
 done:
	if (syncd != NULL)
		ctl_reply_free(syncd);
	ctl_reply_free(carpd);
	return (rc);
}
