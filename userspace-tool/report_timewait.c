// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME-WAIT report, built from a snapshot of the table and two stats
 * samples by a pure function (report.h).
 */
#include <stddef.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
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

static void add_count(void *group, const void *other)
{
	((struct tw_endpoint *)group)->count +=
		((const struct tw_endpoint *)other)->count;
}

/* Sort the endpoint groups e[0..n) by count; returns how many of @top are kept. */
static size_t top_endpoints(struct tw_endpoint *e, size_t n, unsigned int top)
{
	qsort(e, n, sizeof(*e), cmp_count);
	return n < top ? n : top;
}

static void time_left(struct tw_report *r, double *left, size_t n)
{
	size_t i;

	r->with_timer = n;
	if (!n)
		return;
	r->left_min_s = left[0];
	r->left_max_s = left[0];
	for (i = 1; i < n; i++) {
		if (left[i] < r->left_min_s)
			r->left_min_s = left[i];
		if (left[i] > r->left_max_s)
			r->left_max_s = left[i];
	}
	r->left_median_s = select_nth(left, n, n / 2);
	if (n % 2 == 0) {
		/* The lower middle one: the largest of those before. */
		double lower = left[0];

		for (i = 1; i < n / 2; i++)
			if (left[i] > lower)
				lower = left[i];
		r->left_median_s = (lower + r->left_median_s) / 2;
	}
}

int tw_report_build(struct tw_report *r, const struct tcpstate_conn *conns,
		    long n, int family, unsigned int top, enum owner_by by,
		    __u64 now_ns,
		    const struct tcpstate_stats *first,
		    const struct tcpstate_stats *second, double elapsed_s)
{
	struct tally remote, ports, owners;
	struct tw_endpoint ep;
	struct owner_count oc;
	size_t tw = 0, timers = 0;
	double *left;
	int err = 0;
	long i;

	memset(r, 0, sizeof(*r));
	r->netns = second->netns;
	r->by = by;
	memcpy(r->exits, second->tw_exits, sizeof(r->exits));
	tw_rate_compute(&r->rate, first, second, elapsed_s);

	/* The key: family, address and port, no padding between or before. */
	static_assert(offsetof(struct tw_endpoint, count) ==
		       sizeof(int) + 16 + sizeof(unsigned int), "tw_endpoint key");
	tally_init(&remote, sizeof(ep), offsetof(struct tw_endpoint, count), add_count);
	tally_init(&ports, sizeof(ep), offsetof(struct tw_endpoint, count), add_count);
	tally_init(&owners, sizeof(oc), sizeof(oc.key), owners_add);
	left = malloc((n > 0 ? (size_t)n : 1) * sizeof(*left));
	if (!left)
		return -1;
	for (i = 0; i < n && !err; i++) {
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
		memset(&ep, 0, sizeof(ep));
		ep.family = c->family;
		memcpy(ep.addr, c->daddr, sizeof(c->daddr));
		ep.port = c->dport;
		ep.count = 1;
		err = tally_add(&remote, &ep);
		memset(&ep, 0, sizeof(ep));
		ep.port = c->sport;
		ep.count = 1;
		err |= tally_add(&ports, &ep);
		memset(&oc, 0, sizeof(oc));
		owner_key_of_conn(&oc.key, by, c);
		oc.count = 1;
		err |= tally_add(&owners, &oc);
		tw++;
	}
	if (!err)
		time_left(r, left, timers);
	free(left);
	r->n_remote = remote.n;
	r->remote = tally_take(&remote);
	r->n_ports = ports.n;
	r->ports = tally_take(&ports);
	r->all_owners = owners.n;
	r->owners = tally_take(&owners);
	if (err) {
		tw_report_free(r);
		return -1;
	}
	r->timewait = tw;
	r->n_remote = top_endpoints(r->remote, r->n_remote, top);
	r->n_ports = top_endpoints(r->ports, r->n_ports, top);
	owners_order(r->owners, r->all_owners);
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
