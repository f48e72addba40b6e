// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `tcpstate list`: filter matching, the order of the rows,
 * the table and the JSON.  TAP output.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "unit.h"

#include "../list.h"

#define NS_MS 1000000ULL
#define NS_S 1000000000ULL
#define NOW (1000 * NS_S)
#define NCONNS 8

static struct tcpstate_conn conns[NCONNS];

static void set(struct tcpstate_conn *c, __u64 cookie, int family,
		const char *src, unsigned int sport, const char *dst,
		unsigned int dport, int state, __u64 in_state_ns)
{
	fake_conn(c, cookie, family, src, sport, dst, dport, state);
	c->began_ns = NOW - 100 * NS_S;
	c->state_since_ns = NOW - in_state_ns;
}

static void make_snapshot(void)
{
	set(&conns[0], 30, AF_INET, "127.0.0.1", 40001, "127.0.0.2", 8080,
	    TCPSTATE_TIME_WAIT, 12300 * NS_MS);
	conns[0].flags = TCPSTATE_F_TIMEWAIT_SOCK;
	conns[0].expires_ns = NOW + 47700 * NS_MS;
	set(&conns[1], 20, AF_INET, "127.0.0.1", 40000, "127.0.0.2", 8080,
	    TCPSTATE_TIME_WAIT, 2 * NS_S);
	conns[1].flags = TCPSTATE_F_TIMEWAIT_SOCK;
	conns[1].expires_ns = NOW + 58 * NS_S;
	conns[1].uid = 1000;
	conns[1].pid = 4242;
	memcpy(conns[1].comm, "curl", 5);
	conns[1].cgroup_id = 0xfffffffff0ULL;	/* no such cgroup here */
	set(&conns[2], 10, AF_INET, "127.0.0.2", 8080, "127.0.0.1", 40002,
	    TCPSTATE_ESTABLISHED, 5 * NS_S);
	set(&conns[3], 5, AF_INET, "0.0.0.0", 8080, "0.0.0.0", 0,
	    TCPSTATE_LISTEN, 725 * NS_S);
	conns[3].flags = TCPSTATE_F_SEEDED;
	conns[3].began_ns = 0;
	set(&conns[4], 11, AF_INET, "127.0.0.1", 40002, "127.0.0.2", 8080,
	    TCPSTATE_ESTABLISHED, 5 * NS_S);
	set(&conns[5], 40, AF_INET6, "::1", 443, "::1", 51000,
	    TCPSTATE_SYN_RECV, 300 * 1000ULL);
	conns[5].flags = TCPSTATE_F_REQUEST_SOCK;
	set(&conns[6], 41, AF_INET6, "2001:db8::5", 39000, "2001:db8:1::9", 443,
	    TCPSTATE_TIME_WAIT, 1 * NS_S);
	conns[6].flags = TCPSTATE_F_TIMEWAIT_SOCK;
	conns[6].uid = TCPSTATE_UID_UNKNOWN;
	set(&conns[7], 12, AF_INET, "10.0.0.1", 50000, "10.9.8.7", 443,
	    TCPSTATE_ESTABLISHED, 0);
	conns[7].state_since_ns = 0;
}

/* The cookies of the rows printed under filter words @words. */
static char *cookies(char **words, int n, int family)
{
	static char buf[256];
	struct conn_filter f;
	char err[128];
	int i;

	filter_init(&f);
	f.family = family;
	if (filter_parse(&f, n, words, err, sizeof(err))) {
		snprintf(buf, sizeof(buf), "error: %s", err);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < NCONNS; i++)
		if (filter_match(&f, &conns[i]))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%s%llu", buf[0] ? " " : "",
				 (unsigned long long)conns[i].cookie);
	return buf;
}

#define WORDS(...) ((char *[]){ __VA_ARGS__ })
#define NWORDS(...) ((int)(sizeof(WORDS(__VA_ARGS__)) / sizeof(char *)))
#define EXPECT_FILTER(name, family, want, ...) \
	expect_str(name, want, cookies(WORDS(__VA_ARGS__), NWORDS(__VA_ARGS__), family))

static void test_filters(void)
{
	EXPECT_FILTER("filter_state_time_wait", 0, "30 20 41", "state", "time-wait");
	EXPECT_FILTER("filter_two_states_are_either", 0, "10 5 11 12",
		      "state", "ESTAB", "state", "listen");
	EXPECT_FILTER("filter_state_and_dport_both_apply", 0, "30 20",
		      "state", "TIME_WAIT", "dport", "8080");
	EXPECT_FILTER("filter_dst_prefix_v4", 0, "30 20 10 11",
		      "dst", "127.0.0.0/24");
	EXPECT_FILTER("filter_dst_prefix_odd_length", 0, "12", "dst", "10.8.0.0/15");
	EXPECT_FILTER("filter_src_v6_prefix", 0, "41", "src", "2001:db8::/32");
	EXPECT_FILTER("filter_src_exact_address", 0, "10", "src", "127.0.0.2");
	EXPECT_FILTER("filter_sport", 0, "10 5", "sport", "8080");
	EXPECT_FILTER("filter_ipv6_only", AF_INET6, "40 41", "state", "all");
	EXPECT_FILTER("filter_ipv4_and_dport_443", AF_INET, "12", "dport", "443");
	EXPECT_FILTER("filter_connected_excludes_listen", 0, "30 20 10 11 40 41 12",
		      "state", "connected");
	EXPECT_FILTER("filter_pid", 0, "20", "pid", "4242");
	EXPECT_FILTER("filter_comm", 0, "20", "comm", "curl");
	EXPECT_FILTER("filter_uid_and_state", 0, "20", "uid", "1000", "state", "time-wait");
	EXPECT_FILTER("filter_uid_0_is_not_unknown", 0, "30 10 5 11 40 12", "uid", "0",
		      "state", "all");
	EXPECT_FILTER("filter_cgroup_id", 0, "20", "cgroup", "1099511627760");
	EXPECT_FILTER("filter_bad_pid", 0, "error: pid 'x': not a number", "pid", "x");
	EXPECT_FILTER("filter_bad_word", 0,
		      "error: filter 'to': unknown (state, src, dst, sport, dport, pid, comm, uid or cgroup)",
		      "to", "x");
}

static char *render(bool json, const struct conn_filter *f)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	list_print(&o, conns, NCONNS, f, NOW);
	out_finish(&o);
	return unit_take(&b);
}

static void test_output(void)
{
	struct conn_filter f;
	char err[128];
	char *s;

	filter_init(&f);
	s = render(false, &f);
	{
		static const char *const want[] = {
			"State      Local Address:Port  Peer Address:Port   In-state Cookie               Uid        Process                Cgroup\n",
			"ESTAB      127.0.0.2:8080      127.0.0.1:40002        5.00s 10                   0          -                      -\n",
			"ESTAB      127.0.0.1:40002     127.0.0.2:8080         5.00s 11                   0          -                      -\n",
			"ESTAB      10.0.0.1:50000      10.9.8.7:443               - 12                   0          -                      -\n",
			"SYN-RECV   [::1]:443           [::1]:51000            300us 40                   0          -                      -\n",
			"TIME-WAIT  [2001:db8::5]:39000 [2001:db8:1::9]:443    1.00s 41                   -          -                      -\n",
			"TIME-WAIT  127.0.0.1:40000     127.0.0.2:8080         2.00s 20                   1000       curl/4242              1099511627760\n",
			"TIME-WAIT  127.0.0.1:40001     127.0.0.2:8080         12.3s 30                   0          -                      -\n",
			"LISTEN     0.0.0.0:8080        0.0.0.0:0             12m05s 5                    0          -                      -\n",
			NULL
		};
		expect_str("list_text_sorted_by_state_port_cookie", join(want), s);
	}
	free(s);

	filter_init(&f);
	if (filter_parse(&f, 2, WORDS("dport", "8080"), err, sizeof(err)))
		ksft_exit_fail_msg("filter_parse: %s\n", err);
	s = render(true, &f);
	{
		static const char *const want[] = {
			"{\"connections\":[",
			"{\"state\":\"ESTAB\",\"local\":\"127.0.0.1:40002\",",
			"\"remote\":\"127.0.0.2:8080\",\"cookie\":11,\"family\":\"ipv4\",",
			"\"began_ns\":900000000000,\"state_since_ns\":995000000000,",
			"\"in_state_ns\":5000000000,\"expires_ns\":0,",
			"\"uid\":0,\"cgroup_id\":0,\"cgroup\":null,\"pid\":0,\"comm\":\"\",",
			"\"flags\":[]},",
			"{\"state\":\"TIME-WAIT\",\"local\":\"127.0.0.1:40000\",",
			"\"remote\":\"127.0.0.2:8080\",\"cookie\":20,\"family\":\"ipv4\",",
			"\"began_ns\":900000000000,\"state_since_ns\":998000000000,",
			"\"in_state_ns\":2000000000,\"expires_ns\":1058000000000,",
			"\"uid\":1000,\"cgroup_id\":1099511627760,\"cgroup\":null,",
			"\"pid\":4242,\"comm\":\"curl\",",
			"\"flags\":[\"timewait_sock\"]},",
			"{\"state\":\"TIME-WAIT\",\"local\":\"127.0.0.1:40001\",",
			"\"remote\":\"127.0.0.2:8080\",\"cookie\":30,\"family\":\"ipv4\",",
			"\"began_ns\":900000000000,\"state_since_ns\":987700000000,",
			"\"in_state_ns\":12300000000,\"expires_ns\":1047700000000,",
			"\"uid\":0,\"cgroup_id\":0,\"cgroup\":null,\"pid\":0,\"comm\":\"\",",
			"\"flags\":[\"timewait_sock\"]}],\"count\":3}\n",
			NULL
		};
		expect_str("list_json_filtered_by_dport", join(want), s);
	}
	free(s);

	filter_init(&f);
	s = render(true, &f);
	expect_jq("list_json_by_jq", s,
		  "[.count, (.connections[] | select(.cookie == 5) | .flags[0]), (.connections[] | select(.cookie == 40) | .flags[0])]",
		  "[8,\"seeded\",\"request_sock\"]");
	free(s);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(18 + 3);
	make_snapshot();
	test_filters();
	test_output();
	ksft_finished();
}
