// SPDX-License-Identifier: GPL-2.0
/*
 * Owners of connections and of port failures, grouped by one of their
 * facts (report.h): what the TIME-WAIT and port reports count them with.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "report.h"

void owner_key_make(struct owner_key *k, enum owner_by by, __u32 uid,
		    __u64 cgroup_id, __u32 pid, const char *comm)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	if (by == OWNER_BY_CGROUP)
		k->cgroup_id = cgroup_id;
	else if (by == OWNER_BY_UID)
		k->uid = uid;
	else if (by == OWNER_BY_PID)
		k->pid = pid;
	if (by != OWNER_BY_COMM && by != OWNER_BY_PID)
		return;
	/*
	 * The record's comm is NUL-padded, not always NUL-terminated: copy up
	 * to the first NUL, so that equal names compare equal whatever
	 * follows it.
	 */
	for (i = 0; i < sizeof(k->comm) && comm[i]; i++)
		k->comm[i] = comm[i];
}

void owner_key_of_conn(struct owner_key *k, enum owner_by by,
		       const struct tcpstate_conn *c)
{
	owner_key_make(k, by, c->uid, c->cgroup_id, c->pid, c->comm);
}

void owner_key_of_failure(struct owner_key *k, enum owner_by by,
			  const struct tcpstate_port_failure *f)
{
	owner_key_make(k, by, f->uid, f->cgroup_id, f->pid, f->comm);
}

int owner_key_cmp(const struct owner_key *x, const struct owner_key *y)
{
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return memcmp(x->comm, y->comm, sizeof(x->comm));
}

static int cmp_count(const void *a, const void *b)
{
	const struct owner_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->failures != y->failures)
		return x->failures > y->failures ? -1 : 1;
	return owner_key_cmp(&x->key, &y->key);
}

void owners_add(void *group, const void *other)
{
	struct owner_count *g = group;
	const struct owner_count *o = other;

	g->count += o->count;
	g->failures += o->failures;
}

void owners_order(struct owner_count *o, size_t n)
{
	qsort(o, n, sizeof(*o), cmp_count);
}

size_t owners_merge(struct owner_count *o, size_t n)
{
	size_t groups;

	/* The key: owner_key_make() zeroes it whole, padding-free. */
	static_assert(sizeof(struct owner_key) == 8 + 4 + 4 + 16, "owner_key");
	groups = group_merge(o, n, sizeof(*o), sizeof(o->key), owners_add);
	owners_order(o, groups);
	return groups;
}
