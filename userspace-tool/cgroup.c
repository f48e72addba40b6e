// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 ids and paths, from the cgroup2 mount (found in
 * /proc/self/mountinfo; /sys/fs/cgroup when that cannot be read).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"

struct cg {
	__u64 id;
	char *path;
};

static struct cg *cgs;
static size_t ncgs, cap_cgs;
static char mnt[PATH_MAX];
static size_t mnt_len;
static int walked;

/* The first cgroup2 mount point: field 5 of its mountinfo line. */
static const char *cgroup2_mount(void)
{
	char line[4096], point[PATH_MAX], fstype[64];
	FILE *f;

	if (mnt[0])
		return mnt;
	snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return mnt;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		snprintf(mnt, sizeof(mnt), "%s", point);
		break;
	}
	fclose(f);
	return mnt;
}

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	const char *rel = path + mnt_len;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (ncgs == cap_cgs) {
		size_t n = cap_cgs ? 2 * cap_cgs : 64;
		struct cg *p = realloc(cgs, n * sizeof(*p));

		if (!p)
			return 1;
		cgs = p;
		cap_cgs = n;
	}
	cgs[ncgs].id = st->st_ino;
	cgs[ncgs].path = strdup(*rel ? rel : "/");
	if (!cgs[ncgs].path)
		return 1;
	ncgs++;
	return 0;
}

const char *cgroup_path(__u64 id)
{
	size_t i;

	if (!id)
		return NULL;
	if (!walked) {
		walked = 1;
		cgroup2_mount();
		mnt_len = strlen(mnt);
		nftw(mnt, walk_one, 16, FTW_PHYS | FTW_MOUNT);
	}
	for (i = 0; i < ncgs; i++)
		if (cgs[i].id == id)
			return cgs[i].path;
	return NULL;
}

__u64 cgroup_id_of(const char *path)
{
	char full[PATH_MAX];
	struct stat st;

	cgroup2_mount();
	if (path[0] == '/' && strncmp(path, mnt, strlen(mnt)) &&
	    (size_t)snprintf(full, sizeof(full), "%s%s", mnt, path) < sizeof(full) &&
	    !stat(full, &st) && S_ISDIR(st.st_mode))
		return st.st_ino;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return st.st_ino;
	return 0;
}
