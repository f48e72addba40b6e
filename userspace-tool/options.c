// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing the tcpstate command line.  No I/O here: errors are returned as
 * text for main() to print.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define DEFAULT_DEVICE "/dev/tcpstate"

static const char *const command_names[] = {
	[CMD_SUMMARY] = "summary",
	[CMD_VERSION] = "version",
};

const char *command_name(enum command cmd)
{
	return command_names[cmd];
}

static int lookup_command(const char *word, enum command *cmd)
{
	size_t len = strlen(word);
	int found = -1;
	size_t i;

	/* Like ip(8): any unambiguous prefix of a command name is accepted. */
	for (i = 0; i < ARRAY_SIZE(command_names); i++) {
		if (strncmp(command_names[i], word, len))
			continue;
		if (strlen(command_names[i]) == len) {
			found = (int)i;
			break;
		}
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	if (found < 0 || len == 0)
		return -1;
	*cmd = (enum command)found;
	return 0;
}

int options_parse(struct options *opts, int argc, char **argv,
		  char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "device",	required_argument,	NULL, 'D' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->command = CMD_SUMMARY;
	opts->device = DEFAULT_DEVICE;

	optind = 0;	/* glibc: start a fresh scan, also on repeated calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jhD:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts->json = true;
			break;
		case 'D':
			if (!*optarg) {
				snprintf(err, errlen, "empty device path");
				return -1;
			}
			opts->device = optarg;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument",
				 argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'",
					 argv[optind - 1]);
			return -1;
		}
	}

	if (optind < argc) {
		if (lookup_command(argv[optind], &opts->command)) {
			snprintf(err, errlen, "unknown command '%s'", argv[optind]);
			return -1;
		}
		optind++;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}
