// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one path (see output.h).
 */
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
		fputc('{', f);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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
		fputc(',', o->f);
	o->first = false;
	if (key) {
		json_string(o->f, key);
		fputc(':', o->f);
	}
	return true;
}

static void text_indent(struct output *o)
{
	int i;

	for (i = 0; i < o->depth; i++)
		fputs("  ", o->f);
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
		fputc(' ', o->f);
	} else {
		text_indent(o);
		fprintf(o->f, "%-*s ", LABEL_WIDTH, label);
	}
	return true;
}

static void text_end_field(struct output *o)
{
	if (!o->in_item)
		fputc('\n', o->f);
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
		fputc(open, o->f);
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
		fputc(close, o->f);
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
		fputc('{', o->f);
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
		fputc('}', o->f);
		o->first = false;
		return;
	}
	fputc('\n', o->f);
	o->in_item = false;
}

void out_u64(struct output *o, const char *key, const char *label, __u64 v)
{
	if (o->json) {
		if (json_key(o, key))
			fprintf(o->f, "%llu", (unsigned long long)v);
	} else if (text_field(o, label)) {
		fprintf(o->f, "%llu", (unsigned long long)v);
		text_end_field(o);
	}
}

void out_str(struct output *o, const char *key, const char *label, const char *v)
{
	if (o->json) {
		if (json_key(o, key))
			json_string(o->f, v);
	} else if (text_field(o, label)) {
		fputs(v, o->f);
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
			fputs(v ? "true" : "false", o->f);
	} else if (text_field(o, label)) {
		fputs(v ? "yes" : "no", o->f);
		text_end_field(o);
	}
}

void out_null(struct output *o, const char *key, const char *label)
{
	if (o->json) {
		if (json_key(o, key))
			fputs("null", o->f);
	} else if (text_field(o, label)) {
		fputc('-', o->f);
		text_end_field(o);
	}
}

void out_finish(struct output *o)
{
	if (o->json)
		fputs("}\n", o->f);
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
