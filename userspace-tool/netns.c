// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace selection: -n NAME|PATH|PID and --all-netns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "device.h"
#include "errors.h"
#include "netns.h"

char *netns_path(char *buf, size_t len, const char *arg)
{
	int n;

	if (strchr(arg, '/'))
		n = snprintf(buf, len, "%s", arg);
	else if (strspn(arg, "0123456789") == strlen(arg))
		n = snprintf(buf, len, "/proc/%s/ns/net", arg);
	else
		n = snprintf(buf, len, "/run/netns/%s", arg);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

int netns_select(int fd, const char *arg)
{
	struct tcpstate_netns req;
	char path[4096];
	int nsfd, e;

	if (!netns_path(path, sizeof(path), arg)) {
		report_error("tcpstate: netns %s: %s\n", arg,
			     strerror(ENAMETOOLONG));
		return -1;
	}
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		report_error("tcpstate: netns %s: %s\n", arg, strerror(errno));
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.fd = nsfd;
	req.flags = 0;
	if (ioctl(fd, TCPSTATE_IOC_NETNS, &req)) {
		e = errno;
		close(nsfd);
		report_error("tcpstate: netns %s: %s%s\n", arg, strerror(e),
			     e == EPERM ? " (needs CAP_NET_ADMIN over that namespace)" : "");
		return -1;
	}
	close(nsfd);
	return 0;
}

int netns_select_all(int fd)
{
	struct tcpstate_netns req;
	int e;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.fd = -1;
	req.flags = TCPSTATE_NETNS_ALL;
	if (ioctl(fd, TCPSTATE_IOC_NETNS, &req)) {
		e = errno;
		report_error("tcpstate: --all-netns: %s%s\n", strerror(e),
			     e == EPERM ? DEVICE_ALL_NETNS_EPERM_HINT : "");
		return -1;
	}
	return 0;
}

int device_open_selected(const struct options *opts, bool with_all)
{
	__u32 abi;
	int fd;

	fd = device_open(opts->device, &abi);
	if (fd < 0)
		return -1;
	if (opts->netns && netns_select(fd, opts->netns))
		goto err_select;
	if (with_all && opts->all_netns && netns_select_all(fd))
		goto err_select;
	return fd;

err_select:
	close(fd);
	return -1;
}
