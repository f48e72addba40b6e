// SPDX-License-Identifier: GPL-2.0
/*
 * The event stream: every state change, as a record in the buffer of each
 * open file that reads it, and as a tcpstate:* trace event.
 *
 * Each reader owns a ring of event_buffer records.  Producers are the
 * hooks, in process or softirq context: they take the reader's raw
 * spinlock (softirqs off, tcpstate_bh_disable()) to write one record in
 * its slot and never wait; the consumer is woken by an irq_work, outside
 * the producer's locks.  When the ring is full the record is dropped and
 * counted; the count is handed to the reader as a TCPSTATE_EVENT_LOST
 * record in the place of what was lost, before anything newer.  So every
 * record in the ring is older than a pending loss.
 *
 * There is one consumer at a time (read_lock).  It copies records straight
 * from the ring to user memory without the spinlock: producers only write
 * outside [tail, tail + count), and count only shrinks when the consumer
 * says so.
 *
 * Producers push under the table's bucket lock, so one connection's
 * records come out in the order its changes happened.
 *
 * Readers are on their namespace's list, or on the list of readers of
 * every namespace, under RCU; they leave it before they are freed.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include "tcpstate.h"

#define CREATE_TRACE_POINTS
#include "tcpstate_trace.h"

#define TCPSTATE_EVENT_BUFFER_MIN	16U
#define TCPSTATE_EVENT_BUFFER_MAX	SZ_1M

static unsigned int event_buffer = 4096;
module_param(event_buffer, uint, 0644);
MODULE_PARM_DESC(event_buffer,
		 "Records buffered per reader of /dev/tcpstate, 16..1048576, taken when the reader starts (default 4096)");

static unsigned int max_readers = 256;
module_param(max_readers, uint, 0644);
MODULE_PARM_DESC(max_readers,
		 "Most files reading the event stream at once, half of them for CAP_NET_ADMIN (default 256)");

static unsigned int max_readers_per_user = 16;
module_param(max_readers_per_user, uint, 0644);
MODULE_PARM_DESC(max_readers_per_user,
		 "Most files one user may read the event stream with at once; users of a user namespace count as the user who made its outermost one (root for every namespace root made); an opener with CAP_NET_ADMIN in the initial namespace is not limited (default 16)");

/*
 * Reader slots per user: the user who opened the file, or for a file
 * opened inside a user namespace, the user who made its outermost one,
 * whatever uids it maps (one unprivileged user may map thousands).  A
 * namespace that root made (a container manager's, or one that a root
 * process without capabilities made itself) is root's, so all of them
 * and uid 0 share one user's slots: were each a user of its own, a uid 0
 * with no capability could unshare(CLONE_NEWUSER) as often as it likes
 * and take max_readers_per_user each time.  A user is thus a uid of the
 * initial namespace, which making namespaces never changes.  Privilege
 * and owner are both the opener's (f_cred), so handing the file to a
 * privileged reader changes neither.
 *
 * The cost: root's containers share those slots.  The users together
 * have half of max_readers: max_readers / 2 / max_readers_per_user of
 * them (8 by default) can take all of that half, and the next one gets
 * EBUSY though it holds no slot; the initial namespace's CAP_NET_ADMIN
 * still has the other half.
 */
struct tcpstate_reader_user {
	struct list_head node;
	kuid_t uid;
	unsigned int readers;
};

static DEFINE_MUTEX(tcpstate_reader_users_lock);
static LIST_HEAD(tcpstate_reader_users);

struct tcpstate_reader {
	struct list_head node;		/* on a readers list, under RCU */
	bool attached;
	const struct tcpstate_view *view;	/* what it may see of owners */
	raw_spinlock_t lock;		/* protects the ring indexes and losses */
	struct tcpstate_event *ring;
	u32 size;			/* records in the ring */
	u32 tail;			/* oldest record */
	u32 count;			/* records in the ring */
	u64 lost_pending;		/* dropped since the last LOST record */
	u64 lost_total;			/* dropped since the stream started */
	struct mutex read_lock;		/* one consumer at a time */
	wait_queue_head_t wait;
	struct irq_work wake;		/* wakes the consumer after a push */
	struct tcpstate_reader_user *user;	/* whose slot it holds, or NULL */
};

/* Protects the readers lists against each other's writers. */
static DEFINE_SPINLOCK(tcpstate_readers_lock);
LIST_HEAD(tcpstate_all_ns_readers);
static atomic_t tcpstate_nr_readers = ATOMIC_INIT(0);

static void event_lost(struct tcpstate_event *ev, u64 lost)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->type = TCPSTATE_EVENT_LOST;
	ev->tw_exit = TCPSTATE_TW_EXIT_NONE;
	ev->time_ns = tcpstate_now_ns();
	ev->lost = lost;
}

/* The caller holds r->lock and has checked there is room. */
static struct tcpstate_event *ring_put(struct tcpstate_reader *r)
{
	u32 head = r->tail + r->count;

	if (head >= r->size)
		head -= r->size;
	WRITE_ONCE(r->count, r->count + 1);
	return &r->ring[head];
}

/*
 * Lock @r and take the slot of its next record, with a pending loss put
 * in first; NULL when the ring is full, which counts the record lost.
 * Softirqs are off (tcpstate_bh_disable()); reader_unlock_bh() in
 * either case.
 */
static struct tcpstate_event *reader_lock_slot_bh(struct tcpstate_reader *r)
	__acquires(&r->lock)
{
	u32 room;

	raw_spin_lock(&r->lock);
	room = r->size - r->count;
	/* A pending loss goes first, so it needs room for two. */
	if (room < (r->lost_pending ? 2 : 1)) {
		WRITE_ONCE(r->lost_pending, r->lost_pending + 1);
		r->lost_total++;
		return NULL;
	}
	if (r->lost_pending) {
		event_lost(ring_put(r), r->lost_pending);
		WRITE_ONCE(r->lost_pending, 0);
	}
	return ring_put(r);
}

static void reader_unlock_bh(struct tcpstate_reader *r)
	__releases(&r->lock)
{
	raw_spin_unlock(&r->lock);

	/*
	 * A lost record wakes the consumer too: one that drained the ring
	 * while it was lost learns of it (its LOST record) only by reading
	 * again, and an edge-triggered epoll user that took a short read for
	 * the end waits for a wake-up first.
	 *
	 * Not under the lock, nor under the table's bucket lock: the wait
	 * queue's lock sleeps on PREEMPT_RT, and a wake-up per record would
	 * cost a storm dearly.  The irq_work runs at the next tick at the
	 * latest.
	 */
	if (wq_has_sleeper(&r->wait))
		irq_work_queue(&r->wake);
}

/* reader_lock_slot_bh() with softirqs turned off first. */
static struct tcpstate_event *reader_lock_slot(struct tcpstate_reader *r)
	__acquires(&r->lock)
{
	tcpstate_bh_disable();
	return reader_lock_slot_bh(r);
}

static void reader_unlock(struct tcpstate_reader *r)
	__releases(&r->lock)
{
	reader_unlock_bh(r);
	tcpstate_bh_enable();
}

static void reader_wake(struct irq_work *work)
{
	struct tcpstate_reader *r = container_of(work, struct tcpstate_reader, wake);

	wake_up_interruptible_poll(&r->wait, EPOLLIN | EPOLLRDNORM);
}

/* Under a bucket lock, with softirqs off (tcpstate_notify()). */
static void reader_push_change(struct tcpstate_reader *r,
			       const struct tcpstate_change *c)
{
	struct tcpstate_event *slot = reader_lock_slot_bh(r);

	/* The owner as this reader may see it. */
	if (slot)
		tcpstate_change_record(c, r->view, slot);
	reader_unlock_bh(r);
}

/* A record of another kind, made on the stack: the same in every ring. */
static void reader_push(struct tcpstate_reader *r, const struct tcpstate_event *ev,
			const struct tcpstate_who *who)
{
	struct tcpstate_event *slot = reader_lock_slot(r);

	if (slot) {
		*slot = *ev;
		tcpstate_who_export(who, r->view, &slot->uid, &slot->cgroup_id,
				    &slot->pid, slot->comm);
	}
	reader_unlock(r);
}

/* The trace events of a change: their own copy of its record. */
static noinline void notify_trace(const struct tcpstate_change *c)
{
	struct tcpstate_event ev;
	struct tcpstate_who who;

	tcpstate_change_record(c, NULL, &ev);
	tcpstate_change_owner(c, &who);
	trace_state_change(&ev, &who);
	if (ev.new_state == TCPSTATE_TIME_WAIT)
		trace_timewait_enter(&ev, &who);
	if (ev.tw_exit != TCPSTATE_TW_EXIT_NONE)
		trace_timewait_exit(&ev, &who);
}

/*
 * Under the connection's bucket lock: softirqs off, and preemption, which
 * is the read-side section the readers lists need (RCU's, as
 * rcu_read_lock()'s).
 */
void tcpstate_notify(struct list_head *readers, const struct tcpstate_change *c)
{
	struct tcpstate_reader *r;

	tcpstate_assert_bh_disabled();
	lockdep_assert_preemption_disabled();
	if (trace_state_change_enabled() || trace_timewait_enter_enabled() ||
	    trace_timewait_exit_enabled())
		notify_trace(c);

	/* Each record is made in its reader's ring, not copied there. */
	if (readers) {
		list_for_each_entry_rcu(r, readers, node,
					rcu_read_lock_any_held())
			reader_push_change(r, c);
	}
	list_for_each_entry_rcu(r, &tcpstate_all_ns_readers, node,
				rcu_read_lock_any_held())
		reader_push_change(r, c);
}

void tcpstate_notify_port(struct list_head *readers, u32 netns,
			  const struct tcpstate_port_failure *f,
			  const struct tcpstate_who *who)
{
	struct tcpstate_event ev;
	struct tcpstate_reader *r;

	trace_port_failure(netns, f, who);
	if (list_empty(&tcpstate_all_ns_readers) && list_empty(readers))
		return;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = TCPSTATE_EVENT_PORT_FAILURE;
	ev.family = f->family;
	ev.cookie = f->cookie;
	ev.time_ns = f->time_ns;
	ev.netns = netns;
	ev.dport = f->dport;
	memcpy(ev.saddr, f->saddr, sizeof(ev.saddr));
	memcpy(ev.daddr, f->daddr, sizeof(ev.daddr));
	ev.tw_exit = TCPSTATE_TW_EXIT_NONE;
	ev.error = f->error;
	ev.port_kind = f->kind;

	rcu_read_lock();
	list_for_each_entry_rcu(r, readers, node)
		reader_push(r, &ev, who);
	list_for_each_entry_rcu(r, &tcpstate_all_ns_readers, node)
		reader_push(r, &ev, who);
	rcu_read_unlock();
}

/*
 * The user of @cred (see struct tcpstate_reader_user).  Every ancestor
 * of a cred's user namespace is pinned by it.
 */
static kuid_t reader_user_of(const struct cred *cred)
{
	const struct user_namespace *ns = cred->user_ns;

	if (ns == &init_user_ns)
		return cred->euid;
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

/* Take one of @cred's user's slots: its entry, or an ERR_PTR. */
static struct tcpstate_reader_user *reader_user_get(const struct cred *cred)
{
	struct tcpstate_reader_user *u;
	kuid_t uid = reader_user_of(cred);

	mutex_lock(&tcpstate_reader_users_lock);
	list_for_each_entry(u, &tcpstate_reader_users, node)
		if (uid_eq(u->uid, uid))
			goto found;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u) {
		u = ERR_PTR(-ENOMEM);
		goto out;
	}
	u->uid = uid;
	list_add(&u->node, &tcpstate_reader_users);
found:
	if (u->readers >= READ_ONCE(max_readers_per_user)) {
		if (!u->readers) {
			list_del(&u->node);
			kfree(u);
		}
		u = ERR_PTR(-EBUSY);
	} else {
		u->readers++;
	}
out:
	mutex_unlock(&tcpstate_reader_users_lock);
	return u;
}

static void reader_user_put(struct tcpstate_reader_user *u)
{
	if (!u)
		return;
	mutex_lock(&tcpstate_reader_users_lock);
	if (!--u->readers) {
		list_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&tcpstate_reader_users_lock);
}

struct tcpstate_reader *tcpstate_reader_new(const struct tcpstate_view *v)
{
	u32 size = clamp(READ_ONCE(event_buffer), TCPSTATE_EVENT_BUFFER_MIN,
			 TCPSTATE_EVENT_BUFFER_MAX);
	unsigned int limit = READ_ONCE(max_readers);
	struct tcpstate_reader_user *user = NULL;
	struct tcpstate_reader *r;

	/*
	 * Half the slots are kept for the initial namespace's admin, who
	 * has no per-user limit either; everyone else has at most
	 * max_readers_per_user of the other half.
	 */
	if (!v->admin) {
		limit /= 2;
		user = reader_user_get(v->cred);
		if (IS_ERR(user))
			return ERR_CAST(user);
	}
	if (atomic_inc_return(&tcpstate_nr_readers) > limit) {
		atomic_dec(&tcpstate_nr_readers);
		reader_user_put(user);
		return ERR_PTR(-EBUSY);
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		goto err;
	r->user = user;
	r->ring = kvcalloc(size, sizeof(*r->ring), GFP_KERNEL_ACCOUNT);
	if (!r->ring) {
		kfree(r);
		goto err;
	}
	r->size = size;
	r->view = v;
	INIT_LIST_HEAD(&r->node);
	raw_spin_lock_init(&r->lock);
	mutex_init(&r->read_lock);
	init_waitqueue_head(&r->wait);
	r->wake = IRQ_WORK_INIT_LAZY(reader_wake);
	return r;
err:
	atomic_dec(&tcpstate_nr_readers);
	reader_user_put(user);
	return ERR_PTR(-ENOMEM);
}

void tcpstate_reader_free(struct tcpstate_reader *r)
{
	if (!r)
		return;
	tcpstate_reader_detach(r);
	/* The last push's wake-up, if it is still pending. */
	irq_work_sync(&r->wake);
	mutex_destroy(&r->read_lock);
	kvfree(r->ring);
	reader_user_put(r->user);
	kfree(r);
	atomic_dec(&tcpstate_nr_readers);
}

void tcpstate_reader_attach(struct tcpstate_reader *r, struct list_head *readers)
{
	spin_lock(&tcpstate_readers_lock);
	list_add_tail_rcu(&r->node, readers ? readers : &tcpstate_all_ns_readers);
	r->attached = true;
	spin_unlock(&tcpstate_readers_lock);
}

void tcpstate_reader_detach(struct tcpstate_reader *r)
{
	if (!r->attached)
		return;
	spin_lock(&tcpstate_readers_lock);
	list_del_rcu(&r->node);
	r->attached = false;
	spin_unlock(&tcpstate_readers_lock);
	/* No producer is still pushing into the ring after this. */
	synchronize_rcu();

	/* Nor a consumer copying out of it. */
	mutex_lock(&r->read_lock);
	tcpstate_bh_disable();
	raw_spin_lock(&r->lock);
	r->tail = 0;
	WRITE_ONCE(r->count, 0);
	WRITE_ONCE(r->lost_pending, 0);
	raw_spin_unlock(&r->lock);
	tcpstate_bh_enable();
	mutex_unlock(&r->read_lock);
}

static bool reader_has_data(struct tcpstate_reader *r)
{
	return READ_ONCE(r->count) || READ_ONCE(r->lost_pending);
}

/*
 * Copy @n records from the tail on, each cut to its first @usize bytes (a
 * reader built for smaller records), with size saying so; returns the
 * records copied.
 */
static u32 ring_copy_short(struct tcpstate_reader *r, char __user *buf, u32 n,
			   u32 usize)
{
	u32 i, idx = r->tail;

	for (i = 0; i < n; i++) {
		char __user *dst = buf + (size_t)i * usize;

		if (copy_to_user(dst, &r->ring[idx], usize) ||
		    put_user(usize, (u32 __user *)dst))
			break;
		if (++idx == r->size)
			idx = 0;
	}
	return i;
}

/* Copy @n records from the tail on; returns the records copied. */
static u32 ring_copy_out(struct tcpstate_reader *r, char __user *buf, u32 n)
{
	const size_t rec = sizeof(*r->ring);
	u32 first = min(n, r->size - r->tail);
	unsigned long left;

	left = copy_to_user(buf, &r->ring[r->tail], first * rec);
	if (left)
		return first - DIV_ROUND_UP(left, rec);
	if (first == n)
		return n;
	left = copy_to_user(buf + first * rec, r->ring, (n - first) * rec);
	return n - DIV_ROUND_UP(left, rec);
}

ssize_t tcpstate_reader_read(struct tcpstate_reader *r, char __user *buf,
			     size_t count, bool nonblock)
{
	size_t rec = sizeof(struct tcpstate_event);
	u32 avail, want, done;
	ssize_t ret;

	/*
	 * A buffer that holds no whole record but a first-version one (a
	 * reader of one record at a time, built before records grew) gets
	 * first-version records: their fields are the first ones of today's.
	 */
	if (count < rec) {
		if (count < TCPSTATE_EVENT_SIZE_V1)
			return -EINVAL;
		rec = TCPSTATE_EVENT_SIZE_V1;
	}
	if (mutex_lock_interruptible(&r->read_lock))
		return -ERESTARTSYS;

	while (!reader_has_data(r)) {
		if (nonblock) {
			ret = -EAGAIN;
			goto out;
		}
		mutex_unlock(&r->read_lock);
		if (wait_event_interruptible(r->wait, reader_has_data(r)))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&r->read_lock))
			return -ERESTARTSYS;
	}

	tcpstate_bh_disable();
	raw_spin_lock(&r->lock);
	/*
	 * A loss the producers could not report yet comes after everything
	 * in the ring: once the ring is empty it goes in as a record, so it
	 * keeps its place whatever happens to this copy.
	 */
	if (!r->count && r->lost_pending) {
		event_lost(ring_put(r), r->lost_pending);
		WRITE_ONCE(r->lost_pending, 0);
	}
	avail = r->count;
	raw_spin_unlock(&r->lock);
	tcpstate_bh_enable();

	want = min_t(size_t, avail, count / rec);
	if (rec == sizeof(struct tcpstate_event))
		done = ring_copy_out(r, buf, want);
	else
		done = ring_copy_short(r, buf, want, rec);

	tcpstate_bh_disable();
	raw_spin_lock(&r->lock);
	r->tail += done;
	if (r->tail >= r->size)
		r->tail -= r->size;
	WRITE_ONCE(r->count, r->count - done);
	raw_spin_unlock(&r->lock);
	tcpstate_bh_enable();

	ret = done ? done * rec : -EFAULT;
out:
	mutex_unlock(&r->read_lock);
	return ret;
}

__poll_t tcpstate_reader_poll(struct tcpstate_reader *r, struct file *file,
			      poll_table *wait)
{
	poll_wait(file, &r->wait, wait);
	/* Pairs with wq_has_sleeper() in reader_unlock_bh(). */
	smp_mb();
	return reader_has_data(r) ? EPOLLIN | EPOLLRDNORM : 0;
}

u64 tcpstate_reader_lost(struct tcpstate_reader *r)
{
	u64 lost;

	tcpstate_bh_disable();
	raw_spin_lock(&r->lock);
	lost = r->lost_total;
	raw_spin_unlock(&r->lock);
	tcpstate_bh_enable();
	return lost;
}
