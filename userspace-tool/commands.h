/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's commands.  Each returns the exit status: 0, or 1 when the
 * device failed it (after printing why); `ports --check` returns the
 * Nagios status instead (0 to 3), and `audit` that of diff(1): 0 when the
 * table agrees with the kernel, 1 when it does not, 2 on errors.
 */
#ifndef TCPSTATE_COMMANDS_H
#define TCPSTATE_COMMANDS_H

#include "options.h"

int cmd_summary(const struct options *opts);
int cmd_watch(const struct options *opts);
int cmd_timewait(const struct options *opts);
int cmd_list(const struct options *opts);
int cmd_reset(const struct options *opts);
int cmd_version(const struct options *opts);
int cmd_ports(const struct options *opts);
int cmd_audit(const struct options *opts);
int cmd_top(const struct options *opts);
int cmd_exporter(const struct options *opts);
int cmd_quota(const struct options *opts);

#endif
