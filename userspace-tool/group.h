/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting equal keys in linear time.  The reports count connections per
 * endpoint, local port and owner over snapshots of up to millions of
 * entries; sorting them all to bring equal keys together cost most of
 * `tcpstate timewait` at 100k TIME-WAITs.
 */
#ifndef TCPSTATE_GROUP_H
#define TCPSTATE_GROUP_H

#include <stddef.h>

/*
 * A tally of items (@size bytes each, the key their first @key_size
 * bytes) that merges each added item into the group of its key: memory
 * for the groups only, however many items go in.
 */
struct tally {
	unsigned char *groups;	/* the groups, in the order they began */
	size_t n, cap;		/* groups, room for them */
	size_t size, key_size;
	size_t *slot;		/* open addressing: a group's index, or EMPTY */
	size_t slots;		/* a power of two, at least twice n */
	void (*merge)(void *group, const void *other);
};

void tally_init(struct tally *t, size_t size, size_t key_size,
		void (*merge)(void *group, const void *other));
/* Add @item to its group, or as a new one.  0, or -1 when out of memory. */
int tally_add(struct tally *t, const void *item);
/* The groups (t->n of them), which the caller frees; the tally is empty. */
void *tally_take(struct tally *t);
void tally_free(struct tally *t);

/*
 * Merge the @n elements of @base (@size bytes each) whose first @key_size
 * bytes are equal: the first element of each group stays, the groups in
 * the order of their first elements, at the front of @base, and
 * @merge(group, other) adds what each other element of the group counts
 * to it.  Keys are compared as bytes, so they must have no padding of
 * unknown content (nor those of a tally).  Returns the number of groups.
 */
size_t group_merge(void *base, size_t n, size_t size, size_t key_size,
		   void (*merge)(void *group, const void *other));

/*
 * The @k-th smallest (from 0) of @v[0..n), which it reorders: before
 * index @k only smaller or equal values, after it only larger or equal
 * ones.  @k < @n.
 */
double select_nth(double *v, size_t n, size_t k);

#endif
