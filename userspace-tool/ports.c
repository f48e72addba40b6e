// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate ports`: ephemeral port use per destination against the
 * namespace's effective local port range, its rates and time to
 * exhaustion, tcp_tw_reuse, and the calls that found no free port.
 *
 * connect() on an unbound socket needs a local port of the range that no
 * other connection uses towards the same (local address, remote address,
 * remote port): each such destination has a port space of its own.  The
 * connections that count against it are the client side ones: in a state
 * that holds a port (SYN-SENT to TIME-WAIT, timewait sockets included),
 * on a local port inside the range (outside it was bound explicitly) that
 * no listener of the namespace listens on (that is the server side of
 * accepted connections).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "errors.h"
#include "format.h"
#include "kernel.h"
#include "netns.h"
#include "ports.h"
#include "states.h"

#define NSEC_PER_SEC	1000000000ULL
/* A bit per port: the ports listeners hold. */
#define PORT_WORDS	(65536 / 64)
/* The states in which a connection holds the local port connect() gave it. */
#define CLIENT_STATES	(BIT(TCPSTATE_SYN_SENT) | BIT(TCPSTATE_ESTABLISHED) | \
			 BIT(TCPSTATE_FIN_WAIT1) | BIT(TCPSTATE_FIN_WAIT2) | \
			 BIT(TCPSTATE_CLOSE_WAIT) | BIT(TCPSTATE_CLOSING) | \
			 BIT(TCPSTATE_LAST_ACK) | BIT(TCPSTATE_TIME_WAIT))
/* Text columns of numbers */
#define PCT_LEN		16

static const char *const check_names[] = {
	[CHECK_OK]		= "OK",
	[CHECK_WARNING]		= "WARNING",
	[CHECK_CRITICAL]	= "CRITICAL",
	[CHECK_UNKNOWN]		= "UNKNOWN",
};

/* As JSON values */
static const char *const check_keys[] = {
	[CHECK_OK]		= "ok",
	[CHECK_WARNING]		= "warning",
	[CHECK_CRITICAL]	= "critical",
	[CHECK_UNKNOWN]		= "unknown",
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
	if (c->state >= TCPSTATE_STATE_MAX || !(CLIENT_STATES & BIT(c->state)))
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

const char *port_error_name(char *buf, size_t len, __s32 error)
{
	int e = error < 0 ? -error : error;

	if (e == EADDRNOTAVAIL)
		return "EADDRNOTAVAIL";
	if (e == EADDRINUSE)
		return "EADDRINUSE";
	snprintf(buf, len, "error %d", e);
	return buf;
}

static const char *kind_name(unsigned int kind)
{
	switch (kind) {
	case TCPSTATE_PORT_CONNECT:
		return "connect";
	case TCPSTATE_PORT_BIND:
		return "bind";
	}
	return "unknown";
}

static bool addr_is_zero(const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, sizeof(zero));
}

/* The process name, NUL-terminated whatever the record holds. */
static void comm_copy(char *dst, const char *src)
{
	memcpy(dst, src, 16);
	dst[16] = '\0';
}

char *port_failure_describe(char *buf, size_t len,
			    const struct tcpstate_port_failure *f)
{
	char where[FORMAT_ENDPOINT_LEN + FORMAT_ADDR_LEN + 8];
	char a[FORMAT_ADDR_LEN], e[32], comm[17];

	if (f->kind == TCPSTATE_PORT_CONNECT) {
		format_endpoint(where, sizeof(where), f->family, f->daddr,
				f->dport);
		if (!addr_is_zero(f->saddr)) {
			size_t n = strlen(where);

			snprintf(where + n, sizeof(where) - n, " from %s",
				 format_addr(a, sizeof(a), f->family, f->saddr));
		}
	} else {
		format_addr(where, sizeof(where), f->family, f->saddr);
	}
	comm_copy(comm, f->comm);
	snprintf(buf, len, "%s %s pid %u (%s) %s", kind_name(f->kind), where,
		 f->pid, comm, port_error_name(e, sizeof(e), f->error));
	return buf;
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

static void dest_key(struct ports_key *k, const struct ports_dest *d)
{
	memset(k, 0, sizeof(*k));
	k->family = d->family;
	memcpy(k->saddr, d->saddr, sizeof(k->saddr));
	memcpy(k->daddr, d->daddr, sizeof(k->daddr));
	k->dport = d->dport;
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

static __u64 failures_of(const struct ports_report *r, int kind)
{
	return r->info.total[kind][0] + r->info.total[kind][1];
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
	    (r->rates && changes(r, in, listening_first, listening))) {
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
	r->dests = NULL;
	r->n_dests = 0;
}

static const char *reuse_name(__u32 reuse)
{
	switch (reuse) {
	case 0:
		return "off";
	case 1:
		return "on";
	case 2:
		return "loopback only";
	}
	return "unknown";
}

static const char *rate_text(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static const char *exhaustion_text(char *buf, size_t len, double s)
{
	if (s == 0)
		snprintf(buf, len, "full");
	else if (!isfinite(s))
		snprintf(buf, len, "-");
	else
		format_duration(buf, len, (__u64)(s * (double)NSEC_PER_SEC));
	return buf;
}

static void text_head(FILE *f, const struct ports_report *r)
{
	fprintf(f, "%-28s %u\n", "netns", r->netns);
	fprintf(f, "%-28s %u-%u (%u ports, %u reserved)\n", "local port range",
		r->info.range_low, r->info.range_high, r->info.available,
		r->info.reserved);
	fprintf(f, "%-28s %u (%s)\n", "tcp_tw_reuse", r->info.tcp_tw_reuse,
		reuse_name(r->info.tcp_tw_reuse));
	fprintf(f, "%-28s %llu (connect %llu, bind %llu)\n", "port failures",
		(unsigned long long)(failures_of(r, TCPSTATE_PORT_CONNECT) +
				     failures_of(r, TCPSTATE_PORT_BIND)),
		(unsigned long long)failures_of(r, TCPSTATE_PORT_CONNECT),
		(unsigned long long)failures_of(r, TCPSTATE_PORT_BIND));
	fprintf(f, "%-28s %s (warn %g%%, crit %g%%)\n", "status",
		check_status_name(r->status), r->warn_pct, r->crit_pct);
}

static void text_table(FILE *f, const struct ports_report *r, size_t rows)
{
	char l[FORMAT_ADDR_LEN], d[FORMAT_ENDPOINT_LEN];
	char n[16], x[16], e[FORMAT_DURATION_LEN];
	int lw = 5, dw = 11, len;
	size_t i;

	if (!r->n_dests) {
		fprintf(f, "no client connections\n");
		return;
	}
	for (i = 0; i < rows; i++) {
		const struct ports_dest *p = &r->dests[i];

		len = strlen(format_addr(l, sizeof(l), p->family, p->saddr));
		lw = len > lw ? len : lw;
		len = strlen(format_endpoint(d, sizeof(d), p->family, p->daddr,
					     p->dport));
		dw = len > dw ? len : dw;
	}
	fprintf(f, "%-*s %-*s %5s %5s %5s %6s %9s %12s %s\n", lw, "LOCAL", dw,
		"DESTINATION", "USED", "FREE", "USED%", "NEW/s", "TW-EXIT/s",
		"EXHAUSTED-IN", "REUSE");
	for (i = 0; i < rows; i++) {
		const struct ports_dest *p = &r->dests[i];

		fprintf(f, "%-*s %-*s %5llu %5llu %5.1f %6s %9s %12s %s\n", lw,
			format_addr(l, sizeof(l), p->family, p->saddr), dw,
			format_endpoint(d, sizeof(d), p->family, p->daddr, p->dport),
			(unsigned long long)p->used, (unsigned long long)p->free,
			floor(p->used_pct * 10.0) / 10.0,
			rate_text(n, sizeof(n), p->new_per_s),
			rate_text(x, sizeof(x), p->tw_exit_per_s),
			exhaustion_text(e, sizeof(e), p->exhaustion_s),
			p->tw_reuse_applies ? "yes" : "no");
	}
	if (rows < r->n_dests)
		fprintf(f, "(%zu more destinations: --top shows more)\n",
			r->n_dests - rows);
}

static void text_failures(FILE *f, const struct ports_report *r,
			  __s64 wall_offset_ns)
{
	char clock[FORMAT_CLOCK_LEN], line[256];
	size_t i;

	if (!r->n_recent)
		return;
	fprintf(f, "recent failures, newest first:\n");
	for (i = 0; i < r->n_recent; i++)
		fprintf(f, "  %s %s\n",
			format_clock(clock, sizeof(clock),
				     (__s64)r->recent[i].time_ns + wall_offset_ns),
			port_failure_describe(line, sizeof(line), &r->recent[i]));
}

static void json_dest(struct output *o, const struct ports_dest *d)
{
	char a[FORMAT_ADDR_LEN];
	int st;

	out_begin_item(o, NULL);
	out_str(o, "family", NULL, family_name(d->family));
	out_str(o, "local", NULL, format_addr(a, sizeof(a), d->family, d->saddr));
	out_str(o, "address", NULL, format_addr(a, sizeof(a), d->family, d->daddr));
	out_u64(o, "port", NULL, d->dport);
	out_u64(o, "used", NULL, d->used);
	out_u64(o, "free", NULL, d->free);
	out_double(o, "used_pct", NULL, d->used_pct, 1);
	out_double(o, "headroom_pct", NULL, 100.0 - d->used_pct, 1);
	out_double(o, "new_per_s", NULL, d->new_per_s, 2);
	out_double(o, "tw_exit_per_s", NULL, d->tw_exit_per_s, 2);
	out_double(o, "freed_per_s", NULL, d->freed_per_s, 2);
	out_double(o, "exhaustion_s", NULL, d->exhaustion_s, 1);
	out_bool(o, "tw_reuse_applies", NULL, d->tw_reuse_applies);
	out_begin(o, "states", NULL);
	for (st = 1; st < TCPSTATE_STATE_MAX; st++)
		if (CLIENT_STATES & BIT(st))
			out_u64(o, state_key(st), NULL, d->states[st]);
	out_end(o);
	out_end_item(o);
}

static void json_failure(struct output *o, const struct tcpstate_port_failure *f)
{
	char a[FORMAT_ADDR_LEN], e[32], comm[17];

	out_begin_item(o, NULL);
	out_u64(o, "time_ns", NULL, f->time_ns);
	out_str(o, "kind", NULL, kind_name(f->kind));
	out_str(o, "family", NULL, family_name(f->family));
	if (f->kind == TCPSTATE_PORT_CONNECT) {
		out_str(o, "address", NULL,
			format_addr(a, sizeof(a), f->family, f->daddr));
		out_u64(o, "port", NULL, f->dport);
	} else {
		out_null(o, "address", NULL);
		out_null(o, "port", NULL);
	}
	if (addr_is_zero(f->saddr))
		out_null(o, "local", NULL);
	else
		out_str(o, "local", NULL,
			format_addr(a, sizeof(a), f->family, f->saddr));
	out_u64(o, "pid", NULL, f->pid);
	comm_copy(comm, f->comm);
	out_str(o, "comm", NULL, comm);
	out_str(o, "error", NULL, port_error_name(e, sizeof(e), f->error));
	out_u64(o, "cookie", NULL, f->cookie);
	out_end_item(o);
}

static void json_report(struct output *o, const struct ports_report *r,
			size_t rows)
{
	static const char *const kinds[] = { "connect", "bind" };
	size_t i;
	int k;

	out_u64(o, "netns", NULL, r->netns);
	if (r->rates)
		out_double(o, "interval_s", NULL, r->elapsed_s, 3);
	else
		out_null(o, "interval_s", NULL);
	out_begin(o, "range", NULL);
	out_u64(o, "low", NULL, r->info.range_low);
	out_u64(o, "high", NULL, r->info.range_high);
	out_u64(o, "reserved", NULL, r->info.reserved);
	out_u64(o, "available", NULL, r->info.available);
	out_end(o);
	out_u64(o, "tcp_tw_reuse", NULL, r->info.tcp_tw_reuse);
	out_begin_array(o, "destinations", NULL);
	for (i = 0; i < rows; i++)
		json_dest(o, &r->dests[i]);
	out_end_array(o);
	out_u64(o, "destination_count", NULL, r->n_dests);
	out_begin(o, "failures", NULL);
	for (k = 0; k < TCPSTATE_PORT_KIND_MAX; k++) {
		out_begin(o, kinds[k], NULL);
		out_u64(o, "ipv4", NULL, r->info.total[k][0]);
		out_u64(o, "ipv6", NULL, r->info.total[k][1]);
		out_end(o);
	}
	out_end(o);
	out_begin_array(o, "recent_failures", NULL);
	for (i = 0; i < r->n_recent; i++)
		json_failure(o, &r->recent[i]);
	out_end_array(o);
	out_begin(o, "check", NULL);
	out_str(o, "status", NULL, check_keys[r->status]);
	out_u64(o, "code", NULL, r->status);
	out_str(o, "message", NULL, r->message);
	out_double(o, "warn_pct", NULL, r->warn_pct, 1);
	out_double(o, "crit_pct", NULL, r->crit_pct, 1);
	out_end(o);
}

void ports_report_print(struct output *o, const struct ports_report *r,
			unsigned int top, __s64 wall_offset_ns)
{
	size_t rows = r->n_dests < top ? r->n_dests : top;

	if (o->json) {
		json_report(o, r, rows);
		return;
	}
	text_head(o->f, r);
	text_table(o->f, r, rows);
	text_failures(o->f, r, wall_offset_ns);
}

void ports_check_print(FILE *f, const struct ports_report *r)
{
	fprintf(f, "TCPSTATE %s - %s\n", check_status_name(r->status),
		r->message);
}

void ports_summary_print(struct output *o, const struct tcpstate_ports *p)
{
	char text[64];

	out_begin(o, "ports", "ports");
	snprintf(text, sizeof(text), "%u-%u, %u available", p->range_low,
		 p->range_high, p->available);
	out_u64(o, "range_low", NULL, p->range_low);
	out_u64(o, "range_high", NULL, p->range_high);
	out_u64(o, "available", NULL, p->available);
	out_str(o, NULL, "local port range", text);
	out_u64(o, "failures", "failures",
		p->total[TCPSTATE_PORT_CONNECT][0] +
		p->total[TCPSTATE_PORT_CONNECT][1] +
		p->total[TCPSTATE_PORT_BIND][0] + p->total[TCPSTATE_PORT_BIND][1]);
	out_str(o, NULL, "headroom per destination", "tcpstate ports");
	out_end(o);
}

/* Everything the report needs from the device.  0, or -1 after saying why. */
static int ports_read(const struct options *opts, struct ports_input *in,
		      struct tcpstate_conn **first, struct tcpstate_conn **second,
		      struct tcpstate_ports *ports,
		      struct tcpstate_port_failure *failures, __u32 room)
{
	struct tcpstate_stats st;
	__u64 t0, t1;
	long n;
	int fd;

	*first = NULL;
	*second = NULL;
	fd = device_open_selected(opts, false);
	if (fd < 0)
		return -1;
	if (device_stats(fd, opts->device, &st))
		goto err;
	in->netns = st.netns;
	t0 = boottime_ns();
	if (opts->interval_s > 0) {
		in->n_first = device_snapshot(fd, opts->device, first);
		if (in->n_first < 0)
			goto err;
		sleep_seconds(opts->interval_s);
	}
	t1 = boottime_ns();
	in->n_second = device_snapshot(fd, opts->device, second);
	if (in->n_second < 0)
		goto err;
	n = device_ports(fd, opts->device, ports, failures, room);
	if (n < 0)
		goto err;
	close(fd);
	in->first = *first;
	in->second = *second;
	in->elapsed_s = (double)(t1 - t0) / (double)NSEC_PER_SEC;
	in->ports = ports;
	in->failures = failures;
	in->n_failures = n;
	return 0;

err:
	free(*first);
	free(*second);
	*first = NULL;
	*second = NULL;
	close(fd);
	return -1;
}

/* In --check mode, every failure is an unknown status, said on stdout too. */
static int fail(const struct options *opts)
{
	if (!opts->check)
		return 1;
	printf("TCPSTATE UNKNOWN - %s\n", last_error());
	return CHECK_UNKNOWN;
}

int cmd_ports(const struct options *opts)
{
	struct tcpstate_port_failure failures[PORTS_RECENT_FAILURES];
	struct tcpstate_conn *first, *second;
	struct tcpstate_ports ports;
	struct ports_report r;
	struct ports_input in;
	struct output o;
	int rc;

	memset(&in, 0, sizeof(in));
	if (ports_read(opts, &in, &first, &second, &ports, failures,
		       PORTS_RECENT_FAILURES))
		return fail(opts);
	in.family = opts->family;
	in.warn_pct = opts->warn_pct;
	in.crit_pct = opts->crit_pct;
	rc = ports_report_build(&r, &in);
	free(first);
	free(second);
	if (rc) {
		report_error("tcpstate: ports: %s\n", strerror(ENOMEM));
		return fail(opts);
	}
	if (opts->check && !opts->json) {
		ports_check_print(stdout, &r);
	} else {
		out_init(&o, stdout, opts->json);
		ports_report_print(&o, &r, opts->top, wall_offset_ns());
		out_finish(&o);
	}
	rc = opts->check ? (int)r.status : 0;
	ports_report_free(&r);
	if (fflush(stdout) || ferror(stdout)) {
		report_error("tcpstate: stdout: %s\n", strerror(errno));
		return fail(opts);
	}
	return rc;
}
