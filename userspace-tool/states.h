/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of TCP states, timewait exit causes, missed facts and drops.
 */
#ifndef TCPSTATE_STATES_H
#define TCPSTATE_STATES_H

/* As ss(8) prints them: "ESTAB", "TIME-WAIT"...; NULL when out of range. */
const char *state_ss_name(int state);
/* The longest of them: "FIN-WAIT-1", "CLOSE-WAIT". */
#define STATE_SS_NAME_MAX	10
/* As JSON keys: "established", "time_wait"...; NULL when out of range. */
const char *state_key(int state);
/* "expired", "reused"...; NULL when out of range. */
const char *tw_exit_name(int cause);
/* The longest of them: "expired". */
#define TW_EXIT_NAME_MAX	7
/*
 * The hook of an enum tcpstate_miss, as a stable key for JSON and text:
 * "state", "tw_enter"...; NULL when out of range.
 */
const char *miss_name(int kind);
/* Why a connection was not mirrored: "quota", "cap", "nomem"; NULL out of range. */
const char *drop_name(int reason);
/*
 * The states a name given on the command line stands for, as a mask of
 * (1 << state); 0 for an unknown name.  Case does not matter, '-' and '_'
 * are the same, and each state goes by its ss(8) name ("ESTAB",
 * "time-wait") and by its full name ("established", "fin_wait2", "close").
 * Like ss(8), "all", "connected" (neither LISTEN nor CLOSED) and
 * "synchronized" (connected but SYN-SENT) name groups.
 */
unsigned int state_parse_mask(const char *name);

#endif
