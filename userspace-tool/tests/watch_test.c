// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `tcpstate watch` formatting: event records as read() returns
 * them, IPv4 and IPv6, a FIN-WAIT-2 -> TIME-WAIT change, the death of a
 * timewait socket, a lost record, records larger than this tool knows, and
 * malformed ones.  TAP output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>

#include "unit.h"

#include "../cgroup.h"
#include "../watch.h"

#define NS_US 1000ULL
#define NS_MS 1000000ULL
#define NS_S 1000000000ULL
/* Boot time 5000 s is wall clock 2023-11-14 22:13:20 UTC. */
#define BOOT_NS (5000 * NS_S)
#define OFFSET_NS (1700000000LL * (long long)NS_S - (long long)BOOT_NS)

static struct tcpstate_event ev_state(int family, const char *src,
				      unsigned int sport, const char *dst,
				      unsigned int dport, int from, int to,
				      __u64 ms, __u64 prev_ns, int tw_exit)
{
	struct tcpstate_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = TCPSTATE_EVENT_STATE;
	ev.family = family;
	ev.cookie = 4097;
	ev.netns = 4026531840U;
	ev.time_ns = BOOT_NS + ms * NS_MS + 456;
	ev.prev_state_ns = prev_ns;
	inet_pton(family, src, ev.saddr);
	inet_pton(family, dst, ev.daddr);
	ev.sport = sport;
	ev.dport = dport;
	ev.old_state = from;
	ev.new_state = to;
	ev.tw_exit = tw_exit;
	return ev;
}

static struct tcpstate_event ev_lost(__u64 lost)
{
	struct tcpstate_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = TCPSTATE_EVENT_LOST;
	ev.lost = lost;
	return ev;
}

static struct tcpstate_event ev_port(int kind, int family, const char *src,
				     const char *dst, unsigned int dport,
				     __u64 ms, const char *comm)
{
	struct tcpstate_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = TCPSTATE_EVENT_PORT_FAILURE;
	ev.family = family;
	ev.cookie = 4099;
	ev.netns = 4026531840U;
	ev.time_ns = BOOT_NS + ms * NS_MS;
	if (src)
		inet_pton(family, src, ev.saddr);
	if (dst)
		inet_pton(family, dst, ev.daddr);
	ev.dport = dport;
	ev.tw_exit = TCPSTATE_TW_EXIT_NONE;
	ev.pid = 4242;
	memcpy(ev.comm, comm, strlen(comm));
	ev.port_kind = kind;
	ev.error = kind == TCPSTATE_PORT_CONNECT ? -EADDRNOTAVAIL : -EADDRINUSE;
	return ev;
}

/* The cgroup of the first port failure, in a fake cgroup2 tree. */
static const char *const tree[] = { "/system.slice", "/system.slice/curl.service", NULL };
static char root[64];

static void test_port_failures(void)
{
	static struct tcpstate_event pev[3];
	char want_json[512];
	__u64 id;
	struct watch_ctx w;
	struct unit_buf b;
	char err[128];
	FILE *f;
	char *s;
	int rc;

	fake_cgroups_make(root, tree);
	cgroup_set_root(root);
	id = fake_cgroup_id(root, tree[1]);
	pev[0] = ev_port(TCPSTATE_PORT_CONNECT, AF_INET, "127.0.0.1",
			 "127.0.0.1", 8000, 61123, "curl");
	pev[0].uid = 33;
	pev[0].cgroup_id = id;
	pev[1] = ev_port(TCPSTATE_PORT_BIND, AF_INET6, NULL, NULL, 0, 62000,
			 "nginx");
	pev[2] = ev_port(TCPSTATE_PORT_CONNECT, AF_INET, NULL, "10.0.0.9", 443,
			 63000, "wget");
	f = unit_open(&b);
	watch_init(&w, false, true, 0, 1, OFFSET_NS);
	rc = watch_records(&w, f, pev, sizeof(pev), err, sizeof(err));
	s = unit_take(&b);
	{
		static const char *const want[] = {
			"4026531840 22:14:21.123 PORT FAILURE connect 127.0.0.1:8000 from 127.0.0.1 pid 4242 (curl) cgroup curl.service EADDRNOTAVAIL\n",
			"4026531840 22:14:22.000 PORT FAILURE bind :: pid 4242 (nginx) EADDRINUSE\n",
			"4026531840 22:14:23.000 PORT FAILURE connect 10.0.0.9:443 pid 4242 (wget) EADDRNOTAVAIL\n",
			NULL
		};
		expect_str("watch_port_failures_text_not_counted_by_c", join(want), s);
	}
	expect_u64("watch_port_failures_rc", 0, rc);
	free(s);

	f = unit_open(&b);
	watch_init(&w, true, false, AF_INET, 0, OFFSET_NS);
	rc = watch_records(&w, f, pev, sizeof(pev), err, sizeof(err));
	s = unit_take(&b);
	{
		static const char *const want[] = {
			"{\"type\":\"port_failure\",\"time_ns\":5061123000000,",
			"\"netns\":4026531840,\"cookie\":4099,\"kind\":\"connect\",",
			"\"family\":\"ipv4\",\"local\":\"127.0.0.1\",",
			"\"remote\":\"127.0.0.1:8000\",\"pid\":4242,\"comm\":\"curl\",",
			"\"error\":\"EADDRNOTAVAIL\",\"uid\":33,\"cgroup_id\":",
			NULL
		};
		/* after the id the file system gave the first one's cgroup */
		static const char *const rest[] = {
			"}\n{\"type\":\"port_failure\",\"time_ns\":5063000000000,",
			"\"netns\":4026531840,\"cookie\":4099,\"kind\":\"connect\",",
			"\"family\":\"ipv4\",\"local\":null,",
			"\"remote\":\"10.0.0.9:443\",\"pid\":4242,\"comm\":\"wget\",",
			"\"error\":\"EADDRNOTAVAIL\",\"uid\":0,\"cgroup_id\":0}\n",
			NULL
		};
		size_t n;

		n = snprintf(want_json, sizeof(want_json), "%s%llu", join(want),
			     (unsigned long long)id);
		snprintf(want_json + n, sizeof(want_json) - n, "%s", join(rest));
		expect_str("watch_port_failures_json_ipv4_only", want_json, s);
	}
	expect_jq("watch_port_failures_json_by_jq", s,
		  "select(.local == null) | [.kind, .remote, .comm, .error]",
		  "[\"connect\",\"10.0.0.9:443\",\"wget\",\"EADDRNOTAVAIL\"]");
	free(s);
}

#define NEV 6

static struct tcpstate_event events[NEV];

static void make_events(void)
{
	events[0] = ev_state(AF_INET, "127.0.0.1", 40000, "127.0.0.2", 8080,
			     TCPSTATE_CLOSE, TCPSTATE_SYN_SENT, 123, 0,
			     TCPSTATE_TW_EXIT_NONE);
	events[1] = ev_state(AF_INET, "127.0.0.1", 40000, "127.0.0.2", 8080,
			     TCPSTATE_FIN_WAIT2, TCPSTATE_TIME_WAIT, 124,
			     412 * NS_US, TCPSTATE_TW_EXIT_NONE);
	events[2] = ev_lost(17);
	events[3] = ev_state(AF_INET6, "2001:db8::1", 443, "2001:db8::2", 51234,
			     TCPSTATE_SYN_RECV, TCPSTATE_ESTABLISHED, 200,
			     3200 * NS_US, TCPSTATE_TW_EXIT_NONE);
	events[4] = ev_state(AF_INET, "127.0.0.1", 40000, "127.0.0.2", 8080,
			     TCPSTATE_TIME_WAIT, TCPSTATE_CLOSE, 60124,
			     60 * NS_S + 10 * NS_MS, TCPSTATE_TW_EXIT_EXPIRED);
	events[5] = ev_state(AF_INET, "10.1.2.3", 41000, "192.168.100.200", 54321,
			     TCPSTATE_ESTABLISHED, TCPSTATE_FIN_WAIT1, 61000,
			     1500 * NS_MS, TCPSTATE_TW_EXIT_NONE);
}

/* The records as a module whose records are @size bytes would send them. */
static size_t pack(unsigned char *buf, size_t size, int n)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct tcpstate_event ev = events[i];

		ev.size = size;
		memset(buf + off, 0xa5, size);
		memcpy(buf + off, &ev, sizeof(ev));
		off += size;
	}
	return off;
}

static char *run(bool json, bool all, int family, unsigned long limit,
		 size_t size, int n, int *rc)
{
	static unsigned char buf[NEV * 256];
	struct watch_ctx w;
	struct unit_buf b;
	char err[128];
	FILE *f = unit_open(&b);
	size_t len = pack(buf, size, n);

	watch_init(&w, json, all, family, limit, OFFSET_NS);
	watch_header(&w, f);
	*rc = watch_records(&w, f, buf, len, err, sizeof(err));
	if (*rc < 0)
		fprintf(f, "error: %s\n", err);
	return unit_take(&b);
}

static void test_text(void)
{
	char *s;
	int rc;

	s = run(false, false, 0, 0, sizeof(struct tcpstate_event), NEV, &rc);
	{
		static const char *const want[] = {
			"TIME         LOCAL           REMOTE           SPENT TRANSITION\n",
			"22:13:20.123 127.0.0.1:40000 127.0.0.2:8080       - CLOSED -> SYN-SENT\n",
			"22:13:20.124 127.0.0.1:40000 127.0.0.2:8080   412us FIN-WAIT-2 -> TIME-WAIT\n",
			"-- 17 events lost (reader too slow) --\n",
			"22:13:20.200 [2001:db8::1]:443 [2001:db8::2]:51234  3.2ms SYN-RECV -> ESTAB\n",
			"22:14:20.124 127.0.0.1:40000   127.0.0.2:8080       60.0s TIME-WAIT -> CLOSED expired\n",
			"22:14:21.000 10.1.2.3:41000    192.168.100.200:54321  1.50s ESTAB -> FIN-WAIT-1\n",
			NULL
		};
		expect_str("watch_text_v4_v6_lost_and_expired", join(want), s);
	}
	expect_u64("watch_text_rc_goes_on", 0, rc);
	free(s);

	s = run(false, true, AF_INET, 2, sizeof(struct tcpstate_event) + 16,
		NEV, &rc);
	{
		static const char *const want[] = {
			"NETNS      TIME         LOCAL           REMOTE           SPENT TRANSITION\n",
			"4026531840 22:13:20.123 127.0.0.1:40000 127.0.0.2:8080       - CLOSED -> SYN-SENT\n",
			"4026531840 22:13:20.124 127.0.0.1:40000 127.0.0.2:8080   412us FIN-WAIT-2 -> TIME-WAIT\n",
			NULL
		};
		expect_str("watch_all_netns_count_2_larger_records", join(want), s);
	}
	expect_u64("watch_stops_at_the_count", 1, rc);
	free(s);

	s = run(false, false, AF_INET6, 0, sizeof(struct tcpstate_event), NEV, &rc);
	{
		static const char *const want[] = {
			"TIME         LOCAL           REMOTE           SPENT TRANSITION\n",
			"-- 17 events lost (reader too slow) --\n",
			"22:13:20.200 [2001:db8::1]:443 [2001:db8::2]:51234  3.2ms SYN-RECV -> ESTAB\n",
			NULL
		};
		expect_str("watch_ipv6_only_keeps_losses", join(want), s);
	}
	free(s);
}

static void test_json(void)
{
	char *s;
	int rc;

	s = run(true, false, 0, 0, sizeof(struct tcpstate_event) + 8, 5, &rc);
	{
		static const char *const want[] = {
			"{\"type\":\"state\",\"time_ns\":5000123000456,\"netns\":4026531840,",
			"\"cookie\":4097,\"family\":\"ipv4\",\"local\":\"127.0.0.1:40000\",",
			"\"remote\":\"127.0.0.2:8080\",\"old\":\"CLOSED\",\"new\":\"SYN-SENT\",",
			"\"prev_state_ns\":0,",
			"\"uid\":0,\"cgroup_id\":0,\"pid\":0,\"comm\":\"\"}\n",
			"{\"type\":\"state\",\"time_ns\":5000124000456,\"netns\":4026531840,",
			"\"cookie\":4097,\"family\":\"ipv4\",\"local\":\"127.0.0.1:40000\",",
			"\"remote\":\"127.0.0.2:8080\",\"old\":\"FIN-WAIT-2\",\"new\":\"TIME-WAIT\",",
			"\"prev_state_ns\":412000,",
			"\"uid\":0,\"cgroup_id\":0,\"pid\":0,\"comm\":\"\"}\n",
			"{\"type\":\"lost\",\"lost\":17}\n",
			"{\"type\":\"state\",\"time_ns\":5000200000456,\"netns\":4026531840,",
			"\"cookie\":4097,\"family\":\"ipv6\",\"local\":\"[2001:db8::1]:443\",",
			"\"remote\":\"[2001:db8::2]:51234\",\"old\":\"SYN-RECV\",\"new\":\"ESTAB\",",
			"\"prev_state_ns\":3200000,",
			"\"uid\":0,\"cgroup_id\":0,\"pid\":0,\"comm\":\"\"}\n",
			"{\"type\":\"state\",\"time_ns\":5060124000456,\"netns\":4026531840,",
			"\"cookie\":4097,\"family\":\"ipv4\",\"local\":\"127.0.0.1:40000\",",
			"\"remote\":\"127.0.0.2:8080\",\"old\":\"TIME-WAIT\",\"new\":\"CLOSED\",",
			"\"prev_state_ns\":60010000000,\"tw_exit\":\"expired\",",
			"\"uid\":0,\"cgroup_id\":0,\"pid\":0,\"comm\":\"\"}\n",
			NULL
		};
		expect_str("watch_json_lines", join(want), s);
	}
	expect_jq("watch_json_lines_parse_with_jq", s, "select(.tw_exit) | .old",
		  "\"TIME-WAIT\"");
	free(s);
}

static void test_malformed(void)
{
	char *s;
	int rc;

	s = run(false, false, 0, 0, TCPSTATE_EVENT_SIZE_V1 - 8, 2, &rc);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "TIME         LOCAL           REMOTE           SPENT TRANSITION\n"
			 "error: record of %d bytes, expected at least %d\n",
			 TCPSTATE_EVENT_SIZE_V1 - 8, TCPSTATE_EVENT_SIZE_V1);
		expect_str("watch_record_smaller_than_known_is_an_error", want, s);
	}
	expect_u64("watch_malformed_rc", (unsigned long long)-1, rc);
	free(s);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ksft_print_header();
	ksft_set_plan(9 + 4);
	make_events();
	test_text();
	test_json();
	test_malformed();
	test_port_failures();
	fake_cgroups_remove(root, tree);
	ksft_finished();
}
