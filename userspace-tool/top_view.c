// SPDX-License-Identifier: GPL-2.0
/*
 * The lines of `tcpstate top`, from the summary and port reports: the
 * per-state gauges with their rates, TIME-WAIT's entry and exit rates with
 * a sparkline of the last minute, the destinations by port headroom with
 * time to exhaustion and the owner that holds most of their ports, and the
 * latest port failures.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "kernel.h"
#include "owner.h"
#include "ports.h"
#include "states.h"
#include "top.h"

#define NSEC_PER_SEC	1000000000ULL
/* Sparkline levels, from no rate to the minute's peak. */
static const char spark_levels[] = "_.:-=+*#";
/* States, in two columns of the gauge table. */
static const int state_rows[2][5] = {
	{ TCPSTATE_ESTABLISHED, TCPSTATE_SYN_SENT, TCPSTATE_SYN_RECV,
	  TCPSTATE_FIN_WAIT1, TCPSTATE_FIN_WAIT2 },
	{ TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE_WAIT, TCPSTATE_LAST_ACK,
	  TCPSTATE_LISTEN, TCPSTATE_CLOSING },
};

static const char *const sort_names[] = {
	[TOP_SORT_HEADROOM]	= "headroom",
	[TOP_SORT_NEW]		= "new/s",
	[TOP_SORT_EXHAUSTION]	= "exhaustion",
	[TOP_SORT_DESTINATION]	= "destination",
};

const char *top_sort_name(enum top_sort s)
{
	return s < TOP_SORT_MAX ? sort_names[s] : "?";
}

void top_history_add(struct top_history *h, double t_s, double enter,
		     double exit)
{
	size_t old = 0;

	while (old < h->n && h->t_s[old] < t_s - 2 * TOP_HISTORY_S)
		old++;
	if (h->n - old == TOP_HISTORY_MAX)
		old++;
	if (old) {
		memmove(h->t_s, h->t_s + old, (h->n - old) * sizeof(h->t_s[0]));
		memmove(h->enter, h->enter + old,
			(h->n - old) * sizeof(h->enter[0]));
		memmove(h->exit, h->exit + old, (h->n - old) * sizeof(h->exit[0]));
		h->n -= old;
	}
	h->t_s[h->n] = t_s;
	h->enter[h->n] = enter;
	h->exit[h->n] = exit;
	h->n++;
}

/*
 * Sample i holds the rate over (t_s[i - 1], t_s[i]]; the first one, whose
 * start is not kept, over the same length before it.  Column c shows the
 * sample whose span holds the middle of its slice of the minute.
 */
char *top_sparkline(char *buf, int width, const struct top_history *h,
		    bool exits, double now_s, double *max)
{
	const double *v = exits ? h->exit : h->enter;
	double from = now_s - TOP_HISTORY_S, peak = 0;
	size_t i;
	int c;

	if (width > TOP_SPARK_WIDTH)
		width = TOP_SPARK_WIDTH;
	if (width < 1)
		width = 1;
	for (i = 0; i < h->n; i++)
		if (h->t_s[i] > from && v[i] > peak)
			peak = v[i];
	for (c = 0; c < width; c++) {
		double mid = from + (c + 0.5) * TOP_HISTORY_S / width;
		char ch = ' ';

		for (i = 0; i < h->n; i++) {
			double start = i ? h->t_s[i - 1] :
				h->n > 1 ? 2 * h->t_s[0] - h->t_s[1] : h->t_s[0] - 1;

			if (mid <= start || mid > h->t_s[i])
				continue;
			if (v[i] <= 0 || peak <= 0)
				ch = spark_levels[0];
			else
				ch = spark_levels[1 + (int)(v[i] / peak * 6.999)];
			break;
		}
		buf[c] = ch;
	}
	buf[width] = '\0';
	*max = peak;
	return buf;
}

static int cmp_headroom(const void *a, const void *b)
{
	const struct ports_dest *x = a, *y = b;

	if (x->used != y->used)
		return x->used > y->used ? -1 : 1;
	return ports_dest_cmp(x, y);
}

/* Most first; an unknown rate (NAN) last. */
static int cmp_new(const void *a, const void *b)
{
	const struct ports_dest *x = a, *y = b;
	bool kx = !isnan(x->new_per_s), ky = !isnan(y->new_per_s);

	if (kx != ky)
		return kx ? -1 : 1;
	if (kx && x->new_per_s != y->new_per_s)
		return x->new_per_s > y->new_per_s ? -1 : 1;
	return cmp_headroom(a, b);
}

/* Soonest first; never (INFINITY) after any time, unknown (NAN) last. */
static int cmp_exhaustion(const void *a, const void *b)
{
	const struct ports_dest *x = a, *y = b;
	bool kx = !isnan(x->exhaustion_s), ky = !isnan(y->exhaustion_s);

	if (kx != ky)
		return kx ? -1 : 1;
	if (kx && x->exhaustion_s != y->exhaustion_s)
		return x->exhaustion_s < y->exhaustion_s ? -1 : 1;
	return cmp_headroom(a, b);
}

static int cmp_destination(const void *a, const void *b)
{
	return ports_dest_cmp(a, b);
}

void top_sort_dests(struct ports_report *r, enum top_sort sort)
{
	static int (*const cmp[])(const void *, const void *) = {
		[TOP_SORT_HEADROOM]	= cmp_headroom,
		[TOP_SORT_NEW]		= cmp_new,
		[TOP_SORT_EXHAUSTION]	= cmp_exhaustion,
		[TOP_SORT_DESTINATION]	= cmp_destination,
	};

	if (sort < TOP_SORT_MAX && r->n_dests)
		qsort(r->dests, r->n_dests, sizeof(*r->dests), cmp[sort]);
}

struct frame_ctx {
	struct top_frame *f;
	int width;
	int height;		/* 0: no limit */
};

static __printf(3, 4) void add(struct frame_ctx *x, enum top_attr attr,
			       const char *fmt, ...)
{
	struct top_frame *f = x->f;
	va_list ap;
	int len;

	if (f->n >= TOP_MAX_LINES || (x->height && f->n >= x->height))
		return;
	va_start(ap, fmt);
	vsnprintf(f->line[f->n], sizeof(f->line[0]), fmt, ap);
	va_end(ap);
	len = strlen(f->line[f->n]);
	if (len > x->width)
		f->line[f->n][x->width] = '\0';
	f->attr[f->n++] = attr;
}

static const char *rate_text(char *buf, size_t len, bool valid, double v)
{
	if (!valid || isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static void title(struct frame_ctx *x, const struct top_input *in)
{
	const struct summary_report *s = in->sum;
	char clock[FORMAT_CLOCK_LEN], label[80] = "";

	if (in->netns_label)
		snprintf(label, sizeof(label), " (%s)", in->netns_label);
	format_clock(clock, sizeof(clock),
		     (__s64)(in->now_s * NSEC_PER_SEC) + in->wall_offset_ns);
	clock[8] = '\0';	/* no milliseconds */
	add(x, TOP_TITLE, "tcpstate top - netns %u%s - every %gs - %s - sort: %s%s",
	    s->stats.netns, label, in->interval_s, clock,
	    top_sort_name(in->sort), in->paused ? " - PAUSED" : "");
	if (s->module_wide)
		add(x, TOP_PLAIN,
		    "connections %llu  timewait sockets %llu  overflows %llu  dropped %llu  lost %llu  misses %llu",
		    (unsigned long long)s->stats.entries,
		    (unsigned long long)s->stats.timewait_socks,
		    (unsigned long long)s->stats.tw_overflows,
		    (unsigned long long)s->stats.dropped,
		    (unsigned long long)s->stats.events_lost,
		    (unsigned long long)s->stats.probe_misses);
	else
		add(x, TOP_PLAIN,
		    "connections %llu  timewait sockets %llu  overflows %llu  dropped %llu  lost %llu",
		    (unsigned long long)s->stats.entries,
		    (unsigned long long)s->stats.timewait_socks,
		    (unsigned long long)s->stats.tw_overflows,
		    (unsigned long long)s->stats.dropped,
		    (unsigned long long)s->stats.events_lost);
}

static void gauges(struct frame_ctx *x, const struct summary_report *s)
{
	bool rates = s->elapsed_s > 0;
	char cell[2][64], in[16], out[16];
	int row, col;

	add(x, TOP_HEADER, "%-11s %7s %8s %8s   %-11s %7s %8s %8s", "STATE",
	    "COUNT", "IN/s", "OUT/s", "STATE", "COUNT", "IN/s", "OUT/s");
	for (row = 0; row < 5; row++) {
		for (col = 0; col < 2; col++) {
			int st = state_rows[col][row];
			const struct report_state *r = &s->states[st];

			snprintf(cell[col], sizeof(cell[col]), "%-11s %7llu %8s %8s",
				 state_ss_name(st), (unsigned long long)r->count,
				 rate_text(in, sizeof(in), rates, r->enter_per_s),
				 rate_text(out, sizeof(out), rates, r->leave_per_s));
		}
		add(x, TOP_PLAIN, "%s   %s", cell[0], cell[1]);
	}
}

static void timewait(struct frame_ctx *x, const struct top_input *in)
{
	const struct summary_report *s = in->sum;
	char spark[TOP_SPARK_WIDTH + 1], a[16], b[16];
	int w = x->width - 8 < TOP_SPARK_WIDTH ? x->width - 8 : TOP_SPARK_WIDTH;
	double peak_in, peak_out;
	char exits[160];
	size_t n = 0;
	int i;

	top_sparkline(spark, w, in->hist, false, in->now_s, &peak_in);
	top_sparkline(spark, w, in->hist, true, in->now_s, &peak_out);
	add(x, TOP_HEADER,
	    "TIME-WAIT  entering %s/s  leaving %s/s  (last %ds, peak %.1f/s in, %.1f/s out)",
	    rate_text(a, sizeof(a), s->rate.valid, s->rate.enter_per_s),
	    rate_text(b, sizeof(b), s->rate.valid, s->rate.exit_per_s),
	    TOP_HISTORY_S, peak_in, peak_out);
	add(x, TOP_PLAIN, "  in  [%s]",
	    top_sparkline(spark, w, in->hist, false, in->now_s, &peak_in));
	add(x, TOP_PLAIN, "  out [%s]",
	    top_sparkline(spark, w, in->hist, true, in->now_s, &peak_out));
	exits[0] = '\0';
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		/* Counted in the dying namespace, as in the summary. */
		if (i == TCPSTATE_TW_EXIT_NETNS)
			continue;
		n += snprintf(exits + n, sizeof(exits) - n, "  %s %llu",
			      tw_exit_name(i),
			      (unsigned long long)s->stats.tw_exits[i]);
		if (n >= sizeof(exits))
			break;
	}
	add(x, TOP_PLAIN, "  exits:%s", exits);
}

/* A destination's top holder and its ports: "nginx.service 300". */
static const char *holder_text(char *buf, size_t len, enum owner_by by,
			       const struct ports_dest *d)
{
	char name[OWNER_NAME_LEN];

	if (!d->n_holders)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s %llu",
			 owner_name(name, sizeof(name), by, &d->holders[0].key),
			 (unsigned long long)d->holders[0].count);
	return buf;
}

static void dests(struct frame_ctx *x, const struct ports_report *r,
		  size_t rows)
{
	char l[FORMAT_ADDR_LEN], d[FORMAT_ENDPOINT_LEN], e[FORMAT_DURATION_LEN];
	char nw[16], fr[16], held[OWNER_NAME_LEN + 24], head[32];
	int lw, dw;
	size_t i;

	add(x, TOP_PLAIN,
	    "local ports %u-%u (%u available)  tcp_tw_reuse %u  port failures: connect %llu  bind %llu",
	    r->info.range_low, r->info.range_high, r->info.available,
	    r->info.tcp_tw_reuse,
	    (unsigned long long)ports_failure_total(&r->info, TCPSTATE_PORT_CONNECT),
	    (unsigned long long)ports_failure_total(&r->info, TCPSTATE_PORT_BIND));
	if (!r->n_dests) {
		add(x, TOP_PLAIN, "no client connections");
		return;
	}
	if (rows > r->n_dests)
		rows = r->n_dests;
	ports_column_widths(r, rows, &lw, &dw);
	snprintf(head, sizeof(head), "TOP HOLDER (%s)", owner_by_name(r->by));
	add(x, TOP_HEADER, "%-*s %-*s %6s %6s %8s %7s %7s %9s  %s", dw,
	    "DESTINATION", lw, "LOCAL", "USED", "FREE", "HEADROOM", "NEW/s",
	    "FREED/s", "EXHAUSTED", head);
	for (i = 0; i < rows; i++) {
		const struct ports_dest *p = &r->dests[i];
		double room = floor((100.0 - p->used_pct) * 10.0) / 10.0;

		add(x, p->free ? TOP_PLAIN : TOP_ALERT,
		    "%-*s %-*s %6llu %6llu %7.1f%% %7s %7s %9s  %s", dw,
		    format_endpoint(d, sizeof(d), p->family, p->daddr, p->dport),
		    lw, format_addr(l, sizeof(l), p->family, p->saddr),
		    (unsigned long long)p->used, (unsigned long long)p->free,
		    room < 0 ? 0 : room,
		    rate_text(nw, sizeof(nw), r->rates, p->new_per_s),
		    rate_text(fr, sizeof(fr), r->rates, p->freed_per_s),
		    ports_exhaustion_text(e, sizeof(e), p->exhaustion_s),
		    holder_text(held, sizeof(held), r->by, p));
	}
	if (rows < r->n_dests)
		add(x, TOP_PLAIN, "(%zu more destinations)", r->n_dests - rows);
}

static void failures(struct frame_ctx *x, const struct top_input *in,
		     size_t rows)
{
	const struct ports_report *r = in->ports;
	char clock[FORMAT_CLOCK_LEN], line[256];
	size_t i;

	add(x, TOP_HEADER, "LATEST PORT FAILURES");
	if (!r->n_recent) {
		add(x, TOP_PLAIN, "  none");
		return;
	}
	for (i = 0; i < r->n_recent && i < rows; i++)
		add(x, TOP_ALERT, "  %s %s",
		    format_clock(clock, sizeof(clock),
				 (__s64)r->recent[i].time_ns + in->wall_offset_ns),
		    port_failure_describe(line, sizeof(line), &r->recent[i]));
}

/* Lines every frame has, but the destination and failure rows. */
#define TOP_FIXED_LINES	19

void top_frame_build(struct top_frame *f, const struct top_input *in)
{
	struct frame_ctx x = { .f = f, .height = in->height };
	size_t n_dests = in->ports->n_dests, n_fail = in->ports->n_recent;
	size_t dest_rows = in->max_dests, fail_rows = PORTS_RECENT_FAILURES;

	x.width = in->width > 0 && in->width < TOP_MAX_COLS ? in->width :
							      TOP_MAX_COLS;
	f->n = 0;
	if (in->height) {
		/* The bottom line is the status; split the rest. */
		int room = in->height - TOP_FIXED_LINES - 1;

		fail_rows = n_fail ? n_fail : 1;
		if (fail_rows > (size_t)(room > 3 ? room / 3 : 1))
			fail_rows = room > 3 ? room / 3 : 1;
		dest_rows = room - (int)fail_rows > 1 ? room - fail_rows : 1;
		if (n_dests > dest_rows && dest_rows > 1)
			dest_rows--;	/* room for "(N more destinations)" */
		if (dest_rows > in->max_dests)
			dest_rows = in->max_dests;
	}
	title(&x, in);
	add(&x, TOP_PLAIN, "%s", "");
	gauges(&x, in->sum);
	add(&x, TOP_PLAIN, "%s", "");
	timewait(&x, in);
	add(&x, TOP_PLAIN, "%s", "");
	dests(&x, in->ports, dest_rows);
	add(&x, TOP_PLAIN, "%s", "");
	failures(&x, in, fail_rows);
	if (in->height) {
		while (f->n < in->height - 1)
			add(&x, TOP_PLAIN, "%s", "");
		if (f->n > in->height - 1)
			f->n = in->height > 0 ? in->height - 1 : 0;
		add(&x, in->message ? TOP_ALERT : TOP_TITLE, "%s",
		    in->message ? in->message :
		    "q quit  s sort  n namespace  p pause");
	} else if (in->message) {
		add(&x, TOP_ALERT, "%s", in->message);
	}
}
