// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the owners in the TIME-WAIT and port reports, on a fake
 * snapshot whose cgroups live in a fake cgroup2 tree:
 *   nginx.service  (/system.slice/nginx.service) nginx, pids 100 and 101,
 *		    uid 33: 300 TIME-WAITs to 10.0.0.9:443 (150 each), a
 *		    SYN-SENT on the port of one of them, and 6 established
 *		    to 10.0.0.8:80;
 *   /svc_b	    curl, pid 200, uid 1000: 20 TIME-WAITs to 10.0.0.9:443
 *		    (10 of them with bytes after the comm's NUL), and a
 *		    SYN-SENT on a port an nginx TIME-WAIT holds; one
 *		    established to 10.0.0.8:80;
 *   a removed one  not visible (pid 0, no comm), uid 65534: 5
 *		    TIME-WAITs to 10.0.0.8:80;
 *   none (0)	    uid unknown: 2 TIME-WAITs to 10.0.0.8:80 (seeded);
 * and the failures nginx/100 twice (connect), curl/200 once (bind).
 * Exact counts by cgroup, comm, pid and uid, and the text and JSON.
 * TAP output.
 */
#include <errno.h>
#include <sys/socket.h>

#include "unit.h"

#include "../cgroup.h"
#include "../owner.h"
#include "../ports.h"
#include "../timewait.h"

#define NS_S 1000000000ULL
#define NOW (1000 * NS_S)
#define NCONNS 400

static const char *const tree[] = {
	"/system.slice",
	"/system.slice/nginx.service",
	"/svc_b",
	"/gone",
	NULL
};

static char root[64];
static __u64 id_nginx, id_svc_b, id_gone;
static struct tcpstate_conn conns[NCONNS];
static long nconns;
static struct tcpstate_stats stats;
static struct tcpstate_port_failure failures[3];

static void add(const char *dst, unsigned int dport, unsigned int sport,
		int state, __u64 cgroup, __u32 uid, __u32 pid, const char *comm)
{
	struct tcpstate_conn *c = &conns[nconns++];

	fake_conn(c, nconns, AF_INET, "10.0.0.1", sport, dst, dport, state);
	c->state_since_ns = NOW - NS_S;
	if (state == TCPSTATE_TIME_WAIT)
		c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	c->cgroup_id = cgroup;
	c->uid = uid;
	c->pid = pid;
	memcpy(c->comm, comm, strnlen(comm, sizeof(c->comm)));
}

static struct tcpstate_port_failure failure(int kind, __u64 ms, __u64 cgroup,
					    __u32 uid, __u32 pid,
					    const char *comm)
{
	struct tcpstate_port_failure f;

	memset(&f, 0, sizeof(f));
	f.time_ns = 5000 * NS_S + ms * 1000000ULL;
	f.kind = kind;
	f.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", f.saddr);
	if (kind == TCPSTATE_PORT_CONNECT) {
		inet_pton(AF_INET, "10.0.0.9", f.daddr);
		f.dport = 443;
	}
	f.error = kind == TCPSTATE_PORT_CONNECT ? -EADDRNOTAVAIL : -EADDRINUSE;
	f.cgroup_id = cgroup;
	f.uid = uid;
	f.pid = pid;
	memcpy(f.comm, comm, strnlen(comm, sizeof(f.comm)));
	return f;
}

static void make_snapshot(void)
{
	int i;

	fake_cgroups_make(root, tree);
	id_nginx = fake_cgroup_id(root, "/system.slice/nginx.service");
	id_svc_b = fake_cgroup_id(root, "/svc_b");
	id_gone = fake_cgroup_id(root, "/gone");
	fake_cgroup_remove(root, "/gone");
	cgroup_set_root(root);

	for (i = 0; i < 300; i++)
		add("10.0.0.9", 443, 40000 + i, TCPSTATE_TIME_WAIT, id_nginx,
		    33, i < 150 ? 100 : 101, "nginx");
	for (i = 0; i < 20; i++) {
		add("10.0.0.9", 443, 40300 + i, TCPSTATE_TIME_WAIT, id_svc_b,
		    1000, 200, "curl");
		/* what follows the NUL is not the name */
		if (i >= 10)
			memcpy(conns[nconns - 1].comm, "curl\0junk", 10);
	}
	add("10.0.0.9", 443, 40000, TCPSTATE_SYN_SENT, id_svc_b, 1000, 200,
	    "curl");
	/* and nginx/101 one on its own TIME-WAIT's port: still one port */
	add("10.0.0.9", 443, 40299, TCPSTATE_SYN_SENT, id_nginx, 33, 101,
	    "nginx");
	for (i = 0; i < 6; i++)
		add("10.0.0.8", 80, 40500 + i, TCPSTATE_ESTABLISHED, id_nginx,
		    33, 100, "nginx");
	add("10.0.0.8", 80, 40520, TCPSTATE_ESTABLISHED, id_svc_b, 1000, 200,
	    "curl");
	for (i = 0; i < 5; i++)
		add("10.0.0.8", 80, 40510 + i, TCPSTATE_TIME_WAIT, id_gone,
		    65534, 0, "");
	for (i = 0; i < 2; i++)
		add("10.0.0.8", 80, 40515 + i, TCPSTATE_TIME_WAIT, 0,
		    TCPSTATE_UID_UNKNOWN, 0, "");
	stats.netns = 4026531840U;

	failures[0] = failure(TCPSTATE_PORT_CONNECT, 100, id_nginx, 33, 100,
			      "nginx");
	failures[1] = failure(TCPSTATE_PORT_BIND, 200, id_svc_b, 1000, 200,
			      "curl");
	failures[2] = failure(TCPSTATE_PORT_CONNECT, 300, id_nginx, 33, 100,
			      "nginx");
}

/*
 * @s with the fake cgroups' ids, which the file system picks, as the
 * words NGINX, SVC_B and GONE: a decimal number (all of its digits) equal
 * to one of them is replaced.  A static copy.
 */
static const char *named_ids(const char *s)
{
	static char buf[16384];
	const struct {
		__u64 id;
		const char *name;
	} ids[] = {
		{ id_nginx, "NGINX" }, { id_svc_b, "SVC_B" }, { id_gone, "GONE" },
	};
	size_t n = 0, i, len;
	char num[32];

	while (*s && n + 40 < sizeof(buf)) {
		len = strspn(s, "0123456789");
		if (!len) {
			buf[n++] = *s++;
			continue;
		}
		snprintf(num, sizeof(num), "%.*s", (int)len, s);
		for (i = 0; i < ARRAY_SIZE(ids); i++)
			if (strtoull(num, NULL, 10) == ids[i].id)
				break;
		n += snprintf(buf + n, sizeof(buf) - n, "%s",
			      i < ARRAY_SIZE(ids) ? ids[i].name : num);
		s += len;
	}
	buf[n] = '\0';
	return buf;
}

/* expect_jq() of what named_ids() makes of jq's output. */
static void expect_jq_named(const char *name, const char *json,
			    const char *filter, const char *want)
{
	char *seen = run_jq(json, filter);

	if (!seen)
		ksft_test_result_skip("%s: jq not found\n", name);
	else
		expect_str(name, want, named_ids(seen));
	free(seen);
}

/* "name count, name count, ..." of @o[0..n). */
static char *owners_text(enum owner_by by, const struct owner_count *o,
			 size_t n)
{
	static char text[1024];
	char name[OWNER_NAME_LEN];
	size_t i, len = 0;

	text[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s%s %llu",
				i ? ", " : "",
				owner_name(name, sizeof(name), by, &o[i].key),
				(unsigned long long)o[i].count);
	return text;
}

static void tw_build(struct tw_report *r, enum owner_by by, unsigned int top)
{
	if (tw_report_build(r, conns, nconns, 0, top, by, NOW, &stats, &stats,
			    0))
		ksft_exit_fail_msg("tw_report_build failed\n");
}

static char *tw_render(const struct tw_report *r, bool json)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	tw_report_print(&o, r);
	out_finish(&o);
	return unit_take(&b);
}

static void test_timewait_by_each_key(void)
{
	static const struct {
		enum owner_by by;
		const char *want;	/* GONE: the removed cgroup's id */
		size_t owners;
	} cases[] = {
		{ OWNER_BY_CGROUP, "nginx.service 300, /svc_b 20, GONE 5, - 2", 4 },
		{ OWNER_BY_COMM, "nginx 300, curl 20, - 7", 3 },
		{ OWNER_BY_PID, "nginx/100 150, nginx/101 150, curl/200 20, - 7", 4 },
		{ OWNER_BY_UID, "33 300, 1000 20, 65534 5, - 2", 4 },
	};
	struct tw_report r;
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		tw_build(&r, cases[i].by, 5);
		snprintf(name, sizeof(name), "timewait_by_%s",
			 owner_by_name(cases[i].by));
		expect_str(name, cases[i].want,
			   named_ids(owners_text(r.by, r.owners, r.n_owners)));
		snprintf(name, sizeof(name), "timewait_by_%s_owner_count",
			 owner_by_name(cases[i].by));
		expect_u64(name, cases[i].owners, r.all_owners);
		tw_report_free(&r);
	}
	tw_build(&r, OWNER_BY_PID, 2);
	expect_str("timewait_by_pid_top_2", "nginx/100 150, nginx/101 150",
		   owners_text(r.by, r.owners, r.n_owners));
	expect_u64("timewait_by_pid_top_2_of_4", 4, r.all_owners);
	tw_report_free(&r);
}

/* The part of @s from @from through @to (all of @s when not found). */
static const char *section(const char *s, const char *from, const char *to)
{
	static char buf[4096];
	const char *a = strstr(s, from), *b = a ? strstr(a, to) : NULL;

	if (!b)
		return s;
	snprintf(buf, sizeof(buf), "%.*s", (int)(b + strlen(to) - a), a);
	return buf;
}

static void test_timewait_views(void)
{
	struct tw_report r;
	char *s;

	tw_build(&r, OWNER_BY_CGROUP, 2);
	s = tw_render(&r, false);
	expect_str("timewait_text_top_owners_next_to_top_remote",
		   "top remote endpoints:\n"
		   "  10.0.0.9:443                 320\n"
		   "  10.0.0.8:80                  7\n"
		   "top owners by cgroup:\n"
		   "  nginx.service                300\n"
		   "  /svc_b                       20\n"
		   "top local ports:\n",
		   section(s, "top remote", "top local ports:\n"));
	free(s);
	s = tw_render(&r, true);
	{
		static const char *const want[] = {
			"\"owners_by\":\"cgroup\",\"top_owners\":[",
			"{\"name\":\"nginx.service\",\"cgroup_id\":NGINX,",
			"\"cgroup\":\"/system.slice/nginx.service\",",
			"\"unit\":\"nginx.service\",\"count\":300},",
			"{\"name\":\"/svc_b\",\"cgroup_id\":SVC_B,",
			"\"cgroup\":\"/svc_b\",\"unit\":null,\"count\":20}],",
			"\"owner_count\":4,",
			NULL
		};
		expect_str("timewait_json_top_owners_by_cgroup", join(want),
			   section(named_ids(s), "\"owners_by\"",
				   "\"owner_count\":4,"));
	}
	free(s);
	tw_report_free(&r);

	tw_build(&r, OWNER_BY_PID, 5);
	s = tw_render(&r, true);
	{
		static const char *const want[] = {
			"[\"pid\",[",
			"{\"name\":\"nginx/100\",\"pid\":100,\"comm\":\"nginx\",\"count\":150},",
			"{\"name\":\"nginx/101\",\"pid\":101,\"comm\":\"nginx\",\"count\":150},",
			"{\"name\":\"curl/200\",\"pid\":200,\"comm\":\"curl\",\"count\":20},",
			"{\"name\":\"-\",\"pid\":0,\"comm\":\"\",\"count\":7}]]",
			NULL
		};
		expect_jq("timewait_json_by_pid", s,
			  "[.owners_by, .top_owners]", join(want));
	}
	free(s);
	tw_report_free(&r);

	tw_build(&r, OWNER_BY_UID, 5);
	s = tw_render(&r, true);
	expect_jq("timewait_json_by_uid_unknown_is_null", s,
		  "[.top_owners[] | [.name, .uid, .count]]",
		  "[[\"33\",33,300],[\"1000\",1000,20],[\"65534\",65534,5],[\"-\",null,2]]");
	free(s);
	tw_report_free(&r);

	tw_build(&r, OWNER_BY_COMM, 5);
	s = tw_render(&r, true);
	expect_jq("timewait_json_by_comm", s,
		  "[.top_owners[] | [.name, .comm, .count]]",
		  "[[\"nginx\",\"nginx\",300],[\"curl\",\"curl\",20],[\"-\",\"\",7]]");
	free(s);
	tw_report_free(&r);
}

static void ports_build_family(struct ports_report *r, enum owner_by by,
			       struct tcpstate_ports *p, int family)
{
	struct ports_input in;

	memset(p, 0, sizeof(*p));
	p->range_low = 40000;
	p->range_high = 40999;
	p->available = 1000;
	p->total[TCPSTATE_PORT_CONNECT][0] = 2;
	p->total[TCPSTATE_PORT_BIND][0] = 1;
	memset(&in, 0, sizeof(in));
	in.netns = stats.netns;
	in.second = conns;
	in.n_second = nconns;
	in.ports = p;
	in.failures = failures;
	in.n_failures = 3;
	in.by = by;
	in.family = family;
	in.warn_pct = 80;
	in.crit_pct = 95;
	if (ports_report_build(r, &in))
		ksft_exit_fail_msg("ports_report_build failed\n");
}

static void ports_build(struct ports_report *r, enum owner_by by,
			struct tcpstate_ports *p)
{
	ports_build_family(r, by, p, 0);
}

static char *ports_render(const struct ports_report *r, bool json,
			  unsigned int top)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), json);
	ports_report_print(&o, r, top, 0);
	out_finish(&o);
	return unit_take(&b);
}

/* "name ports/failures, ..." of @o[0..n). */
static char *owners_ports_text(enum owner_by by, const struct owner_count *o,
			       size_t n)
{
	static char text[1024];
	char name[OWNER_NAME_LEN];
	size_t i, len = 0;

	text[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s%s %llu/%llu",
				i ? ", " : "",
				owner_name(name, sizeof(name), by, &o[i].key),
				(unsigned long long)o[i].count,
				(unsigned long long)o[i].failures);
	return text;
}

static void test_ports_holders(void)
{
	struct tcpstate_ports p;
	struct ports_report r;
	char *s;

	ports_build(&r, OWNER_BY_CGROUP, &p);
	expect_u64("ports_two_destinations", 2, r.n_dests);
	expect_u64("ports_443_used_320_distinct_ports", 320,
		   r.n_dests ? r.dests[0].used : 0);
	expect_str("ports_443_held_by_nginx_300_svc_b_21",
		   "nginx.service 300, /svc_b 21",
		   owners_text(r.by, r.dests[0].holders, r.dests[0].n_holders));
	expect_str("ports_80_top_3_holders", "nginx.service 6, GONE 5, - 2",
		   named_ids(owners_text(r.by, r.dests[1].holders,
					 r.dests[1].n_holders)));
	expect_u64("ports_80_has_4_holders", 4, r.dests[1].all_holders);
	expect_str("ports_owners_ports_and_failures_by_cgroup",
		   "nginx.service 306/2, /svc_b 22/1, GONE 5/0, - 2/0",
		   named_ids(owners_ports_text(r.by, r.owners, r.n_owners)));
	expect_u64("ports_kept_failures", 3, r.kept_failures);

	s = ports_render(&r, false, 2);
	{
		static const char *const want[] = {
			"LOCAL    DESTINATION   USED  FREE USED%  NEW/s TW-EXIT/s EXHAUSTED-IN REUSE\n",
			"10.0.0.1 10.0.0.9:443   320   680  32.0      -         -            - no\n",
			"         held by nginx.service 300, /svc_b 21\n",
			"10.0.0.1 10.0.0.8:80     14   986   1.4      -         -            - no\n",
			"         held by nginx.service 6, GONE 5, - 2 (+1 more)\n",
			"OWNER (cgroup)   PORTS FAILURES\n",
			"nginx.service      306        2\n",
			"/svc_b              22        1\n",
			"(2 more owners: --top shows more)\n",
			"recent failures, newest first:\n",
			"  01:23:20.300 connect 10.0.0.9:443 from 10.0.0.1 pid 100 (nginx) cgroup nginx.service EADDRNOTAVAIL\n",
			"  01:23:20.200 bind 10.0.0.1 pid 200 (curl) cgroup /svc_b EADDRINUSE\n",
			"  01:23:20.100 connect 10.0.0.9:443 from 10.0.0.1 pid 100 (nginx) cgroup nginx.service EADDRNOTAVAIL\n",
			NULL
		};

		expect_str("ports_text_holders_owners_and_failures_by_cgroup",
			   join(want), named_ids(strstr(s, "LOCAL ") ?
						 strstr(s, "LOCAL ") : s));
	}
	free(s);

	/* More failures than the module keeps: the owners' are of those kept. */
	r.info.total[TCPSTATE_PORT_CONNECT][0] = 70;
	s = ports_render(&r, false, 2);
	expect_str("ports_text_says_failures_are_of_those_kept",
		   "(FAILURES: of the 3 failures the module keeps; 71 in all)\n",
		   strstr(s, "(FAILURES") ? section(s, "(FAILURES", ")\n") : s);
	free(s);
	r.info.total[TCPSTATE_PORT_CONNECT][0] = 2;

	s = ports_render(&r, true, 1);
	{
		static const char *const want[] = {
			"[[{\"name\":\"nginx.service\",\"cgroup_id\":NGINX,",
			"\"cgroup\":\"/system.slice/nginx.service\",\"unit\":\"nginx.service\",",
			"\"ports\":300},",
			"{\"name\":\"/svc_b\",\"cgroup_id\":SVC_B,\"cgroup\":\"/svc_b\",",
			"\"unit\":null,\"ports\":21}],2,\"cgroup\",",
			"[{\"name\":\"nginx.service\",\"cgroup_id\":NGINX,",
			"\"cgroup\":\"/system.slice/nginx.service\",\"unit\":\"nginx.service\",",
			"\"ports\":306,\"failures\":2}],4,3]",
			NULL
		};

		static const char *const filter[] = {
			"[.destinations[0].holders, .destinations[0].holder_count, ",
			".owners_by, .owners, .owner_count, .kept_failures]",
			NULL
		};
		static const char *const failures_want[] = {
			"[[100,\"nginx\",33,NGINX,\"/system.slice/nginx.service\",",
			"\"nginx.service\"],[200,\"curl\",1000,SVC_B,\"/svc_b\",null]]",
			NULL
		};
		char f[256];

		snprintf(f, sizeof(f), "%s", join(filter));
		expect_jq_named("ports_json_holders_and_owners", s, f,
				join(want));
		expect_jq_named("ports_json_failures_name_process_and_cgroup", s,
				"[.recent_failures[0,1] | [.pid, .comm, .uid, .cgroup_id, .cgroup, .unit]]",
				join(failures_want));
	}
	free(s);
	ports_report_free(&r);

	ports_build(&r, OWNER_BY_COMM, &p);
	expect_str("ports_owners_by_comm", "nginx 306/2, curl 22/1, - 7/0",
		   owners_ports_text(r.by, r.owners, r.n_owners));
	ports_report_free(&r);
	ports_build(&r, OWNER_BY_PID, &p);
	expect_str("ports_owners_by_pid",
		   "nginx/100 156/2, nginx/101 150/0, curl/200 22/1, - 7/0",
		   owners_ports_text(r.by, r.owners, r.n_owners));
	ports_report_free(&r);
	ports_build(&r, OWNER_BY_UID, &p);
	expect_str("ports_owners_by_uid", "33 306/2, 1000 22/1, 65534 5/0, - 2/0",
		   owners_ports_text(r.by, r.owners, r.n_owners));
	ports_report_free(&r);

	/* -6: none of it (the failures are IPv4 too) */
	ports_build_family(&r, OWNER_BY_CGROUP, &p, AF_INET6);
	expect_u64("ports_ipv6_only_no_owner_no_failure", 0,
		   r.n_owners + r.kept_failures);
	ports_report_free(&r);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(10 + 6 + 14);
	make_snapshot();
	test_timewait_by_each_key();
	test_timewait_views();
	test_ports_holders();
	fake_cgroups_remove(root, tree);
	ksft_finished();
}
