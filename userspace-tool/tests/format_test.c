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

/* A pseudo-random sequence that is the same at every run. */
static unsigned int lcg(void)
{
	static unsigned int x = 12345;

	x = x * 1103515245 + 12345;
	return x >> 8;
}

/*
 * format_addr() writes what inet_ntop() does: the edge cases of RFC 5952
 * and IPv4-mapped/compatible addresses, then addresses of random groups
 * drawn from 0, 1, 0xffff and any value, so that zero runs of every length
 * and place come up.
 */
static void test_addresses_like_inet_ntop(void)
{
	static const char *const fixed[] = {
		"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "::0.0.1.0",
		"::ffff:0.0.0.0", "0:0:0:0:0:1:1.2.3.4", "1:0:0:2:0:0:0:3",
		"1:0:0:2:0:0:3:4", "1:0:2:0:3:0:4:0", "0:1:0:0:0:0:0:0",
		"2001:db8::ff00:42:8329", "fe80::1ff:fe23:4567:890a",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0:0:1::", "::ffff:0:1",
		"::fffe:1.2.3.4", "::ffff:1:1.2.3.4",
	};
	char want[INET6_ADDRSTRLEN], seen[FORMAT_ADDR_LEN], first[160] = "";
	int i, j, bad = 0, n = 0;
	__u8 a[16];

	for (i = 0; i < (int)ARRAY_SIZE(fixed) + 20000; i++) {
		if (i < (int)ARRAY_SIZE(fixed)) {
			inet_pton(AF_INET6, fixed[i], a);
		} else {
			for (j = 0; j < 8; j++) {
				unsigned int r = lcg(), w;

				w = r % 4 == 0 ? 0 : r % 4 == 1 ? 1 :
				    r % 4 == 2 ? 0xffff : (r >> 4) & 0xffff;
				if ((r >> 20) % 3)
					w = 0;
				a[2 * j] = w >> 8;
				a[2 * j + 1] = w & 0xff;
			}
		}
		inet_ntop(AF_INET6, a, want, sizeof(want));
		format_addr(seen, sizeof(seen), AF_INET6, a);
		n++;
		if (strcmp(want, seen) && !bad++)
			snprintf(first, sizeof(first), "%s as %s", want, seen);
	}
	for (i = 0; i < 20000; i++) {
		unsigned int r = lcg() << 8 ^ lcg();

		memcpy(a, &r, 4);
		inet_ntop(AF_INET, a, want, sizeof(want));
		format_addr(seen, sizeof(seen), AF_INET, a);
		n++;
		if (strcmp(want, seen) && !bad++)
			snprintf(first, sizeof(first), "%s as %s", want, seen);
	}
	if (!bad)
		ksft_test_result_pass("addresses_like_inet_ntop (%d)\n", n);
	else
		ksft_test_result_fail("addresses_like_inet_ntop: %d of %d differ, first %s\n",
				      bad, n, first);

	inet_pton(AF_INET6, "2001:db8::1", a);
	expect_str("address_too_long_for_the_buffer_is_a_question_mark", "?",
		   format_addr(seen, 11, AF_INET6, a));
	expect_str("endpoint_too_long_for_the_buffer_is_cut", "[2001:db8:",
		   format_endpoint(seen, 11, AF_INET6, a, 443));
}

/* Numbers at every power of ten and one off, and random ones, as %llu. */
static void test_u64_like_printf(void)
{
	char want[32], seen[32], first[96] = "";
	unsigned long long p = 1, v;
	int i, d, bad = 0, n = 0;

	for (i = 0; i < 20 + 2000; i++) {
		for (d = -1; d <= 1; d++) {
			v = i < 20 ? p + d : ((unsigned long long)lcg() << 40 ^
					      (unsigned long long)lcg() << 20 ^ lcg()) >>
					     (lcg() % 64);
			snprintf(want, sizeof(want), "%llu", v);
			*format_u64_at(seen, v) = '\0';
			n++;
			if (strcmp(want, seen) && !bad++)
				snprintf(first, sizeof(first), "%s as %s", want, seen);
		}
		if (i < 19)
			p *= 10;
	}
	snprintf(want, sizeof(want), "%llu", ~0ULL);
	*format_u64_at(seen, ~0ULL) = '\0';
	n++;
	if (strcmp(want, seen) && !bad++)
		snprintf(first, sizeof(first), "%s as %s", want, seen);
	if (!bad)
		ksft_test_result_pass("u64_like_printf (%d)\n", n);
	else
		ksft_test_result_fail("u64_like_printf: %d of %d differ, first %s\n",
				      bad, n, first);
}

/* The duration as format_duration() wrote it with printf. */
static void printf_duration(char *buf, size_t len, unsigned long long v)
{
	unsigned long long s = v / NS_S;

	if (v < 1000)
		snprintf(buf, len, "%lluns", v);
	else if (v < NS_MS)
		snprintf(buf, len, "%lluus", v / 1000);
	else if (v < 10 * NS_MS)
		snprintf(buf, len, "%llu.%llums", v / NS_MS, v / (NS_MS / 10) % 10);
	else if (v < NS_S)
		snprintf(buf, len, "%llums", v / NS_MS);
	else if (s < 10)
		snprintf(buf, len, "%llu.%02llus", s, v / (NS_S / 100) % 100);
	else if (s < 100)
		snprintf(buf, len, "%llu.%llus", s, v / (NS_S / 10) % 10);
	else if (s < 100 * 60)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 100 * 3600)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s / 3600 % 24);
}

/* Durations from 0 to the largest, by steps growing by an eighth, and cut. */
static void test_durations_like_printf(void)
{
	char want[32], seen[FORMAT_DURATION_LEN], first[96] = "";
	unsigned long long v;
	int bad = 0, n = 0;

	for (v = 0; ; v += v / 8 + 1 + lcg() % 7) {
		printf_duration(want, sizeof(want), v);
		format_duration(seen, sizeof(seen), v);
		n++;
		if (strcmp(want, seen) && !bad++)
			snprintf(first, sizeof(first), "%llu: %s as %s", v, want, seen);
		if (v > ~0ULL / 2)
			break;
	}
	printf_duration(want, sizeof(want), ~0ULL);
	want[3] = '\0';	/* what snprintf() leaves of it in 4 bytes */
	format_duration(seen, 4, ~0ULL);
	n++;
	if (strcmp(want, seen) && !bad++)
		snprintf(first, sizeof(first), "cut to 4: %s as %s", want, seen);
	if (!bad)
		ksft_test_result_pass("durations_like_printf (%d)\n", n);
	else
		ksft_test_result_fail("durations_like_printf: %d of %d differ, first %s\n",
				      bad, n, first);
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
	ksft_set_plan(ARRAY_SIZE(durations) + 5 + 3 + 1 + 1 + 2 + 8 + 5);
	test_durations();
	test_addresses();
	test_addresses_like_inet_ntop();
	test_durations_like_printf();
	test_u64_like_printf();
	test_clock();
	test_state_names();
	test_rates();
	ksft_finished();
}
