// SPDX-License-Identifier: GPL-2.0
/*
 * The report layer on fake samples: rates per state and per TIME-WAIT exit
 * cause from two samples, no rates from one, the port report from two
 * tables with the time between them, and the summary's port section.
 * And the read of the module's hooks_missing (by the front end, not the
 * builders): the list, or an error when it cannot be read.
 */
#include <math.h>
#include <sys/socket.h>

#include "unit.h"

#include "../device.h"
#include "../report.h"

#define NS_S 1000000000ULL

static void sample_stats(struct report_sample *s, __u64 t_s, __u64 scale)
{
	struct tcpstate_stats *st = &s->stats;

	memset(s, 0, sizeof(*s));
	s->what = REPORT_STATS;
	s->time_ns = t_s * NS_S;
	s->done_ns = s->time_ns + 1000;
	st->netns = 4026531840U;
	st->entries = 5 * scale;
	st->gauge[TCPSTATE_ESTABLISHED] = scale;
	st->gauge[TCPSTATE_TIME_WAIT] = 4 * scale;
	st->transitions[TCPSTATE_SYN_SENT][TCPSTATE_ESTABLISHED] = 10 * scale;
	st->transitions[TCPSTATE_ESTABLISHED][TCPSTATE_FIN_WAIT1] = 8 * scale;
	st->transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] = 6 * scale;
	st->transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] = 2 * scale;
	st->tw_exits[TCPSTATE_TW_EXIT_EXPIRED] = scale;
	st->tw_exits[TCPSTATE_TW_EXIT_REUSED] = scale;
}

static void test_summary_rates(void)
{
	struct report_sample a, b;
	struct summary_report r;

	sample_stats(&a, 100, 1);
	sample_stats(&b, 102, 3);
	report_summary(&r, &a, &b, 2.0);
	expect_u64("summary_gauge_is_the_later_sample", 12,
		   r.states[TCPSTATE_TIME_WAIT].count);
	expect_u64("summary_entered_is_the_matrix_column", 18,
		   r.states[TCPSTATE_TIME_WAIT].entered);
	expect_u64("summary_left_is_the_matrix_row", 24,
		   r.states[TCPSTATE_ESTABLISHED].left);
	expect_u64("summary_time_wait_enter_rate_x10", 60,
		   (__u64)lround(r.states[TCPSTATE_TIME_WAIT].enter_per_s * 10));
	expect_u64("summary_time_wait_leave_rate_x10", 20,
		   (__u64)lround(r.states[TCPSTATE_TIME_WAIT].leave_per_s * 10));
	expect_u64("summary_tw_rate_matches_the_state_rate", 1,
		   r.rate.valid && r.rate.enter_per_s ==
		   r.states[TCPSTATE_TIME_WAIT].enter_per_s &&
		   r.rate.exit_per_s == r.states[TCPSTATE_TIME_WAIT].leave_per_s);
	expect_u64("summary_exit_rate_by_cause_x10", 10,
		   (__u64)lround(r.tw_exit_per_s[TCPSTATE_TW_EXIT_REUSED] * 10));
	expect_u64("summary_tw_totals", 18 * 100 + 6,
		   r.tw_entered * 100 + r.tw_left);
	expect_u64("summary_no_ports_when_not_sampled", 0, r.has_ports);

	/* A counter that went down (a reset) is no change, never negative. */
	report_summary(&r, &b, &a, 2.0);
	expect_u64("summary_reset_counter_is_no_rate", 0,
		   r.states[TCPSTATE_TIME_WAIT].enter_per_s != 0 ||
		   r.tw_exit_per_s[TCPSTATE_TW_EXIT_EXPIRED] != 0);

	/* One sample: no rates. */
	report_summary(&r, NULL, &b, 0);
	expect_u64("summary_single_sample_has_no_rate", 0,
		   r.rate.valid || r.states[TCPSTATE_TIME_WAIT].enter_per_s != 0);
	memset(&a, 0, sizeof(a));
	b.what |= REPORT_PORTS;
	b.ports.available = 10;
	b.ports.total[TCPSTATE_PORT_CONNECT][1] = 2;
	b.ports.total[TCPSTATE_PORT_BIND][0] = 1;
	report_summary(&r, &a, &b, 0);
	expect_u64("summary_empty_first_sample_has_no_rate", 0, r.rate.valid);
	expect_u64("summary_port_failures_of_all_kinds", 3,
		   r.has_ports ? r.port_failures : 0);
}

static void test_elapsed(void)
{
	struct report_sample a, b;

	sample_stats(&a, 100, 1);
	sample_stats(&b, 103, 1);
	expect_u64("elapsed_is_between_the_samples_ms", 3000,
		   (__u64)lround(report_elapsed_s(&a, &b) * 1000));
	expect_u64("elapsed_without_a_first_sample", 0,
		   (__u64)report_elapsed_s(NULL, &b));
	a.what = 0;
	expect_u64("elapsed_with_an_empty_first_sample", 0,
		   (__u64)report_elapsed_s(&a, &b));
}

static void test_ports(void)
{
	struct tcpstate_conn before[2], after[3];
	struct report_sample a, b;
	struct ports_report r;

	fake_conn(&before[0], 1, AF_INET, "127.0.0.1", 40000, "127.0.0.1",
		  8000, TCPSTATE_TIME_WAIT);
	fake_conn(&before[1], 2, AF_INET, "127.0.0.1", 40001, "127.0.0.1",
		  8000, TCPSTATE_ESTABLISHED);
	fake_conn(&after[0], 2, AF_INET, "127.0.0.1", 40001, "127.0.0.1",
		  8000, TCPSTATE_ESTABLISHED);
	fake_conn(&after[1], 3, AF_INET, "127.0.0.1", 40002, "127.0.0.1",
		  8000, TCPSTATE_ESTABLISHED);
	fake_conn(&after[2], 4, AF_INET, "127.0.0.1", 40003, "127.0.0.1",
		  8000, TCPSTATE_ESTABLISHED);
	sample_stats(&a, 10, 1);
	sample_stats(&b, 12, 1);
	a.what |= REPORT_TABLE;
	a.conns = before;
	a.n_conns = 2;
	b.what |= REPORT_TABLE | REPORT_PORTS;
	b.conns = after;
	b.n_conns = 3;
	b.ports.range_low = 40000;
	b.ports.range_high = 40009;
	b.ports.available = 10;

	if (report_ports(&r, &a, &b, 0, OWNER_BY_CGROUP, 80, 95))
		ksft_exit_fail_msg("report_ports failed\n");
	expect_u64("ports_one_destination", 1, r.n_dests);
	expect_u64("ports_used_and_free", 3 * 100 + 7,
		   r.dests[0].used * 100 + r.dests[0].free);
	expect_u64("ports_new_per_s_over_the_samples_x10", 10,
		   (__u64)lround(r.dests[0].new_per_s * 10));
	expect_u64("ports_tw_exit_per_s_x10", 5,
		   (__u64)lround(r.dests[0].tw_exit_per_s * 10));
	/* 7 free, 1 new/s, 0.5 freed/s: 14 s */
	expect_u64("ports_exhaustion_s", 14,
		   (__u64)lround(r.dests[0].exhaustion_s));
	expect_u64("ports_netns_from_the_stats", 4026531840U, r.netns);
	ports_report_free(&r);

	if (report_ports(&r, NULL, &b, 0, OWNER_BY_CGROUP, 80, 95))
		ksft_exit_fail_msg("report_ports failed\n");
	expect_u64("ports_no_rates_from_one_sample", 1,
		   !r.rates && isnan(r.dests[0].new_per_s));
	ports_report_free(&r);
}

static void test_hooks_missing_read(void)
{
	char path[] = "/tmp/report_test.XXXXXX", buf[64], got[80];
	static const char list[] = "security_sock_graft: owner\n";
	int fd, rc;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, list, strlen(list)) != (ssize_t)strlen(list))
		ksft_exit_fail_msg("cannot write %s\n", path);
	close(fd);
	rc = device_hooks_missing(path, buf, sizeof(buf));
	snprintf(got, sizeof(got), "%d %s", rc, buf);
	expect_str("hooks_missing_read_whole", "0 security_sock_graft: owner\n", got);
	unlink(path);
	strcpy(buf, "stale");
	rc = device_hooks_missing(path, buf, sizeof(buf));
	snprintf(got, sizeof(got), "%d '%s'", rc, buf);
	expect_str("hooks_missing_unreadable_is_an_error_and_empty", "-1 ''", got);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(25);
	test_summary_rates();
	test_elapsed();
	test_ports();
	test_hooks_missing_read();
	ksft_finished();
}
