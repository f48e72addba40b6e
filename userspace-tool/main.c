// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: report TCP connection states, TIME-WAIT buildup and ephemeral
 * port exhaustion from the tcpstate kernel module (/dev/tcpstate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "device.h"
#include "options.h"

#ifndef TCPSTATE_VERSION
#define TCPSTATE_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tcpstate [OPTIONS] [COMMAND]\n"
		"\n"
		"Report TCP connection states from the tcpstate kernel module.\n"
		"\n"
		"Commands (any unambiguous prefix works):\n"
		"  summary            connections per state, TIME-WAIT and how it ended\n"
		"                     (the default)\n"
		"  version            versions of this tool and of the loaded module\n"
		"\n"
		"Options:\n"
		"  -j, --json         JSON output\n"
		"  -D, --device PATH  device to read (default /dev/tcpstate)\n"
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  tcpstate\n"
		"  tcpstate -j summary\n"
		"  tcpstate version\n"
		"  tcpstate -j version\n");
}

int cmd_version(const struct options *opts)
{
	__u32 abi;
	int fd;

	fd = device_open(opts->device, &abi);
	if (fd < 0)
		return 1;
	close(fd);
	if (opts->json)
		printf("{\"tool_version\":\"%s\",\"abi_version\":%u,\"module_abi_version\":%u}\n",
		       TCPSTATE_VERSION, TCPSTATE_ABI_VERSION, abi);
	else
		printf("tcpstate %s, ABI %u, module ABI %u\n",
		       TCPSTATE_VERSION, TCPSTATE_ABI_VERSION, abi);
	return 0;
}

int main(int argc, char **argv)
{
	struct options opts;
	char err[256];

	if (options_parse(&opts, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "tcpstate: %s (try 'tcpstate --help')\n", err);
		return 2;
	}
	if (opts.help) {
		usage(stdout);
		return 0;
	}
	switch (opts.command) {
	case CMD_SUMMARY:
		return cmd_summary(&opts);
	case CMD_VERSION:
		return cmd_version(&opts);
	}
	return 1;
}
