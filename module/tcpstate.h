/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the tcpstate module.
 */
#ifndef _TCPSTATE_H
#define _TCPSTATE_H

#include <linux/bottom_half.h>
#include <linux/hash.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/memcontrol.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <linux/tcpstate.h>

struct cred;
struct file;
struct mem_cgroup;
struct net;
struct pid;
struct pid_namespace;
struct sock;
struct inet_timewait_sock;
struct kmem_cache;
struct request_sock;

/*
 * RT mode: what hooks may not do on PREEMPT_RT, where they run with
 * preemption off and the allocator, memory cgroup charges and frees take
 * sleeping locks, is left to process context: new entries come from a
 * preallocated pool (pool.c) and are charged later (table.c, leases).
 * On for PREEMPT_RT kernels; `make module RT_MODE=1` turns it on for any
 * other, so that the same code runs under a debug kernel's lockdep.
 */
#if IS_ENABLED(CONFIG_PREEMPT_RT) || defined(TCPSTATE_RT_MODE)
#define TCPSTATE_RT 1
#else
#define TCPSTATE_RT 0
#endif

static inline bool tcpstate_rt_mode(void)
{
	return TCPSTATE_RT;
}

/*
 * Where RT mode must not allocate, charge or free: with preemption off.
 * Elsewhere (work items, file operations, and on PREEMPT_RT the sleeping
 * spinlocks' sections that a reconcile or seed walk holds) it may.
 */
static inline bool tcpstate_atomic_here(void)
{
	return tcpstate_rt_mode() && !preemptible();
}

/*
 * Around what the table does for a hook in RT mode: a lockdep map whose
 * waiters may only spin (LD_WAIT_SPIN), so that a lockdep kernel with
 * PROVE_RAW_LOCK_NESTING reports any sleeping lock taken there ("Invalid
 * wait context") on any kernel, contended or not.  Taken as a recursive
 * reader, as hooks nest (a softirq's in a task's).  And at the module's
 * own allocations and frees, which on PREEMPT_RT take sleeping locks even
 * where they take none elsewhere (a fast path), a map that says so
 * (LD_WAIT_CONFIG): under the first, lockdep reports it every time.
 * Nothing without PROVE_RAW_LOCK_NESTING.
 */
#if TCPSTATE_RT && defined(CONFIG_PROVE_RAW_LOCK_NESTING)
extern struct lockdep_map tcpstate_atomic_map;
extern struct lockdep_map tcpstate_sleeping_map;

static inline void tcpstate_atomic_begin(bool atomic)
{
	if (atomic)
		lock_map_acquire_read(&tcpstate_atomic_map);
}

static inline void tcpstate_atomic_end(bool atomic)
{
	if (atomic)
		lock_map_release(&tcpstate_atomic_map);
}

static inline void tcpstate_might_sleep_lock(void)
{
	lock_map_acquire_read(&tcpstate_sleeping_map);
	lock_map_release(&tcpstate_sleeping_map);
}
#else
static inline void tcpstate_atomic_begin(bool atomic) { }
static inline void tcpstate_atomic_end(bool atomic) { }
static inline void tcpstate_might_sleep_lock(void) { }
#endif

/*
 * Charge what is allocated from here to tcpstate_charge_end() to @memcg,
 * which the caller holds a reference to (through a socket, or the
 * namespace), in any context; returns what tcpstate_charge_end()
 * restores.  With @memcg NULL nothing is charged: the caller leaves out
 * __GFP_ACCOUNT (tcpstate_charge_gfp()), so that no allocation is charged
 * to whatever task a hook interrupted.
 */
static inline struct mem_cgroup *tcpstate_charge_begin(struct mem_cgroup *memcg)
{
	return memcg ? set_active_memcg(memcg) : NULL;
}

static inline void tcpstate_charge_end(struct mem_cgroup *memcg,
				       struct mem_cgroup *old)
{
	if (memcg)
		set_active_memcg(old);
}

static inline gfp_t tcpstate_charge_gfp(struct mem_cgroup *memcg)
{
	return memcg ? __GFP_ACCOUNT : 0;
}

/* main.c */
struct kernel_param;
int tcpstate_param_read_only(const char *val, const struct kernel_param *kp);

/* pool.c: RT mode's stock of uncharged objects of one cache */
int tcpstate_pool_init(struct kmem_cache *cache);
void tcpstate_pool_exit(void);
void *tcpstate_pool_take(void);
bool tcpstate_pool_give(void *obj);

/* Where a connection is: what the table keeps besides its times. */
struct tcpstate_tuple {
	struct in6_addr saddr;	/* IPv4: first 4 bytes */
	struct in6_addr daddr;
	u16 sport;		/* host byte order */
	u16 dport;
	u16 family;
};

/*
 * Who owns a connection (owner.c): the socket's uid and cgroup, and the
 * process that made it.  What a hook passes holds no reference on @pid
 * (the table takes its own).  A hook that knows only the socket leaves
 * @pid NULL; one that knows nothing, uid INVALID_UID.
 */
struct tcpstate_who {
	u64 cgroup;		/* cgroup v2 id of the socket; 0: unknown */
	struct pid *pid;	/* thread group of the process; NULL: unknown */
	kuid_t uid;		/* sk_uid; INVALID_UID: unknown */
	char comm[TASK_COMM_LEN];	/* the process's name; zeros without it */
	/*
	 * The socket's memory cgroup (sk_memcg), which a new entry is
	 * charged to, valid while the hook runs; NULL: the namespace's.
	 * Never kept, never shown.
	 */
	struct mem_cgroup *memcg;
};

/*
 * What one open file may see of owners, fixed at open (device.c): its
 * opener's credentials and PID namespace, and whether it may see every
 * process of the namespace it reads (CAP_SYS_PTRACE or CAP_NET_ADMIN over
 * its user namespace; recomputed when the file changes namespace).
 */
struct tcpstate_view {
	const struct cred *cred;	/* the file's f_cred */
	struct pid_namespace *pid_ns;	/* held */
	bool all;
	bool admin;	/* its opener had CAP_NET_ADMIN in the initial user
			 * namespace (reader slots, events.c)
			 */
};

/* owner.c */
void tcpstate_who_none(struct tcpstate_who *w);
/* The cgroup v2 id of the socket, or 0. */
u64 tcpstate_sk_cgroup(const struct sock *sk);
/* The socket's uid and cgroup; no process. */
void tcpstate_who_sock(struct tcpstate_who *w, const struct sock *sk);
/* The socket's uid alone: the cgroup and process unknown (kept). */
void tcpstate_who_uid(struct tcpstate_who *w, const struct sock *sk);
void tcpstate_put_pid(struct pid *pid);
/* And the current process (process context). */
void tcpstate_who_current(struct tcpstate_who *w);
/* Fill the uapi fields of @w as @v may see them. */
void tcpstate_who_export(const struct tcpstate_who *w,
			 const struct tcpstate_view *v, __u32 *uid,
			 __u64 *cgroup, __u32 *pid, char *comm);
/* The same for the trace events: the initial namespaces' numbers. */
void tcpstate_who_trace(const struct tcpstate_who *w, u32 *uid, u64 *cgroup,
			u32 *pid, char *comm);
#if !TCPSTATE_RT
/*
 * A shared copy of @w's facts, referenced, charged to @memcg (NULL: to no
 * one); NULL when @w knows nothing, ERR_PTR(-ENOMEM) when out of memory.
 * Under a bucket lock: softirqs and preemption off.
 */
struct tcpstate_who_shared;
struct tcpstate_who_shared *tcpstate_who_share(const struct tcpstate_who *w,
					       struct mem_cgroup *memcg);
void tcpstate_who_unshare(struct tcpstate_who_shared *s);
/* Would @w add nothing to @s (NULL: an owner nothing is known of)? */
bool tcpstate_who_shared_covers(const struct tcpstate_who_shared *s,
				const struct tcpstate_who *w);
/* Its uid; INVALID_UID when @s is NULL. */
kuid_t tcpstate_who_shared_uid(const struct tcpstate_who_shared *s);
/* Its cgroup; 0 when @s is NULL. */
u64 tcpstate_who_shared_cgroup(const struct tcpstate_who_shared *s);
/* Its facts into @w, no reference taken; @s NULL: none. */
void tcpstate_who_shared_read(const struct tcpstate_who_shared *s,
			      struct tcpstate_who *w);
/* tcpstate_who_export() of its facts, where they are; @s NULL: none. */
void tcpstate_who_shared_export(const struct tcpstate_who_shared *s,
				const struct tcpstate_view *v, __u32 *uid,
				__u64 *cgroup, __u32 *pid, char *comm);
int tcpstate_who_shared_init(void);
void tcpstate_who_shared_exit(void);
#endif

/* What the reconcile pass corrected. */
enum tcpstate_reconcile_kind {
	TCPSTATE_RECONCILE_ADDED,
	TCPSTATE_RECONCILE_REMOVED,
	TCPSTATE_RECONCILE_FIXED,
	TCPSTATE_RECONCILE_MAX
};

/* Per-CPU counters of one namespace; summed when read. */
struct tcpstate_counters {
	s64 gauge[TCPSTATE_STATE_MAX];
	s64 timewait_socks;
	u64 transitions[TCPSTATE_STATE_MAX][TCPSTATE_STATE_MAX];
	u64 tw_exits[TCPSTATE_TW_EXIT_MAX];
	u64 dropped[TCPSTATE_DROP_MAX];
	u64 reconciled[TCPSTATE_RECONCILE_MAX];
};

/*
 * One state change of one connection, as the event stream and the trace
 * events report it: the entry, under its bucket lock, which the records
 * are made from (tcpstate_change_record()).
 */
struct tcpstate_entry;
struct tcpstate_change {
	const struct tcpstate_entry *e;	/* after the change */
	u64 now;		/* its time */
	u32 netns;		/* inode number of the namespace */
	int from;		/* the state it left */
	int tw_exit;		/* TCPSTATE_TW_EXIT_*, or TCPSTATE_TW_EXIT_NONE */
};

/* table.c: the per-namespace table */
int tcpstate_table_init(void);
void tcpstate_table_exit(void);

void tcpstate_tuple_from_sk(struct tcpstate_tuple *t, const struct sock *sk);
void tcpstate_tuple_from_tw(struct tcpstate_tuple *t,
			    const struct inet_timewait_sock *tw);
void tcpstate_tuple_from_req(struct tcpstate_tuple *t,
			     struct request_sock *req);
/*
 * One end of a connection of @family, as a record keeps it (@addr: 16
 * bytes, IPv4 in the first 4; @port in host byte order), as a struct
 * sockaddr_in or _in6 at @out, which has room for a struct sockaddr_in6.
 */
void tcpstate_end_sockaddr(u16 family, const void *addr, u16 port, void *out);

/*
 * Never shown: an entry made at CLOSE -> SYN_SENT for a socket that still
 * shows an earlier connect()'s port while it searches a new one
 * (hooks_ports.c); its tuple holds that stale port, shown as 0.
 */
#define TCPSTATE_F_PORT_PENDING	0x80
#define TCPSTATE_F_EXPORTED	(TCPSTATE_F_TIMEWAIT_SOCK | TCPSTATE_F_REQUEST_SOCK | \
				 TCPSTATE_F_SEEDED | TCPSTATE_F_RECONCILED)

/*
 * How an event changes the table.  All of them may be called in process
 * or softirq context (timers included), not in hard interrupt context nor
 * with interrupts off (see tcpstate_bh_disable()), and never sleep.  They
 * enter the RCU read-side section they need themselves (table.c), so the
 * hooks do not nest one around them.
 */
enum tcpstate_change_flags {
	TCPSTATE_CHANGE_CREATE	= 0x01,	/* create the entry when it is missing */
	TCPSTATE_CHANGE_TUPLE	= 0x02,	/* refresh the tuple */
	TCPSTATE_CHANGE_BIRTH	= 0x04,	/* the connection is born here: past
					 * a limit, count it as dropped
					 */
};

/*
 * Move connection @cookie to @state with entry flags @flags; @from is the
 * state the event says it left (for the transition matrix when the entry
 * is new).  @owner: the full socket that reports it (tcpstate_sk_owner()),
 * or 0 to leave the owner as it is.  @expires_ns is kept for timewait
 * sockets.  @who: what the hook knows of the connection's owner, or NULL.
 */
void tcpstate_table_set(struct net *net, u64 cookie,
			const struct tcpstate_tuple *tuple, int from, int state,
			u8 flags, u32 owner, u64 expires_ns, unsigned int change,
			const struct tcpstate_who *who);
/*
 * What the entry of a connection holds already when a state change
 * changes nothing else of it (tcpstate_table_state()): the facts of the
 * full socket that reports the change.
 */
struct tcpstate_same {
	u32 owner;		/* tcpstate_sk_owner() */
	kuid_t uid;		/* sk_uid */
	u64 cgroup;		/* its cgroup v2 id; 0: not compared */
	/*
	 * Its tuple, for a change from SYN_SENT or SYN_RECV, which may still
	 * refresh it; NULL past them, where only the family can change
	 * (IPV6_ADDRFORM).
	 */
	const struct tcpstate_tuple *tuple;
	u8 family;		/* compared without a tuple */
	bool makes;		/* the change makes the entry when it is missing */
};

/*
 * Connection @cookie moves to @state, as most changes do: done here when
 * the table holds the socket's entry with nothing else to change (no flag
 * but how it came to be known, and what @same says), or holds none and
 * the change makes no entry.  False otherwise: tcpstate_table_set() then.
 */
bool tcpstate_table_state(struct net *net, u64 cookie, int state,
			  const struct tcpstate_same *same);
/*
 * tcpstate_table_state() of a change past SYN_SENT and SYN_RECV, which
 * makes no entry: @same's owner, uid and family, passed as they are.
 */
bool tcpstate_table_move(struct net *net, u64 cookie, int state, u32 owner,
			 kuid_t uid, u8 family);
/*
 * The child that won request @cookie takes its entry: its owner becomes
 * @same->owner, and it is no longer a request socket's.  True when that
 * is done, or there is no entry to take; false when the entry differs in
 * more (its tuple, uid or cgroup, its state, other flags):
 * tcpstate_table_set() then.
 */
bool tcpstate_table_promote(struct net *net, u64 cookie,
			    const struct tcpstate_same *same);
/* Only the owner of connection @cookie changes (accept()). */
void tcpstate_table_set_who(struct net *net, u64 cookie,
			    const struct tcpstate_who *who);
/*
 * Copy the owner of connection @cookie into @who, with a reference on its
 * pid for the caller to drop; false (and @who untouched) when unknown.
 */
bool tcpstate_table_get_who(struct net *net, u64 cookie,
			    struct tcpstate_who *who);
/*
 * Connection @cookie reached CLOSE: its socket's entry, or with
 * TCPSTATE_F_TIMEWAIT_SOCK in @need_flags the entry of its timewait
 * socket of @tuple (a cookie may have several, one per 4-tuple).
 * @need_flags: only when the entry has all of these flags (the socket's
 * entry never has TCPSTATE_F_TIMEWAIT_SOCK); @owner: when not 0, only when
 * the entry is that socket's.  @tw_exit: the TCPSTATE_TW_EXIT_* cause to count, or -1.
 * Returns true when an entry was removed; then, when @stale_port is not
 * NULL, *@stale_port is the stale port of a TCPSTATE_F_PORT_PENDING
 * entry, else left alone.
 */
bool tcpstate_table_close(struct net *net, u64 cookie,
			  const struct tcpstate_tuple *tuple, u8 need_flags,
			  int tw_exit, u32 owner, int *stale_port);

/*
 * Which full socket owns an entry: a hash of its address, compared and
 * never shown.  Never 0.
 */
static inline u32 tcpstate_sk_owner(const struct sock *sk)
{
	return hash_ptr(sk, 32) | 1;
}

/* One socket of the kernel's hash tables, as a walk of them sees it. */
struct tcpstate_ksock {
	u64 cookie;
	u64 expires_ns;		/* timewait sockets */
	struct tcpstate_tuple tuple;
	u32 owner;		/* full sockets; else 0 */
	kuid_t uid;		/* full sockets: sk_uid; else INVALID_UID */
	u64 cgroup;		/* full sockets: their cgroup v2 id */
	u8 state;		/* TIME_WAIT or FIN_WAIT2 for a timewait socket,
				 * SYN_RECV for a request
				 */
	u8 flags;		/* TCPSTATE_F_TIMEWAIT_SOCK or _REQUEST_SOCK */
	/*
	 * What a new entry is charged to: the socket's memory cgroup, a
	 * request's listener's, valid while the caller holds the bucket
	 * lock; NULL: the namespace's.
	 */
	struct mem_cgroup *memcg;
	/*
	 * A timewait socket's timer: the entry is inserted only if it is
	 * still pending, re-read under the table's bucket lock (seed.c).
	 */
	const struct timer_list *tw_timer;
};

/* reconcile.c: one pass's differences, confirmed by the next pass. */
struct tcpstate_recon;

/*
 * @ks is in the kernel's hash (the caller holds its bucket lock).  With
 * @r NULL (seeding at load) insert it unless known; else mark the entry
 * seen in pass @gen and correct it, or add it, when the previous pass saw
 * the same difference.
 */
void tcpstate_table_check(struct net *net, const struct tcpstate_ksock *ks,
			  struct tcpstate_recon *r, u8 gen);
/*
 * Remove the entries of every namespace that pass @gen did not see and
 * that have not changed since @start_ns, when the previous pass did not
 * see them either.
 */
void tcpstate_table_sweep(struct tcpstate_recon *r, u8 gen, u64 start_ns);
/* Does the previous pass agree?  Records the difference for the next. */
bool tcpstate_recon_confirm(struct tcpstate_recon *r, u64 cookie, u32 what,
			    u64 since_ns);

/* reconcile.c */
int tcpstate_reconcile_init(void);
void tcpstate_reconcile_exit(void);
void tcpstate_reconcile_stats(u64 *passes, u64 *last_ns);

/* seed.c: walk every TCP socket of the kernel (r NULL: seeding). */
void tcpstate_sockets_walk(struct tcpstate_recon *r, u8 gen);

/*
 * main.c: on once every hook is in place, before the seed walk.  Every
 * hook does nothing until then (tcpstate_armed(), asked with preemption
 * off).
 */
extern bool tcpstate_hooks_on;

static __always_inline bool tcpstate_armed(void)
{
	return READ_ONCE(tcpstate_hooks_on);
}

/* misses.c */
void tcpstate_count_miss(int kind);
/*
 * Fault injection (debug_miss_every): whether to drop this call of hook
 * @kind.  Asked by every hook on every call, so the test of the parameter
 * is inline and only a set parameter pays for the call.
 */
extern unsigned int tcpstate_debug_miss_every;
bool __tcpstate_fault_inject(int kind);

static __always_inline bool tcpstate_fault_inject(int kind)
{
	if (likely(!READ_ONCE(tcpstate_debug_miss_every)))
		return false;
	return __tcpstate_fault_inject(kind);
}

/*
 * Testing only: spin @ms (at most 5000), or until *@release (unless NULL)
 * reads 0; returns the ms it took.
 */
u64 tcpstate_debug_hold(unsigned int ms, const unsigned int *release);
/* Fill @out per enum tcpstate_miss; returns the total. */
u64 tcpstate_misses_read(u64 out[TCPSTATE_MISS_MAX]);
/* probes.c: add the kprobes' own misses to @out. */
void tcpstate_probes_missed(u64 *out);
/*
 * fhooks.c: an optional hook, ftrace's or a kprobe, this load could not
 * place (hooks_missing); whether debug_skip_hook says not to place it.
 */
void tcpstate_hook_missing(const char *symbol, const char *lost);
bool tcpstate_hook_skipped(const char *symbol);

/* Readout for the device. */
void tcpstate_table_stats(struct net *net, struct tcpstate_stats *st);
/*
 * Fill a struct tcpstate_stats for each live namespace in turn and pass it
 * to @v->visit, which may sleep; stops at the first non-zero return of it
 * and returns that.
 */
struct tcpstate_net_visitor {
	int (*visit)(struct tcpstate_net_visitor *v, struct tcpstate_stats *st);
};

int tcpstate_table_visit_nets(struct tcpstate_net_visitor *v);
/* Start the namespace's cumulative counters again from zero. */
int tcpstate_table_reset(struct net *net);
/*
 * Read (and with TCPSTATE_QUOTA_SET or _DEFAULT in @q->flags, change)
 * the namespace's quota.  @admin: the caller is the initial namespace's
 * admin, who sets the namespace's ceiling; else @may_lower: it may
 * restrain the namespace (lower the quota in force).  -EPERM when the
 * change needs what the caller may not, -EINVAL for a bad request.
 */
int tcpstate_table_quota(struct net *net, struct tcpstate_quota *q,
			 bool may_lower, bool admin);
/*
 * Port exhaustion (hooks_ports.c calls, the device reads): @sk wanted a
 * local port for @kind (TCPSTATE_PORT_*) and the call returned @err.
 * Process context, may not sleep.
 */
void tcpstate_port_failure(struct sock *sk, int kind, int err);
/*
 * connect() (hooks_ports.c): at CLOSE -> SYN_SENT, the port @sk still
 * shows from an earlier connect(), or 0.  At SYN_SENT -> CLOSE, count it
 * when it found no local port; @stale_port: the port its pending entry
 * was made with, or -1.
 */
u16 tcpstate_connect_stale_port(const struct sock *sk);
void tcpstate_connect_closed(struct sock *sk, int stale_port);
/*
 * Fill @req's totals and range and copy up to @room of the kept failures,
 * oldest first, into @out, as @v may see them; returns the number copied.
 */
u32 tcpstate_table_ports(struct net *net, struct tcpstate_ports *req,
			 struct tcpstate_port_failure *out, u32 room,
			 const struct tcpstate_view *v);
u32 tcpstate_port_failures_kept(void);

/* The list the namespace's event readers are on; NULL when it is dying. */
struct list_head *tcpstate_table_readers(struct net *net);
/*
 * Copy up to @room entries after @cursor into @out; returns the number
 * copied and advances @cursor; sets *@done at the end of the table.
 */
unsigned int tcpstate_table_snapshot(struct net *net, u64 cursor[2],
				     struct tcpstate_conn *out,
				     unsigned int room, bool *done,
				     const struct tcpstate_view *v);

/* hooks_*.c: where the kernel's events are seen */
int tcpstate_state_hook_init(void);
void tcpstate_state_hook_exit(void);
int tcpstate_timewait_hooks_init(void);
void tcpstate_timewait_hooks_exit(void);
bool tcpstate_tw_handoff_take(u64 cookie);
int tcpstate_request_hooks_init(void);
void tcpstate_request_hooks_exit(void);
int tcpstate_port_hooks_init(void);
void tcpstate_port_hooks_exit(void);
int tcpstate_owner_hooks_init(void);
void tcpstate_owner_hooks_exit(void);

/*
 * events.c: the event stream.  A reader is one open file's buffer of
 * records.  tcpstate_notify() may be called in process or softirq
 * context, never sleeps, and never waits for a reader.
 */
struct tcpstate_reader;

/*
 * The readers of every namespace (events.c, which adds and removes them);
 * table.c asks whether there are any (table_notify_wanted()).
 */
extern struct list_head tcpstate_all_ns_readers;
/* Under the changed entry's bucket lock: softirqs and preemption off. */
void tcpstate_notify(struct list_head *readers, const struct tcpstate_change *c);
/*
 * table.c: @c's record in @ev, every field of it written, the owner's as
 * @v may see them (tcpstate_who_export()); @v NULL: all but the owner's,
 * which tcpstate_change_owner() gives.
 */
void tcpstate_change_record(const struct tcpstate_change *c,
			    const struct tcpstate_view *v,
			    struct tcpstate_event *ev);
void tcpstate_change_owner(const struct tcpstate_change *c,
			   struct tcpstate_who *w);
void tcpstate_notify_port(struct list_head *readers, u32 netns,
			  const struct tcpstate_port_failure *f,
			  const struct tcpstate_who *who);
/* A reader that shows owners as @v may see them (@v outlives it). */
struct tcpstate_reader *tcpstate_reader_new(const struct tcpstate_view *v);
void tcpstate_reader_free(struct tcpstate_reader *r);
/* Start receiving @readers' events (NULL: every namespace's); may sleep. */
void tcpstate_reader_attach(struct tcpstate_reader *r, struct list_head *readers);
/* Stop receiving and forget what was buffered; may sleep. */
void tcpstate_reader_detach(struct tcpstate_reader *r);
ssize_t tcpstate_reader_read(struct tcpstate_reader *r, char __user *buf,
			     size_t count, bool nonblock);
__poll_t tcpstate_reader_poll(struct tcpstate_reader *r, struct file *file,
			      poll_table *wait);
u64 tcpstate_reader_lost(struct tcpstate_reader *r);

/* device.c */
int tcpstate_device_init(void);
void tcpstate_device_exit(void);

/* The socket cookie, generated when it was never asked for. */
u64 tcpstate_sk_cookie(struct sock *sk);

/*
 * Around the table's locks (bucket bit locks, a reader's ring lock): they
 * are taken by hooks in process and softirq context and by file
 * operations, never in hard interrupt context, so keeping softirqs out is
 * enough for a softirq never to spin on a lock the task it interrupted
 * holds; it costs much less than turning interrupts off, notably under
 * emulation, where turning them back on ends a translation block.  On
 * PREEMPT_RT softirqs are threads and those locks disable preemption,
 * which keeps them out: there is nothing to do, and nothing may be done,
 * as hooks run with preemption off and local_bh_disable() takes a
 * sleeping lock there.
 */
static inline void tcpstate_bh_disable(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_disable();
}

static inline void tcpstate_bh_enable(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_enable();
}

static inline void tcpstate_assert_bh_disabled(void)
{
	lockdep_assert(!in_hardirq());
	lockdep_assert_irqs_enabled();
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		lockdep_assert(in_softirq());
}

static inline u64 tcpstate_now_ns(void)
{
	return ktime_get_boottime_ns();
}

#endif /* _TCPSTATE_H */
