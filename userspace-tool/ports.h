/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ephemeral port report: which destinations use how much of the local
 * port range, how fast that changes, when it runs out, and the connect()
 * and bind() calls that already found no port.  Built from snapshots of
 * the table and TCPSTATE_IOC_PORTS by pure functions, then printed.
 */
#ifndef TCPSTATE_PORTS_H
#define TCPSTATE_PORTS_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/tcpstate.h>

#include "options.h"
#include "output.h"

/* Failures the report shows, newest first. */
#define PORTS_RECENT_FAILURES	10

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
	__u64 free;		/* available - used, at least 0 */
	double used_pct;	/* of the available ports, at most 100 */
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
	double warn_pct;
	double crit_pct;
};

struct ports_report {
	__u32 netns;
	struct tcpstate_ports info;
	bool rates;		/* two samples */
	double elapsed_s;
	struct ports_dest *dests;	/* most used first */
	size_t n_dests;
	struct tcpstate_port_failure recent[PORTS_RECENT_FAILURES];	/* newest first */
	size_t n_recent;
	double warn_pct;
	double crit_pct;
	enum check_status status;
	char message[256];	/* why, one line */
};

/* Whether @c holds a local port connect() picked from [@low, @high]. */
bool ports_conn_counts(const struct tcpstate_conn *c, __u32 low, __u32 high,
		       const __u64 *listening);
/* Seconds until @free ports run out at these rates: 0, or INFINITY. */
double ports_exhaustion_s(__u64 free, double new_per_s, double freed_per_s);
/* Whether TIME-WAIT can be reused towards @daddr with tcp_tw_reuse @reuse. */
bool ports_tw_reuse_applies(__u32 reuse, int family, const __u8 *daddr);
/* "CRITICAL"... */
const char *check_status_name(enum check_status s);
/* "EADDRNOTAVAIL", "EADDRINUSE", else "error N"; @error may be negative. */
const char *port_error_name(char *buf, size_t len, __s32 error);
/*
 * "connect 127.0.0.1:8000 pid 123 (curl) EADDRNOTAVAIL", with
 * "from ADDR" after the destination when the socket was bound;
 * "bind 0.0.0.0 pid 5 (nginx) EADDRINUSE".
 */
char *port_failure_describe(char *buf, size_t len,
			    const struct tcpstate_port_failure *f);

/* Returns 0, or -1 when out of memory. */
int ports_report_build(struct ports_report *r, const struct ports_input *in);
void ports_report_free(struct ports_report *r);
/*
 * The report, at most @top destinations; failure times in text are
 * CLOCK_BOOTTIME + @wall_offset_ns.
 */
void ports_report_print(struct output *o, const struct ports_report *r,
			unsigned int top, __s64 wall_offset_ns);
/* The Nagios line: "TCPSTATE CRITICAL - why". */
void ports_check_print(FILE *f, const struct ports_report *r);
/*
 * The summary's section, from TCPSTATE_IOC_PORTS alone: the namespace's
 * local port range and its failure count.  Per destination headroom needs
 * a walk of the table, which the summary never makes: `ports` shows it.
 */
void ports_summary_print(struct output *o, const struct tcpstate_ports *p);

#endif
