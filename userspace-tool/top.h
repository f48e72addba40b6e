/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tcpstate top`: the screen, as pure functions of the reports report.h
 * builds, so that the full-screen view, the plain text one and the unit
 * tests draw the very same lines.
 */
#ifndef TCPSTATE_TOP_H
#define TCPSTATE_TOP_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "options.h"
#include "report.h"

/* The sparklines cover this many seconds. */
#define TOP_HISTORY_S		60
/* Samples kept: a minute at the shortest interval, 0.1 s. */
#define TOP_HISTORY_MAX		(TOP_HISTORY_S * 10 + 1)
#define TOP_SPARK_WIDTH		60
#define TOP_MAX_LINES		256
#define TOP_MAX_COLS		256

/* Orders of the destination table; `s` steps through them. */
enum top_sort {
	TOP_SORT_HEADROOM,	/* least headroom first (the ports report's) */
	TOP_SORT_NEW,		/* most new connections per second first */
	TOP_SORT_EXHAUSTION,	/* soonest exhausted first */
	TOP_SORT_DESTINATION,	/* by address and port */
	TOP_SORT_MAX
};

/* TIME-WAIT entry and exit rates of the last samples, oldest first. */
struct top_history {
	double t_s[TOP_HISTORY_MAX];	/* CLOCK_BOOTTIME of each, s */
	double enter[TOP_HISTORY_MAX];
	double exit[TOP_HISTORY_MAX];
	size_t n;
};

/* A line of the screen; @attr says how the full-screen view shows it. */
enum top_attr {
	TOP_PLAIN,
	TOP_TITLE,		/* the first line, reversed */
	TOP_HEADER,		/* a table header, bold */
	TOP_ALERT,		/* a port failure, a full destination */
};

struct top_frame {
	char line[TOP_MAX_LINES][TOP_MAX_COLS + 1];
	enum top_attr attr[TOP_MAX_LINES];
	int n;
};

/* What a frame shows; the reports may have no rates (the first frame). */
struct top_input {
	const struct summary_report *sum;
	const struct ports_report *ports;
	const struct top_history *hist;
	double now_s;			/* CLOCK_BOOTTIME, s */
	__s64 wall_offset_ns;		/* boot time to wall clock */
	const char *netns_label;	/* "web", "pid 12 (nginx)"; NULL: none */
	double interval_s;
	enum top_sort sort;
	bool paused;
	const char *message;		/* a status line; NULL: none */
	int width;			/* columns, at most TOP_MAX_COLS */
	int height;			/* lines; 0: as many as it takes */
	unsigned int max_dests;		/* destination rows at most */
};

/* "headroom", "new/s"... */
const char *top_sort_name(enum top_sort s);
/* Append a sample's rates, dropping those older than the sparklines need. */
void top_history_add(struct top_history *h, double t_s, double enter,
		     double exit);
/*
 * The sparkline of the last TOP_HISTORY_S seconds before @now_s, @width
 * columns (at most TOP_SPARK_WIDTH), of the exit rates or the entry ones:
 * '_' for none, up to '#' for *max (the highest rate of the minute, which
 * it writes); ' ' where no sample falls.  Returns @buf.
 */
char *top_sparkline(char *buf, int width, const struct top_history *h,
		    bool exits, double now_s, double *max);
/* Order @r's destinations as @sort says, in place. */
void top_sort_dests(struct ports_report *r, enum top_sort sort);
/* Draw the screen into @f. */
void top_frame_build(struct top_frame *f, const struct top_input *in);

#endif
