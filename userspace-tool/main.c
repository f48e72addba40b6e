// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: report TCP connection states, TIME-WAIT buildup and ephemeral
 * port exhaustion from the tcpstate kernel module (/dev/tcpstate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "commands.h"
#include "device.h"
#include "options.h"
#include "ports.h"

#ifndef TCPSTATE_VERSION
#define TCPSTATE_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tcpstate [OPTIONS] [COMMAND [ARGS]]\n"
		"\n"
		"Report TCP connection states from the tcpstate kernel module.\n"
		"\n"
		"Commands (any unambiguous prefix works):\n"
		"  summary            connections per state, TIME-WAIT, its rates and how\n"
		"                     it ended, port failures (the default)\n"
		"  watch              state changes as they happen\n"
		"  timewait           TIME-WAIT: count, rates, ages, time left, top remote\n"
		"                     endpoints, top owners (--by) and local ports\n"
		"  ports              local ports used per destination against the port\n"
		"                     range, rates, time to exhaustion, who holds them\n"
		"                     (--by), failed connect()s and whose they were\n"
		"  list [FILTER]      every connection, like ss -tan, with its owner (uid,\n"
		"                     process, cgroup); FILTER is any of state NAME\n"
		"                     (repeatable), src ADDR[/LEN], dst ADDR[/LEN], sport PORT,\n"
		"                     dport PORT, pid PID, comm NAME, uid UID, cgroup ID|PATH\n"
		"  audit              compare the module's table with the kernel's sockets\n"
		"                     (sock_diag, as ss -tan); exit 0 if they agree, 1 if\n"
		"                     they differ, 2 on errors\n"
		"  top                a live full-screen view: states and their rates,\n"
		"                     TIME-WAIT's rates over the last minute, port\n"
		"                     headroom per destination, port failures; keys: q quit,\n"
		"                     s sort, n namespace, p pause (plain text when not a tty)\n"
		"  exporter           Prometheus metrics: GET /metrics on --listen, and/or\n"
		"                     --textfile DIR/tcpstate.prom every -i seconds\n"
		"                     (default 15) for node_exporter\n"
		"  reset              zero the namespace's cumulative counters\n"
		"  quota [N|none|default]\n"
		"                     the namespace's quota of mirrored connections: show\n"
		"                     it, set it, or return to the module's default\n"
		"                     (lowering it needs CAP_NET_ADMIN over the namespace,\n"
		"                     raising it CAP_NET_ADMIN in the initial one)\n"
		"  version            versions of this tool and of the loaded module\n"
		"\n"
		"Options:\n"
		"  -j, --json           JSON output (watch: one JSON object per line)\n"
		"  -n, --netns NS       the namespace NAME (/run/netns/NAME), PATH or PID\n"
		"      --all-netns      summary: a row per namespace; watch, exporter: all\n"
		"                       of them\n"
		"  -i, --interval SECS  between the two samples of the rates (default 1;\n"
		"                       0: no rates)\n"
		"  -4, --ipv4           IPv4 only (list, timewait, watch)\n"
		"  -6, --ipv6           IPv6 only (list, timewait, watch)\n"
		"  -c, --count N        watch: stop after N state changes; top: after N\n"
		"                       frames; exporter: after N scrapes (N files with\n"
		"                       --textfile)\n"
		"      --top N          timewait: rows of the top lists (default 5);\n"
		"                       ports, top: destinations shown (default 10);\n"
		"                       exporter: destinations with series (default 20)\n"
		"      --by KEY         timewait, ports, top: count owners by cgroup (the\n"
		"                       default; a systemd unit by its name), comm, pid\n"
		"                       or uid\n"
		"      --warn PCT       ports: warning from PCT %% of the ports (default 80)\n"
		"      --crit PCT       ports: critical from PCT %% (default 95)\n"
		"      --check          ports: one line and the exit status of a Nagios\n"
		"                       plugin: 0 ok, 1 warning, 2 critical, 3 unknown\n"
		"      --listen ADDR:PORT  exporter: where to serve HTTP (default\n"
		"                       127.0.0.1:9464; [::1]:PORT for IPv6)\n"
		"      --textfile DIR   exporter: write DIR/tcpstate.prom atomically\n"
		"  -D, --device PATH    device to read (default /dev/tcpstate)\n"
		"  -h, --help           this help\n"
		"\n"
		"Examples:\n"
		"  tcpstate                           summary of this namespace\n"
		"  tcpstate -j -i 5 summary           rates over 5 s, as JSON\n"
		"  tcpstate --all-netns               a row per namespace\n"
		"  tcpstate -n blue watch             changes in namespace 'blue'\n"
		"  tcpstate --all-netns -c 100 watch  100 changes in any namespace\n"
		"  tcpstate -j watch | jq .           JSON lines\n"
		"  tcpstate timewait --top 10         TIME-WAIT buildup, top 10 holders\n"
		"  tcpstate timewait --by comm        which programs hold TIME-WAIT\n"
		"  tcpstate ports                     port headroom per destination\n"
		"  tcpstate -j ports --by pid         who holds each destination's ports\n"
		"  tcpstate ports --check --warn 50   for a monitoring system\n"
		"  tcpstate audit                     does the table match ss -tan?\n"
		"  tcpstate -i 2 top                  live view, refreshed every 2 s\n"
		"  tcpstate top -c 3 | less           three plain text frames\n"
		"  tcpstate exporter --listen :9464   metrics for Prometheus, all addresses\n"
		"  tcpstate --all-netns exporter --textfile /var/lib/prometheus/node-exporter\n"
		"  tcpstate -n blue -j audit          the same in namespace 'blue', as JSON\n"
		"  tcpstate list state time-wait dport 8080\n"
		"  tcpstate -6 list dst 2001:db8::/32\n"
		"  tcpstate -n 1234 reset             zero counters of PID 1234's namespace\n"
		"  tcpstate -n blue quota 5000        mirror at most 5000 connections of 'blue'\n"
		"  tcpstate -j version\n");
}

int cmd_version(const struct options *opts)
{
	__u32 abi;
	int fd;

	fd = device_open(opts->device, &abi);
	if (fd < 0)
		return 1;
	close(fd);
	if (opts->json)
		printf("{\"tool_version\":\"%s\",\"abi_version\":%u,\"module_abi_version\":%u}\n",
		       TCPSTATE_VERSION, TCPSTATE_ABI_VERSION, abi);
	else
		printf("tcpstate %s, ABI %u, module ABI %u\n",
		       TCPSTATE_VERSION, TCPSTATE_ABI_VERSION, abi);
	return 0;
}

int main(int argc, char **argv)
{
	struct options opts;
	char err[256];

	if (options_parse(&opts, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "tcpstate: %s\n", err);
		if (!opts.check)
			return 2;
		printf("TCPSTATE %s - tcpstate: %s\n",
		       check_status_name(CHECK_UNKNOWN), err);
		return CHECK_UNKNOWN;
	}
	if (opts.help) {
		usage(stdout);
		return 0;
	}
	switch (opts.command) {
	case CMD_SUMMARY:
		return cmd_summary(&opts);
	case CMD_WATCH:
		return cmd_watch(&opts);
	case CMD_TIMEWAIT:
		return cmd_timewait(&opts);
	case CMD_LIST:
		return cmd_list(&opts);
	case CMD_RESET:
		return cmd_reset(&opts);
	case CMD_VERSION:
		return cmd_version(&opts);
	case CMD_PORTS:
		return cmd_ports(&opts);
	case CMD_AUDIT:
		return cmd_audit(&opts);
	case CMD_TOP:
		return cmd_top(&opts);
	case CMD_EXPORTER:
		return cmd_exporter(&opts);
	case CMD_QUOTA:
		return cmd_quota(&opts);
	}
	return 1;
}
