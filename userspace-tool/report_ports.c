// SPDX-License-Identifier: GPL-2.0
/*
 * The port report, built from two snapshots of the table and
 * TCPSTATE_IOC_PORTS by pure functions (report.h).
 *
 * The connections that count against a destination's port space are the
 * client side ones: in a state that holds a port (SYN-SENT to TIME-WAIT,
 * timewait sockets included), on a local port inside the range (outside it
 * was bound explicitly) that no listener of the namespace listens on (that
 * is the server side of accepted connections).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "kernel.h"
#include "report.h"

/* A bit per port: the ports listeners hold. */
#define PORT_WORDS	(65536 / 64)
/* Text columns of numbers */
#define PCT_LEN		16

static const char *const check_names[] = {
	[CHECK_OK]		= "OK",
	[CHECK_WARNING]		= "WARNING",
	[CHECK_CRITICAL]	= "CRITICAL",
	[CHECK_UNKNOWN]		= "UNKNOWN",
};

const char *check_status_name(enum check_status s)
{
	return s <= CHECK_UNKNOWN ? check_names[s] : "UNKNOWN";
}

static bool port_test(const __u64 *set, unsigned int port)
{
	return set[port / 64] & (1ULL << (port % 64));
}

static void port_set(__u64 *set, unsigned int port)
{
	set[port / 64] |= 1ULL << (port % 64);
}

static void listening_ports(__u64 *set, const struct tcpstate_conn *c, long n)
{
	long i;

	memset(set, 0, PORT_WORDS * sizeof(*set));
	for (i = 0; i < n; i++)
		if (c[i].state == TCPSTATE_LISTEN)
			port_set(set, c[i].sport);
}

bool ports_conn_counts(const struct tcpstate_conn *c, __u32 low, __u32 high,
		       const __u64 *listening)
{
	if (c->state >= TCPSTATE_STATE_MAX || !(PORTS_CLIENT_STATES & BIT(c->state)))
		return false;
	if (c->sport < low || c->sport > high)
		return false;
	return !port_test(listening, c->sport);
}

double ports_exhaustion_s(__u64 free, double new_per_s, double freed_per_s)
{
	double net = new_per_s - freed_per_s;

	if (!free)
		return 0;
	if (!(net > 0))
		return INFINITY;
	return (double)free / net;
}

bool ports_tw_reuse_applies(__u32 reuse, int family, const __u8 *daddr)
{
	static const __u8 loopback6[16] = { [15] = 1 };
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (reuse == 1)
		return true;
	if (reuse != 2)
		return false;
	if (family == AF_INET)
		return daddr[0] == 127;
	if (family != AF_INET6)
		return false;
	return !memcmp(daddr, loopback6, sizeof(loopback6)) ||
	       (!memcmp(daddr, mapped, sizeof(mapped)) && daddr[12] == 127);
}

/* One counted connection of a sample, with what groups it. */
struct ports_key {
	int family;
	__u8 saddr[16];
	__u8 daddr[16];
	unsigned int dport;
};

static int cmp_key(const struct ports_key *x, const struct ports_key *y)
{
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->daddr, y->daddr, sizeof(x->daddr));
	if (c)
		return c;
	if (x->dport != y->dport)
		return x->dport < y->dport ? -1 : 1;
	return memcmp(x->saddr, y->saddr, sizeof(x->saddr));
}

static void dest_key(struct ports_key *k, const struct ports_dest *d)
{
	memset(k, 0, sizeof(*k));
	k->family = d->family;
	memcpy(k->saddr, d->saddr, sizeof(k->saddr));
	memcpy(k->daddr, d->daddr, sizeof(k->daddr));
	k->dport = d->dport;
}

int ports_dest_cmp(const struct ports_dest *x, const struct ports_dest *y)
{
	struct ports_key kx, ky;

	dest_key(&kx, x);
	dest_key(&ky, y);
	return cmp_key(&kx, &ky);
}

static void key_of(struct ports_key *k, const struct tcpstate_conn *c)
{
	memset(k, 0, sizeof(*k));
	k->family = c->family;
	memcpy(k->saddr, c->saddr, sizeof(k->saddr));
	memcpy(k->daddr, c->daddr, sizeof(k->daddr));
	k->dport = c->dport;
}

static int cmp_conn_key(const void *a, const void *b)
{
	const struct tcpstate_conn *x = *(const struct tcpstate_conn *const *)a;
	const struct tcpstate_conn *y = *(const struct tcpstate_conn *const *)b;
	struct ports_key kx, ky;
	int c;

	key_of(&kx, x);
	key_of(&ky, y);
	c = cmp_key(&kx, &ky);
	if (c)
		return c;
	return (x->sport > y->sport) - (x->sport < y->sport);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

static int cmp_dest_key(const void *key, const void *elem)
{
	struct ports_key k;

	dest_key(&k, elem);
	return cmp_key(key, &k);
}

/* Most used first, then by destination. */
static int cmp_dest_used(const void *a, const void *b)
{
	const struct ports_dest *x = a, *y = b;
	struct ports_key k;

	if (x->used != y->used)
		return x->used > y->used ? -1 : 1;
	dest_key(&k, x);
	return cmp_dest_key(&k, y);
}

/* The sorted cookies of @c[0..n), in a malloc()ed array. */
static __u64 *cookies_of(const struct tcpstate_conn *c, long n)
{
	__u64 *k = calloc(n > 0 ? (size_t)n : 1, sizeof(*k));
	long i;

	if (!k)
		return NULL;
	for (i = 0; i < n; i++)
		k[i] = c[i].cookie;
	qsort(k, n, sizeof(*k), cmp_u64);
	return k;
}

static bool has_cookie(const __u64 *set, long n, __u64 cookie)
{
	return bsearch(&cookie, set, n, sizeof(*set), cmp_u64);
}

/*
 * Group the counted connections of the second sample into r->dests, in
 * key order.  Returns 0, or -1 when out of memory.
 */
static int group(struct ports_report *r, const struct ports_input *in,
		 const __u64 *listening)
{
	const struct tcpstate_conn **sel;
	struct ports_dest *d = NULL;
	struct ports_key prev, k;
	size_t n = 0, i;
	long j;

	sel = calloc(in->n_second > 0 ? (size_t)in->n_second : 1, sizeof(*sel));
	r->dests = calloc(in->n_second > 0 ? (size_t)in->n_second : 1,
			  sizeof(*r->dests));
	if (!sel || !r->dests) {
		free(sel);
		return -1;
	}
	for (j = 0; j < in->n_second; j++) {
		const struct tcpstate_conn *c = &in->second[j];

		if ((!in->family || c->family == in->family) &&
		    ports_conn_counts(c, r->info.range_low, r->info.range_high,
				      listening))
			sel[n++] = c;
	}
	qsort(sel, n, sizeof(*sel), cmp_conn_key);
	for (i = 0; i < n; i++) {
		key_of(&k, sel[i]);
		if (!d || cmp_key(&prev, &k)) {
			d = &r->dests[r->n_dests++];
			d->family = k.family;
			memcpy(d->saddr, k.saddr, sizeof(d->saddr));
			memcpy(d->daddr, k.daddr, sizeof(d->daddr));
			d->dport = k.dport;
			prev = k;
			d->used++;
		} else if (sel[i]->sport != sel[i - 1]->sport) {
			d->used++;
		}
		d->states[sel[i]->state]++;
	}
	free(sel);
	return 0;
}

static struct ports_dest *find_dest(struct ports_report *r,
				    const struct tcpstate_conn *c)
{
	struct ports_key k;

	key_of(&k, c);
	return bsearch(&k, r->dests, r->n_dests, sizeof(*r->dests),
		       cmp_dest_key);
}

/* Connections that came and went between the samples, per destination. */
static int changes(struct ports_report *r, const struct ports_input *in,
		   const __u64 *listening_first, const __u64 *listening)
{
	__u64 *before, *after;
	struct ports_dest *d;
	long i;

	before = cookies_of(in->first, in->n_first);
	after = cookies_of(in->second, in->n_second);
	if (!before || !after) {
		free(before);
		free(after);
		return -1;
	}
	for (i = 0; i < in->n_second; i++) {
		const struct tcpstate_conn *c = &in->second[i];

		if (!ports_conn_counts(c, r->info.range_low, r->info.range_high,
				       listening) ||
		    has_cookie(before, in->n_first, c->cookie))
			continue;
		d = find_dest(r, c);
		if (d)
			d->opened++;
	}
	for (i = 0; i < in->n_first; i++) {
		const struct tcpstate_conn *c = &in->first[i];

		if (!ports_conn_counts(c, r->info.range_low, r->info.range_high,
				       listening_first) ||
		    has_cookie(after, in->n_second, c->cookie))
			continue;
		d = find_dest(r, c);
		if (!d)
			continue;	/* nothing of it left to run out */
		d->freed++;
		if (c->state == TCPSTATE_TIME_WAIT)
			d->tw_exits++;
	}
	free(before);
	free(after);
	return 0;
}

/* A local port a counted connection holds: towards what, for whom. */
struct held_port {
	size_t dest;		/* in r->dests, in key order */
	struct owner_key key;
	unsigned int sport;
};

static int cmp_held(const void *a, const void *b)
{
	const struct held_port *x = a, *y = b;
	int c;

	if (x->dest != y->dest)
		return x->dest < y->dest ? -1 : 1;
	c = owner_key_cmp(&x->key, &y->key);
	if (c)
		return c;
	return (x->sport > y->sport) - (x->sport < y->sport);
}

/*
 * The distinct ports each owner holds towards each destination, into
 * @per[] with @dest[] saying whose destination: grouped by destination, in
 * the order of @h[0..n) (sorted by cmp_held).  Returns how many.
 */
static size_t ports_per_owner(const struct held_port *h, size_t n,
			      struct owner_count *per, size_t *dest)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (!i || h[i].dest != h[i - 1].dest ||
		    owner_key_cmp(&h[i].key, &h[i - 1].key)) {
			memset(&per[m], 0, sizeof(per[m]));
			per[m].key = h[i].key;
			per[m].count = 1;
			dest[m++] = h[i].dest;
		} else if (h[i].sport != h[i - 1].sport) {
			per[m - 1].count++;
		}
	}
	return m;
}

/*
 * Who holds the ports of each destination (r->dests, still in key order),
 * and every owner's ports towards all of them and failures among those
 * kept.  Returns 0, or -1 when out of memory.
 */
static int owners(struct ports_report *r, const struct ports_input *in,
		  const __u64 *listening)
{
	size_t room = (in->n_second > 0 ? (size_t)in->n_second : 0) +
		      (in->n_failures > 0 ? (size_t)in->n_failures : 0) + 1;
	struct owner_count *per;
	struct held_port *h;
	size_t *dest, n = 0, m, i, j, k;
	struct ports_dest *d;
	long c;

	h = calloc(room, sizeof(*h));
	dest = calloc(room, sizeof(*dest));
	r->owners = calloc(room, sizeof(*r->owners));
	if (!h || !dest || !r->owners) {
		free(h);
		free(dest);
		return -1;
	}
	for (c = 0; c < in->n_second; c++) {
		const struct tcpstate_conn *conn = &in->second[c];

		if ((in->family && conn->family != in->family) ||
		    !ports_conn_counts(conn, r->info.range_low,
				       r->info.range_high, listening))
			continue;
		d = find_dest(r, conn);
		if (!d)
			continue;
		h[n].dest = d - r->dests;
		owner_key_of_conn(&h[n].key, in->by, conn);
		h[n].sport = conn->sport;
		n++;
	}
	qsort(h, n, sizeof(*h), cmp_held);
	per = r->owners;
	m = ports_per_owner(h, n, per, dest);
	for (i = 0; i < m; i = j) {
		for (j = i; j < m && dest[j] == dest[i]; j++)
			;
		d = &r->dests[dest[i]];
		d->all_holders = owners_merge(&per[i], j - i);
		for (k = 0; k < d->all_holders && k < PORTS_DEST_HOLDERS; k++)
			d->holders[k] = per[i + k];
		d->n_holders = k;
	}
	/* Now every owner: the ports of each destination, then failures. */
	for (c = 0; c < in->n_failures; c++) {
		const struct tcpstate_port_failure *f = &in->failures[c];

		if (in->family && f->family != in->family)
			continue;
		memset(&per[m], 0, sizeof(per[m]));
		owner_key_of_failure(&per[m].key, in->by, f);
		per[m++].failures = 1;
		r->kept_failures++;
	}
	r->n_owners = owners_merge(per, m);
	free(h);
	free(dest);
	return 0;
}

static void finish_dest(struct ports_dest *d, const struct ports_report *r)
{
	__u64 avail = r->info.available;

	d->free = d->used < avail ? avail - d->used : 0;
	d->used_pct = avail ? 100.0 * (double)d->used / (double)avail : 100.0;
	if (d->used_pct > 100.0)
		d->used_pct = 100.0;
	d->tw_reuse_applies = ports_tw_reuse_applies(r->info.tcp_tw_reuse,
						     d->family, d->daddr);
	if (!r->rates) {
		d->new_per_s = NAN;
		d->tw_exit_per_s = NAN;
		d->freed_per_s = NAN;
		d->exhaustion_s = d->free ? NAN : 0;
		return;
	}
	d->new_per_s = (double)d->opened / r->elapsed_s;
	d->tw_exit_per_s = (double)d->tw_exits / r->elapsed_s;
	d->freed_per_s = (double)d->freed / r->elapsed_s;
	d->exhaustion_s = ports_exhaustion_s(d->free, d->new_per_s,
					     d->freed_per_s);
}

/* A percentage cut (not rounded) to one decimal, without a ".0". */
static char *format_pct(char *buf, size_t len, double pct)
{
	double v = floor(pct * 10.0) / 10.0;

	if (v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

__u64 ports_failure_total(const struct tcpstate_ports *p, int kind)
{
	__u64 sum = 0;
	int k;

	for (k = 0; k < TCPSTATE_PORT_KIND_MAX; k++)
		if (kind < 0 || k == kind)
			sum += p->total[k][0] + p->total[k][1];
	return sum;
}

static __u64 failures_of(const struct ports_report *r, int kind)
{
	return ports_failure_total(&r->info, kind);
}

/* Append to @buf what failed, "; 1 connect() failed for lack of a port". */
static void failures_text(char *buf, size_t len, const struct ports_report *r)
{
	unsigned long long conn = failures_of(r, TCPSTATE_PORT_CONNECT);
	unsigned long long bind = failures_of(r, TCPSTATE_PORT_BIND);
	size_t n = strlen(buf);

	if (conn && bind)
		snprintf(buf + n, len - n,
			 "; %llu connect() and %llu bind() failed for lack of a port",
			 conn, bind);
	else if (conn || bind)
		snprintf(buf + n, len - n, "; %llu %s() failed for lack of a port",
			 conn ? conn : bind, conn ? "connect" : "bind");
}

/*
 * The verdict: critical when the worst destination uses at least crit % of
 * the available ports, warning from warn %, and at least warning as soon as
 * any connect() or bind() has failed for lack of a port since counting
 * began (until `tcpstate reset`).
 */
static void check(struct ports_report *r)
{
	const struct ports_dest *w = r->n_dests ? &r->dests[0] : NULL;
	double pct = w ? w->used_pct : r->info.available ? 0 : 100.0;
	char ep[FORMAT_ENDPOINT_LEN], p[PCT_LEN];
	size_t len = sizeof(r->message);

	r->status = pct >= r->crit_pct ? CHECK_CRITICAL :
		    pct >= r->warn_pct ? CHECK_WARNING : CHECK_OK;
	if (r->status == CHECK_OK && (failures_of(r, TCPSTATE_PORT_CONNECT) ||
				      failures_of(r, TCPSTATE_PORT_BIND)))
		r->status = CHECK_WARNING;

	if (!r->info.available)
		snprintf(r->message, len,
			 "no local port available: %u-%u is all reserved",
			 r->info.range_low, r->info.range_high);
	else if (!w)
		snprintf(r->message, len, "no client connections, %u local ports",
			 r->info.available);
	else if (pct >= r->warn_pct)
		snprintf(r->message, len, "%s uses %llu of %u local ports (%s%%)",
			 format_endpoint(ep, sizeof(ep), w->family, w->daddr,
					 w->dport),
			 (unsigned long long)w->used, r->info.available,
			 format_pct(p, sizeof(p), pct));
	else
		snprintf(r->message, len, "worst destination %s at %s%% of %u ports",
			 format_endpoint(ep, sizeof(ep), w->family, w->daddr,
					 w->dport),
			 format_pct(p, sizeof(p), pct), r->info.available);
	failures_text(r->message, len, r);
}

int ports_report_build(struct ports_report *r, const struct ports_input *in)
{
	__u64 *listening, *listening_first;
	long i;
	size_t k;

	memset(r, 0, sizeof(*r));
	r->netns = in->netns;
	r->by = in->by;
	r->info = *in->ports;
	r->warn_pct = in->warn_pct;
	r->crit_pct = in->crit_pct;
	r->rates = in->first && in->elapsed_s > 0;
	r->elapsed_s = r->rates ? in->elapsed_s : 0;

	listening = calloc(2 * PORT_WORDS, sizeof(*listening));
	if (!listening)
		return -1;
	listening_first = listening + PORT_WORDS;
	listening_ports(listening, in->second, in->n_second);
	listening_ports(listening_first, in->first, r->rates ? in->n_first : 0);
	if (group(r, in, listening) ||
	    (r->rates && changes(r, in, listening_first, listening)) ||
	    owners(r, in, listening)) {
		free(listening);
		ports_report_free(r);
		return -1;
	}
	free(listening);
	for (k = 0; k < r->n_dests; k++)
		finish_dest(&r->dests[k], r);
	qsort(r->dests, r->n_dests, sizeof(*r->dests), cmp_dest_used);

	for (i = in->n_failures - 1; i >= 0; i--) {
		const struct tcpstate_port_failure *f = &in->failures[i];

		if (r->n_recent == PORTS_RECENT_FAILURES)
			break;
		if (!in->family || f->family == in->family)
			r->recent[r->n_recent++] = *f;
	}
	check(r);
	return 0;
}

void ports_report_free(struct ports_report *r)
{
	free(r->dests);
	free(r->owners);
	r->dests = NULL;
	r->n_dests = 0;
	r->owners = NULL;
	r->n_owners = 0;
}
