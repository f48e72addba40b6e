// SPDX-License-Identifier: GPL-2.0
/*
 * Full sockets: the sock:inet_sock_set_state tracepoint.
 *
 * It fires for every state store of a full socket, in process context
 * (lock_sock), rx softirq or timer softirq.  It is not exported to modules,
 * so it is found by name.  Three things it shows are not what they seem:
 *
 *  - LISTEN -> SYN_RECV is a child socket that still carries its
 *    listener's tuple and cookie; the request socket hook already holds
 *    the connection under the cookie the child inherits next, so the event
 *    is skipped.
 *  - FIN_WAIT2/CLOSING -> CLOSE of an active closer is the hand-off to a
 *    timewait socket, which the timewait hooks saw just before: an entry
 *    held by a timewait socket is not closed by it.
 *  - SYN_SENT shows local port 0; the tuple is refreshed at every event.
 *  - SYN_RECV -> CLOSE may come from a child that lost its request to
 *    another child (hooks_request.c), with the same cookie.
 *
 * A tracepoint probe is called directly from the traced code, with no
 * "running" slot to share: it cannot miss.
 */
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "tcpstate.h"

static struct tracepoint *tcpstate_set_state_tp;

static bool tcpstate_is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM &&
	       (sk->sk_family == AF_INET || sk->sk_family == AF_INET6);
}

static void tcpstate_probe_set_state(void *data, const struct sock *csk,
				     const int oldstate, const int newstate)
{
	/*
	 * The tracepoint hands a const socket, but a cookie may have to be
	 * generated: sock_diag_save_cookie() does that with one atomic
	 * cmpxchg on sk_cookie, which any reader of the socket may do (it
	 * is what inet_diag does for `ss -e` on sockets it does not own).
	 * Nothing else of the socket is written.
	 */
	struct sock *sk = (struct sock *)csk;
	struct tcpstate_tuple tuple;
	unsigned int change;
	u64 cookie;

	if (!tcpstate_is_tcp(sk))
		return;
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV)
		return;
	if (tcpstate_fault_inject(TCPSTATE_MISS_STATE))
		return;

	rcu_read_lock();
	if (newstate == TCP_CLOSE) {
		/*
		 * A child that dies in SYN_RECV may never have owned the
		 * connection (hooks_request.c): only its owner ends it.
		 */
		cookie = atomic64_read(&sk->sk_cookie);
		tcpstate_table_close(sock_net(sk), cookie, 0,
				     TCPSTATE_F_TIMEWAIT_SOCK, -1,
				     oldstate == TCP_SYN_RECV ?
				     tcpstate_sk_owner(sk) : 0);
		goto out;
	}

	/*
	 * Entries are created only where a connection is born, so a
	 * connection dropped at the cap is counted once and stays out:
	 * CLOSE -> SYN_SENT (connect), CLOSE -> LISTEN (listen), and a child
	 * whose cookie was never generated, which had no request socket of
	 * ours (syncookies, Fast Open).  One missing for another reason is
	 * added by the reconcile pass.
	 */
	cookie = atomic64_read(&sk->sk_cookie);
	change = TCPSTATE_CHANGE_TUPLE;
	if (oldstate == TCP_CLOSE || (oldstate == TCP_SYN_RECV && !cookie))
		change |= TCPSTATE_CHANGE_CREATE;
	else if (!cookie)
		goto out;	/* never had a cookie: never mirrored */
	cookie = tcpstate_sk_cookie(sk);
	tcpstate_tuple_from_sk(&tuple, sk);
	tcpstate_table_set(sock_net(sk), cookie, &tuple, oldstate, newstate,
			   0, tcpstate_sk_owner(sk), 0, change);
out:
	rcu_read_unlock();
}

static void tcpstate_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		tcpstate_set_state_tp = tp;
}

int tcpstate_state_hook_init(void)
{
	int err;

	for_each_kernel_tracepoint(tcpstate_find_tp, NULL);
	if (!tcpstate_set_state_tp) {
		pr_err("tracepoint sock:inet_sock_set_state not found: cannot follow full sockets\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(tcpstate_set_state_tp,
					tcpstate_probe_set_state, NULL);
	if (err)
		pr_err("cannot attach to sock:inet_sock_set_state: %d\n", err);
	return err;
}

void tcpstate_state_hook_exit(void)
{
	tracepoint_probe_unregister(tcpstate_set_state_tp,
				    tcpstate_probe_set_state, NULL);
	tracepoint_synchronize_unregister();
}
