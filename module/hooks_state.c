// SPDX-License-Identifier: GPL-2.0
/*
 * Full sockets: the sock:inet_sock_set_state tracepoint.
 *
 * It fires for every state store of a full socket, in process context
 * (lock_sock), rx softirq or timer softirq.  It is not exported to modules,
 * so it is found by name.  Some things it shows are not what they seem:
 *
 *  - A change to SYN_RECV is a child socket being cloned
 *    (inet_csk_clone_lock()), but for a simultaneous open's (from SYN_SENT,
 *    of a socket that has its struct socket; a clone has none yet, as the
 *    kernel's own test in tcp_validate_incoming() knows).  The one
 *    SYN_SENT socket without one is an MPTCP subflow whose connection was
 *    closed while it connected: its simultaneous open in that moment is
 *    not mirrored, and its entry stays SYN_SENT until its next change.  The
 *    clone's old state, tuple and cookie are still a copy of its
 *    listener's, before it takes its request's; the request socket hook
 *    already holds the connection under the cookie the child takes next,
 *    so the event is skipped.  The copy is LISTEN, or whatever close() or
 *    connect(AF_UNSPEC) (and connect() again) made of the listener after
 *    the final ACK's lockless check: then the cookie names a dead
 *    listener, or the same socket in its next life, and the tuple may
 *    have port 0.
 *  - FIN_WAIT2/CLOSING -> CLOSE of an active closer is the hand-off to a
 *    timewait socket, which the timewait hooks saw just before: in a
 *    softirq, on this CPU, the close is skipped without a look in the
 *    table when they say so (tcpstate_tw_handoff_take()), and otherwise
 *    an entry held by a timewait socket is not closed by it.
 *  - CLOSE -> SYN_SENT comes before connect() has its local port: the
 *    entry is made once it has one (hooks_ports.c), but for a socket
 *    that still shows the port of an earlier connect().
 *  - SYN_SENT -> CLOSE may be a connect() that found no free local port
 *    (hooks_ports.c).
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

/*
 * A close: a child that dies in SYN_RECV may never have owned the
 * connection (hooks_request.c): only its owner ends it.
 */
static noinline void state_close(struct sock *sk, int oldstate)
{
	int stale_port = -1;
	u64 cookie = atomic64_read(&sk->sk_cookie);

	if ((oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING) &&
	    tcpstate_tw_handoff_take(cookie))
		return;
	tcpstate_table_close(sock_net(sk), cookie, NULL, 0, -1,
			     oldstate == TCP_SYN_RECV ? tcpstate_sk_owner(sk) : 0,
			     &stale_port);
	if (oldstate == TCP_SYN_SENT)
		tcpstate_connect_closed(sk, stale_port);
}

/*
 * Most changes only move a connection the table holds, with nothing else
 * of it to change: its owner, uid, and past SYN_SENT and SYN_RECV its
 * family (IPV6_ADDRFORM changes that), or up to them its whole tuple,
 * which is settled by then: connect() took its port before SYN_SENT's
 * entry was made (hooks_ports.c), and a child has its request's.  A child
 * leaving SYN_RECV has its request's cgroup too.  The table compares
 * them, and says when the full update (state_set()) is needed.
 *
 * The two that compare the tuple, out of line: it is made on their own
 * frame (and zeroed there first, CONFIG_INIT_STACK_ALL_ZERO).
 */
static noinline bool state_moved_tuple(struct sock *sk, u64 cookie,
				       int oldstate, int newstate)
{
	struct tcpstate_tuple tuple;
	struct tcpstate_same same = {
		.owner = tcpstate_sk_owner(sk),
		.uid = sk->sk_uid,
		.tuple = &tuple,
	};

	tcpstate_tuple_from_sk(&tuple, sk);
	if (oldstate == TCP_SYN_RECV) {
		same.cgroup = tcpstate_sk_cgroup(sk);
		same.makes = true;
	}
	return tcpstate_table_state(sock_net(sk), cookie, newstate, &same);
}

static bool state_moved(struct sock *sk, u64 cookie, int oldstate,
			int newstate)
{
	if (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV)
		return state_moved_tuple(sk, cookie, oldstate, newstate);
	return tcpstate_table_move(sock_net(sk), cookie, newstate,
				   tcpstate_sk_owner(sk), sk->sk_uid,
				   sk->sk_family);
}

/*
 * The full update, out of the way of the common changes: its owner and
 * tuple are only made on its own frame.
 *
 * A connection is born where connect() has its port (hooks_ports.c; a
 * reused socket's entry is made at CLOSE -> SYN_SENT already, against the
 * same limits, but its drop is counted in hooks_ports.c), at CLOSE ->
 * LISTEN, and as a child whose cookie was never generated, which had no
 * request socket of ours (syncookies, Fast Open): past a limit
 * (TCPSTATE_DROP_*) it is counted as dropped there, once, with the
 * reason.  A child leaving SYN_RECV makes its entry when it is missing
 * too, uncounted: its request may have been freed before it (an MPTCP
 * join's request skips inet_csk_complete_hashdance), or its cookie
 * generated by a reader (ss, SO_COOKIE, the reconcile walk) while no
 * entry existed.  Any other connection missing is added by the reconcile
 * pass.
 */
static noinline void state_set(struct sock *sk, u64 cookie, int oldstate,
			       int newstate, u16 pending_port)
{
	struct tcpstate_tuple tuple;
	struct tcpstate_who who;
	unsigned int change;

	change = TCPSTATE_CHANGE_TUPLE;
	if (pending_port)
		change |= TCPSTATE_CHANGE_CREATE;
	else if (oldstate == TCP_CLOSE || (oldstate == TCP_SYN_RECV && !cookie))
		change |= TCPSTATE_CHANGE_CREATE | TCPSTATE_CHANGE_BIRTH;
	else if (oldstate == TCP_SYN_RECV)
		change |= TCPSTATE_CHANGE_CREATE;
	else if (!cookie)
		return;		/* never had a cookie: never mirrored */
	if (!cookie)	/* generated here, once */
		cookie = tcpstate_sk_cookie(sk);
	tcpstate_tuple_from_sk(&tuple, sk);
	if (pending_port)	/* the earlier connect()'s port */
		tuple.sport = pending_port;
	/*
	 * The owner: uid and cgroup from the socket where the entry may be
	 * made, the uid alone at the other changes (fchown() on the socket
	 * sets it; its cgroup is set when it is made, for good); the
	 * process where the connection is made, in process context: the
	 * caller of listen() (-> LISTEN), or of connect() for a reused
	 * socket (CLOSE -> SYN_SENT; hooks_ports.c for the others).
	 * A child takes accept()'s process later (owner.c).
	 */
	if (change & TCPSTATE_CHANGE_CREATE) {
		tcpstate_who_sock(&who, sk);
		if (oldstate == TCP_CLOSE && in_task() &&
		    (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN))
			tcpstate_who_current(&who);
	} else {
		tcpstate_who_uid(&who, sk);
	}
	tcpstate_table_set(sock_net(sk), cookie, &tuple, oldstate, newstate,
			   pending_port ? TCPSTATE_F_PORT_PENDING : 0,
			   tcpstate_sk_owner(sk), 0, change, &who);
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
	u16 pending_port = 0;
	u64 cookie;

	if (!tcpstate_armed() || !tcpstate_is_tcp(sk))
		return;
	if (newstate == TCP_SYN_RECV &&
	    (oldstate != TCP_SYN_SENT || !READ_ONCE(sk->sk_socket)))
		return;		/* a clone of its listener, above */
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		/* Only a reused socket's entry is made here (hooks_ports.c). */
		pending_port = tcpstate_connect_stale_port(sk);
		if (!pending_port)
			return;
	}
	if (tcpstate_fault_inject(TCPSTATE_MISS_STATE)) {
		/*
		 * A hand-off's close dropped here must not leave its slot
		 * behind: after a new connect() the same socket's real
		 * close, on this CPU, would match it.
		 */
		if (newstate == TCP_CLOSE)
			tcpstate_tw_handoff_take(atomic64_read(&sk->sk_cookie));
		return;
	}
	if (newstate == TCP_CLOSE) {
		state_close(sk, oldstate);
		return;
	}
	cookie = atomic64_read(&sk->sk_cookie);
	if (cookie && oldstate != TCP_CLOSE &&
	    state_moved(sk, cookie, oldstate, newstate))
		return;
	state_set(sk, cookie, oldstate, newstate, pending_port);
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
