/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rates per second from two stats samples: pure functions, and their
 * one way of being printed.
 */
#ifndef TCPSTATE_RATES_H
#define TCPSTATE_RATES_H

#include <stdbool.h>

#include <linux/tcpstate.h>

#include "output.h"

struct tw_rate {
	bool valid;		/* false: a single sample (-i 0), no rate */
	double enter_per_s;	/* connections entering TIME-WAIT */
	double exit_per_s;	/* connections leaving it */
};

/* Entries into TIME-WAIT so far: the transitions matrix's TIME-WAIT column. */
__u64 stats_tw_entered(const struct tcpstate_stats *st);
/*
 * Whether the module filled in drops[], quota and init_net_reserve (one
 * older than quotas does not).
 */
bool stats_has_drops(const struct tcpstate_stats *st);
/* Exits from TIME-WAIT so far: its row. */
__u64 stats_tw_left(const struct tcpstate_stats *st);
/*
 * The TIME-WAIT rates between @first and @second, @elapsed_s apart.  A
 * counter that went down (reset in between) counts as no change.
 */
void tw_rate_compute(struct tw_rate *r, const struct tcpstate_stats *first,
		     const struct tcpstate_stats *second, double elapsed_s);

/* @r as object @key (text: @label), or null when it is not valid. */
void tw_rate_print(struct output *o, const char *key, const char *label,
		   const struct tw_rate *r);

#endif
