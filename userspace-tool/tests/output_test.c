// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's output path, the summary report and the
 * all-namespaces overview, on the host; TAP output.  The same report must
 * come out as aligned text and as JSON.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "unit.h"

#include "../ports.h"
#include "../states.h"
#include "../summary.h"

#define NS_MS 1000000ULL
#define NS_S 1000000000ULL

static char *render(bool json, void (*fn)(struct output *o, const void *arg),
		    const void *arg)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	fn(&o, arg);
	out_finish(&o);
	return unit_take(&b);
}

static void nested(struct output *o, const void *arg)
{
	(void)arg;
	out_u64(o, "a", "a label", 1);
	out_begin(o, "obj", "an object");
	out_u64(o, "b", "b", 18446744073709551615ULL);
	out_str(o, "s", "s", "quote\" back\\ nl\n");
	out_end(o);
	out_u64(o, "c", "c", 3);
}

static void arrays(struct output *o, const void *arg)
{
	(void)arg;
	out_begin_array(o, "rows", "rows");
	out_begin_item(o, "first");
	out_u64(o, "n", NULL, 1);
	out_double(o, "x", "x", 2.5, 1);
	out_null(o, "none", NULL);
	out_end_item(o);
	out_begin_item(o, "second");
	out_bool(o, "ok", "ok", true);
	out_str(o, "s", "s", "two");
	out_end_item(o);
	out_end_array(o);
	out_begin_array(o, "names", NULL);
	out_str(o, NULL, NULL, "x");
	out_str(o, NULL, NULL, "y");
	out_end_array(o);
	out_null(o, "nothing", "nothing");
	out_double(o, "inf", "inf", 1.0 / 0.0, 1);
}

static void summary(struct output *o, const void *arg)
{
	summary_print(o, arg);
}

static const struct summary_report *ov_reports;

static void overview(struct output *o, const void *arg)
{
	overview_print(o, ov_reports, *(const long *)arg);
}

static void test_output(void)
{
	char *s;

	s = render(true, nested, NULL);
	{
		static const char *const want[] = {
			"{\"a\":1,\"obj\":{\"b\":18446744073709551615,",
			"\"s\":\"quote\\\" back\\\\ nl\\u000a\"},\"c\":3}\n",
			NULL
		};
		expect_str("json_nests_and_escapes", join(want), s);
	}
	free(s);

	s = render(false, nested, NULL);
	{
		static const char *const want[] = {
			"a label                      1\n",
			"an object:\n",
			"  b                            18446744073709551615\n",
			"  s                            quote\" back\\ nl\n\n",
			"c                            3\n",
			NULL
		};
		expect_str("text_indents_objects", join(want), s);
	}
	free(s);

	s = render(true, arrays, NULL);
	{
		static const char *const want[] = {
			"{\"rows\":[{\"n\":1,\"x\":2.5,\"none\":null},",
			"{\"ok\":true,\"s\":\"two\"}],\"names\":[\"x\",\"y\"],",
			"\"nothing\":null,\"inf\":null}\n",
			NULL
		};
		expect_str("json_arrays_of_objects_and_strings", join(want), s);
	}
	free(s);

	s = render(false, arrays, NULL);
	{
		static const char *const want[] = {
			"rows:\n",
			"  first                        2.5\n",
			"  second                       yes two\n",
			"nothing                      -\n",
			"inf                          -\n",
			NULL
		};
		expect_str("text_items_are_one_line_each", join(want), s);
	}
	free(s);
}

/* Every byte but NUL in one string. */
static void all_bytes(struct output *o, const void *arg)
{
	char s[256];
	int i;

	(void)arg;
	for (i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	out_str(o, "s", NULL, s);
}

/* Many short values, then strings longer than the buffer, in an array. */
static void long_json(struct output *o, const void *arg)
{
	static char big[3 * OUTPUT_BUF_LEN];
	int i;

	(void)arg;
	out_begin_array(o, "a", NULL);
	for (i = 0; i < 5000; i++)
		out_u64(o, NULL, NULL, i);
	memset(big, 'x', sizeof(big) - 1);
	out_str(o, NULL, NULL, big);
	big[OUTPUT_BUF_LEN + 1] = '\0';	/* one more than the buffer */
	out_str(o, NULL, NULL, big);
	big[OUTPUT_BUF_LEN - 3] = '\0';	/* with its quotes, the whole buffer */
	out_str(o, NULL, NULL, big);
	out_end_array(o);
}

static int fill_k;

/* A string that leaves the buffer short of the next one by fill_k bytes. */
static void fill_buffer(struct output *o, const void *arg)
{
	static char s[OUTPUT_BUF_LEN];

	(void)arg;
	memset(s, 'y', sizeof(s));
	s[OUTPUT_BUF_LEN - 16 - fill_k] = '\0';
	out_begin_array(o, "a", NULL);
	out_str(o, NULL, NULL, s);
	out_str(o, NULL, NULL, "0123456789");
	out_end_array(o);
}

static void test_json_strings(void)
{
	char *seen, *fills = NULL;
	size_t len;
	char *want, *p, *s;
	int i;

	/* Controls as \u00XX, '"' and '\\' escaped, every other byte as it is. */
	want = malloc(4096);
	p = want + sprintf(want, "{\"s\":\"");
	for (i = 1; i < 256; i++) {
		if (i < 0x20)
			p += sprintf(p, "\\u%04x", i);
		else if (i == '"' || i == '\\')
			p += sprintf(p, "\\%c", i);
		else
			*p++ = (char)i;
	}
	strcpy(p, "\"}\n");
	s = render(true, all_bytes, NULL);
	expect_str("json_escapes_controls_quote_backslash_only", want, s);
	free(s);
	free(want);

	want = malloc(6 * OUTPUT_BUF_LEN + 5000 * 6);
	p = want + sprintf(want, "{\"a\":[");
	for (i = 0; i < 5000; i++)
		p += sprintf(p, "%d,", i);
	*p++ = '"';
	memset(p, 'x', 3 * OUTPUT_BUF_LEN - 1);
	p += 3 * OUTPUT_BUF_LEN - 1;
	p += sprintf(p, "\",\"");
	memset(p, 'x', OUTPUT_BUF_LEN + 1);
	p += OUTPUT_BUF_LEN + 1;
	p += sprintf(p, "\",\"");
	memset(p, 'x', OUTPUT_BUF_LEN - 3);
	p += OUTPUT_BUF_LEN - 3;
	strcpy(p, "\"]}\n");
	s = render(true, long_json, NULL);
	expect_str("json_longer_than_the_buffer_comes_out_whole", want, s);
	free(s);
	free(want);

	/*
	 * The second string meets a buffer with 6 to 53 bytes of room: it
	 * fits, or the buffer is written out first (an overflow here shows
	 * under -fsanitize=address).
	 */
	for (fill_k = 0; fill_k < 48; fill_k++) {
		s = render(true, fill_buffer, NULL);
		len = strlen(s);
		if (len != (size_t)(OUTPUT_BUF_LEN + 8 - fill_k) ||
		    strcmp(s + len - 17, "\",\"0123456789\"]}\n")) {
			fills = s;
			break;
		}
		free(s);
	}
	seen = fills ? fills : "";
	if (!fills)
		ksft_test_result_pass("json_fills_the_buffer_to_every_end\n");
	else
		ksft_test_result_fail("json_fills_the_buffer_to_every_end: %d: %zu B, ending %s\n",
				      fill_k, strlen(seen),
				      seen + (strlen(seen) > 40 ? strlen(seen) - 40 : 0));
	free(fills);
}

/* The line of @text that starts with @start, newline included; "" if none. */
static const char *line_of(const char *text, const char *start)
{
	static char line[256];
	const char *p, *end;

	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, start, strlen(start)))
			continue;
		end = strchr(p, '\n');
		end = end ? end + 1 : p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		return line;
	}
	return "";
}

static void fill_stats(struct tcpstate_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->netns = 4026531840U;
	st->since_ns = 100 * NS_S;
	st->entries = 7;
	st->gauge[TCPSTATE_ESTABLISHED] = 2;
	st->gauge[TCPSTATE_TIME_WAIT] = 4;
	st->gauge[TCPSTATE_LISTEN] = 1;
	st->timewait_socks = 4;
	st->tw_exits[TCPSTATE_TW_EXIT_RST] = 9;
	st->events_lost = 3;
	st->reconcile_added = 2;
	st->reconcile_removed = 1;
	st->reconcile_fixed = 4;
	st->reconcile_passes = 40;
	st->reconcile_last_ns = 822500 * NS_MS;
	st->quota = TCPSTATE_QUOTA_NONE;
}

/* The part of @s from @from up to @to (static), or all of @s. */
static const char *between(const char *s, const char *from, const char *to)
{
	static char buf[4096];
	const char *a = strstr(s, from), *b = a ? strstr(a, to) : NULL;

	if (!a || !b || (size_t)(b - a) >= sizeof(buf))
		return s;
	memcpy(buf, a, b - a);
	buf[b - a] = '\0';
	return buf;
}

static void test_summary(void)
{
	struct summary_report in;
	struct tcpstate_stats st;
	char *s;

	fill_stats(&st);
	summary_report_build(&in, NULL, &st, 0, 825 * NS_S);
	in.hooks_known = true;
	in.interval_s = 1;
	in.rate.valid = true;
	in.rate.enter_per_s = 12.5;
	in.rate.exit_per_s = 3;

	s = render(true, summary, &in);
	{
		static const char *const want[] = {
			"{\"netns\":4026531840,\"counting_since_s\":725,",
			"\"interval_s\":1.000,",
			"\"connections\":7,\"states\":{\"established\":2,\"syn_sent\":0,",
			"\"syn_recv\":0,\"fin_wait1\":0,\"fin_wait2\":0,\"time_wait\":4,",
			"\"close_wait\":0,\"last_ack\":0,\"listen\":1,\"closing\":0},",
			"\"timewait_sockets\":4,",
			"\"timewait_rate\":{\"enter_per_s\":12.5,\"exit_per_s\":3.0},",
			"\"timewait_exits\":{\"expired\":0,",
			"\"reused\":0,\"syn\":0,\"rst\":9,\"other\":0},",
			"\"timewait_overflows\":0,\"dropped\":0,",
			"\"drops\":{\"quota\":0,\"cap\":0,\"nomem\":0,\"user\":0},",
			"\"quota\":null,\"quota_own\":false,\"events_lost\":3,",
			"\"probe_misses\":null,\"misses\":null,\"hooks_missing\":[],",
			"\"reconcile\":{\"added\":2,\"removed\":1,\"fixed\":4,",
			"\"passes\":40,\"last_s_ago\":2.500}}\n",
			NULL
		};
		expect_str("summary_json_unprivileged_has_null_misses",
			   join(want), s);
	}
	free(s);

	s = render(false, summary, &in);
	expect_str("summary_text_unprivileged_says_misses_not_visible",
		   "misses (all namespaces)      not visible (needs CAP_NET_ADMIN)\n",
		   line_of(s, "misses"));
	expect_str("summary_text_has_no_hooks_section_when_all_placed", "",
		   strstr(s, "not hooked") ? "a 'not hooked' section" : "");
	free(s);

	/* A hook the kernel refused: named, with what is lost, text and JSON. */
	snprintf(in.hooks_missing, sizeof(in.hooks_missing), "%s",
		 "security_sock_graft: an accepted connection keeps its listener's process as owner\n"
		 "tcp_timewait_state_process: timewait sockets killed by RST or SYN count as 'other'\n");
	s = render(false, summary, &in);
	expect_str("summary_text_names_each_hook_not_placed_and_what_is_lost",
		   "not hooked on this kernel:\n"
		   "  security_sock_graft          an accepted connection keeps its listener's process as owner\n"
		   "  tcp_timewait_state_process   timewait sockets killed by RST or SYN count as 'other'\n",
		   between(s, "not hooked", "reconcile:"));
	free(s);
	s = render(true, summary, &in);
	expect_str("summary_json_lists_hooks_not_placed",
		   "\"hooks_missing\":[{\"symbol\":\"security_sock_graft\",\"lost\":\"an accepted connection keeps its listener's process as owner\"},{\"symbol\":\"tcp_timewait_state_process\",\"lost\":\"timewait sockets killed by RST or SYN count as 'other'\"}]",
		   between(s, "\"hooks_missing\"", ",\"reconcile\""));
	free(s);
	in.hooks_missing[0] = '\0';

	/* A list that could not be read is unknown, not empty. */
	in.hooks_known = false;
	s = render(true, summary, &in);
	expect_str("summary_json_hooks_missing_unreadable_is_null",
		   "\"hooks_missing\":null",
		   between(s, "\"hooks_missing\"", ",\"reconcile\""));
	free(s);
	s = render(false, summary, &in);
	expect_str("summary_text_hooks_missing_unreadable_says_unknown",
		   "not hooked on this kernel    unknown (cannot read /sys/module/tcpstate/parameters/hooks_missing)\n",
		   line_of(s, "not hooked"));
	free(s);

	st.flags = TCPSTATE_STATS_MODULE_WIDE;
	st.misses[TCPSTATE_MISS_TW_KILL] = 2;
	st.misses[TCPSTATE_MISS_ALLOC] = 1;
	st.probe_misses = 3;
	st.reconcile_last_ns = 0;
	st.all_entries = 5020;
	st.max_entries = 1000000;
	st.all_dropped = 1;
	st.init_net_reserve = 500000;
	st.flags |= TCPSTATE_STATS_OWN_QUOTA;
	st.quota = 30;
	st.drops[TCPSTATE_DROP_QUOTA] = 12;
	st.drops[TCPSTATE_DROP_NOMEM] = 1;
	st.dropped = 13;
	summary_report_build(&in, NULL, &st, 0, 825 * NS_S);
	in.hooks_known = true;
	in.has_ports = true;
	in.ports.range_low = 40000;
	in.ports.range_high = 40009;
	in.ports.available = 10;
	in.ports.total[TCPSTATE_PORT_CONNECT][0] = 1;
	s = render(false, summary, &in);
	{
		static const char *const want[] = {
			"netns                        4026531840\n",
			"counting since               12m05s ago\n",
			"connections                  7\n",
			"states:\n",
			"  ESTAB                        2\n",
			"  SYN-SENT                     0\n",
			"  SYN-RECV                     0\n",
			"  FIN-WAIT-1                   0\n",
			"  FIN-WAIT-2                   0\n",
			"  TIME-WAIT                    4\n",
			"  CLOSE-WAIT                   0\n",
			"  LAST-ACK                     0\n",
			"  LISTEN                       1\n",
			"  CLOSING                      0\n",
			"timewait sockets             4\n",
			"TIME-WAIT per second         -\n",
			"timewait exits:\n",
			"  expired                      0\n",
			"  reused                       0\n",
			"  syn                          0\n",
			"  rst                          9\n",
			"  other                        0\n",
			"timewait overflows           0\n",
			"ports:\n",
			"  local port range             40000-40009, 10 available\n",
			"  failures                     1\n",
			"  headroom per destination     tcpstate ports\n",
			"not mirrored                 13\n",
			"not mirrored, by reason:\n",
			"  quota                        12\n",
			"  cap                          0\n",
			"  nomem                        1\n",
			"  user                         0\n",
			"quota                        30 (its own)\n",
			"events lost                  3\n",
			"misses (all namespaces):\n",
			"  state                        0\n",
			"  tw_enter                     0\n",
			"  tw_kill                      2\n",
			"  tw_segment                   0\n",
			"  req_hash                     0\n",
			"  req_promote                  0\n",
			"  req_free                     0\n",
			"  connect_port                 0\n",
			"  bind_port                    0\n",
			"  alloc                        1\n",
			"  accept                       0\n",
			"  owner                        0\n",
			"  total                        3\n",
			"reconcile:\n",
			"  added                        2\n",
			"  removed                      1\n",
			"  fixed                        4\n",
			"  passes                       40\n",
			"  last pass                    never\n",
			"all namespaces:\n",
			"  connections                  5020\n",
			"  cap (max_entries)            1000000\n",
			"  not mirrored                 1\n",
			"  kept for the initial netns   500000\n",
			"  timewait netns exits         0\n",
			NULL
		};
		expect_str("summary_text_without_rates_with_module_wide", join(want), s);
	}
	free(s);
	expect_jq("summary_json_without_rates_is_valid_with_null_rate",
		  (s = render(true, summary, &in)),
		  "[.timewait_rate, .module_wide.all_entries, .interval_s, .ports.available, .ports.failures, (.ports | has(\"worst\"))]",
		  "[null,5020,0,10,1,false]");
	free(s);
	expect_jq("summary_json_misses_per_hook_with_total_when_module_wide",
		  (s = render(true, summary, &in)),
		  "[.misses.tw_kill, .misses.alloc, .misses.total, .probe_misses, (.misses | length), .reconcile.fixed, .reconcile.last_s_ago]",
		  "[2,1,3,3,13,4,null]");
	free(s);
}

static void test_overview(void)
{
	struct summary_report r[2];
	struct tcpstate_stats st[2];
	long n = 2;
	char *s;

	fill_stats(&st[0]);
	fill_stats(&st[1]);
	st[1].netns = 4026532500U;
	st[1].entries = 320;
	st[1].gauge[TCPSTATE_ESTABLISHED] = 0;
	st[1].gauge[TCPSTATE_TIME_WAIT] = 300;
	st[1].gauge[TCPSTATE_SYN_SENT] = 2;
	st[1].gauge[TCPSTATE_SYN_RECV] = 3;
	st[1].gauge[TCPSTATE_FIN_WAIT2] = 10;
	st[1].gauge[TCPSTATE_LAST_ACK] = 4;
	summary_report_build(&r[0], NULL, &st[0], 0, 825 * NS_S);
	summary_report_build(&r[1], NULL, &st[1], 0, 825 * NS_S);
	ov_reports = r;

	s = render(false, overview, &n);
	{
		static const char *const want[] = {
			"NETNS        CONNS   ESTAB TIME-WAIT LISTEN    SYN FIN-WAIT CLOSE-WAIT  OTHER\n",
			"4026531840       7       2         4      1      0        0          0      0\n",
			"4026532500     320       0       300      1      5       10          0      4\n",
			NULL
		};
		expect_str("overview_text_is_a_row_per_namespace_in_80_columns",
			   join(want), s);
	}
	free(s);
	s = render(true, overview, &n);
	expect_jq("overview_json_namespaces",
		  s, "[.count, .namespaces[1].netns, .namespaces[1].states.time_wait]",
		  "[2,4026532500,300]");
	free(s);
	r[1].stats.reconcile_added = 7;
	s = render(true, overview, &n);
	expect_jq("overview_json_has_the_corrections_per_namespace", s,
		  "[.namespaces[0].reconcile, .namespaces[1].reconcile.added]",
		  "[{\"added\":2,\"removed\":1,\"fixed\":4},7]");
	free(s);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(20 + 3);
	test_output();
	test_json_strings();
	test_summary();
	test_overview();
	ksft_test_result(!strcmp(state_ss_name(TCPSTATE_TIME_WAIT), "TIME-WAIT") &&
			 !strcmp(state_ss_name(TCPSTATE_ESTABLISHED), "ESTAB") &&
			 !strcmp(state_ss_name(TCPSTATE_CLOSE), "CLOSED") &&
			 !state_ss_name(0) && !state_ss_name(TCPSTATE_STATE_MAX),
			 "state_names_match_ss_and_reject_out_of_range\n");
	ksft_test_result(!strcmp(tw_exit_name(TCPSTATE_TW_EXIT_SYN), "syn") &&
			 !tw_exit_name(-1) && !tw_exit_name(TCPSTATE_TW_EXIT_MAX),
			 "exit_causes_named_and_out_of_range_rejected\n");
	ksft_test_result(!strcmp(miss_name(TCPSTATE_MISS_STATE), "state") &&
			 !strcmp(miss_name(TCPSTATE_MISS_ALLOC), "alloc") &&
			 !miss_name(-1) && !miss_name(TCPSTATE_MISS_MAX),
			 "miss_hooks_named_and_out_of_range_rejected\n");
	ksft_finished();
}
