// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate timewait`: how many connections are in TIME-WAIT, how fast they
 * come and go, how old they are, who holds them and how they ended: the
 * view of the report that report_timewait() builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "format.h"
#include "netns.h"
#include "owner.h"
#include "states.h"
#include "timewait.h"

static void print_age(struct output *o, const struct tw_report *r)
{
	char label[32];
	int i;

	out_begin_array(o, "age_histogram", "age in TIME-WAIT");
	for (i = 0; i < TW_AGE_BUCKETS; i++) {
		if (i + 1 < TW_AGE_BUCKETS)
			snprintf(label, sizeof(label), "%u-%us", tw_age_from_s[i],
				 tw_age_from_s[i + 1]);
		else
			snprintf(label, sizeof(label), "%us+", tw_age_from_s[i]);
		out_begin_item(o, label);
		out_u64(o, "from_s", NULL, tw_age_from_s[i]);
		if (i + 1 < TW_AGE_BUCKETS)
			out_u64(o, "to_s", NULL, tw_age_from_s[i + 1]);
		else
			out_null(o, "to_s", NULL);
		out_u64(o, "count", "count", r->age[i]);
		out_end_item(o);
	}
	out_end_array(o);
}

/* Who holds the TIME-WAITs: "nginx.service   12031". */
static void print_owners(struct output *o, const struct tw_report *r)
{
	char label[64], name[OWNER_NAME_LEN];
	size_t i;

	snprintf(label, sizeof(label), "top owners by %s", owner_by_name(r->by));
	out_str(o, "owners_by", NULL, owner_by_name(r->by));
	out_begin_array(o, "top_owners", label);
	for (i = 0; i < r->n_owners; i++) {
		const struct owner_count *w = &r->owners[i];

		out_begin_item(o, owner_name(name, sizeof(name), r->by, &w->key));
		out_owner_key(o, r->by, &w->key);
		out_u64(o, "count", "count", w->count);
		out_end_item(o);
	}
	out_end_array(o);
	out_u64(o, "owner_count", NULL, r->all_owners);
}

static void print_top(struct output *o, const struct tw_report *r)
{
	char ep[FORMAT_ENDPOINT_LEN], a[FORMAT_ADDR_LEN];
	size_t i;

	out_begin_array(o, "top_remote", "top remote endpoints");
	for (i = 0; i < r->n_remote; i++) {
		const struct tw_endpoint *e = &r->remote[i];

		out_begin_item(o, format_endpoint(ep, sizeof(ep), e->family,
						  e->addr, e->port));
		out_str(o, "address", NULL, format_addr(a, sizeof(a), e->family,
							e->addr));
		out_u64(o, "port", NULL, e->port);
		out_u64(o, "count", "count", e->count);
		out_end_item(o);
	}
	out_end_array(o);
	print_owners(o, r);
	out_begin_array(o, "top_local_ports", "top local ports");
	for (i = 0; i < r->n_ports; i++) {
		snprintf(ep, sizeof(ep), "%u", r->ports[i].port);
		out_begin_item(o, ep);
		out_u64(o, "port", NULL, r->ports[i].port);
		out_u64(o, "count", "count", r->ports[i].count);
		out_end_item(o);
	}
	out_end_array(o);
}

void tw_report_print(struct output *o, const struct tw_report *r)
{
	int i;

	out_u64(o, "netns", "netns", r->netns);
	out_u64(o, "timewait", "TIME-WAIT", r->timewait);
	out_u64(o, "fin_wait2_timewait", "FIN-WAIT-2 in timewait socks",
		r->fin_wait2);
	tw_rate_print(o, "rate", "per second", &r->rate);
	print_age(o, r);
	if (r->with_timer) {
		out_begin(o, "time_left_s", "time left (s)");
		out_double(o, "min", "min", r->left_min_s, 1);
		out_double(o, "median", "median", r->left_median_s, 1);
		out_double(o, "max", "max", r->left_max_s, 1);
		out_end(o);
	}
	print_top(o, r);
	out_begin(o, "exits", "exits since counting began");
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
		out_u64(o, tw_exit_name(i), tw_exit_name(i), r->exits[i]);
	out_end(o);
}

int cmd_timewait(const struct options *opts)
{
	struct report_sample first, second;
	struct tw_report r;
	struct output o;
	int fd, rc;

	fd = device_open_selected(opts, false);
	if (fd < 0)
		return 1;
	rc = report_sample_pair(fd, opts->device, REPORT_STATS,
				REPORT_STATS | REPORT_TABLE, opts->interval_s,
				&first, &second);
	close(fd);
	if (rc)
		return 1;
	rc = report_timewait(&r, &first, &second, opts->family, opts->top,
			     opts->by);
	report_sample_free(&first);
	report_sample_free(&second);
	if (rc)
		return 1;
	out_init(&o, stdout, opts->json);
	tw_report_print(&o, &r);
	out_finish(&o);
	tw_report_free(&r);
	return 0;
}
