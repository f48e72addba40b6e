/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection list, as a pure function of a snapshot.
 */
#ifndef TCPSTATE_LIST_H
#define TCPSTATE_LIST_H

#include <linux/tcpstate.h>

#include "filter.h"
#include "output.h"

/*
 * The longest text row but for its cgroup and newline, and the longest
 * JSON object with a null cgroup, that list_print() can print, by the
 * bounds of each field: its buffers are checked against them at build
 * time.
 */
extern const size_t list_row_longest, list_json_row_longest;

/*
 * Print the connections of @conns[0..n) that pass @f, sorted by state,
 * local port and cookie, with their time in state at @now_ns.  Returns the
 * number printed, or -1 when out of memory.
 */
long list_print(struct output *o, const struct tcpstate_conn *conns, long n,
		const struct conn_filter *f, __u64 now_ns);
/*
 * `tcpstate list` of a snapshot, to @f (stdout), in JSON or text: its exit
 * status, 0, or 1 after an error line on stderr (report_error()): out of
 * memory, or a write to @f that failed.
 */
int list_write(FILE *f, bool json, const struct tcpstate_conn *conns, long n,
	       const struct conn_filter *filter, __u64 now_ns);

#endif
