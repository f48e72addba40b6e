// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate list`: every mirrored connection, like `ss -tan`, with its
 * owner (uid, process, cgroup), filtered by state, address, port and
 * owner.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "commands.h"
#include "device.h"
#include "errors.h"
#include "format.h"
#include "kernel.h"
#include "list.h"
#include "netns.h"
#include "states.h"

/* The text columns' widths: a longer value widens its row. */
#define STATE_WIDTH	10
#define IN_STATE_WIDTH	8
#define COOKIE_WIDTH	20
#define UID_WIDTH	10
#define PROCESS_WIDTH	22

/* The sort key: state, local port, cookie; and the row's index. */
struct sort_key {
	__u64 cookie;
	__u32 hi;	/* state << 16 | local port */
	__u32 i;
};

#define KEY_BYTES	(8 + 3)

static unsigned int key_byte(const struct sort_key *k, int b)
{
	return b < 8 ? (k->cookie >> (8 * b)) & 0xff : (k->hi >> (8 * (b - 8))) & 0xff;
}

/*
 * Sort @k[0..n) by state, local port and cookie: a radix sort, least
 * significant byte first, each pass stable, through @tmp; a byte that is
 * the same in every key costs no pass.  Returns the sorted array, @k or
 * @tmp.
 */
static struct sort_key *sort_keys(struct sort_key *k, struct sort_key *tmp,
				  size_t n)
{
	static size_t count[KEY_BYTES][256];
	struct sort_key *from = k, *to = tmp, *swap;
	size_t i, sum, c;
	int b, v;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++)
			count[b][(k[i].cookie >> (8 * b)) & 0xff]++;
		for (b = 8; b < KEY_BYTES; b++)
			count[b][(k[i].hi >> (8 * (b - 8))) & 0xff]++;
	}
	for (b = 0; b < KEY_BYTES; b++) {
		if (!n || count[b][key_byte(&k[0], b)] == n)
			continue;
		for (sum = 0, v = 0; v < 256; v++) {
			c = count[b][v];
			count[b][v] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[b][key_byte(&from[i], b)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	return from;
}

static const char *state_name(int state)
{
	const char *name = state_ss_name(state);

	return name ? name : "?";
}

/* The cgroup's path, else its id, else "-", in @buf of at least 21 bytes. */
static const char *format_cgroup(char *buf, __u64 id)
{
	const char *path = cgroup_path(id);

	if (path)
		return path;
	if (!id)
		return "-";
	*format_u64_at(buf, id) = '\0';
	return buf;
}

/* Rows go out in blocks: fewer calls into stdio, fewer writes. */
#define ROWS_BLOCK	(64 * 1024)
/* The room left in the block for a row but for its cgroup. */
#define ROW_MAX		256

/*
 * The widest value of each field as the code bounds it: a state's ss name
 * ("?" for another state), format.h's (the module reports no scope in an
 * endpoint; uid and pid are 32-bit numbers), and a comm.
 */
#define COMM_LEN	sizeof(((struct tcpstate_conn *)0)->comm)

/* Each text column: its widest value, or its width when wider. */
#define STATE_COLUMN	((STATE_SS_NAME_MAX > STATE_WIDTH) ? STATE_SS_NAME_MAX : STATE_WIDTH)
#define IN_STATE_COLUMN	((FORMAT_DURATION_LONGEST > IN_STATE_WIDTH) ?	\
			 FORMAT_DURATION_LONGEST : IN_STATE_WIDTH)
#define COOKIE_COLUMN	((FORMAT_U64_LONGEST > COOKIE_WIDTH) ? FORMAT_U64_LONGEST : COOKIE_WIDTH)
#define UID_COLUMN	((FORMAT_U32_LONGEST > UID_WIDTH) ? FORMAT_U32_LONGEST : UID_WIDTH)
#define PROCESS_LONGEST	(COMM_LEN + 1 + FORMAT_U32_LONGEST)	/* comm/pid */
#define PROCESS_COLUMN	((PROCESS_LONGEST > PROCESS_WIDTH) ? PROCESS_LONGEST : PROCESS_WIDTH)

/*
 * The longest row list_row() writes: its columns, a space after each.  The
 * cgroup, of any length, and the newline are fitted into the block apart.
 */
#define ROW_LONGEST	(STATE_COLUMN + 1 + FORMAT_ENDPOINT_LONGEST + 1 +	\
			 FORMAT_ENDPOINT_LONGEST + 1 + IN_STATE_COLUMN + 1 +	\
			 COOKIE_COLUMN + 1 + UID_COLUMN + 1 + PROCESS_COLUMN + 1)
static_assert(ROW_LONGEST <= ROW_MAX, "a row overruns its room in the block");
static_assert(ROW_MAX <= ROWS_BLOCK, "a row is larger than the block");
const size_t list_row_longest = ROW_LONGEST;

/* A JSON row's buffer but for its cgroup's path: 6 bytes a byte of it. */
#define JSON_ROW_MAX	1024

/*
 * The longest object json_row() writes with a NULL cgroup: its keys and
 * punctuation, as there, and each value at its widest: the comm's 16 bytes
 * escaped to 6 each and quoted, every flag.  A cgroup's path takes at most
 * 6 bytes a byte and its quotes in the place of "null".
 */
#define JSON_ROW_KEYS	(FORMAT_LIT_LEN("{\"state\":\"\",\"local\":\"\",\"remote\":\"") + \
			 FORMAT_LIT_LEN("\",\"cookie\":,\"family\":\"\",\"began_ns\":") + \
			 FORMAT_LIT_LEN(",\"state_since_ns\":,\"in_state_ns\":") +	\
			 FORMAT_LIT_LEN(",\"expires_ns\":,\"uid\":,\"cgroup_id\":") +	\
			 FORMAT_LIT_LEN(",\"cgroup\":null,\"pid\":,\"comm\":") +	\
			 FORMAT_LIT_LEN(",\"flags\":[]}"))
#define JSON_ROW_FLAGS	FORMAT_LIT_LEN("\"timewait_sock\",\"request_sock\",\"seeded\"")
#define JSON_UID_LONGEST FORMAT_U32_LONGEST	/* longer than "null" */
#define JSON_ROW_LONGEST (JSON_ROW_KEYS + STATE_SS_NAME_MAX +			\
			  2 * FORMAT_ENDPOINT_LONGEST + FORMAT_FAMILY_LONGEST +	\
			  6 * FORMAT_U64_LONGEST + JSON_UID_LONGEST +		\
			  FORMAT_U32_LONGEST + 6 * COMM_LEN + 2 + JSON_ROW_FLAGS)
static_assert(JSON_ROW_LONGEST <= JSON_ROW_MAX, "a JSON row overruns its buffer");
const size_t list_json_row_longest = JSON_ROW_LONGEST;

/*
 * One connection as a JSON object, at @p; returns the end.  The keys and
 * values of
 *   {"state", "local", "remote", "cookie", "family", "began_ns",
 *    "state_since_ns", "in_state_ns", "expires_ns", out_owner()'s uid,
 *    cgroup_id, cgroup, pid and comm, "flags": [...]}
 * put together here rather than field by field through out_*(): a list
 * prints them by the hundred thousand.  @cgroup: the path, or NULL.  Only
 * the owner's strings are escaped: state and family names, addresses and
 * numbers hold no character JSON escapes.
 */
static char *json_row(char *p, const struct tcpstate_conn *c, __u64 in_state,
		      const char *cgroup)
{
	static const struct {
		unsigned int flag;
		const char *name;
	} flags[] = {
		{ TCPSTATE_F_TIMEWAIT_SOCK,	"\"timewait_sock\"" },
		{ TCPSTATE_F_REQUEST_SOCK,	"\"request_sock\"" },
		{ TCPSTATE_F_SEEDED,		"\"seeded\"" },
	};
	const char *sep = "";
	size_t i;

	p = FORMAT_PUT(p, "{\"state\":\"");
	p = format_str_at(p, state_name(c->state));
	p = FORMAT_PUT(p, "\",\"local\":\"");
	p = format_endpoint_at(p, c->family, c->saddr, c->sport);
	p = FORMAT_PUT(p, "\",\"remote\":\"");
	p = format_endpoint_at(p, c->family, c->daddr, c->dport);
	p = FORMAT_PUT(p, "\",\"cookie\":");
	p = format_u64_at(p, c->cookie);
	p = FORMAT_PUT(p, ",\"family\":\"");
	p = format_str_at(p, family_name(c->family));
	p = FORMAT_PUT(p, "\",\"began_ns\":");
	p = format_u64_at(p, c->began_ns);
	p = FORMAT_PUT(p, ",\"state_since_ns\":");
	p = format_u64_at(p, c->state_since_ns);
	p = FORMAT_PUT(p, ",\"in_state_ns\":");
	p = format_u64_at(p, in_state);
	p = FORMAT_PUT(p, ",\"expires_ns\":");
	p = format_u64_at(p, c->expires_ns);
	p = FORMAT_PUT(p, ",\"uid\":");
	if (c->uid == TCPSTATE_UID_UNKNOWN)
		p = FORMAT_PUT(p, "null");
	else
		p = format_u64_at(p, c->uid);
	p = FORMAT_PUT(p, ",\"cgroup_id\":");
	p = format_u64_at(p, c->cgroup_id);
	p = FORMAT_PUT(p, ",\"cgroup\":");
	if (cgroup)
		p = out_json_string_at(p, cgroup, strlen(cgroup));
	else
		p = FORMAT_PUT(p, "null");
	p = FORMAT_PUT(p, ",\"pid\":");
	p = format_u64_at(p, c->pid);
	p = FORMAT_PUT(p, ",\"comm\":");
	/* comm is 16 bytes, NUL-padded, not always NUL-terminated. */
	p = out_json_string_at(p, c->comm, sizeof(c->comm));
	p = FORMAT_PUT(p, ",\"flags\":[");
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		if (!(c->flags & flags[i].flag))
			continue;
		p = format_str_at(format_str_at(p, sep), flags[i].name);
		sep = ",";
	}
	return FORMAT_PUT(p, "]}");
}

/* JSON: the rows through a buffer that grows for a long cgroup path. */
static int list_json(struct output *o, const struct tcpstate_conn *conns,
		     const struct sort_key *k, long n, __u64 now_ns)
{
	size_t cap = JSON_ROW_MAX, need;
	char *row = malloc(cap), *end;
	const char *cgroup;
	long i;

	if (!row)
		return -1;
	out_begin_array(o, "connections", NULL);
	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = &conns[k[i].i];
		__u64 since = c->state_since_ns;

		cgroup = cgroup_path(c->cgroup_id);
		need = JSON_ROW_MAX + (cgroup ? 6 * strlen(cgroup) : 0);
		if (need > cap) {
			char *bigger = realloc(row, need);

			if (!bigger) {
				/* What went out stays well-formed JSON. */
				out_end_array(o);
				free(row);
				return -1;
			}
			row = bigger;
			cap = need;
		}
		end = json_row(row, c, since && now_ns > since ? now_ns - since : 0,
			       cgroup);
		out_json_item(o, row, end - row);
	}
	out_end_array(o);
	out_u64(o, "count", NULL, (__u64)n);
	free(row);
	return 0;
}

/*
 * One row but for its cgroup, at @p; returns the end.  What
 *   "%-10s %-*s %-*s %8s %-20llu %-10s %-22s "
 * prints: state, endpoints, time in state ("-": not known), cookie, uid
 * ("-": not known), "comm/pid" ("-": not known).
 */
static char *list_row(char *p, const struct tcpstate_conn *c, int lw, int pw,
		      __u64 now_ns)
{
	char d[FORMAT_DURATION_LEN], *s = p, *e;
	int w;

	p = format_pad(format_str_at(p, state_name(c->state)), s, STATE_WIDTH);
	*p++ = ' ';
	s = p;
	p = format_pad(format_endpoint_at(p, c->family, c->saddr, c->sport), s, lw);
	*p++ = ' ';
	s = p;
	p = format_pad(format_endpoint_at(p, c->family, c->daddr, c->dport), s, pw);
	*p++ = ' ';
	if (c->state_since_ns)
		e = format_duration_at(d, now_ns > c->state_since_ns ?
				       now_ns - c->state_since_ns : 0);
	else
		e = format_str_at(d, "-");
	for (w = e - d; w < IN_STATE_WIDTH; w++)	/* right-aligned */
		*p++ = ' ';
	memcpy(p, d, e - d);
	p += e - d;
	*p++ = ' ';
	s = p;
	p = format_pad(format_u64_at(p, c->cookie), s, COOKIE_WIDTH);
	*p++ = ' ';
	s = p;
	if (c->uid == TCPSTATE_UID_UNKNOWN)
		*p++ = '-';
	else
		p = format_u64_at(p, c->uid);
	p = format_pad(p, s, UID_WIDTH);
	*p++ = ' ';
	s = p;
	if (c->pid) {
		size_t n = strnlen(c->comm, sizeof(c->comm));

		memcpy(p, c->comm, n);
		p += n;
		*p++ = '/';
		p = format_u64_at(p, c->pid);
	} else {
		*p++ = '-';
	}
	p = format_pad(p, s, PROCESS_WIDTH);
	*p++ = ' ';
	return p;
}

/* Text: a table whose address columns are as wide as the widest address. */
static void list_table(struct output *o, const struct tcpstate_conn *conns,
		       const struct sort_key *k, long n, __u64 now_ns, char *block)
{
	static const char local_head[] = "Local Address:Port";
	static const char peer_head[] = "Peer Address:Port";
	size_t lw = sizeof(local_head) - 1, pw = sizeof(peer_head) - 1, len;
	char cg[32], *p = block;
	const char *cgroup;
	size_t cglen;
	long i;

	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = &conns[k[i].i];

		len = format_endpoint_len(c->family, c->saddr, c->sport);
		lw = len > lw ? len : lw;
		len = format_endpoint_len(c->family, c->daddr, c->dport);
		pw = len > pw ? len : pw;
	}
	fprintf(o->f, "%-*s %-*s %-*s %*s %-*s %-*s %-*s %s\n", STATE_WIDTH,
		"State", (int)lw, local_head, (int)pw, peer_head, IN_STATE_WIDTH,
		"In-state", COOKIE_WIDTH, "Cookie", UID_WIDTH, "Uid",
		PROCESS_WIDTH, "Process", "Cgroup");
	for (i = 0; i < n; i++) {
		const struct tcpstate_conn *c = &conns[k[i].i];

		if (block + ROWS_BLOCK - p < ROW_MAX) {
			out_write(o, block, p - block);
			p = block;
		}
		p = list_row(p, c, (int)lw, (int)pw, now_ns);
		cgroup = format_cgroup(cg, c->cgroup_id);
		cglen = strlen(cgroup);
		if ((size_t)(block + ROWS_BLOCK - p) <= cglen) {
			out_write(o, block, p - block);
			p = block;
			if (cglen >= ROWS_BLOCK) {
				out_write(o, cgroup, cglen);
				cglen = 0;
			}
		}
		memcpy(p, cgroup, cglen);
		p += cglen;
		*p++ = '\n';
	}
	out_write(o, block, p - block);
}

long list_print(struct output *o, const struct tcpstate_conn *conns, long n,
		const struct conn_filter *f, __u64 now_ns)
{
	struct sort_key *keys, *sorted;
	char *block = NULL;
	long i, m = 0;

	/*
	 * The keys index the rows in 32 bits: 16 bytes a row, twice.  As
	 * unsigned long: with a 32-bit long, n > UINT32_MAX compared signed
	 * with unsigned (-Wsign-compare, -m32).
	 */
	if (n > 0 && (unsigned long)n > UINT32_MAX)
		return -1;
	keys = calloc(n > 0 ? 2 * (size_t)n : 1, sizeof(*keys));
	if (!o->json)
		block = malloc(ROWS_BLOCK);
	if (!keys || (!o->json && !block)) {
		free(keys);
		free(block);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!filter_match(f, &conns[i]))
			continue;
		keys[m].cookie = conns[i].cookie;
		keys[m].hi = (__u32)conns[i].state << 16 | conns[i].sport;
		keys[m].i = (__u32)i;
		m++;
	}
	sorted = sort_keys(keys, keys + m, m);

	if (!o->json) {
		list_table(o, conns, sorted, m, now_ns, block);
		free(block);
		free(keys);
		return m;
	}
	if (list_json(o, conns, sorted, m, now_ns))
		m = -1;
	free(keys);
	return m;
}

int list_write(FILE *f, bool json, const struct tcpstate_conn *conns, long n,
	       const struct conn_filter *filter, __u64 now_ns)
{
	struct output o;
	long m;

	out_init(&o, f, json);
	m = list_print(&o, conns, n, filter, now_ns);
	out_finish(&o);
	if (m < 0) {
		report_error("tcpstate: list: out of memory\n");
		return 1;
	}
	return report_write_failure(f, o.err) ? 1 : 0;
}

int cmd_list(const struct options *opts)
{
	struct conn_filter filter = opts->filter;
	struct tcpstate_conn *conns;
	__u64 now;
	long n;
	int fd, rc;

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
	rc = list_write(stdout, opts->json, conns, n, &filter, now);
	free(conns);
	return rc;
}
