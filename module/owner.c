// SPDX-License-Identifier: GPL-2.0
/*
 * Who owns a connection: the socket's uid and cgroup v2 id, and the
 * process that made it (issue 11).
 *
 * A timewait socket has no owner in the kernel, and a hook in softirq
 * context sees whatever process was interrupted, so the owner is taken
 * where it is exact and kept in the connection's entry for its whole life,
 * TIME-WAIT included:
 *
 *  - uid and cgroup are on the full socket (sk_uid, sk_cgrp_data), read
 *    where its entry may be made and at accept(); the uid, which
 *    fchown() on the socket and MPTCP's graft of a subflow set too, at
 *    every state change as well (the cgroup is the socket's for good
 *    from sk_alloc() or sk_clone_lock()); a request socket has neither
 *    and takes its listener's, as its child will (sk_clone_lock()
 *    copies both);
 *  - the process exists only in process context: connect() makes its
 *    entry once it has its port (hooks_ports.c) and listen() stores
 *    CLOSE -> LISTEN in the calling process (hooks_state.c); a request
 *    takes its listener's process from the listener's entry
 *    (hooks_request.c); accept() grafts the child onto
 *    the accepting process's socket, which sock_graft() tells the LSM
 *    through security_sock_graft(), with the child's new sk_uid already
 *    set: hooked here, in process context, on 6.1 and 6.12 alike.
 *
 * The process is kept as a reference to its struct pid, so that each
 * reader gets the pid of its own PID namespace (pid_nr_ns()), even after
 * the process exited.  Nothing of it crosses the ABI but numbers.
 *
 * Outside RT mode an entry keeps its owner as a pointer to a shared,
 * immutable struct tcpstate_who_shared (40 bytes), so that the entry fits
 * 96 bytes: a storm's connections share their process's, and a server's
 * its listener's.  A change of owner makes or finds another one.  Each
 * CPU keeps the last 8 it made or found, so finding one is a short
 * compare.  With more owners than that busy on one CPU, entries may each
 * get their own: 96 + 40 bytes at worst.  What the CPUs keep (8 each, and
 * through them a struct pid and its namespaces) lasts until newer owners
 * push it out, or the module is unloaded.  A new owner is charged to the
 * socket's memory cgroup where the hook has it, else to the namespace's
 * creator's; the entries that share it later may be others'.  In RT mode
 * hooks may not allocate, and entries keep their owner's facts themselves
 * (table.c).
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "fhooks.h"
#include "tcpstate.h"

void tcpstate_who_none(struct tcpstate_who *w)
{
	memset(w, 0, sizeof(*w));
	w->uid = INVALID_UID;
}

u64 tcpstate_sk_cgroup(const struct sock *sk)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	/* Held by the socket for its life; never NULL on a socket. */
	struct cgroup *cgrp =
		sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data);

	if (cgrp)
		return cgroup_id(cgrp);
#endif
	return 0;
}

void tcpstate_who_sock(struct tcpstate_who *w, const struct sock *sk)
{
	tcpstate_who_none(w);
	w->uid = sk->sk_uid;
#ifdef CONFIG_MEMCG
	/* Held by the socket, which outlives the hook that asks. */
	w->memcg = sk->sk_memcg;
#endif
	w->cgroup = tcpstate_sk_cgroup(sk);
}

void tcpstate_who_uid(struct tcpstate_who *w, const struct sock *sk)
{
	tcpstate_who_none(w);
	w->uid = sk->sk_uid;
}

void tcpstate_who_current(struct tcpstate_who *w)
{
	/*
	 * The process, and its name as ps and ss -p show it: the thread
	 * group leader's, not a thread's own.  A rename racing with this
	 * copy may leave a mix of both names, NUL-terminated all the same
	 * (taking task_lock() here would sleep on PREEMPT_RT).
	 */
	w->pid = task_tgid(current);
	memcpy(w->comm, current->group_leader->comm, sizeof(w->comm));
	w->comm[sizeof(w->comm) - 1] = '\0';
}

static void tcpstate_put_pid_rcu(struct rcu_head *head)
{
	put_pid(container_of(head, struct pid, rcu));
}

/*
 * put_pid() where hooks run.  On PREEMPT_RT the last put may not run
 * there: it frees memory, and may free a PID namespace, under sleeping
 * locks, while hooks run with preemption off.  A reference that is the
 * last is one of a detached pid: free_pid() took it out of the PID hash
 * and put the hash's reference from an RCU callback, so nobody can find
 * it anymore and its rcu_head is free again.  The last put then goes
 * through that rcu_head, as the kernel's own last put of the hash's
 * reference does (delayed_put_pid()).
 */
void tcpstate_put_pid(struct pid *pid)
{
	if (!pid)
		return;
	if (!tcpstate_rt_mode() || preemptible()) {
		put_pid(pid);
		return;
	}
	if (refcount_dec_not_one(&pid->count))
		return;
	call_rcu(&pid->rcu, tcpstate_put_pid_rcu);
}

#if !TCPSTATE_RT
struct tcpstate_who_shared {
	refcount_t ref;
	kuid_t uid;
	u64 cgroup;
	struct pid *pid;	/* referenced, or NULL */
	char comm[TASK_COMM_LEN];
};

/*
 * Owners each CPU made or found last, most recent first, referenced: its
 * slot's own.  A new one pushes the least recent out.
 */
#define WHO_RECENT	8

struct who_recent {
	struct tcpstate_who_shared *slot[WHO_RECENT];
};

static DEFINE_PER_CPU(struct who_recent, tcpstate_who_recent);
static struct kmem_cache *tcpstate_who_cache;
static atomic_long_t tcpstate_who_shared_live;

static int who_shared_live_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&tcpstate_who_shared_live));
}

static const struct kernel_param_ops who_shared_live_ops = {
	.set = tcpstate_param_read_only,
	.get = who_shared_live_get,
};

module_param_cb(debug_shared_owners, &who_shared_live_ops, NULL, 0444);
MODULE_PARM_DESC(debug_shared_owners,
		 "Testing only: the shared owners that exist, which the entries and each CPU's last few hold");

/* Does @w know nothing of the owner? */
static bool who_unknown(const struct tcpstate_who *w)
{
	return !uid_valid(w->uid) && !w->cgroup && !w->pid;
}

static bool who_shared_is(const struct tcpstate_who_shared *s,
			  const struct tcpstate_who *w)
{
	return s->pid == w->pid && s->cgroup == w->cgroup &&
	       uid_eq(s->uid, w->uid) &&
	       !memcmp(s->comm, w->comm, sizeof(s->comm));
}

static void who_shared_put(struct tcpstate_who_shared *s)
{
	if (s && refcount_dec_and_test(&s->ref)) {
		put_pid(s->pid);
		kmem_cache_free(tcpstate_who_cache, s);
		atomic_long_dec(&tcpstate_who_shared_live);
	}
}

struct tcpstate_who_shared *tcpstate_who_share(const struct tcpstate_who *w,
					       struct mem_cgroup *memcg)
{
	struct who_recent *r = this_cpu_ptr(&tcpstate_who_recent);
	struct tcpstate_who_shared *s, *old;
	struct mem_cgroup *prev;
	unsigned int i;

	lockdep_assert(in_softirq() && !preemptible());
	if (who_unknown(w))
		return NULL;
	for (i = 0; i < WHO_RECENT; i++) {
		s = r->slot[i];
		if (s && who_shared_is(s, w)) {
			refcount_inc(&s->ref);
			/* To the front: the others move back one. */
			memmove(&r->slot[1], &r->slot[0], i * sizeof(r->slot[0]));
			r->slot[0] = s;
			return s;
		}
	}
	prev = tcpstate_charge_begin(memcg);
	s = kmem_cache_alloc(tcpstate_who_cache, GFP_NOWAIT | __GFP_NOWARN |
			     tcpstate_charge_gfp(memcg));
	tcpstate_charge_end(memcg, prev);
	if (!s)
		return ERR_PTR(-ENOMEM);
	atomic_long_inc(&tcpstate_who_shared_live);
	refcount_set(&s->ref, 2);	/* the caller's and the slot's */
	s->uid = w->uid;
	s->cgroup = w->cgroup;
	s->pid = get_pid(w->pid);
	memcpy(s->comm, w->comm, sizeof(s->comm));
	old = r->slot[WHO_RECENT - 1];
	memmove(&r->slot[1], &r->slot[0], (WHO_RECENT - 1) * sizeof(r->slot[0]));
	r->slot[0] = s;
	who_shared_put(old);
	return s;
}

bool tcpstate_who_shared_covers(const struct tcpstate_who_shared *s,
				const struct tcpstate_who *w)
{
	if (!s)
		return who_unknown(w);
	return (!uid_valid(w->uid) || uid_eq(w->uid, s->uid)) &&
	       (!w->cgroup || w->cgroup == s->cgroup) &&
	       (!w->pid || (w->pid == s->pid &&
			    !memcmp(w->comm, s->comm, sizeof(s->comm))));
}

kuid_t tcpstate_who_shared_uid(const struct tcpstate_who_shared *s)
{
	return s ? s->uid : INVALID_UID;
}

u64 tcpstate_who_shared_cgroup(const struct tcpstate_who_shared *s)
{
	return s ? s->cgroup : 0;
}

void tcpstate_who_unshare(struct tcpstate_who_shared *s)
{
	who_shared_put(s);
}

void tcpstate_who_shared_read(const struct tcpstate_who_shared *s,
			      struct tcpstate_who *w)
{
	if (!s) {
		tcpstate_who_none(w);
		return;
	}
	w->memcg = NULL;
	w->uid = s->uid;
	w->cgroup = s->cgroup;
	w->pid = s->pid;
	memcpy(w->comm, s->comm, sizeof(w->comm));
}

int tcpstate_who_shared_init(void)
{
	tcpstate_who_cache = KMEM_CACHE(tcpstate_who_shared, 0);
	return tcpstate_who_cache ? 0 : -ENOMEM;
}

/* Once no entry is left: what the CPUs kept goes too. */
void tcpstate_who_shared_exit(void)
{
	struct who_recent *r;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&tcpstate_who_recent, cpu);
		for (i = 0; i < WHO_RECENT; i++) {
			who_shared_put(r->slot[i]);
			r->slot[i] = NULL;
		}
	}
	/* A merged cache would not say so at its destruction: say it here. */
	WARN(atomic_long_read(&tcpstate_who_shared_live),
	     "tcpstate: %ld shared owners leaked\n",
	     atomic_long_read(&tcpstate_who_shared_live));
	kmem_cache_destroy(tcpstate_who_cache);
}
#endif

/*
 * May a reader with credentials @cred see @pid's process?  As with
 * ptrace's uid rule (the one /proc follows under hidepid): while the
 * process lives, when its real, effective and saved uids are all the
 * reader's; once it is gone, when the socket's uid is.  So a socket made
 * by one user and handed to another's process (SCM_RIGHTS, a setuid
 * program) does not show that process to the first.
 */
static bool who_visible(struct pid *pid, kuid_t kuid, const struct cred *cred)
{
	const struct task_struct *t;
	const struct cred *tcred;
	bool ok;

	rcu_read_lock();
	t = pid_task(pid, PIDTYPE_TGID);
	if (t) {
		tcred = __task_cred(t);
		ok = uid_eq(tcred->uid, cred->euid) &&
		     uid_eq(tcred->euid, cred->euid) &&
		     uid_eq(tcred->suid, cred->euid);
	} else {
		ok = uid_eq(kuid, cred->euid);
	}
	rcu_read_unlock();
	return ok;
}

/*
 * The export of an owner's facts (@kuid, @cg, @p, and @name with @p only),
 * wherever they are kept.
 */
static __always_inline void who_export(kuid_t kuid, u64 cg, struct pid *p,
				       const char *name,
				       const struct tcpstate_view *v,
				       __u32 *uid, __u64 *cgroup, __u32 *pid,
				       char *comm)
{
	struct user_namespace *user_ns = v->cred->user_ns;

	/*
	 * The initial namespaces need no search: every valid uid maps to
	 * itself there, and every pid has its number of the initial
	 * namespace first.
	 */
	if (!uid_valid(kuid))
		*uid = TCPSTATE_UID_UNKNOWN;
	else if (user_ns == &init_user_ns)
		*uid = __kuid_val(kuid);
	else
		*uid = from_kuid_munged(user_ns, kuid);
	*cgroup = cg;
	*pid = 0;
	memset(comm, 0, TASK_COMM_LEN);
	if (!p)
		return;
	if (!READ_ONCE(v->all) && !who_visible(p, kuid, v->cred))
		return;
	*pid = v->pid_ns == &init_pid_ns ? pid_nr(p) : pid_nr_ns(p, v->pid_ns);
	if (*pid)
		memcpy(comm, name, TASK_COMM_LEN);
}

void tcpstate_who_export(const struct tcpstate_who *w,
			 const struct tcpstate_view *v, __u32 *uid,
			 __u64 *cgroup, __u32 *pid, char *comm)
{
	who_export(w->uid, w->cgroup, w->pid, w->comm, v, uid, cgroup, pid,
		   comm);
}

#if !TCPSTATE_RT
void tcpstate_who_shared_export(const struct tcpstate_who_shared *s,
				const struct tcpstate_view *v, __u32 *uid,
				__u64 *cgroup, __u32 *pid, char *comm)
{
	if (s)
		who_export(s->uid, s->cgroup, s->pid, s->comm, v, uid, cgroup,
			   pid, comm);
	else
		who_export(INVALID_UID, 0, NULL, NULL, v, uid, cgroup, pid,
			   comm);
}
#endif

void tcpstate_who_trace(const struct tcpstate_who *w, u32 *uid, u64 *cgroup,
			u32 *pid, char *comm)
{
	*uid = uid_valid(w->uid) ? from_kuid(&init_user_ns, w->uid) :
				   TCPSTATE_UID_UNKNOWN;
	*cgroup = w->cgroup;
	*pid = w->pid ? pid_nr(w->pid) : 0;
	memcpy(comm, w->comm, TASK_COMM_LEN);
}

/* accept(): the accepting process takes the connection over. */
static void sock_graft_hook(struct ftrace_regs *fregs)
{
	struct sock *sk = (void *)tcpstate_farg(fregs, 0);
	struct tcpstate_who who;
	u64 cookie;

	if (!sk || sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return;
	if (!in_task())
		return;
	tcpstate_who_sock(&who, sk);
	tcpstate_who_current(&who);
	cookie = atomic64_read(&sk->sk_cookie);
	if (cookie) {
		tcpstate_table_set_who(sock_net(sk), cookie, &who);
	} else if (sk->sk_state != TCP_CLOSE) {
		/*
		 * A child with no request of ours: a Fast Open server
		 * accepts it in SYN_RECV, before its first state change
		 * (which would make its entry without a process), and a
		 * syncookie child may be accepted before anything saw it.
		 */
		struct tcpstate_tuple tuple;

		cookie = tcpstate_sk_cookie(sk);
		tcpstate_tuple_from_sk(&tuple, sk);
		tcpstate_table_set(sock_net(sk), cookie, &tuple, -1,
				   sk->sk_state, 0, tcpstate_sk_owner(sk), 0,
				   TCPSTATE_CHANGE_TUPLE | TCPSTATE_CHANGE_CREATE |
				   TCPSTATE_CHANGE_BIRTH, &who);
	}
}

static struct tcpstate_fhook tcpstate_owner_hooks[] = {
	{ .symbol = "security_sock_graft", .fn = sock_graft_hook,
	  .miss = TCPSTATE_MISS_ACCEPT,
	  .lost = "an accepted connection keeps its listener's process as owner" },
};

int tcpstate_owner_hooks_init(void)
{
	return tcpstate_fhooks_register(tcpstate_owner_hooks,
					ARRAY_SIZE(tcpstate_owner_hooks));
}

void tcpstate_owner_hooks_exit(void)
{
	tcpstate_fhooks_unregister(tcpstate_owner_hooks,
				   ARRAY_SIZE(tcpstate_owner_hooks));
}
