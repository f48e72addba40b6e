// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one path (see output.h).
 */
#include "output.h"

void out_init(struct output *o, FILE *f, bool json)
{
	o->f = f;
	o->json = json;
	o->depth = 0;
	o->first = true;
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

static void json_key(struct output *o, const char *key)
{
	if (!o->first)
		fputc(',', o->f);
	o->first = false;
	json_string(o->f, key);
	fputc(':', o->f);
}

static void text_indent(struct output *o)
{
	int i;

	for (i = 0; i < o->depth; i++)
		fputs("  ", o->f);
}

void out_begin(struct output *o, const char *key, const char *label)
{
	if (o->json) {
		json_key(o, key);
		fputc('{', o->f);
		o->first = true;
	} else if (label) {
		text_indent(o);
		fprintf(o->f, "%s:\n", label);
	}
	o->depth++;
}

void out_end(struct output *o)
{
	o->depth--;
	if (o->json) {
		fputc('}', o->f);
		o->first = false;
	}
}

void out_u64(struct output *o, const char *key, const char *label, uint64_t v)
{
	if (o->json) {
		json_key(o, key);
		fprintf(o->f, "%llu", (unsigned long long)v);
	} else {
		text_indent(o);
		fprintf(o->f, "%-28s %llu\n", label, (unsigned long long)v);
	}
}

void out_str(struct output *o, const char *key, const char *label, const char *v)
{
	if (o->json) {
		json_key(o, key);
		json_string(o->f, v);
	} else {
		text_indent(o);
		fprintf(o->f, "%-28s %s\n", label, v);
	}
}

void out_finish(struct output *o)
{
	if (o->json)
		fputs("}\n", o->f);
}
