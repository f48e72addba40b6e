/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpstate: a mirror of the TCP state machine of every network namespace.
 *
 * The tcpstate module follows every TCP connection through all eleven
 * states of RFC 793, TIME-WAIT included, and keeps one table per network
 * namespace.  It is read through the character device /dev/tcpstate.
 *
 * An open file is bound to the network namespace of the process that
 * opened it.  Requests are ioctls on that file:
 *
 *   TCPSTATE_IOC_VERSION	returns TCPSTATE_ABI_VERSION as a __u32.  A
 *				program built against this header checks it
 *				before anything else.
 *
 * Rules of this interface: every structure uses fixed-width types, has no
 * implicit padding, starts with a __u32 size that the caller fills in, and
 * only ever grows at its end.  The kernel copies min(size, its own size).
 * Unknown commands fail with ENOTTY, bad sizes with EINVAL, bad pointers
 * with EFAULT.  Kernel pointers never cross this interface.
 */
#ifndef _UAPI_LINUX_TCPSTATE_H
#define _UAPI_LINUX_TCPSTATE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TCPSTATE_DEVICE_NAME	"tcpstate"
#define TCPSTATE_ABI_VERSION	1

/* 0xE7 is not claimed in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define TCPSTATE_IOC_MAGIC	0xE7

#define TCPSTATE_IOC_VERSION	_IOR(TCPSTATE_IOC_MAGIC, 0x00, __u32)

#endif /* _UAPI_LINUX_TCPSTATE_H */
