// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 ids and paths, from the cgroup2 mount (found in
 * /proc/self/mountinfo; /sys/fs/cgroup when that cannot be read), and the
 * systemd unit names of those paths.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"

/*
 * A miss walks the mount again at most this often: a removed cgroup (its
 * TIME-WAITs outlive it) must not cost a walk per lookup.
 */
#define REWALK_S	5

struct cg {
	__u64 id;
	char *path;
};

static struct cg *cgs;
static size_t ncgs, cap_cgs;
static char mnt[PATH_MAX];
static size_t mnt_len;
static int walked;
static time_t walked_at;	/* CLOCK_MONOTONIC, s */

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

/* Whole seconds: the coarse clock, cheaper to read for every miss. */
static time_t monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

static int cmp_id(const void *a, const void *b)
{
	const struct cg *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void forget(void)
{
	size_t i;

	for (i = 0; i < ncgs; i++)
		free(cgs[i].path);
	free(cgs);
	cgs = NULL;
	ncgs = 0;
	cap_cgs = 0;
	walked = 0;
}

static void walk(void)
{
	forget();
	walked = 1;
	walked_at = monotonic_s();
	cgroup2_mount();
	mnt_len = strlen(mnt);
	nftw(mnt, walk_one, 16, FTW_PHYS | FTW_MOUNT);
	/* Sorted by id: a list looks one up for each of its rows. */
	if (ncgs)
		qsort(cgs, ncgs, sizeof(*cgs), cmp_id);
}

static const char *find(__u64 id)
{
	struct cg key = { .id = id }, *c;

	c = ncgs ? bsearch(&key, cgs, ncgs, sizeof(*cgs), cmp_id) : NULL;
	return c ? c->path : NULL;
}

const char *cgroup_path(__u64 id)
{
	const char *path;

	if (!id)
		return NULL;
	if (!walked)
		walk();
	path = find(id);
	if (path || monotonic_s() - walked_at < REWALK_S)
		return path;
	walk();
	return find(id);
}

void cgroup_set_root(const char *root)
{
	forget();
	snprintf(mnt, sizeof(mnt), "%s", root ? root : "");
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

static bool is_unit(const char *s, size_t len)
{
	return ends_with(s, len, ".service") || ends_with(s, len, ".scope");
}

/*
 * The first unit of the path @p (no leading '/') after its slices, or
 * NULL when something else comes first: systemd puts every unit in a
 * slice, and nothing but slices and units above a unit.
 */
static const char *first_unit(const char *p)
{
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = end - p;

		if (is_unit(p, len))
			return p;
		if (!ends_with(p, len, ".slice"))
			return NULL;
		p = *end ? end + 1 : end;
	}
	return NULL;
}

const char *cgroup_unit_name(char *buf, size_t len, const char *path)
{
	const char *unit = first_unit(path + strspn(path, "/"));
	const char *end, *inner;

	if (!unit)
		return NULL;
	end = strchrnul(unit, '/');
	/* A user's service manager has slices and units of its own. */
	if (!strncmp(unit, "user@", 5) && ends_with(unit, end - unit, ".service") &&
	    *end) {
		inner = first_unit(end + 1);
		if (inner) {
			snprintf(buf, len, "%.*s/%s", (int)(end - unit), unit,
				 inner);
			return buf;
		}
	}
	snprintf(buf, len, "%s", unit);
	return buf;
}

const char *cgroup_name(char *buf, size_t len, __u64 id)
{
	const char *path;

	if (!id) {
		snprintf(buf, len, "-");
		return buf;
	}
	path = cgroup_path(id);
	if (!path) {
		snprintf(buf, len, "%llu", (unsigned long long)id);
		return buf;
	}
	if (!cgroup_unit_name(buf, len, path))
		snprintf(buf, len, "%s", path);
	return buf;
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
