/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the CLI's unit tests: exact comparisons that print what was
 * expected and what was seen, and reports rendered into strings.
 */
#ifndef TCPSTATE_TESTS_UNIT_H
#define TCPSTATE_TESTS_UNIT_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/tcpstate.h>
#include <sys/stat.h>

#include "kselftest.h"

#include "../output.h"

/* An entry of a fake snapshot; times and flags are the caller's. */
static inline void fake_conn(struct tcpstate_conn *c, __u64 cookie, int family,
			     const char *src, unsigned int sport,
			     const char *dst, unsigned int dport, int state)
{
	memset(c, 0, sizeof(*c));
	c->cookie = cookie;
	c->family = family;
	inet_pton(family, src, c->saddr);
	inet_pton(family, dst, c->daddr);
	c->sport = sport;
	c->dport = dport;
	c->state = state;
}

static inline void expect_str(const char *name, const char *want,
			      const char *seen)
{
	if (!strcmp(want, seen))
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: expected\n%s\nsaw\n%s\n", name, want, seen);
}

static inline void expect_u64(const char *name, unsigned long long want,
			      unsigned long long seen)
{
	if (want == seen)
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: expected %llu, saw %llu\n", name, want, seen);
}

/* Expected output, written a piece per line: joined before comparing. */
static inline char *join(const char *const *parts)
{
	static char buf[16384];

	buf[0] = '\0';
	for (; *parts; parts++)
		strncat(buf, *parts, sizeof(buf) - strlen(buf) - 1);
	return buf;
}

/* A memory stream for a report; unit_take() closes it and returns the text. */
struct unit_buf {
	FILE *f;
	char *text;
	size_t len;
};

static inline FILE *unit_open(struct unit_buf *b)
{
	b->text = NULL;
	b->len = 0;
	b->f = open_memstream(&b->text, &b->len);
	if (!b->f)
		ksft_exit_fail_msg("open_memstream failed\n");
	return b->f;
}

static inline char *unit_take(struct unit_buf *b)
{
	fclose(b->f);
	return b->text;
}

/*
 * The output (stdout and stderr) of the shell command @cmd, with @text in
 * a file as its standard input, without the final newline; *@status gets
 * its wait status when @status is not NULL.  NULL when it could not run.
 * The caller frees it.
 */
static inline char *run_with_input(const char *text, const char *cmd,
				   int *status)
{
	char path[] = "/tmp/tcpstate-unit-XXXXXX";
	char line[768], *out = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f, *p;
	int fd, rc = -1;

	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(line, sizeof(line), "%s < %s 2>&1", cmd, path);
	p = popen(line, "r");
	if (p) {
		n = getdelim(&out, &cap, '\0', p);
		rc = pclose(p);
		if (n <= 0) {
			free(out);
			out = strdup("");
		} else if (out[n - 1] == '\n') {
			out[n - 1] = '\0';
		}
	}
	unlink(path);
	if (status)
		*status = rc;
	return out;
}

/*
 * The output of jq @filter (with -c) on @json, without the final newline;
 * NULL when jq is not there.  The caller frees it.
 */
static inline char *run_jq(const char *json, const char *filter)
{
	char cmd[512];

	if (system("command -v jq >/dev/null 2>&1"))
		return NULL;
	snprintf(cmd, sizeof(cmd), "jq -c '%s'", filter);
	return run_with_input(json, cmd, NULL);
}

/* jq @filter on @json must print @want; a skip without jq. */
static inline void expect_jq(const char *name, const char *json,
			     const char *filter, const char *want)
{
	char *seen = run_jq(json, filter);

	if (!seen)
		ksft_test_result_skip("%s: jq not found\n", name);
	else if (!strcmp(seen, want))
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s: jq '%s' expected %s, saw %s\n", name,
				      filter, want, seen);
	free(seen);
}

/*
 * A fake cgroup2 tree: the directories @paths[] ("/system.slice", ...,
 * parents first, NULL-terminated) made under a new temporary directory,
 * whose path goes into @root (at least 64 bytes).
 */
static inline void fake_cgroups_make(char *root, const char *const *paths)
{
	char full[4096];

	strcpy(root, "/tmp/tcpstate-cgroup-XXXXXX");
	if (!mkdtemp(root))
		ksft_exit_fail_msg("mkdtemp failed\n");
	for (; *paths; paths++) {
		snprintf(full, sizeof(full), "%s%s", root, *paths);
		if (mkdir(full, 0755))
			ksft_exit_fail_msg("mkdir %s failed\n", full);
	}
}

/* The id of the fake cgroup @path: its directory's inode number. */
static inline __u64 fake_cgroup_id(const char *root, const char *path)
{
	char full[4096];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (stat(full, &st))
		ksft_exit_fail_msg("stat %s failed\n", full);
	return st.st_ino;
}

/* Remove @path of the fake tree (a cgroup that went away). */
static inline void fake_cgroup_remove(const char *root, const char *path)
{
	char full[4096];

	snprintf(full, sizeof(full), "%s%s", root, path);
	rmdir(full);
}

/* Remove the tree fake_cgroups_make() made, children first. */
static inline void fake_cgroups_remove(const char *root,
				       const char *const *paths)
{
	size_t n = 0;

	while (paths[n])
		n++;
	while (n--)
		fake_cgroup_remove(root, paths[n]);
	rmdir(root);
}

#endif
