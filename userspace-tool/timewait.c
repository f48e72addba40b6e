// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate timewait`: how many connections are in TIME-WAIT, how fast they
 * come and go, how old they are, who holds them and how they ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "format.h"
#include "netns.h"
#include "states.h"
#include "timewait.h"

#define NSEC_PER_SEC 1000000000ULL

const unsigned int tw_age_from_s[TW_AGE_BUCKETS] = { 0, 1, 5, 15, 30, 45, 60 };

static int age_bucket(__u64 age_ns)
{
	int i;

	for (i = TW_AGE_BUCKETS - 1; i > 0; i--)
		if (age_ns >= tw_age_from_s[i] * NSEC_PER_SEC)
			break;
	return i;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* By family, address, port: equal endpoints end up next to each other. */
static int cmp_endpoint(const void *a, const void *b)
{
	const struct tw_endpoint *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	return (x->port > y->port) - (x->port < y->port);
}

/* Most first; ties in endpoint order, so the output is deterministic. */
static int cmp_count(const void *a, const void *b)
{
	const struct tw_endpoint *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return cmp_endpoint(a, b);
}

/*
 * Count equal endpoints of e[0..n), sort by count and keep @top of them,
 * in place.  Returns how many are kept.
 */
static size_t top_endpoints(struct tw_endpoint *e, size_t n, unsigned int top)
{
	size_t i, groups = 0;

	qsort(e, n, sizeof(*e), cmp_endpoint);
	for (i = 0; i < n; i++) {
		if (groups && !cmp_endpoint(&e[groups - 1], &e[i])) {
			e[groups - 1].count++;
			continue;
		}
		e[groups] = e[i];
		e[groups].count = 1;
		groups++;
	}
	qsort(e, groups, sizeof(*e), cmp_count);
	return groups < top ? groups : top;
}

static void time_left(struct tw_report *r, double *left, size_t n)
{
	r->with_timer = n;
	if (!n)
		return;
	qsort(left, n, sizeof(*left), cmp_double);
	r->left_min_s = left[0];
	r->left_max_s = left[n - 1];
	r->left_median_s = n % 2 ? left[n / 2] :
				   (left[n / 2 - 1] + left[n / 2]) / 2;
}

int tw_report_build(struct tw_report *r, const struct tcpstate_conn *conns,
		    long n, int family, unsigned int top, __u64 now_ns,
		    const struct tcpstate_stats *first,
		    const struct tcpstate_stats *second, double elapsed_s)
{
	size_t room = n > 0 ? (size_t)n : 1, tw = 0, timers = 0;
	double *left;
	long i;

	memset(r, 0, sizeof(*r));
	r->netns = second->netns;
	memcpy(r->exits, second->tw_exits, sizeof(r->exits));
	tw_rate_compute(&r->rate, first, second, elapsed_s);

	r->remote = calloc(room, sizeof(*r->remote));
	r->ports = calloc(room, sizeof(*r->ports));
	left = calloc(room, sizeof(*left));
	if (!r->remote || !r->ports || !left) {
		free(left);
		tw_report_free(r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = &conns[i];

		if (family && c->family != family)
			continue;
		if (c->state == TCPSTATE_FIN_WAIT2 &&
		    (c->flags & TCPSTATE_F_TIMEWAIT_SOCK))
			r->fin_wait2++;
		if (c->state != TCPSTATE_TIME_WAIT)
			continue;
		r->age[age_bucket(now_ns > c->state_since_ns ?
				  now_ns - c->state_since_ns : 0)]++;
		if (c->expires_ns)
			left[timers++] = c->expires_ns > now_ns ?
				(double)(c->expires_ns - now_ns) / NSEC_PER_SEC : 0;
		r->remote[tw].family = c->family;
		memcpy(r->remote[tw].addr, c->daddr, sizeof(c->daddr));
		r->remote[tw].port = c->dport;
		r->ports[tw].port = c->sport;
		tw++;
	}
	r->timewait = tw;
	time_left(r, left, timers);
	free(left);
	r->n_remote = top_endpoints(r->remote, tw, top);
	r->n_ports = top_endpoints(r->ports, tw, top);
	return 0;
}

void tw_report_free(struct tw_report *r)
{
	free(r->remote);
	free(r->ports);
	r->remote = NULL;
	r->ports = NULL;
}

static void print_age(struct output *o, const struct tw_report *r)
{
	char label[32];
	int i;

	out_begin_array(o, "age_histogram", "age in TIME-WAIT");
	for (i = 0; i < TW_AGE_BUCKETS; i++) {
		if (i + 1 < TW_AGE_BUCKETS)
			snprintf(label, sizeof(label), "%u-%us", tw_age_from_s[i],
				 tw_age_from_s[i + 1]);
		else
			snprintf(label, sizeof(label), "%us+", tw_age_from_s[i]);
		out_begin_item(o, label);
		out_u64(o, "from_s", NULL, tw_age_from_s[i]);
		if (i + 1 < TW_AGE_BUCKETS)
			out_u64(o, "to_s", NULL, tw_age_from_s[i + 1]);
		else
			out_null(o, "to_s", NULL);
		out_u64(o, "count", "count", r->age[i]);
		out_end_item(o);
	}
	out_end_array(o);
}

static void print_top(struct output *o, const struct tw_report *r)
{
	char ep[FORMAT_ENDPOINT_LEN], a[FORMAT_ADDR_LEN];
	size_t i;

	out_begin_array(o, "top_remote", "top remote endpoints");
	for (i = 0; i < r->n_remote; i++) {
		const struct tw_endpoint *e = &r->remote[i];

		out_begin_item(o, format_endpoint(ep, sizeof(ep), e->family,
						  e->addr, e->port));
		out_str(o, "address", NULL, format_addr(a, sizeof(a), e->family,
							e->addr));
		out_u64(o, "port", NULL, e->port);
		out_u64(o, "count", "count", e->count);
		out_end_item(o);
	}
	out_end_array(o);
	out_begin_array(o, "top_local_ports", "top local ports");
	for (i = 0; i < r->n_ports; i++) {
		snprintf(ep, sizeof(ep), "%u", r->ports[i].port);
		out_begin_item(o, ep);
		out_u64(o, "port", NULL, r->ports[i].port);
		out_u64(o, "count", "count", r->ports[i].count);
		out_end_item(o);
	}
	out_end_array(o);
}

void tw_report_print(struct output *o, const struct tw_report *r)
{
	int i;

	out_u64(o, "netns", "netns", r->netns);
	out_u64(o, "timewait", "TIME-WAIT", r->timewait);
	out_u64(o, "fin_wait2_timewait", "FIN-WAIT-2 in timewait socks",
		r->fin_wait2);
	tw_rate_print(o, "rate", "per second", &r->rate);
	print_age(o, r);
	if (r->with_timer) {
		out_begin(o, "time_left_s", "time left (s)");
		out_double(o, "min", "min", r->left_min_s, 1);
		out_double(o, "median", "median", r->left_median_s, 1);
		out_double(o, "max", "max", r->left_max_s, 1);
		out_end(o);
	}
	print_top(o, r);
	out_begin(o, "exits", "exits since counting began");
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
		out_u64(o, tw_exit_name(i), tw_exit_name(i), r->exits[i]);
	out_end(o);
}

int cmd_timewait(const struct options *opts)
{
	struct tcpstate_stats first, second;
	struct tcpstate_conn *conns;
	struct tw_report r;
	struct output o;
	__u64 now;
	double elapsed;
	long n;
	int fd;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	if (device_stats_pair(fd, opts->device, opts->interval_s, &first,
			      &second, &elapsed))
		goto err_device;
	n = device_snapshot(fd, opts->device, &conns);
	if (n < 0)
		goto err_device;
	now = boottime_ns();
	close(fd);
	if (tw_report_build(&r, conns, n, opts->family, opts->top, now, &first,
			    &second, elapsed)) {
		fprintf(stderr, "tcpstate: timewait: out of memory\n");
		free(conns);
		return 1;
	}
	free(conns);
	out_init(&o, stdout, opts->json);
	tw_report_print(&o, &r);
	out_finish(&o);
	tw_report_free(&r);
	return 0;

err_device:
	close(fd);
	return 1;
}
