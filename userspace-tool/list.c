// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate list`: every mirrored connection, like `ss -tan`, with its
 * owner (uid, process, cgroup), filtered by state, address, port and
 * owner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "commands.h"
#include "device.h"
#include "format.h"
#include "kernel.h"
#include "list.h"
#include "netns.h"
#include "states.h"

#define STATE_WIDTH	10
#define IN_STATE_WIDTH	8

static int cmp_conn(const void *a, const void *b)
{
	const struct tcpstate_conn *x = *(const struct tcpstate_conn *const *)a;
	const struct tcpstate_conn *y = *(const struct tcpstate_conn *const *)b;

	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	return (x->cookie > y->cookie) - (x->cookie < y->cookie);
}

static const char *state_name(int state)
{
	const char *name = state_ss_name(state);

	return name ? name : "?";
}

/* "comm/pid", or "-" when the process is not known or not visible. */
static const char *format_process(char *buf, size_t len,
				  const struct tcpstate_conn *c)
{
	if (!c->pid) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%.*s/%u", (int)sizeof(c->comm), c->comm, c->pid);
	return buf;
}

/* The cgroup's path, else its id, else "-". */
static const char *format_cgroup(char *buf, size_t len, __u64 id)
{
	const char *path = cgroup_path(id);

	if (path)
		return path;
	if (!id)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu", (unsigned long long)id);
	return buf;
}

static const char *format_uid(char *buf, size_t len, __u32 uid)
{
	if (uid == TCPSTATE_UID_UNKNOWN)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%u", uid);
	return buf;
}

static void list_item(struct output *o, const struct tcpstate_conn *c,
		      __u64 in_state)
{
	static const struct {
		unsigned int flag;
		const char *name;
	} flags[] = {
		{ TCPSTATE_F_TIMEWAIT_SOCK,	"timewait_sock" },
		{ TCPSTATE_F_REQUEST_SOCK,	"request_sock" },
		{ TCPSTATE_F_SEEDED,		"seeded" },
	};
	char ep[FORMAT_ENDPOINT_LEN];
	size_t i;

	out_begin_item(o, NULL);
	out_str(o, "state", NULL, state_name(c->state));
	out_str(o, "local", NULL, format_endpoint(ep, sizeof(ep), c->family,
						  c->saddr, c->sport));
	out_str(o, "remote", NULL, format_endpoint(ep, sizeof(ep), c->family,
						   c->daddr, c->dport));
	out_u64(o, "cookie", NULL, c->cookie);
	out_str(o, "family", NULL, family_name(c->family));
	out_u64(o, "began_ns", NULL, c->began_ns);
	out_u64(o, "state_since_ns", NULL, c->state_since_ns);
	out_u64(o, "in_state_ns", NULL, in_state);
	out_u64(o, "expires_ns", NULL, c->expires_ns);
	out_owner(o, c->uid, c->cgroup_id, true, cgroup_path(c->cgroup_id),
		  c->pid, c->comm);
	out_begin_array(o, "flags", NULL);
	for (i = 0; i < ARRAY_SIZE(flags); i++)
		if (c->flags & flags[i].flag)
			out_str(o, NULL, NULL, flags[i].name);
	out_end_array(o);
	out_end_item(o);
}

/* Text: a table whose address columns are as wide as the widest address. */
static void list_table(FILE *f, const struct tcpstate_conn **sel, long n,
		       __u64 now_ns)
{
	static const char local_head[] = "Local Address:Port";
	static const char peer_head[] = "Peer Address:Port";
	char l[FORMAT_ENDPOINT_LEN], p[FORMAT_ENDPOINT_LEN];
	char dur[FORMAT_DURATION_LEN];
	int lw = sizeof(local_head) - 1, pw = sizeof(peer_head) - 1, len;
	long i;

	for (i = 0; i < n; i++) {
		len = strlen(format_endpoint(l, sizeof(l), sel[i]->family,
					     sel[i]->saddr, sel[i]->sport));
		lw = len > lw ? len : lw;
		len = strlen(format_endpoint(p, sizeof(p), sel[i]->family,
					     sel[i]->daddr, sel[i]->dport));
		pw = len > pw ? len : pw;
	}
	fprintf(f, "%-*s %-*s %-*s %*s %-20s %-10s %-22s %s\n", STATE_WIDTH,
		"State", lw, local_head, pw, peer_head, IN_STATE_WIDTH,
		"In-state", "Cookie", "Uid", "Process", "Cgroup");
	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = sel[i];
		char uid[16], proc[48], cg[32];

		if (c->state_since_ns)
			format_duration(dur, sizeof(dur), now_ns > c->state_since_ns ?
					now_ns - c->state_since_ns : 0);
		else
			snprintf(dur, sizeof(dur), "-");
		fprintf(f, "%-*s %-*s %-*s %*s %-20llu %-10s %-22s %s\n", STATE_WIDTH,
			state_name(c->state), lw,
			format_endpoint(l, sizeof(l), c->family, c->saddr, c->sport),
			pw, format_endpoint(p, sizeof(p), c->family, c->daddr, c->dport),
			IN_STATE_WIDTH, dur, (unsigned long long)c->cookie,
			format_uid(uid, sizeof(uid), c->uid),
			format_process(proc, sizeof(proc), c),
			format_cgroup(cg, sizeof(cg), c->cgroup_id));
	}
}

long list_print(struct output *o, const struct tcpstate_conn *conns, long n,
		const struct conn_filter *f, __u64 now_ns)
{
	const struct tcpstate_conn **sel;
	long i, m = 0;

	sel = calloc(n > 0 ? (size_t)n : 1, sizeof(*sel));
	if (!sel)
		return -1;
	for (i = 0; i < n; i++)
		if (filter_match(f, &conns[i]))
			sel[m++] = &conns[i];
	qsort(sel, m, sizeof(*sel), cmp_conn);

	if (!o->json) {
		list_table(o->f, sel, m, now_ns);
		free(sel);
		return m;
	}
	out_begin_array(o, "connections", NULL);
	for (i = 0; i < m; i++) {
		__u64 since = sel[i]->state_since_ns;

		list_item(o, sel[i], since && now_ns > since ? now_ns - since : 0);
	}
	out_end_array(o);
	out_u64(o, "count", NULL, (__u64)m);
	free(sel);
	return m;
}

int cmd_list(const struct options *opts)
{
	struct conn_filter filter = opts->filter;
	struct tcpstate_conn *conns;
	struct output o;
	__u64 now;
	long n, m;
	int fd;

	if (filter.cgroup_path) {
		filter.cgroup_id = cgroup_id_of(filter.cgroup_path);
		if (!filter.cgroup_id) {
			fprintf(stderr, "tcpstate: cgroup %s: not a cgroup v2 directory\n",
				filter.cgroup_path);
			return 1;
		}
	}

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	n = device_snapshot(fd, opts->device, &conns);
	now = boottime_ns();
	close(fd);
	if (n < 0)
		return 1;
	out_init(&o, stdout, opts->json);
	m = list_print(&o, conns, n, &filter, now);
	out_finish(&o);
	free(conns);
	if (m < 0) {
		fprintf(stderr, "tcpstate: list: out of memory\n");
		return 1;
	}
	return 0;
}
