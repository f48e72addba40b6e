// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate summary`: connections per state in the caller's namespace,
 * timewait sockets and how they ended, overflows and drops.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "device.h"
#include "output.h"
#include "states.h"

void summary_print(struct output *o, const struct tcpstate_stats *st)
{
	int i;

	out_u64(o, "connections", "connections", st->entries);
	out_begin(o, "states", "states");
	for (i = 1; i < TCPSTATE_STATE_MAX; i++) {
		if (i == TCPSTATE_CLOSE)
			continue;
		out_u64(o, state_key(i), state_ss_name(i), st->gauge[i]);
	}
	out_end(o);
	out_u64(o, "timewait_sockets", "timewait sockets", st->timewait_socks);
	out_begin(o, "timewait_exits", "timewait exits");
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		if (i == TCPSTATE_TW_EXIT_NETNS)
			continue;
		out_u64(o, tw_exit_name(i), tw_exit_name(i), st->tw_exits[i]);
	}
	out_end(o);
	out_u64(o, "timewait_overflows", "timewait overflows", st->tw_overflows);
	out_u64(o, "dropped", "not mirrored (cap reached)", st->dropped);
	out_u64(o, "probe_misses", "probe misses", st->probe_misses);
}

int cmd_summary(const struct options *opts)
{
	struct tcpstate_stats st;
	struct output o;
	__u32 abi;
	int fd;

	fd = device_open(opts->device, &abi);
	if (fd < 0)
		return 1;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl(fd, TCPSTATE_IOC_STATS, &st)) {
		fprintf(stderr, "tcpstate: %s: stats request failed: %s\n",
			opts->device, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	out_init(&o, stdout, opts->json);
	summary_print(&o, &st);
	out_finish(&o);
	return 0;
}
