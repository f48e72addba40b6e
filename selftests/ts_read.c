// SPDX-License-Identifier: GPL-2.0
/*
 * ts_read: print what the module knows about the caller's namespace, in
 * forms the shell selftests compare with ss(8) and /proc/net/sockstat.
 *
 *   ts_read counts     "STATE N" per state with N > 0, from the gauges,
 *                      named as `ss -tan` names them (FIN-WAIT-2 includes
 *                      the timewait sockets in that substate, as in ss)
 *   ts_read snapcount  the same, counted from a full snapshot
 *   ts_read stat NAME  one counter: entries, timewait_socks, tw_overflows,
 *                      dropped, all_entries, all_dropped, max_entries,
 *                      all_tw_netns_exits, probe_misses, exit:CAUSE,
 *                      trans:FROM:TO (states as JSON keys: time_wait...),
 *                      transitions (the whole matrix)
 *   ts_read stream MS  read the event stream as fast as it can, from the
 *                      moment "ready" is printed until nothing came for
 *                      MS milliseconds; then "records N lost L span_ns S"
 *                      (S: from the first record's time to the last's)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpstate_lib.h"

static int state_by_name(const char *s)
{
	int i;

	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (!strcmp(s, state_key(i)))
			return i;
	return -1;
}

static int print_stat(const struct tcpstate_stats *st, const char *name)
{
	const struct { const char *name; __u64 v; } fields[] = {
		{ "entries", st->entries },
		{ "timewait_socks", st->timewait_socks },
		{ "tw_overflows", st->tw_overflows },
		{ "dropped", st->dropped },
		{ "all_entries", st->all_entries },
		{ "all_dropped", st->all_dropped },
		{ "max_entries", st->max_entries },
		{ "all_tw_netns_exits", st->all_tw_netns_exits },
		{ "probe_misses", st->probe_misses },
	};
	char from[32], to[32];
	unsigned long long sum = 0;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!strcmp(name, fields[i].name)) {
			printf("%llu\n", (unsigned long long)fields[i].v);
			return 0;
		}
	}
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		if (!strncmp(name, "exit:", 5) && !strcmp(name + 5, tw_exit_name(i))) {
			printf("%llu\n", (unsigned long long)st->tw_exits[i]);
			return 0;
		}
	}
	if (!strcmp(name, "transitions")) {
		for (i = 0; i < TCPSTATE_STATE_MAX; i++)
			for (j = 0; j < TCPSTATE_STATE_MAX; j++)
				sum += st->transitions[i][j];
		printf("%llu\n", sum);
		return 0;
	}
	if (sscanf(name, "trans:%31[a-z_0-9]:%31[a-z_0-9]", from, to) == 2 &&
	    state_by_name(from) > 0 && state_by_name(to) > 0) {
		printf("%llu\n", (unsigned long long)
		       st->transitions[state_by_name(from)][state_by_name(to)]);
		return 0;
	}
	fprintf(stderr, "ts_read: unknown stat '%s'\n", name);
	return 2;
}

static int stream(int fd, int idle_ms)
{
	static struct tcpstate_event ev[1024];
	unsigned long long records = 0, lost = 0, first = 0, last = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;
	long i;

	/* The first poll() starts the stream. */
	if (poll(&p, 1, 0) < 0) {
		perror("ts_read: poll");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (poll(&p, 1, idle_ms) > 0) {
		r = read(fd, ev, sizeof(ev));
		if (r < 0) {
			perror("ts_read: read");
			return 1;
		}
		for (i = 0; i < r / (long)sizeof(ev[0]); i++) {
			if (ev[i].type == TCPSTATE_EVENT_LOST) {
				lost += ev[i].lost;
				continue;
			}
			if (!first)
				first = ev[i].time_ns;
			last = ev[i].time_ns;
			records++;
		}
	}
	printf("records %llu lost %llu span_ns %llu\n", records, lost, last - first);
	return 0;
}

int main(int argc, char **argv)
{
	struct tcpstate_stats st;
	struct tcpstate_conn *c;
	unsigned long long n[TCPSTATE_STATE_MAX] = { 0 };
	int fd, i;
	long k;

	if (argc < 2) {
		fprintf(stderr, "usage: ts_read counts|snapcount|stat NAME|stream MS\n");
		return 2;
	}
	fd = ts_open();
	if (fd < 0) {
		perror("ts_read: " TS_DEVICE);
		return 1;
	}
	if (!strcmp(argv[1], "stream") && argc == 3)
		return stream(fd, atoi(argv[2]));
	if (!strcmp(argv[1], "snapcount")) {
		k = ts_snapshot(fd, &c, 1000);
		if (k < 0) {
			perror("ts_read: snapshot");
			return 1;
		}
		while (k-- > 0)
			if (c[k].state < TCPSTATE_STATE_MAX)
				n[c[k].state]++;
		free(c);
	} else {
		if (ts_stats(fd, &st)) {
			perror("ts_read: stats");
			return 1;
		}
		if (!strcmp(argv[1], "stat") && argc == 3)
			return print_stat(&st, argv[2]);
		if (strcmp(argv[1], "counts")) {
			fprintf(stderr, "ts_read: unknown command '%s'\n", argv[1]);
			return 2;
		}
		for (i = 1; i < TCPSTATE_STATE_MAX; i++)
			n[i] = st.gauge[i];
	}
	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (n[i])
			printf("%s %llu\n", state_ss_name(i), n[i]);
	return 0;
}
