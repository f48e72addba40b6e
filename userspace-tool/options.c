// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing the tcpstate command line.  No I/O here: errors are returned as
 * text for main() to print.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/tcpstate.h>

#include "http.h"
#include "kernel.h"
#include "options.h"
#include "owner.h"

#define DEFAULT_DEVICE "/dev/tcpstate"
#define MAX_TOP 100000

#define HINT "(try 'tcpstate --help')"

/* Long options without a short form. */
enum {
	OPT_ALL_NETNS = 256,
	OPT_TOP,
	OPT_WARN,
	OPT_CRIT,
	OPT_CHECK,
	OPT_LISTEN,
	OPT_TEXTFILE,
	OPT_BY,
};

static const char *const command_names[] = {
	[CMD_SUMMARY]	= "summary",
	[CMD_WATCH]	= "watch",
	[CMD_TIMEWAIT]	= "timewait",
	[CMD_LIST]	= "list",
	[CMD_RESET]	= "reset",
	[CMD_VERSION]	= "version",
	[CMD_PORTS]	= "ports",
	[CMD_AUDIT]	= "audit",
	[CMD_TOP]	= "top",
	[CMD_EXPORTER]	= "exporter",
	[CMD_QUOTA]	= "quota",
};

const char *command_name(enum command cmd)
{
	return command_names[cmd];
}

static int lookup_command(const char *word, enum command *cmd)
{
	size_t len = strlen(word);
	int found = -1;
	size_t i;

	/* Like ip(8): any unambiguous prefix of a command name is accepted. */
	for (i = 0; i < ARRAY_SIZE(command_names); i++) {
		if (strncmp(command_names[i], word, len))
			continue;
		if (strlen(command_names[i]) == len) {
			found = (int)i;
			break;
		}
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	if (found < 0 || len == 0)
		return -1;
	*cmd = (enum command)found;
	return 0;
}

/* A decimal number of seconds: digits with at most one '.'. */
static int parse_seconds(const char *s, double *out)
{
	size_t digits = strspn(s, "0123456789.");
	const char *dot = strchr(s, '.');
	char *end;
	double v;

	if (!*s || digits != strlen(s) || (dot && strchr(dot + 1, '.')) ||
	    !strcmp(s, "."))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A percentage: a number of seconds' syntax, from 0 to 100. */
static int parse_percent(const char *s, double *out)
{
	double v;

	if (parse_seconds(s, &v) || v > 100.0)
		return -1;
	*out = v;
	return 0;
}

/* What the options said, before the checks that need all of them. */
struct seen {
	bool ipv4;
	bool ipv6;
	bool top;
	bool warn;
	bool crit;
	bool interval;
	bool listen;
	bool by;
};

/*
 * Parse the options of argv[1..argc): until the first word that is not an
 * option.  Returns the index of that word, or -1 on misuse.
 */
static int parse_flags(struct options *opts, struct seen *seen, int argc,
		       char **argv, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "device",	required_argument,	NULL, 'D' },
		{ "netns",	required_argument,	NULL, 'n' },
		{ "all-netns",	no_argument,		NULL, OPT_ALL_NETNS },
		{ "interval",	required_argument,	NULL, 'i' },
		{ "ipv4",	no_argument,		NULL, '4' },
		{ "ipv6",	no_argument,		NULL, '6' },
		{ "count",	required_argument,	NULL, 'c' },
		{ "top",	required_argument,	NULL, OPT_TOP },
		{ "warn",	required_argument,	NULL, OPT_WARN },
		{ "crit",	required_argument,	NULL, OPT_CRIT },
		{ "check",	no_argument,		NULL, OPT_CHECK },
		{ "listen",	required_argument,	NULL, OPT_LISTEN },
		{ "textfile",	required_argument,	NULL, OPT_TEXTFILE },
		{ "by",		required_argument,	NULL, OPT_BY },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	int c;

	optind = 0;	/* glibc: start a fresh scan, also on repeated calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jhD:n:i:46c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts->json = true;
			break;
		case 'D':
			if (!*optarg) {
				snprintf(err, errlen, "--device: empty path");
				return -1;
			}
			opts->device = optarg;
			break;
		case 'n':
			if (!*optarg) {
				snprintf(err, errlen, "--netns: empty name");
				return -1;
			}
			opts->netns = optarg;
			break;
		case OPT_ALL_NETNS:
			opts->all_netns = true;
			break;
		case 'i':
			if (parse_seconds(optarg, &opts->interval_s)) {
				snprintf(err, errlen,
					 "--interval '%s': not a number of seconds (e.g. 2 or 0.5)",
					 optarg);
				return -1;
			}
			if (opts->interval_s > MAX_INTERVAL_S) {
				snprintf(err, errlen,
					 "--interval '%s': longer than a day", optarg);
				return -1;
			}
			seen->interval = true;
			break;
		case '4':
			seen->ipv4 = true;
			break;
		case '6':
			seen->ipv6 = true;
			break;
		case 'c':
			if (decimal_parse(optarg, 1, (unsigned long)-1, &v)) {
				snprintf(err, errlen,
					 "--count '%s': not a positive integer", optarg);
				return -1;
			}
			opts->count = v;
			break;
		case OPT_TOP:
			if (decimal_parse(optarg, 1, MAX_TOP, &v)) {
				snprintf(err, errlen,
					 "--top '%s': not an integer from 1 to %d",
					 optarg, MAX_TOP);
				return -1;
			}
			opts->top = (unsigned int)v;
			seen->top = true;
			break;
		case OPT_WARN:
		case OPT_CRIT:
			if (parse_percent(optarg, c == OPT_WARN ?
					  &opts->warn_pct : &opts->crit_pct)) {
				snprintf(err, errlen,
					 "--%s '%s': not a percentage from 0 to 100",
					 c == OPT_WARN ? "warn" : "crit", optarg);
				return -1;
			}
			if (c == OPT_WARN)
				seen->warn = true;
			else
				seen->crit = true;
			break;
		case OPT_CHECK:
			opts->check = true;
			break;
		case OPT_LISTEN:
			opts->listen = optarg;
			seen->listen = true;
			break;
		case OPT_TEXTFILE:
			if (!*optarg) {
				snprintf(err, errlen, "--textfile: empty directory");
				return -1;
			}
			opts->textfile = optarg;
			break;
		case OPT_BY:
			if (owner_by_parse(optarg, &opts->by)) {
				snprintf(err, errlen,
					 "--by '%s': not an owner key (comm, pid, uid or cgroup)",
					 optarg);
				return -1;
			}
			seen->by = true;
			break;
		case 'h':
			opts->help = true;
			return argc;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument " HINT,
				 argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c' " HINT,
					 optopt);
			else
				snprintf(err, errlen, "unknown option '%s' " HINT,
					 argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

/* The exporter's: --listen and --textfile are its own. */
static int check_exporter(struct options *opts, const struct seen *seen,
			  char *err, size_t errlen)
{
	char host[256];
	unsigned int port;

	if (opts->command != CMD_EXPORTER) {
		if (seen->listen || opts->textfile) {
			snprintf(err, errlen, "--%s: only for 'exporter'",
				 seen->listen ? "listen" : "textfile");
			return -1;
		}
		return 0;
	}
	if (!seen->top)
		opts->top = DEFAULT_EXPORTER_TOP;
	if (!seen->interval)
		opts->interval_s = DEFAULT_EXPORTER_INTERVAL_S;
	/* --textfile alone writes the file; --listen too serves HTTP. */
	if (!seen->listen && !opts->textfile)
		opts->listen = DEFAULT_LISTEN;
	if (opts->listen && http_listen_parse(opts->listen, host, sizeof(host),
					      &port, err, errlen))
		return -1;
	if (opts->textfile && opts->interval_s <= 0 && opts->count != 1) {
		snprintf(err, errlen,
			 "--textfile: --interval must be above 0 (or -c 1: write once)");
		return -1;
	}
	return 0;
}

/* The checks that need every option and the command. */
static int check_combinations(struct options *opts, const struct seen *seen,
			      char *err, size_t errlen)
{
	if (seen->ipv4 && seen->ipv6) {
		snprintf(err, errlen,
			 "-4 and -6: mutually exclusive (give neither for both)");
		return -1;
	}
	opts->family = seen->ipv4 ? AF_INET : seen->ipv6 ? AF_INET6 : 0;
	if (opts->netns && opts->all_netns) {
		snprintf(err, errlen, "-n and --all-netns: mutually exclusive");
		return -1;
	}
	if (opts->all_netns && opts->command != CMD_SUMMARY &&
	    opts->command != CMD_WATCH && opts->command != CMD_VERSION &&
	    opts->command != CMD_EXPORTER) {
		snprintf(err, errlen, "--all-netns: not supported by '%s' (use -n)",
			 command_name(opts->command));
		return -1;
	}
	if (opts->command != CMD_PORTS &&
	    (opts->check || seen->warn || seen->crit)) {
		snprintf(err, errlen, "--%s: only for 'ports'",
			 opts->check ? "check" : seen->warn ? "warn" : "crit");
		return -1;
	}
	if (seen->by && opts->command != CMD_TIMEWAIT &&
	    opts->command != CMD_PORTS && opts->command != CMD_TOP) {
		snprintf(err, errlen,
			 "--by: only for 'timewait', 'ports' and 'top'");
		return -1;
	}
	if (opts->crit_pct < opts->warn_pct) {
		snprintf(err, errlen,
			 "--crit %g is below --warn %g (critical must not come first)",
			 opts->crit_pct, opts->warn_pct);
		return -1;
	}
	if (opts->command == CMD_TOP && opts->json) {
		snprintf(err, errlen,
			 "--json: not supported by 'top' (use summary -j or ports -j)");
		return -1;
	}
	if (opts->command == CMD_TOP && opts->interval_s < TOP_MIN_INTERVAL_S) {
		snprintf(err, errlen, "--interval %g: top refreshes at most every %g s",
			 opts->interval_s, TOP_MIN_INTERVAL_S);
		return -1;
	}
	if ((opts->command == CMD_PORTS || opts->command == CMD_TOP) && !seen->top)
		opts->top = DEFAULT_PORTS_TOP;
	return check_exporter(opts, seen, err, errlen);
}

/* quota's argument: a number of entries, "none" or "default". */
static int parse_quota(struct options *opts, const char *s, char *err,
		       size_t errlen)
{
	unsigned long v;

	if (!strcmp(s, "none")) {
		opts->quota_action = QUOTA_SET;
		opts->quota_value = TCPSTATE_QUOTA_NONE;
		return 0;
	}
	if (!strcmp(s, "default")) {
		opts->quota_action = QUOTA_DEFAULT;
		return 0;
	}
	if (decimal_parse(s, 0, (unsigned long)-1 >> 1, &v)) {
		snprintf(err, errlen,
			 "quota '%s': not a number of entries, 'none' or 'default'",
			 s);
		return -1;
	}
	opts->quota_action = QUOTA_SET;
	opts->quota_value = v;
	return 0;
}

/*
 * Whether argv has --check, or a prefix of it getopt_long takes for it:
 * known before parsing, so that misuse can be reported as an unknown check.
 */
static bool wants_check(int argc, char **argv)
{
	static const char check[] = "--check";
	int i;

	for (i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (!strcmp(argv[i], "--"))
			break;
		if (len >= 4 && len < sizeof(check) &&
		    !strncmp(argv[i], check, len))
			return true;
	}
	return false;
}

int options_parse(struct options *opts, int argc, char **argv,
		  char *err, size_t errlen)
{
	struct seen seen;
	int idx, n;

	memset(&seen, 0, sizeof(seen));
	memset(opts, 0, sizeof(*opts));
	opts->command = CMD_SUMMARY;
	opts->device = DEFAULT_DEVICE;
	opts->interval_s = DEFAULT_INTERVAL_S;
	opts->top = DEFAULT_TOP;
	opts->warn_pct = DEFAULT_WARN_PCT;
	opts->crit_pct = DEFAULT_CRIT_PCT;
	opts->check = wants_check(argc, argv);
	filter_init(&opts->filter);

	idx = parse_flags(opts, &seen, argc, argv, err, errlen);
	if (idx < 0)
		return -1;
	if (opts->help)
		return 0;
	if (idx < argc) {
		if (lookup_command(argv[idx], &opts->command)) {
			snprintf(err, errlen, "unknown command '%s' " HINT,
				 argv[idx]);
			return -1;
		}
		/* Options may follow the command too: argv[idx] is its argv[0]. */
		n = parse_flags(opts, &seen, argc - idx, argv + idx, err, errlen);
		if (n < 0)
			return -1;
		if (opts->help)
			return 0;
		idx += n;
	}
	if (check_combinations(opts, &seen, err, errlen))
		return -1;
	if (opts->command == CMD_LIST) {
		if (filter_parse(&opts->filter, argc - idx, argv + idx, err, errlen))
			return -1;
		opts->filter.family = opts->family;
	} else if (opts->command == CMD_QUOTA && idx < argc) {
		if (parse_quota(opts, argv[idx], err, errlen))
			return -1;
		if (idx + 1 < argc) {
			snprintf(err, errlen, "unexpected argument '%s'",
				 argv[idx + 1]);
			return -1;
		}
	} else if (idx < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[idx]);
		return -1;
	}
	return 0;
}
