// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of group.c: tallies and in-place grouping against a plain
 * count, and selection against a sort, on seeded pseudo-random data of
 * every size up to a few thousand, with many and with few distinct keys.
 * TAP output.
 */
#include <stdbool.h>
#include <stdint.h>

#include "unit.h"

#include "../group.h"

struct item {
	unsigned int key[3];	/* 12 bytes of key, no padding */
	unsigned int pad;	/* not key: must not matter */
	unsigned long long count;
};

static void add(void *group, const void *other)
{
	((struct item *)group)->count += ((const struct item *)other)->count;
}

static unsigned int seed = 1;

static unsigned int rnd(void)
{
	seed = seed * 1103515245 + 12345;
	return seed >> 8;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define MAX_ITEMS 5000
#define KEYS 64

/*
 * @n items of up to @keys distinct keys: returns 0 when grouping (a tally
 * if @tally, else in place) gives each key once, with its exact total,
 * the groups in the order of their first items.
 */
static int check_grouping(size_t n, unsigned int keys, bool tally)
{
	static struct item items[MAX_ITEMS];
	unsigned long long want[KEYS] = { 0 };
	int first[KEYS], seen[KEYS] = { 0 };
	struct item *g = items;
	size_t i, groups, order = 0;
	struct tally t;

	for (i = 0; i < KEYS; i++)
		first[i] = -1;
	for (i = 0; i < n; i++) {
		unsigned int k = rnd() % keys;

		/*
		 * Keys differ in their last byte only, counts in their first
		 * and last: a key or a group copied short is seen.
		 */
		items[i] = (struct item){ { 7, 7, k << 24 }, rnd(),
					  (unsigned long long)rnd() << 40 | (1 + rnd() % 5) };
		want[k] += items[i].count;
		if (first[k] < 0)
			first[k] = order++;
	}
	if (tally) {
		tally_init(&t, sizeof(struct item), sizeof(items[0].key), add);
		for (i = 0; i < n; i++)
			if (tally_add(&t, &items[i]))
				return -1;
		groups = t.n;
		g = tally_take(&t);
	} else {
		groups = group_merge(items, n, sizeof(struct item),
				     sizeof(items[0].key), add);
	}
	for (i = 0; i < groups; i++) {
		unsigned int k = g[i].key[2] >> 24;

		if (k >= KEYS || seen[k]++ || g[i].count != want[k] ||
		    first[k] != (int)i)
			break;
	}
	if (tally)
		free(g);
	for (order = 0, n = 0; n < KEYS; n++)
		order += want[n] != 0;
	return i == groups && groups == order ? 0 : -1;
}

static int check_select(size_t n, unsigned int spread)
{
	static double v[MAX_ITEMS], sorted[MAX_ITEMS];
	size_t i, k = rnd() % n;
	double got;

	for (i = 0; i < n; i++) {
		v[i] = rnd() % spread;
		sorted[i] = v[i];
	}
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	got = select_nth(v, n, k);
	if (got != sorted[k])
		return -1;
	for (i = 0; i < n; i++)
		if ((i < k && v[i] > got) || (i > k && v[i] < got))
			return -1;
	return 0;
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 15, 16, 17, 100, 1000, 5000 };
	static const unsigned int spreads[] = { 1, 2, 10, 1000000 };
	unsigned int s, k, bad;

	ksft_print_header();
	ksft_set_plan(4);

	for (bad = 0, s = 0; s < ARRAY_SIZE(sizes); s++)
		for (k = 1; k <= KEYS; k *= 4)
			bad += check_grouping(sizes[s], k, true) != 0;
	expect_u64("tally_counts_each_key_once_exactly_in_first_order", 0, bad);

	for (bad = 0, s = 0; s < ARRAY_SIZE(sizes); s++)
		for (k = 1; k <= KEYS; k *= 4)
			bad += check_grouping(sizes[s], k, false) != 0;
	expect_u64("group_merge_counts_each_key_once_exactly_in_first_order", 0, bad);

	for (bad = 0, s = 1; s < ARRAY_SIZE(sizes); s++)
		for (k = 0; k < ARRAY_SIZE(spreads); k++)
			for (int r = 0; r < 20; r++)
				bad += check_select(sizes[s], spreads[k]) != 0;
	expect_u64("select_nth_is_the_sorted_kth_and_partitions", 0, bad);

	/* Nothing in, nothing out, and no allocation to free. */
	{
		struct tally t;

		tally_init(&t, sizeof(struct item), 12, add);
		expect_u64("empty_tally_has_no_groups", 0,
			   t.n + (unsigned long long)(uintptr_t)tally_take(&t));
	}
	ksft_finished();
}
