// SPDX-License-Identifier: GPL-2.0
/*
 * Opening /dev/tcpstate, checking its ABI version, and its requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "errors.h"

#define NSEC_PER_SEC 1000000000LL
/* Room for namespaces added between two TCPSTATE_IOC_NETNS_LIST calls. */
#define NETNS_LIST_SLACK 16

int device_open(const char *path, __u32 *abi_version)
{
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		report_error("tcpstate: cannot open %s: %s%s\n", path,
			     strerror(e),
			     e == ENOENT ? " (is the tcpstate module loaded?)" : "");
		return -1;
	}
	if (ioctl(fd, TCPSTATE_IOC_VERSION, abi_version)) {
		report_error("tcpstate: %s: version request failed: %s\n",
			     path, strerror(errno));
		close(fd);
		return -1;
	}
	if (*abi_version != TCPSTATE_ABI_VERSION) {
		report_error("tcpstate: %s: module speaks ABI %u, this tool speaks %u: %s\n",
			     path, *abi_version, TCPSTATE_ABI_VERSION,
			     "use matching versions");
		close(fd);
		return -1;
	}
	return fd;
}

int device_stats(int fd, const char *path, struct tcpstate_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	if (ioctl(fd, TCPSTATE_IOC_STATS, st)) {
		report_error("tcpstate: %s: stats request failed: %s\n",
			     path, strerror(errno));
		return -1;
	}
	return 0;
}

__u64 boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

__s64 wall_offset_ns(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return ((__s64)real.tv_sec - (__s64)boot.tv_sec) * NSEC_PER_SEC +
	       ((__s64)real.tv_nsec - (__s64)boot.tv_nsec);
}

void sleep_seconds(double s)
{
	struct timespec ts, left;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * (double)NSEC_PER_SEC);
	while (nanosleep(&ts, &left) && errno == EINTR)
		ts = left;
}

int device_stats_pair(int fd, const char *path, double interval_s,
		      struct tcpstate_stats *first, struct tcpstate_stats *second,
		      double *elapsed_s)
{
	__u64 t0, t1;

	t0 = boottime_ns();
	if (device_stats(fd, path, first))
		return -1;
	if (interval_s <= 0) {
		*second = *first;
		*elapsed_s = 0;
		return 0;
	}
	sleep_seconds(interval_s);
	t1 = boottime_ns();
	if (device_stats(fd, path, second))
		return -1;
	*elapsed_s = (double)(t1 - t0) / (double)NSEC_PER_SEC;
	return 0;
}

long device_snapshot(int fd, const char *path, struct tcpstate_conn **conns)
{
	const unsigned int chunk = TCPSTATE_SNAPSHOT_MAX_COUNT;
	struct tcpstate_snapshot req;
	struct tcpstate_conn *all = NULL, *tmp;
	size_t n = 0, cap = 0;

	memset(&req, 0, sizeof(req));
	do {
		if (n + chunk > cap) {
			cap = (n + chunk) * 2;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp) {
				report_error("tcpstate: snapshot: %s\n",
					     strerror(ENOMEM));
				free(all);
				return -1;
			}
			all = tmp;
		}
		/* The cursor is kept from the previous answer. */
		req.size = sizeof(req);
		req.conn_size = sizeof(*all);
		req.count = chunk;
		req.conns = (uintptr_t)(all + n);
		if (ioctl(fd, TCPSTATE_IOC_SNAPSHOT, &req)) {
			report_error("tcpstate: %s: snapshot request failed: %s\n",
				     path, strerror(errno));
			free(all);
			return -1;
		}
		n += req.count;
	} while (!(req.flags & TCPSTATE_SNAPSHOT_DONE));
	*conns = all;
	return (long)n;
}

long device_ports(int fd, const char *path, struct tcpstate_ports *ports,
		  struct tcpstate_port_failure *failures, __u32 room)
{
	memset(ports, 0, sizeof(*ports));
	ports->size = sizeof(*ports);
	ports->failure_size = sizeof(*failures);
	ports->count = room;
	ports->failures = (uintptr_t)failures;
	if (ioctl(fd, TCPSTATE_IOC_PORTS, ports)) {
		report_error("tcpstate: %s: ports request failed: %s\n",
			     path, strerror(errno));
		return -1;
	}
	return ports->count < room ? (long)ports->count : (long)room;
}

long device_netns_list(int fd, struct tcpstate_stats **stats)
{
	struct tcpstate_netns_list req;
	struct tcpstate_stats *all = NULL, *tmp;
	__u32 room = 64;
	int e;

	for (;;) {
		tmp = realloc(all, room * sizeof(*all));
		if (!tmp) {
			report_error("tcpstate: --all-netns: %s\n",
				     strerror(ENOMEM));
			free(all);
			return -1;
		}
		all = tmp;
		memset(all, 0, room * sizeof(*all));
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.stats_size = sizeof(*all);
		req.count = room;
		req.stats = (uintptr_t)all;
		if (ioctl(fd, TCPSTATE_IOC_NETNS_LIST, &req)) {
			e = errno;
			report_error("tcpstate: --all-netns: %s%s\n", strerror(e),
				     e == EPERM ? DEVICE_ALL_NETNS_EPERM_HINT : "");
			free(all);
			return -1;
		}
		if (req.total <= req.count)
			break;
		room = req.total + NETNS_LIST_SLACK;
	}
	*stats = all;
	return (long)req.count;
}

int device_hooks_missing(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;
	int err = -1;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		err = ferror(f) ? -1 : 0;
		fclose(f);
	}
	buf[err ? 0 : n] = '\0';
	return err;
}
