// SPDX-License-Identifier: GPL-2.0
/*
 * Error lines, printed and remembered.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

static char last[512];

void report_error(const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	len = strlen(last);
	if (len && last[len - 1] == '\n')
		last[len - 1] = '\0';
	fprintf(stderr, "%s\n", last);
}

const char *last_error(void)
{
	return last;
}

int report_write_failure(FILE *f, int err)
{
	if (fflush(f) && !err)
		err = errno;
	if (!err && !ferror(f))
		return 0;
	report_error("tcpstate: stdout: %s\n", err ? strerror(err) : "write error");
	return -1;
}
