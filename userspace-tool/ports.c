// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate ports`: ephemeral port use per destination against the
 * namespace's effective local port range, its rates and time to
 * exhaustion, tcp_tw_reuse, and the calls that found no free port: the
 * views of the report that report_ports() builds.
 *
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgroup.h"
#include "commands.h"
#include "device.h"
#include "errors.h"
#include "format.h"
#include "kernel.h"
#include "netns.h"
#include "owner.h"
#include "ports.h"
#include "states.h"

#define NSEC_PER_SEC	1000000000ULL
/* As JSON values */
static const char *const check_keys[] = {
	[CHECK_OK]		= "ok",
	[CHECK_WARNING]		= "warning",
	[CHECK_CRITICAL]	= "critical",
	[CHECK_UNKNOWN]		= "unknown",
};

const char *port_error_name(char *buf, size_t len, __s32 error)
{
	int e = error < 0 ? -error : error;

	if (e == EADDRNOTAVAIL)
		return "EADDRNOTAVAIL";
	if (e == EADDRINUSE)
		return "EADDRINUSE";
	snprintf(buf, len, "error %d", e);
	return buf;
}

static const char *kind_name(unsigned int kind)
{
	switch (kind) {
	case TCPSTATE_PORT_CONNECT:
		return "connect";
	case TCPSTATE_PORT_BIND:
		return "bind";
	}
	return "unknown";
}

static bool addr_is_zero(const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, sizeof(zero));
}

/* The process name, NUL-terminated whatever the record holds. */
static void comm_copy(char *dst, const char *src)
{
	memcpy(dst, src, 16);
	dst[16] = '\0';
}

char *port_failure_describe(char *buf, size_t len,
			    const struct tcpstate_port_failure *f)
{
	char where[FORMAT_ENDPOINT_LEN + FORMAT_ADDR_LEN + 8];
	char a[FORMAT_ADDR_LEN], e[32], comm[17], cg[CGROUP_NAME_LEN];
	char in[CGROUP_NAME_LEN + 8] = "";

	if (f->kind == TCPSTATE_PORT_CONNECT) {
		format_endpoint(where, sizeof(where), f->family, f->daddr,
				f->dport);
		if (!addr_is_zero(f->saddr)) {
			size_t n = strlen(where);

			snprintf(where + n, sizeof(where) - n, " from %s",
				 format_addr(a, sizeof(a), f->family, f->saddr));
		}
	} else {
		format_addr(where, sizeof(where), f->family, f->saddr);
	}
	comm_copy(comm, f->comm);
	/* The cgroup says which service, also when the process is gone. */
	if (f->cgroup_id)
		snprintf(in, sizeof(in), " cgroup %s",
			 cgroup_name(cg, sizeof(cg), f->cgroup_id));
	snprintf(buf, len, "%s %s pid %u (%s)%s %s", kind_name(f->kind), where,
		 f->pid, comm, in, port_error_name(e, sizeof(e), f->error));
	return buf;
}

static const char *reuse_name(__u32 reuse)
{
	switch (reuse) {
	case 0:
		return "off";
	case 1:
		return "on";
	case 2:
		return "loopback only";
	}
	return "unknown";
}

static const char *rate_text(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

const char *ports_exhaustion_text(char *buf, size_t len, double s)
{
	if (s == 0)
		snprintf(buf, len, "full");
	else if (!isfinite(s))
		snprintf(buf, len, "-");
	else
		format_duration(buf, len, (__u64)(s * (double)NSEC_PER_SEC));
	return buf;
}

static void text_head(FILE *f, const struct ports_report *r)
{
	fprintf(f, "%-28s %u\n", "netns", r->netns);
	fprintf(f, "%-28s %u-%u (%u ports, %u reserved)\n", "local port range",
		r->info.range_low, r->info.range_high, r->info.available,
		r->info.reserved);
	fprintf(f, "%-28s %u (%s)\n", "tcp_tw_reuse", r->info.tcp_tw_reuse,
		reuse_name(r->info.tcp_tw_reuse));
	fprintf(f, "%-28s %llu (connect %llu, bind %llu)\n", "port failures",
		(unsigned long long)(ports_failure_total(&r->info, TCPSTATE_PORT_CONNECT) +
				     ports_failure_total(&r->info, TCPSTATE_PORT_BIND)),
		(unsigned long long)ports_failure_total(&r->info, TCPSTATE_PORT_CONNECT),
		(unsigned long long)ports_failure_total(&r->info, TCPSTATE_PORT_BIND));
	fprintf(f, "%-28s %s (warn %g%%, crit %g%%)\n", "status",
		check_status_name(r->status), r->warn_pct, r->crit_pct);
}

void ports_column_widths(const struct ports_report *r, size_t rows, int *lw,
			 int *dw)
{
	char l[FORMAT_ADDR_LEN], d[FORMAT_ENDPOINT_LEN];
	size_t i;
	int len;

	*lw = 5;
	*dw = 11;
	for (i = 0; i < rows && i < r->n_dests; i++) {
		const struct ports_dest *p = &r->dests[i];

		len = strlen(format_addr(l, sizeof(l), p->family, p->saddr));
		*lw = len > *lw ? len : *lw;
		len = strlen(format_endpoint(d, sizeof(d), p->family, p->daddr,
					     p->dport));
		*dw = len > *dw ? len : *dw;
	}
}

/*
 * Under a destination, in its column, who holds its ports:
 * "held by nginx.service 12031, cron.service 4 (+2 more)".
 */
static void text_holders(FILE *f, const struct ports_report *r,
			 const struct ports_dest *d, int lw)
{
	char name[OWNER_NAME_LEN];
	size_t i;

	if (!d->n_holders)
		return;
	fprintf(f, "%-*s held by", lw, "");
	for (i = 0; i < d->n_holders; i++)
		fprintf(f, "%s %s %llu", i ? "," : "",
			owner_name(name, sizeof(name), r->by, &d->holders[i].key),
			(unsigned long long)d->holders[i].count);
	if (d->all_holders > d->n_holders)
		fprintf(f, " (+%zu more)", d->all_holders - d->n_holders);
	fputc('\n', f);
}

/* Every owner's ports towards all destinations, and its failures. */
static void text_owners(FILE *f, const struct ports_report *r, size_t rows)
{
	char name[OWNER_NAME_LEN], head[32];
	__u64 failures = ports_failure_total(&r->info, -1);
	int w;
	size_t i;

	if (!r->n_owners)
		return;
	if (rows > r->n_owners)
		rows = r->n_owners;
	snprintf(head, sizeof(head), "OWNER (%s)", owner_by_name(r->by));
	w = strlen(head);
	for (i = 0; i < rows; i++) {
		int len = strlen(owner_name(name, sizeof(name), r->by,
					    &r->owners[i].key));

		w = len > w ? len : w;
	}
	fprintf(f, "%-*s %7s %8s\n", w, head, "PORTS", "FAILURES");
	for (i = 0; i < rows; i++)
		fprintf(f, "%-*s %7llu %8llu\n", w,
			owner_name(name, sizeof(name), r->by, &r->owners[i].key),
			(unsigned long long)r->owners[i].count,
			(unsigned long long)r->owners[i].failures);
	if (rows < r->n_owners)
		fprintf(f, "(%zu more owners: --top shows more)\n",
			r->n_owners - rows);
	if (failures > r->kept_failures)
		fprintf(f, "(FAILURES: of the %zu failures the module keeps; %llu in all)\n",
			r->kept_failures, (unsigned long long)failures);
}

static void text_table(FILE *f, const struct ports_report *r, size_t rows)
{
	char l[FORMAT_ADDR_LEN], d[FORMAT_ENDPOINT_LEN];
	char n[16], x[16], e[FORMAT_DURATION_LEN];
	int lw, dw;
	size_t i;

	if (!r->n_dests) {
		fprintf(f, "no client connections\n");
		return;
	}
	ports_column_widths(r, rows, &lw, &dw);
	fprintf(f, "%-*s %-*s %5s %5s %5s %6s %9s %12s %s\n", lw, "LOCAL", dw,
		"DESTINATION", "USED", "FREE", "USED%", "NEW/s", "TW-EXIT/s",
		"EXHAUSTED-IN", "REUSE");
	for (i = 0; i < rows; i++) {
		const struct ports_dest *p = &r->dests[i];

		fprintf(f, "%-*s %-*s %5llu %5llu %5.1f %6s %9s %12s %s\n", lw,
			format_addr(l, sizeof(l), p->family, p->saddr), dw,
			format_endpoint(d, sizeof(d), p->family, p->daddr, p->dport),
			(unsigned long long)p->used, (unsigned long long)p->free,
			floor(p->used_pct * 10.0) / 10.0,
			rate_text(n, sizeof(n), p->new_per_s),
			rate_text(x, sizeof(x), p->tw_exit_per_s),
			ports_exhaustion_text(e, sizeof(e), p->exhaustion_s),
			p->tw_reuse_applies ? "yes" : "no");
		text_holders(f, r, p, lw);
	}
	if (rows < r->n_dests)
		fprintf(f, "(%zu more destinations: --top shows more)\n",
			r->n_dests - rows);
}

static void text_failures(FILE *f, const struct ports_report *r,
			  __s64 wall_offset_ns)
{
	char clock[FORMAT_CLOCK_LEN], line[256];
	size_t i;

	if (!r->n_recent)
		return;
	fprintf(f, "recent failures, newest first:\n");
	for (i = 0; i < r->n_recent; i++)
		fprintf(f, "  %s %s\n",
			format_clock(clock, sizeof(clock),
				     (__s64)r->recent[i].time_ns + wall_offset_ns),
			port_failure_describe(line, sizeof(line), &r->recent[i]));
}

static void json_dest(struct output *o, const struct ports_dest *d,
		      enum owner_by by)
{
	char a[FORMAT_ADDR_LEN];
	size_t i;
	int st;

	out_begin_item(o, NULL);
	out_str(o, "family", NULL, family_name(d->family));
	out_str(o, "local", NULL, format_addr(a, sizeof(a), d->family, d->saddr));
	out_str(o, "address", NULL, format_addr(a, sizeof(a), d->family, d->daddr));
	out_u64(o, "port", NULL, d->dport);
	out_u64(o, "used", NULL, d->used);
	out_u64(o, "free", NULL, d->free);
	out_double(o, "used_pct", NULL, d->used_pct, 1);
	out_double(o, "headroom_pct", NULL, 100.0 - d->used_pct, 1);
	out_double(o, "new_per_s", NULL, d->new_per_s, 2);
	out_double(o, "tw_exit_per_s", NULL, d->tw_exit_per_s, 2);
	out_double(o, "freed_per_s", NULL, d->freed_per_s, 2);
	out_double(o, "exhaustion_s", NULL, d->exhaustion_s, 1);
	out_bool(o, "tw_reuse_applies", NULL, d->tw_reuse_applies);
	out_begin(o, "states", NULL);
	for (st = 1; st < TCPSTATE_STATE_MAX; st++)
		if (PORTS_CLIENT_STATES & BIT(st))
			out_u64(o, state_key(st), NULL, d->states[st]);
	out_end(o);
	out_begin_array(o, "holders", NULL);
	for (i = 0; i < d->n_holders; i++) {
		out_begin_item(o, NULL);
		out_owner_key(o, by, &d->holders[i].key);
		out_u64(o, "ports", NULL, d->holders[i].count);
		out_end_item(o);
	}
	out_end_array(o);
	out_u64(o, "holder_count", NULL, d->all_holders);
	out_end_item(o);
}

static void json_failure(struct output *o, const struct tcpstate_port_failure *f)
{
	char a[FORMAT_ADDR_LEN], e[32], comm[17];

	out_begin_item(o, NULL);
	out_u64(o, "time_ns", NULL, f->time_ns);
	out_str(o, "kind", NULL, kind_name(f->kind));
	out_str(o, "family", NULL, family_name(f->family));
	if (f->kind == TCPSTATE_PORT_CONNECT) {
		out_str(o, "address", NULL,
			format_addr(a, sizeof(a), f->family, f->daddr));
		out_u64(o, "port", NULL, f->dport);
	} else {
		out_null(o, "address", NULL);
		out_null(o, "port", NULL);
	}
	if (addr_is_zero(f->saddr))
		out_null(o, "local", NULL);
	else
		out_str(o, "local", NULL,
			format_addr(a, sizeof(a), f->family, f->saddr));
	out_u64(o, "pid", NULL, f->pid);
	comm_copy(comm, f->comm);
	out_str(o, "comm", NULL, comm);
	out_str(o, "error", NULL, port_error_name(e, sizeof(e), f->error));
	out_u64(o, "cookie", NULL, f->cookie);
	if (f->uid == TCPSTATE_UID_UNKNOWN)
		out_null(o, "uid", NULL);
	else
		out_u64(o, "uid", NULL, f->uid);
	out_cgroup(o, f->cgroup_id);
	out_end_item(o);
}

static void json_report(struct output *o, const struct ports_report *r,
			size_t rows, size_t owner_rows)
{
	static const char *const kinds[] = { "connect", "bind" };
	size_t i;
	int k;

	out_u64(o, "netns", NULL, r->netns);
	if (r->rates)
		out_double(o, "interval_s", NULL, r->elapsed_s, 3);
	else
		out_null(o, "interval_s", NULL);
	out_begin(o, "range", NULL);
	out_u64(o, "low", NULL, r->info.range_low);
	out_u64(o, "high", NULL, r->info.range_high);
	out_u64(o, "reserved", NULL, r->info.reserved);
	out_u64(o, "available", NULL, r->info.available);
	out_end(o);
	out_u64(o, "tcp_tw_reuse", NULL, r->info.tcp_tw_reuse);
	out_begin_array(o, "destinations", NULL);
	for (i = 0; i < rows; i++)
		json_dest(o, &r->dests[i], r->by);
	out_end_array(o);
	out_u64(o, "destination_count", NULL, r->n_dests);
	out_str(o, "owners_by", NULL, owner_by_name(r->by));
	out_begin_array(o, "owners", NULL);
	for (i = 0; i < r->n_owners && i < owner_rows; i++) {
		out_begin_item(o, NULL);
		out_owner_key(o, r->by, &r->owners[i].key);
		out_u64(o, "ports", NULL, r->owners[i].count);
		out_u64(o, "failures", NULL, r->owners[i].failures);
		out_end_item(o);
	}
	out_end_array(o);
	out_u64(o, "owner_count", NULL, r->n_owners);
	out_u64(o, "kept_failures", NULL, r->kept_failures);
	out_begin(o, "failures", NULL);
	for (k = 0; k < TCPSTATE_PORT_KIND_MAX; k++) {
		out_begin(o, kinds[k], NULL);
		out_u64(o, "ipv4", NULL, r->info.total[k][0]);
		out_u64(o, "ipv6", NULL, r->info.total[k][1]);
		out_end(o);
	}
	out_end(o);
	out_begin_array(o, "recent_failures", NULL);
	for (i = 0; i < r->n_recent; i++)
		json_failure(o, &r->recent[i]);
	out_end_array(o);
	out_begin(o, "check", NULL);
	out_str(o, "status", NULL, check_keys[r->status]);
	out_u64(o, "code", NULL, r->status);
	out_str(o, "message", NULL, r->message);
	out_double(o, "warn_pct", NULL, r->warn_pct, 1);
	out_double(o, "crit_pct", NULL, r->crit_pct, 1);
	out_end(o);
}

void ports_report_print(struct output *o, const struct ports_report *r,
			unsigned int top, __s64 wall_offset_ns)
{
	size_t rows = r->n_dests < top ? r->n_dests : top;

	if (o->json) {
		json_report(o, r, rows, top);
		return;
	}
	text_head(o->f, r);
	text_table(o->f, r, rows);
	text_owners(o->f, r, top);
	text_failures(o->f, r, wall_offset_ns);
}

void ports_check_print(FILE *f, const struct ports_report *r)
{
	fprintf(f, "TCPSTATE %s - %s\n", check_status_name(r->status),
		r->message);
}

void ports_summary_print(struct output *o, const struct tcpstate_ports *p)
{
	char text[64];

	out_begin(o, "ports", "ports");
	snprintf(text, sizeof(text), "%u-%u, %u available", p->range_low,
		 p->range_high, p->available);
	out_u64(o, "range_low", NULL, p->range_low);
	out_u64(o, "range_high", NULL, p->range_high);
	out_u64(o, "available", NULL, p->available);
	out_str(o, NULL, "local port range", text);
	out_u64(o, "failures", "failures",
		p->total[TCPSTATE_PORT_CONNECT][0] +
		p->total[TCPSTATE_PORT_CONNECT][1] +
		p->total[TCPSTATE_PORT_BIND][0] + p->total[TCPSTATE_PORT_BIND][1]);
	out_str(o, NULL, "headroom per destination", "tcpstate ports");
	out_end(o);
}

/* In --check mode, every failure is an unknown status, said on stdout too. */
static int fail(const struct options *opts)
{
	if (!opts->check)
		return 1;
	printf("TCPSTATE UNKNOWN - %s\n", last_error());
	return CHECK_UNKNOWN;
}

int cmd_ports(const struct options *opts)
{
	struct report_sample first, second;
	struct ports_report r;
	struct output o;
	int fd, rc;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return fail(opts);
	rc = report_sample_pair(fd, opts->device, REPORT_TABLE,
				REPORT_STATS | REPORT_TABLE | REPORT_PORTS,
				opts->interval_s, &first, &second);
	close(fd);
	if (rc)
		return fail(opts);
	rc = report_ports(&r, &first, &second, opts->family, opts->by,
			  opts->warn_pct, opts->crit_pct);
	report_sample_free(&first);
	report_sample_free(&second);
	if (rc)
		return fail(opts);
	if (opts->check && !opts->json) {
		ports_check_print(stdout, &r);
	} else {
		out_init(&o, stdout, opts->json);
		ports_report_print(&o, &r, opts->top, wall_offset_ns());
		out_finish(&o);
	}
	rc = opts->check ? (int)r.status : 0;
	ports_report_free(&r);
	if (report_write_failure(stdout, 0))
		return fail(opts);
	return rc;
}
