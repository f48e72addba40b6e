/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 ids and paths: the module reports a socket's cgroup by its id
 * (what `ss --cgroup` shows), which is the inode number of the cgroup's
 * directory in the cgroup2 file system.
 */
#ifndef TCPSTATE_CGROUP_H
#define TCPSTATE_CGROUP_H

#include <linux/types.h>

/*
 * The path of cgroup @id under the cgroup2 mount ("/" for the root,
 * "/system.slice/nginx.service"), or NULL when there is none or it is not
 * found.  The first call walks the mount once.
 */
const char *cgroup_path(__u64 id);
/*
 * The id of cgroup @path: a path under the cgroup2 mount ("/svc_a"), or a
 * directory of it ("/sys/fs/cgroup/svc_a").  0 when it is neither.
 */
__u64 cgroup_id_of(const char *path);

#endif
