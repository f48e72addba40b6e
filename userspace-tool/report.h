/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reports: the one place that turns what /dev/tcpstate says into
 * numbers, for every front end (summary, timewait, ports, top, exporter).
 * A front end only formats what these structs hold.
 *
 * Two steps, so that a front end that loops (top, the exporter) can keep
 * its previous sample instead of sleeping between two:
 *
 * 1. Samples.  report_sample_read() makes the device requests a report
 *    needs, once each, and keeps the answers, with the time they were
 *    taken, in a struct report_sample.  report_sample_pair() takes two of
 *    them an interval apart, for the commands that run once.
 *
 * 2. Reports.  The report_*() builders below are pure functions of one or
 *    two samples (the earlier one, @prev, may be NULL or empty: no rates).
 *    They never touch the device, so they are unit-tested with fake
 *    samples.  Rates are per second of the time that really passed
 *    between the samples; a counter that went down between them (reset)
 *    counts as no change.
 *
 * A one-shot front end:
 *
 *	struct report_sample a, b;
 *	struct summary_report r;
 *
 *	fd = device_open_selected(opts, false);
 *	if (report_sample_pair(fd, path, REPORT_STATS, REPORT_STATS |
 *			       REPORT_PORTS, 1.0, &a, &b))
 *		return 1;		// the error line is printed
 *	report_summary(&r, &a, &b, 1.0);
 *	... print r ...
 *	report_sample_free(&a);
 *	report_sample_free(&b);
 *
 * A loop keeps the last sample as @prev of the next report, and frees it
 * when it takes the next one.  Every function that fails prints one line,
 * "tcpstate: what: why", and returns -1 (see errors.h: last_error()).
 */
#ifndef TCPSTATE_REPORT_H
#define TCPSTATE_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/tcpstate.h>

#include "rates.h"

/*
 * Owners: who made a connection, as the module keeps it through TIME-WAIT
 * (struct tcpstate_conn: uid, cgroup, process), grouped by one of these
 * facts, which `--by` picks.  The TIME-WAIT and port reports count what
 * each owner holds with the functions below (report_owners.c).
 */
enum owner_by {
	OWNER_BY_CGROUP,	/* the default: a service, under systemd */
	OWNER_BY_COMM,
	OWNER_BY_PID,		/* a process: its pid, with its comm */
	OWNER_BY_UID,
	OWNER_BY_MAX,
};

/* An owner as @by tells them apart; what @by does not use is 0. */
struct owner_key {
	__u64 cgroup_id;	/* OWNER_BY_CGROUP; 0: not known */
	__u32 uid;		/* OWNER_BY_UID; TCPSTATE_UID_UNKNOWN */
	__u32 pid;		/* OWNER_BY_PID; 0: not known or not visible */
	char comm[16];		/* OWNER_BY_COMM, OWNER_BY_PID; NUL-padded,
				 * "" when not known or not visible
				 */
};

/* An owner and what it holds. */
struct owner_count {
	struct owner_key key;
	__u64 count;		/* TIME-WAIT: connections; ports: local ports
				 * in use
				 */
	__u64 failures;		/* ports: port failures among those kept */
};

/* The key by @by of an owner with these facts. */
void owner_key_make(struct owner_key *k, enum owner_by by, __u32 uid,
		    __u64 cgroup_id, __u32 pid, const char *comm);
void owner_key_of_conn(struct owner_key *k, enum owner_by by,
		       const struct tcpstate_conn *c);
void owner_key_of_failure(struct owner_key *k, enum owner_by by,
			  const struct tcpstate_port_failure *f);
/* An order of keys: by cgroup id, uid, pid, then comm. */
int owner_key_cmp(const struct owner_key *x, const struct owner_key *y);
/*
 * Add up the counts and failures of equal keys of @o[0..n), in place,
 * ordered most count first, then most failures, then by key (the output is
 * deterministic).  Returns how many owners there are.
 */
size_t owners_merge(struct owner_count *o, size_t n);
/* For a tally of owners (group.h): adds @other's counts to @group. */
void owners_add(void *group, const void *other);
/* Most ports or connections first, then most failures, then by key. */
void owners_order(struct owner_count *o, size_t n);

/*
 * The TIME-WAIT report: how many, how fast, how old, who holds them and
 * how they ended.
 */

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
	enum owner_by by;		/* what owners are grouped by */
	struct owner_count *owners;	/* the top ones, most first */
	size_t n_owners;
	size_t all_owners;		/* owners of TIME-WAIT, the top or not */
	__u64 exits[TCPSTATE_TW_EXIT_MAX];	/* since counting began */
};

/* Lower bound of each age bucket, in seconds. */
extern const unsigned int tw_age_from_s[TW_AGE_BUCKETS];

/*
 * Build the report from @conns[0..n) (of @family, 0: both) at @now_ns, and
 * the stats samples @first and @second taken @elapsed_s apart.  The top
 * lists keep @top rows; owners are grouped @by.  Returns 0, or -1 when out
 * of memory.
 */
int tw_report_build(struct tw_report *r, const struct tcpstate_conn *conns,
		    long n, int family, unsigned int top, enum owner_by by,
		    __u64 now_ns,
		    const struct tcpstate_stats *first,
		    const struct tcpstate_stats *second, double elapsed_s);
/* Free what tw_report_build() allocated. */
void tw_report_free(struct tw_report *r);

/*
 * The ephemeral port report: which destinations use how much of the local
 * port range, how fast that changes, when it runs out, and the connect()
 * and bind() calls that already found no port.
 *
 * connect() on an unbound socket needs a local port of the range that no
 * other connection uses towards the same (local address, remote address,
 * remote port): each such destination has a port space of its own.
 */

/* Failures the report shows, newest first. */
#define PORTS_RECENT_FAILURES	10
/* Owners shown per destination: its top holders. */
#define PORTS_DEST_HOLDERS	3

/* Nagios plugin exit codes. */
enum check_status {
	CHECK_OK,
	CHECK_WARNING,
	CHECK_CRITICAL,
	CHECK_UNKNOWN,
};

/*
 * The local ports connect() picked for one destination: connections of one
 * (family, local address, remote address, remote port).
 */
struct ports_dest {
	int family;
	__u8 saddr[16];
	__u8 daddr[16];
	unsigned int dport;
	__u64 used;		/* distinct local ports */
	__u64 free;		/* available - used, at least 0: the headroom */
	double used_pct;	/* of the available ports, at most 100;
				 * headroom is 100 - used_pct
				 */
	__u64 states[TCPSTATE_STATE_MAX];	/* connections per state */
	/* Between the two samples (rates NAN without a second one) */
	__u64 opened;		/* connections not in the first sample */
	__u64 tw_exits;		/* TIME-WAIT in the first, gone in the second */
	__u64 freed;		/* in the first, gone in the second */
	double new_per_s;
	double tw_exit_per_s;
	double freed_per_s;
	double exhaustion_s;	/* 0: full; INFINITY: never; NAN: unknown */
	bool tw_reuse_applies;
	/*
	 * Who holds its ports, grouped by the report's @by: the owners with
	 * most of them, of @all_holders.  A port counts for each owner that
	 * holds it: a TIME-WAIT one connect() gave another owner again
	 * (tcp_tw_reuse) counts for both.
	 */
	struct owner_count holders[PORTS_DEST_HOLDERS];
	size_t n_holders;
	size_t all_holders;
};

struct ports_input {
	__u32 netns;
	/* The first sample, NULL for none (-i 0); the second, @elapsed_s later */
	const struct tcpstate_conn *first;
	long n_first;
	const struct tcpstate_conn *second;
	long n_second;
	double elapsed_s;
	const struct tcpstate_ports *ports;	/* range, reuse, totals */
	const struct tcpstate_port_failure *failures;	/* oldest first */
	long n_failures;
	int family;		/* AF_INET, AF_INET6; 0: both */
	enum owner_by by;	/* what owners are grouped by */
	double warn_pct;
	double crit_pct;
};

struct ports_report {
	__u32 netns;
	struct tcpstate_ports info;
	bool rates;		/* two samples */
	double elapsed_s;
	struct ports_dest *dests;	/* most used (least headroom) first */
	size_t n_dests;
	struct tcpstate_port_failure recent[PORTS_RECENT_FAILURES];	/* newest first */
	size_t n_recent;
	/*
	 * Every owner of ports in use (towards any destination) or of a
	 * failure among the @kept_failures the sample has: most ports
	 * first, then most failures.
	 */
	enum owner_by by;
	struct owner_count *owners;
	size_t n_owners;
	size_t kept_failures;
	double warn_pct;
	double crit_pct;
	enum check_status status;
	char message[256];	/* why, one line */
};

/* The states in which a connection holds the local port connect() gave it. */
#define PORTS_CLIENT_STATES						\
	((1U << TCPSTATE_SYN_SENT) | (1U << TCPSTATE_ESTABLISHED) |	\
	 (1U << TCPSTATE_FIN_WAIT1) | (1U << TCPSTATE_FIN_WAIT2) |	\
	 (1U << TCPSTATE_CLOSE_WAIT) | (1U << TCPSTATE_CLOSING) |	\
	 (1U << TCPSTATE_LAST_ACK) | (1U << TCPSTATE_TIME_WAIT))

/* Whether @c holds a local port connect() picked from [@low, @high]. */
bool ports_conn_counts(const struct tcpstate_conn *c, __u32 low, __u32 high,
		       const __u64 *listening);
/* Seconds until @free ports run out at these rates: 0, or INFINITY. */
double ports_exhaustion_s(__u64 free, double new_per_s, double freed_per_s);
/* Whether TIME-WAIT can be reused towards @daddr with tcp_tw_reuse @reuse. */
bool ports_tw_reuse_applies(__u32 reuse, int family, const __u8 *daddr);
/* Destination order: family, remote address and port, local address. */
int ports_dest_cmp(const struct ports_dest *x, const struct ports_dest *y);
/* Failures of @kind (TCPSTATE_PORT_*; -1: all), both families. */
__u64 ports_failure_total(const struct tcpstate_ports *p, int kind);
/* "CRITICAL"... */
const char *check_status_name(enum check_status s);
/* Returns 0, or -1 when out of memory. */
int ports_report_build(struct ports_report *r, const struct ports_input *in);
void ports_report_free(struct ports_report *r);

/* Samples. */

/* What a sample holds: each is one device request (the table, a walk). */
#define REPORT_STATS	0x01	/* TCPSTATE_IOC_STATS: gauges and counters */
#define REPORT_TABLE	0x02	/* TCPSTATE_IOC_SNAPSHOT: every connection */
#define REPORT_PORTS	0x04	/* TCPSTATE_IOC_PORTS: range, failures */

/*
 * Port failures a sample keeps: the newest ones, as many as the module
 * keeps by default (its port_failures), so that the port report can say
 * whose they were.
 */
#define REPORT_FAILURES	64

struct report_sample {
	unsigned int what;	/* REPORT_* it holds; 0: none (no sample) */
	__u64 time_ns;		/* CLOCK_BOOTTIME before its first request */
	__u64 done_ns;		/* CLOCK_BOOTTIME after its last one */
	struct tcpstate_stats stats;		/* REPORT_STATS */
	struct tcpstate_conn *conns;		/* REPORT_TABLE, malloc()ed */
	long n_conns;
	struct tcpstate_ports ports;		/* REPORT_PORTS */
	struct tcpstate_port_failure failures[REPORT_FAILURES];	/* oldest first */
	long n_failures;
};

/*
 * Read @what of the namespace @fd is bound to into @s (@path names the
 * device in error lines).  0, or -1 after printing why, with @s empty.
 */
int report_sample_read(int fd, const char *path, unsigned int what,
		       struct report_sample *s);
/*
 * Two samples @interval_s apart: @first_what into @first, then, after the
 * sleep, @what into @second.  With @interval_s 0 there is no first sample
 * (first->what is 0) and the reports have no rates.  0, or -1 after
 * printing why, with both empty.
 */
int report_sample_pair(int fd, const char *path, unsigned int first_what,
		       unsigned int what, double interval_s,
		       struct report_sample *first, struct report_sample *second);
/* Free what @s holds and empty it; an empty sample is fine. */
void report_sample_free(struct report_sample *s);
/* Seconds from @prev to @cur; 0 when either is missing. */
double report_elapsed_s(const struct report_sample *prev,
			const struct report_sample *cur);

/* The summary. */

/* One TCP state: how many are in it, and how fast they come and go. */
struct report_state {
	__u64 count;		/* connections in it now (the gauge) */
	__u64 entered;		/* transitions into it since counting began */
	__u64 left;		/* transitions out of it */
	double enter_per_s;	/* between the samples; 0 without rates */
	double leave_per_s;
};

/*
 * The summary: every counter of one namespace, from REPORT_STATS (and
 * REPORT_PORTS, when the later sample has it).  The module's own numbers
 * are in @stats, as TCPSTATE_IOC_STATS gave them:
 *   stats.entries		connections in the table
 *   stats.timewait_socks	connections held by timewait sockets
 *   stats.tw_exits[cause]	TIME-WAIT exits by enum tcpstate_tw_exit
 *				(NETNS: see stats.all_tw_netns_exits)
 *   stats.tw_overflows, stats.dropped, stats.events_lost
 *   stats.misses[], stats.probe_misses and the other all_* counters:
 *				module-wide, valid only when @module_wide
 *   stats.reconcile_*		the reconcile pass's corrections
 * and what is computed from them is in the other fields.
 */
struct summary_report {
	struct tcpstate_stats stats;	/* the later sample */
	__u64 now_ns;			/* CLOCK_BOOTTIME of the later sample */
	double interval_s;		/* asked for (-i); 0: no rates */
	double elapsed_s;		/* that really passed; 0: no rates */
	bool module_wide;		/* stats.flags has TCPSTATE_STATS_MODULE_WIDE */
	struct report_state states[TCPSTATE_STATE_MAX];	/* by TCPSTATE_* */
	struct tw_rate rate;		/* TIME-WAIT entry and exit rates */
	__u64 tw_entered;		/* entries into TIME-WAIT since counting began */
	__u64 tw_left;			/* exits from it */
	double tw_exit_per_s[TCPSTATE_TW_EXIT_MAX];	/* by cause; 0 without rates */
	bool has_ports;			/* @ports is valid */
	struct tcpstate_ports ports;	/* the local port range, failure totals */
	__u64 port_failures;		/* all kinds and families */
	/*
	 * The module's hooks_missing, which the front end reads (the
	 * builders do not): "symbol: what is lost" lines, "" when every
	 * hook is placed; unknown unless @hooks_known.
	 */
	bool hooks_known;
	char hooks_missing[1024];
};

/*
 * The summary of @cur (REPORT_STATS), with rates since @prev (NULL or
 * without REPORT_STATS: none); @interval_s is what was asked for.
 */
void report_summary(struct summary_report *r, const struct report_sample *prev,
		    const struct report_sample *cur, double interval_s);
/* The same from stats alone: @first NULL for no rates. */
void summary_report_build(struct summary_report *r,
			  const struct tcpstate_stats *first,
			  const struct tcpstate_stats *second,
			  double elapsed_s, __u64 now_ns);

/*
 * One summary per namespace (TCPSTATE_IOC_NETNS_LIST, CAP_SYS_ADMIN in
 * the initial user namespace), without rates or ports, in a malloc()ed
 * array the caller frees.  Returns how many, or -1 after printing why.
 */
long report_overview(int fd, struct summary_report **reports);

/*
 * The TIME-WAIT report (timewait.h) of @cur (REPORT_STATS | REPORT_TABLE),
 * rates since @prev's stats, of @family (0: both), top lists of @top rows,
 * owners grouped @by.  0, or -1 after printing why (out of memory);
 * tw_report_free() it.
 */
int report_timewait(struct tw_report *r, const struct report_sample *prev,
		    const struct report_sample *cur, int family,
		    unsigned int top, enum owner_by by);

/*
 * The port report (ports.h) of @cur (REPORT_STATS | REPORT_TABLE |
 * REPORT_PORTS), rates since @prev's table (NULL or without REPORT_TABLE:
 * none), of @family (0: both), owners grouped @by, with the --check
 * thresholds @warn_pct and @crit_pct.  Its destinations are most used
 * first, which is least headroom first.  0, or -1 after printing why;
 * ports_report_free() it.
 */
int report_ports(struct ports_report *r, const struct report_sample *prev,
		 const struct report_sample *cur, int family, enum owner_by by,
		 double warn_pct, double crit_pct);

#endif
