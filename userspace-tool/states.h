/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of TCP states and timewait exit causes.
 */
#ifndef TCPSTATE_STATES_H
#define TCPSTATE_STATES_H

/* As ss(8) prints them: "ESTAB", "TIME-WAIT"...; NULL when out of range. */
const char *state_ss_name(int state);
/* As JSON keys: "established", "time_wait"...; NULL when out of range. */
const char *state_key(int state);
/* "expired", "reused"...; NULL when out of range. */
const char *tw_exit_name(int cause);

#endif
