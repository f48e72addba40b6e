// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `tcpstate list`: filter matching, the order of the rows,
 * the table and the JSON.  TAP output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "unit.h"

#include "../cgroup.h"
#include "../errors.h"
#include "../format.h"
#include "../list.h"
#include "../states.h"

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

/*
 * The list as it was printed before rows were put together by hand:
 * fprintf() and out_*() field by field, sorted by qsort().  The
 * reference of test_like_printf().
 */
static int ref_cmp(const void *a, const void *b)
{
	const struct tcpstate_conn *x = *(const struct tcpstate_conn *const *)a;
	const struct tcpstate_conn *y = *(const struct tcpstate_conn *const *)b;

	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	return (x->cookie > y->cookie) - (x->cookie < y->cookie);
}

static const char *ref_state(int state)
{
	return state_ss_name(state) ? state_ss_name(state) : "?";
}

static void ref_item(struct output *o, const struct tcpstate_conn *c, __u64 in_state)
{
	char ep[FORMAT_ENDPOINT_LEN];

	out_begin_item(o, NULL);
	out_str(o, "state", NULL, ref_state(c->state));
	out_str(o, "local", NULL, format_endpoint(ep, sizeof(ep), c->family,
						  c->saddr, c->sport));
	out_str(o, "remote", NULL, format_endpoint(ep, sizeof(ep), c->family,
						   c->daddr, c->dport));
	out_u64(o, "cookie", NULL, c->cookie);
	out_str(o, "family", NULL, family_name(c->family));
	out_u64(o, "began_ns", NULL, c->began_ns);
	out_u64(o, "state_since_ns", NULL, c->state_since_ns);
	out_u64(o, "in_state_ns", NULL, in_state);
	out_u64(o, "expires_ns", NULL, c->expires_ns);
	out_owner(o, c->uid, c->cgroup_id, true, cgroup_path(c->cgroup_id),
		  c->pid, c->comm);
	out_begin_array(o, "flags", NULL);
	if (c->flags & TCPSTATE_F_TIMEWAIT_SOCK)
		out_str(o, NULL, NULL, "timewait_sock");
	if (c->flags & TCPSTATE_F_REQUEST_SOCK)
		out_str(o, NULL, NULL, "request_sock");
	if (c->flags & TCPSTATE_F_SEEDED)
		out_str(o, NULL, NULL, "seeded");
	out_end_array(o);
	out_end_item(o);
}

static void ref_table(FILE *f, const struct tcpstate_conn **sel, long n, __u64 now_ns)
{
	char l[FORMAT_ENDPOINT_LEN], p[FORMAT_ENDPOINT_LEN], dur[FORMAT_DURATION_LEN];
	int lw = 18, pw = 17, len;
	long i;

	for (i = 0; i < n; i++) {
		len = strlen(format_endpoint(l, sizeof(l), sel[i]->family,
					     sel[i]->saddr, sel[i]->sport));
		lw = len > lw ? len : lw;
		len = strlen(format_endpoint(p, sizeof(p), sel[i]->family,
					     sel[i]->daddr, sel[i]->dport));
		pw = len > pw ? len : pw;
	}
	fprintf(f, "%-*s %-*s %-*s %*s %-20s %-10s %-22s %s\n", 10,
		"State", lw, "Local Address:Port", pw, "Peer Address:Port", 8,
		"In-state", "Cookie", "Uid", "Process", "Cgroup");
	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = sel[i];
		char uid[16], proc[48], cg[32];
		const char *path = cgroup_path(c->cgroup_id);

		if (c->state_since_ns)
			format_duration(dur, sizeof(dur), now_ns > c->state_since_ns ?
					now_ns - c->state_since_ns : 0);
		else
			snprintf(dur, sizeof(dur), "-");
		if (c->uid == TCPSTATE_UID_UNKNOWN)
			snprintf(uid, sizeof(uid), "-");
		else
			snprintf(uid, sizeof(uid), "%u", c->uid);
		if (c->pid)
			snprintf(proc, sizeof(proc), "%.*s/%u", (int)sizeof(c->comm),
				 c->comm, c->pid);
		else
			snprintf(proc, sizeof(proc), "-");
		if (!path && c->cgroup_id)
			snprintf(cg, sizeof(cg), "%llu", (unsigned long long)c->cgroup_id);
		else if (!path)
			snprintf(cg, sizeof(cg), "-");
		fprintf(f, "%-*s %-*s %-*s %*s %-20llu %-10s %-22s %s\n", 10,
			ref_state(c->state), lw,
			format_endpoint(l, sizeof(l), c->family, c->saddr, c->sport),
			pw, format_endpoint(p, sizeof(p), c->family, c->daddr, c->dport),
			8, dur, (unsigned long long)c->cookie, uid, proc,
			path ? path : cg);
	}
}

static char *ref_render(bool json, const struct tcpstate_conn *c, long n, __u64 now)
{
	const struct tcpstate_conn **sel = calloc(n, sizeof(*sel));
	struct unit_buf b;
	struct output o;
	long i;

	for (i = 0; i < n; i++)
		sel[i] = &c[i];
	qsort(sel, n, sizeof(*sel), ref_cmp);
	out_init(&o, unit_open(&b), json);
	if (!json) {
		ref_table(o.f, sel, n, now);
	} else {
		out_begin_array(&o, "connections", NULL);
		for (i = 0; i < n; i++) {
			__u64 since = sel[i]->state_since_ns;

			ref_item(&o, sel[i], since && now > since ? now - since : 0);
		}
		out_end_array(&o);
		out_u64(&o, "count", NULL, (__u64)n);
	}
	out_finish(&o);
	free(sel);
	return unit_take(&b);
}

static unsigned int lcg(void)
{
	static unsigned int x = 2024;

	x = x * 1103515245 + 12345;
	return x >> 8;
}

/* Random connections: every field, odd process names, equal ports. */
static void random_conns(struct tcpstate_conn *c, long n)
{
	static const char *const comms[] = {
		"", "curl", "nginx: worker", "a\"b\\c", "tab\there\x01", "exactly16chars!!",
		"\xc3\xa9t\xc3\xa9",
	};
	long i;
	int j;

	for (i = 0; i < n; i++) {
		struct tcpstate_conn *x = &c[i];
		unsigned int r = lcg();

		memset(x, 0, sizeof(*x));
		x->family = r % 5 == 0 ? AF_INET6 : r % 23 == 1 ? 0 : AF_INET;
		for (j = 0; j < 16; j++) {
			x->saddr[j] = lcg() % 3 ? 0 : lcg();
			x->daddr[j] = lcg() % 2 ? 0 : lcg();
		}
		x->sport = lcg() % 7 ? lcg() % 65536 : 8080;
		x->dport = lcg() % 65536;
		x->state = lcg() % (TCPSTATE_STATE_MAX + 1);
		x->flags = lcg() % 16;
		x->cookie = ((__u64)lcg() << 32 ^ lcg()) >> (lcg() % 64);
		x->began_ns = (__u64)lcg() * lcg();
		x->state_since_ns = lcg() % 9 ? NOW - ((__u64)lcg() * (lcg() % 1000)) : 0;
		x->expires_ns = lcg() % 2 ? 0 : NOW + lcg();
		x->uid = lcg() % 4 == 0 ? TCPSTATE_UID_UNKNOWN : lcg() % 3 ? 0 : lcg();
		x->pid = lcg() % 3 ? lcg() : 0;
		strncpy(x->comm, comms[lcg() % ARRAY_SIZE(comms)], sizeof(x->comm));
		x->cgroup_id = lcg() % 3 == 0 ? 0 : lcg() % 2 ? 0xfffffffff0ULL + lcg() % 5 : 1;
	}
}

/*
 * 3,000 random connections come out byte for byte as the printf and
 * out_*() code printed them, in text and in JSON, sorted the same.
 */
static void test_like_printf(void)
{
	long n = 3000;
	struct tcpstate_conn *c = calloc(n, sizeof(*c));
	struct conn_filter f;
	struct unit_buf b;
	struct output o;
	char *want, *seen;
	int json;

	random_conns(c, n);
	filter_init(&f);
	for (json = 0; json < 2; json++) {
		want = ref_render(json, c, n, NOW);
		out_init(&o, unit_open(&b), json);
		list_print(&o, c, n, &f, NOW);
		out_finish(&o);
		seen = unit_take(&b);
		if (!strcmp(want, seen)) {
			ksft_test_result_pass("%s_like_printf (%zu bytes)\n",
					      json ? "json" : "text", strlen(seen));
		} else {
			size_t at = 0, line = 1;

			while (want[at] == seen[at]) {
				line += want[at] == '\n';
				at++;
			}
			ksft_test_result_fail("%s_like_printf: line %zu: wanted %.80s saw %.80s\n",
					      json ? "json" : "text", line,
					      want + (at > 60 ? at - 60 : 0),
					      seen + (at > 60 ? at - 60 : 0));
		}
		free(want);
		free(seen);
	}
	free(c);
}

/*
 * Cgroups with paths longer than a row's buffer and names JSON escapes
 * ('"', '\\'), in a fake cgroup2 tree: the rows grow for them.
 */
static void test_long_cgroup(void)
{
	char root[] = "/tmp/tcpstate-list-XXXXXX", path[4096], name[200];
	struct tcpstate_conn c[40];
	struct conn_filter f;
	struct unit_buf b;
	struct output o;
	struct stat st;
	char *want, *seen;
	const char *mark;
	size_t len;
	int i, json, depth = 0;
	__u64 ids[2];

	if (!mkdtemp(root))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[5] = '"';
	name[9] = '\\';
	len = snprintf(path, sizeof(path), "%s/q\"uote", root);
	mkdir(path, 0700);
	stat(path, &st);
	ids[0] = st.st_ino;
	while (len + sizeof(name) + 1 < sizeof(path) - 200) {
		len += snprintf(path + len, sizeof(path) - len, "/%s", name);
		if (mkdir(path, 0700))
			ksft_exit_fail_msg("mkdir: %s\n", strerror(errno));
		depth++;
	}
	stat(path, &st);
	ids[1] = st.st_ino;
	cgroup_set_root(root);
	random_conns(c, ARRAY_SIZE(c));
	for (i = 0; i < (int)ARRAY_SIZE(c); i++)
		c[i].cgroup_id = ids[i % 2];
	filter_init(&f);
	for (json = 0; json < 2; json++) {
		want = ref_render(json, c, ARRAY_SIZE(c), NOW);
		out_init(&o, unit_open(&b), json);
		list_print(&o, c, ARRAY_SIZE(c), &f, NOW);
		out_finish(&o);
		seen = unit_take(&b);
		mark = json ? "/nnnnn\\\"nnn\\\\nn" : "/nnnnn\"nnn\\nn";
		len = strlen(path) - strlen(root);
		if (!strcmp(want, seen) && strstr(seen, mark))
			ksft_test_result_pass("%s_cgroup_path_of_%zu_bytes\n",
					      json ? "json" : "text", len);
		else
			ksft_test_result_fail("%s_cgroup_path_of_%zu_bytes: %s %.200s saw %.200s\n",
					      json ? "json" : "text", len, "expected", want, seen);
		free(want);
		free(seen);
	}
	cgroup_set_root(NULL);
	for (; depth >= 0; depth--) {
		rmdir(path);
		*strrchr(path, '/') = '\0';
	}
	rmdir(root);
}

/* Where stderr went before stderr_to(). */
static int stderr_saved = -1;

/* stderr into @log, emptied, until stderr_back(). */
static void stderr_to(FILE *log)
{
	fflush(stderr);
	if (stderr_saved < 0)
		stderr_saved = dup(2);
	if (stderr_saved < 0 || ftruncate(fileno(log), 0) ||
	    lseek(fileno(log), 0, SEEK_SET) || dup2(fileno(log), 2) < 0)
		ksft_exit_fail_msg("stderr to a file: %s\n", strerror(errno));
}

/* stderr back where it was; what went into @log, in @buf. */
static char *stderr_back(FILE *log, char *buf, size_t size)
{
	ssize_t n;

	dup2(stderr_saved, 2);
	n = pread(fileno(log), buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/*
 * `tcpstate list > /dev/full`, text and JSON, of one row (the flush at the
 * end fails) and of 3,000 (a block's write fails, its reason kept): exit
 * status 1 and one line on stderr that says why.  To /dev/null: 0 and
 * nothing on stderr.  And report_write_failure() after a write that
 * failed with no reason kept: "write error".
 */
static void test_write_error(void)
{
	static const char full[] = "tcpstate: stdout: No space left on device\n";
	struct tcpstate_conn *c = calloc(3000, sizeof(*c));
	char err[256], name[64], big_text[70000];
	int i, json, rows, fails, rc;
	struct conn_filter f;
	const char *to, *want;
	FILE *out, *log;

	log = tmpfile();
	if (!c || !log)
		ksft_exit_fail_msg("calloc or tmpfile failed\n");
	random_conns(c, 3000);
	filter_init(&f);
	for (i = 0; i < 6; i++) {
		json = i % 2;
		rows = i < 2 ? 1 : 3000;
		fails = i < 4;
		to = fails ? "/dev/full" : "/dev/null";
		want = fails ? full : "";
		out = fopen(to, "w");
		if (!out)
			ksft_exit_fail_msg("fopen %s: %s\n", to, strerror(errno));
		stderr_to(log);
		rc = list_write(out, json, c, rows, &f, NOW);
		fclose(out);
		stderr_back(log, err, sizeof(err));
		snprintf(name, sizeof(name), "%s_%d_rows_to_%s", json ? "json" : "text",
			 rows, to + 5);
		if (rc == fails && !strcmp(err, want))
			ksft_test_result_pass("%s\n", name);
		else
			ksft_test_result_fail("%s: expected %d, \"%s\"; saw %d, \"%s\"\n",
					      name, fails, want, rc, err);
	}

	want = "tcpstate: stdout: write error\n";
	out = fopen("/dev/full", "w");
	if (!out)
		ksft_exit_fail_msg("fopen /dev/full: %s\n", strerror(errno));
	memset(big_text, 'x', sizeof(big_text));
	fwrite(big_text, 1, sizeof(big_text), out);	/* past the buffer: fails now */
	stderr_to(log);
	rc = report_write_failure(out, 0);
	fclose(out);
	stderr_back(log, err, sizeof(err));
	if (rc == -1 && !strcmp(err, want))
		ksft_test_result_pass("write_failure_without_a_reason\n");
	else
		ksft_test_result_fail("%s: expected -1, \"%s\"; saw %d, \"%s\"\n",
				      "write_failure_without_a_reason", want, rc, err);
	close(stderr_saved);
	fclose(log);
	free(c);
}

/* The one row of @c, as list_print() writes it at @now_ns. */
static char *render_one(bool json, const struct tcpstate_conn *c, __u64 now_ns)
{
	struct conn_filter f;
	struct unit_buf b;
	struct output o;

	filter_init(&f);
	out_init(&o, unit_open(&b), json);
	list_print(&o, c, 1, &f, now_ns);
	out_finish(&o);
	return unit_take(&b);
}

/*
 * The widest connection of each family (every address byte 0xff, ports
 * 65535, 20-digit numbers, uid and pid of 10 digits, a comm of 16 bytes
 * that JSON escapes, every flag) in each state, with the longest time in
 * state (text) or the most digits of time (JSON: 20 for its start, 19 for
 * the time in state: both 20 would pass 2^64):
 * the longest text row but for its cgroup and newline, and the longest
 * JSON object, are as long as counted by hand, within the bounds list.c
 * holds its buffers to at build time.
 */
static void test_longest_rows(void)
{
	static const int families[] = { AF_INET6, AF_INET, 0 };
	static const __u64 since[] = { 1, 10000000000000000000ULL };
	static const char head[] = "{\"connections\":[", tail[] = "],\"count\":1}\n";
	size_t text = 0, json = 0, names = 0, n;
	struct tcpstate_conn c;
	unsigned int i;
	const char *name;
	char *s, *row;
	int st;

	for (st = 0; st <= TCPSTATE_STATE_MAX; st++) {
		name = state_ss_name(st);
		if (name && strlen(name) > names)
			names = strlen(name);
		for (i = 0; i < ARRAY_SIZE(families) * ARRAY_SIZE(since); i++) {
			memset(&c, 0, sizeof(c));
			c.family = families[i / ARRAY_SIZE(since)];
			memset(c.saddr, 0xff, sizeof(c.saddr));
			memset(c.daddr, 0xff, sizeof(c.daddr));
			c.sport = 65535;
			c.dport = 65535;
			c.state = st;
			c.flags = TCPSTATE_F_TIMEWAIT_SOCK | TCPSTATE_F_REQUEST_SOCK |
				  TCPSTATE_F_SEEDED;
			c.cookie = UINT64_MAX;
			c.began_ns = UINT64_MAX;
			c.state_since_ns = since[i % ARRAY_SIZE(since)];
			c.expires_ns = UINT64_MAX;
			c.uid = TCPSTATE_UID_UNKNOWN - 1;
			c.pid = UINT32_MAX;
			c.cgroup_id = UINT64_MAX;	/* no such cgroup: its id */
			memset(c.comm, '\x01', sizeof(c.comm));

			s = render_one(false, &c, UINT64_MAX);
			row = strchr(s, '\n') + 1;	/* under the header */
			n = strrchr(row, ' ') + 1 - row;	/* the cgroup last */
			text = n > text ? n : text;
			free(s);

			s = render_one(true, &c, UINT64_MAX);
			n = strlen(s) - strlen(head) - strlen(tail);
			json = n > json ? n : json;
			free(s);
		}
	}
	if (names == STATE_SS_NAME_MAX)
		ksft_test_result_pass("longest_state_name_is_STATE_SS_NAME_MAX\n");
	else
		ksft_test_result_fail("longest_state_name_is_STATE_SS_NAME_MAX: %d, saw %zu\n",
				      STATE_SS_NAME_MAX, names);
	if (text == 178 && text <= list_row_longest)
		ksft_test_result_pass("text_longest_row_in_bound\n");
	else
		ksft_test_result_fail("text_longest_row_in_bound: expected 178 <= %zu, saw %zu\n",
				      list_row_longest, text);
	if (json == 560 && json <= list_json_row_longest)
		ksft_test_result_pass("json_longest_row_in_bound\n");
	else
		ksft_test_result_fail("json_longest_row_in_bound: expected 560 <= %zu, saw %zu\n",
				      list_json_row_longest, json);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(18 + 3 + 2 + 2 + 3 + 7);
	make_snapshot();
	test_filters();
	test_output();
	test_like_printf();
	test_long_cgroup();
	test_longest_rows();
	test_write_error();
	ksft_finished();
}
