// SPDX-License-Identifier: GPL-2.0
/*
 * The reconcile pass: the table healed from the kernel's own sockets.
 *
 * The hooks cannot miss by construction (fhooks.c), but a fact can still
 * be lost: no memory for an entry, a kretprobe out of instances, a hook a
 * kernel lacks, a race at load.  Each of those is counted (misses.c); the
 * pass repairs what it cost.  It walks every socket the kernel has with the
 * seeding code (seed.c) and compares each with its entry, then sweeps the
 * table for entries the walk did not meet:
 *
 *  - a socket without an entry is added;
 *  - an entry in another state (or kind: full, timewait, request socket)
 *    than its socket is corrected;
 *  - an entry the kernel no longer has is removed (a timewait socket whose
 *    death was missed, past its expiry; a request socket long gone).
 *
 * The walk is not atomic with the hooks: a socket is hashed a moment before
 * or after its entry is made, and its entry removed a moment before it is
 * unhashed, so one walk can see differences that are gone a microsecond
 * later.  A difference is acted on only when the previous pass saw the
 * very same one (same cookie, same kernel state, same entry unchanged
 * since): it lasted from one pass to the next, so it is real.  Each pass
 * keeps its differences, sorted, for the next one to confirm.
 *
 * When: every reconcile_ms, and about a second after any miss is counted,
 * with a confirming pass a second after any pass that found differences.
 * Cost: one walk of the kernel's hash tables, each bucket under its lock
 * for that bucket's chain only, and one of the table; see the README.
 */
#include <linux/bsearch.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "tcpstate.h"
#include "tcpstate_trace.h"

static unsigned int reconcile_ms = 10000;
module_param(reconcile_ms, uint, 0644);
MODULE_PARM_DESC(reconcile_ms,
		 "Milliseconds between reconcile passes, which correct the table from the kernel's sockets; 0: only after a miss (default 10000)");

/* Differences kept per pass; more wait for a later one. */
#define TCPSTATE_RECON_MAX	4096

struct tcpstate_diff {
	u64 cookie;
	u64 since_ns;
	u32 what;
	u32 pad;
};

struct tcpstate_recon {
	struct tcpstate_diff *prev;	/* the last pass's, sorted */
	u32 nprev;
	struct tcpstate_diff *cur;	/* this pass's */
	u32 ncur;
	u32 confirmed;
};

static struct tcpstate_recon tcpstate_recon;
static DEFINE_MUTEX(tcpstate_recon_lock);	/* one pass at a time */
static u8 tcpstate_recon_gen;
static u64 tcpstate_recon_misses;	/* the total when the last pass ran */
static unsigned long tcpstate_recon_last;	/* jiffies of the last pass */
static bool tcpstate_recon_confirm_due;
static atomic64_t tcpstate_recon_passes = ATOMIC64_INIT(0);
static atomic64_t tcpstate_recon_last_ns = ATOMIC64_INIT(0);

static void tcpstate_reconcile_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(tcpstate_reconcile_work, tcpstate_reconcile_fn);

static int diff_cmp(const void *a, const void *b)
{
	const struct tcpstate_diff *x = a, *y = b;

	if (x->cookie != y->cookie)
		return x->cookie < y->cookie ? -1 : 1;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	if (x->since_ns != y->since_ns)
		return x->since_ns < y->since_ns ? -1 : 1;
	return 0;
}

bool tcpstate_recon_confirm(struct tcpstate_recon *r, u64 cookie, u32 what,
			    u64 since_ns)
{
	struct tcpstate_diff key = { .cookie = cookie, .since_ns = since_ns,
				     .what = what };

	if (r->nprev && bsearch(&key, r->prev, r->nprev, sizeof(key), diff_cmp)) {
		r->confirmed++;
		return true;
	}
	if (r->ncur < TCPSTATE_RECON_MAX)
		r->cur[r->ncur++] = key;
	return false;
}

static void tcpstate_reconcile_pass(void)
{
	struct tcpstate_recon *r = &tcpstate_recon;
	struct tcpstate_diff *swap;
	u64 start = tcpstate_now_ns();

	if (++tcpstate_recon_gen == 0)
		tcpstate_recon_gen = 1;
	r->ncur = 0;
	r->confirmed = 0;
	tcpstate_sockets_walk(r, tcpstate_recon_gen);
	tcpstate_table_sweep(r, tcpstate_recon_gen, start);

	sort(r->cur, r->ncur, sizeof(*r->cur), diff_cmp, NULL);
	swap = r->prev;
	r->prev = r->cur;
	r->nprev = r->ncur;
	r->cur = swap;

	atomic64_inc(&tcpstate_recon_passes);
	atomic64_set(&tcpstate_recon_last_ns, tcpstate_now_ns());
	trace_reconcile(atomic64_read(&tcpstate_recon_passes),
			tcpstate_recon_misses, r->nprev, r->confirmed,
			tcpstate_now_ns() - start);
}

static void tcpstate_reconcile_fn(struct work_struct *work)
{
	u64 misses[TCPSTATE_MISS_MAX];
	unsigned int period = READ_ONCE(reconcile_ms);
	u64 total = tcpstate_misses_read(misses);
	bool due;

	mutex_lock(&tcpstate_recon_lock);
	due = tcpstate_recon_confirm_due || total != tcpstate_recon_misses ||
	      (period && time_after_eq(jiffies, tcpstate_recon_last +
				       msecs_to_jiffies(period)));
	if (due) {
		bool confirming = tcpstate_recon_confirm_due;

		tcpstate_recon_misses = total;
		tcpstate_reconcile_pass();
		tcpstate_recon_last = jiffies;
		/*
		 * A pass that found differences is confirmed soon after; so
		 * is a pass that had more than it could keep, until none
		 * are left over.
		 */
		tcpstate_recon_confirm_due = (!confirming && tcpstate_recon.nprev) ||
					     tcpstate_recon.nprev == TCPSTATE_RECON_MAX;
	}
	mutex_unlock(&tcpstate_recon_lock);
	queue_delayed_work(system_unbound_wq, &tcpstate_reconcile_work, HZ);
}

void tcpstate_reconcile_stats(u64 *passes, u64 *last_ns)
{
	*passes = atomic64_read(&tcpstate_recon_passes);
	*last_ns = atomic64_read(&tcpstate_recon_last_ns);
}

int tcpstate_reconcile_init(void)
{
	struct tcpstate_recon *r = &tcpstate_recon;

	r->prev = kvcalloc(TCPSTATE_RECON_MAX, sizeof(*r->prev), GFP_KERNEL);
	r->cur = kvcalloc(TCPSTATE_RECON_MAX, sizeof(*r->cur), GFP_KERNEL);
	if (!r->prev || !r->cur) {
		kvfree(r->prev);
		kvfree(r->cur);
		return -ENOMEM;
	}
	/*
	 * The seed walk is not atomic with the hooks either: a pass a
	 * second after load (and its confirmation) repairs what changed
	 * under it.
	 */
	tcpstate_recon_misses = U64_MAX;	/* never a total: a pass is due */
	tcpstate_recon_last = jiffies;
	queue_delayed_work(system_unbound_wq, &tcpstate_reconcile_work, HZ);
	return 0;
}

void tcpstate_reconcile_exit(void)
{
	cancel_delayed_work_sync(&tcpstate_reconcile_work);
	kvfree(tcpstate_recon.prev);
	kvfree(tcpstate_recon.cur);
}
