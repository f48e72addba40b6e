// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one path (see output.h).
 */
/* The unlocked stdio calls: the CLI writes from one thread. */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include <linux/tcpstate.h>

#include "output.h"

/* Width of the label column of text output. */
#define LABEL_WIDTH 28

void out_init(struct output *o, FILE *f, bool json)
{
	o->f = f;
	o->json = json;
	o->depth = 0;
	o->first = true;
	o->in_item = false;
	o->array[0] = false;
	if (json)
		fputc_unlocked('{', f);
}

static void json_string(FILE *f, const char *s)
{
	const char *run = s;

	/* Runs of plain characters in one write: lists print millions. */
	fputc_unlocked('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		fwrite_unlocked(run, 1, s - run, f);
		run = s + 1;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fprintf(f, "\\u%04x", c);
	}
	fwrite_unlocked(run, 1, s - run, f);
	fputc_unlocked('"', f);
}

/* A number in decimal, without printf's parsing of a format. */
static void put_u64(FILE *f, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
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
		fputc_unlocked(',', o->f);
	o->first = false;
	if (key) {
		json_string(o->f, key);
		fputc_unlocked(':', o->f);
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
		fputc_unlocked(open, o->f);
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
		fputc_unlocked(close, o->f);
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
		fputc_unlocked('{', o->f);
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
		fputc_unlocked('}', o->f);
		o->first = false;
		return;
	}
	fputc_unlocked('\n', o->f);
	o->in_item = false;
}

void out_u64(struct output *o, const char *key, const char *label, __u64 v)
{
	if (o->json) {
		if (json_key(o, key))
			put_u64(o->f, v);
	} else if (text_field(o, label)) {
		put_u64(o->f, v);
		text_end_field(o);
	}
}

void out_str(struct output *o, const char *key, const char *label, const char *v)
{
	if (o->json) {
		if (json_key(o, key))
			json_string(o->f, v);
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
		if (json_key(o, key))
			fprintf(o->f, "%.*f", prec, v);
	} else if (text_field(o, label)) {
		fprintf(o->f, "%.*f", prec, v);
		text_end_field(o);
	}
}

void out_bool(struct output *o, const char *key, const char *label, bool v)
{
	if (o->json) {
		if (json_key(o, key))
			fputs_unlocked(v ? "true" : "false", o->f);
	} else if (text_field(o, label)) {
		fputs_unlocked(v ? "yes" : "no", o->f);
		text_end_field(o);
	}
}

void out_null(struct output *o, const char *key, const char *label)
{
	if (o->json) {
		if (json_key(o, key))
			fputs_unlocked("null", o->f);
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
	if (o->json)
		fputs_unlocked("}\n", o->f);
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
