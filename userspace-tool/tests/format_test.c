// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pure helpers: durations, addresses, clock times, state
 * names given on the command line, and TIME-WAIT rates.  TAP output.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "unit.h"

#include "../format.h"
#include "../kernel.h"
#include "../rates.h"
#include "../states.h"

#define NS_MS 1000000ULL
#define NS_S 1000000000ULL

static const struct {
	unsigned long long ns;
	const char *want;
} durations[] = {
	{ 0, "0ns" },
	{ 850, "850ns" },
	{ 412000, "412us" },
	{ 999999, "999us" },
	{ 3200000, "3.2ms" },
	{ 9999999, "9.9ms" },
	{ 10 * NS_MS, "10ms" },
	{ 412 * NS_MS, "412ms" },
	{ 1500 * NS_MS, "1.50s" },
	{ 9999 * NS_MS, "9.99s" },
	{ 60 * NS_S, "60.0s" },
	{ 99 * NS_S + 950 * NS_MS, "99.9s" },
	{ 725 * NS_S, "12m05s" },
	{ (5 * 3600 + 7 * 60 + 59) * NS_S, "5h07m" },
	{ (76 * 3600) * NS_S, "76h00m" },
	{ (4 * 86400 + 4 * 3600) * NS_S, "4d04h" },
};

static void test_durations(void)
{
	char buf[FORMAT_DURATION_LEN], name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(durations); i++) {
		snprintf(name, sizeof(name), "duration_%lluns_is_%s",
			 durations[i].ns, durations[i].want);
		expect_str(name, durations[i].want,
			   format_duration(buf, sizeof(buf), durations[i].ns));
	}
}

static void test_addresses(void)
{
	char buf[FORMAT_ENDPOINT_LEN];
	__u8 a[16] = { 0 };

	inet_pton(AF_INET, "127.0.0.2", a);
	expect_str("ipv4_endpoint_is_addr_colon_port", "127.0.0.2:8080",
		   format_endpoint(buf, sizeof(buf), AF_INET, a, 8080));
	inet_pton(AF_INET6, "2001:db8::1", a);
	expect_str("ipv6_endpoint_is_bracketed", "[2001:db8::1]:443",
		   format_endpoint(buf, sizeof(buf), AF_INET6, a, 443));
	expect_str("ipv6_address_alone_has_no_brackets", "2001:db8::1",
		   format_addr(buf, sizeof(buf), AF_INET6, a));
	expect_str("unknown_family_is_a_question_mark", "?:1",
		   format_endpoint(buf, sizeof(buf), 99, a, 1));
	expect_str("family_names", "ipv4 ipv6 unknown",
		   (snprintf(buf, sizeof(buf), "%s %s %s", family_name(AF_INET),
			     family_name(AF_INET6), family_name(0)), buf));
}

static void test_clock(void)
{
	char buf[FORMAT_CLOCK_LEN];

	setenv("TZ", "UTC", 1);
	tzset();
	/* 2023-11-14 22:13:20.123 UTC */
	expect_str("clock_is_hh_mm_ss_mmm", "22:13:20.123",
		   format_clock(buf, sizeof(buf), 1700000000123456789LL));
	expect_str("clock_before_the_epoch_is_unknown", "??:??:??.???",
		   format_clock(buf, sizeof(buf), -5));
}

static void test_state_names(void)
{
	expect_u64("state_estab_uppercase", BIT(TCPSTATE_ESTABLISHED),
		   state_parse_mask("ESTAB"));
	expect_u64("state_established_full_name", BIT(TCPSTATE_ESTABLISHED),
		   state_parse_mask("established"));
	expect_u64("state_time_wait_any_spelling",
		   BIT(TCPSTATE_TIME_WAIT) * 3,
		   state_parse_mask("TIME-WAIT") + state_parse_mask("time_wait") +
		   state_parse_mask("Time-Wait"));
	expect_u64("state_fin_wait_2_both_spellings", BIT(TCPSTATE_FIN_WAIT2) * 2,
		   state_parse_mask("fin-wait-2") + state_parse_mask("fin_wait2"));
	expect_u64("state_syn_recv", BIT(TCPSTATE_SYN_RECV),
		   state_parse_mask("syn-recv"));
	expect_u64("state_close_and_closed", BIT(TCPSTATE_CLOSE) * 2,
		   state_parse_mask("close") + state_parse_mask("CLOSED"));
	expect_u64("state_group_connected_excludes_listen_and_closed",
		   0xffe & ~(BIT(TCPSTATE_LISTEN) | BIT(TCPSTATE_CLOSE)),
		   state_parse_mask("connected"));
	expect_u64("state_unknown_is_zero", 0, state_parse_mask("bogus"));
}

static void test_rates(void)
{
	static struct tcpstate_stats a, b;
	struct tw_rate r;
	char buf[128];

	a.transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] = 100;
	a.transitions[TCPSTATE_CLOSING][TCPSTATE_TIME_WAIT] = 5;
	a.transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] = 40;
	b = a;
	b.transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] += 900;
	b.transitions[TCPSTATE_CLOSING][TCPSTATE_TIME_WAIT] += 100;
	b.transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] += 250;
	/* Not TIME-WAIT: must not count. */
	b.transitions[TCPSTATE_ESTABLISHED][TCPSTATE_FIN_WAIT1] += 7777;

	expect_u64("tw_entered_sums_the_time_wait_column", 1105,
		   stats_tw_entered(&b));
	expect_u64("tw_left_sums_the_time_wait_row", 290, stats_tw_left(&b));
	tw_rate_compute(&r, &a, &b, 2.0);
	snprintf(buf, sizeof(buf), "%d %.3f %.3f", r.valid, r.enter_per_s,
		 r.exit_per_s);
	expect_str("rate_is_delta_over_elapsed", "1 500.000 125.000", buf);
	tw_rate_compute(&r, &b, &a, 2.0);
	snprintf(buf, sizeof(buf), "%d %.3f %.3f", r.valid, r.enter_per_s,
		 r.exit_per_s);
	expect_str("rate_after_a_reset_is_zero_not_negative", "1 0.000 0.000", buf);
	tw_rate_compute(&r, &a, &b, 0);
	expect_u64("no_rate_without_an_interval", 0, r.valid);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(durations) + 5 + 2 + 8 + 5);
	test_durations();
	test_addresses();
	test_clock();
	test_state_names();
	test_rates();
	ksft_finished();
}
