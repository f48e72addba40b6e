// SPDX-License-Identifier: GPL-2.0
/*
 * Walking every TCP socket the kernel has, in every network namespace:
 * for seeding at load (every socket that already exists goes into the
 * table, so the first read equals `ss -tan`), and for the reconcile pass,
 * which compares the two (reconcile.c).
 *
 * Walks the established hash (full, timewait and request sockets) and the
 * listener hash the way /proc/net/tcp does, each bucket under its lock,
 * which is held for that bucket's chain only.  The hooks are registered
 * and switched on first (main.c).  A socket the walk sees is one the kernel has at that moment;
 * the table entry is compared under the table's own bucket lock, which
 * nests inside the kernel's (as in the hooks called under it), never the
 * other way round.
 *
 * Namespaces may have their own established hash (net.ipv4.
 * tcp_child_ehash_entries); the listener hash is always the global one.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcpstate.h"

/*
 * Testing only: the seed walk holds the first timewait or request socket
 * of this local port it meets, for debug_seed_hold_ms, between its first
 * look and making the socket's cookie and entry, with the kernel's hash
 * bucket locked (as the walk holds it), so that a test can have the
 * socket die or be promoted meanwhile.  Logged before and after.
 */
static unsigned int debug_seed_hold_port;
module_param(debug_seed_hold_port, uint, 0444);
MODULE_PARM_DESC(debug_seed_hold_port,
		 "Testing only: the local port of the timewait or request socket the seed walk holds (0: none)");
static unsigned int debug_seed_hold_ms = 2000;
module_param(debug_seed_hold_ms, uint, 0444);
MODULE_PARM_DESC(debug_seed_hold_ms,
		 "Testing only: how long the seed walk holds that socket, in ms (at most 5000)");

static void seed_hold(const struct sock *sk, const struct tcpstate_ksock *ks)
{
	static bool held;
	u64 held_ms;

	if (held || ks->tuple.sport != debug_seed_hold_port ||
	    !(ks->flags & (TCPSTATE_F_TIMEWAIT_SOCK | TCPSTATE_F_REQUEST_SOCK)))
		return;
	held = true;
	/*
	 * The CPU, for the test to change the socket from another one.  A
	 * task on this CPU waits for the hold: without PREEMPT_RT it cannot
	 * run here at all, and with it, it can, but its first
	 * local_bh_disable() waits for the walk's spin_lock_bh().
	 */
	pr_info("seed walk: holding a %s socket of port %u for %u ms on CPU %d\n",
		ks->tw_timer ? "timewait" : "request", debug_seed_hold_port,
		min(debug_seed_hold_ms, 5000U), smp_processor_id());
	held_ms = tcpstate_debug_hold(debug_seed_hold_ms, NULL);
	if (ks->tw_timer)
		pr_info("seed walk: held it %llu ms; its timer is %s\n", held_ms,
			timer_pending(ks->tw_timer) ? "still pending" : "off");
	else
		pr_info("seed walk: held it %llu ms; its cookie is %s\n", held_ms,
			atomic64_read(&sk->sk_cookie) ? "set" : "not set");
}

struct walk_ctx {
	struct tcpstate_recon *r;
	u8 gen;
	u64 now;
};

static void walk_sock(struct sock *sk, const struct walk_ctx *w)
{
	struct tcpstate_ksock ks = { .state = sk->sk_state, .uid = INVALID_UID };

	tcpstate_tuple_from_sk(&ks.tuple, sk);
	if (ks.state == TCP_TIME_WAIT) {
		const struct inet_timewait_sock *tw = inet_twsk(sk);
		long left = (long)(READ_ONCE(tw->tw_timer.expires) - jiffies);

		/*
		 * inet_twsk_kill() runs only once the timer is off (it fired,
		 * or was deleted), and our hook at its entry runs before it
		 * waits for this bucket's lock: a timewait socket without a
		 * pending timer is, or is about to be, removed by that hook,
		 * and the walk adds nothing.
		 * (On 6.1 the timer is armed before the socket is hashed,
		 * on 6.11+ under this lock: a live one always has it.)  The
		 * timer may go off from here on, its kill hook finding no
		 * entry yet: the table re-reads it under its bucket lock
		 * just before inserting, the lock that hook takes for the
		 * same cookie (both make it when missing), so either the
		 * hook removes the entry or the entry is not inserted.
		 */
		if (!timer_pending(&tw->tw_timer))
			return;
		ks.tw_timer = &tw->tw_timer;

		ks.state = tw->tw_substate;
		ks.flags = TCPSTATE_F_TIMEWAIT_SOCK;
		ks.expires_ns = w->now + jiffies_to_nsecs(max(left, 0L));
	} else if (ks.state == TCP_NEW_SYN_RECV) {
		const struct sock *listener = inet_reqsk(sk)->rsk_listener;
		struct tcpstate_who who;

		ks.state = TCP_SYN_RECV;
		ks.flags = TCPSTATE_F_REQUEST_SOCK;
		/* Charged as the hook charges it (hooks_request.c). */
		if (listener) {
			tcpstate_who_sock(&who, listener);
			ks.memcg = who.memcg;
		}
	} else {
		struct tcpstate_who who;

		ks.owner = tcpstate_sk_owner(sk);
		/* The process that made it is not known from here. */
		tcpstate_who_sock(&who, sk);
		ks.uid = who.uid;
		ks.cgroup = who.cgroup;
		ks.memcg = who.memcg;
	}
	if (unlikely(debug_seed_hold_port) && !w->r)
		seed_hold(sk, &ks);
	ks.cookie = tcpstate_sk_cookie(sk);
	tcpstate_table_check(sock_net(sk), &ks, w->r, w->gen);
}

static void walk_established(struct inet_hashinfo *hinfo, const struct walk_ctx *w)
{
	unsigned int i;

	for (i = 0; i <= hinfo->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &hinfo->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(hinfo, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&head->chain))
			continue;
		spin_lock_bh(lock);
		rcu_read_lock();
		sk_nulls_for_each(sk, node, &head->chain)
			walk_sock(sk, w);
		rcu_read_unlock();
		spin_unlock_bh(lock);
		cond_resched();
	}
}

static void walk_listeners(struct inet_hashinfo *hinfo, const struct walk_ctx *w)
{
	unsigned int i;

	for (i = 0; i <= hinfo->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb2 = &hinfo->lhash2[i];
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&ilb2->nulls_head))
			continue;
		spin_lock(&ilb2->lock);
		rcu_read_lock();
		sk_nulls_for_each(sk, node, &ilb2->nulls_head)
			walk_sock(sk, w);
		rcu_read_unlock();
		spin_unlock(&ilb2->lock);
		cond_resched();
	}
}

void tcpstate_sockets_walk(struct tcpstate_recon *r, u8 gen)
{
	/*
	 * The initial namespace always uses the global table (tcp_hashinfo,
	 * which newer kernels no longer export).
	 */
	struct inet_hashinfo *global = init_net.ipv4.tcp_death_row.hashinfo;
	struct walk_ctx w = { .r = r, .gen = gen, .now = tcpstate_now_ns() };
	struct net *net;

	walk_established(global, &w);
	walk_listeners(global, &w);

	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;

		if (hinfo && hinfo != global)
			walk_established(hinfo, &w);
	}
	up_read(&net_rwsem);
}
