// SPDX-License-Identifier: GPL-2.0
/*
 * Counting equal keys in linear time (group.h): an open-addressing hash
 * of the groups' positions, or, when that cannot be allocated, a sort by
 * key first.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

#define EMPTY SIZE_MAX

/* FNV-1a over the key, then a final mix for the low bits of the index. */
static __u64 key_hash(const unsigned char *k, size_t len)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int cmp_key_bytes(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(size_t *)len);
}

/* Equal keys side by side, then the same merge. */
static size_t group_sorted(unsigned char *base, size_t n, size_t size,
			   size_t key_size,
			   void (*merge)(void *group, const void *other))
{
	size_t i, groups = 0;

	qsort_r(base, n, size, cmp_key_bytes, &key_size);
	for (i = 0; i < n; i++) {
		unsigned char *e = base + i * size;

		if (groups && !memcmp(base + (groups - 1) * size, e, key_size)) {
			merge(base + (groups - 1) * size, e);
			continue;
		}
		if (groups != i)
			memcpy(base + groups * size, e, size);
		groups++;
	}
	return groups;
}

void tally_init(struct tally *t, size_t size, size_t key_size,
		void (*merge)(void *group, const void *other))
{
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->key_size = key_size;
	t->merge = merge;
}

/* Room for twice the groups in the slots, and for one more group. */
static int tally_grow(struct tally *t)
{
	size_t i, s, slots, *slot;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		unsigned char *g = realloc(t->groups, cap * t->size);

		if (!g)
			return -1;
		t->groups = g;
		t->cap = cap;
	}
	if (2 * (t->n + 1) <= t->slots)
		return 0;
	slots = t->slots ? 2 * t->slots : 32;
	slot = malloc(slots * sizeof(*slot));
	if (!slot)
		return -1;
	memset(slot, 0xff, slots * sizeof(*slot));	/* all EMPTY */
	for (i = 0; i < t->n; i++) {
		s = key_hash(t->groups + i * t->size, t->key_size) & (slots - 1);
		while (slot[s] != EMPTY)
			s = (s + 1) & (slots - 1);
		slot[s] = i;
	}
	free(t->slot);
	t->slot = slot;
	t->slots = slots;
	return 0;
}

int tally_add(struct tally *t, const void *item)
{
	size_t s;

	if (tally_grow(t))
		return -1;
	s = key_hash(item, t->key_size) & (t->slots - 1);
	/* At most half the slots are used: an empty one comes. */
	while (t->slot[s] != EMPTY) {
		unsigned char *g = t->groups + t->slot[s] * t->size;

		if (!memcmp(g, item, t->key_size)) {
			t->merge(g, item);
			return 0;
		}
		s = (s + 1) & (t->slots - 1);
	}
	memcpy(t->groups + t->n * t->size, item, t->size);
	t->slot[s] = t->n++;
	return 0;
}

void *tally_take(struct tally *t)
{
	void *g = t->groups;

	free(t->slot);
	t->groups = NULL;
	t->slot = NULL;
	t->n = 0;
	t->cap = 0;
	t->slots = 0;
	return g;
}

void tally_free(struct tally *t)
{
	free(tally_take(t));
}

size_t group_merge(void *elements, size_t n, size_t size, size_t key_size,
		   void (*merge)(void *group, const void *other))
{
	unsigned char *base = elements;
	struct tally t;
	size_t i, groups;

	tally_init(&t, size, key_size, merge);
	for (i = 0; i < n; i++) {
		if (tally_add(&t, base + i * size)) {
			tally_free(&t);
			return group_sorted(base, n, size, key_size, merge);
		}
	}
	groups = t.n;
	if (groups)
		memcpy(base, t.groups, groups * size);
	tally_free(&t);
	return groups;
}

double select_nth(double *v, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1, want = (long)k;

	/* Hoare's selection, with the median of three as the pivot. */
	while (lo < hi) {
		long i = lo, j = hi;
		double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi], pivot, t;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) :
				(a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		/* [lo, j] <= pivot <= [i, hi]; between them all equal it */
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			break;
	}
	return v[want];
}
