/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the tcpstate module.
 */
#ifndef _TCPSTATE_H
#define _TCPSTATE_H

int tcpstate_device_init(void);
void tcpstate_device_exit(void);

#endif /* _TCPSTATE_H */
