/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The views of the summary report and of the all-namespaces overview,
 * which report.h builds.
 */
#ifndef TCPSTATE_SUMMARY_H
#define TCPSTATE_SUMMARY_H

#include <linux/tcpstate.h>

#include "output.h"
#include "report.h"

void summary_print(struct output *o, const struct summary_report *r);
/* One row per namespace of @r[0..n), from report_overview(). */
void overview_print(struct output *o, const struct summary_report *r, long n);

#endif
