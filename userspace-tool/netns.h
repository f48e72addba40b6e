/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Choosing the network namespace a /dev/tcpstate file reports on.
 */
#ifndef TCPSTATE_NETNS_H
#define TCPSTATE_NETNS_H

#include <stddef.h>

#include <linux/types.h>

#include "options.h"

/*
 * The namespace file -n @arg names: "/run/netns/NAME" for a name,
 * "/proc/PID/ns/net" for all digits, @arg itself when it contains a '/'.
 * Returns buf, or NULL when it does not fit.
 */
char *netns_path(char *buf, size_t len, const char *arg);

/* Bind @fd to the namespace of -n @arg.  0, or -1 after printing why. */
int netns_select(int fd, const char *arg);
/* Bind @fd to every namespace (event stream only).  0, or -1 likewise. */
int netns_select_all(int fd);

/*
 * socket(@domain, @type, @protocol) created in the namespace of -n @arg
 * (NULL: our own), for sockets that answer for the namespace they were
 * made in, like netlink ones.  The process enters that namespace with
 * setns(2) (CAP_SYS_ADMIN over it; not needed when it is our own) and
 * returns to its own before this returns.  @what names the socket in
 * error lines.  Returns the socket, or -1 after printing why.
 */
int netns_socket(const char *arg, const char *what, int domain, int type,
		 int protocol);

/*
 * A file naming the network namespace of inode @inode (as the module and
 * lsns(8) number them), for netns_select(): /run/netns/NAME when `ip netns`
 * named it, else /proc/self/ns/net when it is ours, else /proc/PID/ns/net
 * of a process in it.  @label gets "NAME", "this namespace" or
 * "pid PID (COMM)".  Returns 0, or -1 when no such file was found (a
 * namespace kept alive by sockets alone, or processes we cannot see).
 */
int netns_lookup(__u32 inode, char *path, size_t plen, char *label,
		 size_t llen);

/*
 * Open the device and bind it as -n or --all-netns (@with_all) say.
 * Returns the file descriptor, or -1 after printing why.
 */
int device_open_selected(const struct options *opts, bool with_all);

#endif
