// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition (prom.h) of the reports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tcpstate.h>

#include "format.h"
#include "owner.h"
#include "prom.h"
#include "rates.h"
#include "states.h"

#define PROM_MIN_CAP	4096

void prom_buf_init(struct prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->text);
	prom_buf_init(b);
}

void prom_buf_reset(struct prom_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->text)
		b->text[0] = '\0';
}

static bool prom_reserve(struct prom_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : PROM_MIN_CAP;
	char *text;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	text = realloc(b->text, cap);
	if (!text) {
		b->failed = true;
		return false;
	}
	b->text = text;
	b->cap = cap;
	return true;
}

void prom_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !prom_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void prom_label_value(struct prom_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			prom_printf(b, "\\\\");
		else if (*s == '"')
			prom_printf(b, "\\\"");
		else if (*s == '\n')
			prom_printf(b, "\\n");
		else
			prom_printf(b, "%c", *s);
	}
}

double prom_headroom_ratio(const struct ports_dest *d)
{
	double r = (100.0 - d->used_pct) / 100.0;

	return r < 0 ? 0 : r > 1 ? 1 : r;
}

bool prom_other(struct prom_other *o, const struct ports_report *r,
		unsigned int top)
{
	const struct ports_dest *d;
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = top; i < r->n_dests; i++) {
		d = &r->dests[i];
		if (!o->count || d->free < o->free)
			o->free = d->free;
		if (!o->count || prom_headroom_ratio(d) < o->headroom)
			o->headroom = prom_headroom_ratio(d);
		o->used += d->used;
		o->count++;
	}
	return o->count > 0;
}

/* What the sample writers get: one namespace, the options of the call. */
struct prom_ctx {
	struct prom_buf *b;
	const char *name;		/* the family's name */
	const struct summary_report *sum;
	const struct ports_report *ports;
	unsigned int top;
};

static void sample_start(const struct prom_ctx *c)
{
	prom_printf(c->b, "%s{netns=\"%u\"", c->name, c->sum->stats.netns);
}

static void sample_u64(const struct prom_ctx *c, const char *labels, __u64 v)
{
	sample_start(c);
	prom_printf(c->b, "%s} %llu\n", labels ? labels : "",
		    (unsigned long long)v);
}

static void connections(const struct prom_ctx *c)
{
	char l[64];
	int i;

	for (i = 0; i < TCPSTATE_STATE_MAX; i++) {
		if (!state_key(i))
			continue;
		snprintf(l, sizeof(l), ",state=\"%s\"", state_key(i));
		sample_u64(c, l, c->sum->stats.gauge[i]);
	}
}

static void timewait_sockets(const struct prom_ctx *c)
{
	sample_u64(c, NULL, c->sum->stats.timewait_socks);
}

static void timewait_entries(const struct prom_ctx *c)
{
	sample_u64(c, NULL, c->sum->tw_entered);
}

static void timewait_exits(const struct prom_ctx *c)
{
	char l[64];
	int i;

	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		/* Counted in the dying namespace: see the module-wide one. */
		if (i == TCPSTATE_TW_EXIT_NETNS)
			continue;
		snprintf(l, sizeof(l), ",cause=\"%s\"", tw_exit_name(i));
		sample_u64(c, l, c->sum->stats.tw_exits[i]);
	}
}

static void timewait_overflows(const struct prom_ctx *c)
{
	sample_u64(c, NULL, c->sum->stats.tw_overflows);
}

static void dropped(const struct prom_ctx *c)
{
	const struct tcpstate_stats *st = &c->sum->stats;
	char l[64];
	int i;

	/* A module older than the reasons: the total alone. */
	if (!stats_has_drops(st)) {
		sample_u64(c, NULL, st->dropped);
		return;
	}
	for (i = 0; i < TCPSTATE_DROP_MAX; i++) {
		snprintf(l, sizeof(l), ",reason=\"%s\"", drop_name(i));
		sample_u64(c, l, st->drops[i]);
	}
}

static void quota(const struct prom_ctx *c)
{
	const struct tcpstate_stats *st = &c->sum->stats;

	if (stats_has_drops(st) && st->quota != TCPSTATE_QUOTA_NONE)
		sample_u64(c, NULL, st->quota);
}

static void events_lost(const struct prom_ctx *c)
{
	sample_u64(c, NULL, c->sum->stats.events_lost);
}

static void port_failures(const struct prom_ctx *c)
{
	static const char *const kinds[TCPSTATE_PORT_KIND_MAX] = {
		[TCPSTATE_PORT_CONNECT]	= "connect",
		[TCPSTATE_PORT_BIND]	= "bind",
	};
	char l[64];
	int k, f;

	if (!c->sum->has_ports)
		return;
	for (k = 0; k < TCPSTATE_PORT_KIND_MAX; k++) {
		for (f = 0; f < 2; f++) {
			snprintf(l, sizeof(l), ",kind=\"%s\",family=\"%s\"",
				 kinds[k], f ? "ipv6" : "ipv4");
			sample_u64(c, l, c->sum->ports.total[k][f]);
		}
	}
}

static void ports_available(const struct prom_ctx *c)
{
	if (c->sum->has_ports)
		sample_u64(c, NULL, c->sum->ports.available);
}

static void ports_destinations(const struct prom_ctx *c)
{
	if (c->ports)
		sample_u64(c, NULL, c->ports->n_dests);
}

enum dest_value { DEST_USED, DEST_FREE, DEST_HEADROOM };

static void dest_sample(const struct prom_ctx *c, const char *src,
			const char *dst, enum dest_value what, __u64 used,
			__u64 free, double headroom)
{
	sample_start(c);
	if (src) {
		prom_printf(c->b, ",src=\"");
		prom_label_value(c->b, src);
		prom_printf(c->b, "\"");
	}
	prom_printf(c->b, ",dst=\"");
	prom_label_value(c->b, dst);
	if (what == DEST_HEADROOM)
		prom_printf(c->b, "\"} %.6g\n", headroom);
	else
		prom_printf(c->b, "\"} %llu\n", (unsigned long long)
			    (what == DEST_USED ? used : free));
}

static void dests(const struct prom_ctx *c, enum dest_value what)
{
	char src[FORMAT_ADDR_LEN], dst[FORMAT_ENDPOINT_LEN];
	const struct ports_dest *d;
	struct prom_other o;
	size_t i;

	if (!c->ports)
		return;
	for (i = 0; i < c->ports->n_dests && i < c->top; i++) {
		d = &c->ports->dests[i];
		format_addr(src, sizeof(src), d->family, d->saddr);
		format_endpoint(dst, sizeof(dst), d->family, d->daddr, d->dport);
		dest_sample(c, src, dst, what, d->used, d->free,
			    prom_headroom_ratio(d));
	}
	if (prom_other(&o, c->ports, c->top))
		dest_sample(c, NULL, PROM_OTHER_DST, what, o.used, o.free,
			    o.headroom);
}

static void ports_used(const struct prom_ctx *c)
{
	dests(c, DEST_USED);
}

static void ports_free(const struct prom_ctx *c)
{
	dests(c, DEST_FREE);
}

static void ports_headroom(const struct prom_ctx *c)
{
	dests(c, DEST_HEADROOM);
}

static void owner_sample(const struct prom_ctx *c, const char *name, __u64 v)
{
	sample_start(c);
	prom_printf(c->b, ",cgroup=\"");
	prom_label_value(c->b, name);
	prom_printf(c->b, "\"} %llu\n", (unsigned long long)v);
}

/*
 * The ports of the top N cgroups (the report's owners, most ports first),
 * the rest summed up as cgroup="other": a series per owner would grow
 * with every service, and every restart of one in a cgroup of its own.
 */
static void ports_used_by_cgroup(const struct prom_ctx *c)
{
	char name[OWNER_NAME_LEN];
	__u64 other = 0;
	size_t i;

	if (!c->ports || c->ports->by != OWNER_BY_CGROUP)
		return;
	for (i = 0; i < c->ports->n_owners; i++) {
		const struct owner_count *w = &c->ports->owners[i];

		if (!w->count)
			break;	/* failures only, from here on */
		if (i < c->top)
			owner_sample(c, owner_name(name, sizeof(name),
						   OWNER_BY_CGROUP, &w->key),
				     w->count);
		else
			other += w->count;
	}
	if (i > c->top)
		owner_sample(c, PROM_OTHER_DST, other);
}

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	void (*samples)(const struct prom_ctx *c);
};

static const struct prom_family families[] = {
	{ "tcpstate_connections", "gauge",
	  "TCP connections per state, TIME-WAIT included, as ss -tan counts them.",
	  connections },
	{ "tcpstate_timewait_sockets", "gauge",
	  "Connections held by timewait sockets (TIME-WAIT and FIN-WAIT-2): the tw of /proc/net/sockstat.",
	  timewait_sockets },
	{ "tcpstate_timewait_entries_total", "counter",
	  "Entries into TIME-WAIT.", timewait_entries },
	{ "tcpstate_timewait_exits_total", "counter",
	  "Timewait sockets ended, by cause.", timewait_exits },
	{ "tcpstate_timewait_overflows_total", "counter",
	  "Connections that got no timewait socket (tcp_max_tw_buckets).",
	  timewait_overflows },
	{ "tcpstate_dropped_total", "counter",
	  "Connections not mirrored, by reason: the namespace's quota, the module's cap (max_entries, less init_net_reserve for the other namespaces), no memory (or the memory cgroup's limit), the limit of the namespace's user (user_max_entries).",
	  dropped },
	{ "tcpstate_quota", "gauge",
	  "Most connections the namespace may have mirrored (no series: no limit).",
	  quota },
	{ "tcpstate_events_lost_total", "counter",
	  "Event records the exporter's device file dropped.", events_lost },
	{ "tcpstate_port_failures_total", "counter",
	  "Calls that found no free local port: connect() with EADDRNOTAVAIL, bind() to port 0.",
	  port_failures },
	{ "tcpstate_ports_available", "gauge",
	  "Ports of the local port range, less the reserved ones.",
	  ports_available },
	{ "tcpstate_ports_destinations", "gauge",
	  "Destinations connect() picked local ports for.", ports_destinations },
	{ "tcpstate_ports_used", "gauge",
	  "Local ports in use towards a destination (dst=\"other\": the sum past the top N).",
	  ports_used },
	{ "tcpstate_ports_free", "gauge",
	  "Local ports still free towards a destination (dst=\"other\": the fewest past the top N).",
	  ports_free },
	{ "tcpstate_ports_headroom_ratio", "gauge",
	  "Free over available local ports towards a destination (dst=\"other\": the lowest past the top N).",
	  ports_headroom },
	{ "tcpstate_ports_used_by_cgroup", "gauge",
	  "Local ports in use towards any destination by the connections of a cgroup: its systemd unit, else its path, else its id, - when not known (cgroup=\"other\": the sum past the top N).",
	  ports_used_by_cgroup },
};

static void family_head(struct prom_buf *b, const char *name, const char *type,
			const char *help)
{
	prom_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The module-wide counters, from the first namespace that has them. */
static void module_wide(struct prom_buf *b, const struct prom_netns *ns,
			size_t n)
{
	const struct tcpstate_stats *st = NULL;
	size_t i;
	int k;

	for (i = 0; i < n && !st; i++)
		if (ns[i].sum->module_wide)
			st = &ns[i].sum->stats;
	if (!st)
		return;
	family_head(b, "tcpstate_misses_total", "counter",
		    "Facts a hook of the module missed, in all namespaces (the reconcile pass repairs the table, but not an owner: accept, owner).");
	for (k = 0; k < TCPSTATE_MISS_MAX; k++)
		prom_printf(b, "tcpstate_misses_total{hook=\"%s\"} %llu\n",
			    miss_name(k), (unsigned long long)st->misses[k]);
	family_head(b, "tcpstate_module_timewait_netns_exits_total", "counter",
		    "Timewait sockets ended by the deletion of their namespace, in all namespaces.");
	prom_printf(b, "tcpstate_module_timewait_netns_exits_total %llu\n",
		    (unsigned long long)st->all_tw_netns_exits);
	family_head(b, "tcpstate_module_entries", "gauge",
		    "Connections in the tables of all namespaces.");
	prom_printf(b, "tcpstate_module_entries %llu\n",
		    (unsigned long long)st->all_entries);
	family_head(b, "tcpstate_module_max_entries", "gauge",
		    "The cap on the entries of all tables (module parameter max_entries).");
	prom_printf(b, "tcpstate_module_max_entries %llu\n",
		    (unsigned long long)st->max_entries);
	if (!stats_has_drops(st))
		return;
	family_head(b, "tcpstate_module_init_net_reserve", "gauge",
		    "Entries of the cap only the initial namespace may use (module parameter init_net_reserve).");
	prom_printf(b, "tcpstate_module_init_net_reserve %llu\n",
		    (unsigned long long)st->init_net_reserve);
}

int prom_format(struct prom_buf *b, const struct prom_netns *ns, size_t n,
		unsigned int top, bool up)
{
	struct prom_ctx c;
	size_t f, i;

	family_head(b, "tcpstate_up", "gauge",
		    "Whether the exporter read /dev/tcpstate (1) or failed to (0).");
	prom_printf(b, "tcpstate_up %d\n", up ? 1 : 0);
	if (!up)
		return b->failed ? -1 : 0;
	memset(&c, 0, sizeof(c));
	c.b = b;
	c.top = top;
	for (f = 0; f < ARRAY_SIZE(families); f++) {
		family_head(b, families[f].name, families[f].type,
			    families[f].help);
		c.name = families[f].name;
		for (i = 0; i < n; i++) {
			c.sum = ns[i].sum;
			c.ports = ns[i].ports;
			families[f].samples(&c);
		}
	}
	module_wide(b, ns, n);
	return b->failed ? -1 : 0;
}
