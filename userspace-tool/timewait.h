/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TIME-WAIT report's view: text and JSON of a struct tw_report, which
 * report.h builds.
 */
#ifndef TCPSTATE_TIMEWAIT_H
#define TCPSTATE_TIMEWAIT_H

#include "output.h"
#include "report.h"

void tw_report_print(struct output *o, const struct tw_report *r);

#endif
