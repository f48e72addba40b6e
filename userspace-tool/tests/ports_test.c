// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the ports report on fake snapshots: which connections count
 * against a destination's port space (client side, inside the range, not
 * on a listening port; distinct local ports), the rates between two
 * samples and the time to exhaustion, tcp_tw_reuse, the check's status and
 * message, and the text and JSON output.  TAP output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <sys/socket.h>
#include <time.h>

#include "unit.h"

#include "../ports.h"

#define NS_S 1000000000ULL
/* Boot time 5000 s is wall clock 2023-11-14 22:13:20 UTC. */
#define BOOT_NS (5000 * NS_S)
#define OFFSET_NS (1700000000LL * (long long)NS_S - (long long)BOOT_NS)
#define NCONNS 64

struct sample {
	struct tcpstate_conn c[NCONNS];
	long n;
};

static struct sample first, second;

static void add(struct sample *s, __u64 cookie, int family, const char *src,
		unsigned int sport, const char *dst, unsigned int dport,
		int state)
{
	struct tcpstate_conn *c = &s->c[s->n++];

	fake_conn(c, cookie, family, src, sport, dst, dport, state);
	if (state == TCPSTATE_TIME_WAIT)
		c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
}

/* Both samples: add to the first and the second. */
static void add2(__u64 cookie, int family, const char *src, unsigned int sport,
		 const char *dst, unsigned int dport, int state)
{
	add(&first, cookie, family, src, sport, dst, dport, state);
	add(&second, cookie, family, src, sport, dst, dport, state);
}

/*
 * Range 40000-40019.  Second sample, what counts:
 *   127.0.0.1 -> 127.0.0.1:8000: TIME-WAIT on 40000-40003, ESTAB on 40004
 *	and FIN-WAIT-2 on 40006 (both new), SYN-SENT on 40000 again (new):
 *	6 ports
 *   10.0.0.1 -> 10.0.0.9:443: 40000 and 40001 (ESTAB, CLOSE-WAIT): 2 ports
 *   127.0.0.2 -> 127.0.0.1:8000: LAST-ACK on 40010: 1 port
 *   ::1 -> [::1]:80: TIME-WAIT on 40012, CLOSING on 40013, FIN-WAIT-1 on
 *	40014: 3 ports
 * and what does not: listeners, the server side of accepted connections
 * (on 8000, and on 40005 which a listener holds inside the range),
 * SYN-RECV, CLOSED, local ports 39999 and 40020.
 * First sample, gone in the second: to 127.0.0.1:8000 TIME-WAIT on 40008
 * and 40009; to 10.0.0.9:443 an ESTAB on 40002; to 192.0.2.1:25 a
 * TIME-WAIT (nothing of that destination left).
 */
static void make_samples(void)
{
	int i;

	add2(1000, AF_INET, "127.0.0.1", 8000, "0.0.0.0", 0, TCPSTATE_LISTEN);
	add2(1001, AF_INET, "0.0.0.0", 40005, "0.0.0.0", 0, TCPSTATE_LISTEN);
	for (i = 0; i < 4; i++) {
		add2(1 + i, AF_INET, "127.0.0.1", 40000 + i, "127.0.0.1", 8000,
		     TCPSTATE_TIME_WAIT);
		add2(10 + i, AF_INET, "127.0.0.1", 8000, "127.0.0.1", 40000 + i,
		     TCPSTATE_CLOSE);
	}
	add(&second, 5, AF_INET, "127.0.0.1", 40004, "127.0.0.1", 8000,
	    TCPSTATE_ESTABLISHED);
	add(&second, 15, AF_INET, "127.0.0.1", 8000, "127.0.0.1", 40004,
	    TCPSTATE_ESTABLISHED);
	add(&second, 6, AF_INET, "127.0.0.1", 40006, "127.0.0.1", 8000,
	    TCPSTATE_FIN_WAIT2);
	add(&second, 7, AF_INET, "127.0.0.1", 40000, "127.0.0.1", 8000,
	    TCPSTATE_SYN_SENT);
	add(&first, 8, AF_INET, "127.0.0.1", 40008, "127.0.0.1", 8000,
	    TCPSTATE_TIME_WAIT);
	add(&first, 9, AF_INET, "127.0.0.1", 40009, "127.0.0.1", 8000,
	    TCPSTATE_TIME_WAIT);
	add2(20, AF_INET, "10.0.0.1", 40000, "10.0.0.9", 443,
	     TCPSTATE_ESTABLISHED);
	add2(21, AF_INET, "10.0.0.1", 40001, "10.0.0.9", 443,
	     TCPSTATE_CLOSE_WAIT);
	add(&first, 22, AF_INET, "10.0.0.1", 40002, "10.0.0.9", 443,
	    TCPSTATE_ESTABLISHED);
	add(&first, 23, AF_INET, "10.0.0.1", 40003, "192.0.2.1", 25,
	    TCPSTATE_TIME_WAIT);
	add2(30, AF_INET, "127.0.0.2", 40010, "127.0.0.1", 8000,
	     TCPSTATE_LAST_ACK);
	add2(40, AF_INET6, "::1", 40012, "::1", 80, TCPSTATE_TIME_WAIT);
	add2(41, AF_INET6, "::1", 40013, "::1", 80, TCPSTATE_CLOSING);
	add2(42, AF_INET6, "::1", 40014, "::1", 80, TCPSTATE_FIN_WAIT1);
	/* Server side on a listening port inside the range */
	add2(50, AF_INET, "127.0.0.1", 40005, "127.0.0.1", 50000,
	     TCPSTATE_ESTABLISHED);
	add2(51, AF_INET, "127.0.0.1", 40011, "127.0.0.1", 50001,
	     TCPSTATE_SYN_RECV);
	add2(52, AF_INET, "127.0.0.1", 40015, "127.0.0.1", 8000,
	     TCPSTATE_CLOSE);
	/* Bound explicitly, outside the range */
	add2(53, AF_INET, "127.0.0.1", 39999, "127.0.0.1", 8000,
	     TCPSTATE_ESTABLISHED);
	add2(54, AF_INET, "127.0.0.1", 40020, "127.0.0.1", 8000,
	     TCPSTATE_TIME_WAIT);
}

static struct tcpstate_ports ports_info(__u32 low, __u32 high, __u32 reuse)
{
	struct tcpstate_ports p;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.range_low = low;
	p.range_high = high;
	p.available = high - low + 1;
	p.tcp_tw_reuse = reuse;
	p.kept = 64;
	return p;
}

static struct tcpstate_port_failure failure(int kind, int family,
					    const char *src, const char *dst,
					    unsigned int dport, __u64 ms,
					    const char *comm)
{
	struct tcpstate_port_failure f;

	memset(&f, 0, sizeof(f));
	f.time_ns = BOOT_NS + ms * 1000000ULL;
	f.cookie = 4096 + ms;
	f.kind = kind;
	f.family = family;
	if (src)
		inet_pton(family, src, f.saddr);
	if (dst)
		inet_pton(family, dst, f.daddr);
	f.dport = dport;
	f.pid = 123;
	memcpy(f.comm, comm, strnlen(comm, sizeof(f.comm)));
	f.error = kind == TCPSTATE_PORT_CONNECT ? -EADDRNOTAVAIL : -EADDRINUSE;
	return f;
}

static char *render(const struct ports_report *r, bool json, unsigned int top)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	ports_report_print(&o, r, top, OFFSET_NS);
	out_finish(&o);
	return unit_take(&b);
}

/* Of the second sample as it is now. */
static void build(struct ports_report *r, struct ports_input *in)
{
	in->n_second = second.n;
	if (ports_report_build(r, in))
		ksft_exit_fail_msg("ports_report_build failed\n");
}

static void input(struct ports_input *in, const struct tcpstate_ports *p,
		  bool rates)
{
	memset(in, 0, sizeof(*in));
	in->netns = 4026531840U;
	in->first = rates ? first.c : NULL;
	in->n_first = rates ? first.n : 0;
	in->second = second.c;
	in->n_second = second.n;
	in->elapsed_s = rates ? 2.0 : 0;
	in->ports = p;
	in->warn_pct = 80;
	in->crit_pct = 95;
}

static void test_grouping_and_rates(void)
{
	struct tcpstate_port_failure f[3];
	struct tcpstate_ports p = ports_info(40000, 40019, 2);
	struct ports_input in;
	struct ports_report r;
	char *s;

	p.total[TCPSTATE_PORT_CONNECT][0] = 1;
	f[0] = failure(TCPSTATE_PORT_CONNECT, AF_INET6, NULL, "::1", 80, 100,
		       "old");
	f[1] = failure(TCPSTATE_PORT_BIND, AF_INET, "127.0.0.1", NULL, 0, 200,
		       "nginx");
	f[2] = failure(TCPSTATE_PORT_CONNECT, AF_INET, "127.0.0.1",
		       "127.0.0.1", 8000, 1500, "curl");
	input(&in, &p, true);
	in.failures = f;
	in.n_failures = 3;
	build(&r, &in);

	expect_u64("four_destinations", 4, r.n_dests);
	s = render(&r, false, 10);
	{
		static const char *const want[] = {
			"netns                        4026531840\n",
			"local port range             40000-40019 (20 ports, 0 reserved)\n",
			"tcp_tw_reuse                 2 (loopback only)\n",
			"port failures                1 (connect 1, bind 0)\n",
			"status                       WARNING (warn 80%, crit 95%)\n",
			"LOCAL     DESTINATION     USED  FREE USED%  NEW/s TW-EXIT/s EXHAUSTED-IN REUSE\n",
			"127.0.0.1 127.0.0.1:8000     6    14  30.0    1.5       1.0        28.0s yes\n",
			"          held by - 6\n",
			"::1       [::1]:80           3    17  15.0    0.0       0.0            - yes\n",
			"          held by - 3\n",
			"10.0.0.1  10.0.0.9:443       2    18  10.0    0.0       0.0            - no\n",
			"          held by - 2\n",
			"127.0.0.2 127.0.0.1:8000     1    19   5.0    0.0       0.0            - yes\n",
			"          held by - 1\n",
			"OWNER (cgroup)   PORTS FAILURES\n",
			"-                   12        3\n",
			"recent failures, newest first:\n",
			"  22:13:21.500 connect 127.0.0.1:8000 from 127.0.0.1 pid 123 (curl) EADDRNOTAVAIL\n",
			"  22:13:20.200 bind 127.0.0.1 pid 123 (nginx) EADDRINUSE\n",
			"  22:13:20.100 connect [::1]:80 pid 123 (old) EADDRNOTAVAIL\n",
			NULL
		};
		expect_str("ports_text_groups_rates_and_failures", join(want), s);
	}
	free(s);

	s = render(&r, true, 2);
	{
		static const char *const want[] = {
			"{\"netns\":4026531840,\"interval_s\":2.000,",
			"\"range\":{\"low\":40000,\"high\":40019,\"reserved\":0,\"available\":20},",
			"\"tcp_tw_reuse\":2,\"destinations\":[",
			"{\"family\":\"ipv4\",\"local\":\"127.0.0.1\",\"address\":\"127.0.0.1\",",
			"\"port\":8000,\"used\":6,\"free\":14,\"used_pct\":30.0,",
			"\"headroom_pct\":70.0,\"new_per_s\":1.50,\"tw_exit_per_s\":1.00,",
			"\"freed_per_s\":1.00,\"exhaustion_s\":28.0,\"tw_reuse_applies\":true,",
			"\"states\":{\"established\":1,\"syn_sent\":1,\"fin_wait1\":0,",
			"\"fin_wait2\":1,\"time_wait\":4,\"close_wait\":0,\"last_ack\":0,",
			"\"closing\":0},\"holders\":[{\"name\":\"-\",\"cgroup_id\":0,",
			"\"cgroup\":null,\"unit\":null,\"ports\":6}],\"holder_count\":1},",
			"{\"family\":\"ipv6\",\"local\":\"::1\",\"address\":\"::1\",",
			"\"port\":80,\"used\":3,\"free\":17,\"used_pct\":15.0,",
			"\"headroom_pct\":85.0,\"new_per_s\":0.00,\"tw_exit_per_s\":0.00,",
			"\"freed_per_s\":0.00,\"exhaustion_s\":null,\"tw_reuse_applies\":true,",
			"\"states\":{\"established\":0,\"syn_sent\":0,\"fin_wait1\":1,",
			"\"fin_wait2\":0,\"time_wait\":1,\"close_wait\":0,\"last_ack\":0,",
			"\"closing\":1},\"holders\":[{\"name\":\"-\",\"cgroup_id\":0,",
			"\"cgroup\":null,\"unit\":null,\"ports\":3}],\"holder_count\":1}],",
			"\"destination_count\":4,\"owners_by\":\"cgroup\",",
			"\"owners\":[{\"name\":\"-\",\"cgroup_id\":0,\"cgroup\":null,",
			"\"unit\":null,\"ports\":12,\"failures\":3}],\"owner_count\":1,",
			"\"kept_failures\":3,",
			"\"failures\":{\"connect\":{\"ipv4\":1,\"ipv6\":0},",
			"\"bind\":{\"ipv4\":0,\"ipv6\":0}},",
			"\"recent_failures\":[",
			"{\"time_ns\":5001500000000,\"kind\":\"connect\",\"family\":\"ipv4\",",
			"\"address\":\"127.0.0.1\",\"port\":8000,\"local\":\"127.0.0.1\",",
			"\"pid\":123,\"comm\":\"curl\",\"error\":\"EADDRNOTAVAIL\",\"cookie\":5596,",
			"\"uid\":0,\"cgroup_id\":0,\"cgroup\":null,\"unit\":null},",
			"{\"time_ns\":5000200000000,\"kind\":\"bind\",\"family\":\"ipv4\",",
			"\"address\":null,\"port\":null,\"local\":\"127.0.0.1\",",
			"\"pid\":123,\"comm\":\"nginx\",\"error\":\"EADDRINUSE\",\"cookie\":4296,",
			"\"uid\":0,\"cgroup_id\":0,\"cgroup\":null,\"unit\":null},",
			"{\"time_ns\":5000100000000,\"kind\":\"connect\",\"family\":\"ipv6\",",
			"\"address\":\"::1\",\"port\":80,\"local\":null,",
			"\"pid\":123,\"comm\":\"old\",\"error\":\"EADDRNOTAVAIL\",\"cookie\":4196,",
			"\"uid\":0,\"cgroup_id\":0,\"cgroup\":null,\"unit\":null}],",
			"\"check\":{\"status\":\"warning\",\"code\":1,\"message\":",
			"\"worst destination 127.0.0.1:8000 at 30% of 20 ports; ",
			"1 connect() failed for lack of a port\",",
			"\"warn_pct\":80.0,\"crit_pct\":95.0}}\n",
			NULL
		};
		expect_str("ports_json_top_2", join(want), s);
	}
	expect_jq("ports_json_by_jq", s,
		  "[.destinations[0].used, .destinations[0].used_pct, .range.available, .failures.connect.ipv4, .recent_failures[0].comm, .check.code]",
		  "[6,30,20,1,\"curl\",1]");
	free(s);
	ports_report_free(&r);

	/* -6: only the IPv6 destination and failure; the totals stay. */
	in.family = AF_INET6;
	build(&r, &in);
	expect_u64("ipv6_only_one_destination", 1,
		   r.n_dests == 1 && r.dests[0].used == 3 ? 1 : 0);
	expect_u64("ipv6_only_one_failure", 1, r.n_recent);
	ports_report_free(&r);
}

/* The scenario of the issue: 10 client-closed connections, 10 ports. */
static void test_full_range(void)
{
	struct tcpstate_port_failure f;
	struct tcpstate_ports p = ports_info(40000, 40009, 0);
	struct ports_input in;
	struct ports_report r;
	char *s;
	int i;

	second.n = 0;
	add(&second, 100, AF_INET, "127.0.0.1", 8000, "0.0.0.0", 0,
	    TCPSTATE_LISTEN);
	for (i = 0; i < 10; i++)
		add(&second, 1 + i, AF_INET, "127.0.0.1", 40000 + i, "127.0.0.1",
		    8000, TCPSTATE_TIME_WAIT);
	p.total[TCPSTATE_PORT_CONNECT][0] = 1;
	f = failure(TCPSTATE_PORT_CONNECT, AF_INET, NULL, "127.0.0.1", 8000,
		    61, "ports_test");
	input(&in, &p, false);
	in.failures = &f;
	in.n_failures = 1;
	build(&r, &in);
	expect_u64("full_range_is_critical", CHECK_CRITICAL, r.status);
	expect_str("full_range_message",
		   "127.0.0.1:8000 uses 10 of 10 local ports (100%); 1 connect() failed for lack of a port",
		   r.message);
	s = render(&r, false, 10);
	{
		static const char *const want[] = {
			"netns                        4026531840\n",
			"local port range             40000-40009 (10 ports, 0 reserved)\n",
			"tcp_tw_reuse                 0 (off)\n",
			"port failures                1 (connect 1, bind 0)\n",
			"status                       CRITICAL (warn 80%, crit 95%)\n",
			"LOCAL     DESTINATION     USED  FREE USED%  NEW/s TW-EXIT/s EXHAUSTED-IN REUSE\n",
			"127.0.0.1 127.0.0.1:8000    10     0 100.0      -         -         full no\n",
			"          held by - 10\n",
			"OWNER (cgroup)   PORTS FAILURES\n",
			"-                   10        1\n",
			"recent failures, newest first:\n",
			"  22:13:20.061 connect 127.0.0.1:8000 pid 123 (ports_test) EADDRNOTAVAIL\n",
			NULL
		};
		expect_str("full_range_text_without_rates", join(want), s);
	}
	free(s);
	s = render(&r, true, 10);
	expect_jq("full_range_json_by_jq", s,
		  "[.destinations[0].used, .destinations[0].used_pct, .destinations[0].headroom_pct, .destinations[0].exhaustion_s, .destinations[0].new_per_s, .range.available, .failures.connect.ipv4, .recent_failures[0].comm, .check.code, .check.status]",
		  "[10,100,0,0,null,10,1,\"ports_test\",2,\"critical\"]");
	free(s);
	{
		struct unit_buf b;
		FILE *fb = unit_open(&b);

		ports_check_print(fb, &r);
		s = unit_take(&b);
		expect_str("full_range_check_line",
			   "TCPSTATE CRITICAL - 127.0.0.1:8000 uses 10 of 10 local ports (100%); 1 connect() failed for lack of a port\n",
			   s);
		free(s);
	}
	ports_report_free(&r);

	/* 9 of 10 without failures: 90% is a warning, no failure text. */
	second.n = 10;
	p.total[TCPSTATE_PORT_CONNECT][0] = 0;
	in.n_failures = 0;
	build(&r, &in);
	expect_u64("nine_of_ten_is_a_warning", CHECK_WARNING, r.status);
	expect_str("nine_of_ten_message",
		   "127.0.0.1:8000 uses 9 of 10 local ports (90%)", r.message);
	ports_report_free(&r);

	/* 2 of 10 is ok; a bind failure makes it a warning. */
	second.n = 3;
	build(&r, &in);
	expect_u64("two_of_ten_is_ok", CHECK_OK, r.status);
	expect_str("two_of_ten_message",
		   "worst destination 127.0.0.1:8000 at 20% of 10 ports", r.message);
	ports_report_free(&r);
	p.total[TCPSTATE_PORT_BIND][1] = 2;
	p.total[TCPSTATE_PORT_CONNECT][1] = 3;
	build(&r, &in);
	expect_u64("any_failure_is_a_warning", CHECK_WARNING, r.status);
	expect_str("both_kinds_of_failure_message",
		   "worst destination 127.0.0.1:8000 at 20% of 10 ports; 3 connect() and 2 bind() failed for lack of a port",
		   r.message);
	ports_report_free(&r);

	/* Thresholds are inclusive: --warn 20 --crit 20 is critical. */
	p.total[TCPSTATE_PORT_BIND][1] = 0;
	p.total[TCPSTATE_PORT_CONNECT][1] = 0;
	in.warn_pct = 20;
	in.crit_pct = 20;
	build(&r, &in);
	expect_u64("crit_threshold_is_inclusive", CHECK_CRITICAL, r.status);
	ports_report_free(&r);

	/* Nothing but a listener: ok, and said so. */
	second.n = 1;
	in.warn_pct = 80;
	in.crit_pct = 95;
	build(&r, &in);
	expect_str("no_client_connections_message",
		   "no client connections, 10 local ports", r.message);
	expect_u64("no_client_connections_is_ok", CHECK_OK, r.status);
	s = render(&r, true, 10);
	expect_jq("no_destinations_json", s, "[.destinations, .check.code]",
		  "[[],0]");
	free(s);
	ports_report_free(&r);

	/* Every port of the range reserved */
	p.reserved = 10;
	p.available = 0;
	build(&r, &in);
	expect_u64("all_reserved_is_critical", CHECK_CRITICAL, r.status);
	expect_str("all_reserved_message",
		   "no local port available: 40000-40009 is all reserved",
		   r.message);
	ports_report_free(&r);
}

static void test_pure_functions(void)
{
	__u8 a[16];

	expect_u64("exhaustion_free_over_net_rate", 28,
		   (unsigned long long)ports_exhaustion_s(14, 1.5, 1.0));
	expect_u64("exhaustion_full_is_zero", 1,
		   ports_exhaustion_s(0, 0, 5) == 0);
	expect_u64("exhaustion_never_when_freed_as_fast", 1,
		   isinf(ports_exhaustion_s(5, 1, 1)));
	expect_u64("exhaustion_never_when_shrinking", 1,
		   isinf(ports_exhaustion_s(5, 0, 2)));

	inet_pton(AF_INET, "127.0.0.5", a);
	expect_u64("reuse_0_never", 0, ports_tw_reuse_applies(0, AF_INET, a));
	expect_u64("reuse_2_loopback_v4", 1, ports_tw_reuse_applies(2, AF_INET, a));
	inet_pton(AF_INET, "10.0.0.1", a);
	expect_u64("reuse_1_any", 1, ports_tw_reuse_applies(1, AF_INET, a));
	expect_u64("reuse_2_not_elsewhere", 0,
		   ports_tw_reuse_applies(2, AF_INET, a));
	inet_pton(AF_INET6, "::1", a);
	expect_u64("reuse_2_loopback_v6", 1,
		   ports_tw_reuse_applies(2, AF_INET6, a));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", a);
	expect_u64("reuse_2_v4_mapped_loopback", 1,
		   ports_tw_reuse_applies(2, AF_INET6, a));
	inet_pton(AF_INET6, "::ffff:10.0.0.1", a);
	expect_u64("reuse_2_v4_mapped_elsewhere", 0,
		   ports_tw_reuse_applies(2, AF_INET6, a));
	inet_pton(AF_INET6, "2001:db8::1", a);
	expect_u64("reuse_2_not_v6_elsewhere", 0,
		   ports_tw_reuse_applies(2, AF_INET6, a));
}

/*
 * The summary's section comes from the counters alone: it prints the same
 * whatever the table holds, and points at `ports` for the headroom.
 */
static void test_summary_section(void)
{
	struct tcpstate_ports p = ports_info(40000, 40009, 0);
	struct unit_buf b;
	struct output o;
	char *s;

	p.total[TCPSTATE_PORT_CONNECT][0] = 2;
	p.total[TCPSTATE_PORT_BIND][1] = 1;
	out_init(&o, unit_open(&b), false);
	ports_summary_print(&o, &p);
	out_finish(&o);
	s = unit_take(&b);
	{
		static const char *const want[] = {
			"ports:\n",
			"  local port range             40000-40009, 10 available\n",
			"  failures                     3\n",
			"  headroom per destination     tcpstate ports\n",
			NULL
		};
		expect_str("summary_ports_text_range_failures_and_pointer_to_ports",
			   join(want), s);
	}
	free(s);
	out_init(&o, unit_open(&b), true);
	ports_summary_print(&o, &p);
	out_finish(&o);
	s = unit_take(&b);
	expect_str("summary_ports_json_counters_only_no_worst_destination",
		   "{\"ports\":{\"range_low\":40000,\"range_high\":40009,\"available\":10,\"failures\":3}}\n",
		   s);
	free(s);

	p.total[TCPSTATE_PORT_CONNECT][0] = 0;
	p.total[TCPSTATE_PORT_BIND][1] = 0;
	out_init(&o, unit_open(&b), true);
	ports_summary_print(&o, &p);
	out_finish(&o);
	s = unit_take(&b);
	expect_str("summary_ports_json_no_failures",
		   "{\"ports\":{\"range_low\":40000,\"range_high\":40009,\"available\":10,\"failures\":0}}\n",
		   s);
	free(s);
}

static void test_describe(void)
{
	struct tcpstate_port_failure f;
	char buf[256];

	f = failure(TCPSTATE_PORT_CONNECT, AF_INET6, "2001:db8::1",
		    "2001:db8::2", 443, 0, "0123456789abcdef");
	expect_str("describe_connect_bound_v6_full_comm",
		   "connect [2001:db8::2]:443 from 2001:db8::1 pid 123 (0123456789abcdef) EADDRNOTAVAIL",
		   port_failure_describe(buf, sizeof(buf), &f));
	f = failure(TCPSTATE_PORT_BIND, AF_INET, NULL, NULL, 0, 0, "x");
	expect_str("describe_bind_wildcard", "bind 0.0.0.0 pid 123 (x) EADDRINUSE",
		   port_failure_describe(buf, sizeof(buf), &f));
	f.error = -ENOBUFS;
	expect_str("describe_other_error",
		   "bind 0.0.0.0 pid 123 (x) error 105",
		   port_failure_describe(buf, sizeof(buf), &f));
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ksft_print_header();
	ksft_set_plan(6 + 17 + 12 + 3 + 3);
	make_samples();
	test_grouping_and_rates();
	test_full_range();
	test_pure_functions();
	test_summary_section();
	test_describe();
	ksft_finished();
}
