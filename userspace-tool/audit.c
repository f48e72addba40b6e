// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate audit`: compares the module's table with the kernel's TCP
 * sockets (sock_diag, as `ss -tan` reads them) and prints every
 * connection they disagree on.  To stay right while connections come and
 * go, the kernel is read twice, before and after the table, and only what
 * both readings agree on is judged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "device.h"
#include "errors.h"
#include "format.h"
#include "kernel.h"
#include "netns.h"
#include "sockdiag.h"
#include "states.h"

#define KIND_WIDTH	7
#define STATE_WIDTH	10

static const char *const kind_names[AUDIT_KINDS] = {
	[AUDIT_MISSING]	= "missing",
	[AUDIT_EXTRA]	= "extra",
	[AUDIT_STATE]	= "state",
};

const char *audit_kind_name(int kind)
{
	return kind >= 0 && kind < AUDIT_KINDS ? kind_names[kind] : NULL;
}

/*
 * A connection is known by its cookie and, when a timewait socket holds
 * it, that socket's 4-tuple: a socket connected again keeps its cookie,
 * and so does each timewait socket its earlier connections left, so one
 * cookie may name a socket and several timewait sockets.
 */
static int tw_of(const struct tcpstate_conn *c)
{
	return !!(c->flags & TCPSTATE_F_TIMEWAIT_SOCK);
}

static int cmp_conn(const struct tcpstate_conn *x, const struct tcpstate_conn *y)
{
	int d;

	if (x->cookie != y->cookie)
		return (x->cookie > y->cookie) - (x->cookie < y->cookie);
	d = tw_of(x) - tw_of(y);
	if (d || !tw_of(x))
		return d;
	d = memcmp(x->saddr, y->saddr, sizeof(x->saddr));
	if (!d)
		d = memcmp(x->daddr, y->daddr, sizeof(x->daddr));
	if (!d)
		d = (int)x->sport - (int)y->sport;
	if (!d)
		d = (int)x->dport - (int)y->dport;
	if (!d)
		d = (int)x->family - (int)y->family;
	return d;
}

static int cmp_sort(const void *a, const void *b)
{
	return cmp_conn(a, b);
}

long audit_sort(struct tcpstate_conn *conns, long n)
{
	long i, m = 0;

	if (n <= 0)
		return 0;
	qsort(conns, (size_t)n, sizeof(*conns), cmp_sort);
	for (i = 1; i < n; i++) {
		if (cmp_conn(&conns[i], &conns[m])) {
			conns[++m] = conns[i];
			continue;
		}
		if (conns[i].state != conns[m].state)
			conns[m].state = 0;
	}
	return m + 1;
}

static void add_diff(struct audit_report *r, enum audit_kind kind,
		     const struct tcpstate_conn *module,
		     const struct tcpstate_conn *kernel)
{
	struct audit_diff *d = &r->diffs[r->n_diffs++];

	d->kind = kind;
	d->module = module;
	d->kernel = kernel;
	r->count[kind]++;
}

/*
 * When the table's entry @c is known to have existed: when the connection
 * began, or, when that is unknown (seeded at load, added by a reconcile
 * pass), when the entry entered its state.
 */
static __u64 known_since(const struct tcpstate_conn *c)
{
	return c->began_ns ? c->began_ns : c->state_since_ns;
}

/* The verdict on one cookie: @ea, @et, @eb are its entries, or NULL. */
static void judge(struct audit_report *r, const struct tcpstate_conn *ea,
		  const struct tcpstate_conn *et, const struct tcpstate_conn *eb,
		  __u64 a_start_ns)
{
	if (ea && eb && !et) {
		add_diff(r, AUDIT_MISSING, NULL, eb);
	} else if (ea && eb) {
		if (!ea->state || ea->state != eb->state || !et->state)
			r->unsettled++;
		else if (et->state != eb->state)
			add_diff(r, AUDIT_STATE, et, eb);
	} else if (!ea && !eb) {
		if (known_since(et) < a_start_ns)
			add_diff(r, AUDIT_EXTRA, et, NULL);
		else
			r->unsettled++;
	} else {
		r->unsettled++;
	}
}

/* The entry of @v[*i] when it is @c's connection, stepping past it; else NULL. */
static const struct tcpstate_conn *take(const struct tcpstate_conn *v, long n,
					long *i, const struct tcpstate_conn *c)
{
	if (*i >= n || cmp_conn(&v[*i], c))
		return NULL;
	return &v[(*i)++];
}

int audit_compare(struct audit_report *r,
		  const struct tcpstate_conn *a, long na,
		  const struct tcpstate_conn *t, long nt,
		  const struct tcpstate_conn *b, long nb, __u64 a_start_ns)
{
	const struct tcpstate_conn *ea, *et, *eb, *c;
	long i = 0, j = 0, k = 0;

	memset(r, 0, sizeof(*r));
	r->module = nt;
	r->kernel = nb;
	/* At most one difference per entry of the table or of the dump. */
	r->diffs = calloc((size_t)(nt + nb) + 1, sizeof(*r->diffs));
	if (!r->diffs)
		return -1;
	while (i < na || j < nt || k < nb) {
		/* The first connection of the three, in (cookie, kind) order. */
		c = NULL;
		if (i < na)
			c = &a[i];
		if (j < nt && (!c || cmp_conn(&t[j], c) < 0))
			c = &t[j];
		if (k < nb && (!c || cmp_conn(&b[k], c) < 0))
			c = &b[k];
		ea = take(a, na, &i, c);
		et = take(t, nt, &j, c);
		eb = take(b, nb, &k, c);
		judge(r, ea, et, eb, a_start_ns);
	}
	return 0;
}

void audit_report_free(struct audit_report *r)
{
	free(r->diffs);
	r->diffs = NULL;
	r->n_diffs = 0;
}

static const char *state_or_dash(const struct tcpstate_conn *c)
{
	const char *name;

	if (!c)
		return "-";
	name = state_ss_name(c->state);
	return name ? name : "?";
}

/* The side whose tuple is shown: the kernel's when it has the connection. */
static const struct tcpstate_conn *shown(const struct audit_diff *d)
{
	return d->kernel ? d->kernel : d->module;
}

static int cookie_width(const struct audit_report *r)
{
	char buf[24];
	int w = (int)strlen("Cookie"), len;
	long i;

	for (i = 0; i < r->n_diffs; i++) {
		len = snprintf(buf, sizeof(buf), "%llu",
			       (unsigned long long)shown(&r->diffs[i])->cookie);
		w = len > w ? len : w;
	}
	return w;
}

static int local_width(const struct audit_report *r)
{
	char ep[FORMAT_ENDPOINT_LEN];
	int w = (int)strlen("Local Address:Port"), len;
	const struct tcpstate_conn *c;
	long i;

	for (i = 0; i < r->n_diffs; i++) {
		c = shown(&r->diffs[i]);
		len = strlen(format_endpoint(ep, sizeof(ep), c->family, c->saddr,
					     c->sport));
		w = len > w ? len : w;
	}
	return w;
}

static void audit_table(FILE *f, const struct audit_report *r)
{
	char l[FORMAT_ENDPOINT_LEN], p[FORMAT_ENDPOINT_LEN];
	int cw = cookie_width(r), lw = local_width(r);
	const struct tcpstate_conn *c;
	const struct audit_diff *d;
	int kind;
	long i;

	fprintf(f, "%-*s %-*s %-*s %-*s %-*s %s\n", KIND_WIDTH, "Kind", cw,
		"Cookie", STATE_WIDTH, "Module", STATE_WIDTH, "Kernel", lw,
		"Local Address:Port", "Peer Address:Port");
	for (kind = 0; kind < AUDIT_KINDS; kind++) {
		for (i = 0; i < r->n_diffs; i++) {
			d = &r->diffs[i];
			if ((int)d->kind != kind)
				continue;
			c = shown(d);
			fprintf(f, "%-*s %-*llu %-*s %-*s %-*s %s\n", KIND_WIDTH,
				kind_names[kind], cw,
				(unsigned long long)c->cookie, STATE_WIDTH,
				state_or_dash(d->module), STATE_WIDTH,
				state_or_dash(d->kernel), lw,
				format_endpoint(l, sizeof(l), c->family, c->saddr,
						c->sport),
				format_endpoint(p, sizeof(p), c->family, c->daddr,
						c->dport));
		}
	}
}

static void audit_item(struct output *o, const struct audit_diff *d)
{
	const struct tcpstate_conn *c = shown(d);
	char ep[FORMAT_ENDPOINT_LEN];

	out_begin_item(o, NULL);
	out_u64(o, "cookie", NULL, c->cookie);
	if (d->module)
		out_str(o, "module", NULL, state_or_dash(d->module));
	else
		out_null(o, "module", NULL);
	if (d->kernel)
		out_str(o, "kernel", NULL, state_or_dash(d->kernel));
	else
		out_null(o, "kernel", NULL);
	out_str(o, "family", NULL, family_name(c->family));
	out_str(o, "local", NULL, format_endpoint(ep, sizeof(ep), c->family,
						  c->saddr, c->sport));
	out_str(o, "remote", NULL, format_endpoint(ep, sizeof(ep), c->family,
						   c->daddr, c->dport));
	out_end_item(o);
}

void audit_print(struct output *o, const struct audit_report *r)
{
	int kind;
	long i;

	if (!o->json) {
		if (r->n_diffs)
			audit_table(o->f, r);
		fprintf(o->f, "netns %u: ", r->netns);
		if (r->n_diffs)
			fprintf(o->f, "%ld difference%s (%ld missing, %ld extra, %ld state)",
				r->n_diffs, r->n_diffs == 1 ? "" : "s",
				r->count[AUDIT_MISSING],
				r->count[AUDIT_EXTRA], r->count[AUDIT_STATE]);
		else
			fprintf(o->f, "the module agrees with the kernel");
		fprintf(o->f, "; kernel %ld, module %ld, unsettled %ld\n",
			r->kernel, r->module, r->unsettled);
		return;
	}
	out_u64(o, "netns", NULL, r->netns);
	out_u64(o, "kernel", NULL, (__u64)r->kernel);
	out_u64(o, "module", NULL, (__u64)r->module);
	out_u64(o, "unsettled", NULL, (__u64)r->unsettled);
	for (kind = 0; kind < AUDIT_KINDS; kind++) {
		out_begin_array(o, kind_names[kind], NULL);
		for (i = 0; i < r->n_diffs; i++)
			if ((int)r->diffs[i].kind == kind)
				audit_item(o, &r->diffs[i]);
		out_end_array(o);
	}
	out_bool(o, "agree", NULL, !r->n_diffs);
}

/*
 * Kernel, table, kernel: the three readings, each sorted.  *a_start_ns is
 * when the first began.  0, or -1 after printing why.
 */
static int read_all(int fd, int sk, const char *device,
		    struct tcpstate_conn **a, long *na,
		    struct tcpstate_conn **t, long *nt,
		    struct tcpstate_conn **b, long *nb, __u64 *a_start_ns)
{
	*a_start_ns = boottime_ns();
	*na = sockdiag_dump(sk, 0, a);
	if (*na < 0)
		return -1;
	*nt = device_snapshot(fd, device, t);
	if (*nt < 0)
		return -1;
	*nb = sockdiag_dump(sk, 0, b);
	if (*nb < 0)
		return -1;
	*na = audit_sort(*a, *na);
	*nt = audit_sort(*t, *nt);
	*nb = audit_sort(*b, *nb);
	return 0;
}

int cmd_audit(const struct options *opts)
{
	struct tcpstate_conn *a = NULL, *t = NULL, *b = NULL;
	struct tcpstate_stats st;
	struct audit_report r;
	struct output o;
	long na, nt, nb;
	__u64 a_start;
	int fd, sk, rc = AUDIT_ERROR;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return AUDIT_ERROR;
	sk = sockdiag_open(opts->netns);
	if (sk < 0)
		goto out_device;
	if (device_stats(fd, opts->device, &st))
		goto out_sockdiag;
	if (read_all(fd, sk, opts->device, &a, &na, &t, &nt, &b, &nb, &a_start))
		goto out_readings;
	if (audit_compare(&r, a, na, t, nt, b, nb, a_start)) {
		report_error("tcpstate: audit: %s\n", strerror(ENOMEM));
		goto out_readings;
	}
	r.netns = st.netns;
	out_init(&o, stdout, opts->json);
	audit_print(&o, &r);
	out_finish(&o);
	rc = r.n_diffs ? AUDIT_DIFFER : AUDIT_AGREE;
	audit_report_free(&r);

out_readings:
	free(a);
	free(t);
	free(b);
out_sockdiag:
	close(sk);
out_device:
	close(fd);
	return rc;
}
