// SPDX-License-Identifier: GPL-2.0
/*
 * ts_read: print what the module knows about the caller's namespace, in
 * forms the shell selftests compare with ss(8) and /proc/net/sockstat.
 *
 *   ts_read counts     "STATE N" per state with N > 0, from the gauges,
 *                      named as `ss -tan` names them (FIN-WAIT-2 includes
 *                      the timewait sockets in that substate, as in ss)
 *   ts_read snapcount  the same, counted from a full snapshot
 *   ts_read stat NAME  one counter: entries, timewait_socks, tw_overflows,
 *                      dropped, drop:quota, drop:cap, drop:nomem, quota
 *                      ("none": no limit), init_net_reserve,
 *                      all_entries, all_dropped, max_entries,
 *                      all_tw_netns_exits, probe_misses, exit:CAUSE,
 *                      trans:FROM:TO (states as JSON keys: time_wait...),
 *                      transitions (the whole matrix), misses (the total:
 *                      probe_misses), miss:HOOK (see misses), reconcile_added,
 *                      reconcile_removed, reconcile_fixed, reconcile_passes,
 *                      reconcile_last_ns, reconcile (added + removed + fixed)
 *   ts_read misses     "total N", then "HOOK N" for each hook (state,
 *                      tw_enter, tw_kill, tw_segment, req_hash, req_promote,
 *                      req_free, connect_port, bind_port, alloc, accept,
 *                      owner); module-wide,
 *                      so only for CAP_NET_ADMIN in the initial namespace
 *   ts_read reconcile  "added N removed N fixed N passes N last_ns N"
 *   ts_read oracle     the oracle, in one process: `ss -tanH` and the "tw"
 *                      of /proc/net/sockstat are read before and after the
 *                      module's gauges, snapshot and timewait_socks; exit 0
 *                      when each of the module's counts lies between the
 *                      two readings, state by state (counts only fall as
 *                      timers run out while we read: when nothing moved,
 *                      this is equality), else 1.  Prints the module's
 *                      counts ("STATE N ...", by name), and when they do
 *                      not match, a second line with all the readings
 *   ts_read snapcheck CHUNK
 *                      a full snapshot in chunks of CHUNK records: "entries
 *                      N duplicates D testnet T", exit 1 when a cookie came
 *                      twice; T: entries from 192.0.2.0/24, which only
 *                      the module's test-only debug_fill makes
 *   ts_read stattime N the stats ioctl (what summary reads) N times: "stats
 *                      N mean_us M max_us X"
 *   ts_read stream MS  read the event stream as fast as it can, from the
 *                      moment "ready" is printed until nothing came for
 *                      MS milliseconds; then "records N lost L span_ns S"
 *                      (S: from the first record's time to the last's)
 *   ts_read owners MS  the same stream, each record on a line of its own:
 *                      "OLD NEW uid UID cgroup ID pid PID comm COMM" for
 *                      a state change (states as JSON keys), "port_failure
 *                      uid UID ..." for a port failure; then the summary
 *
 * A field the loaded module does not fill in (an older ABI: the size it
 * returns ends before it) is an error, exit status 3, never a 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tcpstate_lib.h"

static const char usage[] =
	"usage: ts_read counts|snapcount|snapcheck CHUNK|stat NAME|misses|reconcile|oracle\n"
	"               |stattime N|stream MS|owners MS|quota SIZE FLAGS MAX PAD\n";

static int state_by_name(const char *s)
{
	int i;

	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (!strcmp(s, state_key(i)))
			return i;
	return -1;
}

/* Whether the module filled in the field at @off of @len bytes. */
static int filled(const struct tcpstate_stats *st, size_t off, size_t len,
		  const char *name)
{
	if (st->size >= off + len)
		return 1;
	fprintf(stderr, "ts_read: the module does not report %s (its stats end at byte %u)\n",
		name, st->size);
	return 0;
}

static int print_stat(const struct tcpstate_stats *st, const char *name)
{
	const struct { const char *name; __u64 v; size_t off; } fields[] = {
		{ "entries", st->entries, 0 },
		{ "timewait_socks", st->timewait_socks, 0 },
		{ "tw_overflows", st->tw_overflows, 0 },
		{ "dropped", st->dropped, 0 },
		{ "all_entries", st->all_entries, 0 },
		{ "all_dropped", st->all_dropped, 0 },
		{ "max_entries", st->max_entries, 0 },
		{ "all_tw_netns_exits", st->all_tw_netns_exits, 0 },
		{ "probe_misses", st->probe_misses, 0 },
		{ "misses", st->probe_misses, 0 },
		{ "reconcile_added", st->reconcile_added,
		  offsetof(struct tcpstate_stats, reconcile_added) },
		{ "reconcile_removed", st->reconcile_removed,
		  offsetof(struct tcpstate_stats, reconcile_removed) },
		{ "reconcile_fixed", st->reconcile_fixed,
		  offsetof(struct tcpstate_stats, reconcile_fixed) },
		{ "reconcile_passes", st->reconcile_passes,
		  offsetof(struct tcpstate_stats, reconcile_passes) },
		{ "reconcile_last_ns", st->reconcile_last_ns,
		  offsetof(struct tcpstate_stats, reconcile_last_ns) },
	};
	char from[32], to[32];
	unsigned long long sum = 0;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!strcmp(name, fields[i].name)) {
			if (!filled(st, fields[i].off, sizeof(__u64), name))
				return 3;
			printf("%llu\n", (unsigned long long)fields[i].v);
			return 0;
		}
	}
	if (!strcmp(name, "reconcile")) {
		if (!filled(st, offsetof(struct tcpstate_stats, reconcile_fixed),
			    sizeof(__u64), name))
			return 3;
		printf("%llu\n", (unsigned long long)(st->reconcile_added +
			st->reconcile_removed + st->reconcile_fixed));
		return 0;
	}
	for (i = 0; i < TCPSTATE_MISS_MAX; i++) {
		if (!strncmp(name, "miss:", 5) && !strcmp(name + 5, miss_name(i))) {
			if (!filled(st, offsetof(struct tcpstate_stats, misses) + i * sizeof(__u64),
				    sizeof(__u64), name))
				return 3;
			printf("%llu\n", (unsigned long long)st->misses[i]);
			return 0;
		}
	}
	for (i = 0; i < TCPSTATE_DROP_MAX; i++) {
		if (!strncmp(name, "drop:", 5) && !strcmp(name + 5, drop_name(i))) {
			if (!filled(st, offsetof(struct tcpstate_stats, drops) + i * sizeof(__u64),
				    sizeof(__u64), name))
				return 3;
			printf("%llu\n", (unsigned long long)st->drops[i]);
			return 0;
		}
	}
	if (!strcmp(name, "quota") || !strcmp(name, "init_net_reserve")) {
		__u64 v = name[0] == 'q' ? st->quota : st->init_net_reserve;

		if (!filled(st, offsetof(struct tcpstate_stats, init_net_reserve),
			    sizeof(__u64), name))
			return 3;
		if (v == TCPSTATE_QUOTA_NONE)
			printf("none\n");
		else
			printf("%llu\n", (unsigned long long)v);
		return 0;
	}
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		if (!strncmp(name, "exit:", 5) && !strcmp(name + 5, tw_exit_name(i))) {
			printf("%llu\n", (unsigned long long)st->tw_exits[i]);
			return 0;
		}
	}
	if (!strcmp(name, "transitions")) {
		for (i = 0; i < TCPSTATE_STATE_MAX; i++)
			for (j = 0; j < TCPSTATE_STATE_MAX; j++)
				sum += st->transitions[i][j];
		printf("%llu\n", sum);
		return 0;
	}
	if (sscanf(name, "trans:%31[a-z_0-9]:%31[a-z_0-9]", from, to) == 2 &&
	    state_by_name(from) > 0 && state_by_name(to) > 0) {
		printf("%llu\n", (unsigned long long)
		       st->transitions[state_by_name(from)][state_by_name(to)]);
		return 0;
	}
	fprintf(stderr, "ts_read: unknown stat '%s'\n", name);
	return 2;
}

static int print_misses(const struct tcpstate_stats *st)
{
	int i;

	if (!(st->flags & TCPSTATE_STATS_MODULE_WIDE)) {
		fprintf(stderr, "ts_read: misses are module-wide: for CAP_NET_ADMIN in init_net\n");
		return 1;
	}
	printf("total %llu\n", (unsigned long long)st->probe_misses);
	if (!filled(st, offsetof(struct tcpstate_stats, misses),
		    TCPSTATE_MISS_MAX * sizeof(__u64), "misses per hook"))
		return 3;
	for (i = 0; i < TCPSTATE_MISS_MAX; i++)
		printf("%s %llu\n", miss_name(i), (unsigned long long)st->misses[i]);
	return 0;
}

static int print_reconcile(const struct tcpstate_stats *st)
{
	if (!filled(st, offsetof(struct tcpstate_stats, reconcile_last_ns), sizeof(__u64),
		    "the reconcile counters"))
		return 3;
	printf("added %llu removed %llu fixed %llu passes %llu last_ns %llu\n",
	       (unsigned long long)st->reconcile_added,
	       (unsigned long long)st->reconcile_removed,
	       (unsigned long long)st->reconcile_fixed,
	       (unsigned long long)st->reconcile_passes,
	       (unsigned long long)st->reconcile_last_ns);
	return 0;
}

static void print_owner(const struct tcpstate_event *ev)
{
	if (ev->type == TCPSTATE_EVENT_STATE)
		printf("%s %s", state_key(ev->old_state) ?: "-",
		       state_key(ev->new_state) ?: "-");
	else if (ev->type == TCPSTATE_EVENT_PORT_FAILURE)
		printf("port_failure");
	else
		return;
	printf(" uid %u cgroup %llu pid %u comm %.16s\n", ev->uid,
	       (unsigned long long)ev->cgroup_id, ev->pid,
	       ev->comm[0] ? ev->comm : "-");
}

static int stream(int fd, int idle_ms, int owners)
{
	static struct tcpstate_event ev[1024];
	unsigned long long records = 0, lost = 0, first = 0, last = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;
	long i;

	/* The first poll() starts the stream. */
	if (poll(&p, 1, 0) < 0) {
		perror("ts_read: poll");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (poll(&p, 1, idle_ms) > 0) {
		r = read(fd, ev, sizeof(ev));
		if (r < 0) {
			perror("ts_read: read");
			return 1;
		}
		for (i = 0; i < r / (long)sizeof(ev[0]); i++) {
			if (ev[i].type == TCPSTATE_EVENT_LOST) {
				lost += ev[i].lost;
				continue;
			}
			if (owners)
				print_owner(&ev[i]);
			if (!first)
				first = ev[i].time_ns;
			last = ev[i].time_ns;
			records++;
		}
		if (owners)	/* a test may look for a record while we run */
			fflush(stdout);
	}
	printf("records %llu lost %llu span_ns %llu\n", records, lost, last - first);
	return 0;
}

/* Counts by state name, as ss names the states. */
#define NAMES_MAX 16

struct named_counts {
	char name[NAMES_MAX][16];
	unsigned long long n[NAMES_MAX];
	int len;
};

static void nc_add(struct named_counts *c, const char *name, unsigned long long k)
{
	int i;

	for (i = 0; i < c->len; i++) {
		if (!strcmp(c->name[i], name)) {
			c->n[i] += k;
			return;
		}
	}
	if (c->len == NAMES_MAX)
		return;
	snprintf(c->name[c->len], sizeof(c->name[0]), "%s", name);
	c->n[c->len++] = k;
}

static unsigned long long nc_get(const struct named_counts *c, const char *name)
{
	int i;

	for (i = 0; i < c->len; i++)
		if (!strcmp(c->name[i], name))
			return c->n[i];
	return 0;
}

/* "NAME N NAME N ...", by name, into @buf. */
static const char *nc_str(const struct named_counts *c, char *buf, size_t size)
{
	const char *done = "";
	size_t off = 0;
	int i, j, k;

	buf[0] = 0;
	for (k = 0; k < c->len; k++) {
		/* The smallest name after the last one printed. */
		for (i = -1, j = 0; j < c->len; j++)
			if (strcmp(c->name[j], done) > 0 &&
			    (i < 0 || strcmp(c->name[j], c->name[i]) < 0))
				i = j;
		if (i < 0)
			break;
		if (c->n[i] && off < size)
			off += snprintf(buf + off, size - off, "%s%s %llu", off ? " " : "",
					c->name[i], c->n[i]);
		done = c->name[i];
	}
	return buf;
}

/* Whether every count of @seen lies between those of @a and @b. */
static int nc_within(const struct named_counts *a, const struct named_counts *b,
		     const struct named_counts *seen)
{
	const struct named_counts *all[3] = { a, b, seen };
	unsigned long long lo, hi, v;
	int i, k;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < all[k]->len; i++) {
			const char *name = all[k]->name[i];

			lo = nc_get(a, name);
			hi = nc_get(b, name);
			v = nc_get(seen, name);
			if (lo > hi) {
				hi = lo;
				lo = nc_get(b, name);
			}
			if (v < lo || v > hi)
				return 0;
		}
	}
	return 1;
}

static int ss_counts(struct named_counts *c)
{
	char line[512], st[32];
	FILE *f = popen("ss -tanH", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s", st) == 1)
			nc_add(c, st, 1);
	return pclose(f) ? -1 : 0;
}

/* The "tw" of /proc/net/sockstat, as a count named "tw". */
static int sockstat_tw(struct named_counts *c)
{
	char line[512], *p;
	FILE *f = fopen("/proc/net/sockstat", "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " tw ");
		if (!strncmp(line, "TCP:", 4) && p) {
			nc_add(c, "tw", strtoull(p + 4, NULL, 10));
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static int oracle(int fd)
{
	struct named_counts ss1 = { 0 }, ss2 = { 0 }, mod = { 0 }, snap = { 0 };
	struct named_counts tw1 = { 0 }, tw2 = { 0 }, twm = { 0 };
	char b[4][512];
	struct tcpstate_stats st;
	struct tcpstate_conn *c;
	long k;
	int i;

	if (ss_counts(&ss1) || sockstat_tw(&tw1)) {
		fprintf(stderr, "ts_read: cannot read ss -tanH or /proc/net/sockstat\n");
		return 3;
	}
	if (ts_stats(fd, &st)) {
		perror("ts_read: stats");
		return 3;
	}
	k = ts_snapshot(fd, &c, 1000);
	if (k < 0) {
		perror("ts_read: snapshot");
		return 3;
	}
	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (st.gauge[i])
			nc_add(&mod, state_ss_name(i), st.gauge[i]);
	while (k-- > 0)
		if (c[k].state > 0 && c[k].state < TCPSTATE_STATE_MAX)
			nc_add(&snap, state_ss_name(c[k].state), 1);
	free(c);
	nc_add(&twm, "tw", st.timewait_socks);
	if (sockstat_tw(&tw2) || ss_counts(&ss2)) {
		fprintf(stderr, "ts_read: cannot read ss -tanH or /proc/net/sockstat\n");
		return 3;
	}
	printf("%s\n", nc_str(&mod, b[0], sizeof(b[0])));
	if (nc_within(&ss1, &ss2, &mod) && nc_within(&ss1, &ss2, &snap) &&
	    nc_within(&tw1, &tw2, &twm))
		return 0;
	printf("ss before: %s | module: %s | snapshot: %s | ss after: %s",
	       nc_str(&ss1, b[1], sizeof(b[1])), b[0], nc_str(&snap, b[2], sizeof(b[2])),
	       nc_str(&ss2, b[3], sizeof(b[3])));
	printf(" | sockstat tw %llu..%llu, module %llu\n",
	       nc_get(&tw1, "tw"), nc_get(&tw2, "tw"), nc_get(&twm, "tw"));
	return 1;
}

static int cmp_cookie(const void *a, const void *b)
{
	const struct tcpstate_conn *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

/* One snapshot in chunks of @chunk: how many entries, how many repeats. */
static int snapcheck(int fd, unsigned int chunk)
{
	struct tcpstate_conn *c;
	long k, i, dups = 0, testnet = 0;

	if (!chunk) {
		fprintf(stderr, "ts_read: %s: CHUNK must be at least 1\n", "snapcheck");
		return 2;
	}
	k = ts_snapshot(fd, &c, chunk);
	if (k < 0) {
		perror("ts_read: snapshot");
		return 1;
	}
	qsort(c, k, sizeof(*c), cmp_cookie);
	for (i = 0; i < k; i++) {
		if (i && c[i].cookie == c[i - 1].cookie)
			dups++;
		if (c[i].family == AF_INET && c[i].saddr[0] == 192 &&
		    c[i].saddr[1] == 0 && c[i].saddr[2] == 2)
			testnet++;
	}
	free(c);
	printf("entries %ld duplicates %ld testnet %ld\n", k, dups, testnet);
	return dups ? 1 : 0;
}

/* How long the stats ioctl takes, over @n calls. */
static int stattime(int fd, int n)
{
	struct tcpstate_stats st;
	double t, sum = 0, max = 0;
	int i;

	if (n < 1) {
		fprintf(stderr, "ts_read: %s: N must be at least 1\n", "stattime");
		return 2;
	}
	for (i = 0; i < n; i++) {
		t = ts_now_ns() / 1e3;
		if (ts_stats(fd, &st)) {
			perror("ts_read: stats");
			return 1;
		}
		t = ts_now_ns() / 1e3 - t;
		sum += t;
		if (t > max)
			max = t;
	}
	printf("stats %d mean_us %.1f max_us %.1f\n", n, sum / n, max);
	return 0;
}

/*
 * One TCPSTATE_IOC_QUOTA request as given, for the ABI's edges: SIZE,
 * FLAGS (numbers) and MAX ("none": TCPSTATE_QUOTA_NONE), PAD for the pad.
 * Prints "quota MAX own OWN entries N default D admin ADMIN user U of UMAX"
 * (MAX, D and UMAX "none" for no limit) or "error NAME".  With TS_NETNS
 * set to a namespace's file, the request is made through a file switched
 * to it (TCPSTATE_IOC_NETNS) from the caller's namespace.
 */
static int quota_raw(int fd, char **argv)
{
	struct {
		struct tcpstate_quota q;
		__u64 more[2];	/* room for a caller of a larger size */
	} buf;
	struct tcpstate_quota *q = &buf.q;
	int e;

	memset(&buf, 0, sizeof(buf));
	q->size = strtoul(argv[0], NULL, 0);
	q->flags = strtoul(argv[1], NULL, 0);
	q->max_entries = strcmp(argv[2], "none") ?
			 strtoull(argv[2], NULL, 0) : TCPSTATE_QUOTA_NONE;
	q->pad = strtoul(argv[3], NULL, 0);
	if (ioctl(fd, TCPSTATE_IOC_QUOTA, q)) {
		e = errno;
		printf("error %s\n", e == EINVAL ? "EINVAL" : e == EPERM ? "EPERM" :
		       e == ENOTTY ? "ENOTTY" : e == EFAULT ? "EFAULT" : strerror(e));
		return 1;
	}
	if (q->max_entries == TCPSTATE_QUOTA_NONE)
		printf("quota none");
	else
		printf("quota %llu", (unsigned long long)q->max_entries);
	printf(" own %d entries %llu default ", !!(q->flags & TCPSTATE_QUOTA_OWN),
	       (unsigned long long)q->entries);
	if (q->default_max_entries == TCPSTATE_QUOTA_NONE)
		printf("none");
	else
		printf("%llu", (unsigned long long)q->default_max_entries);
	printf(" admin %d user %llu of ", !!(q->flags & TCPSTATE_QUOTA_ADMIN),
	       (unsigned long long)q->user_entries);
	if (q->user_max_entries == TCPSTATE_QUOTA_NONE)
		printf("none\n");
	else
		printf("%llu\n", (unsigned long long)q->user_max_entries);
	return 0;
}

int main(int argc, char **argv)
{
	struct tcpstate_stats st;
	struct tcpstate_conn *c;
	unsigned long long n[TCPSTATE_STATE_MAX] = { 0 };
	int fd, i;
	long k;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	fd = ts_open();
	if (fd < 0) {
		perror("ts_read: " TS_DEVICE);
		return 1;
	}
	if (getenv("TS_NETNS")) {
		struct tcpstate_netns ns = { .size = sizeof(ns) };

		ns.fd = open(getenv("TS_NETNS"), O_RDONLY | O_CLOEXEC);
		if (ns.fd < 0 || ioctl(fd, TCPSTATE_IOC_NETNS, &ns)) {
			perror("ts_read: TS_NETNS");
			return 1;
		}
		close(ns.fd);
	}
	if (!strcmp(argv[1], "stream") && argc == 3)
		return stream(fd, atoi(argv[2]), 0);
	if (!strcmp(argv[1], "owners") && argc == 3)
		return stream(fd, atoi(argv[2]), 1);
	if (!strcmp(argv[1], "oracle"))
		return oracle(fd);
	if (!strcmp(argv[1], "snapcheck") && argc == 3)
		return snapcheck(fd, atoi(argv[2]));
	if (!strcmp(argv[1], "stattime") && argc == 3)
		return stattime(fd, atoi(argv[2]));
	if (!strcmp(argv[1], "quota") && argc == 6)
		return quota_raw(fd, argv + 2);
	if (!strcmp(argv[1], "snapcount")) {
		k = ts_snapshot(fd, &c, 1000);
		if (k < 0) {
			perror("ts_read: snapshot");
			return 1;
		}
		while (k-- > 0)
			if (c[k].state < TCPSTATE_STATE_MAX)
				n[c[k].state]++;
		free(c);
	} else {
		if (ts_stats(fd, &st)) {
			perror("ts_read: stats");
			return 1;
		}
		if (!strcmp(argv[1], "stat") && argc == 3)
			return print_stat(&st, argv[2]);
		if (!strcmp(argv[1], "misses"))
			return print_misses(&st);
		if (!strcmp(argv[1], "reconcile"))
			return print_reconcile(&st);
		if (strcmp(argv[1], "counts")) {
			fprintf(stderr, "ts_read: unknown command '%s'\n", argv[1]);
			return 2;
		}
		for (i = 1; i < TCPSTATE_STATE_MAX; i++)
			n[i] = st.gauge[i];
	}
	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (n[i])
			printf("%s %llu\n", state_ss_name(i), n[i]);
	return 0;
}
