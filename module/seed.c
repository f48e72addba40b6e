// SPDX-License-Identifier: GPL-2.0
/*
 * Seeding at load: every TCP socket that already exists, in every network
 * namespace, goes into the table, so the first read equals `ss -tan`.
 *
 * Walks the established hash (full, timewait and request sockets) and the
 * listener hash the way /proc/net/tcp does.  The hooks are registered
 * first; a socket is inserted while its hash bucket lock is held, and
 * every removal the hooks make happens after the socket left the hash
 * under that same lock, so a socket that closes during the walk cannot be
 * left behind.  An entry a hook already made is kept as it is.
 *
 * Namespaces may have their own established hash (net.ipv4.
 * tcp_child_ehash_entries); the listener hash is always the global one.
 */
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcpstate.h"

static void seed_sock(struct sock *sk, u64 now)
{
	struct tcpstate_tuple tuple;
	int state = sk->sk_state;
	u64 expires = 0;
	u8 flags = 0;

	tcpstate_tuple_from_sk(&tuple, sk);
	if (state == TCP_TIME_WAIT) {
		const struct inet_timewait_sock *tw = inet_twsk(sk);
		long left = (long)(tw->tw_timer.expires - jiffies);

		state = tw->tw_substate;
		flags = TCPSTATE_F_TIMEWAIT_SOCK;
		expires = now + jiffies_to_nsecs(max(left, 0L));
	} else if (state == TCP_NEW_SYN_RECV) {
		state = TCP_SYN_RECV;
		flags = TCPSTATE_F_REQUEST_SOCK;
	}
	tcpstate_table_seed(sock_net(sk), tcpstate_sk_cookie(sk), &tuple,
			    state, flags, expires);
}

static void seed_established(struct inet_hashinfo *hinfo, u64 now)
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
			seed_sock(sk, now);
		rcu_read_unlock();
		spin_unlock_bh(lock);
		cond_resched();
	}
}

static void seed_listeners(struct inet_hashinfo *hinfo, u64 now)
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
			seed_sock(sk, now);
		rcu_read_unlock();
		spin_unlock(&ilb2->lock);
		cond_resched();
	}
}

void tcpstate_seed(void)
{
	/*
	 * The initial namespace always uses the global table (tcp_hashinfo,
	 * which newer kernels no longer export).
	 */
	struct inet_hashinfo *global = init_net.ipv4.tcp_death_row.hashinfo;
	u64 now = tcpstate_now_ns();
	struct net *net;

	seed_established(global, now);
	seed_listeners(global, now);

	down_read(&net_rwsem);
	for_each_net(net) {
		struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;

		if (hinfo && hinfo != global)
			seed_established(hinfo, now);
	}
	up_read(&net_rwsem);
}
