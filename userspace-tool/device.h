/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to /dev/tcpstate.
 */
#ifndef TCPSTATE_DEVICE_H
#define TCPSTATE_DEVICE_H

#include <linux/types.h>

/*
 * Open the device and check that the module speaks our ABI.  On failure
 * prints one line "tcpstate: ...: why" on stderr and returns -1.
 */
int device_open(const char *path, __u32 *abi_version);

#endif
