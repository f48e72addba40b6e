// SPDX-License-Identifier: GPL-2.0
/*
 * The lines of `tcpstate top` from fake reports: the sparkline of the last
 * minute, the destination orders, the gauge rows with and without rates,
 * and a frame that fits the screen with its key line at the bottom.
 */
#include <math.h>
#include <sys/socket.h>

#include "unit.h"

#include "../top.h"

static void test_sparkline(void)
{
	struct top_history h;
	char buf[TOP_SPARK_WIDTH + 1];
	double max;
	int i;

	memset(&h, 0, sizeof(h));
	/* One sample a second for the last 10 s: 0, 1, ..., 9 per second. */
	for (i = 0; i < 10; i++)
		top_history_add(&h, 1000 - 9 + i, i, 0);
	top_sparkline(buf, 60, &h, false, 1000, &max);
	expect_str("sparkline_empty_before_the_first_sample_then_rising",
		   "                                                  _.:-==+*##",
		   buf);
	expect_u64("sparkline_peak_is_the_highest_rate", 9, (__u64)max);
	top_sparkline(buf, 60, &h, true, 1000, &max);
	expect_str("sparkline_of_exits_all_zero",
		   "                                                  __________",
		   buf);
	/* A minute later the old samples are out of the window. */
	top_history_add(&h, 1060, 4, 0);
	top_sparkline(buf, 6, &h, false, 1060, &max);
	expect_str("sparkline_keeps_only_the_last_minute", "######", buf);
	expect_u64("sparkline_peak_of_the_last_minute", 4, (__u64)max);
	/* Old samples are dropped; the history never overflows. */
	for (i = 0; i < 3 * TOP_HISTORY_MAX; i++)
		top_history_add(&h, 2000 + i * 0.1, 1, 1);
	expect_u64("history_bounded", 1, h.n <= TOP_HISTORY_MAX);
}

static struct ports_dest dest(const char *dst, unsigned int port,
			      __u64 used, double new_per_s, double exh)
{
	struct ports_dest d;

	memset(&d, 0, sizeof(d));
	d.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", d.saddr);
	inet_pton(AF_INET, dst, d.daddr);
	d.dport = port;
	d.used = used;
	d.free = 20 - used;
	d.used_pct = 100.0 * used / 20;
	d.new_per_s = new_per_s;
	d.exhaustion_s = exh;
	return d;
}

static void order(char *buf, size_t len, const struct ports_report *r)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < r->n_dests; i++)
		n += snprintf(buf + n, len - n, "%u ", r->dests[i].dport);
}

static void test_sort(void)
{
	struct ports_dest d[4];
	struct ports_report r;
	char s[64];

	d[0] = dest("127.0.0.3", 3, 5, 1, 15);
	d[1] = dest("127.0.0.1", 1, 20, 0, 0);
	d[2] = dest("127.0.0.2", 2, 10, 4, INFINITY);
	d[3] = dest("127.0.0.4", 4, 1, NAN, NAN);
	memset(&r, 0, sizeof(r));
	r.dests = d;
	r.n_dests = 4;
	top_sort_dests(&r, TOP_SORT_HEADROOM);
	order(s, sizeof(s), &r);
	expect_str("sort_headroom_least_first", "1 2 3 4 ", s);
	top_sort_dests(&r, TOP_SORT_NEW);
	order(s, sizeof(s), &r);
	expect_str("sort_new_most_first_unknown_last", "2 3 1 4 ", s);
	top_sort_dests(&r, TOP_SORT_EXHAUSTION);
	order(s, sizeof(s), &r);
	expect_str("sort_exhaustion_soonest_first_never_then_unknown_last",
		   "1 3 2 4 ", s);
	top_sort_dests(&r, TOP_SORT_DESTINATION);
	order(s, sizeof(s), &r);
	expect_str("sort_destination_by_address", "1 2 3 4 ", s);
	expect_str("sort_names", "exhaustion", top_sort_name(TOP_SORT_EXHAUSTION));
}

static const char *line_starting(const struct top_frame *f, const char *p)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strncmp(f->line[i], p, strlen(p)))
			return f->line[i];
	return "";
}

static const char *line_containing(const struct top_frame *f, const char *p)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strstr(f->line[i], p))
			return f->line[i];
	return "";
}

static void test_frame(void)
{
	static struct top_frame f;
	struct tcpstate_port_failure fail;
	struct report_sample a, b;
	struct summary_report sum;
	struct ports_dest d[30];
	struct ports_report r;
	struct top_history h;
	struct top_input in;
	int i;

	memset(&a, 0, sizeof(a));
	a.what = REPORT_STATS;
	a.time_ns = 100ULL * 1000000000ULL;
	a.stats.netns = 4026531840U;
	b = a;
	b.time_ns += 2000000000ULL;
	b.done_ns = b.time_ns;
	b.stats.entries = 38;
	b.stats.gauge[TCPSTATE_ESTABLISHED] = 6;
	b.stats.gauge[TCPSTATE_TIME_WAIT] = 30;
	b.stats.gauge[TCPSTATE_LISTEN] = 2;
	b.stats.transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] = 30;
	report_summary(&sum, &a, &b, 2);
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 30; i++)
		d[i] = dest("127.0.0.2", 8000 + i, 20 - i % 20, 0, INFINITY);
	d[0].exhaustion_s = 0;
	/* Who holds most of a destination's ports: by comm here. */
	d[0].holders[0].key = (struct owner_key){ .comm = "curl" };
	d[0].holders[0].count = 18;
	d[0].holders[1].key = (struct owner_key){ .comm = "wget" };
	d[0].holders[1].count = 2;
	d[0].n_holders = 2;
	d[0].all_holders = 2;
	r.by = OWNER_BY_COMM;
	r.dests = d;
	r.n_dests = 30;
	r.rates = true;
	r.info.range_low = 40000;
	r.info.range_high = 40019;
	r.info.available = 20;
	memset(&fail, 0, sizeof(fail));
	fail.kind = TCPSTATE_PORT_CONNECT;
	fail.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", fail.daddr);
	fail.dport = 8000;
	fail.pid = 42;
	memcpy(fail.comm, "curl", 4);
	fail.error = -99;	/* EADDRNOTAVAIL */
	r.recent[0] = fail;
	r.n_recent = 1;

	memset(&in, 0, sizeof(in));
	in.sum = &sum;
	in.ports = &r;
	in.hist = &h;
	in.now_s = 102;
	in.netns_label = "web";
	in.interval_s = 2;
	in.width = 100;
	in.height = 30;
	in.max_dests = 10;
	top_frame_build(&f, &in);
	expect_u64("frame_fills_the_screen", 30, f.n);
	expect_str("frame_key_line_at_the_bottom",
		   "q quit  s sort  n namespace  p pause", f.line[29]);
	expect_str("frame_title_starts_with_the_namespace",
		   "tcpstate top - netns 4026531840 (web) - every 2s - ",
		   strndup(f.line[0], 51));
	expect_str("frame_gauge_row_with_rates",
		   "ESTAB             6      0.0      0.0   TIME-WAIT        30     15.0      0.0",
		   line_starting(&f, "ESTAB"));
	expect_str("frame_destination_header_names_the_holder_key",
		   "DESTINATION    LOCAL       USED   FREE HEADROOM   NEW/s FREED/s EXHAUSTED  TOP HOLDER (comm)",
		   line_starting(&f, "DESTINATION"));
	expect_str("frame_full_destination_first_with_its_top_holder",
		   "127.0.0.2:8000 127.0.0.1     20      0     0.0%     0.0     0.0      full  curl 18",
		   line_starting(&f, "127.0.0.2:8000"));
	expect_str("frame_destination_without_holders",
		   "127.0.0.2:8001 127.0.0.1     19      1     5.0%     0.0     0.0         -  -",
		   line_starting(&f, "127.0.0.2:8001"));
	expect_str("frame_says_how_many_more_destinations",
		   "(22 more destinations)", line_starting(&f, "(22 more"));
	expect_str("frame_failure_names_pid_and_comm",
		   "connect 127.0.0.2:8000 pid 42 (curl) EADDRNOTAVAIL",
		   strstr(line_containing(&f, "(curl)"), "connect") ?: "");

	/* No rates (the first frame): "-"; plain text has no key line. */
	report_summary(&sum, NULL, &b, 2);
	r.rates = false;
	in.height = 0;
	in.paused = true;
	top_frame_build(&f, &in);
	expect_str("frame_gauge_row_without_rates",
		   "ESTAB             6        -        -   TIME-WAIT        30        -        -",
		   line_starting(&f, "ESTAB"));
	expect_u64("plain_frame_shows_max_dests_and_no_key_line", 1,
		   !*line_starting(&f, "q quit") && *line_starting(&f, "(20 more"));
	expect_u64("paused_says_so", 1, !!strstr(f.line[0], " - PAUSED"));
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(23);
	test_sparkline();
	test_sort();
	test_frame();
	ksft_finished();
}
