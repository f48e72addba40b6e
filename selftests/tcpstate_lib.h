/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tcpstate selftests: reading the device, socket
 * cookies, state names as ss(8) prints them.
 */
#ifndef TCPSTATE_LIB_H
#define TCPSTATE_LIB_H

#include <stddef.h>
#include <stdint.h>

#include <linux/tcpstate.h>

#define TS_DEVICE "/dev/" TCPSTATE_DEVICE_NAME

int ts_open(void);
int ts_stats(int fd, struct tcpstate_stats *st);
/* All entries of the caller's namespace, malloc()ed; returns the count or -1. */
long ts_snapshot(int fd, struct tcpstate_conn **out, unsigned int chunk);
const struct tcpstate_conn *ts_find(const struct tcpstate_conn *c, long n,
				    uint64_t cookie);
uint64_t ts_sock_cookie(int sock);
/* "ESTAB", "TIME-WAIT"... as `ss -tan` prints them; "?" when out of range. */
const char *ts_ss_name(int state);
const char *ts_state_name(int state);
/* Poll the snapshot until @cookie is in @state (or gone, for state 0). */
int ts_wait_state(int fd, uint64_t cookie, int state, int timeout_ms);

#endif
