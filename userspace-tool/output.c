// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one path (see output.h).
 */
/* The unlocked stdio calls: the CLI writes from one thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <string.h>

#include <linux/tcpstate.h>

#include "format.h"
#include "output.h"

/* Width of the label column of text output. */
#define LABEL_WIDTH 28

/* stdio keeps no reason for a failed write: o->err does. */
void out_write(struct output *o, const char *s, size_t n)
{
	if (fwrite_unlocked(s, 1, n, o->f) != n && !o->err)
		o->err = errno ? errno : EIO;
}

static void json_flush(struct output *o)
{
	out_write(o, o->buf, o->len);
	o->len = 0;
}

/*
 * JSON goes through o->buf: one fwrite() a block, where a list made a call
 * into stdio for every key, value and comma.
 */
static void json_put(struct output *o, const char *s, size_t n)
{
	if (OUTPUT_BUF_LEN - o->len < n) {
		json_flush(o);
		if (n > OUTPUT_BUF_LEN) {
			out_write(o, s, n);
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void json_putc(struct output *o, char c)
{
	if (o->len == OUTPUT_BUF_LEN)
		json_flush(o);
	o->buf[o->len++] = c;
}

void out_init(struct output *o, FILE *f, bool json)
{
	o->f = f;
	o->json = json;
	o->depth = 0;
	o->first = true;
	o->in_item = false;
	o->array[0] = false;
	o->len = 0;
	o->err = 0;
	if (json)
		json_putc(o, '{');
}

/* The bytes a JSON string holds as they are: not '"', '\\' or a control. */
static const bool json_plain[256] = {
	[' ' ... '"' - 1] = true,
	['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0xff] = true,
};

static void json_string(struct output *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run;
	char esc[6];

	/* Runs of plain characters in one copy: lists print millions. */
	json_putc(o, '"');
	for (;;) {
		unsigned char c;

		for (run = s; json_plain[(unsigned char)*s]; s++)
			;
		json_put(o, run, s - run);
		c = *s++;
		if (!c)
			break;
		esc[0] = '\\';
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			json_put(o, esc, 2);
			continue;
		}
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		json_put(o, esc, 6);
	}
	json_putc(o, '"');
}

char *out_json_string_at(char *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *end = s + n;

	*p++ = '"';
	for (; s < end && *s; s++) {
		unsigned char c = *s;

		if (json_plain[c]) {
			*p++ = (char)c;
			continue;
		}
		*p++ = '\\';
		if (c == '"' || c == '\\') {
			*p++ = (char)c;
			continue;
		}
		memcpy(p, "u00", 3);
		p[3] = hex[c >> 4];
		p[4] = hex[c & 0xf];
		p += 5;
	}
	*p++ = '"';
	return p;
}

/* A number in decimal, without printf's parsing of a format. */
static void put_u64(FILE *f, unsigned long long v)
{
	char buf[24];

	fwrite_unlocked(buf, 1, format_u64_at(buf, v) - buf, f);
}

static void json_u64(struct output *o, unsigned long long v)
{
	char buf[24];

	json_put(o, buf, format_u64_at(buf, v) - buf);
}

/*
 * The separator and, unless an array element, the key of a JSON value.
 * Returns false for a text-only field: no key in an object.
 */
static bool json_key(struct output *o, const char *key)
{
	if (!key && !(o->depth < OUTPUT_MAX_DEPTH && o->array[o->depth]))
		return false;
	if (!o->first)
		json_putc(o, ',');
	o->first = false;
	if (key) {
		json_string(o, key);
		json_putc(o, ':');
	}
	return true;
}

static void text_indent(struct output *o)
{
	int i;

	for (i = 0; i < o->depth; i++)
		fputs_unlocked("  ", o->f);
}

/*
 * Start a text field: a line of its own, or the next value on the line of
 * the current item.  Returns false when the field is not shown in text.
 */
static bool text_field(struct output *o, const char *label)
{
	if (!label)
		return false;
	if (o->in_item) {
		fputc_unlocked(' ', o->f);
	} else {
		text_indent(o);
		fprintf(o->f, "%-*s ", LABEL_WIDTH, label);
	}
	return true;
}

static void text_end_field(struct output *o)
{
	if (!o->in_item)
		fputc_unlocked('\n', o->f);
}

/* One level deeper, in an array or an object. */
static void push(struct output *o, bool array)
{
	o->depth++;
	if (o->depth < OUTPUT_MAX_DEPTH)
		o->array[o->depth] = array;
}

static void begin_container(struct output *o, const char *key,
			    const char *label, char open)
{
	if (o->json) {
		json_key(o, key);
		json_putc(o, open);
		o->first = true;
	} else if (label) {
		text_indent(o);
		fprintf(o->f, "%s:\n", label);
	}
	push(o, open == '[');
}

static void end_container(struct output *o, char close)
{
	o->depth--;
	if (o->json) {
		json_putc(o, close);
		o->first = false;
	}
}

void out_begin(struct output *o, const char *key, const char *label)
{
	begin_container(o, key, label, '{');
}

void out_end(struct output *o)
{
	end_container(o, '}');
}

void out_begin_array(struct output *o, const char *key, const char *label)
{
	begin_container(o, key, label, '[');
}

void out_end_array(struct output *o)
{
	end_container(o, ']');
}

void out_begin_item(struct output *o, const char *label)
{
	if (o->json) {
		json_key(o, NULL);
		json_putc(o, '{');
		o->first = true;
		push(o, false);
		return;
	}
	text_indent(o);
	fprintf(o->f, "%-*s", LABEL_WIDTH, label ? label : "");
	o->in_item = true;
}

void out_end_item(struct output *o)
{
	if (o->json) {
		o->depth--;
		json_putc(o, '}');
		o->first = false;
		return;
	}
	fputc_unlocked('\n', o->f);
	o->in_item = false;
}

void out_json_item(struct output *o, const char *json, size_t n)
{
	json_key(o, NULL);
	json_put(o, json, n);
}

void out_u64(struct output *o, const char *key, const char *label, __u64 v)
{
	if (o->json) {
		if (json_key(o, key))
			json_u64(o, v);
	} else if (text_field(o, label)) {
		put_u64(o->f, v);
		text_end_field(o);
	}
}

void out_str(struct output *o, const char *key, const char *label, const char *v)
{
	if (o->json) {
		if (json_key(o, key))
			json_string(o, v);
	} else if (text_field(o, label)) {
		fputs_unlocked(v, o->f);
		text_end_field(o);
	}
}

void out_double(struct output *o, const char *key, const char *label,
		double v, int prec)
{
	if (!isfinite(v)) {
		out_null(o, key, label);
	} else if (o->json) {
		if (json_key(o, key)) {
			char num[512];
			int n = snprintf(num, sizeof(num), "%.*f", prec, v);

			json_put(o, num, n < (int)sizeof(num) ? (size_t)n : sizeof(num) - 1);
		}
	} else if (text_field(o, label)) {
		fprintf(o->f, "%.*f", prec, v);
		text_end_field(o);
	}
}

void out_bool(struct output *o, const char *key, const char *label, bool v)
{
	if (o->json) {
		if (json_key(o, key))
			json_put(o, v ? "true" : "false", v ? 4 : 5);
	} else if (text_field(o, label)) {
		fputs_unlocked(v ? "yes" : "no", o->f);
		text_end_field(o);
	}
}

void out_null(struct output *o, const char *key, const char *label)
{
	if (o->json) {
		if (json_key(o, key))
			json_put(o, "null", 4);
	} else if (text_field(o, label)) {
		fputc_unlocked('-', o->f);
		text_end_field(o);
	}
}

void out_quota(struct output *o, const char *key, const char *label, __u64 v)
{
	if (v != TCPSTATE_QUOTA_NONE)
		out_u64(o, key, label, v);
	else if (o->json)
		out_null(o, key, label);
	else
		out_str(o, key, label, "none");
}

void out_finish(struct output *o)
{
	if (!o->json)
		return;
	json_put(o, "}\n", 2);
	json_flush(o);
}

void out_owner(struct output *o, __u32 uid, __u64 cgroup_id, bool with_path,
	       const char *cgroup_path, __u32 pid, const char *comm)
{
	char name[17];

	if (uid == TCPSTATE_UID_UNKNOWN)
		out_null(o, "uid", NULL);
	else
		out_u64(o, "uid", NULL, uid);
	out_u64(o, "cgroup_id", NULL, cgroup_id);
	if (with_path && cgroup_path)
		out_str(o, "cgroup", NULL, cgroup_path);
	else if (with_path)
		out_null(o, "cgroup", NULL);
	out_u64(o, "pid", NULL, pid);
	/* comm is 16 bytes, NUL-padded, not always NUL-terminated. */
	memcpy(name, comm, 16);
	name[16] = '\0';
	out_str(o, "comm", NULL, name);
}
