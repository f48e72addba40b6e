/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Owners in words: the keys of --by, and the name and the JSON keys of an
 * owner that report.h counted, for every view (timewait, ports, top, the
 * exporter).
 */
#ifndef TCPSTATE_OWNER_H
#define TCPSTATE_OWNER_H

#include <stddef.h>

#include "output.h"
#include "report.h"

/* Long enough for any owner_name(). */
#define OWNER_NAME_LEN	4096

/* "cgroup", "comm", "pid", "uid". */
const char *owner_by_name(enum owner_by by);
/* One of those words into @by: 0, or -1 when it is none of them. */
int owner_by_parse(const char *word, enum owner_by *by);
/*
 * What to call owner @k, grouped @by: the cgroup's unit name, else its
 * path, else its id (cgroup.h: cgroup_name()); the comm; "comm/pid"; the
 * uid.  "-" for what the module does not know or the reader may not see
 * (cgroup 0, uid TCPSTATE_UID_UNKNOWN, pid 0, an empty comm).  Returns
 * @buf.
 */
const char *owner_name(char *buf, size_t len, enum owner_by by,
		       const struct owner_key *k);
/*
 * The JSON keys of cgroup @id: "cgroup_id", "cgroup" (its path, null when
 * not found), "unit" (null when in no unit).
 */
void out_cgroup(struct output *o, __u64 id);
/*
 * The JSON keys of owner @k, grouped @by: "name" (owner_name()), then
 *   cgroup:	those of out_cgroup()
 *   comm:	"comm"
 *   pid:	"pid", "comm"
 *   uid:	"uid" (null when not known)
 * JSON only: nothing in text.
 */
void out_owner_key(struct output *o, enum owner_by by,
		   const struct owner_key *k);

#endif
