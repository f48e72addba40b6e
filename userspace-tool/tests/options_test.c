// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's command-line parsing, run on the host; TAP output.
 */
#include <sys/socket.h>

#include <linux/tcpstate.h>

#include "unit.h"

#include "../netns.h"
#include "../options.h"

static char err[256];

static int parse(struct options *o, int argc, char **argv)
{
	err[0] = '\0';
	return options_parse(o, argc, argv, err, sizeof(err));
}

/* Parse "tcpstate ARGS...", leaving the reason of a failure in err. */
#define PARSE(o, ...) \
	parse(o, 1 + (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
	      (char *[]){ "tcpstate", __VA_ARGS__, NULL })

static void expect(int cond, const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cond)
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: %s\n", name, why);
}

/* A usage error with exactly @want as its reason. */
static void expect_error(const char *name, int rc, const char *want)
{
	expect(rc == -1 && !strcmp(err, want), name,
	       "expected rc -1 and \"%s\"; saw rc %d \"%s\"", want, rc, err);
}

static void test_basics(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "version");
	expect(rc == 0 && o.command == CMD_VERSION && !o.json,
	       "version_command_parses",
	       "expected rc 0, CMD_VERSION, no json; saw rc %d cmd %d json %d err '%s'",
	       rc, o.command, o.json, err);
	rc = PARSE(&o, "-j", "ver");
	expect(rc == 0 && o.command == CMD_VERSION && o.json,
	       "json_flag_and_command_prefix",
	       "expected rc 0, CMD_VERSION, json; saw rc %d cmd %d json %d err '%s'",
	       rc, o.command, o.json, err);
	rc = PARSE(&o, "--json", "--device", "/tmp/x", "version");
	expect(rc == 0 && o.json && !strcmp(o.device, "/tmp/x"),
	       "long_options_with_argument",
	       "expected rc 0, json, device /tmp/x; saw rc %d json %d device '%s'",
	       rc, o.json, o.device);
	rc = PARSE(&o, "-j");
	expect(rc == 0 && o.command == CMD_SUMMARY && o.json &&
	       o.interval_s == 1.0 && o.top == 5 && o.count == 0 &&
	       o.family == 0 && !o.netns && !o.all_netns,
	       "summary_is_the_default_command_with_default_values",
	       "expected rc 0, CMD_SUMMARY, interval 1, top 5; saw rc %d cmd %d interval %g top %u",
	       rc, o.command, o.interval_s, o.top);
	rc = PARSE(&o, "w");
	expect(rc == 0 && o.command == CMD_WATCH, "prefix_w_is_watch",
	       "saw rc %d cmd %d '%s'", rc, o.command, err);
	rc = PARSE(&o, "ti");
	expect(rc == 0 && o.command == CMD_TIMEWAIT, "prefix_ti_is_timewait",
	       "saw rc %d cmd %d '%s'", rc, o.command, err);
	rc = PARSE(&o, "l");
	expect(rc == 0 && o.command == CMD_LIST, "prefix_l_is_list",
	       "saw rc %d cmd %d '%s'", rc, o.command, err);
	rc = PARSE(&o, "reset");
	expect(rc == 0 && o.command == CMD_RESET, "reset_command_parses",
	       "saw rc %d cmd %d '%s'", rc, o.command, err);
	rc = PARSE(&o, "--help");
	expect(rc == 0 && o.help, "help_flag", "saw rc %d help %d", rc, o.help);
	rc = PARSE(&o, "list", "-h");
	expect(rc == 0 && o.help, "help_after_the_command",
	       "saw rc %d help %d", rc, o.help);
}

static void test_errors(void)
{
	struct options o;

	expect_error("unknown_short_option_is_an_error", PARSE(&o, "-x"),
		     "unknown option '-x' (try 'tcpstate --help')");
	expect_error("unknown_long_option_is_an_error", PARSE(&o, "--bogus"),
		     "unknown option '--bogus' (try 'tcpstate --help')");
	expect_error("unknown_command_is_an_error", PARSE(&o, "frobnicate"),
		     "unknown command 'frobnicate' (try 'tcpstate --help')");
	expect_error("word_longer_than_a_command_is_an_error", PARSE(&o, "lists"),
		     "unknown command 'lists' (try 'tcpstate --help')");
	expect_error("trailing_argument_is_an_error", PARSE(&o, "version", "extra"),
		     "unexpected argument 'extra'");
	expect_error("missing_option_argument_is_an_error", PARSE(&o, "-D"),
		     "option '-D' needs an argument (try 'tcpstate --help')");
}

static void test_interval(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "-i", "0.5", "summary");
	expect(rc == 0 && o.interval_s == 0.5, "interval_decimal",
	       "expected 0.5; saw rc %d %g '%s'", rc, o.interval_s, err);
	rc = PARSE(&o, "--interval", "0");
	expect(rc == 0 && o.interval_s == 0, "interval_zero_means_no_rates",
	       "expected 0; saw rc %d %g '%s'", rc, o.interval_s, err);
	rc = PARSE(&o, "timewait", "-i", "3");
	expect(rc == 0 && o.interval_s == 3 && o.command == CMD_TIMEWAIT,
	       "interval_after_the_command",
	       "expected 3, timewait; saw rc %d %g cmd %d '%s'", rc,
	       o.interval_s, o.command, err);
	expect_error("interval_garbage_is_an_error", PARSE(&o, "-i", "abc"),
		     "--interval 'abc': not a number of seconds (e.g. 2 or 0.5)");
	expect_error("interval_negative_is_an_error", PARSE(&o, "-i", "-1"),
		     "--interval '-1': not a number of seconds (e.g. 2 or 0.5)");
	expect_error("interval_trailing_junk_is_an_error", PARSE(&o, "-i", "1s"),
		     "--interval '1s': not a number of seconds (e.g. 2 or 0.5)");
	expect_error("interval_two_dots_is_an_error", PARSE(&o, "-i", "1.2.3"),
		     "--interval '1.2.3': not a number of seconds (e.g. 2 or 0.5)");
	expect_error("interval_over_a_day_is_an_error", PARSE(&o, "-i", "86401"),
		     "--interval '86401': longer than a day");
}

static void test_family_count_top(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "-4", "list");
	expect(rc == 0 && o.family == AF_INET && o.filter.family == AF_INET,
	       "ipv4_only", "saw rc %d family %d/%d '%s'", rc, o.family,
	       o.filter.family, err);
	rc = PARSE(&o, "--ipv6", "watch");
	expect(rc == 0 && o.family == AF_INET6, "ipv6_only",
	       "saw rc %d family %d '%s'", rc, o.family, err);
	expect_error("ipv4_and_ipv6_together_is_an_error", PARSE(&o, "-4", "-6"),
		     "-4 and -6: mutually exclusive (give neither for both)");
	expect_error("ipv4_before_and_ipv6_after_command_is_an_error",
		     PARSE(&o, "-4", "watch", "-6"),
		     "-4 and -6: mutually exclusive (give neither for both)");
	rc = PARSE(&o, "-c", "10", "watch");
	expect(rc == 0 && o.count == 10, "count_parses",
	       "saw rc %d count %lu '%s'", rc, o.count, err);
	expect_error("count_zero_is_an_error", PARSE(&o, "-c", "0", "watch"),
		     "--count '0': not a positive integer");
	expect_error("count_garbage_is_an_error", PARSE(&o, "--count", "x1"),
		     "--count 'x1': not a positive integer");
	rc = PARSE(&o, "timewait", "--top", "3");
	expect(rc == 0 && o.top == 3, "top_parses", "saw rc %d top %u '%s'",
	       rc, o.top, err);
	expect_error("top_zero_is_an_error", PARSE(&o, "--top", "0", "timewait"),
		     "--top '0': not an integer from 1 to 100000");
}

static void test_netns(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "-n", "blue", "list");
	expect(rc == 0 && !strcmp(o.netns, "blue"), "netns_name",
	       "saw rc %d '%s'", rc, err);
	rc = PARSE(&o, "--all-netns");
	expect(rc == 0 && o.all_netns && o.command == CMD_SUMMARY,
	       "all_netns_summary", "saw rc %d '%s'", rc, err);
	rc = PARSE(&o, "--all-netns", "watch");
	expect(rc == 0 && o.all_netns && o.command == CMD_WATCH,
	       "all_netns_watch", "saw rc %d '%s'", rc, err);
	expect_error("all_netns_with_list_is_an_error",
		     PARSE(&o, "--all-netns", "list"),
		     "--all-netns: not supported by 'list' (use -n)");
	expect_error("all_netns_with_timewait_is_an_error",
		     PARSE(&o, "--all-netns", "timewait"),
		     "--all-netns: not supported by 'timewait' (use -n)");
	expect_error("all_netns_with_reset_is_an_error",
		     PARSE(&o, "--all-netns", "reset"),
		     "--all-netns: not supported by 'reset' (use -n)");
	rc = PARSE(&o, "-n", "blue", "-j", "a");
	expect(rc == 0 && o.command == CMD_AUDIT && o.json &&
	       !strcmp(o.netns, "blue"), "prefix_a_is_audit_with_netns",
	       "saw rc %d cmd %d '%s'", rc, o.command, err);
	expect_error("all_netns_with_audit_is_an_error",
		     PARSE(&o, "--all-netns", "audit"),
		     "--all-netns: not supported by 'audit' (use -n)");
	expect_error("netns_and_all_netns_is_an_error",
		     PARSE(&o, "-n", "blue", "--all-netns"),
		     "-n and --all-netns: mutually exclusive");
	expect_error("empty_netns_is_an_error", PARSE(&o, "-n", ""),
		     "--netns: empty name");
}

static void test_ports(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "p");
	expect(rc == 0 && o.command == CMD_PORTS && o.top == 10 &&
	       o.warn_pct == 80 && o.crit_pct == 95 && !o.check,
	       "ports_prefix_and_defaults",
	       "saw rc %d cmd %d top %u warn %g crit %g check %d '%s'", rc,
	       o.command, o.top, o.warn_pct, o.crit_pct, o.check, err);
	rc = PARSE(&o, "ports", "--top", "3");
	expect(rc == 0 && o.top == 3, "ports_top_given",
	       "saw rc %d top %u '%s'", rc, o.top, err);
	rc = PARSE(&o, "--check", "ports", "--warn", "50", "--crit", "92.5");
	expect(rc == 0 && o.check && o.warn_pct == 50 && o.crit_pct == 92.5,
	       "ports_check_warn_crit",
	       "saw rc %d check %d warn %g crit %g '%s'", rc, o.check,
	       o.warn_pct, o.crit_pct, err);
	rc = PARSE(&o, "ports", "--warn", "0", "--crit", "0");
	expect(rc == 0 && o.warn_pct == 0 && o.crit_pct == 0,
	       "ports_zero_thresholds", "saw rc %d '%s'", rc, err);
	expect_error("warn_over_100_is_an_error",
		     PARSE(&o, "ports", "--warn", "101"),
		     "--warn '101': not a percentage from 0 to 100");
	expect_error("crit_garbage_is_an_error",
		     PARSE(&o, "ports", "--crit", "9x"),
		     "--crit '9x': not a percentage from 0 to 100");
	expect_error("crit_below_warn_is_an_error",
		     PARSE(&o, "ports", "--crit", "50"),
		     "--crit 50 is below --warn 80 (critical must not come first)");
	expect_error("check_only_for_ports", PARSE(&o, "--check", "summary"),
		     "--check: only for 'ports'");
	expect(o.check, "check_is_known_on_misuse", "o.check is false");
	expect_error("warn_only_for_ports", PARSE(&o, "--warn", "5", "list"),
		     "--warn: only for 'ports'");
	expect_error("all_netns_with_ports_is_an_error",
		     PARSE(&o, "--all-netns", "ports"),
		     "--all-netns: not supported by 'ports' (use -n)");
	rc = PARSE(&o, "-x", "ports", "--che");
	expect(rc == -1 && o.check, "check_prefix_known_before_an_earlier_error",
	       "saw rc %d check %d", rc, o.check);
	rc = PARSE(&o, "-x", "ports");
	expect(rc == -1 && !o.check, "no_check_no_check",
	       "saw rc %d check %d", rc, o.check);
}

static void test_netns_path(void)
{
	char buf[64], big[100];

	expect_str("netns_name_is_under_run_netns", "/run/netns/blue",
		   netns_path(buf, sizeof(buf), "blue"));
	expect_str("netns_digits_are_a_pid", "/proc/1234/ns/net",
		   netns_path(buf, sizeof(buf), "1234"));
	expect_str("netns_with_a_slash_is_a_path", "/var/run/netns/red",
		   netns_path(buf, sizeof(buf), "/var/run/netns/red"));
	expect_str("netns_relative_path", "./ns", netns_path(buf, sizeof(buf), "./ns"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect(!netns_path(buf, sizeof(buf), big), "netns_too_long_is_refused",
	       "expected NULL for a %zu-character name", strlen(big));
}

static void test_filters(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "list", "state", "time-wait", "state", "ESTAB",
		   "dst", "127.0.0.0/8", "dport", "8080", "sport", "40000",
		   "src", "::1");
	expect(rc == 0 && o.filter.states == ((1U << TCPSTATE_TIME_WAIT) |
					      (1U << TCPSTATE_ESTABLISHED)) &&
	       o.filter.dst.family == AF_INET && o.filter.dst.len == 8 &&
	       o.filter.dport == 8080 && o.filter.sport == 40000 &&
	       o.filter.src.family == AF_INET6 && o.filter.src.len == 128,
	       "list_filters_parse",
	       "saw rc %d states %#x dst %d/%u dport %d sport %d '%s'", rc,
	       o.filter.states, o.filter.dst.family, o.filter.dst.len,
	       o.filter.dport, o.filter.sport, err);
	rc = PARSE(&o, "list");
	expect(rc == 0 && !o.filter.states && o.filter.sport == -1 &&
	       o.filter.dport == -1 && !o.filter.src.family,
	       "list_without_filters_matches_all", "saw rc %d '%s'", rc, err);
	expect_error("unknown_filter_word_is_an_error",
		     PARSE(&o, "list", "port", "80"),
		     "filter 'port': unknown (state, src, dst, sport, dport, pid, comm, uid or cgroup)");
	expect_error("unknown_state_is_an_error",
		     PARSE(&o, "list", "state", "sleepy"),
		     "state 'sleepy': unknown state name");
	expect_error("filter_without_value_is_an_error",
		     PARSE(&o, "list", "dport"), "filter 'dport': needs a value");
	expect_error("bad_port_is_an_error", PARSE(&o, "list", "sport", "65536"),
		     "sport '65536': not a port (0-65535)");
	expect_error("bad_prefix_is_an_error",
		     PARSE(&o, "list", "dst", "10.0.0.0/33"),
		     "dst '10.0.0.0/33': not an address[/prefix length]");
	expect_error("bad_address_is_an_error", PARSE(&o, "list", "src", "1.2.3"),
		     "src '1.2.3': not an address[/prefix length]");
	expect_error("filters_only_for_list",
		     PARSE(&o, "timewait", "dport", "80"),
		     "unexpected argument 'dport'");
}

static void test_top(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "-n", "web", "-i", "0.5", "top", "-c", "3");
	expect(rc == 0 && o.command == CMD_TOP && o.interval_s == 0.5 &&
	       o.count == 3 && o.top == DEFAULT_PORTS_TOP,
	       "top_parses_with_interval_count_and_ten_destinations",
	       "saw rc %d cmd %d interval %g count %lu top %u err '%s'", rc,
	       o.command, o.interval_s, o.count, o.top, err);
	expect_error("top_interval_0_is_an_error", PARSE(&o, "-i", "0", "top"),
		     "--interval 0: top refreshes at most every 0.1 s");
	expect_error("top_json_is_an_error", PARSE(&o, "-j", "top"),
		     "--json: not supported by 'top' (use summary -j or ports -j)");
	expect_error("top_all_netns_is_an_error", PARSE(&o, "--all-netns", "top"),
		     "--all-netns: not supported by 'top' (use -n)");
}

static void test_by(void)
{
	static char *const words[] = { "cgroup", "comm", "pid", "uid" };
	static const enum owner_by keys[] = {
		OWNER_BY_CGROUP, OWNER_BY_COMM, OWNER_BY_PID, OWNER_BY_UID,
	};
	struct options o;
	char name[64];
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		rc = PARSE(&o, "timewait", "--by", words[i]);
		snprintf(name, sizeof(name), "timewait_by_%s", words[i]);
		expect(rc == 0 && o.command == CMD_TIMEWAIT && o.by == keys[i],
		       name, "saw rc %d cmd %d by %d err '%s'", rc, o.command,
		       o.by, err);
	}
	rc = PARSE(&o, "timewait");
	expect(rc == 0 && o.by == OWNER_BY_CGROUP, "by_cgroup_is_the_default",
	       "saw rc %d by %d err '%s'", rc, o.by, err);
	rc = PARSE(&o, "--by=uid", "ports", "--top", "3");
	expect(rc == 0 && o.command == CMD_PORTS && o.by == OWNER_BY_UID &&
	       o.top == 3, "by_before_the_command_for_ports",
	       "saw rc %d cmd %d by %d top %u err '%s'", rc, o.command, o.by,
	       o.top, err);
	rc = PARSE(&o, "top", "--by", "comm");
	expect(rc == 0 && o.command == CMD_TOP && o.by == OWNER_BY_COMM,
	       "by_for_top", "saw rc %d cmd %d by %d err '%s'", rc, o.command,
	       o.by, err);
	expect_error("by_unknown_key_is_an_error",
		     PARSE(&o, "timewait", "--by", "foo"),
		     "--by 'foo': not an owner key (comm, pid, uid or cgroup)");
	expect_error("by_is_case_sensitive",
		     PARSE(&o, "ports", "--by", "PID"),
		     "--by 'PID': not an owner key (comm, pid, uid or cgroup)");
	expect_error("by_empty_is_an_error", PARSE(&o, "ports", "--by", ""),
		     "--by '': not an owner key (comm, pid, uid or cgroup)");
	expect_error("by_without_its_argument_is_an_error",
		     PARSE(&o, "timewait", "--by"),
		     "option '--by' needs an argument (try 'tcpstate --help')");
	expect_error("by_not_for_list", PARSE(&o, "list", "--by", "comm"),
		     "--by: only for 'timewait', 'ports' and 'top'");
	expect_error("by_not_for_summary", PARSE(&o, "--by", "uid"),
		     "--by: only for 'timewait', 'ports' and 'top'");
	expect_error("by_not_for_exporter",
		     PARSE(&o, "exporter", "--by", "cgroup"),
		     "--by: only for 'timewait', 'ports' and 'top'");
}

static void test_exporter(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "exporter");
	expect(rc == 0 && o.command == CMD_EXPORTER && o.listen &&
	       !strcmp(o.listen, "127.0.0.1:9464") && !o.textfile &&
	       o.top == DEFAULT_EXPORTER_TOP &&
	       o.interval_s == DEFAULT_EXPORTER_INTERVAL_S,
	       "exporter_defaults_listen_9464_top_20_interval_15",
	       "saw rc %d cmd %d listen %s top %u interval %g err '%s'", rc,
	       o.command, o.listen ? o.listen : "(null)", o.top, o.interval_s,
	       err);
	rc = PARSE(&o, "--all-netns", "-i", "2", "exporter", "--textfile",
		   "/tmp/t", "--top", "3");
	expect(rc == 0 && o.all_netns && !o.listen && o.textfile &&
	       !strcmp(o.textfile, "/tmp/t") && o.top == 3 && o.interval_s == 2,
	       "exporter_textfile_alone_serves_no_http",
	       "saw rc %d listen %s textfile %s top %u interval %g err '%s'",
	       rc, o.listen ? o.listen : "(null)",
	       o.textfile ? o.textfile : "(null)", o.top, o.interval_s, err);
	rc = PARSE(&o, "exporter", "--textfile", "/tmp/t", "--listen", "[::1]:80");
	expect(rc == 0 && o.listen && !strcmp(o.listen, "[::1]:80"),
	       "exporter_textfile_and_listen", "saw rc %d err '%s'", rc, err);
	expect_error("exporter_bad_listen_is_an_error",
		     PARSE(&o, "exporter", "--listen", "9464"),
		     "--listen '9464': expected ADDR:PORT (e.g. 127.0.0.1:9464)");
	expect_error("listen_only_for_exporter",
		     PARSE(&o, "--listen", ":80", "summary"),
		     "--listen: only for 'exporter'");
	expect_error("textfile_only_for_exporter",
		     PARSE(&o, "ports", "--textfile", "/tmp"),
		     "--textfile: only for 'exporter'");
	expect_error("textfile_interval_0_is_an_error",
		     PARSE(&o, "-i", "0", "exporter", "--textfile", "/tmp"),
		     "--textfile: --interval must be above 0 (or -c 1: write once)");
	rc = PARSE(&o, "-i", "0", "-c", "1", "exporter", "--textfile", "/tmp");
	expect(rc == 0, "textfile_once_with_c_1", "saw rc %d err '%s'", rc, err);
}

static void test_quota(void)
{
	struct options o;
	int rc;

	rc = PARSE(&o, "-n", "blue", "quota");
	expect(rc == 0 && o.command == CMD_QUOTA && o.quota_action == QUOTA_SHOW,
	       "quota_alone_shows", "saw rc %d cmd %d action %d err '%s'", rc,
	       o.command, o.quota_action, err);
	rc = PARSE(&o, "quota", "30");
	expect(rc == 0 && o.quota_action == QUOTA_SET && o.quota_value == 30,
	       "quota_30_sets_30", "saw rc %d action %d value %llu err '%s'",
	       rc, o.quota_action, o.quota_value, err);
	rc = PARSE(&o, "quota", "0");
	expect(rc == 0 && o.quota_action == QUOTA_SET && o.quota_value == 0,
	       "quota_0_sets_0", "saw rc %d action %d value %llu err '%s'",
	       rc, o.quota_action, o.quota_value, err);
	rc = PARSE(&o, "quota", "none");
	expect(rc == 0 && o.quota_action == QUOTA_SET &&
	       o.quota_value == TCPSTATE_QUOTA_NONE, "quota_none_sets_no_limit",
	       "saw rc %d action %d value %llu err '%s'", rc, o.quota_action,
	       o.quota_value, err);
	rc = PARSE(&o, "-j", "quota", "default");
	expect(rc == 0 && o.json && o.quota_action == QUOTA_DEFAULT,
	       "quota_default_returns_to_the_default",
	       "saw rc %d action %d err '%s'", rc, o.quota_action, err);
	expect_error("quota_not_a_number_is_an_error", PARSE(&o, "quota", "5x"),
		     "quota '5x': not a number of entries, 'none' or 'default'");
	expect_error("quota_two_arguments_is_an_error",
		     PARSE(&o, "quota", "5", "6"), "unexpected argument '6'");
	expect_error("quota_all_netns_is_an_error",
		     PARSE(&o, "--all-netns", "quota"),
		     "--all-netns: not supported by 'quota' (use -n)");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(10 + 6 + 8 + 9 + 10 + 13 + 5 + 9 + 4 + 14 + 8 + 8);
	test_basics();
	test_errors();
	test_interval();
	test_family_count_top();
	test_netns();
	test_ports();
	test_netns_path();
	test_filters();
	test_top();
	test_by();
	test_exporter();
	test_quota();
	ksft_finished();
}
