/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line of the tcpstate CLI: parsed into a struct options by a pure
 * function, so it can be tested without a device.
 */
#ifndef TCPSTATE_OPTIONS_H
#define TCPSTATE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"
#include "report.h"

enum command {
	CMD_SUMMARY,
	CMD_WATCH,
	CMD_TIMEWAIT,
	CMD_LIST,
	CMD_RESET,
	CMD_VERSION,
	CMD_PORTS,
	CMD_AUDIT,
	CMD_TOP,
	CMD_EXPORTER,
	CMD_QUOTA,
};

/* quota: what to do with the namespace's quota. */
enum quota_action {
	QUOTA_SHOW,
	QUOTA_SET,	/* to quota_value (TCPSTATE_QUOTA_NONE: no limit) */
	QUOTA_DEFAULT,	/* back to the module's default */
};

#define DEFAULT_INTERVAL_S	1.0
#define DEFAULT_TOP		5
/* Rows of the ports table when --top is not given. */
#define DEFAULT_PORTS_TOP	10
/* ports: thresholds on the worst destination's use of the port range, %. */
#define DEFAULT_WARN_PCT	80.0
#define DEFAULT_CRIT_PCT	95.0
/* top: shortest -i, s. */
#define TOP_MIN_INTERVAL_S	0.1
/* exporter: --listen, and destinations of the per destination series. */
#define DEFAULT_LISTEN		"127.0.0.1:9464"
#define DEFAULT_EXPORTER_TOP	20
/* exporter: --textfile rewrites its file every -i seconds, 15 by default. */
#define DEFAULT_EXPORTER_INTERVAL_S	15.0
/* Longest -i accepted: a day. */
#define MAX_INTERVAL_S		86400.0

struct options {
	enum command command;
	bool json;
	bool help;
	const char *device;	/* path of the character device */
	const char *netns;	/* -n: NAME, PATH or PID; NULL: our own */
	bool all_netns;		/* --all-netns */
	double interval_s;	/* -i: between the two stats samples; 0: no rates */
	int family;		/* -4/-6: AF_INET, AF_INET6; 0: both */
	unsigned long count;	/* -c: watch stops after this many; 0: never */
	unsigned int top;	/* --top: rows of the timewait top lists and
				 * of the ports table
				 */
	double warn_pct;	/* --warn: ports: warning from this use, % */
	double crit_pct;	/* --crit: ports: critical from this use, % */
	bool check;		/* --check: ports: one line, Nagios exit codes */
	enum owner_by by;	/* --by: timewait, ports, top: what owners are
				 * grouped by; OWNER_BY_CGROUP by default
				 */
	struct conn_filter filter;	/* list: filter words, -4/-6 included */
	const char *listen;	/* exporter: ADDR:PORT; NULL with --textfile
				 * alone
				 */
	const char *textfile;	/* exporter: --textfile DIR; NULL: none */
	enum quota_action quota_action;	/* quota [N|none|default] */
	unsigned long long quota_value;
};

/*
 * Parse argv into *opts.  Options come before the command, or right after
 * it (before a filter word).  Returns 0 on success; on misuse returns -1
 * and writes a one-line reason (without the program name) into err.
 * opts->check says whether --check was given, also on misuse, so that the
 * caller can exit with the status of an unknown check.
 */
int options_parse(struct options *opts, int argc, char **argv,
		  char *err, size_t errlen);

const char *command_name(enum command cmd);

#endif
