// SPDX-License-Identifier: GPL-2.0
/*
 * Opening /dev/tcpstate and checking its ABI version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "device.h"

int device_open(const char *path, __u32 *abi_version)
{
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		fprintf(stderr, "tcpstate: cannot open %s: %s%s\n", path,
			strerror(e),
			e == ENOENT ? " (is the tcpstate module loaded?)" : "");
		return -1;
	}
	if (ioctl(fd, TCPSTATE_IOC_VERSION, abi_version)) {
		fprintf(stderr, "tcpstate: %s: version request failed: %s\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	if (*abi_version != TCPSTATE_ABI_VERSION) {
		fprintf(stderr,
			"tcpstate: %s: module speaks ABI %u, this tool speaks %u: use matching versions\n",
			path, *abi_version, TCPSTATE_ABI_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}
