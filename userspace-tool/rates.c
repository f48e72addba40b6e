// SPDX-License-Identifier: GPL-2.0
/*
 * TIME-WAIT entry and exit rates from the transitions matrix.
 */
#include <stddef.h>

#include "rates.h"

bool stats_has_drops(const struct tcpstate_stats *st)
{
	return st->size >= offsetof(struct tcpstate_stats, init_net_reserve) +
			   sizeof(st->init_net_reserve);
}

__u64 stats_tw_entered(const struct tcpstate_stats *st)
{
	__u64 sum = 0;
	int from;

	for (from = 0; from < TCPSTATE_STATE_MAX; from++)
		sum += st->transitions[from][TCPSTATE_TIME_WAIT];
	return sum;
}

__u64 stats_tw_left(const struct tcpstate_stats *st)
{
	__u64 sum = 0;
	int to;

	for (to = 0; to < TCPSTATE_STATE_MAX; to++)
		sum += st->transitions[TCPSTATE_TIME_WAIT][to];
	return sum;
}

static double per_second(__u64 before, __u64 after, double elapsed_s)
{
	return after > before ? (double)(after - before) / elapsed_s : 0.0;
}

void tw_rate_compute(struct tw_rate *r, const struct tcpstate_stats *first,
		     const struct tcpstate_stats *second, double elapsed_s)
{
	r->valid = elapsed_s > 0;
	r->enter_per_s = 0;
	r->exit_per_s = 0;
	if (!r->valid)
		return;
	r->enter_per_s = per_second(stats_tw_entered(first),
				    stats_tw_entered(second), elapsed_s);
	r->exit_per_s = per_second(stats_tw_left(first), stats_tw_left(second),
				   elapsed_s);
}

void tw_rate_print(struct output *o, const char *key, const char *label,
		   const struct tw_rate *r)
{
	if (!r->valid) {
		out_null(o, key, label);
		return;
	}
	out_begin(o, key, label);
	out_double(o, "enter_per_s", "entering", r->enter_per_s, 1);
	out_double(o, "exit_per_s", "leaving", r->exit_per_s, 1);
	out_end(o);
}
