/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 ids and paths: the module reports a socket's cgroup by its id
 * (what `ss --cgroup` shows), which is the inode number of the cgroup's
 * directory in the cgroup2 file system.  An operator knows the cgroup by
 * its path, or, under systemd, by the unit it belongs to.
 */
#ifndef TCPSTATE_CGROUP_H
#define TCPSTATE_CGROUP_H

#include <stddef.h>

#include <linux/types.h>

/* Long enough for any name cgroup_name() gives. */
#define CGROUP_NAME_LEN		4096

/*
 * The path of cgroup @id under the cgroup2 mount ("/" for the root,
 * "/system.slice/nginx.service"), or NULL when there is none or it is not
 * found (the cgroup was removed).  The first call walks the mount; a miss
 * walks it again when the last walk is a few seconds old, so that a long
 * running front end learns the cgroups made after it started.
 */
const char *cgroup_path(__u64 id);
/*
 * The id of cgroup @path: a path under the cgroup2 mount ("/svc_a"), or a
 * directory of it ("/sys/fs/cgroup/svc_a").  0 when it is neither.
 */
__u64 cgroup_id_of(const char *path);
/*
 * Use @root as the cgroup2 mount (the unit tests' fake tree), NULL for
 * the system's; forgets what an earlier walk found.
 */
void cgroup_set_root(const char *root);
/*
 * The systemd unit that cgroup @path is, or is inside of, in @buf:
 *   /system.slice/nginx.service		nginx.service
 *   /system.slice/system-getty.slice/getty@tty1.service
 *						getty@tty1.service
 *   /user.slice/user-1000.slice/session-2.scope	session-2.scope
 *   /system.slice/docker.service/sub		docker.service/sub
 *   /user.slice/user-1000.slice/user@1000.service/app.slice/foo.service
 *						user@1000.service/foo.service
 * that is: the slices before the first unit (.service, .scope) left out,
 * and, inside a user's service manager (user@UID.service), its slices
 * too.  NULL when @path is in no unit ("/", "/svc_a", "/user.slice").
 */
const char *cgroup_unit_name(char *buf, size_t len, const char *path);
/*
 * What to call cgroup @id: its unit name, else its path, else (removed,
 * or not under the mount) its id in decimal; "-" for 0 (not known).
 */
const char *cgroup_name(char *buf, size_t len, __u64 id);

#endif
