// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME-WAIT report, built from a snapshot of the table and two stats
 * samples by a pure function (report.h).
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

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
		    long n, int family, unsigned int top, enum owner_by by,
		    __u64 now_ns,
		    const struct tcpstate_stats *first,
		    const struct tcpstate_stats *second, double elapsed_s)
{
	size_t room = n > 0 ? (size_t)n : 1, tw = 0, timers = 0;
	double *left;
	long i;

	memset(r, 0, sizeof(*r));
	r->netns = second->netns;
	r->by = by;
	memcpy(r->exits, second->tw_exits, sizeof(r->exits));
	tw_rate_compute(&r->rate, first, second, elapsed_s);

	r->remote = calloc(room, sizeof(*r->remote));
	r->ports = calloc(room, sizeof(*r->ports));
	r->owners = calloc(room, sizeof(*r->owners));
	left = calloc(room, sizeof(*left));
	if (!r->remote || !r->ports || !r->owners || !left) {
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
		owner_key_of_conn(&r->owners[tw].key, by, c);
		r->owners[tw].count = 1;
		tw++;
	}
	r->timewait = tw;
	time_left(r, left, timers);
	free(left);
	r->n_remote = top_endpoints(r->remote, tw, top);
	r->n_ports = top_endpoints(r->ports, tw, top);
	r->all_owners = owners_merge(r->owners, tw);
	r->n_owners = r->all_owners < top ? r->all_owners : top;
	return 0;
}

void tw_report_free(struct tw_report *r)
{
	free(r->remote);
	free(r->ports);
	free(r->owners);
	r->remote = NULL;
	r->ports = NULL;
	r->owners = NULL;
}
