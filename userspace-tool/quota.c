// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate quota [N|none|default]`: the namespace's quota of table
 * entries, shown, set or returned to the module's default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "netns.h"
#include "output.h"

#define QUOTA_EPERM_HINT \
	" (lowering a quota needs CAP_NET_ADMIN over the namespace, raising it CAP_NET_ADMIN in the initial user namespace from the initial network namespace, with -n for another)"

int cmd_quota(const struct options *opts)
{
	struct tcpstate_quota q;
	struct output o;
	int fd, e;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	if (opts->quota_action == QUOTA_SET) {
		q.flags = TCPSTATE_QUOTA_SET;
		q.max_entries = opts->quota_value;
	} else if (opts->quota_action == QUOTA_DEFAULT) {
		q.flags = TCPSTATE_QUOTA_DEFAULT;
	}
	if (ioctl(fd, TCPSTATE_IOC_QUOTA, &q)) {
		e = errno;
		fprintf(stderr, "tcpstate: quota: %s%s\n", strerror(e),
			e == EPERM ? QUOTA_EPERM_HINT :
			e == ENOTTY ? " (the module has no quotas: update it)" : "");
		close(fd);
		return 1;
	}
	close(fd);
	out_init(&o, stdout, opts->json);
	out_u64(&o, "netns", "netns", q.netns);
	out_quota(&o, "quota", "quota", q.max_entries);
	out_bool(&o, "own", "its own", q.flags & TCPSTATE_QUOTA_OWN);
	out_bool(&o, "admin", "set by the admin", q.flags & TCPSTATE_QUOTA_ADMIN);
	out_u64(&o, "entries", "entries", q.entries);
	out_quota(&o, "default", "default quota", q.default_max_entries);
	out_u64(&o, "user_entries", "its user's entries", q.user_entries);
	out_quota(&o, "user_quota", "its user's limit", q.user_max_entries);
	out_finish(&o);
	return 0;
}
