// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate reset`: zero the cumulative counters of a namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "netns.h"

int cmd_reset(const struct options *opts)
{
	int fd, e;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	if (ioctl(fd, TCPSTATE_IOC_RESET)) {
		e = errno;
		fprintf(stderr, "tcpstate: reset: %s%s\n", strerror(e),
			e == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		close(fd);
		return 1;
	}
	close(fd);
	if (opts->json)
		printf("{\"reset\":true}\n");
	return 0;
}
