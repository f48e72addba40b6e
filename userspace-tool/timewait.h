/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TIME-WAIT report: built from a snapshot of the table and two stats
 * samples by a pure function, then printed.
 */
#ifndef TCPSTATE_TIMEWAIT_H
#define TCPSTATE_TIMEWAIT_H

#include <stddef.h>

#include <linux/tcpstate.h>

#include "output.h"
#include "rates.h"

/* Age buckets: 0-1s, 1-5s, 5-15s, 15-30s, 30-45s, 45-60s, 60s+ */
#define TW_AGE_BUCKETS 7

/* A remote endpoint (family, addr, port) or a local port (port only). */
struct tw_endpoint {
	int family;
	__u8 addr[16];
	unsigned int port;
	__u64 count;
};

struct tw_report {
	__u32 netns;
	__u64 timewait;		/* connections in TIME-WAIT */
	__u64 fin_wait2;		/* FIN-WAIT-2 held by timewait sockets */
	struct tw_rate rate;
	__u64 age[TW_AGE_BUCKETS];
	__u64 with_timer;		/* TIME-WAIT with an expiry time */
	double left_min_s, left_median_s, left_max_s;
	struct tw_endpoint *remote;	/* the top ones, most first */
	size_t n_remote;
	struct tw_endpoint *ports;
	size_t n_ports;
	__u64 exits[TCPSTATE_TW_EXIT_MAX];	/* since counting began */
};

/* Lower bound of each age bucket, in seconds. */
extern const unsigned int tw_age_from_s[TW_AGE_BUCKETS];

/*
 * Build the report from @conns[0..n) (of @family, 0: both) at @now_ns, and
 * the stats samples @first and @second taken @elapsed_s apart.  The top
 * lists keep @top rows.  Returns 0, or -1 when out of memory.
 */
int tw_report_build(struct tw_report *r, const struct tcpstate_conn *conns,
		    long n, int family, unsigned int top, __u64 now_ns,
		    const struct tcpstate_stats *first,
		    const struct tcpstate_stats *second, double elapsed_s);
void tw_report_print(struct output *o, const struct tw_report *r);
void tw_report_free(struct tw_report *r);

#endif
