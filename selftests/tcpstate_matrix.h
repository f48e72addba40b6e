/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transition matrix a scenario must leave, cell for cell, the
 * module's counts against ss, and the reconcile pass's corrections, for
 * tests built on kselftest_harness.h:
 * include this after it and tcpstate_lib.h.
 */
#ifndef TCPSTATE_MATRIX_H
#define TCPSTATE_MATRIX_H

/* Transitions may lag the socket calls that made them this long. */
#define TS_MATRIX_WAIT_MS 3000

enum { ES = TCPSTATE_ESTABLISHED, SS = TCPSTATE_SYN_SENT, SR = TCPSTATE_SYN_RECV,
	F1 = TCPSTATE_FIN_WAIT1, F2 = TCPSTATE_FIN_WAIT2, TW = TCPSTATE_TIME_WAIT,
	CL = TCPSTATE_CLOSE, CW = TCPSTATE_CLOSE_WAIT, LA = TCPSTATE_LAST_ACK,
	LI = TCPSTATE_LISTEN, CG = TCPSTATE_CLOSING };

/* @count transitions @from -> @to; cells not listed must be 0. */
struct ts_tr {
	int from, to, count;
};

/*
 * Compare the whole matrix with @want; with @_metadata, log every cell
 * that differs (NULL: count them quietly).
 */
static inline int ts_matrix_mismatches(struct __test_metadata *_metadata,
				       const struct tcpstate_stats *st,
				       const struct ts_tr *want, size_t n)
{
	int i, j, bad = 0;
	size_t k;

	for (i = 1; i < TCPSTATE_STATE_MAX; i++) {
		for (j = 1; j < TCPSTATE_STATE_MAX; j++) {
			__u64 expect = 0;

			for (k = 0; k < n; k++)
				if (want[k].from == i && want[k].to == j)
					expect += want[k].count;
			if (st->transitions[i][j] == expect)
				continue;
			bad++;
			if (_metadata)
				TH_LOG("transition %s -> %s: expected %llu, saw %llu",
				       state_key(i), state_key(j),
				       (unsigned long long)expect,
				       (unsigned long long)st->transitions[i][j]);
		}
	}
	return bad;
}

/* Wait until the namespace's matrix is @want; log the cells that never were. */
static inline int ts_wait_matrix(struct __test_metadata *_metadata, int fd,
				 const struct ts_tr *want, size_t n)
{
	struct tcpstate_stats st;
	int waited;

	for (waited = 0; waited < TS_MATRIX_WAIT_MS; waited += 20) {
		if (ts_stats(fd, &st))
			return -1;
		if (ts_matrix_mismatches(NULL, &st, want, n) == 0)
			return 0;
		ts_sleep_ms(20);
	}
	return ts_matrix_mismatches(_metadata, &st, want, n);
}

/*
 * A state for a message: its ss name, @none for 0 (nothing found), or
 * "(snapshot failed)" for a negative value.
 */
static inline const char *ts_state_name(int state, const char *none)
{
	return state > 0 ? state_ss_name(state) : state ? "(snapshot failed)" : none;
}

/*
 * The module's gauges and snapshot equal @v (what ss shows), state by
 * state; logs each difference and returns how many there were.
 */
static inline int ts_counts_differ(struct __test_metadata *_metadata, int fd,
				   const struct ts_ss_view *v)
{
	unsigned long long snap[TCPSTATE_STATE_MAX] = { 0 };
	struct tcpstate_stats st;
	struct tcpstate_conn *all;
	int i, bad = 0;
	long n;

	n = ts_stats(fd, &st) ? -1 : ts_snapshot(fd, &all, 64);
	if (n < 0) {
		TH_LOG("cannot read the module: %s", strerror(errno));
		return 1;
	}
	while (n-- > 0)
		if (all[n].state < TCPSTATE_STATE_MAX)
			snap[all[n].state]++;
	free(all);
	for (i = 1; i < TCPSTATE_STATE_MAX; i++) {
		if (st.gauge[i] == v->n[i] && snap[i] == v->n[i])
			continue;
		TH_LOG("%s: ss %llu, module %llu (snapshot %llu)", state_ss_name(i),
		       v->n[i], (unsigned long long)st.gauge[i], snap[i]);
		bad++;
	}
	return bad;
}

/*
 * The reconcile pass corrected nothing in @st: the hooks got the table
 * right by themselves.  A module without reconcile counters fails.
 */
static inline void ts_expect_no_reconcile(struct __test_metadata *_metadata,
					  const struct tcpstate_stats *st)
{
	ASSERT_LE(offsetof(struct tcpstate_stats, reconcile_fixed) + sizeof(__u64), st->size)
		TH_LOG("the module reports no reconcile counters");
	EXPECT_EQ(0, st->reconcile_added + st->reconcile_removed + st->reconcile_fixed)
		TH_LOG("reconcile corrected %llu added, %llu removed, %llu fixed in %llu passes",
		       (unsigned long long)st->reconcile_added,
		       (unsigned long long)st->reconcile_removed,
		       (unsigned long long)st->reconcile_fixed,
		       (unsigned long long)st->reconcile_passes);
}

/*
 * Nothing was lost from @before to @after (two reads of the stats, from a
 * file of the namespace the test's connections are in): no hook call
 * missed and no connection left unmirrored, in any namespace.  Both
 * counts are module-wide, so nothing else may run meanwhile (the runner
 * runs one test at a time).  A caller that cannot read them fails.
 *
 * But for one bound: in RT mode (@rt_mode) the hooks take new entries
 * from a per-CPU pool of pool_per_cpu (module/pool.c), and a burst that
 * outruns its refill on one CPU drops connections for want of memory:
 * ALLOC misses, and NOMEM drops in the caller's namespace, as the module
 * documents.  Those are logged, not failed; any other miss or drop fails.
 * (CI of 6a22a61 met it on 6.1-rt, in a test that makes bursts of up to
 * 256 connections on one CPU: 7 misses and 5 drops; with pool_per_cpu=32
 * the same test dropped 1,314 in one family, all of them so.)
 */
static inline void ts_expect_no_loss(struct __test_metadata *_metadata,
				     const struct tcpstate_stats *before,
				     const struct tcpstate_stats *after, int rt_mode)
{
	__u64 alloc = after->misses[TCPSTATE_MISS_ALLOC] - before->misses[TCPSTATE_MISS_ALLOC];
	__u64 nomem = after->drops[TCPSTATE_DROP_NOMEM] - before->drops[TCPSTATE_DROP_NOMEM];
	__u64 misses = after->probe_misses - before->probe_misses;
	__u64 drops = after->all_dropped - before->all_dropped;

	ASSERT_TRUE(before->flags & after->flags & TCPSTATE_STATS_MODULE_WIDE)
		TH_LOG("the module-wide counters are not readable here");
	if (rt_mode && (alloc || nomem))
		TH_LOG("RT mode: the pool ran out: %llu entries not had, %llu dropped",
		       (unsigned long long)alloc, (unsigned long long)nomem);
	if (!rt_mode) {
		alloc = 0;
		nomem = 0;
	}
	EXPECT_EQ(alloc, misses)
		TH_LOG("hook calls missed: %llu before, %llu after (%llu for the RT pool)",
		       (unsigned long long)before->probe_misses,
		       (unsigned long long)after->probe_misses, (unsigned long long)alloc);
	EXPECT_EQ(nomem, drops)
		TH_LOG("connections dropped: %llu before, %llu after (%llu here, the RT pool)",
		       (unsigned long long)before->all_dropped,
		       (unsigned long long)after->all_dropped, (unsigned long long)nomem);
}

#endif
