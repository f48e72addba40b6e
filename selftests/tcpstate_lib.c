// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the tcpstate selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpstate_lib.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

int ts_open(void)
{
	return open(TS_DEVICE, O_RDONLY | O_CLOEXEC);
}

int ts_stats(int fd, struct tcpstate_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, TCPSTATE_IOC_STATS, st);
}

long ts_snapshot(int fd, struct tcpstate_conn **out, unsigned int chunk)
{
	struct tcpstate_snapshot req = { 0 };
	struct tcpstate_conn *all = NULL, *tmp;
	long n = 0, cap = 0;

	do {
		if (n + chunk > cap) {
			cap = (n + chunk) * 2;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp) {
				free(all);
				return -1;
			}
			all = tmp;
		}
		req.size = sizeof(req);
		req.conn_size = sizeof(*all);
		req.count = chunk;
		req.conns = (uintptr_t)(all + n);
		if (ioctl(fd, TCPSTATE_IOC_SNAPSHOT, &req)) {
			free(all);
			return -1;
		}
		n += req.count;
	} while (!(req.flags & TCPSTATE_SNAPSHOT_DONE));
	*out = all;
	return n;
}

const struct tcpstate_conn *ts_find(const struct tcpstate_conn *c, long n,
				    uint64_t cookie)
{
	long i;

	for (i = 0; i < n; i++)
		if (c[i].cookie == cookie)
			return &c[i];
	return NULL;
}

uint64_t ts_sock_cookie(int sock)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(sock, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

static const char *const ss_names[TCPSTATE_STATE_MAX] = {
	[TCPSTATE_ESTABLISHED] = "ESTAB",
	[TCPSTATE_SYN_SENT] = "SYN-SENT",
	[TCPSTATE_SYN_RECV] = "SYN-RECV",
	[TCPSTATE_FIN_WAIT1] = "FIN-WAIT-1",
	[TCPSTATE_FIN_WAIT2] = "FIN-WAIT-2",
	[TCPSTATE_TIME_WAIT] = "TIME-WAIT",
	[TCPSTATE_CLOSE] = "UNCONN",
	[TCPSTATE_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCPSTATE_LAST_ACK] = "LAST-ACK",
	[TCPSTATE_LISTEN] = "LISTEN",
	[TCPSTATE_CLOSING] = "CLOSING",
};

static const char *const state_names[TCPSTATE_STATE_MAX] = {
	[TCPSTATE_ESTABLISHED] = "ESTABLISHED",
	[TCPSTATE_SYN_SENT] = "SYN_SENT",
	[TCPSTATE_SYN_RECV] = "SYN_RECV",
	[TCPSTATE_FIN_WAIT1] = "FIN_WAIT1",
	[TCPSTATE_FIN_WAIT2] = "FIN_WAIT2",
	[TCPSTATE_TIME_WAIT] = "TIME_WAIT",
	[TCPSTATE_CLOSE] = "CLOSE",
	[TCPSTATE_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCPSTATE_LAST_ACK] = "LAST_ACK",
	[TCPSTATE_LISTEN] = "LISTEN",
	[TCPSTATE_CLOSING] = "CLOSING",
};

const char *ts_ss_name(int state)
{
	if (state <= 0 || state >= TCPSTATE_STATE_MAX)
		return "?";
	return ss_names[state];
}

const char *ts_state_name(int state)
{
	if (state <= 0 || state >= TCPSTATE_STATE_MAX)
		return "GONE";
	return state_names[state];
}

int ts_wait_state(int fd, uint64_t cookie, int state, int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		struct tcpstate_conn *c;
		const struct tcpstate_conn *e;
		int seen;
		long n = ts_snapshot(fd, &c, 256);

		if (n < 0)
			return -1;
		e = ts_find(c, n, cookie);
		seen = e ? e->state : 0;
		free(c);
		if (seen == state)
			return state;
		if (waited + 10 > timeout_ms)
			return seen;
		nanosleep(&ts, NULL);
	}
	return -1;
}
