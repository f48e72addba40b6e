/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tcpstate audit`: the module's table held against the kernel's own
 * sockets.  The comparison is a pure function of two kernel dumps and a
 * snapshot of the table taken between them, tested without a kernel.
 */
#ifndef TCPSTATE_AUDIT_H
#define TCPSTATE_AUDIT_H

#include <linux/tcpstate.h>

#include "output.h"

/* Exit status of `tcpstate audit`, as diff(1) and cmp(1) have it. */
#define AUDIT_AGREE	0
#define AUDIT_DIFFER	1
#define AUDIT_ERROR	2

enum audit_kind {
	AUDIT_MISSING,	/* the kernel has the connection, the table does not */
	AUDIT_EXTRA,	/* the table has it, the kernel does not */
	AUDIT_STATE,	/* both have it, in different states */
	AUDIT_KINDS
};

struct audit_diff {
	enum audit_kind kind;
	const struct tcpstate_conn *module;	/* the table's entry; NULL: missing */
	const struct tcpstate_conn *kernel;	/* the second dump's; NULL: extra */
};

struct audit_report {
	__u32 netns;		/* the namespace's inode number */
	long kernel;		/* sockets in the second dump */
	long module;		/* entries in the snapshot */
	long unsettled;		/* cookies that changed while the audit ran,
				 * judged neither way (see audit_compare)
				 */
	long count[AUDIT_KINDS];	/* differences of each kind */
	struct audit_diff *diffs;	/* all of them, in cookie order */
	long n_diffs;
};

/*
 * Sort @conns[0..n) by cookie and fold the copies of a cookie into one (a
 * dump or a snapshot made while sockets come and go can return one twice);
 * when the copies disagree on the state, the state becomes 0: unknown.
 * Returns the number left.
 */
long audit_sort(struct tcpstate_conn *conns, long n);

/*
 * Compare the kernel dump @a, the snapshot of the table @t taken after it
 * and the kernel dump @b taken after that, each as audit_sort() leaves
 * it.  @a_start_ns is when dump @a began (CLOCK_BOOTTIME).  Only what both
 * dumps agree on is judged:
 *   missing  in @a and @b, not in @t;
 *   extra    in @t, in neither @a nor @b, and begun before @a started
 *            (began_ns, or state_since_ns when began_ns is 0: unknown,
 *            below @a_start_ns): one begun later may have lived and died
 *            between the dumps;
 *   state    in all three, in the same known state in @a and @b and in
 *            another known one in @t.
 * Every other cookie in only one dump, in @t only but begun after @a
 * started, or in states that differ between the dumps or are unknown is
 * counted as unsettled.  The differences point into @t and @b.  Returns 0,
 * or -1 when out of memory.
 */
int audit_compare(struct audit_report *r,
		  const struct tcpstate_conn *a, long na,
		  const struct tcpstate_conn *t, long nt,
		  const struct tcpstate_conn *b, long nb, __u64 a_start_ns);
void audit_report_free(struct audit_report *r);

/* "missing", "extra", "state": the JSON keys; NULL when out of range. */
const char *audit_kind_name(int kind);

/*
 * Text: a line per difference under a header (none when they agree), then
 * one line with the counts.  JSON: netns, kernel, module, unsettled, the
 * arrays missing, extra and state, and agree.
 */
void audit_print(struct output *o, const struct audit_report *r);

#endif
