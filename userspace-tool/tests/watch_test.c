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
#include "../format.h"
#include "../kernel.h"
#include "../output.h"
#include "../states.h"
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

/*
 * A state change's line as it was printed before lines were put together
 * by hand: out_*() field by field for JSON, fprintf() for text.  The
 * reference of test_like_printf().
 */
static const char *ref_name(const char *name)
{
	return name ? name : "?";
}

static void ref_json(FILE *f, const struct tcpstate_event *ev)
{
	char l[FORMAT_ENDPOINT_LEN], r[FORMAT_ENDPOINT_LEN];
	struct output o;

	out_init(&o, f, true);
	out_str(&o, "type", NULL, "state");
	out_u64(&o, "time_ns", NULL, ev->time_ns);
	out_u64(&o, "netns", NULL, ev->netns);
	out_u64(&o, "cookie", NULL, ev->cookie);
	out_str(&o, "family", NULL, family_name(ev->family));
	out_str(&o, "local", NULL, format_endpoint(l, sizeof(l), ev->family,
						   ev->saddr, ev->sport));
	out_str(&o, "remote", NULL, format_endpoint(r, sizeof(r), ev->family,
						    ev->daddr, ev->dport));
	out_str(&o, "old", NULL, ref_name(state_ss_name(ev->old_state)));
	out_str(&o, "new", NULL, ref_name(state_ss_name(ev->new_state)));
	out_u64(&o, "prev_state_ns", NULL, ev->prev_state_ns);
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE)
		out_str(&o, "tw_exit", NULL, ref_name(tw_exit_name(ev->tw_exit)));
	out_owner(&o, ev->uid, ev->cgroup_id, false, NULL, ev->pid, ev->comm);
	out_finish(&o);
}

static void ref_text(int *lw, int *rw, bool all, __s64 offset, FILE *f,
		     const struct tcpstate_event *ev)
{
	char l[FORMAT_ENDPOINT_LEN], r[FORMAT_ENDPOINT_LEN];
	char clock[FORMAT_CLOCK_LEN], spent[FORMAT_DURATION_LEN];
	int len;

	format_clock(clock, sizeof(clock), (__s64)ev->time_ns + offset);
	if (all)
		fprintf(f, "%-10u ", ev->netns);
	format_endpoint(l, sizeof(l), ev->family, ev->saddr, ev->sport);
	format_endpoint(r, sizeof(r), ev->family, ev->daddr, ev->dport);
	len = strlen(l);
	*lw = len > *lw ? len : *lw;
	len = strlen(r);
	*rw = len > *rw ? len : *rw;
	if (ev->prev_state_ns)
		format_duration(spent, sizeof(spent), ev->prev_state_ns);
	else
		snprintf(spent, sizeof(spent), "-");
	fprintf(f, "%-12s %-*s %-*s %*s %s -> %s", clock, *lw, l, *rw, r, 6,
		spent, ref_name(state_ss_name(ev->old_state)),
		ref_name(state_ss_name(ev->new_state)));
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE)
		fprintf(f, " %s", ref_name(tw_exit_name(ev->tw_exit)));
	if (ev->pid)
		fprintf(f, " %.*s/%u", (int)sizeof(ev->comm), ev->comm, ev->pid);
	fputc('\n', f);
}

static unsigned int lcg(void)
{
	static unsigned int x = 2026;

	x = x * 1103515245 + 12345;
	return x >> 8;
}

static __u64 lcg64(void)
{
	return ((__u64)lcg() << 40 ^ (__u64)lcg() << 20 ^ lcg()) >> (lcg() % 64);
}

/*
 * Random state changes: every field, both families and others, states and
 * causes out of range, odd process names, times that go back and forth
 * around second boundaries, and before the epoch.
 */
static void random_events(struct tcpstate_event *ev, int n)
{
	static const char *const comms[] = {
		"", "curl", "nginx: worker", "a\"b\\c", "tab\there\x01",
		"exactly16chars!!", "\xc3\xa9t\xc3\xa9", "\x7f\x1f",
	};
	__u64 t = BOOT_NS;
	int i, j;

	for (i = 0; i < n; i++) {
		struct tcpstate_event *e = &ev[i];
		unsigned int r = lcg();

		memset(e, 0, sizeof(*e));
		e->size = sizeof(*e);
		e->type = TCPSTATE_EVENT_STATE;
		e->family = r % 5 == 0 ? AF_INET6 : r % 23 == 1 ? 0 :
			    r % 29 == 2 ? AF_UNIX : AF_INET;
		for (j = 0; j < 16; j++) {
			e->saddr[j] = lcg() % 3 ? 0 : lcg();
			e->daddr[j] = lcg() % 2 ? 0 : lcg();
		}
		if (lcg() % 4 == 0)	/* ::ffff:a.b.c.d */
			memcpy(e->daddr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		e->sport = lcg() % 7 ? lcg() % 65536 : 8080;
		e->dport = lcg() % 65536;
		e->old_state = lcg() % (TCPSTATE_STATE_MAX + 2);
		e->new_state = lcg() % (TCPSTATE_STATE_MAX + 2);
		e->tw_exit = lcg() % 3 ? TCPSTATE_TW_EXIT_NONE :
			     lcg() % (TCPSTATE_TW_EXIT_MAX + 2);
		e->cookie = lcg64();
		e->netns = lcg() % 2 ? 4026531840U : lcg() << 8 ^ lcg();
		/* mostly forward by up to 0.4 s, sometimes back, or far */
		t += lcg() % 400 * NS_MS + lcg() % 1000;
		if (lcg() % 10 == 0)
			t -= lcg() % 3 * NS_S;
		e->time_ns = lcg() % 50 ? t : lcg64();
		e->prev_state_ns = lcg() % 5 ? lcg64() : 0;
		e->uid = lcg() % 4 == 0 ? TCPSTATE_UID_UNKNOWN : lcg() % 3 ? 0 : lcg();
		e->pid = lcg() % 3 ? lcg() : 0;
		strncpy(e->comm, comms[lcg() % ARRAY_SIZE(comms)], sizeof(e->comm));
		e->cgroup_id = lcg() % 3 ? lcg64() : 0;
	}
}

static void compare(const char *name, const char *want, const char *seen)
{
	size_t at = 0, line = 1;

	if (!strcmp(want, seen)) {
		ksft_test_result_pass("%s (%zu bytes)\n", name, strlen(seen));
		return;
	}
	while (want[at] == seen[at]) {
		line += want[at] == '\n';
		at++;
	}
	ksft_test_result_fail("%s: line %zu: wanted %.80s saw %.80s\n", name,
			      line, want + (at > 60 ? at - 60 : 0),
			      seen + (at > 60 ? at - 60 : 0));
}

/*
 * 3,000 random state changes come out byte for byte as the out_*() and
 * printf() code printed them: JSON, text, text with the netns column,
 * in UTC and in a zone that changes its clocks, a wall clock before the
 * epoch; read in batches of 256 records, as watch reads them.
 */
static void test_like_printf(void)
{
	static const struct {
		const char *name, *tz;
		bool json, all;
		__s64 offset;
	} runs[] = {
		{ "json_like_out", "UTC", true, false, OFFSET_NS },
		{ "text_like_printf", "UTC", false, false, OFFSET_NS },
		{ "text_netns_like_printf", "UTC", false, true, OFFSET_NS },
		{ "text_dst_zone_like_printf", "America/New_York", false, false,
		  /* 2023-11-05 05:59:00 UTC: a minute before clocks go back */
		  1699163940LL * (long long)NS_S - (long long)BOOT_NS },
		{ "text_before_epoch_like_printf", "UTC", false, false,
		  -(long long)BOOT_NS - 30 * (long long)NS_S },
	};
	int n = 3000, i, k;
	struct tcpstate_event *ev = calloc(n, sizeof(*ev));
	char err[128];

	random_events(ev, n);
	for (k = 0; k < (int)ARRAY_SIZE(runs); k++) {
		struct unit_buf bw, bs;
		struct watch_ctx w;
		FILE *fw, *fs;
		int lw = 15, rw = 15;
		char *want, *seen;

		setenv("TZ", runs[k].tz, 1);
		tzset();
		fw = unit_open(&bw);
		for (i = 0; i < n; i++) {
			if (runs[k].json)
				ref_json(fw, &ev[i]);
			else
				ref_text(&lw, &rw, runs[k].all, runs[k].offset,
					 fw, &ev[i]);
		}
		want = unit_take(&bw);
		fs = unit_open(&bs);
		watch_init(&w, runs[k].json, runs[k].all, 0, 0, runs[k].offset);
		for (i = 0; i < n; i += 256)
			watch_records(&w, fs, &ev[i],
				      (n - i < 256 ? n - i : 256) * sizeof(*ev),
				      err, sizeof(err));
		seen = unit_take(&bs);
		compare(runs[k].name, want, seen);
		free(want);
		free(seen);
	}
	setenv("TZ", "UTC", 1);
	tzset();
	free(ev);
}

/*
 * The longest lines a state change makes: every number at its widest, an
 * IPv6 address of eight full groups at each end, the longest state and
 * cause names, a process name escaped throughout.
 */
static void test_longest_line(void)
{
	struct tcpstate_event ev;
	struct unit_buf b;
	struct watch_ctx w;
	size_t longest = 0, name = 0;
	char err[128], *s;
	int i, json;

	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
		if (tw_exit_name(i) && strlen(tw_exit_name(i)) > name)
			name = strlen(tw_exit_name(i));
	if (name == TW_EXIT_NAME_MAX)
		ksft_test_result_pass("longest_cause_is_TW_EXIT_NAME_MAX\n");
	else
		ksft_test_result_fail("longest_cause_is_TW_EXIT_NAME_MAX: %d, saw %zu\n",
				      TW_EXIT_NAME_MAX, name);
	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = TCPSTATE_EVENT_STATE;
	ev.family = AF_INET6;
	memset(ev.saddr, 0xff, sizeof(ev.saddr));
	memset(ev.daddr, 0xff, sizeof(ev.daddr));
	ev.sport = 65535;
	ev.dport = 65535;
	ev.cookie = ~0ULL;
	ev.time_ns = ~0ULL;
	ev.prev_state_ns = ~0ULL;
	ev.netns = ~0U;
	ev.uid = TCPSTATE_UID_UNKNOWN - 1;
	ev.pid = ~0U;
	ev.cgroup_id = ~0ULL;
	ev.old_state = TCPSTATE_FIN_WAIT1;
	ev.new_state = TCPSTATE_CLOSE_WAIT;
	ev.tw_exit = TCPSTATE_TW_EXIT_EXPIRED;
	memset(ev.comm, '\x01', sizeof(ev.comm));
	for (json = 0; json < 2; json++) {
		watch_init(&w, json, true, 0, 0, OFFSET_NS);
		watch_records(&w, unit_open(&b), &ev, sizeof(ev), err, sizeof(err));
		s = unit_take(&b);
		if (strlen(s) > longest)
			longest = strlen(s);
		free(s);
	}
	if (longest == 498 && longest <= watch_line_longest)
		ksft_test_result_pass("longest_line_in_bound\n");
	else
		ksft_test_result_fail("longest_line_in_bound: expected 498 <= %zu, saw %zu\n",
				      watch_line_longest, longest);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ksft_print_header();
	ksft_set_plan(9 + 4 + 5 + 2);
	make_events();
	test_text();
	test_json();
	test_malformed();
	test_port_failures();
	test_like_printf();
	test_longest_line();
	fake_cgroups_remove(root, tree);
	ksft_finished();
}
