/* ct.h for the engine tests: one in-memory conntrack table per node.
 * Applying makes no event (ct.c suppresses the echo of its own apply);
 * the test makes the kernel's own changes with stub_ct_event_*. */
#include <errno.h>
#include <string.h>

#include "stub_kern.h"
#include "syncd/ct.h"

struct stub_table {
	struct sync_state	 s[STUB_CT_MAX];
	int			 used[STUB_CT_MAX];
	struct ct_cb		 cb;
	void			*arg;
	int			 open;
	unsigned int		 dumps;		/* ct_dump and ct_dump_async */
	int			 held;		/* ct_events_hold */
	/* events made while held, delivered by stub_ct_run */
	struct sync_state	 pend[STUB_CT_MAX];
	int			 pend_del[STUB_CT_MAX];
	int			 npend;
	/* a walk read but not yet handed over (stub_ct_walk_hold) */
	int			 walk_hold;
	int			 walking;
	struct sync_state	 walk[STUB_CT_MAX];
	int			 nwalk;
	void			(*walk_fn)(const struct sync_state *, void *);
	void			(*walk_done)(int, void *);
	void			*walk_arg;
};

static struct stub_table	 stub_tables[STUB_NODES];
static struct ct_stats		 stub_ct_st;
static int			 stub_node;

void
stub_select(int n)
{
	stub_node = n;
}

int
stub_selected(void)
{
	return (stub_node);
}

void
stub_ct_reset(void)
{
	memset(stub_tables, 0, sizeof(stub_tables));
	stub_node = 0;
}

static int
stub_ct_slot(const struct stub_table *t, const struct sync_state *key)
{
	int	 i;

	for (i = 0; i < STUB_CT_MAX; i++)
		if (t->used[i] && sync_state_key_equal(&t->s[i], key))
			return (i);
	return (-1);
}

static int
stub_ct_store(struct stub_table *t, const struct sync_state *s)
{
	int	 i = stub_ct_slot(t, s);

	if (i == -1)
		for (i = 0; i < STUB_CT_MAX && t->used[i]; i++)
			;
	if (i == STUB_CT_MAX)
		return (-1);
	t->s[i] = *s;
	t->s[i].relay = 0;
	t->used[i] = 1;
	return (0);
}

static int
stub_ct_remove(struct stub_table *t, const struct sync_state *key)
{
	int	 i;

	if ((i = stub_ct_slot(t, key)) == -1) {
		errno = ENOENT;
		return (-1);
	}
	t->used[i] = 0;
	return (0);
}

/* ------------------------------------------------------ the test's side */

void
stub_ct_put(int n, const struct sync_state *s)
{
	stub_ct_store(&stub_tables[n], s);
}

void
stub_ct_drop(int n, const struct sync_state *s)
{
	stub_ct_remove(&stub_tables[n], s);
}

void
stub_ct_event_update(int n, const struct sync_state *s)
{
	struct stub_table	*t = &stub_tables[n];

	stub_ct_store(t, s);
	if (t->held && t->npend < STUB_CT_MAX) {
		t->pend_del[t->npend] = 0;
		t->pend[t->npend++] = *s;
		return;
	}
	stub_select(n);
	if (t->open && t->cb.on_update != NULL)
		t->cb.on_update(s, t->arg);
}

void
stub_ct_event_delete(int n, const struct sync_state *s)
{
	struct stub_table	*t = &stub_tables[n];

	stub_ct_remove(t, s);
	if (t->held && t->npend < STUB_CT_MAX) {
		t->pend_del[t->npend] = 1;
		t->pend[t->npend++] = *s;
		return;
	}
	stub_select(n);
	if (t->open && t->cb.on_delete != NULL)
		t->cb.on_delete(s, t->arg);
}

/* The events each node's hold kept back, in order, while it is not
 * held (a delivery may hold it again). */
void
stub_ct_run(void)
{
	struct stub_table	*t;
	struct sync_state	 s;
	int			 n, i;

	for (n = 0; n < STUB_NODES; n++) {
		t = &stub_tables[n];
		for (i = 0; i < t->npend && !t->held; i++) {
			s = t->pend[i];
			stub_select(n);
			if (!t->open)
				continue;
			if (t->pend_del[i] && t->cb.on_delete != NULL)
				t->cb.on_delete(&s, t->arg);
			else if (!t->pend_del[i] && t->cb.on_update != NULL)
				t->cb.on_update(&s, t->arg);
		}
		memmove(t->pend, t->pend + i, (size_t)(t->npend - i) *
		    sizeof(t->pend[0]));
		memmove(t->pend_del, t->pend_del + i, (size_t)(t->npend - i) *
		    sizeof(t->pend_del[0]));
		t->npend -= i;
	}
}

void
stub_ct_overrun(int n)
{
	struct stub_table	*t = &stub_tables[n];

	stub_select(n);
	if (t->open && t->cb.on_overrun != NULL)
		t->cb.on_overrun(t->arg);
}

const struct sync_state *
stub_ct_find(int n, const struct sync_state *key)
{
	int	 i = stub_ct_slot(&stub_tables[n], key);

	return (i == -1 ? NULL : &stub_tables[n].s[i]);
}

size_t
stub_ct_count(int n)
{
	size_t	 c = 0;
	int	 i;

	for (i = 0; i < STUB_CT_MAX; i++)
		c += stub_tables[n].used[i];
	return (c);
}

unsigned int
stub_ct_dumps(int n)
{
	return (stub_tables[n].dumps);
}

/* ------------------------------------------------------ ct.h, the engine's */

int
ct_init(struct event_base *base, const struct ct_cb *cb, void *arg)
{
	struct stub_table	*t = &stub_tables[stub_node];

	(void)base;
	if (cb != NULL)
		t->cb = *cb;
	t->arg = arg;
	t->open = 1;
	return (0);
}

void
ct_shutdown(void)
{
	stub_tables[stub_node].open = 0;
}

int
ct_set_ignore(const struct ct_prefix *p, size_t n)
{
	(void)p;
	(void)n;
	return (0);
}

int
ct_prefix_match(const struct ct_prefix *p, int n, const union sync_addr *a)
{
	(void)p;
	(void)n;
	(void)a;
	return (0);
}

int
ct_ignored(const struct sync_state *s)
{
	(void)s;
	return (0);
}

void
ct_set_timeout_slack(uint32_t slack)
{
	(void)slack;
}

void
ct_set_event_buffer(uint32_t bytes)
{
	(void)bytes;
}

void
ct_events_hold(int on)
{
	struct stub_table	*t = &stub_tables[stub_node];

	if (on && !t->held)
		stub_ct_st.holds++;
	t->held = on;
}

int
ct_events_held(void)
{
	return (stub_tables[stub_node].held);
}

int
ct_apply_update(const struct sync_state *s)
{
	return (stub_ct_store(&stub_tables[stub_node], s));
}

int
ct_apply_delete(const struct sync_state *s)
{
	return (stub_ct_remove(&stub_tables[stub_node], s));
}

int
ct_apply_flush(void)
{
	return (0);
}

int
ct_apply_liberal(const struct sync_state *s)
{
	return (stub_ct_store(&stub_tables[stub_node], s));
}

int
ct_dump(void (*cb)(const struct sync_state *, void *), void *arg)
{
	struct stub_table	*t = &stub_tables[stub_node];
	struct sync_state	 s;
	int			 i;

	t->dumps++;
	for (i = 0; i < STUB_CT_MAX; i++)
		if (t->used[i]) {
			s = t->s[i];
			cb(&s, arg);
		}
	return (0);
}

void
stub_ct_walk_hold(int n, int on)
{
	stub_tables[n].walk_hold = on;
}

int
stub_ct_walk_finish(int n)
{
	struct stub_table	*t = &stub_tables[n];
	int			 i, saved = stub_node;

	if (!t->walking)
		return (-1);
	stub_node = n;
	t->walking = 0;
	for (i = 0; i < t->nwalk; i++)
		t->walk_fn(&t->walk[i], t->walk_arg);
	if (t->walk_done != NULL)
		t->walk_done(0, t->walk_arg);
	stub_node = saved;
	return (t->nwalk);
}

/* The stub's table is in memory: the walk is done at once, unless the
 * test holds it (stub_ct_walk_hold). */
int
ct_dump_async(struct event_base *base,
    void (*cb)(const struct sync_state *, void *),
    void (*done)(int, void *), void *arg)
{
	struct stub_table	*t = &stub_tables[stub_node];
	int			 i;

	(void)base;
	if (t->walking) {
		errno = EBUSY;
		return (-1);
	}
	if (t->walk_hold) {
		t->dumps++;
		t->walking = 1;
		t->nwalk = 0;
		for (i = 0; i < STUB_CT_MAX; i++)
			if (t->used[i])
				t->walk[t->nwalk++] = t->s[i];
		t->walk_fn = cb;
		t->walk_done = done;
		t->walk_arg = arg;
		return (0);
	}
	ct_dump(cb, arg);
	if (done != NULL)
		done(0, arg);
	return (0);
}

int
ct_dump_busy(void)
{
	return (stub_tables[stub_node].walking);
}

int
ct_get(const struct sync_state *key, struct sync_state *out)
{
	const struct sync_state	*s = stub_ct_find(stub_node, key);

	if (s == NULL) {
		errno = ENOENT;
		return (-1);
	}
	*out = *s;
	return (0);
}

/* no test asks by the reply tuple: the kernel never knows it */
int
ct_get_reply(const struct sync_state *key, struct sync_state *out)
{
	(void)key;
	(void)out;
	errno = ENOENT;
	return (-1);
}

const struct ct_stats *
ct_stats(void)
{
	return (&stub_ct_st);
}
