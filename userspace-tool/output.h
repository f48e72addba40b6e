/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printing path for text and JSON: a report is a sequence of fields
 * in (possibly nested) objects and arrays; text mode prints "label value"
 * lines, indented by nesting, and JSON mode the same structure as JSON.
 *
 * A field with a NULL label is JSON only.  A field with a NULL key is an
 * element of the enclosing JSON array, or, in an object, text only.  An
 * item of an array is one text line: its label, then the value of each of
 * its labelled fields.
 */
#ifndef TCPSTATE_OUTPUT_H
#define TCPSTATE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/types.h>

#define OUTPUT_MAX_DEPTH 16
/* JSON is put together here and written out by the block. */
#define OUTPUT_BUF_LEN 65536

struct output {
	FILE *f;
	bool json;
	int depth;
	bool array[OUTPUT_MAX_DEPTH];	/* JSON: is the container at depth an array */
	bool first;	/* no field yet in the current JSON object or array */
	bool in_item;	/* text: fields go on the current item's line */
	size_t len;	/* JSON: bytes in buf not yet written to f */
	int err;	/* the errno of the first block f refused; 0: none */
	char buf[OUTPUT_BUF_LEN];
};

void out_init(struct output *o, FILE *f, bool json);
/* Objects: @key names it in JSON, @label heads it in text (NULL: none). */
void out_begin(struct output *o, const char *key, const char *label);
void out_end(struct output *o);
/* Arrays, named and headed like objects. */
void out_begin_array(struct output *o, const char *key, const char *label);
void out_end_array(struct output *o);
/* An object inside an array; in text one line headed by @label. */
void out_begin_item(struct output *o, const char *label);
void out_end_item(struct output *o);
void out_u64(struct output *o, const char *key, const char *label, __u64 v);
void out_str(struct output *o, const char *key, const char *label, const char *v);
/* @v with @prec decimals; null in JSON when it is not finite. */
void out_double(struct output *o, const char *key, const char *label,
		double v, int prec);
void out_bool(struct output *o, const char *key, const char *label, bool v);
/* No value: JSON null, "-" in text. */
void out_null(struct output *o, const char *key, const char *label);
/* A quota of entries: @v, or for TCPSTATE_QUOTA_NONE null and "none". */
void out_quota(struct output *o, const char *key, const char *label, __u64 v);
/*
 * A connection's owner as JSON keys: uid (null for TCPSTATE_UID_UNKNOWN),
 * cgroup_id, cgroup (@cgroup_path, or null; left out when @with_path is
 * false), pid, comm.
 */
void out_owner(struct output *o, __u32 uid, __u64 cgroup_id, bool with_path,
	       const char *cgroup_path, __u32 pid, const char *comm);
/*
 * For a long JSON array of objects of one shape (the connection list): an
 * element the caller put together itself, @n bytes of JSON written as
 * they are, after the separator.
 */
void out_json_item(struct output *o, const char *json, size_t n);
/*
 * @n bytes of text, a block of rows put together by the caller, written to
 * the stream as they are; a failure kept in o->err.
 */
void out_write(struct output *o, const char *s, size_t n);
/*
 * The JSON string of @s[0..n) (or up to a NUL), quoted and escaped as
 * out_str() writes it, at @p: at most 6 * @n + 2 bytes.  Returns the end.
 */
char *out_json_string_at(char *p, const char *s, size_t n);
/*
 * Finish the report: closes the top-level JSON object and writes out what
 * JSON is left in the buffer (nothing reaches @f before, or only whole
 * blocks).
 */
void out_finish(struct output *o);

#endif
