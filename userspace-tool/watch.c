// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate watch`: state changes as they happen, one line each, with the
 * time spent in the previous state and how a timewait socket ended.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "errors.h"
#include "format.h"
#include "netns.h"
#include "output.h"
#include "ports.h"
#include "states.h"
#include "stop.h"
#include "watch.h"

/* Records per read(). */
#define WATCH_BATCH	256
/* Address columns start this wide and grow to fit. */
#define ADDR_MIN_WIDTH	15
#define SPENT_WIDTH	6

void watch_init(struct watch_ctx *w, bool json, bool all_netns, int family,
		unsigned long limit, __s64 wall_offset_ns)
{
	memset(w, 0, sizeof(*w));
	w->json = json;
	w->all_netns = all_netns;
	w->family = family;
	w->limit = limit;
	w->wall_offset_ns = wall_offset_ns;
	w->local_w = ADDR_MIN_WIDTH;
	w->remote_w = ADDR_MIN_WIDTH;
}

void watch_header(struct watch_ctx *w, FILE *f)
{
	if (w->json)
		return;
	if (w->all_netns)
		fprintf(f, "%-10s ", "NETNS");
	fprintf(f, "%-12s %-*s %-*s %*s %s\n", "TIME", w->local_w, "LOCAL",
		w->remote_w, "REMOTE", SPENT_WIDTH, "SPENT", "TRANSITION");
}

static const char *name_or_q(const char *name)
{
	return name ? name : "?";
}

/* The failure a PORT_FAILURE record tells of. */
static void failure_of(struct tcpstate_port_failure *f,
		       const struct tcpstate_event *ev)
{
	memset(f, 0, sizeof(*f));
	f->time_ns = ev->time_ns;
	f->cookie = ev->cookie;
	memcpy(f->saddr, ev->saddr, sizeof(f->saddr));
	memcpy(f->daddr, ev->daddr, sizeof(f->daddr));
	f->dport = ev->dport;
	f->family = ev->family;
	f->pid = ev->pid;
	memcpy(f->comm, ev->comm, sizeof(f->comm));
	f->uid = ev->uid;
	f->cgroup_id = ev->cgroup_id;
	f->error = ev->error;
	f->kind = (__u8)(ev->port_kind < TCPSTATE_PORT_KIND_MAX ?
			 ev->port_kind : TCPSTATE_PORT_KIND_MAX);
}

static void failure_json(struct output *o, const struct tcpstate_event *ev)
{
	char a[FORMAT_ENDPOINT_LEN], e[32], comm[sizeof(ev->comm) + 1];
	static const __u8 zero[16];

	out_str(o, "type", NULL, "port_failure");
	out_u64(o, "time_ns", NULL, ev->time_ns);
	out_u64(o, "netns", NULL, ev->netns);
	out_u64(o, "cookie", NULL, ev->cookie);
	out_str(o, "kind", NULL, ev->port_kind == TCPSTATE_PORT_CONNECT ?
		"connect" : ev->port_kind == TCPSTATE_PORT_BIND ? "bind" :
		"unknown");
	out_str(o, "family", NULL, family_name(ev->family));
	if (memcmp(ev->saddr, zero, sizeof(zero)))
		out_str(o, "local", NULL, format_addr(a, sizeof(a), ev->family,
						      ev->saddr));
	else
		out_null(o, "local", NULL);
	if (ev->port_kind == TCPSTATE_PORT_CONNECT)
		out_str(o, "remote", NULL, format_endpoint(a, sizeof(a),
							   ev->family, ev->daddr,
							   ev->dport));
	else
		out_null(o, "remote", NULL);
	out_u64(o, "pid", NULL, ev->pid);
	memcpy(comm, ev->comm, sizeof(ev->comm));
	comm[sizeof(ev->comm)] = '\0';
	out_str(o, "comm", NULL, comm);
	out_str(o, "error", NULL, port_error_name(e, sizeof(e), ev->error));
	if (ev->uid == TCPSTATE_UID_UNKNOWN)
		out_null(o, "uid", NULL);
	else
		out_u64(o, "uid", NULL, ev->uid);
	out_u64(o, "cgroup_id", NULL, ev->cgroup_id);
	out_finish(o);
}

static void event_json(FILE *f, const struct tcpstate_event *ev)
{
	char l[FORMAT_ENDPOINT_LEN], r[FORMAT_ENDPOINT_LEN];
	struct output o;

	out_init(&o, f, true);
	if (ev->type == TCPSTATE_EVENT_LOST) {
		out_str(&o, "type", NULL, "lost");
		out_u64(&o, "lost", NULL, ev->lost);
		out_finish(&o);
		return;
	}
	if (ev->type == TCPSTATE_EVENT_PORT_FAILURE) {
		failure_json(&o, ev);
		return;
	}
	out_str(&o, "type", NULL, "state");
	out_u64(&o, "time_ns", NULL, ev->time_ns);
	out_u64(&o, "netns", NULL, ev->netns);
	out_u64(&o, "cookie", NULL, ev->cookie);
	out_str(&o, "family", NULL, family_name(ev->family));
	out_str(&o, "local", NULL, format_endpoint(l, sizeof(l), ev->family,
						   ev->saddr, ev->sport));
	out_str(&o, "remote", NULL, format_endpoint(r, sizeof(r), ev->family,
						    ev->daddr, ev->dport));
	out_str(&o, "old", NULL, name_or_q(state_ss_name(ev->old_state)));
	out_str(&o, "new", NULL, name_or_q(state_ss_name(ev->new_state)));
	out_u64(&o, "prev_state_ns", NULL, ev->prev_state_ns);
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE)
		out_str(&o, "tw_exit", NULL, name_or_q(tw_exit_name(ev->tw_exit)));
	out_owner(&o, ev->uid, ev->cgroup_id, false, NULL, ev->pid, ev->comm);
	out_finish(&o);
}

static void event_text(struct watch_ctx *w, FILE *f,
		       const struct tcpstate_event *ev)
{
	char l[FORMAT_ENDPOINT_LEN], r[FORMAT_ENDPOINT_LEN];
	char clock[FORMAT_CLOCK_LEN], spent[FORMAT_DURATION_LEN];
	int len;

	if (ev->type == TCPSTATE_EVENT_LOST) {
		fprintf(f, "-- %llu events lost (reader too slow) --\n",
			(unsigned long long)ev->lost);
		return;
	}
	format_clock(clock, sizeof(clock),
		     (__s64)ev->time_ns + w->wall_offset_ns);
	if (w->all_netns)
		fprintf(f, "%-10u ", ev->netns);
	if (ev->type == TCPSTATE_EVENT_PORT_FAILURE) {
		struct tcpstate_port_failure pf;
		char what[256];

		failure_of(&pf, ev);
		fprintf(f, "%-12s PORT FAILURE %s\n", clock,
			port_failure_describe(what, sizeof(what), &pf));
		return;
	}
	format_endpoint(l, sizeof(l), ev->family, ev->saddr, ev->sport);
	format_endpoint(r, sizeof(r), ev->family, ev->daddr, ev->dport);
	len = strlen(l);
	w->local_w = len > w->local_w ? len : w->local_w;
	len = strlen(r);
	w->remote_w = len > w->remote_w ? len : w->remote_w;
	if (ev->prev_state_ns)
		format_duration(spent, sizeof(spent), ev->prev_state_ns);
	else
		snprintf(spent, sizeof(spent), "-");
	fprintf(f, "%-12s %-*s %-*s %*s %s -> %s", clock, w->local_w, l,
		w->remote_w, r, SPENT_WIDTH, spent,
		name_or_q(state_ss_name(ev->old_state)),
		name_or_q(state_ss_name(ev->new_state)));
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE)
		fprintf(f, " %s", name_or_q(tw_exit_name(ev->tw_exit)));
	if (ev->pid)
		fprintf(f, " %.*s/%u", (int)sizeof(ev->comm), ev->comm, ev->pid);
	fputc('\n', f);
}

void watch_event(struct watch_ctx *w, FILE *f, const struct tcpstate_event *ev)
{
	if (ev->type == TCPSTATE_EVENT_STATE) {
		if (w->family && ev->family != w->family)
			return;
		w->printed++;
	} else if (ev->type == TCPSTATE_EVENT_PORT_FAILURE) {
		if (w->family && ev->family != w->family)
			return;
	} else if (ev->type != TCPSTATE_EVENT_LOST) {
		return;		/* a kind this tool does not know yet */
	}
	if (w->json)
		event_json(f, ev);
	else
		event_text(w, f, ev);
}

int watch_records(struct watch_ctx *w, FILE *f, const void *buf, size_t len,
		  char *err, size_t errlen)
{
	const unsigned char *p = buf;
	struct tcpstate_event ev;
	size_t off = 0;
	__u32 size;

	while (off < len) {
		if (len - off < sizeof(size)) {
			snprintf(err, errlen, "truncated record of %zu bytes",
				 len - off);
			return -1;
		}
		memcpy(&size, p + off, sizeof(size));
		/* A module before owners: records end before uid. */
		if (size < TCPSTATE_EVENT_SIZE_V1) {
			snprintf(err, errlen,
				 "record of %u bytes, expected at least %d",
				 size, TCPSTATE_EVENT_SIZE_V1);
			return -1;
		}
		if (size > len - off) {
			snprintf(err, errlen,
				 "record of %u bytes with only %zu read",
				 size, len - off);
			return -1;
		}
		/* Only the part this tool knows; records may be unaligned. */
		memset(&ev, 0, sizeof(ev));
		memcpy(&ev, p + off, size < sizeof(ev) ? size : sizeof(ev));
		off += size;
		watch_event(w, f, &ev);
		if (w->limit && w->printed >= w->limit)
			return 1;
	}
	return 0;
}

static int start_stream(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) < 0 ? -1 : 0;
}

int cmd_watch(const struct options *opts)
{
	static struct tcpstate_event buf[WATCH_BATCH];
	struct watch_ctx w;
	char err[128];
	int fd, rc = 0;
	ssize_t n;

	fd = device_open_selected(opts, true);
	if (fd < 0)
		return 1;
	/*
	 * The stream starts at the first poll() or read(): start it before
	 * the header, so a script that waits for the header misses nothing.
	 */
	if (start_stream(fd)) {
		fprintf(stderr, "tcpstate: poll %s: %s\n", opts->device,
			strerror(errno));
		close(fd);
		return 1;
	}
	stop_on_signals();
	/* One write() per batch of records, not per line: flushed below. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	watch_init(&w, opts->json, opts->all_netns, opts->family, opts->count,
		   wall_offset_ns());
	watch_header(&w, stdout);
	fflush(stdout);
	while (!stop_requested()) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tcpstate: read %s: %s\n", opts->device,
				strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		rc = watch_records(&w, stdout, buf, (size_t)n, err, sizeof(err));
		fflush(stdout);
		if (rc < 0) {
			fprintf(stderr, "tcpstate: read %s: %s\n", opts->device, err);
			rc = 1;
			break;
		}
		if (rc > 0) {
			rc = 0;
			break;
		}
	}
	close(fd);
	if (report_write_failure(stdout, 0))
		return 1;
	return rc;
}
