/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event stream as lines: pure functions of struct tcpstate_event
 * records, apart from the FILE they print to.
 */
#ifndef TCPSTATE_WATCH_H
#define TCPSTATE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/tcpstate.h>

struct watch_ctx {
	bool json;		/* JSON lines */
	bool all_netns;		/* a netns column first */
	int family;		/* AF_INET, AF_INET6; 0: both */
	__s64 wall_offset_ns;	/* CLOCK_BOOTTIME to wall clock */
	unsigned long limit;	/* stop after this many state lines; 0: never */
	unsigned long printed;	/* state lines so far */
	int local_w;		/* address columns: grow to the widest seen */
	int remote_w;
	bool clock_valid;	/* clock holds "HH:MM:SS." of clock_secs */
	__s64 clock_secs;
	char clock[9];
};

/* The longest state line, in bytes (tests/watch_test.c). */
extern const size_t watch_line_longest;

void watch_init(struct watch_ctx *w, bool json, bool all_netns, int family,
		unsigned long limit, __s64 wall_offset_ns);
/* The header line of text output; nothing for JSON. */
void watch_header(struct watch_ctx *w, FILE *f);
/* One record: a line for a state change that passes -4/-6, or for a loss. */
void watch_event(struct watch_ctx *w, FILE *f, const struct tcpstate_event *ev);
/*
 * Print the records read() returned in buf[0..len), stepping by each
 * record's size.  Returns 0 to go on, 1 when the -c limit is reached, or -1
 * with the reason in err for a malformed record.
 */
int watch_records(struct watch_ctx *w, FILE *f, const void *buf, size_t len,
		  char *err, size_t errlen);

#endif
