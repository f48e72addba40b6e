/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The summary report and the all-namespaces overview, as pure functions of
 * stats samples.
 */
#ifndef TCPSTATE_SUMMARY_H
#define TCPSTATE_SUMMARY_H

#include <linux/tcpstate.h>

#include "output.h"
#include "ports.h"
#include "rates.h"

struct summary_input {
	const struct tcpstate_stats *st;	/* the later sample */
	struct tw_rate rate;			/* between the two samples */
	double interval_s;			/* -i */
	__u64 now_ns;			/* CLOCK_BOOTTIME at the sample */
	const struct tcpstate_ports *ports;	/* NULL: no ports section */
};

void summary_print(struct output *o, const struct summary_input *in);
/* One row per namespace of @st[0..n), from TCPSTATE_IOC_NETNS_LIST. */
void overview_print(struct output *o, const struct tcpstate_stats *st, long n);

#endif
