/* carpd's metrics-listen: GET /metrics answered from carpd's own state,
 * filled as the control socket fills STATUS, GROUPS and STATS and
 * formatted as carpctl metrics formats those answers (common/metrics.c),
 * so that a scrape and carpctl show the same families. */
#include <stdint.h>

#include "control.h"
#include "log.h"

static struct metrics_http	*control_http;

static int
control_metrics_fill(struct evbuffer *b, void *arg)
{
	struct control_groups	 cgs;
	struct control_stats	 cs;
	CtlReply		 rep;
	int			 rc = -1;

	(void)arg;
	ctl_reply_init(&rep, CTL_RESULT__OK, NULL);
	if (control_carps(&rep, NULL) == -1)
		return (-1);
	rep.realtime = (char *)(uintptr_t)realtime_status();
	if (control_tracks(&rep) == 0 &&
	    control_groups_fill(&rep, NULL, &cgs) == 0) {
		control_stats_fill(&rep, &cs);
		if (metrics_reply(b, "carpd", &rep) == 0 && metrics_end(b) == 0)
			rc = 0;
		control_groups_free(&cgs);
	}
	control_tracks_free(&rep);
	control_carps_free(&rep);
	return (rc);
}

/* Before privileges are dropped: the socket is bound now, and a
 * reload does not move it (carpd_apply says so). */
int
control_metrics_start(struct carpd *env)
{
	if (control_http != NULL || env->conf == NULL ||
	    env->conf->metrics_listen[0] == '\0')
		return (0);
	control_http = metrics_http_new(env->base, env->conf->metrics_listen,
	    control_metrics_fill, env);
	return (control_http != NULL ? 0 : -1);
}

void
control_metrics_stop(void)
{
	metrics_http_free(control_http);
	control_http = NULL;
}

const struct metrics_http_stats *
control_metrics_stats(void)
{
	return (metrics_http_stats(control_http));
}
