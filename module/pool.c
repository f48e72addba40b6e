// SPDX-License-Identifier: GPL-2.0
/*
 * RT mode's pool: objects of the entry cache allocated ahead, in process
 * context, for the hooks, which may not allocate there (tcpstate.h).
 *
 * One stock per possible CPU, each a list of free objects linked through
 * their first word, under a raw spinlock: a hook takes from its own CPU's
 * (preemption is off in every hook), and only the refill work item, or a
 * hook giving back an object it did not use, touches another.  A quarter
 * below its target a stock asks the work item to top every stock up again
 * (GFP_KERNEL: the objects are charged to no one, the table charges them
 * later).  An empty stock makes the hook's connection a counted drop
 * for want of memory and a miss, which the reconcile pass repairs.
 *
 * Bounded: pool_per_cpu objects per online CPU (256 by default) and
 * POOL_MAX in all: 256 each on hosts with up to 256 possible CPUs.
 */
#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "tcpstate.h"

#define POOL_MAX	65536

static bool rt_mode = TCPSTATE_RT;
module_param(rt_mode, bool, 0444);
MODULE_PARM_DESC(rt_mode,
		 "Whether hooks take new entries from a pool and leave charging and freeing to process context, as PREEMPT_RT needs (read only: Y on PREEMPT_RT kernels, or built with RT_MODE=1)");

static unsigned int pool_per_cpu = 256;
module_param(pool_per_cpu, uint, 0444);
MODULE_PARM_DESC(pool_per_cpu,
		 "In RT mode, entries kept ready for the hooks per CPU, 1..4096, at most 65536 in all (default 256)");

#if TCPSTATE_RT
/*
 * Testing only: while set, a stock that runs low is not topped up; once
 * it is cleared, the next take that finds its stock low asks for the
 * refill.  RT mode only: the pool serves no one otherwise.
 */
static bool debug_pool_hold;
module_param(debug_pool_hold, bool, 0644);
MODULE_PARM_DESC(debug_pool_hold,
		 "Testing only: do not top the pool up while Y, so that a burst meets an empty stock; after N, the next take that finds its stock low has it topped up");

static bool pool_held(void)
{
	return READ_ONCE(debug_pool_hold);
}
#else
static bool pool_held(void)
{
	return false;
}
#endif

struct tcpstate_pool {
	raw_spinlock_t lock;
	void *first;		/* free objects, linked through their first word */
	unsigned int n;
};

static DEFINE_PER_CPU(struct tcpstate_pool, tcpstate_pools);

#if TCPSTATE_RT && defined(CONFIG_PROVE_RAW_LOCK_NESTING)
static struct lock_class_key tcpstate_atomic_key, tcpstate_sleeping_key;
struct lockdep_map tcpstate_atomic_map;
struct lockdep_map tcpstate_sleeping_map;
#endif
static struct kmem_cache *pool_cache;
static unsigned int pool_target;	/* per CPU */
static void pool_refill_work(struct work_struct *work);
static DECLARE_WORK(pool_refill, pool_refill_work);

/* Put @obj on @p if it has room; the caller frees it otherwise. */
static bool pool_push(struct tcpstate_pool *p, void *obj)
{
	unsigned long flags;
	bool room;

	raw_spin_lock_irqsave(&p->lock, flags);
	room = p->n < pool_target;
	if (room) {
		*(void **)obj = p->first;
		p->first = obj;
		p->n++;
	}
	raw_spin_unlock_irqrestore(&p->lock, flags);
	return room;
}

/*
 * Top every online CPU's stock up to its target, at most that many
 * objects each (hooks may take as fast); false when memory ran out.  A
 * CPU that comes online later finds its stock empty and asks for this.
 */
static bool pool_fill(gfp_t gfp)
{
	unsigned int cpu, i;
	void *obj;

	for_each_online_cpu(cpu) {
		struct tcpstate_pool *p = per_cpu_ptr(&tcpstate_pools, cpu);

		for (i = 0; i < pool_target && READ_ONCE(p->n) < pool_target; i++) {
			obj = kmem_cache_alloc(pool_cache, gfp);
			if (!obj)
				return false;
			if (!pool_push(p, obj)) {
				kmem_cache_free(pool_cache, obj);
				break;
			}
		}
		cond_resched();
	}
	return true;
}

static void pool_refill_work(struct work_struct *work)
{
	pool_fill(GFP_KERNEL | __GFP_NOWARN);
}

/*
 * An object for a hook, with preemption off, or NULL when this CPU's
 * stock is empty.
 */
void *tcpstate_pool_take(void)
{
	struct tcpstate_pool *p = this_cpu_ptr(&tcpstate_pools);
	unsigned long flags;
	bool low;
	void *obj;

	raw_spin_lock_irqsave(&p->lock, flags);
	obj = p->first;
	if (obj) {
		p->first = *(void **)obj;
		p->n--;
	}
	low = p->n <= pool_target - pool_target / 4;
	raw_spin_unlock_irqrestore(&p->lock, flags);
	if (low && !pool_held() && !work_pending(&pool_refill))
		queue_work(system_unbound_wq, &pool_refill);
	return obj;
}

/*
 * Give back an object charged to no one, in any context but a hard
 * interrupt; false when this CPU's stock is full: the caller frees it.
 */
bool tcpstate_pool_give(void *obj)
{
	struct tcpstate_pool *p = raw_cpu_ptr(&tcpstate_pools);

	return pool_push(p, obj);
}

int tcpstate_pool_init(struct kmem_cache *cache)
{
	unsigned int cpu;

	if (rt_mode != TCPSTATE_RT) {
		pr_err("rt_mode is read only: it is %s with this module\n",
		       TCPSTATE_RT ? "Y" : "N");
		return -EINVAL;
	}
	if (!tcpstate_rt_mode())
		return 0;
#if TCPSTATE_RT && defined(CONFIG_PROVE_RAW_LOCK_NESTING)
	lockdep_init_map_wait(&tcpstate_atomic_map, "tcpstate_atomic",
			      &tcpstate_atomic_key, 0, LD_WAIT_SPIN);
	lockdep_init_map_wait(&tcpstate_sleeping_map, "tcpstate_alloc_or_free",
			      &tcpstate_sleeping_key, 0, LD_WAIT_CONFIG);
#endif
	if (pool_per_cpu < 1 || pool_per_cpu > 4096) {
		pr_err("pool_per_cpu=%u is out of range 1..4096\n", pool_per_cpu);
		return -EINVAL;
	}
	pool_cache = cache;
	pool_target = clamp_t(unsigned int, POOL_MAX / num_possible_cpus(), 1,
			      pool_per_cpu);
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(&tcpstate_pools, cpu)->lock);
	if (!pool_fill(GFP_KERNEL)) {
		tcpstate_pool_exit();
		return -ENOMEM;
	}
	return 0;
}

/* After the last hook and the last user of the pool are gone. */
void tcpstate_pool_exit(void)
{
	unsigned int cpu;
	void *obj;

	if (!tcpstate_rt_mode())
		return;
	cancel_work_sync(&pool_refill);
	for_each_possible_cpu(cpu) {
		struct tcpstate_pool *p = per_cpu_ptr(&tcpstate_pools, cpu);

		while ((obj = p->first)) {
			p->first = *(void **)obj;
			kmem_cache_free(pool_cache, obj);
		}
		p->n = 0;
	}
}
