// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace selection: -n NAME|PATH|PID and --all-netns, for the
 * device and for sockets.
 */
#define _GNU_SOURCE		/* setns() */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "device.h"
#include "errors.h"
#include "netns.h"

char *netns_path(char *buf, size_t len, const char *arg)
{
	int n;

	if (strchr(arg, '/'))
		n = snprintf(buf, len, "%s", arg);
	else if (strspn(arg, "0123456789") == strlen(arg))
		n = snprintf(buf, len, "/proc/%s/ns/net", arg);
	else
		n = snprintf(buf, len, "/run/netns/%s", arg);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

/* What the device asks, as setns(2) does: no namespace shows that we could not enter. */
#define NETNS_SELECT_EPERM_HINT \
	" (needs CAP_SYS_ADMIN over that namespace and in our own user namespace)"

/* A file descriptor of namespace @arg, or -1 with the error reported. */
static int netns_open(const char *arg)
{
	char path[4096];
	int nsfd;

	if (!netns_path(path, sizeof(path), arg)) {
		report_error("tcpstate: netns %s: %s\n", arg,
			     strerror(ENAMETOOLONG));
		return -1;
	}
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		report_error("tcpstate: netns %s: %s\n", arg, strerror(errno));
	return nsfd;
}

int netns_select(int fd, const char *arg)
{
	struct tcpstate_netns req;
	int nsfd, e;

	nsfd = netns_open(arg);
	if (nsfd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.fd = nsfd;
	req.flags = 0;
	if (ioctl(fd, TCPSTATE_IOC_NETNS, &req)) {
		e = errno;
		close(nsfd);
		report_error("tcpstate: netns %s: %s%s\n", arg, strerror(e),
			     e == EPERM ? NETNS_SELECT_EPERM_HINT : "");
		return -1;
	}
	close(nsfd);
	return 0;
}

int netns_select_all(int fd)
{
	struct tcpstate_netns req;
	int e;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.fd = -1;
	req.flags = TCPSTATE_NETNS_ALL;
	if (ioctl(fd, TCPSTATE_IOC_NETNS, &req)) {
		e = errno;
		report_error("tcpstate: --all-netns: %s%s\n", strerror(e),
			     e == EPERM ? DEVICE_ALL_NETNS_EPERM_HINT : "");
		return -1;
	}
	return 0;
}

static int new_socket(const char *what, int domain, int type, int protocol)
{
	int sk = socket(domain, type, protocol);

	if (sk < 0)
		report_error("tcpstate: %s socket: %s\n", what, strerror(errno));
	return sk;
}

/* Whether the namespace files @a and @b are the same namespace. */
static bool same_namespace(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int netns_socket(const char *arg, const char *what, int domain, int type,
		 int protocol)
{
	static const char self_path[] = "/proc/self/ns/net";
	int nsfd, self, sk = -1, e;

	if (!arg)
		return new_socket(what, domain, type, protocol);
	nsfd = netns_open(arg);
	if (nsfd < 0)
		return -1;
	self = open(self_path, O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		report_error("tcpstate: %s: %s\n", self_path, strerror(errno));
		goto err_nsfd;
	}
	if (same_namespace(nsfd, self)) {
		sk = new_socket(what, domain, type, protocol);
		goto out;
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		e = errno;
		report_error("tcpstate: netns %s: cannot enter it: %s%s\n", arg,
			     strerror(e), e == EPERM ?
			     " (needs CAP_SYS_ADMIN over that namespace)" : "");
		goto out;
	}
	sk = new_socket(what, domain, type, protocol);
	if (setns(self, CLONE_NEWNET)) {
		report_error("tcpstate: netns %s: cannot come back from it: %s\n",
			     arg, strerror(errno));
		if (sk >= 0)
			close(sk);
		sk = -1;
	}
out:
	close(self);
err_nsfd:
	close(nsfd);
	return sk;
}

/* Whether the namespace file @path is namespace @inode. */
static bool is_netns(const char *path, __u32 inode)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == inode;
}

static int lookup_named(__u32 inode, char *path, size_t plen, char *label,
			size_t llen)
{
	struct dirent *e;
	int found = -1;
	DIR *d;

	d = opendir("/run/netns");
	if (!d)
		return -1;
	while (found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, plen, "/run/netns/%s", e->d_name);
		if (is_netns(path, inode)) {
			snprintf(label, llen, "%s", e->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

/* COMM of process @pid, without its newline; "?" when gone. */
static void process_comm(const char *pid, char *comm, size_t len)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	else
		comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
}

static int lookup_process(__u32 inode, char *path, size_t plen, char *label,
			  size_t llen)
{
	char comm[32];
	struct dirent *e;
	int found = -1;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while (found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, plen, "/proc/%s/ns/net", e->d_name);
		if (is_netns(path, inode)) {
			process_comm(e->d_name, comm, sizeof(comm));
			snprintf(label, llen, "pid %s (%s)", e->d_name, comm);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

int netns_lookup(__u32 inode, char *path, size_t plen, char *label,
		 size_t llen)
{
	static const char self_path[] = "/proc/self/ns/net";

	if (!lookup_named(inode, path, plen, label, llen))
		return 0;
	if (is_netns(self_path, inode)) {
		snprintf(path, plen, "%s", self_path);
		snprintf(label, llen, "this namespace");
		return 0;
	}
	return lookup_process(inode, path, plen, label, llen);
}

int device_open_selected(const struct options *opts, bool with_all)
{
	__u32 abi;
	int fd;

	fd = device_open(opts->device, &abi);
	if (fd < 0)
		return -1;
	if (opts->netns && netns_select(fd, opts->netns))
		goto err_select;
	if (with_all && opts->all_netns && netns_select_all(fd))
		goto err_select;
	return fd;

err_select:
	close(fd);
	return -1;
}
