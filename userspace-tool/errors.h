/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error lines of the CLI: "tcpstate: what failed: why" on stderr, the
 * last one also kept, so that `ports --check` can repeat it on stdout.
 */
#ifndef TCPSTATE_ERRORS_H
#define TCPSTATE_ERRORS_H

#include <stdio.h>

#include "kernel.h"

/*
 * Print @fmt (the whole line, "tcpstate: " and "\n" included) on stderr
 * and keep it, without its newline, as the last error.
 */
__printf(1, 2) void report_error(const char *fmt, ...);
/* The last line report_error() printed; "" when none. */
const char *last_error(void);
/*
 * Flush @f, a command's output (stdout), and tell whether all written to
 * it went out.  When not: "tcpstate: stdout: why" by report_error(), and
 * -1.  Why: @err, the errno of a write that failed before (0: none kept),
 * else the flush's own; "write error" when stdio saw a write fail before
 * and kept no reason.
 */
int report_write_failure(FILE *f, int err);

#endif
