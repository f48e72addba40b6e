// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the TIME-WAIT report on a fake snapshot: 300 connections
 * to 127.0.0.2:8080 and 20 to 10.0.0.9:443 in TIME-WAIT at known ages, 5
 * IPv6 ones without a timer, FIN-WAIT-2 timewait sockets and established
 * connections around them.  TAP output.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "unit.h"

#include "../timewait.h"

#define NS_MS 1000000ULL
#define NS_S 1000000000ULL
#define NOW (1000 * NS_S)
#define NCONNS 400

static struct tcpstate_conn conns[NCONNS];
static struct tcpstate_stats first, second;
static long nconns;

static struct tcpstate_conn *add(int family, const char *src, unsigned int sport,
				 const char *dst, unsigned int dport, int state,
				 __u64 age_ns)
{
	struct tcpstate_conn *c = &conns[nconns++];

	fake_conn(c, nconns, family, src, sport, dst, dport, state);
	c->state_since_ns = NOW - age_ns;
	return c;
}

/* A TIME-WAIT entry @age_ns old whose 60 s timer started as it entered. */
static void add_tw(const char *src, unsigned int sport, const char *dst,
		   unsigned int dport, __u64 age_ns)
{
	struct tcpstate_conn *c = add(AF_INET, src, sport, dst, dport,
				      TCPSTATE_TIME_WAIT, age_ns);

	c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	c->expires_ns = c->state_since_ns + 60 * NS_S;
}

static void make_snapshot(void)
{
	static const __u64 ages[] = {
		500 * NS_MS, 3 * NS_S, 10 * NS_S, 20 * NS_S, 40 * NS_S,
		50 * NS_S, 61 * NS_S,
	};
	/* How many of the 300 get each age: 100 + 50 + 50 + 30 * 3 + 10. */
	static const int upto[] = { 100, 150, 200, 230, 260, 290, 300 };
	struct tcpstate_conn *c;
	int i, b = 0;

	for (i = 0; i < 300; i++) {
		while (i >= upto[b])
			b++;
		add_tw("127.0.0.1", 40000 + i, "127.0.0.2", 8080, ages[b]);
	}
	for (i = 0; i < 20; i++)
		add_tw("10.0.0.1", 50000 + i, "10.0.0.9", 443, 500 * NS_MS);
	for (i = 0; i < 5; i++) {
		c = add(AF_INET6, "::1", 40000 + i, "::1", 80,
			TCPSTATE_TIME_WAIT, 100 * NS_S);
		c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	}
	for (i = 0; i < 3; i++) {
		c = add(AF_INET, "127.0.0.1", 41000 + i, "127.0.0.2", 8080,
			TCPSTATE_FIN_WAIT2, NS_S);
		c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	}
	add(AF_INET, "127.0.0.1", 42000, "127.0.0.2", 8080, TCPSTATE_FIN_WAIT2,
	    NS_S);
	for (i = 0; i < 10; i++)
		add(AF_INET, "127.0.0.2", 8080, "127.0.0.1", 43000 + i,
		    TCPSTATE_ESTABLISHED, 5 * NS_S);

	first.netns = 4026531840U;
	first.transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] = 1000;
	first.transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] = 700;
	second = first;
	second.transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] += 600;
	second.transitions[TCPSTATE_CLOSING][TCPSTATE_TIME_WAIT] += 40;
	second.transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] += 200;
	second.tw_exits[TCPSTATE_TW_EXIT_EXPIRED] = 5000;
	second.tw_exits[TCPSTATE_TW_EXIT_REUSED] = 2;
	second.tw_exits[TCPSTATE_TW_EXIT_SYN] = 1;
	second.tw_exits[TCPSTATE_TW_EXIT_RST] = 3;
	second.tw_exits[TCPSTATE_TW_EXIT_OTHER] = 4;
}

static char *render(const struct tw_report *r, bool json)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	tw_report_print(&o, r);
	out_finish(&o);
	return unit_take(&b);
}

static void test_both_families(void)
{
	struct tw_report r;
	char *s;

	if (tw_report_build(&r, conns, nconns, 0, 5, OWNER_BY_CGROUP, NOW,
			    &first, &second, 2.0))
		ksft_exit_fail_msg("tw_report_build failed\n");
	expect_u64("timewait_counts_every_family", 325, r.timewait);
	expect_u64("fin_wait2_counts_only_timewait_sockets", 3, r.fin_wait2);
	expect_u64("top_remote_first_is_the_300", 300,
		   r.n_remote ? r.remote[0].count : 0);
	expect_u64("top_local_port_40000_held_twice", 2,
		   r.n_ports && r.ports[0].port == 40000 ? r.ports[0].count : 0);
	s = render(&r, true);
	{
		static const char *const want[] = {
			"{\"netns\":4026531840,\"timewait\":325,\"fin_wait2_timewait\":3,",
			"\"rate\":{\"enter_per_s\":320.0,\"exit_per_s\":100.0},",
			"\"age_histogram\":[",
			"{\"from_s\":0,\"to_s\":1,\"count\":120},",
			"{\"from_s\":1,\"to_s\":5,\"count\":50},",
			"{\"from_s\":5,\"to_s\":15,\"count\":50},",
			"{\"from_s\":15,\"to_s\":30,\"count\":30},",
			"{\"from_s\":30,\"to_s\":45,\"count\":30},",
			"{\"from_s\":45,\"to_s\":60,\"count\":30},",
			"{\"from_s\":60,\"to_s\":null,\"count\":15}],",
			"\"time_left_s\":{\"min\":0.0,\"median\":57.0,\"max\":59.5},",
			"\"top_remote\":[",
			"{\"address\":\"127.0.0.2\",\"port\":8080,\"count\":300},",
			"{\"address\":\"10.0.0.9\",\"port\":443,\"count\":20},",
			"{\"address\":\"::1\",\"port\":80,\"count\":5}],",
			"\"owners_by\":\"cgroup\",\"top_owners\":[{\"name\":\"-\",",
			"\"cgroup_id\":0,\"cgroup\":null,\"unit\":null,\"count\":325}],",
			"\"owner_count\":1,",
			"\"top_local_ports\":[{\"port\":40000,\"count\":2},",
			"{\"port\":40001,\"count\":2},{\"port\":40002,\"count\":2},",
			"{\"port\":40003,\"count\":2},{\"port\":40004,\"count\":2}],",
			"\"exits\":{\"expired\":5000,\"reused\":2,\"syn\":1,\"rst\":3,",
			"\"netns\":0,\"other\":4}}\n",
			NULL
		};
		expect_str("timewait_json_exact", join(want), s);
	}
	expect_jq("timewait_json_top_remote_by_jq", s,
		  "[.top_remote[0].address, .top_remote[0].port, .top_remote[0].count, .top_remote[1].count]",
		  "[\"127.0.0.2\",8080,300,20]");
	expect_jq("timewait_json_histogram_by_jq", s,
		  "[.age_histogram[].count] | add", "325");
	free(s);
	tw_report_free(&r);
}

static void test_ipv4_top3(void)
{
	struct tw_report r;
	char *s;

	if (tw_report_build(&r, conns, nconns, AF_INET, 3, OWNER_BY_CGROUP, NOW,
			    &first, &second, 2.0))
		ksft_exit_fail_msg("tw_report_build failed\n");
	s = render(&r, false);
	{
		static const char *const want[] = {
			"netns                        4026531840\n",
			"TIME-WAIT                    320\n",
			"FIN-WAIT-2 in timewait socks 3\n",
			"per second:\n",
			"  entering                     320.0\n",
			"  leaving                      100.0\n",
			"age in TIME-WAIT:\n",
			"  0-1s                         120\n",
			"  1-5s                         50\n",
			"  5-15s                        50\n",
			"  15-30s                       30\n",
			"  30-45s                       30\n",
			"  45-60s                       30\n",
			"  60s+                         10\n",
			"time left (s):\n",
			"  min                          0.0\n",
			"  median                       57.0\n",
			"  max                          59.5\n",
			"top remote endpoints:\n",
			"  127.0.0.2:8080               300\n",
			"  10.0.0.9:443                 20\n",
			"top owners by cgroup:\n",
			"  -                            320\n",
			"top local ports:\n",
			"  40000                        1\n",
			"  40001                        1\n",
			"  40002                        1\n",
			"exits since counting began:\n",
			"  expired                      5000\n",
			"  reused                       2\n",
			"  syn                          1\n",
			"  rst                          3\n",
			"  netns                        0\n",
			"  other                        4\n",
			NULL
		};
		expect_str("timewait_text_ipv4_only_top3", join(want), s);
	}
	free(s);
	tw_report_free(&r);
}

static void test_empty(void)
{
	struct tw_report r;
	char *s;

	if (tw_report_build(&r, conns, 0, 0, 5, OWNER_BY_CGROUP, NOW, &first,
			    &first, 0))
		ksft_exit_fail_msg("tw_report_build failed\n");
	s = render(&r, true);
	{
		static const char *const want[] = {
			"{\"netns\":4026531840,\"timewait\":0,\"fin_wait2_timewait\":0,",
			"\"rate\":null,\"age_histogram\":[",
			"{\"from_s\":0,\"to_s\":1,\"count\":0},",
			"{\"from_s\":1,\"to_s\":5,\"count\":0},",
			"{\"from_s\":5,\"to_s\":15,\"count\":0},",
			"{\"from_s\":15,\"to_s\":30,\"count\":0},",
			"{\"from_s\":30,\"to_s\":45,\"count\":0},",
			"{\"from_s\":45,\"to_s\":60,\"count\":0},",
			"{\"from_s\":60,\"to_s\":null,\"count\":0}],",
			"\"top_remote\":[],\"owners_by\":\"cgroup\",\"top_owners\":[],",
			"\"owner_count\":0,\"top_local_ports\":[],",
			"\"exits\":{\"expired\":0,\"reused\":0,\"syn\":0,\"rst\":0,",
			"\"netns\":0,\"other\":0}}\n",
			NULL
		};
		expect_str("timewait_json_empty_table_no_rate_no_time_left",
			   join(want), s);
	}
	free(s);
	tw_report_free(&r);
}

/*
 * Time left: the median of an even count is the mean of the middle two,
 * whatever the order of the entries; min and max are exact.
 */
static void test_time_left_even(void)
{
	static const unsigned int left_s[] = { 40, 10, 35, 20, 5, 50 };
	struct tcpstate_conn c[6];
	struct tw_report r;
	char got[96];
	unsigned int i;

	for (i = 0; i < 6; i++) {
		fake_conn(&c[i], i + 1, AF_INET, "127.0.0.1", 40000 + i,
			  "127.0.0.2", 80, TCPSTATE_TIME_WAIT);
		c[i].state_since_ns = NOW - NS_S;
		c[i].expires_ns = NOW + left_s[i] * NS_S;
	}
	if (tw_report_build(&r, c, 6, 0, 5, OWNER_BY_CGROUP, NOW, &first,
			    &first, 0))
		ksft_exit_fail_msg("tw_report_build failed\n");
	/* sorted: 5 10 20 35 40 50, so (20 + 35) / 2 */
	snprintf(got, sizeof(got), "min %.1f median %.1f max %.1f of %llu",
		 r.left_min_s, r.left_median_s, r.left_max_s,
		 (unsigned long long)r.with_timer);
	expect_str("timewait_time_left_median_of_even_count_min_max",
		   "min 5.0 median 27.5 max 50.0 of 6", got);
	tw_report_free(&r);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(10);
	make_snapshot();
	test_both_families();
	test_ipv4_top3();
	test_empty();
	test_time_left_even();
	ksft_finished();
}
