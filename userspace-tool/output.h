/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printing path for text and JSON: a report is a sequence of fields
 * in (possibly nested) objects; text mode prints "label: value" lines,
 * indented by nesting, and JSON mode the same structure as JSON.
 */
#ifndef TCPSTATE_OUTPUT_H
#define TCPSTATE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct output {
	FILE *f;
	bool json;
	int depth;
	bool first;	/* no field yet in the current JSON object */
};

void out_init(struct output *o, FILE *f, bool json);
/* Objects: @key names it in JSON, @label heads it in text (NULL: none). */
void out_begin(struct output *o, const char *key, const char *label);
void out_end(struct output *o);
void out_u64(struct output *o, const char *key, const char *label, uint64_t v);
void out_str(struct output *o, const char *key, const char *label, const char *v);
/* Finish the report: closes the top-level JSON object. */
void out_finish(struct output *o);

#endif
