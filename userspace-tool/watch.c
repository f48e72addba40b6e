// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate watch`: state changes as they happen, one line each, with the
 * time spent in the previous state and how a timewait socket ended.
 */
/* The unlocked stdio calls: the CLI writes from one thread. */
#define _GNU_SOURCE
#include <assert.h>
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

/*
 * A state change's line is put together by hand, in one buffer written
 * with one call into stdio: a storm makes tens of thousands a second, and
 * printf() or an out_*() call per field cost 5,000-7,000 instructions a
 * line, which made the watcher lose records on a busy CPU.  Its bytes are
 * those of the printf() and out_*() code before it (tests/watch_test.c
 * compares them).
 *
 * The longest state line: in JSON, its keys and punctuation, as there,
 * and each value at its widest, with a process name of 16 bytes each
 * escaped to 6, and quoted.  A text line is shorter.
 */
#define LINE_KEYS	(FORMAT_LIT_LEN("{\"type\":\"state\",\"time_ns\":,\"netns\":") +	\
			 FORMAT_LIT_LEN(",\"cookie\":,\"family\":\"\",\"local\":\"") +	\
			 FORMAT_LIT_LEN("\",\"remote\":\"\",\"old\":\"\",\"new\":\"") +	\
			 FORMAT_LIT_LEN("\",\"prev_state_ns\":,\"tw_exit\":\"\"") +	\
			 FORMAT_LIT_LEN(",\"uid\":,\"cgroup_id\":,\"pid\":,\"comm\":}\n"))
#define COMM_LEN	sizeof(((struct tcpstate_event *)0)->comm)
#define LINE_LONGEST	(LINE_KEYS + 4 * FORMAT_U64_LONGEST +			\
			 3 * FORMAT_U32_LONGEST + FORMAT_FAMILY_LONGEST +	\
			 2 * FORMAT_ENDPOINT_LONGEST + 2 * STATE_SS_NAME_MAX +	\
			 TW_EXIT_NAME_MAX + 6 * COMM_LEN + 2)
#define LINE_LEN	640
static_assert(LINE_LONGEST <= LINE_LEN, "a state line overruns its buffer");
const size_t watch_line_longest = LINE_LONGEST;

/* Spaces before @s[0..n) to @width (printf's "%*s"); the end. */
static char *put_right(char *p, const char *s, size_t n, size_t width)
{
	if (n < width) {
		memset(p, ' ', width - n);
		p += width - n;
	}
	return mempcpy(p, s, n);
}

static char *state_json_at(char *p, const struct tcpstate_event *ev)
{
	p = FORMAT_PUT(p, "{\"type\":\"state\",\"time_ns\":");
	p = format_u64_at(p, ev->time_ns);
	p = FORMAT_PUT(p, ",\"netns\":");
	p = format_u64_at(p, ev->netns);
	p = FORMAT_PUT(p, ",\"cookie\":");
	p = format_u64_at(p, ev->cookie);
	/* Names, addresses and ports: nothing in them JSON escapes. */
	p = FORMAT_PUT(p, ",\"family\":\"");
	p = format_str_at(p, family_name(ev->family));
	p = FORMAT_PUT(p, "\",\"local\":\"");
	p = format_endpoint_at(p, ev->family, ev->saddr, ev->sport);
	p = FORMAT_PUT(p, "\",\"remote\":\"");
	p = format_endpoint_at(p, ev->family, ev->daddr, ev->dport);
	p = FORMAT_PUT(p, "\",\"old\":\"");
	p = format_str_at(p, name_or_q(state_ss_name(ev->old_state)));
	p = FORMAT_PUT(p, "\",\"new\":\"");
	p = format_str_at(p, name_or_q(state_ss_name(ev->new_state)));
	p = FORMAT_PUT(p, "\",\"prev_state_ns\":");
	p = format_u64_at(p, ev->prev_state_ns);
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE) {
		p = FORMAT_PUT(p, ",\"tw_exit\":\"");
		p = format_str_at(p, name_or_q(tw_exit_name(ev->tw_exit)));
		*p++ = '"';
	}
	if (ev->uid == TCPSTATE_UID_UNKNOWN) {
		p = FORMAT_PUT(p, ",\"uid\":null");
	} else {
		p = FORMAT_PUT(p, ",\"uid\":");
		p = format_u64_at(p, ev->uid);
	}
	p = FORMAT_PUT(p, ",\"cgroup_id\":");
	p = format_u64_at(p, ev->cgroup_id);
	p = FORMAT_PUT(p, ",\"pid\":");
	p = format_u64_at(p, ev->pid);
	p = FORMAT_PUT(p, ",\"comm\":");
	p = out_json_string_at(p, ev->comm, sizeof(ev->comm));
	return FORMAT_PUT(p, "}\n");
}

static void event_json(FILE *f, const struct tcpstate_event *ev)
{
	struct output o;

	if (ev->type == TCPSTATE_EVENT_STATE) {
		char line[LINE_LEN];

		fwrite_unlocked(line, 1, state_json_at(line, ev) - line, f);
		return;
	}
	out_init(&o, f, true);
	if (ev->type == TCPSTATE_EVENT_LOST) {
		out_str(&o, "type", NULL, "lost");
		out_u64(&o, "lost", NULL, ev->lost);
		out_finish(&o);
		return;
	}
	failure_json(&o, ev);
}

/*
 * The wall clock's time of day, "HH:MM:SS.mmm" (12 bytes): localtime_r()
 * once a second, the milliseconds by hand.
 */
static char *clock_at(struct watch_ctx *w, char *p, __s64 wall_ns)
{
	__s64 secs = wall_ns / 1000000000;
	unsigned int ms = wall_ns % 1000000000 / 1000000;

	if (wall_ns < 0)
		return FORMAT_PUT(p, "??:??:??.???");
	if (!w->clock_valid || secs != w->clock_secs) {
		char buf[FORMAT_CLOCK_LEN];

		format_clock(buf, sizeof(buf), secs * 1000000000);
		/* "HH:MM:SS." of that second, or "??:??:??.???" */
		memcpy(w->clock, buf, sizeof(w->clock));
		w->clock_secs = secs;
		w->clock_valid = true;
	}
	p = mempcpy(p, w->clock, sizeof(w->clock));
	if (w->clock[0] == '?')
		return FORMAT_PUT(p, "???");
	*p++ = (char)('0' + ms / 100);
	*p++ = (char)('0' + ms / 10 % 10);
	*p++ = (char)('0' + ms % 10);
	return p;
}

static char *state_text_at(struct watch_ctx *w, char *p,
			   const struct tcpstate_event *ev)
{
	char l[FORMAT_ENDPOINT_LEN], r[FORMAT_ENDPOINT_LEN];
	char spent[FORMAT_DURATION_LEN + 8];
	size_t ln, rn, sn;
	char *start;

	if (w->all_netns) {
		start = p;
		p = format_pad(format_u64_at(p, ev->netns), start, 10);
		*p++ = ' ';
	}
	p = clock_at(w, p, (__s64)ev->time_ns + w->wall_offset_ns);
	*p++ = ' ';
	ln = format_endpoint_at(l, ev->family, ev->saddr, ev->sport) - l;
	rn = format_endpoint_at(r, ev->family, ev->daddr, ev->dport) - r;
	if ((int)ln > w->local_w)
		w->local_w = ln;
	if ((int)rn > w->remote_w)
		w->remote_w = rn;
	start = p;
	p = format_pad(mempcpy(p, l, ln), start, w->local_w);
	*p++ = ' ';
	start = p;
	p = format_pad(mempcpy(p, r, rn), start, w->remote_w);
	*p++ = ' ';
	if (ev->prev_state_ns) {
		sn = format_duration_at(spent, ev->prev_state_ns) - spent;
	} else {
		spent[0] = '-';
		sn = 1;
	}
	p = put_right(p, spent, sn, SPENT_WIDTH);
	*p++ = ' ';
	p = format_str_at(p, name_or_q(state_ss_name(ev->old_state)));
	p = FORMAT_PUT(p, " -> ");
	p = format_str_at(p, name_or_q(state_ss_name(ev->new_state)));
	if (ev->tw_exit != TCPSTATE_TW_EXIT_NONE) {
		*p++ = ' ';
		p = format_str_at(p, name_or_q(tw_exit_name(ev->tw_exit)));
	}
	if (ev->pid) {
		*p++ = ' ';
		p = mempcpy(p, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
		*p++ = '/';
		p = format_u64_at(p, ev->pid);
	}
	*p++ = '\n';
	return p;
}

static void event_text(struct watch_ctx *w, FILE *f,
		       const struct tcpstate_event *ev)
{
	char clock[FORMAT_CLOCK_LEN], what[256];
	struct tcpstate_port_failure pf;

	if (ev->type == TCPSTATE_EVENT_STATE) {
		char line[LINE_LEN];

		fwrite_unlocked(line, 1, state_text_at(w, line, ev) - line, f);
		return;
	}
	if (ev->type == TCPSTATE_EVENT_LOST) {
		fprintf(f, "-- %llu events lost (reader too slow) --\n",
			(unsigned long long)ev->lost);
		return;
	}
	format_clock(clock, sizeof(clock),
		     (__s64)ev->time_ns + w->wall_offset_ns);
	if (w->all_netns)
		fprintf(f, "%-10u ", ev->netns);
	failure_of(&pf, ev);
	fprintf(f, "%-12s PORT FAILURE %s\n", clock,
		port_failure_describe(what, sizeof(what), &pf));
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
