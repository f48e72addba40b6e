// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's output path and the summary report, on the host;
 * TAP output.  The same report must come out as aligned text and as JSON.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"

#include "../commands.h"
#include "../output.h"
#include "../states.h"

static void expect_str(const char *name, const char *want, const char *seen)
{
	if (!strcmp(want, seen))
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: expected\n%s\nsaw\n%s\n", name, want, seen);
}

/* Expected output, written a piece per line: joined before comparing. */
static char *join(const char *const *parts)
{
	static char buf[4096];

	buf[0] = '\0';
	for (; *parts; parts++)
		strncat(buf, *parts, sizeof(buf) - strlen(buf) - 1);
	return buf;
}

static char *render(bool json, void (*fn)(struct output *o, const void *arg),
		    const void *arg)
{
	struct output o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out_init(&o, f, json);
	fn(&o, arg);
	out_finish(&o);
	fclose(f);
	return buf;
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

static void summary(struct output *o, const void *arg)
{
	summary_print(o, arg);
}

int main(void)
{
	struct tcpstate_stats st;
	char *s;

	ksft_print_header();
	ksft_set_plan(5);

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

	memset(&st, 0, sizeof(st));
	st.entries = 7;
	st.gauge[TCPSTATE_ESTABLISHED] = 2;
	st.gauge[TCPSTATE_TIME_WAIT] = 4;
	st.gauge[TCPSTATE_LISTEN] = 1;
	st.timewait_socks = 4;
	st.tw_exits[TCPSTATE_TW_EXIT_RST] = 9;
	s = render(true, summary, &st);
	{
		static const char *const want[] = {
			"{\"connections\":7,\"states\":{\"established\":2,\"syn_sent\":0,",
			"\"syn_recv\":0,\"fin_wait1\":0,\"fin_wait2\":0,\"time_wait\":4,",
			"\"close_wait\":0,\"last_ack\":0,\"listen\":1,\"closing\":0},",
			"\"timewait_sockets\":4,\"timewait_exits\":{\"expired\":0,",
			"\"reused\":0,\"syn\":0,\"rst\":9,\"other\":0},",
			"\"timewait_overflows\":0,\"dropped\":0,\"probe_misses\":0}\n",
			NULL
		};
		expect_str("summary_json_has_every_state_and_cause", join(want), s);
	}
	free(s);

	ksft_test_result(!strcmp(state_ss_name(TCPSTATE_TIME_WAIT), "TIME-WAIT") &&
			 !strcmp(state_ss_name(TCPSTATE_ESTABLISHED), "ESTAB") &&
			 !state_ss_name(0) && !state_ss_name(TCPSTATE_STATE_MAX),
			 "state_names_match_ss_and_reject_out_of_range\n");
	ksft_test_result(!strcmp(tw_exit_name(TCPSTATE_TW_EXIT_SYN), "syn") &&
			 !tw_exit_name(-1) && !tw_exit_name(TCPSTATE_TW_EXIT_MAX),
			 "exit_causes_named_and_out_of_range_rejected\n");
	ksft_finished();
}
