// SPDX-License-Identifier: GPL-2.0
/*
 * Owners in words (owner.h).
 */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "kernel.h"
#include "owner.h"

static const char *const by_names[OWNER_BY_MAX] = {
	[OWNER_BY_CGROUP]	= "cgroup",
	[OWNER_BY_COMM]		= "comm",
	[OWNER_BY_PID]		= "pid",
	[OWNER_BY_UID]		= "uid",
};

const char *owner_by_name(enum owner_by by)
{
	return by < OWNER_BY_MAX ? by_names[by] : "?";
}

int owner_by_parse(const char *word, enum owner_by *by)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(by_names); i++) {
		if (!strcmp(word, by_names[i])) {
			*by = (enum owner_by)i;
			return 0;
		}
	}
	return -1;
}

const char *owner_name(char *buf, size_t len, enum owner_by by,
		       const struct owner_key *k)
{
	int n = (int)strnlen(k->comm, sizeof(k->comm));

	switch (by) {
	case OWNER_BY_CGROUP:
		return cgroup_name(buf, len, k->cgroup_id);
	case OWNER_BY_COMM:
		if (n)
			snprintf(buf, len, "%.*s", n, k->comm);
		else
			snprintf(buf, len, "-");
		break;
	case OWNER_BY_PID:
		if (k->pid)
			snprintf(buf, len, "%.*s/%u", n, k->comm, k->pid);
		else
			snprintf(buf, len, "-");
		break;
	case OWNER_BY_UID:
		if (k->uid == TCPSTATE_UID_UNKNOWN)
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%u", k->uid);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}

void out_cgroup(struct output *o, __u64 id)
{
	const char *path = cgroup_path(id);
	char unit[CGROUP_NAME_LEN];

	out_u64(o, "cgroup_id", NULL, id);
	if (path)
		out_str(o, "cgroup", NULL, path);
	else
		out_null(o, "cgroup", NULL);
	if (path && cgroup_unit_name(unit, sizeof(unit), path))
		out_str(o, "unit", NULL, unit);
	else
		out_null(o, "unit", NULL);
}

void out_owner_key(struct output *o, enum owner_by by,
		   const struct owner_key *k)
{
	char name[OWNER_NAME_LEN], comm[sizeof(k->comm) + 1];

	out_str(o, "name", NULL, owner_name(name, sizeof(name), by, k));
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(k->comm), k->comm);
	switch (by) {
	case OWNER_BY_CGROUP:
		out_cgroup(o, k->cgroup_id);
		break;
	case OWNER_BY_COMM:
		out_str(o, "comm", NULL, comm);
		break;
	case OWNER_BY_PID:
		out_u64(o, "pid", NULL, k->pid);
		out_str(o, "comm", NULL, comm);
		break;
	case OWNER_BY_UID:
		if (k->uid == TCPSTATE_UID_UNKNOWN)
			out_null(o, "uid", NULL);
		else
			out_u64(o, "uid", NULL, k->uid);
		break;
	default:
		break;
	}
}
