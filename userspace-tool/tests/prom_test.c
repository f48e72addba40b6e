// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus view on fake samples, through the same report builders
 * as the commands: the whole exposition of one namespace, byte for byte
 * (families once each, HELP and TYPE, counters _total, labels); the top N
 * destinations and the "other" bucket; two namespaces' samples grouped
 * under each family; tcpstate_up 0 alone on failure; label values
 * escaped; and `promtool check metrics` on the output when promtool is
 * installed (Debian's prometheus package).
 */
#include <sys/socket.h>

#include "unit.h"

#include "../cgroup.h"
#include "../prom.h"
#include "../report.h"

#define NETNS_A 4026531840U
#define NETNS_B 4026532001U

static struct tcpstate_conn conns[6];

/* The cgroups of the connections, in a fake cgroup2 tree. */
static const char *const tree[] = {
	"/system.slice",
	"/system.slice/nginx.service",
	"/svc_b",
	NULL
};

static char root[64];

/*
 * A namespace with 1 established connection, 4 TIME-WAIT, to three
 * destinations; range 40000-40009 (10 ports).
 */
static void fake_sample(struct report_sample *s, __u32 netns)
{
	struct tcpstate_stats *st = &s->stats;

	memset(s, 0, sizeof(*s));
	s->what = REPORT_STATS | REPORT_TABLE | REPORT_PORTS;
	s->time_ns = 1000000000ULL;
	s->done_ns = s->time_ns;
	st->netns = netns;
	st->flags = TCPSTATE_STATS_MODULE_WIDE;
	st->entries = 6;
	st->timewait_socks = 4;
	st->gauge[TCPSTATE_ESTABLISHED] = 1;
	st->gauge[TCPSTATE_TIME_WAIT] = 4;
	st->gauge[TCPSTATE_LISTEN] = 1;
	st->transitions[TCPSTATE_FIN_WAIT2][TCPSTATE_TIME_WAIT] = 9;
	st->transitions[TCPSTATE_TIME_WAIT][TCPSTATE_CLOSE] = 5;
	st->tw_exits[TCPSTATE_TW_EXIT_EXPIRED] = 3;
	st->tw_exits[TCPSTATE_TW_EXIT_REUSED] = 1;
	st->tw_exits[TCPSTATE_TW_EXIT_RST] = 1;
	st->tw_overflows = 2;
	st->size = sizeof(*st);
	st->dropped = 7;
	st->drops[TCPSTATE_DROP_QUOTA] = 4;
	st->drops[TCPSTATE_DROP_CAP] = 2;
	st->drops[TCPSTATE_DROP_NOMEM] = 1;
	st->quota = 30;
	st->init_net_reserve = 500;
	st->events_lost = 0;
	st->misses[TCPSTATE_MISS_TW_KILL] = 11;
	st->all_tw_netns_exits = 12;
	st->all_entries = 13;
	st->max_entries = 1000;
	fake_conn(&conns[0], 1, AF_INET, "10.0.0.1", 40000, "10.0.0.9", 80,
		  TCPSTATE_TIME_WAIT);
	fake_conn(&conns[1], 2, AF_INET, "10.0.0.1", 40001, "10.0.0.9", 80,
		  TCPSTATE_TIME_WAIT);
	fake_conn(&conns[2], 3, AF_INET, "10.0.0.1", 40002, "10.0.0.9", 80,
		  TCPSTATE_ESTABLISHED);
	fake_conn(&conns[3], 4, AF_INET6, "::1", 40003, "::1", 8080,
		  TCPSTATE_TIME_WAIT);
	fake_conn(&conns[4], 5, AF_INET, "10.0.0.1", 40004, "10.0.0.8", 443,
		  TCPSTATE_TIME_WAIT);
	fake_conn(&conns[5], 6, AF_INET, "0.0.0.0", 22, "0.0.0.0", 0,
		  TCPSTATE_LISTEN);
	/* nginx.service holds 3 ports, /svc_b 1, an unknown cgroup 1. */
	conns[0].cgroup_id = fake_cgroup_id(root, tree[1]);
	conns[1].cgroup_id = conns[0].cgroup_id;
	conns[2].cgroup_id = conns[0].cgroup_id;
	conns[3].cgroup_id = fake_cgroup_id(root, tree[2]);
	s->conns = conns;
	s->n_conns = 6;
	s->ports.range_low = 40000;
	s->ports.range_high = 40009;
	s->ports.available = 10;
	s->ports.total[TCPSTATE_PORT_CONNECT][0] = 4;
	s->ports.total[TCPSTATE_PORT_BIND][1] = 1;
}

struct fake_ns {
	struct report_sample s;
	struct summary_report sum;
	struct ports_report ports;
};

static void fake_ns(struct fake_ns *f, __u32 netns)
{
	fake_sample(&f->s, netns);
	report_summary(&f->sum, NULL, &f->s, 0);
	if (report_ports(&f->ports, NULL, &f->s, 0, OWNER_BY_CGROUP, 80, 95))
		ksft_exit_fail_msg("report_ports failed\n");
}

static const char *const want_one[] = {
	"# HELP tcpstate_up Whether the exporter read /dev/tcpstate (1) or failed to (0).\n",
	"# TYPE tcpstate_up gauge\n",
	"tcpstate_up 1\n",
	"# HELP tcpstate_connections TCP connections per state, TIME-WAIT included, as ss -tan counts them.\n",
	"# TYPE tcpstate_connections gauge\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"established\"} 1\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"syn_sent\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"syn_recv\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"fin_wait1\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"fin_wait2\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"time_wait\"} 4\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"closed\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"close_wait\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"last_ack\"} 0\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"listen\"} 1\n",
	"tcpstate_connections{netns=\"4026531840\",state=\"closing\"} 0\n",
	"# HELP tcpstate_timewait_sockets Connections held by timewait sockets (TIME-WAIT and FIN-WAIT-2): the tw of /proc/net/sockstat.\n",
	"# TYPE tcpstate_timewait_sockets gauge\n",
	"tcpstate_timewait_sockets{netns=\"4026531840\"} 4\n",
	"# HELP tcpstate_timewait_entries_total Entries into TIME-WAIT.\n",
	"# TYPE tcpstate_timewait_entries_total counter\n",
	"tcpstate_timewait_entries_total{netns=\"4026531840\"} 9\n",
	"# HELP tcpstate_timewait_exits_total Timewait sockets ended, by cause.\n",
	"# TYPE tcpstate_timewait_exits_total counter\n",
	"tcpstate_timewait_exits_total{netns=\"4026531840\",cause=\"expired\"} 3\n",
	"tcpstate_timewait_exits_total{netns=\"4026531840\",cause=\"reused\"} 1\n",
	"tcpstate_timewait_exits_total{netns=\"4026531840\",cause=\"syn\"} 0\n",
	"tcpstate_timewait_exits_total{netns=\"4026531840\",cause=\"rst\"} 1\n",
	"tcpstate_timewait_exits_total{netns=\"4026531840\",cause=\"other\"} 0\n",
	"# HELP tcpstate_timewait_overflows_total Connections that got no timewait socket (tcp_max_tw_buckets).\n",
	"# TYPE tcpstate_timewait_overflows_total counter\n",
	"tcpstate_timewait_overflows_total{netns=\"4026531840\"} 2\n",
	"# HELP tcpstate_dropped_total Connections not mirrored, by reason: the namespace's quota, the module's cap (max_entries, less init_net_reserve for the other namespaces), no memory (or the memory cgroup's limit), the limit of the namespace's user (user_max_entries).\n",
	"# TYPE tcpstate_dropped_total counter\n",
	"tcpstate_dropped_total{netns=\"4026531840\",reason=\"quota\"} 4\n",
	"tcpstate_dropped_total{netns=\"4026531840\",reason=\"cap\"} 2\n",
	"tcpstate_dropped_total{netns=\"4026531840\",reason=\"nomem\"} 1\n",
	"tcpstate_dropped_total{netns=\"4026531840\",reason=\"user\"} 0\n",
	"# HELP tcpstate_quota Most connections the namespace may have mirrored (no series: no limit).\n",
	"# TYPE tcpstate_quota gauge\n",
	"tcpstate_quota{netns=\"4026531840\"} 30\n",
	"# HELP tcpstate_events_lost_total Event records the exporter's device file dropped.\n",
	"# TYPE tcpstate_events_lost_total counter\n",
	"tcpstate_events_lost_total{netns=\"4026531840\"} 0\n",
	"# HELP tcpstate_port_failures_total Calls that found no free local port: connect() with EADDRNOTAVAIL, bind() to port 0.\n",
	"# TYPE tcpstate_port_failures_total counter\n",
	"tcpstate_port_failures_total{netns=\"4026531840\",kind=\"connect\",family=\"ipv4\"} 4\n",
	"tcpstate_port_failures_total{netns=\"4026531840\",kind=\"connect\",family=\"ipv6\"} 0\n",
	"tcpstate_port_failures_total{netns=\"4026531840\",kind=\"bind\",family=\"ipv4\"} 0\n",
	"tcpstate_port_failures_total{netns=\"4026531840\",kind=\"bind\",family=\"ipv6\"} 1\n",
	"# HELP tcpstate_ports_available Ports of the local port range, less the reserved ones.\n",
	"# TYPE tcpstate_ports_available gauge\n",
	"tcpstate_ports_available{netns=\"4026531840\"} 10\n",
	"# HELP tcpstate_ports_destinations Destinations connect() picked local ports for.\n",
	"# TYPE tcpstate_ports_destinations gauge\n",
	"tcpstate_ports_destinations{netns=\"4026531840\"} 3\n",
	"# HELP tcpstate_ports_used Local ports in use towards a destination (dst=\"other\": the sum past the top N).\n",
	"# TYPE tcpstate_ports_used gauge\n",
	"tcpstate_ports_used{netns=\"4026531840\",src=\"10.0.0.1\",dst=\"10.0.0.9:80\"} 3\n",
	"tcpstate_ports_used{netns=\"4026531840\",dst=\"other\"} 2\n",
	"# HELP tcpstate_ports_free Local ports still free towards a destination (dst=\"other\": the fewest past the top N).\n",
	"# TYPE tcpstate_ports_free gauge\n",
	"tcpstate_ports_free{netns=\"4026531840\",src=\"10.0.0.1\",dst=\"10.0.0.9:80\"} 7\n",
	"tcpstate_ports_free{netns=\"4026531840\",dst=\"other\"} 9\n",
	"# HELP tcpstate_ports_headroom_ratio Free over available local ports towards a destination (dst=\"other\": the lowest past the top N).\n",
	"# TYPE tcpstate_ports_headroom_ratio gauge\n",
	"tcpstate_ports_headroom_ratio{netns=\"4026531840\",src=\"10.0.0.1\",dst=\"10.0.0.9:80\"} 0.7\n",
	"tcpstate_ports_headroom_ratio{netns=\"4026531840\",dst=\"other\"} 0.9\n",
	"# HELP tcpstate_ports_used_by_cgroup Local ports in use towards any destination by the connections of a cgroup: its systemd unit, else its path, else its id, - when not known (cgroup=\"other\": the sum past the top N).\n",
	"# TYPE tcpstate_ports_used_by_cgroup gauge\n",
	"tcpstate_ports_used_by_cgroup{netns=\"4026531840\",cgroup=\"nginx.service\"} 3\n",
	"tcpstate_ports_used_by_cgroup{netns=\"4026531840\",cgroup=\"other\"} 2\n",
	"# HELP tcpstate_misses_total Facts a hook of the module missed, in all namespaces (the reconcile pass repairs the table, but not an owner: accept, owner).\n",
	"# TYPE tcpstate_misses_total counter\n",
	"tcpstate_misses_total{hook=\"state\"} 0\n",
	"tcpstate_misses_total{hook=\"tw_enter\"} 0\n",
	"tcpstate_misses_total{hook=\"tw_kill\"} 11\n",
	"tcpstate_misses_total{hook=\"tw_segment\"} 0\n",
	"tcpstate_misses_total{hook=\"req_hash\"} 0\n",
	"tcpstate_misses_total{hook=\"req_promote\"} 0\n",
	"tcpstate_misses_total{hook=\"req_free\"} 0\n",
	"tcpstate_misses_total{hook=\"connect_port\"} 0\n",
	"tcpstate_misses_total{hook=\"bind_port\"} 0\n",
	"tcpstate_misses_total{hook=\"alloc\"} 0\n",
	"tcpstate_misses_total{hook=\"accept\"} 0\n",
	"tcpstate_misses_total{hook=\"owner\"} 0\n",
	"# HELP tcpstate_module_timewait_netns_exits_total Timewait sockets ended by the deletion of their namespace, in all namespaces.\n",
	"# TYPE tcpstate_module_timewait_netns_exits_total counter\n",
	"tcpstate_module_timewait_netns_exits_total 12\n",
	"# HELP tcpstate_module_entries Connections in the tables of all namespaces.\n",
	"# TYPE tcpstate_module_entries gauge\n",
	"tcpstate_module_entries 13\n",
	"# HELP tcpstate_module_max_entries The cap on the entries of all tables (module parameter max_entries).\n",
	"# TYPE tcpstate_module_max_entries gauge\n",
	"tcpstate_module_max_entries 1000\n",
	"# HELP tcpstate_module_init_net_reserve Entries of the cap only the initial namespace may use (module parameter init_net_reserve).\n",
	"# TYPE tcpstate_module_init_net_reserve gauge\n",
	"tcpstate_module_init_net_reserve 500\n",
	NULL
};

/*
 * `promtool check metrics` on @text: its output and status, or NULL when
 * promtool is not installed.
 */
static char *promtool_check(const char *text, int *status)
{
	if (system("command -v promtool >/dev/null 2>&1"))
		return NULL;
	return run_with_input(text, "promtool check metrics", status);
}

static void test_one_namespace(void)
{
	struct prom_netns ns;
	struct prom_buf b;
	struct fake_ns a;
	char *out;
	int status = -1;

	fake_ns(&a, NETNS_A);
	ns.sum = &a.sum;
	ns.ports = &a.ports;
	prom_buf_init(&b);
	if (prom_format(&b, &ns, 1, 1, true))
		ksft_exit_fail_msg("prom_format failed\n");
	expect_str("one_namespace_top_1_and_other", join(want_one), b.text);

	out = promtool_check(b.text, &status);
	if (!out) {
		ksft_test_result_skip("promtool_check_metrics: no promtool\n");
	} else if (status == 0 && !out[0]) {
		ksft_test_result_pass("promtool_check_metrics_passes\n");
	} else {
		ksft_test_result_fail("promtool_check_metrics_passes: status %d: %s\n",
				      status, out);
	}
	free(out);
	prom_buf_free(&b);
	ports_report_free(&a.ports);
}

/* Count lines of @text that start with @prefix. */
static unsigned int lines_with(const char *text, const char *prefix)
{
	unsigned int n = 0;
	const char *p = text;
	size_t len = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* The lines of @text that start with @prefix, one after the other. */
static const char *samples_of(const char *text, const char *prefix)
{
	static char buf[4096];
	const char *p = strstr(text, prefix), *end = p;

	while (end && !strncmp(end, prefix, strlen(prefix))) {
		end = strchr(end, '\n');
		if (end)
			end++;
	}
	if (!p || !end)
		return "";
	snprintf(buf, sizeof(buf), "%.*s", (int)(end - p), p);
	return buf;
}

static const char failures_b[] =
	"tcpstate_port_failures_total{netns=\"4026532001\",kind=\"connect\",family=\"ipv4\"} 4\n";
static const char headroom_v6[] =
	"tcpstate_ports_headroom_ratio{netns=\"4026531840\",src=\"::1\",dst=\"[::1]:8080\"} 0.9\n";

static void test_two_namespaces_and_top(void)
{
	struct prom_netns ns[2];
	struct fake_ns a, b2;
	struct prom_buf b;
	const char *first_b, *last_a;

	fake_ns(&a, NETNS_A);
	fake_ns(&b2, NETNS_B);
	ns[0].sum = &a.sum;
	ns[0].ports = &a.ports;
	ns[1].sum = &b2.sum;
	ns[1].ports = NULL;	/* no file names it: counters only */
	prom_buf_init(&b);
	if (prom_format(&b, ns, 2, 20, true))
		ksft_exit_fail_msg("prom_format failed\n");
	expect_u64("each_family_has_one_help", 1,
		   lines_with(b.text, "# HELP tcpstate_connections "));
	expect_u64("both_namespaces_have_connections", 22,
		   lines_with(b.text, "tcpstate_connections{"));
	/* The family's samples are together: a's, then b's, then the next. */
	first_b = strstr(b.text, "tcpstate_connections{netns=\"4026532001\"");
	last_a = strstr(b.text,
			"tcpstate_connections{netns=\"4026531840\",state=\"closing\"}");
	expect_u64("samples_grouped_under_their_family", 1,
		   first_b && last_a && first_b > last_a &&
		   !strstr(last_a, "# HELP tcpstate_connections"));
	/* --top 20 of three destinations: all of them, no "other". */
	expect_u64("top_20_shows_the_three_destinations", 3,
		   lines_with(b.text, "tcpstate_ports_used{"));
	expect_u64("no_other_bucket_when_all_fit", 0,
		   !!strstr(b.text, ",dst=\"other\"}"));
	expect_u64("namespace_without_table_has_no_destination_series", 0,
		   !!strstr(b.text, "tcpstate_ports_used{netns=\"4026532001\""));
	expect_u64("namespace_without_table_keeps_its_port_failures", 1,
		   !!strstr(b.text, failures_b));
	expect_u64("headroom_of_the_ipv6_destination", 1,
		   !!strstr(b.text, headroom_v6));
	/* Every cgroup, most ports first, ties by id (0, unknown, first). */
	expect_str("top_20_shows_every_cgroup_and_no_other",
		   "tcpstate_ports_used_by_cgroup{netns=\"4026531840\",cgroup=\"nginx.service\"} 3\n"
		   "tcpstate_ports_used_by_cgroup{netns=\"4026531840\",cgroup=\"-\"} 1\n"
		   "tcpstate_ports_used_by_cgroup{netns=\"4026531840\",cgroup=\"/svc_b\"} 1\n",
		   samples_of(b.text, "tcpstate_ports_used_by_cgroup{"));
	prom_buf_free(&b);
	ports_report_free(&a.ports);
	ports_report_free(&b2.ports);
}

static void test_other_bucket(void)
{
	struct prom_other o;
	struct fake_ns a;

	fake_ns(&a, NETNS_A);
	/* Most used first: 10.0.0.9:80 (3), then two with 1 each. */
	expect_u64("other_past_top_1", 1, prom_other(&o, &a.ports, 1));
	expect_u64("other_counts_two_destinations", 2, o.count);
	expect_u64("other_used_is_the_sum", 2, o.used);
	expect_u64("other_free_is_the_fewest", 9, o.free);
	expect_u64("no_other_past_top_3", 0, prom_other(&o, &a.ports, 3));
	ports_report_free(&a.ports);
}

static void test_down_and_escape(void)
{
	struct prom_buf b;

	prom_buf_init(&b);
	prom_format(&b, NULL, 0, 20, false);
	expect_str("down_is_tcpstate_up_0_alone",
		   "# HELP tcpstate_up Whether the exporter read /dev/tcpstate (1) or failed to (0).\n"
		   "# TYPE tcpstate_up gauge\n"
		   "tcpstate_up 0\n", b.text);
	prom_buf_reset(&b);
	prom_label_value(&b, "a\\b\"c\nd");
	expect_str("label_value_escaped", "a\\\\b\\\"c\\nd", b.text);
	prom_buf_free(&b);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(18);
	fake_cgroups_make(root, tree);
	cgroup_set_root(root);
	test_one_namespace();
	test_two_namespaces_and_top();
	test_other_bucket();
	test_down_and_escape();
	fake_cgroups_remove(root, tree);
	ksft_finished();
}
