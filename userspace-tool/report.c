// SPDX-License-Identifier: GPL-2.0
/*
 * Samples of the device, and the reports built from them (report.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "errors.h"
#include "report.h"

#define NSEC_PER_SEC 1000000000ULL

int report_sample_read(int fd, const char *path, unsigned int what,
		       struct report_sample *s)
{
	long n;

	memset(s, 0, sizeof(*s));
	s->time_ns = boottime_ns();
	if ((what & REPORT_STATS) && device_stats(fd, path, &s->stats))
		goto err;
	if (what & REPORT_TABLE) {
		s->n_conns = device_snapshot(fd, path, &s->conns);
		if (s->n_conns < 0)
			goto err;
	}
	if (what & REPORT_PORTS) {
		n = device_ports(fd, path, &s->ports, s->failures,
				 REPORT_FAILURES);
		if (n < 0)
			goto err;
		s->n_failures = n;
	}
	s->done_ns = boottime_ns();
	s->what = what;
	return 0;

err:
	report_sample_free(s);
	return -1;
}

int report_sample_pair(int fd, const char *path, unsigned int first_what,
		       unsigned int what, double interval_s,
		       struct report_sample *first, struct report_sample *second)
{
	memset(first, 0, sizeof(*first));
	memset(second, 0, sizeof(*second));
	if (interval_s > 0) {
		if (report_sample_read(fd, path, first_what, first))
			return -1;
		sleep_seconds(interval_s);
	}
	if (report_sample_read(fd, path, what, second)) {
		report_sample_free(first);
		return -1;
	}
	return 0;
}

void report_sample_free(struct report_sample *s)
{
	free(s->conns);
	memset(s, 0, sizeof(*s));
}

double report_elapsed_s(const struct report_sample *prev,
			const struct report_sample *cur)
{
	if (!prev || !prev->what || !cur->what || cur->time_ns <= prev->time_ns)
		return 0;
	return (double)(cur->time_ns - prev->time_ns) / (double)NSEC_PER_SEC;
}

static double per_second(__u64 before, __u64 after, double elapsed_s)
{
	return after > before ? (double)(after - before) / elapsed_s : 0.0;
}

static void state_counts(struct report_state *s,
			 const struct tcpstate_stats *st, int state)
{
	int i;

	s->count = st->gauge[state];
	s->entered = 0;
	s->left = 0;
	for (i = 0; i < TCPSTATE_STATE_MAX; i++) {
		s->entered += st->transitions[i][state];
		s->left += st->transitions[state][i];
	}
}

void summary_report_build(struct summary_report *r,
			  const struct tcpstate_stats *first,
			  const struct tcpstate_stats *second,
			  double elapsed_s, __u64 now_ns)
{
	struct report_state before;
	bool rates = first && elapsed_s > 0;
	int i;

	memset(r, 0, sizeof(*r));
	r->stats = *second;
	r->now_ns = now_ns;
	r->elapsed_s = rates ? elapsed_s : 0;
	r->module_wide = second->flags & TCPSTATE_STATS_MODULE_WIDE;
	for (i = 0; i < TCPSTATE_STATE_MAX; i++) {
		state_counts(&r->states[i], second, i);
		if (!rates)
			continue;
		state_counts(&before, first, i);
		r->states[i].enter_per_s = per_second(before.entered,
						      r->states[i].entered,
						      elapsed_s);
		r->states[i].leave_per_s = per_second(before.left,
						      r->states[i].left,
						      elapsed_s);
	}
	r->tw_entered = stats_tw_entered(second);
	r->tw_left = stats_tw_left(second);
	tw_rate_compute(&r->rate, rates ? first : second, second,
			r->elapsed_s);
	for (i = 0; rates && i < TCPSTATE_TW_EXIT_MAX; i++)
		r->tw_exit_per_s[i] = per_second(first->tw_exits[i],
						 second->tw_exits[i], elapsed_s);
}

void report_summary(struct summary_report *r, const struct report_sample *prev,
		    const struct report_sample *cur, double interval_s)
{
	bool rates = prev && (prev->what & REPORT_STATS);

	summary_report_build(r, rates ? &prev->stats : NULL, &cur->stats,
			     rates ? report_elapsed_s(prev, cur) : 0,
			     cur->done_ns);
	r->interval_s = interval_s;
	if (cur->what & REPORT_PORTS) {
		r->has_ports = true;
		r->ports = cur->ports;
		r->port_failures = ports_failure_total(&cur->ports, -1);
	}
}

long report_overview(int fd, struct summary_report **reports)
{
	struct tcpstate_stats *st;
	struct summary_report *r;
	__u64 now;
	long n, i;

	n = device_netns_list(fd, &st);
	if (n < 0)
		return -1;
	now = boottime_ns();
	r = calloc(n > 0 ? (size_t)n : 1, sizeof(*r));
	if (!r) {
		report_error("tcpstate: --all-netns: %s\n", strerror(ENOMEM));
		free(st);
		return -1;
	}
	for (i = 0; i < n; i++)
		summary_report_build(&r[i], NULL, &st[i], 0, now);
	free(st);
	*reports = r;
	return n;
}

int report_timewait(struct tw_report *r, const struct report_sample *prev,
		    const struct report_sample *cur, int family,
		    unsigned int top, enum owner_by by)
{
	bool rates = prev && (prev->what & REPORT_STATS);

	if (tw_report_build(r, cur->conns, cur->n_conns, family, top, by,
			    cur->done_ns, rates ? &prev->stats : &cur->stats,
			    &cur->stats, rates ? report_elapsed_s(prev, cur) : 0)) {
		report_error("tcpstate: timewait: out of memory\n");
		return -1;
	}
	return 0;
}

int report_ports(struct ports_report *r, const struct report_sample *prev,
		 const struct report_sample *cur, int family, enum owner_by by,
		 double warn_pct, double crit_pct)
{
	bool rates = prev && (prev->what & REPORT_TABLE);
	struct ports_input in;

	memset(&in, 0, sizeof(in));
	in.netns = cur->stats.netns;
	if (rates) {
		in.first = prev->conns;
		in.n_first = prev->n_conns;
		in.elapsed_s = report_elapsed_s(prev, cur);
	}
	in.second = cur->conns;
	in.n_second = cur->n_conns;
	in.ports = &cur->ports;
	in.failures = cur->failures;
	in.n_failures = cur->n_failures;
	in.family = family;
	in.by = by;
	in.warn_pct = warn_pct;
	in.crit_pct = crit_pct;
	if (ports_report_build(r, &in)) {
		report_error("tcpstate: ports: %s\n", strerror(ENOMEM));
		return -1;
	}
	return 0;
}
