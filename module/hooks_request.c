// SPDX-License-Identifier: GPL-2.0
/*
 * Request sockets: a passive open in SYN-RECEIVED before the handshake
 * completes lives as a request_sock in the established hash, which the
 * state tracepoint never sees.  Seen at the entry of (fhooks.c):
 *
 *  inet_csk_reqsk_queue_hash_add(listener, req, timeout)  the request is
 *	about to be hashed.  Its cookie is generated here and the entry made
 *	before the request becomes visible, so nothing can overtake it.
 *  inet_csk_complete_hashdance(listener, child, req, own_req)  with
 *	own_req, @child won the request: it replaced the request in the
 *	hash and carries its cookie (or takes it from the request, one the
 *	seed walk mirrored).  The entry becomes the child's (its
 *	owner, below).  A request dropped past a limit stays out.
 *  tcp_v4_reqsk_destructor / tcp_v6_reqsk_destructor(req)  the request is
 *	freed.  An entry still held by the request ends here: it expired,
 *	was reset, its listener closed, or it never made it into the hash.
 *	A promoted request is freed later (at accept()); its entry is the
 *	child's by then and stays, and its req->sk says so without a look.
 *	Freeing follows the unlink at once, but for a reference a packet
 *	being processed holds.
 *
 * Owners: a cookie is shared by the request, every child socket cloned
 * from it, and the timewait socket.  Two children can be cloned from one
 * request (the final ACK handled on two CPUs at once, or a child that
 * fails before it is hashed: tcp_v4_syn_recv_sock's put_and_exit), and
 * the losers die in SYN_RECV through the tracepoint with the same cookie.
 * The table keeps which full socket owns each entry (a hash of its
 * address, never shown) and a loser's CLOSE, from a socket that never
 * owned it, is ignored (hooks_state.c).
 *
 * Known limit: with net.ipv4.tcp_migrate_req, a request of a closing
 * listener is cloned to another listener with the same cookie and the
 * original freed: its entry goes, and the reconcile pass brings it back.
 */
#include <linux/pid.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "fhooks.h"
#include "tcpstate.h"

static void req_hash_hook(struct ftrace_regs *fregs)
{
	struct sock *listener = (void *)tcpstate_farg(fregs, 0);
	struct request_sock *req = (void *)tcpstate_farg(fregs, 1);
	struct tcpstate_who who, sock;
	struct tcpstate_tuple tuple;
	u64 cookie;

	if (listener->sk_protocol != IPPROTO_TCP)
		return;
	cookie = tcpstate_sk_cookie(req_to_sk(req));
	tcpstate_tuple_from_req(&tuple, req);
	/*
	 * Until accept() the connection is its listener's: the listener's
	 * process from its entry, its uid and cgroup, which the child
	 * inherits, and its memory cgroup, which the entry is charged to
	 * (a request socket has none, and the child gets one only at
	 * accept()).
	 */
	tcpstate_who_sock(&sock, listener);
	if (!tcpstate_table_get_who(sock_net(listener),
				    atomic64_read(&listener->sk_cookie), &who))
		tcpstate_who_none(&who);
	who.uid = sock.uid;
	who.cgroup = sock.cgroup;
	who.memcg = sock.memcg;
	tcpstate_table_set(sock_net(listener), cookie, &tuple, TCP_LISTEN,
			   TCP_SYN_RECV, TCPSTATE_F_REQUEST_SOCK, 0, 0,
			   TCPSTATE_CHANGE_CREATE | TCPSTATE_CHANGE_TUPLE |
			   TCPSTATE_CHANGE_BIRTH, &who);
	tcpstate_put_pid(who.pid);
}

/* The child takes an entry that differs in more than its owner. */
static noinline void req_promote_set(struct sock *child, u64 cookie,
				     const struct tcpstate_tuple *tuple)
{
	struct tcpstate_who who;

	tcpstate_who_sock(&who, child);
	tcpstate_table_set(sock_net(child), cookie, tuple, TCP_LISTEN,
			   TCP_SYN_RECV, 0, tcpstate_sk_owner(child), 0,
			   TCPSTATE_CHANGE_TUPLE, &who);
}

static void req_promote_hook(struct ftrace_regs *fregs)
{
	struct sock *child = (void *)tcpstate_farg(fregs, 1);
	struct request_sock *req = (void *)tcpstate_farg(fregs, 2);
	bool own_req = tcpstate_farg(fregs, 3) & 0xff;
	struct tcpstate_tuple tuple;
	struct tcpstate_same same;
	u64 cookie, was;

	if (!own_req || child->sk_protocol != IPPROTO_TCP)
		return;
	cookie = atomic64_read(&child->sk_cookie);
	if (!cookie) {
		/*
		 * A request from before the load, whose cookie the seed walk
		 * made (and mirrored) after the child was cloned from it:
		 * the child takes it, as the clone would have.  The child
		 * replaced the request in the hash under the lock the walk
		 * held, so the walk's cookie is seen here.
		 */
		cookie = atomic64_read(&req_to_sk(req)->sk_cookie);
		if (!cookie)
			return;
		was = atomic64_cmpxchg(&child->sk_cookie, 0, cookie);
		if (was)
			cookie = was;
	}
	tcpstate_tuple_from_sk(&tuple, child);
	/*
	 * The child is a clone of the listener: the request's uid and
	 * cgroup, which were the listener's, are nearly always its own.
	 */
	same = (struct tcpstate_same) {
		.owner = tcpstate_sk_owner(child),
		.uid = child->sk_uid,
		.cgroup = tcpstate_sk_cgroup(child),
		.tuple = &tuple,
	};
	if (!tcpstate_table_promote(sock_net(child), cookie, &same))
		req_promote_set(child, cookie, &tuple);
}

static void req_free_hook(struct ftrace_regs *fregs)
{
	struct request_sock *req = (void *)tcpstate_farg(fregs, 0);
	struct sock *sk = req_to_sk(req);
	u64 cookie;

	/*
	 * Queued for accept() (req->sk is the child) means promoted: the
	 * entry is the child's since inet_csk_complete_hashdance(), and the
	 * table has nothing to do (a Fast Open request, whose req->sk accept()
	 * clears, never had a cookie of ours).
	 */
	if (req->sk)
		return;
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie)
		return;
	/*
	 * The last reference may go with the SYN-ACK's skb (sock_edemux),
	 * freed where its driver frees it: a driver that does that in hard
	 * interrupt context, or with interrupts off, breaks the rules, but
	 * the table's locks must not be taken there.  The reconcile pass
	 * removes the entry instead.
	 */
	if (unlikely(in_hardirq() || irqs_disabled())) {
		tcpstate_count_miss(TCPSTATE_MISS_REQ_FREE);
		return;
	}
	tcpstate_table_close(sock_net(sk), cookie, NULL, TCPSTATE_F_REQUEST_SOCK,
			     -1, 0, NULL);
}

static struct tcpstate_fhook tcpstate_req_hooks[] = {
	{ .symbol = "inet_csk_reqsk_queue_hash_add", .fn = req_hash_hook,
	  .miss = TCPSTATE_MISS_REQ_HASH, .required = true,
	  .lost = "SYN-RECEIVED request sockets are not seen" },
	{ .symbol = "inet_csk_complete_hashdance", .fn = req_promote_hook,
	  .miss = TCPSTATE_MISS_REQ_PROMOTE, .required = true,
	  .lost = "a child that dies before it owns its request takes the connection with it" },
	{ .symbol = "tcp_v4_reqsk_destructor", .fn = req_free_hook,
	  .miss = TCPSTATE_MISS_REQ_FREE, .required = true,
	  .lost = "IPv4 request sockets never leave the table" },
	{ .symbol = "tcp_v6_reqsk_destructor", .fn = req_free_hook,
	  .miss = TCPSTATE_MISS_REQ_FREE, .required = IS_ENABLED(CONFIG_IPV6),
	  .lost = "IPv6 request sockets never leave the table" },
};

int tcpstate_request_hooks_init(void)
{
	return tcpstate_fhooks_register(tcpstate_req_hooks,
					ARRAY_SIZE(tcpstate_req_hooks));
}

void tcpstate_request_hooks_exit(void)
{
	tcpstate_fhooks_unregister(tcpstate_req_hooks,
				   ARRAY_SIZE(tcpstate_req_hooks));
}
