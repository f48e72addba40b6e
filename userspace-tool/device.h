/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to /dev/tcpstate.  Every function that fails prints one line
 * "tcpstate: what: why" on stderr and returns -1.
 */
#ifndef TCPSTATE_DEVICE_H
#define TCPSTATE_DEVICE_H

#include <linux/tcpstate.h>

#define DEVICE_ALL_NETNS_EPERM_HINT \
	" (needs CAP_SYS_ADMIN in the initial user namespace)"

/* Open the device and check that the module speaks our ABI. */
int device_open(const char *path, __u32 *abi_version);

/* TCPSTATE_IOC_STATS of the namespace @fd is bound to. */
int device_stats(int fd, const char *path, struct tcpstate_stats *st);

/*
 * Two stats samples @interval_s apart (one when it is 0, copied to both);
 * *elapsed_s is the time that really passed between them.
 */
int device_stats_pair(int fd, const char *path, double interval_s,
		      struct tcpstate_stats *first, struct tcpstate_stats *second,
		      double *elapsed_s);

/*
 * The whole table of the namespace @fd is bound to, in a malloc()ed array
 * the caller frees.  Returns the number of connections.
 */
long device_snapshot(int fd, const char *path, struct tcpstate_conn **conns);

/*
 * TCPSTATE_IOC_PORTS: the port range, the failure totals and the newest
 * @room failures kept, oldest first, into @failures.  Returns how many
 * failures were written.
 */
long device_ports(int fd, const char *path, struct tcpstate_ports *ports,
		  struct tcpstate_port_failure *failures, __u32 room);

/*
 * TCPSTATE_IOC_NETNS_LIST: one struct tcpstate_stats per namespace, in a
 * malloc()ed array the caller frees.  Returns the number of namespaces.
 */
long device_netns_list(int fd, struct tcpstate_stats **stats);

/* Sleep @s seconds, through signals. */
void sleep_seconds(double s);
/* CLOCK_BOOTTIME, the module's clock, in ns. */
__u64 boottime_ns(void);
/* CLOCK_REALTIME minus CLOCK_BOOTTIME, in ns: boot time to wall clock. */
__s64 wall_offset_ns(void);

/*
 * The module's list of hooks it could not place, with what is lost
 * (/sys/module/tcpstate/parameters/hooks_missing) into @buf, "" when
 * every hook is placed: 0, or -1 with @buf "" when it cannot be read (a
 * module without the parameter, no sysfs).
 */
#define DEVICE_HOOKS_MISSING "/sys/module/tcpstate/parameters/hooks_missing"
int device_hooks_missing(const char *path, char *buf, size_t len);

#endif
