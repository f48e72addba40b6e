/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ephemeral port report's view: text, JSON and the Nagios line of a
 * struct ports_report, which report.h builds, and the words for a port
 * failure.
 */
#ifndef TCPSTATE_PORTS_H
#define TCPSTATE_PORTS_H

#include <stddef.h>
#include <stdio.h>

#include <linux/tcpstate.h>

#include "output.h"
#include "report.h"

/* "EADDRNOTAVAIL", "EADDRINUSE", else "error N"; @error may be negative. */
const char *port_error_name(char *buf, size_t len, __s32 error);
/*
 * "connect 127.0.0.1:8000 pid 123 (curl) cgroup nginx.service
 * EADDRNOTAVAIL", with "from ADDR" after the destination when the socket
 * was bound, and no cgroup when the module does not know it;
 * "bind 0.0.0.0 pid 5 (nginx) EADDRINUSE".
 */
char *port_failure_describe(char *buf, size_t len,
			    const struct tcpstate_port_failure *f);

/* "full" (0), "-" (never, or unknown), else a duration: "12m05s". */
const char *ports_exhaustion_text(char *buf, size_t len, double s);
/*
 * Widths of the LOCAL (@lw) and DESTINATION (@dw) columns for the first
 * @rows destinations of @r, at least those of their headers.
 */
void ports_column_widths(const struct ports_report *r, size_t rows, int *lw,
			 int *dw);
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
