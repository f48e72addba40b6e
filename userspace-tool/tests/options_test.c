// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's command-line parsing, run on the host; TAP output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kselftest.h"

#include "../options.h"

#define ARGV(...) ((char *[]){ "tcpstate", __VA_ARGS__, NULL })

static int parse(struct options *o, char *err, int argc, char **argv)
{
	err[0] = '\0';
	return options_parse(o, argc, argv, err, 256);
}

static void expect(int cond, const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cond)
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: %s\n", name, why);
}

int main(void)
{
	struct options o;
	char err[256];
	int rc;

	ksft_print_header();
	ksft_set_plan(9);

	{
		char **a = ARGV("version");

		rc = parse(&o, err, 2, a);
		expect(rc == 0 && o.command == CMD_VERSION && !o.json,
		       "version_command_parses",
		       "expected rc 0, CMD_VERSION, no json; saw rc %d cmd %d json %d err '%s'",
		       rc, o.command, o.json, err);
	}
	{
		char **a = ARGV("-j", "ver");

		rc = parse(&o, err, 3, a);
		expect(rc == 0 && o.command == CMD_VERSION && o.json,
		       "json_flag_and_command_prefix",
		       "expected rc 0, CMD_VERSION, json; saw rc %d cmd %d json %d err '%s'",
		       rc, o.command, o.json, err);
	}
	{
		char **a = ARGV("--json", "--device", "/tmp/x", "version");

		rc = parse(&o, err, 5, a);
		expect(rc == 0 && o.json && !strcmp(o.device, "/tmp/x"),
		       "long_options_with_argument",
		       "expected rc 0, json, device /tmp/x; saw rc %d json %d device '%s'",
		       rc, o.json, o.device);
	}
	{
		char **a = ARGV("-x");

		rc = parse(&o, err, 2, a);
		expect(rc == -1 && !strcmp(err, "unknown option '-x'"),
		       "unknown_short_option_is_an_error",
		       "expected rc -1 and \"unknown option '-x'\"; saw rc %d '%s'", rc, err);
	}
	{
		char **a = ARGV("--bogus");

		rc = parse(&o, err, 2, a);
		expect(rc == -1 && !strcmp(err, "unknown option '--bogus'"),
		       "unknown_long_option_is_an_error",
		       "expected rc -1 and \"unknown option '--bogus'\"; saw rc %d '%s'",
		       rc, err);
	}
	{
		char **a = ARGV("frobnicate");

		rc = parse(&o, err, 2, a);
		expect(rc == -1 && !strcmp(err, "unknown command 'frobnicate'"),
		       "unknown_command_is_an_error",
		       "expected rc -1 and \"unknown command 'frobnicate'\"; saw rc %d '%s'",
		       rc, err);
	}
	{
		char **a = ARGV("version", "extra");

		rc = parse(&o, err, 3, a);
		expect(rc == -1 && !strcmp(err, "unexpected argument 'extra'"),
		       "trailing_argument_is_an_error",
		       "expected rc -1 and \"unexpected argument 'extra'\"; saw rc %d '%s'",
		       rc, err);
	}
	{
		char **a = ARGV("-D");

		rc = parse(&o, err, 2, a);
		expect(rc == -1 && strstr(err, "needs an argument"),
		       "missing_option_argument_is_an_error",
		       "expected rc -1 and 'needs an argument'; saw rc %d '%s'", rc, err);
	}

	{
		char **a = ARGV("-j");

		rc = parse(&o, err, 2, a);
		expect(rc == 0 && o.command == CMD_SUMMARY && o.json,
		       "summary_is_the_default_command",
		       "expected rc 0, CMD_SUMMARY; saw rc %d cmd %d", rc, o.command);
	}

	ksft_finished();
}
