/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus view: the reports of report.h in the text exposition
 * format, version 0.0.4, for `tcpstate exporter` (its HTTP /metrics and
 * its --textfile for node_exporter).  Pure functions that write into a
 * growing buffer: unit-tested without a device or a socket.
 *
 * Every family comes once, with # HELP and # TYPE, followed by its samples
 * from every namespace.  Counters end in _total.  The labels are netns
 * (the namespace's inode number), state, cause, hook, kind, family, src
 * and dst for the ports of one destination, and cgroup for the ports of
 * one owner.  Per destination families keep the @top destinations with
 * the least headroom; the rest are summed up in one series with
 * dst="other" (see prom_format()); the per cgroup one likewise keeps the
 * @top cgroups with the most ports, and cgroup="other".
 */
#ifndef TCPSTATE_PROM_H
#define TCPSTATE_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"
#include "report.h"

/* The Content-Type of the exposition. */
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/* The dst (cgroup) label of the destinations (cgroups) past the top N. */
#define PROM_OTHER_DST		"other"

/* A growing text; @failed once an allocation failed (the text is cut). */
struct prom_buf {
	char *text;
	size_t len;
	size_t cap;
	bool failed;
};

void prom_buf_init(struct prom_buf *b);
void prom_buf_free(struct prom_buf *b);
/* Empty the text, keep the memory. */
void prom_buf_reset(struct prom_buf *b);
__printf(2, 3) void prom_printf(struct prom_buf *b, const char *fmt, ...);
/* @s as a label value: backslash, double quote and newline escaped. */
void prom_label_value(struct prom_buf *b, const char *s);

/* What one namespace reports. */
struct prom_netns {
	const struct summary_report *sum;	/* always; has_ports for the
						 * port failures
						 */
	const struct ports_report *ports;	/* NULL: its table was not read
						 * (no per destination series)
						 */
};

/*
 * The destinations past the first @top of @r (most used first), summed
 * up: used is their sum, free and the headroom those of the worst of
 * them.  False when there are none.
 */
struct prom_other {
	size_t count;
	__u64 used;
	__u64 free;
	double headroom;
};

bool prom_other(struct prom_other *o, const struct ports_report *r,
		unsigned int top);
/* A destination's headroom, free over available, from 0 to 1. */
double prom_headroom_ratio(const struct ports_dest *d);

/*
 * The whole exposition of @n namespaces into @b (appended).  @up says
 * whether the collection worked: with @up false only tcpstate_up is
 * written.  Returns 0, or -1 when out of memory.
 */
int prom_format(struct prom_buf *b, const struct prom_netns *ns, size_t n,
		unsigned int top, bool up);

#endif
