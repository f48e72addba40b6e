/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's commands.
 */
#ifndef TCPSTATE_COMMANDS_H
#define TCPSTATE_COMMANDS_H

#include <linux/tcpstate.h>

#include "options.h"
#include "output.h"

int cmd_summary(const struct options *opts);
int cmd_version(const struct options *opts);

/* The summary report of @st, for tests as well as for cmd_summary(). */
void summary_print(struct output *o, const struct tcpstate_stats *st);

#endif
