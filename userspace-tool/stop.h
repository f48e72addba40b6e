/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ending a long-running command (watch, top, exporter) on SIGINT or
 * SIGTERM: the handler only sets a flag, which the command's loop reads.
 * No SA_RESTART, so a blocking read() or poll() returns EINTR at once.
 */
#ifndef TCPSTATE_STOP_H
#define TCPSTATE_STOP_H

#include <stdbool.h>

/* Install the handlers for SIGINT and SIGTERM. */
void stop_on_signals(void);
/* Whether one of them came. */
bool stop_requested(void);

#endif
