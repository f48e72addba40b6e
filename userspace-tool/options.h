/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line of the tcpstate CLI: parsed into a struct options by a pure
 * function, so it can be tested without a device.
 */
#ifndef TCPSTATE_OPTIONS_H
#define TCPSTATE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum command {
	CMD_SUMMARY,
	CMD_VERSION,
};

struct options {
	enum command command;
	bool json;
	bool help;
	const char *device;	/* path of the character device */
};

/*
 * Parse argv into *opts.  Returns 0 on success; on misuse returns -1 and
 * writes a one-line reason (without the program name) into err.
 */
int options_parse(struct options *opts, int argc, char **argv,
		  char *err, size_t errlen);

const char *command_name(enum command cmd);

#endif
