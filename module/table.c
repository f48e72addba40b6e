// SPDX-License-Identifier: GPL-2.0
/*
 * The table: one per network namespace, one entry per live TCP connection,
 * keyed by socket cookie.
 *
 * A hash table that grows and shrinks with its entries (struct
 * tcpstate_buckets): 16 buckets for an empty namespace, at most one entry
 * per bucket on average as it grows, resized by a work item while the
 * hooks go on.  Each bucket is an hlist_bl whose bit 0 is its lock,
 * taken with softirqs off (tcpstate_bh_disable()) for a few instructions;
 * a bit spinlock spins on PREEMPT_RT too, where the hooks run atomically.
 * Entries come from a kmem_cache with GFP_NOWAIT, allocated before the
 * lock is taken: hooks never sleep.  The shared owners an entry points to
 * (owner.c), small and rarely new, are found or made under it.  Every
 * access to an entry is under its bucket lock, so entries are freed at
 * once; a generation of buckets is freed after an
 * RCU grace period, as is the last one when the namespace is dead and no
 * hook can still be looking at it.
 *
 * What every namespace pays up front is small: the buckets, struct
 * tcpstate_net and nothing else.  Per-CPU counters come with the first
 * entry, the port failure ring with the first failure, the base of the
 * cumulative counters with the first reset.
 *
 * Memory is bounded four ways, each entry counted against all four:
 * its namespace's quota (net_quota(): netns_max_entries for all but the
 * initial namespace, or what TCPSTATE_IOC_QUOTA set), its user's limit
 * (user_max_entries, for the namespaces of a user namespace: however many
 * namespaces one user makes, struct tcpstate_user), the entries all the
 * namespaces but the initial one share (max_entries - init_net_reserve:
 * the initial one keeps its reserve), and the global cap, max_entries.
 * Past any of them a new connection is counted as dropped, with the
 * reason, and never allocated.  Each is an atomic counter reached from
 * the namespace: O(1), no lock.  The defaults scale with memory as the
 * kernel's own TCP tables do.
 *
 * Memory is charged to the memory cgroup of whoever caused it:
 *  - an entry to its socket's memory cgroup (sk_memcg; a request socket's
 *    is its listener's), through set_active_memcg(), which in softirq
 *    sets the per-CPU int_active_memcg;
 *  - what belongs to the namespace (struct tcpstate_net and its first
 *    buckets at its creation, and later its counters, the buckets a
 *    resize makes, the port failure ring), and the entries that have no
 *    socket to charge (a timewait socket's whose connection was never
 *    mirrored, a child socket's before accept() gives it a memory cgroup
 *    when it had no request of ours, debug_fill's), to the memory cgroup
 *    of the process that created the namespace, which net init runs in
 *    and which the namespace holds a reference to until its exit.  With
 *    Kubernetes that is the container runtime's (or the CNI plugin's),
 *    which pays for the pods' namespaces but not for their connections.
 * Namespaces that exist at load, the initial one included, have no
 * memory cgroup: what is not an entry of a socket is charged to no one.
 * So that struct tcpstate_net is charged too, it is ours to allocate: the
 * kernel's net_generic data (not charged) holds only a pointer to it.
 *
 * Allocations in hooks are GFP_NOWAIT: no __GFP_HIGH, so a charge that
 * would take a memory cgroup past memory.max fails (try_charge_memcg()
 * forces only __GFP_HIGH and __GFP_NOFAIL ones) and the connection is
 * counted as dropped for want of memory.  Those of the work item, which
 * may sleep, are __GFP_RETRY_MAYFAIL: reclaim, but fail rather than
 * invoke the OOM killer; the table then stays at its size.
 */
#include <linux/hash.h>
#include <linux/spinlock.h>	/* before list_bl.h: 6.12 needs cpu_relax() */
#include <linux/list_bl.h>
#include <linux/llist.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <linux/timer.h>
#include <net/inet_hashtables.h>
#include <net/inet_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/snmp.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/request_sock.h>
#include <net/sock.h>

#include "tcpstate.h"
#include "tcpstate_trace.h"

/* A parameter not given at load: tcpstate_table_init() derives it. */
#define PARAM_DERIVED	ULONG_MAX

static unsigned long max_entries = PARAM_DERIVED;
module_param(max_entries, ulong, 0644);
MODULE_PARM_DESC(max_entries,
		 "Most connections mirrored, all namespaces together; more are counted as dropped (default: 8 per bucket of the kernel's TCP established hash, which scales with memory)");

static unsigned long netns_max_entries = PARAM_DERIVED;
module_param(netns_max_entries, ulong, 0644);
MODULE_PARM_DESC(netns_max_entries,
		 "Quota of each namespace but the initial one, unless it has its own (default: 2 per bucket of the TCP established hash, 4 times a namespace's default tcp_max_tw_buckets)");

static unsigned long user_max_entries = PARAM_DERIVED;
module_param(user_max_entries, ulong, 0644);
MODULE_PARM_DESC(user_max_entries,
		 "Most entries of all the namespaces of one user together: the user who made the outermost user namespace above theirs (one made by root is a user of its own); namespaces of the initial user namespace have no such limit (default: as netns_max_entries)");

static unsigned long init_net_reserve = PARAM_DERIVED;
module_param(init_net_reserve, ulong, 0644);
MODULE_PARM_DESC(init_net_reserve,
		 "Entries only the initial namespace may use: all others together hold at most max_entries - init_net_reserve (default: half of max_entries)");

static unsigned int port_failures = 64;
module_param(port_failures, uint, 0444);
MODULE_PARM_DESC(port_failures,
		 "Port exhaustion failures kept per namespace, 1..4096 (default 64)");

/*
 * Buckets: 2^TABLE_MIN_BITS for an empty namespace, twice as many as
 * entries at most, and 2^TABLE_MAX_BITS at most (8 MiB of heads).
 */
#define TABLE_MIN_BITS	4
#define TABLE_MAX_BITS	20

/*
 * RT mode (tcpstate.h): an entry the hooks took from the pool is charged
 * to no one.  Inserted into the table, it is leased: a work item makes a
 * charged copy, in process context, and puts it in its place (lease_work()).
 */
struct tcpstate_lease {
	struct llist_node node;		/* on tcpstate_leases */
	struct mem_cgroup *memcg;	/* to charge; referenced while held */
	struct tcpstate_net *tn;	/* whose table it is in */
	int state;			/* LEASE_* */
};

enum {
	LEASE_NONE,	/* charged, or not from the pool */
	LEASE_POOL,	/* from the pool, charged to no one */
	LEASE_HELD,	/* on tcpstate_leases: the work item's to free */
	LEASE_LET_GO,	/* the table or the work item let go: the other frees it */
};

#if TCPSTATE_RT
/*
 * RT mode: hooks may not allocate a shared owner (owner.c), so an entry
 * keeps its owner's facts itself.
 */
struct entry_who {
	u64 cgroup;		/* cgroup v2 id, or 0 */
	struct pid *pid;	/* the owning process, referenced, or NULL */
	kuid_t uid;		/* sk_uid, or INVALID_UID */
	char comm[TASK_COMM_LEN];
};

/* What entry_set_who() let go of, put after unlocking. */
struct who_drop {
	struct pid *pid;
};
#else
struct who_drop {
	struct tcpstate_who_shared *shared;
};
#endif

/*
 * 96 bytes, every one used: the tuple is laid out flat (struct
 * tcpstate_tuple's family and tail padding would cost 8 more), a
 * connection needs a timer's expiry only once a timewait socket holds it,
 * and the full socket that owns it only until then, and its owner is
 * shared (owner.c).  RT mode keeps the owner's facts and its lease in the
 * entry: 160 bytes.
 */
struct tcpstate_entry {
	union {
		struct hlist_bl_node node;
		/* RT mode: freed after a grace period where hooks run */
		struct rcu_head rcu;
	};
	u64 cookie;
	u64 began_ns;
	u64 since_ns;
	union {
		u64 expires_ns;	/* TCPSTATE_F_TIMEWAIT_SOCK */
		u32 owner;	/* otherwise: tcpstate_sk_owner() of its full
				 * socket, or 0
				 */
	};
	struct in6_addr saddr;	/* struct tcpstate_tuple's */
	struct in6_addr daddr;
	u16 sport;
	u16 dport;
	u8 family;
	u8 state;
	u8 flags;
	u8 seen;		/* the last reconcile pass that found it */
#if TCPSTATE_RT
	struct entry_who who;
	struct tcpstate_lease lease;
#else
	struct tcpstate_who_shared *who;	/* referenced, or NULL */
#endif
};

/* Flags an entry keeps whatever a hook says: how it came to be known. */
#define ENTRY_KEPT_FLAGS	(TCPSTATE_F_SEEDED | TCPSTATE_F_RECONCILED)

/*
 * One generation of a namespace's buckets.  An entry's position is
 * key_of(cookie), a bijection of the 64-bit cookie; its bucket is the top
 * @bits of the position, and each chain is sorted by position.  So the
 * whole table is in position order whatever its size: a resize splits or
 * joins chains without reordering them, and a walk can resume after the
 * last position it returned in any generation.
 *
 * Each head's bit 0 is its lock (hlist_bl).  A head whose entries were
 * moved to @next holds BUCKET_MOVED: whoever locks it follows @next.
 */
struct tcpstate_buckets {
	struct tcpstate_buckets __rcu *next;
	struct rcu_head rcu;
	unsigned int bits;
	struct hlist_bl_head heads[];
};

#define BUCKET_MOVED	2UL

/* Buckets one snapshot call visits at most. */
#define SNAPSHOT_BUCKETS	4096

/*
 * A kept port failure: the record, with the caller's owner apart (the
 * record's pid, comm and uid are filled in per reader).  112 bytes: the
 * default 64 fit two pages.
 */
struct tcpstate_port_rec {
	struct tcpstate_port_failure f;
	struct pid *pid;	/* referenced */
	kuid_t uid;		/* the socket's */
};

struct tcpstate_net {
	struct tcpstate_buckets __rcu *table;
	struct rcu_head rcu;		/* freed after the hooks are done with it */
	/* Per-CPU counters, allocated with the first entry. */
	struct tcpstate_counters __percpu *counters;
	atomic_long_t entries;
	/* Entries in the table or about to be: what the quota counts. */
	atomic_long_t charged;
	/* Both set under base_lock; the quota is their minimum (net_quota()). */
	unsigned long ceiling;	/* the admin's quota, or QUOTA_DEFAULT */
	unsigned long own;	/* its own restraint, or QUOTA_NONE */
	/* Its user's entries, for all its namespaces; NULL: no limit. */
	struct tcpstate_user *user;
	bool init;		/* the initial namespace */
	bool dead;		/* set at namespace exit: hooks stay away */
	/* Charged for what is allocated out of its creator's context. */
	struct mem_cgroup *memcg;	/* held; NULL: no one */
	/* Drops for want of memory before the counters existed. */
	atomic_long_t dropped_early;
	u32 netns;		/* inode number, for readers */
	struct work_struct resize;	/* table_work(): buckets, port ring */
	unsigned long resize_failed;	/* jiffies of the last failure, or before */
	struct list_head readers;	/* event readers of this namespace */
	struct list_head node;		/* on tcpstate_nets */
	int walkers;			/* nets_next() callers at it */
	struct mutex base_lock;		/* protects base and since_ns */
	/* Subtracted from cumulative counters; NULL until the first reset. */
	struct tcpstate_counters *base;
	u64 since_ns;			/* when they last started from zero */
	u64 tw_overflow_base;		/* the kernel's TCPTimeWaitOverflow then */
	struct net *net;		/* whose table this is, for its MIB */
	/*
	 * Port exhaustion: the last port_failures failures (a ring allocated
	 * with the first one; on PREEMPT_RT with the namespace), and totals.
	 */
	raw_spinlock_t port_lock;	/* protects the ring */
	struct tcpstate_port_rec *port_ring;
	bool port_ring_wanted;		/* for table_work() to allocate */
	u32 port_next;			/* where the next one goes */
	u32 port_count;			/* how many the ring holds */
	atomic64_t port_total[TCPSTATE_PORT_KIND_MAX][2];
};

/*
 * What the kernel keeps for us in each namespace (net_generic): a pointer.
 * struct tcpstate_net is allocated by tcpstate_net_init() in the creator's
 * context, charged to its memory cgroup, which the kernel's own allocation
 * of net_generic data is not.  NULL when the setup failed, and from the
 * namespace's exit on; freed an RCU grace period after that.
 */
struct tcpstate_net_slot {
	struct tcpstate_net __rcu *tn;
};

/*
 * The user of the namespaces of one user namespace (outermost_user()),
 * with the entries of all of them.  One per user with a namespace: found
 * or made at the namespace's creation, and freed with the last one's
 * exit; their number is bounded by that of the namespaces.
 */
struct tcpstate_user {
	struct list_head node;		/* on tcpstate_users */
	kuid_t uid;
	/* For an outermost user namespace made by root, that namespace,
	 * pinned by the namespaces that hold this; else NULL.
	 */
	const struct user_namespace *ns;
	unsigned int nets;		/* holders; under tcpstate_users_lock */
	atomic_long_t entries;
};

static DEFINE_MUTEX(tcpstate_users_lock);
static LIST_HEAD(tcpstate_users);

static unsigned int tcpstate_net_id __read_mostly;
static struct kmem_cache *tcpstate_entry_cache __read_mostly;
static atomic_long_t tcpstate_all_entries = ATOMIC_LONG_INIT(0);
/* Entries of all namespaces but the initial one. */
static atomic_long_t tcpstate_other_entries = ATOMIC_LONG_INIT(0);
static atomic_long_t tcpstate_all_dropped = ATOMIC_LONG_INIT(0);
static atomic_long_t tcpstate_all_tw_netns_exits = ATOMIC_LONG_INIT(0);
/*
 * The task that loads the module, while it sets up the namespaces there
 * are (which it did not make); NULL after.  Any other task that sets one
 * up meanwhile is creating it.
 */
static struct task_struct *tcpstate_loader;

/* tcpstate_net.quota: none of its own, the module's default applies. */
#define QUOTA_DEFAULT	ULONG_MAX
/* A quota of no limit: no count of entries reaches it. */
#define QUOTA_NONE	((unsigned long)LONG_MAX)

/*
 * Every live namespace's table, for the all-namespaces overview and the
 * reconcile sweep.  The lock is held only to step from one to the next:
 * a walker pins the namespace it is at (->walkers), never the lock, so
 * namespace creation never waits for a walk, and the exit of a namespace
 * waits only for the walkers at that one.
 */
static LIST_HEAD(tcpstate_nets);
static DEFINE_SPINLOCK(tcpstate_nets_lock);

/*
 * The namespace after @prev (the first for NULL) that is not dying,
 * pinned; unpins @prev, which the pin kept on the list.  NULL after the
 * last.  A reference on the namespace would not do: a namespace whose
 * setup fails after ours ran is taken apart whatever its count.
 */
static struct tcpstate_net *nets_next(struct tcpstate_net *prev)
{
	struct list_head *pos = prev ? &prev->node : &tcpstate_nets;
	struct tcpstate_net *tn = NULL;
	bool wake = false;

	spin_lock(&tcpstate_nets_lock);
	for (pos = pos->next; pos != &tcpstate_nets; pos = pos->next) {
		struct tcpstate_net *x = list_entry(pos, struct tcpstate_net, node);

		if (!x->dead) {
			x->walkers++;
			tn = x;
			break;
		}
	}
	if (prev)
		wake = !--prev->walkers && prev->dead;
	spin_unlock(&tcpstate_nets_lock);
	/* Only the address is used: prev may be gone once the lock is. */
	if (wake)
		wake_up_var(&prev->walkers);
	return tn;
}

/* Leave a walk before its end. */
static void nets_stop(struct tcpstate_net *tn)
{
	bool wake;

	spin_lock(&tcpstate_nets_lock);
	wake = !--tn->walkers && tn->dead;
	spin_unlock(&tcpstate_nets_lock);
	if (wake)
		wake_up_var(&tn->walkers);
}

/* No walker is at @tn (dead, so none comes): for its exit. */
static bool nets_unwalked(struct tcpstate_net *tn)
{
	bool none;

	spin_lock(&tcpstate_nets_lock);
	none = !tn->walkers;
	spin_unlock(&tcpstate_nets_lock);
	return none;
}

static bool valid_state(int state)
{
	return state >= TCPSTATE_ESTABLISHED && state < TCPSTATE_STATE_MAX;
}

/*
 * Where @cookie sits in the table's order: a multiplication by an odd
 * number, modulo 2^64, a bijection whose high bits are well mixed.
 */
static inline u64 key_of(u64 cookie)
{
	return cookie * GOLDEN_RATIO_64;
}

static inline struct hlist_bl_head *bucket_of(struct tcpstate_buckets *t, u64 key)
{
	return &t->heads[key >> (64 - t->bits)];
}

static inline bool bucket_moved(struct hlist_bl_head *b)
{
	return (unsigned long)READ_ONCE(b->first) & BUCKET_MOVED;
}

/*
 * What the table reaches through RCU (the namespace's slot and memory, its
 * buckets) is read in a read-side section.  The hooks are in one already:
 * they run with preemption off (tracepoint probes, ftrace callbacks under
 * ftrace_test_recursion_trylock(), the kretprobe's handler, which rethook
 * calls so), which holds off a grace period as rcu_read_lock() does.  So
 * the table takes rcu_read_lock() only where preemption is on, and checks
 * its reads against either.
 */
#define table_deref(p)	rcu_dereference_check(p, rcu_read_lock_any_held())

/*
 * Softirqs off around a hook's bucket lock (tcpstate_bh_disable()),
 * unless they are off already: in a softirq, where most of a connection's
 * changes are seen (a timer's, or a packet's, loopback's included), or
 * where the caller turned them off.  Returns whether table_bh_enable()
 * has anything to undo.  Never in a hard interrupt: there the lock is
 * not to be taken, and local_bh_enable() warns about it.  (On
 * PREEMPT_RT tcpstate_bh_disable() does nothing either way.)
 */
static inline bool table_bh_disable(void)
{
	if (softirq_count() && !in_hardirq())
		return false;
	tcpstate_bh_disable();
	return true;
}

static inline void table_bh_enable(bool disabled)
{
	if (disabled)
		tcpstate_bh_enable();
}

/*
 * Lock the bucket of @key, following resizes; softirqs are off and the
 * caller is in an RCU read-side section.
 */
static struct hlist_bl_head *bucket_lock(struct tcpstate_net *tn, u64 key)
	__acquires(bucket)
{
	struct tcpstate_buckets *t = table_deref(tn->table);
	struct hlist_bl_head *b;

	tcpstate_assert_bh_disabled();
	for (;;) {
		b = bucket_of(t, key);
		hlist_bl_lock(b);
		if (!bucket_moved(b))
			break;
		hlist_bl_unlock(b);
		/* Set before the first bucket was marked. */
		t = table_deref(t->next);
	}
	return b;
}

/*
 * For a walk in position order: lock the bucket of position @pos, and set
 * *@end to the first position after those this bucket surely holds, or 0
 * when it holds every position from @pos on.  A moved bucket of a finer
 * generation covers less than the coarser bucket it was moved into: the
 * rest of that one may still be in unmoved buckets of the finer one.  So
 * the range is the narrowest bucket on the way.
 */
static struct hlist_bl_head *bucket_lock_range(struct tcpstate_net *tn, u64 pos,
					       u64 *end)
	__acquires(bucket)
{
	struct tcpstate_buckets *t = rcu_dereference(tn->table);
	struct hlist_bl_head *b;
	u64 e, width;

	tcpstate_assert_bh_disabled();
	*end = 0;
	for (;;) {
		width = 1ULL << (64 - t->bits);
		e = (pos & ~(width - 1)) + width;	/* 0 past the last bucket */
		if (e && (!*end || e < *end))
			*end = e;
		b = bucket_of(t, pos);
		hlist_bl_lock(b);
		if (!bucket_moved(b))
			return b;
		hlist_bl_unlock(b);
		t = rcu_dereference(t->next);
	}
}

/* Is @key, at or after the walk's @pos, before its bucket's @end? */
static inline bool walk_covers(u64 key, u64 pos, u64 end)
{
	return key >= pos && (!end || key < end);
}

/* What table_enter() did, for the allocation and table_leave(). */
#define TABLE_ATOMIC	0x1	/* RT mode, preemption off: the pool */
#define TABLE_RCU	0x2	/* rcu_read_lock() taken */

/*
 * Around what the table does for a hook (or the test fill): an RCU
 * read-side section, and in RT mode where preemption is off,
 * tcpstate_atomic_begin().  Whether preemption is on is asked at each
 * call, not assumed: a kernel whose hooks run preemptible gets
 * rcu_read_lock() there too.
 */
static __always_inline unsigned int table_enter(void)
	__acquires(RCU)
{
	unsigned int how = 0;

	if (tcpstate_atomic_here())
		how |= TABLE_ATOMIC;
	if (preemptible()) {
		rcu_read_lock();
		how |= TABLE_RCU;
	} else {
		__acquire(RCU);
	}
	tcpstate_atomic_begin(how & TABLE_ATOMIC);
	return how;
}

static __always_inline void table_leave(unsigned int how)
	__releases(RCU)
{
	tcpstate_atomic_end(how & TABLE_ATOMIC);
	if (how & TABLE_RCU)
		rcu_read_unlock();
	else
		__release(RCU);
}

static struct tcpstate_net_slot *net_slot(struct net *net)
{
	return net_generic(net, tcpstate_net_id);
}

/*
 * net_generic() in a read-side section (table_enter(), or under
 * rcu_read_lock()), without the section of its own it takes and leaves:
 * the array it reads is freed after a grace period when it is replaced.
 */
static struct tcpstate_net_slot *net_slot_rcu(struct net *net)
{
	struct net_generic *ng = table_deref(net->gen);

	return ng->ptr[tcpstate_net_id];
}

/*
 * The namespace's own memory, or NULL.  The caller is in an RCU read-side
 * section (the hooks), or holds a reference to the namespace (the device,
 * whose files do), or is its setup or exit: the memory outlives each.
 */
static struct tcpstate_net *slot_tn(struct tcpstate_net_slot *slot)
{
	/*
	 * No slot: the setup of the namespace has not reached us, or failed
	 * (ops_init() then clears it).
	 */
	if (!slot)
		return NULL;
	return rcu_dereference_check(slot->tn, 1);
}

static struct tcpstate_net *net_tn(struct net *net)
{
	return slot_tn(net_slot(net));
}

/* @tn when its table is there, else NULL. */
static struct tcpstate_net *tn_live(struct tcpstate_net *tn)
{
	/*
	 * The slot is published last, with release: seeing it means the
	 * table, lists and locks are ready.  An object of a namespace (socket,
	 * request, timewait socket) never outlives the namespace's struct net
	 * and its net_generic data: TCP's own pernet exit purges them first,
	 * and they are the kernel's to keep valid while we look.
	 */
	if (!tn || READ_ONCE(tn->dead) || !rcu_access_pointer(tn->table))
		return NULL;
	return tn;
}

/* The namespace's table, or NULL when it is not (or no longer) there. */
static struct tcpstate_net *tcpstate_net_live(struct net *net)
{
	return tn_live(net_tn(net));
}

/* tcpstate_net_live() in a read-side section (net_slot_rcu()). */
static struct tcpstate_net *table_net(struct net *net)
{
	return tn_live(slot_tn(net_slot_rcu(net)));
}

/*
 * The per-CPU counters, allocated when the namespace gets its first entry
 * (by a hook or not); NULL when that allocation failed.
 */
static struct tcpstate_counters __percpu *net_counters(struct tcpstate_net *tn)
{
	struct tcpstate_counters __percpu *c, *old;
	struct mem_cgroup *memcg;

	/* Pairs with cmpxchg_release() below: the counters are zeroed first. */
	c = smp_load_acquire(&tn->counters);
	if (likely(c))
		return c;
	/* In RT mode the hooks may not allocate: tcpstate_net_init() did. */
	if (tcpstate_rt_mode())
		return NULL;
	memcg = tcpstate_charge_begin(tn->memcg);
	c = alloc_percpu_gfp(struct tcpstate_counters,
			     GFP_NOWAIT | __GFP_NOWARN | tcpstate_charge_gfp(tn->memcg));
	tcpstate_charge_end(tn->memcg, memcg);
	if (!c)
		return NULL;
	old = cmpxchg_release(&tn->counters, NULL, c);
	if (old) {
		free_percpu(c);
		return old;
	}
	return c;
}

/*
 * A cookie may name several sockets at once: a socket connected again
 * keeps its cookie, and so does each timewait socket its earlier
 * connections left, each on a 4-tuple of its own.  So an entry is known
 * by its cookie and, for a timewait socket's, its tuple.  Of one cookie's
 * entries the socket's comes first, then the timewait sockets', in the
 * order of their rank: 1 + a hash of the tuple (ties, 2^-63 of a pair of
 * unrelated tuples, by the tuple itself).  The snapshot resumes after a rank.
 */
static inline bool entry_tw(const struct tcpstate_entry *e)
{
	return e->flags & TCPSTATE_F_TIMEWAIT_SOCK;
}

/* The two halves of an address, as words to mix (in any byte order). */
static inline u64 addr_hi(const struct in6_addr *a)
{
	return (u64)(__force u32)a->s6_addr32[0] << 32 |
	       (__force u32)a->s6_addr32[1];
}

static inline u64 addr_lo(const struct in6_addr *a)
{
	return (u64)(__force u32)a->s6_addr32[2] << 32 |
	       (__force u32)a->s6_addr32[3];
}

/* Each step a bijection of the word mixed in: a multiply-xor chain. */
static u64 rank_of(const struct in6_addr *saddr, const struct in6_addr *daddr,
		   u16 sport, u16 dport, u16 family)
{
	u64 h = (u64)sport << 32 | (u64)dport << 16 | family;

	h = (h ^ addr_hi(saddr)) * GOLDEN_RATIO_64;
	h = (h ^ addr_lo(saddr)) * GOLDEN_RATIO_64;
	h = (h ^ addr_hi(daddr)) * GOLDEN_RATIO_64;
	h = (h ^ addr_lo(daddr)) * GOLDEN_RATIO_64;
	return (h >> 1) + 1;
}

static u64 tuple_rank(const struct tcpstate_tuple *t)
{
	return rank_of(&t->saddr, &t->daddr, t->sport, t->dport, t->family);
}

static void entry_tuple(const struct tcpstate_entry *e, struct tcpstate_tuple *t)
{
	t->saddr = e->saddr;
	t->daddr = e->daddr;
	t->sport = e->sport;
	t->dport = e->dport;
	t->family = e->family;
}

static void entry_set_tuple(struct tcpstate_entry *e, const struct tcpstate_tuple *t)
{
	e->saddr = t->saddr;
	e->daddr = t->daddr;
	e->sport = t->sport;
	e->dport = t->dport;
	e->family = t->family;
}

/* @e's rank among its cookie's entries: 0 for the socket's. */
static u64 entry_rank(const struct tcpstate_entry *e)
{
	if (!entry_tw(e))
		return 0;
	return rank_of(&e->saddr, &e->daddr, e->sport, e->dport, e->family);
}

/* @e's tuple against @b: memcmp() order of addresses, then ports, family. */
static int entry_tuple_cmp(const struct tcpstate_entry *e,
			   const struct tcpstate_tuple *b)
{
	int d = memcmp(&e->saddr, &b->saddr, sizeof(b->saddr));

	if (!d)
		d = memcmp(&e->daddr, &b->daddr, sizeof(b->daddr));
	if (!d)
		d = (int)e->sport - b->sport;
	if (!d)
		d = (int)e->dport - b->dport;
	if (!d)
		d = (int)e->family - b->family;
	return d;
}

/*
 * Find the entry of @cookie in a locked bucket held by the timewait socket
 * of tuple @tw, whose tuple_rank() is @rank (a socket's own entry:
 * bucket_find_sock()); *@prev: the entry it goes after, or NULL.
 */
static struct tcpstate_entry *bucket_find_ranked(struct hlist_bl_head *b,
						 u64 cookie,
						 const struct tcpstate_tuple *tw,
						 u64 rank,
						 struct tcpstate_entry **prev)
{
	u64 key = key_of(cookie), r;
	struct tcpstate_entry *e;
	struct hlist_bl_node *n;
	int d;

	*prev = NULL;
	hlist_bl_for_each_entry(e, n, b, node) {
		if (e->cookie == cookie) {
			r = entry_rank(e);
			d = r == rank ? entry_tuple_cmp(e, tw) :
			    r < rank ? -1 : 1;
			if (!d)
				return e;
			if (d > 0)
				break;
		} else if (key_of(e->cookie) > key) {
			break;
		}
		*prev = e;
	}
	return NULL;
}

/*
 * bucket_find_ranked() of a socket's entry (rank 0), which comes first
 * among its cookie's: no rank to compute.
 */
static inline struct tcpstate_entry *
bucket_find_sock(struct hlist_bl_head *b, u64 cookie,
		 struct tcpstate_entry **prev)
{
	u64 key = key_of(cookie);
	struct tcpstate_entry *e;
	struct hlist_bl_node *n;

	*prev = NULL;
	hlist_bl_for_each_entry(e, n, b, node) {
		if (e->cookie == cookie)
			return entry_tw(e) ? NULL : e;
		if (key_of(e->cookie) > key)
			break;
		*prev = e;
	}
	return NULL;
}

static struct tcpstate_entry *bucket_find(struct hlist_bl_head *b, u64 cookie,
					  const struct tcpstate_tuple *tw,
					  struct tcpstate_entry **prev)
{
	if (!tw)
		return bucket_find_sock(b, cookie, prev);
	return bucket_find_ranked(b, cookie, tw, tuple_rank(tw), prev);
}

/*
 * The hand-off of @cookie's socket entry to the timewait socket of tuple
 * @tw, in a locked bucket, when no other entry has the cookie: its rank
 * is then the socket's place, and it takes the tuple there.  NULL when
 * there is no socket entry, or others of the cookie.
 */
static struct tcpstate_entry *bucket_handoff_alone(struct hlist_bl_head *b,
						   u64 cookie,
						   const struct tcpstate_tuple *tw)
{
	struct tcpstate_entry *e, *prev;
	struct hlist_bl_node *next;

	e = bucket_find_sock(b, cookie, &prev);
	if (!e)
		return NULL;
	next = e->node.next;
	if (next && hlist_bl_entry(next, struct tcpstate_entry, node)->cookie == cookie)
		return NULL;
	entry_set_tuple(e, tw);
	return e;
}

static void bucket_insert(struct hlist_bl_head *b, struct tcpstate_entry *e,
			  struct tcpstate_entry *prev)
{
	if (prev)
		hlist_bl_add_behind(&e->node, &prev->node);
	else
		hlist_bl_add_head(&e->node, b);
}

/* Bucket bits for @n entries. */
static unsigned int table_bits_for(long n)
{
	unsigned int bits = n > 1 ? order_base_2(n) : 0;

	return clamp_t(unsigned int, bits, TABLE_MIN_BITS, TABLE_MAX_BITS);
}

/*
 * After an entry went in or out (under RCU): grow when entries outnumber
 * buckets, shrink when they fill less than a quarter of them.
 */
static void table_fit(struct tcpstate_net *tn)
{
	struct tcpstate_buckets *t = table_deref(tn->table);
	long n = atomic_long_read(&tn->entries);
	long size = 1L << t->bits;

	if (((n > size && t->bits < TABLE_MAX_BITS) ||
	     (n < size / 4 && t->bits > TABLE_MIN_BITS)) &&
	    !work_pending(&tn->resize) &&
	    time_after(jiffies, READ_ONCE(tn->resize_failed) + HZ))
		queue_work(system_unbound_wq, &tn->resize);
}

/* @tn's ceiling: the admin's quota, else the module's default. */
static unsigned long net_ceiling(const struct tcpstate_net *tn)
{
	unsigned long q = READ_ONCE(tn->ceiling);

	if (q != QUOTA_DEFAULT)
		return q;
	return tn->init ? QUOTA_NONE : READ_ONCE(netns_max_entries);
}

/*
 * The quota in force for @tn: its ceiling, or its own restraint when
 * smaller.  A restraint never lifts the ceiling, which follows the
 * module's default: a namespace cannot keep today's default against a
 * later cut by setting it as its own.
 */
static unsigned long net_quota(const struct tcpstate_net *tn)
{
	return min(net_ceiling(tn), READ_ONCE(tn->own));
}

/* How many entries the namespaces but the initial one may hold together. */
static unsigned long others_max(unsigned long cap)
{
	unsigned long reserve = READ_ONCE(init_net_reserve);

	return reserve < cap ? cap - reserve : 0;
}

/*
 * Count a new entry of @tn against its quota, its user's limit, the
 * others' share and the cap, in that order; on failure return the TCPSTATE_DROP_* reason with
 * nothing counted, else -1.  A count that goes past its limit is taken
 * back, so two CPUs racing for the last slot cannot both have it.
 */
static int entry_charge(struct tcpstate_net *tn)
{
	unsigned long cap = READ_ONCE(max_entries);
	struct tcpstate_user *u = tn->user;

	if ((unsigned long)atomic_long_inc_return(&tn->charged) > net_quota(tn))
		goto err_quota;
	if (u && (unsigned long)atomic_long_inc_return(&u->entries) >
	    READ_ONCE(user_max_entries))
		goto err_user;
	if (!tn->init &&
	    (unsigned long)atomic_long_inc_return(&tcpstate_other_entries) >
	    others_max(cap))
		goto err_others;
	if ((unsigned long)atomic_long_inc_return(&tcpstate_all_entries) > cap)
		goto err_all;
	return -1;

err_all:
	atomic_long_dec(&tcpstate_all_entries);
	if (tn->init)
		goto err_cap;
err_others:
	atomic_long_dec(&tcpstate_other_entries);
err_cap:
	if (u)
		atomic_long_dec(&u->entries);
	atomic_long_dec(&tn->charged);
	return TCPSTATE_DROP_CAP;
err_user:
	atomic_long_dec(&u->entries);
	atomic_long_dec(&tn->charged);
	return TCPSTATE_DROP_USER;
err_quota:
	atomic_long_dec(&tn->charged);
	return TCPSTATE_DROP_QUOTA;
}

static void entry_uncharge(struct tcpstate_net *tn)
{
	atomic_long_dec(&tcpstate_all_entries);
	if (!tn->init)
		atomic_long_dec(&tcpstate_other_entries);
	if (tn->user)
		atomic_long_dec(&tn->user->entries);
	atomic_long_dec(&tn->charged);
}

static void net_count_drop(struct tcpstate_net *tn,
			   struct tcpstate_counters __percpu *c, int why)
{
	atomic_long_inc(&tcpstate_all_dropped);
	if (c)
		this_cpu_inc(c->dropped[why]);
	else
		atomic_long_inc(&tn->dropped_early);
}

#if TCPSTATE_RT
/*
 * RT mode's leases.  A hook that needs an entry takes one from the pool
 * (entry_from_pool()), charged to no one; once it is in the table,
 * entry_lease() hands it to lease_work(), with a reference to the memory
 * cgroup to charge.  That work item allocates a copy charged there and
 * puts it in the entry's place under the bucket lock; the pool's entry
 * goes back to the pool.  A held lease's entry is freed by whichever of
 * the table (entry_free(): removed, or its namespace gone) and the work
 * item lets go of it last: each exchanges its state for LEASE_LET_GO and
 * frees it when it finds LEASE_LET_GO already (lease_let_go()).  So the
 * work item may look at a held entry, and at its namespace under RCU,
 * until it lets go.  A copy that cannot be had (the memory cgroup is at
 * its limit, and one pass of reclaim did not help) is what a hook finds
 * at a birth elsewhere: the entry is evicted (readers see it close),
 * counted as dropped for want of memory and as a miss, which the
 * reconcile pass repairs if it then can.  First without reclaim: one
 * cgroup that must reclaim delays the charging of the others' entries.
 */
static LLIST_HEAD(tcpstate_leases);
static void lease_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(tcpstate_lease_work, lease_work);

static unsigned int debug_lease_delay_ms;
module_param(debug_lease_delay_ms, uint, 0644);
MODULE_PARM_DESC(debug_lease_delay_ms,
		 "Testing only, RT mode: new leases wait this long (at most 60000 ms) for the work item that charges them, so that a test can end their namespace or unload the module meanwhile");

static void entry_lease_none(struct tcpstate_entry *e)
{
	e->lease.state = LEASE_NONE;
}

static struct tcpstate_entry *entry_from_pool(struct tcpstate_net *tn,
					      struct mem_cgroup *memcg)
{
	struct tcpstate_entry *e = tcpstate_pool_take();

	if (!e)
		return NULL;
	e->lease.state = LEASE_POOL;
	e->lease.memcg = memcg;
	e->lease.tn = tn;
	return e;
}

/*
 * @e went into the table (under its bucket lock): lease it, if it is owed
 * to a memory cgroup.  The root one is charged nothing.
 */
static void entry_lease(struct tcpstate_entry *e)
{
	struct mem_cgroup *memcg = e->lease.memcg;

	if (e->lease.state != LEASE_POOL || !memcg)
		return;
#ifdef CONFIG_MEMCG
	if (!memcg->css.parent)
		return;
	/* The caller holds one: the socket's, or the namespace's. */
	css_get(&memcg->css);
#endif
	e->lease.state = LEASE_HELD;
	llist_add(&e->lease.node, &tcpstate_leases);
	queue_delayed_work(system_unbound_wq, &tcpstate_lease_work,
			   msecs_to_jiffies(min(READ_ONCE(debug_lease_delay_ms), 60000U)));
}

/*
 * Let go of @e: true when the other party (table or work item) still
 * holds it and will free it, false when the caller is to free it.
 */
static bool lease_let_go(struct tcpstate_entry *e)
{
	int state = READ_ONCE(e->lease.state);

	if (state != LEASE_HELD && state != LEASE_LET_GO)
		return false;
	return xchg(&e->lease.state, LEASE_LET_GO) == LEASE_HELD;
}

static void entry_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tcpstate_entry_cache,
			container_of(head, struct tcpstate_entry, rcu));
}

/*
 * The memory of an entry out of the table (or never in it): to the pool
 * if it came from there, else freed; where hooks run, after a grace
 * period, as they may not free.
 */
static void entry_release(struct tcpstate_entry *e)
{
	if (lease_let_go(e))
		return;
	if (e->lease.state == LEASE_LET_GO) {
		mem_cgroup_put(e->lease.memcg);
		e->lease.state = LEASE_POOL;
	}
	if (e->lease.state == LEASE_POOL && tcpstate_pool_give(e))
		return;
	if (tcpstate_atomic_here()) {
		call_rcu(&e->rcu, entry_free_rcu);
	} else {
		tcpstate_might_sleep_lock();
		kmem_cache_free(tcpstate_entry_cache, e);
	}
}

static void entry_free(struct tcpstate_net *tn, struct tcpstate_entry *e);
static void entry_remove(struct tcpstate_net *tn, struct tcpstate_entry *e,
			 int tw_exit);

/*
 * Put @c, a charged copy of @e, in its place, or with @c NULL evict it;
 * either only while @e is in the table.  Then let go of @e.
 */
static void lease_end(struct tcpstate_entry *e, struct tcpstate_entry *c)
{
	struct tcpstate_entry *x, *prev = NULL;
	bool found = false, evicted = false;
	struct hlist_bl_node *n;
	struct hlist_bl_head *b;
	struct tcpstate_net *tn;

	rcu_read_lock();
	/*
	 * Still held: its namespace is not freed before this section ends
	 * (tcpstate_net_free() lets go of it after a grace period that
	 * follows ->dead), nor its buckets while ->dead is not seen.
	 */
	tn = e->lease.tn;
	if (READ_ONCE(e->lease.state) == LEASE_HELD && !READ_ONCE(tn->dead)) {
		tcpstate_bh_disable();
		b = bucket_lock(tn, key_of(e->cookie));
		hlist_bl_for_each_entry(x, n, b, node) {
			if (x == e) {
				found = true;
				break;
			}
			prev = x;
		}
		if (found && c) {
			hlist_bl_del(&e->node);
			*c = *e;
			c->lease.state = LEASE_NONE;
			c->lease.memcg = NULL;
			bucket_insert(b, c, prev);
		} else if (found) {
			/* Readers see it close, as they saw it born. */
			entry_remove(tn, e, -1);
			evicted = true;
		}
		hlist_bl_unlock(b);
		tcpstate_bh_enable();
	}
	if (evicted) {
		/* Out of the table, ours alone. */
		e->lease.state = LEASE_LET_GO;
		net_count_drop(tn, tn->counters, TCPSTATE_DROP_NOMEM);
		tcpstate_count_miss(TCPSTATE_MISS_ALLOC);
		entry_free(tn, e);
		table_fit(tn);
	}
	rcu_read_unlock();
	if (evicted)
		return;
	if (found) {
		/* Ours alone, its process now the copy's: back to the pool. */
		e->lease.state = LEASE_LET_GO;
		entry_release(e);
		return;
	}
	if (c)
		kmem_cache_free(tcpstate_entry_cache, c);
	/* Out of the table: whoever took it out frees it, or we do. */
	if (!lease_let_go(e))
		entry_release(e);
}

static void lease_work(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&tcpstate_leases);
	struct tcpstate_entry *e, *tmp, *c;
	struct mem_cgroup *old;

	llist_for_each_entry_safe(e, tmp, llist_reverse_order(list), lease.node) {
		c = NULL;
		if (READ_ONCE(e->lease.state) == LEASE_HELD) {
			old = set_active_memcg(e->lease.memcg);
			c = kmem_cache_alloc(tcpstate_entry_cache, GFP_NOWAIT |
					     __GFP_NOWARN | __GFP_ACCOUNT);
			if (!c)
				c = kmem_cache_alloc(tcpstate_entry_cache,
						     GFP_KERNEL | __GFP_NORETRY |
						     __GFP_NOWARN | __GFP_ACCOUNT);
			set_active_memcg(old);
		}
		lease_end(e, c);
		cond_resched();
	}
}

/*
 * At unload, once every table is gone: the table let go of every held
 * entry, so the work item frees them all without allocating.
 */
static void leases_exit(void)
{
	cancel_delayed_work_sync(&tcpstate_lease_work);
	lease_work(NULL);
}
#else
static inline void entry_lease_none(struct tcpstate_entry *e) { }

static inline struct tcpstate_entry *entry_from_pool(struct tcpstate_net *tn,
						     struct mem_cgroup *memcg)
{
	return NULL;
}

static inline void entry_lease(struct tcpstate_entry *e) { }

static inline void entry_release(struct tcpstate_entry *e)
{
	kmem_cache_free(tcpstate_entry_cache, e);
}

static inline void leases_exit(void) { }
#endif

/*
 * A new entry (*@why -1), or NULL with *@why the TCPSTATE_DROP_* reason
 * (nothing counted yet: entry_alloc_failed() does).  The entry is charged to
 * @memcg, or to the namespace's.  Called before the bucket is locked.
 *
 * With @pool (RT mode, where preemption is off) it comes from the pool.
 */
static struct tcpstate_entry *entry_try_alloc(struct tcpstate_net *tn,
					      struct mem_cgroup *memcg, bool pool,
					      int *why)
{
	struct tcpstate_entry *e;
	struct mem_cgroup *old;

	if (!net_counters(tn)) {
		*why = TCPSTATE_DROP_NOMEM;
		return NULL;
	}
	*why = entry_charge(tn);
	if (*why >= 0)
		return NULL;
	if (!memcg)
		memcg = tn->memcg;
	if (pool) {
		e = entry_from_pool(tn, memcg);
	} else {
		tcpstate_might_sleep_lock();
		old = tcpstate_charge_begin(memcg);
		e = kmem_cache_alloc(tcpstate_entry_cache,
				     GFP_NOWAIT | __GFP_NOWARN | tcpstate_charge_gfp(memcg));
		tcpstate_charge_end(memcg, old);
		if (e)
			entry_lease_none(e);
	}
	if (!e) {
		entry_uncharge(tn);
		*why = TCPSTATE_DROP_NOMEM;
	}
	return e;
}

/*
 * The connection needed an entry and entry_try_alloc() failed for @why:
 * past the quota or the cap, or out of memory, the connection is counted
 * as dropped, with the reason, when @count_drop, which is where it is
 * born (or seeded), once; a later hook or the reconcile pass may still
 * make it when there is room, and does not count it again.  Out of
 * memory is also a miss, which the reconcile pass repairs.
 */
static void entry_alloc_failed(struct tcpstate_net *tn, int why, bool count_drop)
{
	if (why == TCPSTATE_DROP_NOMEM)
		tcpstate_count_miss(TCPSTATE_MISS_ALLOC);
	if (!count_drop)
		return;
	/* Pairs with net_counters()' cmpxchg_release(): zeroed first. */
	net_count_drop(tn, smp_load_acquire(&tn->counters), why);
}

/* entry_try_alloc(), and when it fails, entry_alloc_failed(). */
static struct tcpstate_entry *entry_alloc(struct tcpstate_net *tn, bool count_drop,
					  struct mem_cgroup *memcg, bool pool)
{
	struct tcpstate_entry *e;
	int why;

	e = entry_try_alloc(tn, memcg, pool, &why);
	if (!e)
		entry_alloc_failed(tn, why, count_drop);
	return e;
}

/* An entry that was never inserted. */
static void entry_unused(struct tcpstate_net *tn, struct tcpstate_entry *e)
{
	if (!e)
		return;
	entry_release(e);
	entry_uncharge(tn);
}

/* What entry_set_who() let go of, after unlocking. */
static void who_drop_put(struct who_drop *drop)
{
#if TCPSTATE_RT
	tcpstate_put_pid(drop->pid);
#else
	tcpstate_who_unshare(drop->shared);
#endif
}

/* After unlocking: its owner's reference goes too (process or softirq context). */
static void entry_free(struct tcpstate_net *tn, struct tcpstate_entry *e)
{
#if TCPSTATE_RT
	tcpstate_put_pid(e->who.pid);
#else
	tcpstate_who_unshare(e->who);
#endif
	entry_release(e);
	atomic_long_dec(&tn->entries);
	entry_uncharge(tn);
}

/*
 * Counter updates; the caller holds a bucket lock: nothing else on this
 * CPU updates them until it is released (hard interrupts never do).
 */
static void count_enter(struct tcpstate_net *tn, int state, u8 flags)
{
	__this_cpu_inc(tn->counters->gauge[state]);
	if (flags & TCPSTATE_F_TIMEWAIT_SOCK)
		__this_cpu_inc(tn->counters->timewait_socks);
}

static void count_leave(struct tcpstate_net *tn, int state, u8 flags)
{
	__this_cpu_dec(tn->counters->gauge[state]);
	if (flags & TCPSTATE_F_TIMEWAIT_SOCK)
		__this_cpu_dec(tn->counters->timewait_socks);
}

static void count_transition(struct tcpstate_net *tn, int from, int to)
{
	if (valid_state(from) && from != to)
		__this_cpu_inc(tn->counters->transitions[from][to]);
}

/* The local port shown: 0 while an earlier connect()'s is pending. */
static u16 entry_sport(const struct tcpstate_entry *e)
{
	return e->flags & TCPSTATE_F_PORT_PENDING ? 0 : e->sport;
}

/* The entry's owner, for export under its lock (no reference taken). */
static void entry_who(const struct tcpstate_entry *e, struct tcpstate_who *w)
{
#if TCPSTATE_RT
	w->memcg = NULL;
	w->uid = e->who.uid;
	w->cgroup = e->who.cgroup;
	w->pid = e->who.pid;
	memcpy(w->comm, e->who.comm, sizeof(w->comm));
#else
	tcpstate_who_shared_read(e->who, w);
#endif
}

/*
 * Does a change of @tn go anywhere (a trace event on, a reader)?  Asked
 * under the bucket lock that tcpstate_notify() is called under, so a
 * reader that starts meanwhile is told the change, or sees it in its
 * snapshot.  Inline: it is asked at every change, nearly always to say no.
 */
static inline bool table_notify_wanted(const struct tcpstate_net *tn)
{
	return trace_state_change_enabled() || trace_timewait_enter_enabled() ||
	       trace_timewait_exit_enabled() ||
	       !list_empty(&tcpstate_all_ns_readers) || !list_empty(&tn->readers);
}

void tcpstate_change_record(const struct tcpstate_change *c,
			    const struct tcpstate_view *v,
			    struct tcpstate_event *ev)
{
	const struct tcpstate_entry *e = c->e;

	/* A ring's slot held another record: every field is written. */
	ev->size = sizeof(*ev);
	ev->type = TCPSTATE_EVENT_STATE;
	ev->family = e->family;
	ev->cookie = e->cookie;
	ev->time_ns = c->now;
	ev->prev_state_ns = valid_state(c->from) && e->since_ns != c->now ?
			    c->now - e->since_ns : 0;
	ev->lost = 0;
	ev->netns = c->netns;
	ev->sport = entry_sport(e);
	ev->dport = e->dport;
	memcpy(ev->saddr, &e->saddr, sizeof(ev->saddr));
	memcpy(ev->daddr, &e->daddr, sizeof(ev->daddr));
	ev->old_state = c->from;
	ev->new_state = e->state;
	ev->tw_exit = c->tw_exit;
	ev->flags = e->flags & TCPSTATE_F_EXPORTED;
	ev->error = 0;
	ev->port_kind = 0;
	ev->pad = 0;
	if (!v)
		return;
#if TCPSTATE_RT
	{
		struct tcpstate_who w;

		entry_who(e, &w);
		tcpstate_who_export(&w, v, &ev->uid, &ev->cgroup_id, &ev->pid,
				    ev->comm);
	}
#else
	/* Straight from the shared owner: no copy of it per record. */
	tcpstate_who_shared_export(e->who, v, &ev->uid, &ev->cgroup_id,
				   &ev->pid, ev->comm);
#endif
}

void tcpstate_change_owner(const struct tcpstate_change *c,
			   struct tcpstate_who *w)
{
	entry_who(c->e, w);
}

/*
 * Tell the readers (and the trace events) that @e went from @from to its
 * state, under its bucket lock, so that one connection's records stay in
 * order; its since_ns is still the old state's.  Each reader's record is
 * made from the entry in its ring (tcpstate_change_record()).
 */
static noinline void entry_notify(struct tcpstate_net *tn,
				  const struct tcpstate_entry *e, int from,
				  u64 now, int tw_exit)
{
	const struct tcpstate_change c = {
		.e = e,
		.now = now,
		.netns = tn->netns,
		.from = from,
		.tw_exit = tw_exit,
	};

	tcpstate_notify(&tn->readers, &c);
}

/* Take into @w what @in knows of the owner: did @w change? */
static bool who_merge(struct tcpstate_who *w, const struct tcpstate_who *in)
{
	bool changed = false;

	if (uid_valid(in->uid) && !uid_eq(w->uid, in->uid)) {
		w->uid = in->uid;
		changed = true;
	}
	if (in->cgroup && in->cgroup != w->cgroup) {
		w->cgroup = in->cgroup;
		changed = true;
	}
	if (in->pid && (in->pid != w->pid ||
			memcmp(w->comm, in->comm, sizeof(w->comm)))) {
		w->pid = in->pid;
		memcpy(w->comm, in->comm, sizeof(w->comm));
		changed = true;
	}
	return changed;
}

#if !TCPSTATE_RT
/*
 * Make @w @e's owner, shared, charged to @memcg or the namespace's; the
 * one it held goes to @drop, to be put after unlocking; a shared owner
 * @drop already held is put here, under the lock (not RT mode: a free
 * there is allowed).  Without memory, @e keeps what it had.
 * Inline: a new entry's owner is made here at every connection.
 */
static __always_inline void entry_share_who(struct tcpstate_net *tn, struct tcpstate_entry *e,
					    const struct tcpstate_who *w,
					    struct mem_cgroup *memcg, struct who_drop *drop)
{
	struct tcpstate_who_shared *s;

	s = tcpstate_who_share(w, memcg ?: tn->memcg);
	if (IS_ERR(s)) {
		tcpstate_count_miss(TCPSTATE_MISS_OWNER);
		return;
	}
	if (e->who) {
		tcpstate_who_unshare(drop->shared);
		drop->shared = e->who;
	}
	e->who = s;
}
#endif

/*
 * Take what @in knows of the owner (NULL: nothing) into @e, under its
 * lock; what it held before goes to @drop, which the caller puts
 * (who_drop_put()) after unlocking.  A new shared owner is charged to
 * @in's memory cgroup, or to the namespace's; without memory for it, the
 * entry keeps the owner it had, and an owner miss is counted (which no
 * reconcile pass repairs: the kernel keeps no process).
 */
static void entry_set_who(struct tcpstate_net *tn, struct tcpstate_entry *e,
			  const struct tcpstate_who *in, struct who_drop *drop)
{
	struct tcpstate_who w;

	if (!in)
		return;
#if !TCPSTATE_RT
	/*
	 * A new entry's owner is what @in knows (its name comes with its
	 * process only, as in what who_merge() makes of it).
	 */
	if (!e->who) {
		entry_share_who(tn, e, in, in->memcg, drop);
		return;
	}
	/* The common case, a state change that tells the same uid again. */
	if (tcpstate_who_shared_covers(e->who, in))
		return;
#endif
	entry_who(e, &w);
	if (!who_merge(&w, in))
		return;
#if TCPSTATE_RT
	if (w.pid != e->who.pid) {
		tcpstate_put_pid(drop->pid);
		drop->pid = e->who.pid;
		e->who.pid = get_pid(w.pid);
	}
	e->who.uid = w.uid;
	e->who.cgroup = w.cgroup;
	memcpy(e->who.comm, w.comm, sizeof(e->who.comm));
#else
	entry_share_who(tn, e, &w, in->memcg, drop);
#endif
}

/* The timer's expiry of a timewait socket's entry, else 0. */
static u64 entry_expires(const struct tcpstate_entry *e)
{
	return e->flags & TCPSTATE_F_TIMEWAIT_SOCK ? e->expires_ns : 0;
}

/* The full socket that owns a connection not (yet) in a timewait socket. */
static u32 entry_owner(const struct tcpstate_entry *e)
{
	return e->flags & TCPSTATE_F_TIMEWAIT_SOCK ? 0 : e->owner;
}

/* Set the one of the two that the entry's (new) flags keep. */
static void entry_set_owner(struct tcpstate_entry *e, u32 owner, u64 expires_ns)
{
	if (e->flags & TCPSTATE_F_TIMEWAIT_SOCK)
		e->expires_ns = expires_ns;
	else if (owner)
		e->owner = owner;
}

/* @e's flags become @flags, counted under its bucket lock. */
static void entry_set_flags(struct tcpstate_net *tn, struct tcpstate_entry *e,
			    u8 flags)
{
	if (e->flags != flags) {
		count_leave(tn, e->state, e->flags);
		count_enter(tn, e->state, flags);
		e->flags = flags;
	}
}

/*
 * @e goes to @state, under its bucket lock: counted, and told to the
 * readers with what the entry holds by then.
 */
static void entry_set_state(struct tcpstate_net *tn, struct tcpstate_entry *e,
			    int state)
{
	int old = e->state;
	u64 now;

	if (old == state)
		return;
	count_leave(tn, old, e->flags);
	count_enter(tn, state, e->flags);
	count_transition(tn, old, state);
	now = tcpstate_now_ns();
	e->state = state;
	if (table_notify_wanted(tn))
		entry_notify(tn, e, old, now, TCPSTATE_TW_EXIT_NONE);
	e->since_ns = now;
}

static void entry_fill(struct tcpstate_entry *e, u64 cookie,
		       const struct tcpstate_tuple *tuple, int state, u8 flags,
		       u32 owner, u64 expires_ns, u64 began_ns, u64 now)
{
	static const struct tcpstate_tuple none;

	e->cookie = cookie;
	e->seen = 0;
	e->began_ns = began_ns;
	e->since_ns = now;
	entry_set_tuple(e, tuple ?: &none);
	e->state = state;
	e->flags = flags;
	e->expires_ns = 0;
	entry_set_owner(e, owner, expires_ns);
#if TCPSTATE_RT
	memset(&e->who, 0, sizeof(e->who));
	e->who.uid = INVALID_UID;
#else
	e->who = NULL;
#endif
}

void tcpstate_table_set(struct net *net, u64 cookie,
			const struct tcpstate_tuple *tuple, int from, int state,
			u8 flags, u32 owner, u64 expires_ns, unsigned int change,
			const struct tcpstate_who *who)
{
	unsigned int how;
	const struct tcpstate_tuple *tw = flags & TCPSTATE_F_TIMEWAIT_SOCK ? tuple : NULL;
	struct tcpstate_entry *e, *prev, *sprev, *spare = NULL;
	struct who_drop drop = {};
	struct tcpstate_net *tn;
	struct hlist_bl_head *b;
	bool added = false;
	int why = -1;
	bool bh;
	u64 now;

	if (!valid_state(state) || !cookie ||
	    (!tw && (flags & TCPSTATE_F_TIMEWAIT_SOCK)))
		return;
	how = table_enter();
	tn = table_net(net);
	if (!tn)
		goto out;
	/*
	 * A birth nearly always makes its entry: allocate it (outside the
	 * bucket lock) before looking, not after.  When it turns out not to
	 * be needed, it is freed and uncharged, and a failure is counted
	 * only when the entry was missing.
	 */
	if (change & TCPSTATE_CHANGE_BIRTH)
		spare = entry_try_alloc(tn, who ? who->memcg : NULL,
					how & TABLE_ATOMIC, &why);
again:
	bh = table_bh_disable();
	b = bucket_lock(tn, key_of(cookie));
	/*
	 * The hand-off to a timewait socket: the full socket's entry becomes
	 * its, with its tuple, moved to its rank among the cookie's entries:
	 * where it is when it has the cookie to itself, as it nearly always
	 * does (a socket connected again leaves more).
	 */
	e = tw && (change & TCPSTATE_CHANGE_CREATE) ?
	    bucket_handoff_alone(b, cookie, tw) : NULL;
	if (!e)
		e = tw ? bucket_find_ranked(b, cookie, tw, tuple_rank(tw), &prev) :
			 bucket_find_sock(b, cookie, &prev);
	if (!e && tw && (change & TCPSTATE_CHANGE_CREATE)) {
		e = bucket_find(b, cookie, NULL, &sprev);
		if (e) {
			/* It came first of its cookie's: before @prev, or @prev. */
			if (prev == e)
				prev = sprev;
			hlist_bl_del(&e->node);
			entry_set_tuple(e, tw);
			bucket_insert(b, e, prev);
		}
	}
	if (!e) {
		if (!(change & TCPSTATE_CHANGE_CREATE))
			goto unlock;
		if (why >= 0) {
			hlist_bl_unlock(b);
			table_bh_enable(bh);
			entry_alloc_failed(tn, why, change & TCPSTATE_CHANGE_BIRTH);
			goto out;
		}
		if (!spare) {
			/* Allocation stays outside the bucket lock. */
			hlist_bl_unlock(b);
			table_bh_enable(bh);
			spare = entry_alloc(tn, false, who ? who->memcg : NULL,
					    how & TABLE_ATOMIC);
			if (!spare)
				goto out;
			goto again;
		}
		e = spare;
		spare = NULL;
		/* Read under the lock: one connection's times never go back. */
		now = tcpstate_now_ns();
		entry_fill(e, cookie, tuple, state, flags, owner, expires_ns, now,
			   now);
		entry_set_who(tn, e, who, &drop);
		bucket_insert(b, e, prev);
		entry_lease(e);
		atomic_long_inc(&tn->entries);
		added = true;
		count_enter(tn, state, flags);
		count_transition(tn, from, state);
		if (valid_state(from) && from != state &&
		    table_notify_wanted(tn))
			entry_notify(tn, e, from, now, TCPSTATE_TW_EXIT_NONE);
		goto unlock;
	}

	/* A connection seen from load on, or repaired, stays marked so. */
	entry_set_flags(tn, e, flags | (e->flags & ENTRY_KEPT_FLAGS));
	entry_set_owner(e, owner, expires_ns);
	if (tuple && (change & TCPSTATE_CHANGE_TUPLE))
		entry_set_tuple(e, tuple);
	entry_set_who(tn, e, who, &drop);
	entry_set_state(tn, e, state);
unlock:
	hlist_bl_unlock(b);
	table_bh_enable(bh);
	who_drop_put(&drop);
	entry_unused(tn, spare);
	if (added)
		table_fit(tn);
out:
	table_leave(how);
}

/* The uid the entry knows of its owner, or INVALID_UID. */
static kuid_t entry_uid(const struct tcpstate_entry *e)
{
#if TCPSTATE_RT
	return e->who.uid;
#else
	return tcpstate_who_shared_uid(e->who);
#endif
}

/* A call on one socket's entry: sock_entry_lock() to sock_entry_unlock(). */
struct sock_entry_call {
	struct tcpstate_net *tn;
	struct hlist_bl_head *b;	/* locked, or NULL */
	unsigned int how;
	bool bh;
};

/*
 * Enter the table for @net and, when it is live, lock the bucket of
 * @cookie: its socket's entry (not a timewait socket's), or NULL.
 */
static __always_inline struct tcpstate_entry *
sock_entry_lock(struct net *net, u64 cookie, struct sock_entry_call *c)
	__acquires(RCU) __acquires(bucket)
{
	struct tcpstate_entry *prev;

	c->b = NULL;
	c->how = table_enter();
	c->tn = table_net(net);
	if (!c->tn) {
		__acquire(bucket);	/* sock_entry_unlock() pairs either way */
		return NULL;
	}
	c->bh = table_bh_disable();
	c->b = bucket_lock(c->tn, key_of(cookie));
	return bucket_find(c->b, cookie, NULL, &prev);
}

static __always_inline void sock_entry_unlock(struct sock_entry_call *c)
	__releases(bucket) __releases(RCU)
{
	if (c->b) {
		hlist_bl_unlock(c->b);
		table_bh_enable(c->bh);
	} else {
		__release(bucket);
	}
	table_leave(c->how);
}

/* The cgroup the entry knows of its owner, or 0. */
static u64 entry_cgroup(const struct tcpstate_entry *e)
{
#if TCPSTATE_RT
	return e->who.cgroup;
#else
	return tcpstate_who_shared_cgroup(e->who);
#endif
}

/* Is @e's tuple @t? */
static bool entry_tuple_is(const struct tcpstate_entry *e,
			   const struct tcpstate_tuple *t)
{
	return e->sport == t->sport && e->dport == t->dport &&
	       e->family == t->family &&
	       ipv6_addr_equal(&e->saddr, &t->saddr) &&
	       ipv6_addr_equal(&e->daddr, &t->daddr);
}

static __always_inline bool entry_same(const struct tcpstate_entry *e,
				       const struct tcpstate_same *same)
{
	return !(e->flags & ~ENTRY_KEPT_FLAGS) && e->owner == same->owner &&
	       (same->tuple ? entry_tuple_is(e, same->tuple) :
			      e->family == same->family) &&
	       (!uid_valid(same->uid) || uid_eq(entry_uid(e), same->uid)) &&
	       (!same->cgroup || entry_cgroup(e) == same->cgroup);
}

static __always_inline bool table_state(struct net *net, u64 cookie, int state,
					const struct tcpstate_same *same)
{
	struct sock_entry_call c;
	struct tcpstate_entry *e;
	bool done = !same->makes;

	if (!valid_state(state) || !cookie)
		return true;
	e = sock_entry_lock(net, cookie, &c);
	if (e) {
		done = entry_same(e, same);
		if (done)
			entry_set_state(c.tn, e, state);
	}
	sock_entry_unlock(&c);
	return done;
}

bool tcpstate_table_state(struct net *net, u64 cookie, int state,
			  const struct tcpstate_same *same)
{
	return table_state(net, cookie, state, same);
}

bool tcpstate_table_move(struct net *net, u64 cookie, int state, u32 owner,
			 kuid_t uid, u8 family)
{
	const struct tcpstate_same same = {
		.owner = owner,
		.uid = uid,
		.family = family,
	};

	return table_state(net, cookie, state, &same);
}

bool tcpstate_table_promote(struct net *net, u64 cookie,
			    const struct tcpstate_same *same)
{
	struct sock_entry_call c;
	struct tcpstate_entry *e;
	bool done = true;

	if (!cookie)
		return true;
	e = sock_entry_lock(net, cookie, &c);
	if (e) {
		done = e->state == TCPSTATE_SYN_RECV &&
		       (e->flags & ~ENTRY_KEPT_FLAGS) == TCPSTATE_F_REQUEST_SOCK &&
		       entry_tuple_is(e, same->tuple) &&
		       uid_eq(entry_uid(e), same->uid) &&
		       (!same->cgroup || entry_cgroup(e) == same->cgroup);
		if (done) {
			entry_set_flags(c.tn, e, e->flags & ENTRY_KEPT_FLAGS);
			e->owner = same->owner;
		}
	}
	sock_entry_unlock(&c);
	return done;
}

void tcpstate_table_set_who(struct net *net, u64 cookie,
			    const struct tcpstate_who *who)
{
	struct who_drop drop = {};
	struct sock_entry_call c;
	struct tcpstate_entry *e;

	e = sock_entry_lock(net, cookie, &c);
	if (e)
		entry_set_who(c.tn, e, who, &drop);
	sock_entry_unlock(&c);
	who_drop_put(&drop);
}

bool tcpstate_table_get_who(struct net *net, u64 cookie,
			    struct tcpstate_who *who)
{
	struct sock_entry_call c;
	struct tcpstate_entry *e;
	bool found = false;

	if (!cookie)
		return false;
	e = sock_entry_lock(net, cookie, &c);
	if (e) {
		entry_who(e, who);
		get_pid(who->pid);
		found = true;
	}
	sock_entry_unlock(&c);
	return found;
}

/*
 * Take @e out of its bucket, whose lock the caller holds, counting it and
 * telling the readers; the caller frees it after unlocking.
 */
static void entry_remove(struct tcpstate_net *tn, struct tcpstate_entry *e,
			 int tw_exit)
{
	int old;

	hlist_bl_del(&e->node);
	count_leave(tn, e->state, e->flags);
	count_transition(tn, e->state, TCPSTATE_CLOSE);
	if (tw_exit >= 0 && tw_exit < TCPSTATE_TW_EXIT_MAX)
		__this_cpu_inc(tn->counters->tw_exits[tw_exit]);
	else
		tw_exit = TCPSTATE_TW_EXIT_NONE;
	/* The namespace's own counters die with it: count these globally. */
	if (tw_exit == TCPSTATE_TW_EXIT_NETNS)
		atomic_long_inc(&tcpstate_all_tw_netns_exits);
	old = e->state;
	e->state = TCPSTATE_CLOSE;
	if (table_notify_wanted(tn))
		entry_notify(tn, e, old, tcpstate_now_ns(), tw_exit);
}

bool tcpstate_table_close(struct net *net, u64 cookie,
			  const struct tcpstate_tuple *tuple, u8 need_flags,
			  int tw_exit, u32 owner, int *stale_port)
{
	unsigned int how;
	struct tcpstate_entry *e = NULL, *prev;
	struct tcpstate_net *tn;
	struct hlist_bl_head *b;
	bool removed = false;
	bool bh;

	if (!cookie || (!tuple && (need_flags & TCPSTATE_F_TIMEWAIT_SOCK)))
		return false;
	how = table_enter();
	tn = table_net(net);
	if (!tn)
		goto out;

	bh = table_bh_disable();
	b = bucket_lock(tn, key_of(cookie));
	e = bucket_find(b, cookie, need_flags & TCPSTATE_F_TIMEWAIT_SOCK ? tuple : NULL,
			&prev);
	if (!e || (e->flags & need_flags) != need_flags ||
	    (owner && entry_owner(e) != owner)) {
		e = NULL;
	} else {
		if (stale_port && (e->flags & TCPSTATE_F_PORT_PENDING))
			*stale_port = e->sport;
		entry_remove(tn, e, tw_exit);
	}
	hlist_bl_unlock(b);
	table_bh_enable(bh);
	if (e) {
		entry_free(tn, e);
		table_fit(tn);
		removed = true;
	}
out:
	table_leave(how);
	return removed;
}

#define TCPSTATE_KIND_FLAGS	(TCPSTATE_F_TIMEWAIT_SOCK | TCPSTATE_F_REQUEST_SOCK)

/*
 * A difference, as the reconcile pass compares them from one pass to the
 * next: what to do, what the kernel showed, what the entry held.
 */
enum { RECON_ADD = 1, RECON_FIX, RECON_REMOVE };

static u32 recon_what(int action, const struct tcpstate_ksock *ks,
		      const struct tcpstate_entry *e)
{
	u32 what = action;

	if (ks)
		what |= (u32)ks->state << 4 | (u32)ks->flags << 8;
	if (e)
		what |= (u32)e->state << 16 | (u32)(e->flags & TCPSTATE_KIND_FLAGS) << 24;
	return what;
}

static bool entry_matches(const struct tcpstate_entry *e,
			  const struct tcpstate_ksock *ks)
{
	return e->state == ks->state &&
	       (e->flags & TCPSTATE_KIND_FLAGS) == ks->flags &&
	       e->sport == ks->tuple.sport;
}

/* The socket's uid and cgroup, as a hook that knows only the socket. */
static void ksock_who(const struct tcpstate_ksock *ks, struct tcpstate_who *w)
{
	tcpstate_who_none(w);
	w->uid = ks->uid;
	w->cgroup = ks->cgroup;
	w->memcg = ks->memcg;
}

static void entry_correct(struct tcpstate_net *tn, struct tcpstate_entry *e,
			  const struct tcpstate_ksock *ks, u64 now,
			  struct who_drop *drop)
{
	struct tcpstate_who w;
	int old = e->state;

	count_leave(tn, e->state, e->flags);
	e->flags = (e->flags & ~TCPSTATE_KIND_FLAGS) | ks->flags |
		   TCPSTATE_F_RECONCILED;
	e->state = ks->state;
	entry_set_tuple(e, &ks->tuple);
	/* Its kind may have changed: what the union held means nothing. */
	e->expires_ns = 0;
	entry_set_owner(e, ks->owner, ks->expires_ns);
	entry_who(e, &w);
	if (uid_valid(ks->uid) && !uid_valid(w.uid)) {
		ksock_who(ks, &w);
		entry_set_who(tn, e, &w, drop);
	}
	count_enter(tn, e->state, e->flags);
	__this_cpu_inc(tn->counters->reconciled[TCPSTATE_RECONCILE_FIXED]);
	if (old != e->state) {
		count_transition(tn, old, e->state);
		entry_notify(tn, e, old, now, TCPSTATE_TW_EXIT_NONE);
		e->since_ns = now;
	}
}

void tcpstate_table_check(struct net *net, const struct tcpstate_ksock *ks,
			  struct tcpstate_recon *r, u8 gen)
{
	bool atomic;
	struct tcpstate_entry *e, *prev, *spare_prev, *spare = NULL;
	struct who_drop drop = {};
	struct tcpstate_who who;
	struct tcpstate_net *tn;
	struct hlist_bl_head *b;
	bool confirmed = false, added = false;
	u64 now;

	if (!valid_state(ks->state) || ks->state == TCPSTATE_CLOSE || !ks->cookie)
		return;
	/*
	 * A seed or reconcile walk holds the kernel's socket hash locks,
	 * which are sleeping locks on PREEMPT_RT: there it may allocate.
	 * (With RT_MODE=1 on another kernel they would look atomic.)
	 */
	atomic = IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible();
	rcu_read_lock();
	tn = table_net(net);
	if (!tn)
		goto out;
again:
	tcpstate_bh_disable();
	b = bucket_lock(tn, key_of(ks->cookie));
	e = bucket_find(b, ks->cookie, ks->flags & TCPSTATE_F_TIMEWAIT_SOCK ?
			&ks->tuple : NULL, &prev);
	/*
	 * A full socket whose connection a timewait socket of the same
	 * tuple holds: handed off, about to leave the hash (the hook runs
	 * before the hashdance).  Nothing to add.
	 */
	if (!e && !(ks->flags & TCPSTATE_F_TIMEWAIT_SOCK) &&
	    bucket_find(b, ks->cookie, &ks->tuple, &spare_prev))
		goto unlock;
	now = tcpstate_now_ns();	/* under the lock, as the hooks read it */
	if (e) {
		/* A hook that saw the connection first knows better. */
		if (!r)
			goto unlock;
		e->seen = gen;
		/* A dying timewait socket's entry is its kill hook's. */
		if (ks->tw_timer && !timer_pending(ks->tw_timer))
			goto unlock;
		if (!entry_matches(e, ks) &&
		    tcpstate_recon_confirm(r, ks->cookie, recon_what(RECON_FIX, ks, e),
					   e->since_ns))
			entry_correct(tn, e, ks, now, &drop);
		goto unlock;
	}
	if (r && !confirmed) {
		if (!tcpstate_recon_confirm(r, ks->cookie,
					    recon_what(RECON_ADD, ks, NULL), 0))
			goto unlock;
		confirmed = true;
	}
	if (!spare) {
		hlist_bl_unlock(b);
		tcpstate_bh_enable();
		spare = entry_alloc(tn, !r, ks->memcg, atomic);
		if (!spare)
			goto out;
		goto again;
	}
	/* A timewait socket whose timer went off is dying (seed.c). */
	if (ks->tw_timer && !timer_pending(ks->tw_timer))
		goto unlock;
	e = spare;
	spare = NULL;
	entry_fill(e, ks->cookie, &ks->tuple, ks->state,
		   ks->flags | (r ? TCPSTATE_F_RECONCILED : TCPSTATE_F_SEEDED),
		   ks->owner, ks->expires_ns, 0, now);
	ksock_who(ks, &who);
	entry_set_who(tn, e, &who, &drop);
	e->seen = gen;
	bucket_insert(b, e, prev);
	entry_lease(e);
	atomic_long_inc(&tn->entries);
	added = true;
	count_enter(tn, e->state, e->flags);
	if (r) {
		__this_cpu_inc(tn->counters->reconciled[TCPSTATE_RECONCILE_ADDED]);
		count_transition(tn, TCPSTATE_CLOSE, e->state);
		if (table_notify_wanted(tn))
			entry_notify(tn, e, TCPSTATE_CLOSE, now,
				     TCPSTATE_TW_EXIT_NONE);
	}
unlock:
	hlist_bl_unlock(b);
	tcpstate_bh_enable();
	who_drop_put(&drop);
	entry_unused(tn, spare);
	if (added)
		table_fit(tn);
out:
	rcu_read_unlock();
}

static void table_sweep(struct tcpstate_net *tn, struct tcpstate_recon *r,
			u8 gen, u64 start_ns)
{
	unsigned int i = 0;
	u64 pos = 0, end;

	do {
		struct tcpstate_entry *e, *dead = NULL;
		struct hlist_bl_node *n, *tmp;
		struct hlist_bl_head *b;

		rcu_read_lock();
		tcpstate_bh_disable();
		b = bucket_lock_range(tn, pos, &end);
		hlist_bl_for_each_entry_safe(e, n, tmp, b, node) {
			if (!walk_covers(key_of(e->cookie), pos, end) ||
			    e->seen == gen || e->since_ns >= start_ns)
				continue;
			if (!tcpstate_recon_confirm(r, e->cookie,
						    recon_what(RECON_REMOVE, NULL, e),
						    e->since_ns))
				continue;
			e->flags |= TCPSTATE_F_RECONCILED;
			entry_remove(tn, e, e->flags & TCPSTATE_F_TIMEWAIT_SOCK ?
					    TCPSTATE_TW_EXIT_OTHER : -1);
			__this_cpu_inc(tn->counters->reconciled[TCPSTATE_RECONCILE_REMOVED]);
			/* Freed after unlocking; node.next is free to reuse. */
			e->node.next = (struct hlist_bl_node *)dead;
			dead = e;
		}
		hlist_bl_unlock(b);
		tcpstate_bh_enable();
		if (dead)
			table_fit(tn);
		rcu_read_unlock();
		while (dead) {
			e = dead;
			dead = (struct tcpstate_entry *)e->node.next;
			entry_free(tn, e);
		}
		if (!(++i & 255))
			cond_resched();
		pos = end;
	} while (end && !READ_ONCE(tn->dead));
}

void tcpstate_table_sweep(struct tcpstate_recon *r, u8 gen, u64 start_ns)
{
	struct tcpstate_net *tn;

	for (tn = nets_next(NULL); tn; tn = nets_next(tn))
		table_sweep(tn, r, gen, start_ns);
}

static u64 clamp_gauge(s64 v)
{
	/* Per-CPU halves can be read mid-update; a gauge is never negative. */
	return v < 0 ? 0 : v;
}

/*
 * tcp_max_tw_buckets overflows: the kernel counts them exactly
 * (TCPTimeWaitOverflow, per namespace), so no hook is needed.
 */
static u64 tw_overflows(struct tcpstate_net *tn)
{
	return snmp_fold_field(tn->net->mib.net_statistics,
			       LINUX_MIB_TCPTIMEWAITOVERFLOW);
}

/* Has @tn a quota of its own, the admin's or its restraint? */
static bool net_has_own_quota(const struct tcpstate_net *tn)
{
	return READ_ONCE(tn->ceiling) != QUOTA_DEFAULT ||
	       READ_ONCE(tn->own) != QUOTA_NONE;
}

/* Sum the per-CPU counters; the caller holds tn->base_lock. */
static void net_stats(struct tcpstate_net *tn, struct tcpstate_stats *st)
{
	static const struct tcpstate_counters zero;
	const struct tcpstate_counters *base = tn->base ? tn->base : &zero;
	struct tcpstate_counters __percpu *counters;
	u64 reconciled[TCPSTATE_RECONCILE_MAX] = { 0 };
	u64 dropped[TCPSTATE_DROP_MAX] = { 0 };
	s64 gauge[TCPSTATE_STATE_MAX] = { 0 };
	unsigned long quota;
	s64 tw = 0;
	int cpu, i, j;

	st->netns = tn->netns;
	st->since_ns = tn->since_ns;
	st->entries = atomic_long_read(&tn->entries);
	/* Pairs with cmpxchg_release() in net_counters(). */
	counters = smp_load_acquire(&tn->counters);
	for_each_possible_cpu(cpu) {
		const struct tcpstate_counters *c;

		if (!counters)
			break;
		c = per_cpu_ptr(counters, cpu);

		for (i = 0; i < TCPSTATE_STATE_MAX; i++) {
			gauge[i] += c->gauge[i];
			for (j = 0; j < TCPSTATE_STATE_MAX; j++)
				st->transitions[i][j] += c->transitions[i][j];
		}
		tw += c->timewait_socks;
		for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
			st->tw_exits[i] += c->tw_exits[i];
		for (i = 0; i < TCPSTATE_DROP_MAX; i++)
			dropped[i] += c->dropped[i];
		for (i = 0; i < TCPSTATE_RECONCILE_MAX; i++)
			reconciled[i] += c->reconciled[i];
	}
	dropped[TCPSTATE_DROP_NOMEM] += atomic_long_read(&tn->dropped_early);
	for (i = 0; i < TCPSTATE_DROP_MAX; i++) {
		st->drops[i] = dropped[i] - base->dropped[i];
		st->dropped += st->drops[i];
	}
	quota = net_quota(tn);
	st->quota = quota >= QUOTA_NONE ? TCPSTATE_QUOTA_NONE : quota;
	if (net_has_own_quota(tn))
		st->flags |= TCPSTATE_STATS_OWN_QUOTA;
	for (i = 0; i < TCPSTATE_STATE_MAX; i++) {
		st->gauge[i] = clamp_gauge(gauge[i]);
		for (j = 0; j < TCPSTATE_STATE_MAX; j++)
			st->transitions[i][j] -= base->transitions[i][j];
	}
	st->timewait_socks = clamp_gauge(tw);
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
		st->tw_exits[i] -= base->tw_exits[i];
	st->tw_overflows = tw_overflows(tn) - tn->tw_overflow_base;
	st->reconcile_added = reconciled[TCPSTATE_RECONCILE_ADDED] -
			      base->reconciled[TCPSTATE_RECONCILE_ADDED];
	st->reconcile_removed = reconciled[TCPSTATE_RECONCILE_REMOVED] -
				base->reconciled[TCPSTATE_RECONCILE_REMOVED];
	st->reconcile_fixed = reconciled[TCPSTATE_RECONCILE_FIXED] -
			      base->reconciled[TCPSTATE_RECONCILE_FIXED];
}

static void module_stats(struct tcpstate_stats *st)
{
	st->state_max = TCPSTATE_STATE_MAX;
	st->all_entries = atomic_long_read(&tcpstate_all_entries);
	st->max_entries = READ_ONCE(max_entries);
	st->init_net_reserve = READ_ONCE(init_net_reserve);
	st->all_dropped = atomic_long_read(&tcpstate_all_dropped);
	st->all_tw_netns_exits = atomic_long_read(&tcpstate_all_tw_netns_exits);
	st->probe_misses = tcpstate_misses_read(st->misses);
	tcpstate_reconcile_stats(&st->reconcile_passes, &st->reconcile_last_ns);
}

void tcpstate_table_stats(struct net *net, struct tcpstate_stats *st)
{
	struct tcpstate_net *tn = net_tn(net);

	module_stats(st);
	/* The caller holds a reference: the table outlives this. */
	if (!tcpstate_net_live(net))
		return;
	mutex_lock(&tn->base_lock);
	net_stats(tn, st);
	mutex_unlock(&tn->base_lock);
}

int tcpstate_table_visit_nets(struct tcpstate_net_visitor *v)
{
	struct tcpstate_stats *st;
	struct tcpstate_net *tn;
	int err = 0;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	for (tn = nets_next(NULL); tn; tn = nets_next(tn)) {
		memset(st, 0, sizeof(*st));
		module_stats(st);
		mutex_lock(&tn->base_lock);
		net_stats(tn, st);
		mutex_unlock(&tn->base_lock);
		err = v->visit(v, st);
		if (err) {
			nets_stop(tn);
			break;
		}
	}
	kfree(st);
	return err;
}

int tcpstate_table_reset(struct net *net)
{
	struct tcpstate_net *tn = net_tn(net);
	struct tcpstate_counters __percpu *counters;
	struct tcpstate_counters *base;
	int cpu, i, j;

	if (!tcpstate_net_live(net))
		return 0;
	mutex_lock(&tn->base_lock);
	base = tn->base;
	if (!base) {
		/* Only a namespace that was ever reset pays for a base. */
		base = kmalloc(sizeof(*base), GFP_KERNEL_ACCOUNT);
		if (!base) {
			mutex_unlock(&tn->base_lock);
			return -ENOMEM;
		}
		tn->base = base;
	}
	memset(base, 0, sizeof(*base));
	/* Pairs with cmpxchg_release() in net_counters(). */
	counters = smp_load_acquire(&tn->counters);
	for_each_possible_cpu(cpu) {
		const struct tcpstate_counters *c;

		if (!counters)
			break;
		c = per_cpu_ptr(counters, cpu);
		for (i = 0; i < TCPSTATE_STATE_MAX; i++)
			for (j = 0; j < TCPSTATE_STATE_MAX; j++)
				base->transitions[i][j] += c->transitions[i][j];
		for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++)
			base->tw_exits[i] += c->tw_exits[i];
		for (i = 0; i < TCPSTATE_DROP_MAX; i++)
			base->dropped[i] += c->dropped[i];
		for (i = 0; i < TCPSTATE_RECONCILE_MAX; i++)
			base->reconciled[i] += c->reconciled[i];
	}
	base->dropped[TCPSTATE_DROP_NOMEM] += atomic_long_read(&tn->dropped_early);
	tn->tw_overflow_base = tw_overflows(tn);
	for (i = 0; i < TCPSTATE_PORT_KIND_MAX; i++)
		for (j = 0; j < 2; j++)
			atomic64_set(&tn->port_total[i][j], 0);
	tn->since_ns = tcpstate_now_ns();
	mutex_unlock(&tn->base_lock);
	return 0;
}

static u64 quota_out(unsigned long q)
{
	return q >= QUOTA_NONE ? TCPSTATE_QUOTA_NONE : q;
}

int tcpstate_table_quota(struct net *net, struct tcpstate_quota *q,
			 bool may_lower, bool admin)
{
	struct tcpstate_net *tn = net_tn(net);
	unsigned long now, want = 0;
	int err = 0;

	if ((q->flags & ~(TCPSTATE_QUOTA_SET | TCPSTATE_QUOTA_DEFAULT)) ||
	    (q->flags & TCPSTATE_QUOTA_SET && q->flags & TCPSTATE_QUOTA_DEFAULT) ||
	    q->pad || q->entries || q->default_max_entries || q->netns ||
	    q->user_entries || q->user_max_entries)
		return -EINVAL;
	if (q->flags & TCPSTATE_QUOTA_SET) {
		if (q->max_entries == TCPSTATE_QUOTA_NONE)
			want = QUOTA_NONE;
		else if (q->max_entries <= QUOTA_NONE)
			want = q->max_entries;
		else
			return -EINVAL;
	} else if (q->max_entries) {
		return -EINVAL;
	}
	/* The caller holds a reference: the table outlives this. */
	if (!tcpstate_net_live(net))
		return -ENOENT;

	mutex_lock(&tn->base_lock);
	if (q->flags && admin) {
		/* The admin's word replaces the ceiling and the restraint. */
		WRITE_ONCE(tn->ceiling, q->flags & TCPSTATE_QUOTA_SET ? want :
			   QUOTA_DEFAULT);
		WRITE_ONCE(tn->own, QUOTA_NONE);
	} else if (q->flags) {
		/*
		 * Anyone else may only restrain the namespace: ask for no
		 * more than the quota in force (a larger restraint would
		 * do nothing), nor drop a restraint below the ceiling.
		 */
		now = net_quota(tn);
		if (!may_lower ||
		    (q->flags & TCPSTATE_QUOTA_SET ? want : net_ceiling(tn)) > now) {
			err = -EPERM;
			goto out;
		}
		WRITE_ONCE(tn->own, q->flags & TCPSTATE_QUOTA_SET ? want : QUOTA_NONE);
	}
	q->max_entries = quota_out(net_quota(tn));
	q->flags = 0;
	if (net_has_own_quota(tn))
		q->flags |= TCPSTATE_QUOTA_OWN;
	if (READ_ONCE(tn->ceiling) != QUOTA_DEFAULT)
		q->flags |= TCPSTATE_QUOTA_ADMIN;
	q->entries = atomic_long_read(&tn->charged);
	q->default_max_entries = quota_out(tn->init ? QUOTA_NONE :
					   READ_ONCE(netns_max_entries));
	q->netns = tn->netns;
	if (tn->user) {
		q->user_entries = atomic_long_read(&tn->user->entries);
		q->user_max_entries = quota_out(READ_ONCE(user_max_entries));
	} else {
		q->user_max_entries = TCPSTATE_QUOTA_NONE;
	}
out:
	mutex_unlock(&tn->base_lock);
	return err;
}

/*
 * The ring of port failures, allocated with the first one: at once when
 * it is small, otherwise by table_work(), which the first failure asks
 * for (it is then counted in the totals but not kept).  NULL if none yet.
 */
static struct tcpstate_port_rec *port_ring(struct tcpstate_net *tn)
{
	struct tcpstate_port_rec *ring, *old;
	size_t size = port_failures * sizeof(*ring);
	struct mem_cgroup *memcg;

	/* Pairs with cmpxchg_release() below and in port_ring_alloc(). */
	ring = smp_load_acquire(&tn->port_ring);
	if (ring)
		return ring;
	/* Nor here, in RT mode: tcpstate_net_init() did. */
	ring = NULL;
	if (size <= 2 * PAGE_SIZE && !tcpstate_rt_mode()) {
		memcg = tcpstate_charge_begin(tn->memcg);
		ring = kzalloc(size, GFP_NOWAIT | __GFP_NOWARN |
			       tcpstate_charge_gfp(tn->memcg));
		tcpstate_charge_end(tn->memcg, memcg);
	}
	if (!ring) {
		WRITE_ONCE(tn->port_ring_wanted, true);
		queue_work(system_unbound_wq, &tn->resize);
		return NULL;
	}
	old = cmpxchg_release(&tn->port_ring, NULL, ring);
	if (old) {
		kfree(ring);
		return old;
	}
	return ring;
}

void tcpstate_port_failure(struct sock *sk, int kind, int err)
{
	unsigned int how;
	struct tcpstate_port_rec *ring, *slot;
	struct tcpstate_port_failure f;
	struct pid *drop = NULL;
	struct tcpstate_who who;
	struct tcpstate_tuple t;
	struct tcpstate_net *tn;
	unsigned long flags;

	if (kind < 0 || kind >= TCPSTATE_PORT_KIND_MAX)
		return;
	how = table_enter();
	tn = table_net(sock_net(sk));
	if (!tn)
		goto out;

	memset(&f, 0, sizeof(f));
	tcpstate_tuple_from_sk(&t, sk);
	f.time_ns = tcpstate_now_ns();
	f.cookie = tcpstate_sk_cookie(sk);
	memcpy(f.saddr, &t.saddr, sizeof(f.saddr));
	if (kind == TCPSTATE_PORT_CONNECT) {
		memcpy(f.daddr, &t.daddr, sizeof(f.daddr));
		f.dport = t.dport;
	}
	f.family = t.family;
	f.error = err;
	f.kind = kind;
	/* The owner's facts are kept apart, exported per reader. */
	tcpstate_who_sock(&who, sk);
	tcpstate_who_current(&who);
	f.cgroup_id = who.cgroup;
	memcpy(f.comm, who.comm, sizeof(f.comm));

	ring = port_ring(tn);
	if (ring) {
		raw_spin_lock_irqsave(&tn->port_lock, flags);
		slot = &ring[tn->port_next];
		drop = slot->pid;
		slot->f = f;
		slot->pid = get_pid(who.pid);
		slot->uid = who.uid;
		tn->port_next = (tn->port_next + 1) % port_failures;
		if (tn->port_count < port_failures)
			tn->port_count++;
		raw_spin_unlock_irqrestore(&tn->port_lock, flags);
		tcpstate_put_pid(drop);
	}
	atomic64_inc(&tn->port_total[kind][t.family == AF_INET6]);

	tcpstate_notify_port(&tn->readers, tn->netns, &f, &who);
out:
	table_leave(how);
}

u32 tcpstate_port_failures_kept(void)
{
	return port_failures;
}

/* A kept failure as @v may see it. */
static void port_rec_export(const struct tcpstate_port_rec *rec,
			    struct tcpstate_port_failure *out,
			    const struct tcpstate_view *v)
{
	struct tcpstate_who who = {
		.cgroup = rec->f.cgroup_id,
		.pid = rec->pid,
		.uid = rec->uid,
	};
	u64 cgroup;

	memcpy(who.comm, rec->f.comm, sizeof(who.comm));
	*out = rec->f;
	tcpstate_who_export(&who, v, &out->uid, &cgroup, &out->pid, out->comm);
}

u32 tcpstate_table_ports(struct net *net, struct tcpstate_ports *req,
			 struct tcpstate_port_failure *out, u32 room,
			 const struct tcpstate_view *v)
{
	struct tcpstate_net *tn = net_tn(net);
	struct tcpstate_port_rec *ring;
	unsigned long flags;
	u32 i, n, first;
	int lo, hi, p;

	inet_get_local_port_range(net, &lo, &hi);
	req->range_low = lo;
	req->range_high = hi;
	req->reserved = 0;
	for (p = lo; p <= hi; p++)
		if (inet_is_local_reserved_port(net, p))
			req->reserved++;
	req->available = hi >= lo ? hi - lo + 1 - req->reserved : 0;
	req->tcp_tw_reuse = READ_ONCE(net->ipv4.sysctl_tcp_tw_reuse);
	req->kept = port_failures;

	/* The caller holds a reference: the table outlives this. */
	if (!tcpstate_net_live(net))
		return 0;
	for (i = 0; i < TCPSTATE_PORT_KIND_MAX; i++) {
		req->total[i][0] = atomic64_read(&tn->port_total[i][0]);
		req->total[i][1] = atomic64_read(&tn->port_total[i][1]);
	}
	/* Pairs with cmpxchg_release() in port_ring(). */
	ring = smp_load_acquire(&tn->port_ring);
	if (!ring)
		return 0;
	raw_spin_lock_irqsave(&tn->port_lock, flags);
	n = min(room, tn->port_count);
	/* The newest n, oldest first. */
	first = (tn->port_next + port_failures - n) % port_failures;
	for (i = 0; i < n; i++)
		port_rec_export(&ring[(first + i) % port_failures], &out[i], v);
	raw_spin_unlock_irqrestore(&tn->port_lock, flags);
	return n;
}

struct list_head *tcpstate_table_readers(struct net *net)
{
	struct tcpstate_net *tn = tcpstate_net_live(net);

	return tn ? &tn->readers : NULL;
}

static void entry_export(const struct tcpstate_entry *e, struct tcpstate_conn *c,
			 const struct tcpstate_view *v)
{
	struct tcpstate_who who;

	memset(c, 0, sizeof(*c));
	c->cookie = e->cookie;
	c->began_ns = e->began_ns;
	c->state_since_ns = e->since_ns;
	c->expires_ns = entry_expires(e);
	memcpy(c->saddr, &e->saddr, sizeof(c->saddr));
	memcpy(c->daddr, &e->daddr, sizeof(c->daddr));
	c->sport = entry_sport(e);
	c->dport = e->dport;
	c->family = e->family;
	c->state = e->state;
	c->flags = e->flags & TCPSTATE_F_EXPORTED;
	entry_who(e, &who);
	tcpstate_who_export(&who, v, &c->uid, &c->cgroup_id, &c->pid, c->comm);
}

unsigned int tcpstate_table_snapshot(struct net *net, u64 cursor[2],
				     struct tcpstate_conn *out,
				     unsigned int room, bool *done,
				     const struct tcpstate_view *v)
{
	struct tcpstate_entry *last;	/* the last one returned, in this bucket */
	struct tcpstate_net *tn;
	unsigned int n = 0, buckets = 0;
	/*
	 * The cursor is the position to resume from (see key_of()), and the
	 * rank from which the entries at that very position are still to be
	 * returned: one cookie may have several (bucket_find()).  An entry
	 * handed to a timewait socket between two calls moves to a higher
	 * rank, and may be returned twice, once of each kind; of two
	 * timewait entries of one cookie whose ranks tie (2^-63 of a pair of
	 * unrelated tuples; the hash is not keyed)
	 * the second is skipped when a chunk ends between them.
	 */
	u64 pos = cursor[0], end;
	u64 past = cursor[1];

	*done = true;
	cursor[1] = 0;
	rcu_read_lock();
	tn = table_net(net);
	if (!tn) {
		cursor[0] = 0;
		goto out;
	}
	do {
		struct tcpstate_entry *e;
		struct hlist_bl_head *b;
		struct hlist_bl_node *hn;

		tcpstate_bh_disable();
		b = bucket_lock_range(tn, pos, &end);
		last = NULL;
		hlist_bl_for_each_entry(e, hn, b, node) {
			u64 key = key_of(e->cookie);

			if (!walk_covers(key, pos, end) ||
			    (key == pos && entry_rank(e) < past))
				continue;
			if (n == room) {
				*done = false;
				/* Ranked only when a chunk ends in this bucket. */
				if (last)
					past = entry_rank(last) + 1;
				break;
			}
			entry_export(e, &out[n++], v);
			/* Sorted: what is left of this bucket comes after. */
			pos = key;
			past = 0;
			last = e;
		}
		hlist_bl_unlock(b);
		tcpstate_bh_enable();
		if (!*done)
			break;
		pos = end;
		past = 0;
		/*
		 * A bounded RCU section per call, however many empty buckets
		 * a table that is about to shrink holds: the caller resumes.
		 */
		if (end && ++buckets == SNAPSHOT_BUCKETS) {
			*done = false;
			break;
		}
	} while (end);
	cursor[0] = *done ? 0 : pos;
	cursor[1] = *done ? 0 : past;
out:
	rcu_read_unlock();
	return n;
}

static struct tcpstate_buckets *buckets_alloc(unsigned int bits, gfp_t gfp)
{
	struct tcpstate_buckets *t;

	/* All heads NULL: empty and unlocked. */
	t = kvzalloc(struct_size(t, heads, 1UL << bits), gfp);
	if (t)
		t->bits = bits;
	return t;
}

/*
 * Move the entries of bucket @b of an old generation to @nt; returns the
 * longest chain of @nt it added to.
 */
static unsigned int bucket_move(struct hlist_bl_head *b, struct tcpstate_buckets *nt)
{
	struct tcpstate_entry *e, *prev, *x;
	unsigned int len, longest = 0;
	struct tcpstate_tuple t;
	struct hlist_bl_node *hn;
	struct hlist_bl_head *nb;

	tcpstate_bh_disable();
	hlist_bl_lock(b);
	while ((hn = hlist_bl_first(b))) {
		e = hlist_bl_entry(hn, struct tcpstate_entry, node);
		hlist_bl_del(&e->node);
		nb = bucket_of(nt, key_of(e->cookie));
		hlist_bl_lock(nb);
		entry_tuple(e, &t);
		bucket_find(nb, e->cookie, entry_tw(e) ? &t : NULL, &prev);
		bucket_insert(nb, e, prev);
		len = 0;
		hlist_bl_for_each_entry(x, hn, nb, node)
			len++;
		hlist_bl_unlock(nb);
		longest = max(longest, len);
	}
	/* Whoever locks it from now on goes to nt; the lock bit stays set. */
	WRITE_ONCE(b->first, (struct hlist_bl_node *)(BUCKET_MOVED | LIST_BL_LOCKMASK));
	hlist_bl_unlock(b);
	tcpstate_bh_enable();
	return longest;
}

/* Give the namespace its port failure ring when a failure asked for one. */
static void port_ring_alloc(struct tcpstate_net *tn)
{
	struct tcpstate_port_rec *ring;

	/* Pairs with cmpxchg_release() in port_ring(). */
	if (!READ_ONCE(tn->port_ring_wanted) || smp_load_acquire(&tn->port_ring))
		return;
	ring = kvcalloc(port_failures, sizeof(*ring),
			GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN |
			tcpstate_charge_gfp(tn->memcg));
	if (ring && cmpxchg_release(&tn->port_ring, NULL, ring))
		kvfree(ring);
}

/*
 * Fit the buckets to the entries one bucket at a time while the hooks go
 * on (a hook that finds its bucket moved follows ->next).  Only
 * table_work() replaces the generation, so it needs no lock of its own.
 */
static void table_resize(struct tcpstate_net *tn)
{
	struct tcpstate_buckets *t, *nt;
	unsigned int bits, longest;
	u64 i, start;

	for (;;) {
		long n = atomic_long_read(&tn->entries);

		t = rcu_dereference_protected(tn->table, 1);
		bits = table_bits_for(n);
		/*
		 * Grow to a load of at most 1; shrink below a load of 1/4, to
		 * a load of at most 1/2, so that it takes twice the entries
		 * to grow again.
		 */
		if (bits < t->bits && n < (1L << t->bits) / 4)
			bits = table_bits_for(2 * n);
		else if (bits < t->bits)
			bits = t->bits;
		if (bits == t->bits || READ_ONCE(tn->dead))
			return;
		nt = buckets_alloc(bits, GFP_KERNEL | __GFP_RETRY_MAYFAIL |
				   __GFP_NOWARN | tcpstate_charge_gfp(tn->memcg));
		if (!nt) {
			WRITE_ONCE(tn->resize_failed, jiffies);
			return;
		}
		start = tcpstate_now_ns();
		longest = 0;
		rcu_assign_pointer(t->next, nt);
		for (i = 0; i < (1ULL << t->bits); i++) {
			longest = max(longest, bucket_move(&t->heads[i], nt));
			if (!(i & 255))
				cond_resched();
		}
		rcu_assign_pointer(tn->table, nt);
		trace_table_resize(tn->netns, 1U << t->bits, 1U << nt->bits,
				   atomic_long_read(&tn->entries), longest,
				   tcpstate_now_ns() - start);
		kvfree_rcu(t, rcu);
	}
}

/*
 * The namespace's upkeep, in process context: the port failure ring, and
 * fitting the buckets to the entries, charged to the namespace's memory
 * cgroup.
 */
static void table_work(struct work_struct *work)
{
	struct tcpstate_net *tn = container_of(work, struct tcpstate_net, resize);
	struct mem_cgroup *memcg = tcpstate_charge_begin(tn->memcg);

	/* The namespace's reference keeps its memory cgroup. */
	port_ring_alloc(tn);
	table_resize(tn);
	tcpstate_charge_end(tn->memcg, memcg);
}

/*
 * The user of the namespaces of user namespace @ns, not the initial one:
 * the one who made the outermost user namespace above it (every
 * ancestor is pinned by @ns), and for one made by root, that namespace
 * too (*@root_ns), so that each container a manager running as root makes
 * is a user of its own: one container's TIME-WAIT storm must not take
 * the others' share.  The reader slots (events.c) count a root-made
 * namespace as root instead.  The price: a uid 0 without capabilities
 * that makes user namespaces gets a user's share with each; the initial
 * namespace's reserve still holds.
 */
static kuid_t outermost_user(const struct user_namespace *ns,
			     const struct user_namespace **root_ns)
{
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	*root_ns = uid_eq(ns->owner, GLOBAL_ROOT_UID) ? ns : NULL;
	return ns->owner;
}

/*
 * The user of @net's namespaces with one more holder, NULL for a
 * namespace of the initial user namespace, or an ERR_PTR.  Process
 * context.
 */
static struct tcpstate_user *user_get(struct net *net, gfp_t gfp)
{
	const struct user_namespace *root_ns;
	struct tcpstate_user *u;
	kuid_t uid;

	if (net->user_ns == &init_user_ns)
		return NULL;
	uid = outermost_user(net->user_ns, &root_ns);
	mutex_lock(&tcpstate_users_lock);
	list_for_each_entry(u, &tcpstate_users, node)
		if (uid_eq(u->uid, uid) && u->ns == root_ns)
			goto found;
	u = kzalloc(sizeof(*u), gfp);
	if (!u) {
		u = ERR_PTR(-ENOMEM);
		goto out;
	}
	u->uid = uid;
	u->ns = root_ns;
	atomic_long_set(&u->entries, 0);
	list_add(&u->node, &tcpstate_users);
found:
	u->nets++;
out:
	mutex_unlock(&tcpstate_users_lock);
	return u;
}

/* Once no entry of its namespace is left. */
static void user_put(struct tcpstate_user *u)
{
	if (!u)
		return;
	mutex_lock(&tcpstate_users_lock);
	if (!--u->nets) {
		WARN_ON_ONCE(atomic_long_read(&u->entries));
		list_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&tcpstate_users_lock);
}

static int __net_init tcpstate_net_init(struct net *net)
{
	/*
	 * This runs in the context of the namespace's creator (unshare(2),
	 * clone(2), setns(2) of a new one): charge it, unless the module is
	 * loading, when its loader runs it for every namespace there is.
	 * Any other task is creating one, even while the module loads.
	 */
	gfp_t gfp = READ_ONCE(tcpstate_loader) == current ? GFP_KERNEL :
		    GFP_KERNEL_ACCOUNT;
	struct tcpstate_buckets *t;
	struct tcpstate_user *user;
	struct tcpstate_net *tn;

	tn = kzalloc(sizeof(*tn), gfp);
	if (!tn)
		return -ENOMEM;
	t = buckets_alloc(TABLE_MIN_BITS, gfp);
	if (!t)
		goto err_tn;
	user = user_get(net, gfp);
	if (IS_ERR(user))
		goto err_table;
	tn->user = user;
	if (tcpstate_rt_mode()) {
		tn->counters = alloc_percpu_gfp(struct tcpstate_counters, gfp);
		if (!tn->counters)
			goto err_user;
		/*
		 * Nor the ring of port failures (port_ring()): made later by
		 * the work item, it would lose the failures before it.
		 */
		tn->port_ring = kvcalloc(port_failures, sizeof(*tn->port_ring), gfp);
		if (!tn->port_ring)
			goto err_counters;
	}
	/*
	 * What comes later, from hooks and work items, goes to the
	 * creator's memory cgroup too (get_mem_cgroup_from_mm(NULL): the
	 * active one, else current's; NULL without memory cgroups).
	 */
	tn->memcg = gfp == GFP_KERNEL ? NULL : get_mem_cgroup_from_mm(NULL);
	raw_spin_lock_init(&tn->port_lock);
	atomic_long_set(&tn->entries, 0);
	atomic_long_set(&tn->charged, 0);
	atomic_long_set(&tn->dropped_early, 0);
	tn->ceiling = QUOTA_DEFAULT;
	tn->own = QUOTA_NONE;
	tn->init = net_eq(net, &init_net);
	tn->netns = net->ns.inum;
	tn->net = net;
	tn->tw_overflow_base = tw_overflows(tn);
	INIT_LIST_HEAD(&tn->readers);
	INIT_WORK(&tn->resize, table_work);
	mutex_init(&tn->base_lock);
	tn->since_ns = tcpstate_now_ns();
	RCU_INIT_POINTER(tn->table, t);
	/* Pairs with net_tn(): everything above is visible first. */
	rcu_assign_pointer(net_slot(net)->tn, tn);

	spin_lock(&tcpstate_nets_lock);
	list_add_tail(&tn->node, &tcpstate_nets);
	spin_unlock(&tcpstate_nets_lock);
	return 0;

err_counters:
	free_percpu(tn->counters);
err_user:
	user_put(tn->user);
err_table:
	kvfree(t);
err_tn:
	kfree(tn);
	return -ENOMEM;
}

/* After the grace period no hook can see the table: empty it, free it. */
static void tcpstate_net_free(struct tcpstate_net *tn)
{
	struct tcpstate_buckets *t;
	struct tcpstate_entry *e;
	struct hlist_bl_node *n, *tmp;
	u64 i;

	cancel_work_sync(&tn->resize);
	t = rcu_dereference_protected(tn->table, 1);
	for (i = 0; i < (1ULL << t->bits); i++) {
		/* Only table_work() moves buckets, and it is cancelled. */
		if (WARN_ON_ONCE(bucket_moved(&t->heads[i])))
			continue;
		hlist_bl_for_each_entry_safe(e, n, tmp, &t->heads[i], node) {
			if (e->flags & TCPSTATE_F_TIMEWAIT_SOCK)
				atomic_long_inc(&tcpstate_all_tw_netns_exits);
			entry_free(tn, e);
		}
	}
	RCU_INIT_POINTER(tn->table, NULL);
	kvfree(t);
	if (tn->port_ring) {
		for (i = 0; i < port_failures; i++)
			put_pid(tn->port_ring[i].pid);
	}
	kvfree(tn->port_ring);
	tn->port_ring = NULL;
	kfree(tn->base);
	tn->base = NULL;
	mutex_destroy(&tn->base_lock);
	free_percpu(tn->counters);
	tn->counters = NULL;
	/* The work that charged it was cancelled above. */
	mem_cgroup_put(tn->memcg);
	tn->memcg = NULL;
	/* Its entries are gone, and no hook sees it any more. */
	user_put(tn->user);
	tn->user = NULL;
}

/*
 * Our exit runs before TCP's, which then purges the namespace's timewait
 * and request sockets: from here on the hooks must ignore it.  The
 * timewait sockets still in the table end by namespace deletion.
 */
static void __net_exit tcpstate_net_exit_batch(struct list_head *net_list)
{
	struct net *net;

	spin_lock(&tcpstate_nets_lock);
	list_for_each_entry(net, net_list, exit_list) {
		struct tcpstate_net *tn = net_tn(net);

		/* NULL: its setup failed. */
		if (tn)
			WRITE_ONCE(tn->dead, true);
	}
	spin_unlock(&tcpstate_nets_lock);
	/* A walker at one of them steps off it soon: the sweep stops early. */
	list_for_each_entry(net, net_list, exit_list) {
		struct tcpstate_net *tn = net_tn(net);

		if (!tn)
			continue;
		wait_var_event(&tn->walkers, nets_unwalked(tn));
		spin_lock(&tcpstate_nets_lock);
		list_del(&tn->node);
		spin_unlock(&tcpstate_nets_lock);
	}
	synchronize_rcu();
	list_for_each_entry(net, net_list, exit_list) {
		struct tcpstate_net *tn = net_tn(net);

		if (!tn)
			continue;
		tcpstate_net_free(tn);
		/*
		 * TCP's exit, after ours, still runs the hooks for this
		 * namespace: they find no table, or a dead one until a grace
		 * period has passed.
		 */
		RCU_INIT_POINTER(net_slot(net)->tn, NULL);
		kfree_rcu(tn, rcu);
	}
}

static struct pernet_operations tcpstate_net_ops = {
	.init		= tcpstate_net_init,
	.exit_batch	= tcpstate_net_exit_batch,
	.id		= &tcpstate_net_id,
	.size		= sizeof(struct tcpstate_net_slot),
};

/*
 * The parameters not given at load, sized as the kernel sizes its TCP
 * tables (tcp_init(), tcp_sk_init()): the established hash has a bucket
 * per 128 KiB of memory, up to 512 Ki, and each namespace may hold half as
 * many timewait sockets (tcp_max_tw_buckets).  The cap is 8 entries per
 * bucket: 1 KiB of entries per 128 KiB of memory at most, 0.8%, room for
 * the initial namespace's TIME-WAIT storm 16 times over.  A namespace's
 * quota is 2 per bucket: a storm of its own and as many connections
 * besides; a user's, all its namespaces together, as much, so that the
 * share of the namespaces other than the initial one (the other half of
 * the cap) holds two users at their limit whatever namespaces they make.
 * The initial namespace keeps half of the cap.
 */
static void table_params_derive(void)
{
	/* The initial namespace always has the global hash. */
	unsigned long buckets = init_net.ipv4.tcp_death_row.hashinfo->ehash_mask + 1UL;

	if (max_entries == PARAM_DERIVED)
		max_entries = 8 * buckets;
	if (netns_max_entries == PARAM_DERIVED)
		netns_max_entries = 2 * buckets;
	if (user_max_entries == PARAM_DERIVED)
		user_max_entries = netns_max_entries;
	if (init_net_reserve == PARAM_DERIVED)
		init_net_reserve = max_entries / 2;
}

/* Shared owners (owner.c), outside RT mode. */
static int table_who_init(void)
{
#if TCPSTATE_RT
	return 0;
#else
	return tcpstate_who_shared_init();
#endif
}

static void table_who_exit(void)
{
#if !TCPSTATE_RT
	tcpstate_who_shared_exit();
#endif
}

int tcpstate_table_init(void)
{
	int err;

	if (port_failures < 1 || port_failures > 4096) {
		pr_err("port_failures=%u is out of range 1..4096\n", port_failures);
		return -EINVAL;
	}
	table_params_derive();
	/*
	 * 96 bytes on 64-bit, 42 entries to a page: the owner (uid, cgroup
	 * id, a pid reference and comm, the facts that make a TIME-WAIT
	 * attributable, which no kernel object keeps for it) is shared
	 * (owner.c).  RT mode keeps it in the entry, with its lease.
	 */
	BUILD_BUG_ON(sizeof(struct tcpstate_entry) >
		     (TCPSTATE_RT ? 160 : IS_ENABLED(CONFIG_64BIT) ? 96 : 88));
	/* Bit 0 of a bucket's head is its lock, bit 1 BUCKET_MOVED. */
	BUILD_BUG_ON(__alignof__(struct tcpstate_entry) < 4);
	tcpstate_entry_cache = KMEM_CACHE(tcpstate_entry, 0);
	if (!tcpstate_entry_cache)
		return -ENOMEM;
	err = table_who_init();
	if (err)
		goto err_cache;
	err = tcpstate_pool_init(tcpstate_entry_cache);
	if (err)
		goto err_who;
	WRITE_ONCE(tcpstate_loader, current);
	err = register_pernet_subsys(&tcpstate_net_ops);
	WRITE_ONCE(tcpstate_loader, NULL);
	if (err)
		goto err_pool;
	return 0;

err_pool:
	tcpstate_pool_exit();
err_who:
	table_who_exit();
err_cache:
	kmem_cache_destroy(tcpstate_entry_cache);
	return err;
}

void tcpstate_table_exit(void)
{
	unregister_pernet_subsys(&tcpstate_net_ops);
	leases_exit();
	/*
	 * The hooks are gone: wait for their last puts (tcpstate_put_pid())
	 * and, in RT mode, frees (entry_release()).
	 */
	rcu_barrier();
	tcpstate_pool_exit();
	table_who_exit();
	kmem_cache_destroy(tcpstate_entry_cache);
}

void tcpstate_tuple_from_sk(struct tcpstate_tuple *t, const struct sock *sk)
{
	memset(t, 0, sizeof(*t));
	t->family = sk->sk_family;
	t->sport = sk->sk_num;
	t->dport = ntohs(sk->sk_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		t->saddr = sk->sk_v6_rcv_saddr;
		t->daddr = sk->sk_v6_daddr;
		return;
	}
#endif
	memcpy(&t->saddr, &sk->sk_rcv_saddr, sizeof(__be32));
	memcpy(&t->daddr, &sk->sk_daddr, sizeof(__be32));
}

void tcpstate_tuple_from_tw(struct tcpstate_tuple *t,
			    const struct inet_timewait_sock *tw)
{
	/* A timewait socket keeps the same struct sock_common fields. */
	tcpstate_tuple_from_sk(t, (const struct sock *)tw);
}

void tcpstate_tuple_from_req(struct tcpstate_tuple *t,
			     struct request_sock *req)
{
	tcpstate_tuple_from_sk(t, req_to_sk(req));
}

void tcpstate_end_sockaddr(u16 family, const void *addr, u16 port, void *out)
{
	memset(out, 0, sizeof(struct sockaddr_in6));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
	}
}

u64 tcpstate_sk_cookie(struct sock *sk)
{
	u32 c[2];

	sock_diag_save_cookie(sk, c);
	return (u64)c[1] << 32 | c[0];
}
