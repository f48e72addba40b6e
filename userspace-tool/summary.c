// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate summary`: connections per state in one namespace, TIME-WAIT,
 * its rates and how it ended, the local port range and its failures,
 * overflows and drops, the facts the hooks missed and what the reconcile
 * passes corrected; with --all-netns, one row per namespace.
 *
 * Counters only, whatever the size of the table: two stats requests and
 * one ports request, never a snapshot.  Per destination port headroom needs
 * the whole table, so it is `tcpstate ports`'s alone.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "device.h"
#include "format.h"
#include "kernel.h"
#include "netns.h"
#include "output.h"
#include "ports.h"
#include "rates.h"
#include "report.h"
#include "states.h"
#include "summary.h"

#define NSEC_PER_SEC 1000000000ULL
/* The misses are module-wide: the text says so. */
#define SUMMARY_MISSES_LABEL "misses (all namespaces)"
#define SUMMARY_HOOKS_LABEL "not hooked on this kernel"

static void summary_head(struct output *o, const struct summary_report *in)
{
	const struct tcpstate_stats *st = &in->stats;
	__u64 age = in->now_ns > st->since_ns ? in->now_ns - st->since_ns : 0;
	char dur[FORMAT_DURATION_LEN], since[FORMAT_DURATION_LEN + 8];

	snprintf(since, sizeof(since), "%s ago",
		 format_duration(dur, sizeof(dur), age));
	out_u64(o, "netns", "netns", st->netns);
	out_u64(o, "counting_since_s", NULL, age / NSEC_PER_SEC);
	out_str(o, NULL, "counting since", since);
	out_double(o, "interval_s", NULL, in->interval_s, 3);
}

static void summary_states(struct output *o, const struct tcpstate_stats *st)
{
	int i;

	out_u64(o, "connections", "connections", st->entries);
	out_begin(o, "states", "states");
	for (i = 1; i < TCPSTATE_STATE_MAX; i++) {
		if (i == TCPSTATE_CLOSE)
			continue;
		out_u64(o, state_key(i), state_ss_name(i), st->gauge[i]);
	}
	out_end(o);
}

static void summary_timewait(struct output *o, const struct summary_report *in)
{
	const struct tcpstate_stats *st = &in->stats;
	int i;

	out_u64(o, "timewait_sockets", "timewait sockets", st->timewait_socks);
	tw_rate_print(o, "timewait_rate", "TIME-WAIT per second", &in->rate);
	out_begin(o, "timewait_exits", "timewait exits");
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		/* Counted in the dying namespace: see all_tw_netns_exits. */
		if (i == TCPSTATE_TW_EXIT_NETNS)
			continue;
		out_u64(o, tw_exit_name(i), tw_exit_name(i), st->tw_exits[i]);
	}
	out_end(o);
	out_u64(o, "timewait_overflows", "timewait overflows", st->tw_overflows);
}

/*
 * Connections not mirrored, by reason, and the namespace's quota; null
 * (unknown) from a module that does not report them.
 */
static void summary_drops(struct output *o, const struct tcpstate_stats *st)
{
	char text[64];
	int i;

	out_u64(o, "dropped", "not mirrored", st->dropped);
	if (!stats_has_drops(st)) {
		out_null(o, "drops", NULL);
		out_null(o, "quota", NULL);
		out_null(o, "quota_own", NULL);
		return;
	}
	out_begin(o, "drops", "not mirrored, by reason");
	for (i = 0; i < TCPSTATE_DROP_MAX; i++)
		out_u64(o, drop_name(i), drop_name(i), st->drops[i]);
	out_end(o);
	out_quota(o, "quota", NULL, st->quota);
	out_bool(o, "quota_own", NULL, st->flags & TCPSTATE_STATS_OWN_QUOTA);
	if (st->quota == TCPSTATE_QUOTA_NONE)
		snprintf(text, sizeof(text), "none");
	else
		snprintf(text, sizeof(text), "%llu", (unsigned long long)st->quota);
	if (st->flags & TCPSTATE_STATS_OWN_QUOTA)
		strncat(text, " (its own)", sizeof(text) - strlen(text) - 1);
	out_str(o, NULL, "quota", text);
}

static void summary_health(struct output *o, const struct tcpstate_stats *st)
{
	summary_drops(o, st);
	out_u64(o, "events_lost", "events lost", st->events_lost);
}

/*
 * Facts the hooks lost, per hook, in every namespace: only a caller with
 * module-wide rights sees them; anyone else gets null in JSON (unknown,
 * not zero) and a line saying why in text.  probe_misses, their total,
 * stays for the readers of older versions.
 */
static void summary_misses(struct output *o, const struct tcpstate_stats *st)
{
	int i;

	if (!(st->flags & TCPSTATE_STATS_MODULE_WIDE)) {
		out_null(o, "probe_misses", NULL);
		out_null(o, "misses", NULL);
		out_str(o, NULL, SUMMARY_MISSES_LABEL,
			"not visible (needs CAP_NET_ADMIN)");
		return;
	}
	out_u64(o, "probe_misses", NULL, st->probe_misses);
	out_begin(o, "misses", SUMMARY_MISSES_LABEL);
	for (i = 0; i < TCPSTATE_MISS_MAX; i++)
		out_u64(o, miss_name(i), miss_name(i), st->misses[i]);
	out_u64(o, "total", "total", st->probe_misses);
	out_end(o);
}

/*
 * The hooks the module could not place on this kernel, and what goes
 * unseen without them: in text only when there is one, in JSON always.
 * When the list could not be read: null in JSON, "unknown" in text.
 */
static void summary_hooks(struct output *o, const struct summary_report *in)
{
	char copy[sizeof(in->hooks_missing)], *line, *next, *lost;
	bool any = in->hooks_missing[0];

	if (!in->hooks_known) {
		out_null(o, "hooks_missing", NULL);
		out_str(o, NULL, SUMMARY_HOOKS_LABEL,
			"unknown (cannot read " DEVICE_HOOKS_MISSING ")");
		return;
	}
	if (!o->json && !any)
		return;
	snprintf(copy, sizeof(copy), "%s", in->hooks_missing);
	if (o->json)
		out_begin_array(o, "hooks_missing", NULL);
	else
		out_begin(o, NULL, SUMMARY_HOOKS_LABEL);
	for (line = copy; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lost = strstr(line, ": ");
		if (!lost)
			continue;
		*lost = '\0';
		lost += 2;
		if (o->json) {
			out_begin_item(o, NULL);
			out_str(o, "symbol", NULL, line);
			out_str(o, "lost", NULL, lost);
			out_end_item(o);
		} else {
			out_str(o, NULL, line, lost);
		}
	}
	if (o->json)
		out_end_array(o);
	else
		out_end(o);
}

/* What the reconcile passes corrected in this namespace's table. */
static void summary_reconcile(struct output *o, const struct summary_report *in)
{
	const struct tcpstate_stats *st = &in->stats;
	__u64 last = st->reconcile_last_ns;
	__u64 ago = in->now_ns > last ? in->now_ns - last : 0;
	char dur[FORMAT_DURATION_LEN], text[FORMAT_DURATION_LEN + 8];

	out_begin(o, "reconcile", "reconcile");
	out_u64(o, "added", "added", st->reconcile_added);
	out_u64(o, "removed", "removed", st->reconcile_removed);
	out_u64(o, "fixed", "fixed", st->reconcile_fixed);
	out_u64(o, "passes", "passes", st->reconcile_passes);
	if (last) {
		snprintf(text, sizeof(text), "%s ago",
			 format_duration(dur, sizeof(dur), ago));
		out_double(o, "last_s_ago", NULL, (double)ago / NSEC_PER_SEC, 3);
	} else {
		snprintf(text, sizeof(text), "never");
		out_null(o, "last_s_ago", NULL);
	}
	out_str(o, NULL, "last pass", text);
	out_end(o);
}

static void summary_module(struct output *o, const struct tcpstate_stats *st)
{
	if (!(st->flags & TCPSTATE_STATS_MODULE_WIDE))
		return;
	out_begin(o, "module_wide", "all namespaces");
	out_u64(o, "all_entries", "connections", st->all_entries);
	out_u64(o, "max_entries", "cap (max_entries)", st->max_entries);
	out_u64(o, "all_dropped", "not mirrored", st->all_dropped);
	if (stats_has_drops(st))
		out_u64(o, "init_net_reserve", "kept for the initial netns",
			st->init_net_reserve);
	out_u64(o, "all_tw_netns_exits", "timewait netns exits",
		st->all_tw_netns_exits);
	out_end(o);
}

/* A section per concern; the ports one goes after TIME-WAIT. */
void summary_print(struct output *o, const struct summary_report *in)
{
	summary_head(o, in);
	summary_states(o, &in->stats);
	summary_timewait(o, in);
	if (in->has_ports)
		ports_summary_print(o, &in->ports);
	summary_health(o, &in->stats);
	summary_misses(o, &in->stats);
	summary_hooks(o, in);
	summary_reconcile(o, in);
	summary_module(o, &in->stats);
}

/* Columns of the overview that stand for more than one state. */
#define SYN_STATES	(BIT(TCPSTATE_SYN_SENT) | BIT(TCPSTATE_SYN_RECV))
#define FIN_STATES	(BIT(TCPSTATE_FIN_WAIT1) | BIT(TCPSTATE_FIN_WAIT2))
#define OTHER_STATES	(BIT(TCPSTATE_CLOSING) | BIT(TCPSTATE_LAST_ACK) | \
			 BIT(TCPSTATE_CLOSE))

static unsigned long long gauge_sum(const struct tcpstate_stats *st,
				    unsigned int mask)
{
	unsigned long long sum = 0;
	int i;

	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (mask & BIT(i))
			sum += st->gauge[i];
	return sum;
}

static void overview_row(FILE *f, const struct tcpstate_stats *st)
{
	fprintf(f, "%-10u %7llu %7llu %9llu %6llu %6llu %8llu %10llu %6llu\n",
		st->netns, (unsigned long long)st->entries,
		(unsigned long long)st->gauge[TCPSTATE_ESTABLISHED],
		(unsigned long long)st->gauge[TCPSTATE_TIME_WAIT],
		(unsigned long long)st->gauge[TCPSTATE_LISTEN],
		gauge_sum(st, SYN_STATES), gauge_sum(st, FIN_STATES),
		(unsigned long long)st->gauge[TCPSTATE_CLOSE_WAIT],
		gauge_sum(st, OTHER_STATES));
}

static void overview_item(struct output *o, const struct tcpstate_stats *st)
{
	int i;

	out_begin_item(o, NULL);
	out_u64(o, "netns", NULL, st->netns);
	out_u64(o, "connections", NULL, st->entries);
	out_begin(o, "states", NULL);
	for (i = 1; i < TCPSTATE_STATE_MAX; i++) {
		if (i != TCPSTATE_CLOSE)
			out_u64(o, state_key(i), NULL, st->gauge[i]);
	}
	out_end(o);
	out_u64(o, "timewait_sockets", NULL, st->timewait_socks);
	out_u64(o, "timewait_overflows", NULL, st->tw_overflows);
	out_u64(o, "dropped", NULL, st->dropped);
	/* JSON only: the text rows have no room left in 80 columns. */
	if (stats_has_drops(st)) {
		out_begin(o, "drops", NULL);
		for (i = 0; i < TCPSTATE_DROP_MAX; i++)
			out_u64(o, drop_name(i), NULL, st->drops[i]);
		out_end(o);
		out_quota(o, "quota", NULL, st->quota);
	}
	out_begin(o, "reconcile", NULL);
	out_u64(o, "added", NULL, st->reconcile_added);
	out_u64(o, "removed", NULL, st->reconcile_removed);
	out_u64(o, "fixed", NULL, st->reconcile_fixed);
	out_end(o);
	out_end_item(o);
}

void overview_print(struct output *o, const struct summary_report *r, long n)
{
	long i;

	if (!o->json) {
		fprintf(o->f, "%-10s %7s %7s %9s %6s %6s %8s %10s %6s\n",
			"NETNS", "CONNS", "ESTAB", "TIME-WAIT", "LISTEN", "SYN",
			"FIN-WAIT", "CLOSE-WAIT", "OTHER");
		for (i = 0; i < n; i++)
			overview_row(o->f, &r[i].stats);
		return;
	}
	out_begin_array(o, "namespaces", NULL);
	for (i = 0; i < n; i++)
		overview_item(o, &r[i].stats);
	out_end_array(o);
	out_u64(o, "count", NULL, (__u64)n);
}

static int cmd_overview(const struct options *opts)
{
	struct summary_report *r;
	struct output o;
	long n;
	int fd;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	n = report_overview(fd, &r);
	close(fd);
	if (n < 0)
		return 1;
	out_init(&o, stdout, opts->json);
	overview_print(&o, r, n);
	out_finish(&o);
	free(r);
	return 0;
}

int cmd_summary(const struct options *opts)
{
	struct report_sample first, second;
	struct summary_report r;
	struct output o;
	int fd, rc;

	if (opts->all_netns)
		return cmd_overview(opts);
	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	rc = report_sample_pair(fd, opts->device, REPORT_STATS,
				REPORT_STATS | REPORT_PORTS, opts->interval_s,
				&first, &second);
	close(fd);
	if (rc)
		return 1;
	report_summary(&r, &first, &second, opts->interval_s);
	r.hooks_known = !device_hooks_missing(DEVICE_HOOKS_MISSING,
					      r.hooks_missing,
					      sizeof(r.hooks_missing));
	report_sample_free(&first);
	report_sample_free(&second);
	out_init(&o, stdout, opts->json);
	summary_print(&o, &r);
	out_finish(&o);
	return 0;
}
