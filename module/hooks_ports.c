// SPDX-License-Identifier: GPL-2.0
/*
 * Local port exhaustion: calls that wanted a local port and found none
 * free.  The kernel counts neither.  And the birth of a connect()'s
 * connection, once it has its local port.
 *
 *  tcp_fastopen_defer_connect(sk, err)
 *	Called by tcp_v4_connect() and tcp_v6_connect() once the local
 *	port is chosen and the route set, before the SYN (whether Fast
 *	Open defers it to the first sendmsg() or not): the connection is
 *	born here in SYN-SENT, with its whole tuple and the caller as its
 *	process, in one update of the table.  The CLOSE -> SYN_SENT store
 *	before it, with no port yet, is skipped (hooks_state.c).  An entry
 *	hook through ftrace: no return probe on every connect().
 *  SYN_SENT -> CLOSE with no local port (hooks_state.c)
 *	A connect() that found no free local port for its destination:
 *	__inet_hash_connect() failed, and connect() undoes its SYN_SENT
 *	store, in the calling process, before it has a port.  Counted as
 *	EADDRNOTAVAIL (an allocation failure there, -ENOMEM, looks the
 *	same).  A socket reused for another connect() still shows the
 *	port of the earlier one while it searches: its entry is made at
 *	CLOSE -> SYN_SENT, pending with that port (shown as 0), which the
 *	hook above replaces, so that a socket still showing the pending
 *	port tells the failure.  A socket bound
 *	beforehand to its port keeps it, and a 4-tuple of it already in
 *	use is a conflict of that bind, not a lack of ports: not counted.
 *  inet_csk_get_port(sk, snum), a kretprobe
 *	bind() to port 0, and listen() on an unbound socket, with snum 0:
 *	-EADDRINUSE when no port of the range is free.  On success a
 *	listener (listen() stores LISTEN first) takes its port.  It may
 *	sleep (cond_resched): the kretprobe has room for many calls in
 *	flight per CPU, and misses are counted.
 *
 * All run in the calling process with the socket locked, so the socket's
 * addresses, current's pid and comm are the caller's.
 */
#include <linux/errno.h>
#include <linux/sched.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "fhooks.h"
#include "probes.h"
#include "tcpstate.h"

struct port_data {
	struct sock *sk;
};

static void connect_hook(struct ftrace_regs *fregs)
{
	struct sock *sk = (void *)tcpstate_farg(fregs, 0);
	struct tcpstate_tuple tuple;
	struct tcpstate_who who;
	u64 cookie;

	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_state != TCP_SYN_SENT)
		return;
	cookie = tcpstate_sk_cookie(sk);
	tcpstate_tuple_from_sk(&tuple, sk);
	tcpstate_who_sock(&who, sk);
	tcpstate_who_current(&who);
	tcpstate_table_set(sock_net(sk), cookie, &tuple, TCP_CLOSE, TCP_SYN_SENT,
			   0, tcpstate_sk_owner(sk), 0,
			   TCPSTATE_CHANGE_CREATE | TCPSTATE_CHANGE_BIRTH |
			   TCPSTATE_CHANGE_TUPLE, &who);
}

u16 tcpstate_connect_stale_port(const struct sock *sk)
{
	/* Unbound, so about to search a port, yet showing one. */
	return inet_sk(sk)->inet_num ? 0 : ntohs(inet_sk(sk)->inet_sport);
}

void tcpstate_connect_closed(struct sock *sk, int stale_port)
{
	int sport = ntohs(inet_sk(sk)->inet_sport);

	/* No port, or still the earlier one: the search failed. */
	if (in_task() && (!sport || sport == stale_port))
		tcpstate_port_failure(sk, TCPSTATE_PORT_CONNECT, -EADDRNOTAVAIL);
}

static int port_bind_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *sk = (void *)regs_get_kernel_argument(regs, 0);
	unsigned short snum = regs_get_kernel_argument(regs, 1);
	struct port_data *d = (void *)ri->data;

	if (!tcpstate_armed() || snum || sk->sk_protocol != IPPROTO_TCP)
		return 1;
	d->sk = sk;
	return 0;
}

static int port_bind_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct port_data *d = (void *)ri->data;
	int ret = regs_return_value(regs);
	struct sock *sk = d->sk;
	struct tcpstate_tuple tuple;
	u64 cookie;

	if (tcpstate_fault_inject(TCPSTATE_MISS_BIND_PORT))
		return 0;
	if (ret) {
		tcpstate_port_failure(sk, TCPSTATE_PORT_BIND,
				      ret < 0 ? ret : -EADDRINUSE);
		return 0;
	}
	/*
	 * listen() on an unbound socket stores LISTEN before it has a port:
	 * the listener's entry takes its port now.
	 */
	cookie = atomic64_read(&sk->sk_cookie);
	if (sk->sk_state != TCP_LISTEN || !cookie)
		return 0;
	tcpstate_tuple_from_sk(&tuple, sk);
	tcpstate_table_set(sock_net(sk), cookie, &tuple, -1, TCP_LISTEN, 0,
			   tcpstate_sk_owner(sk), 0, TCPSTATE_CHANGE_TUPLE,
			   NULL);
	return 0;
}

static struct kretprobe port_bind_krp = {
	.entry_handler	= port_bind_entry,
	.handler	= port_bind_ret,
	.data_size	= sizeof(struct port_data),
};

static struct tcpstate_probe tcpstate_port_probes[] = {
	{ .symbol = "inet_csk_get_port", .krp = &port_bind_krp,
	  .miss = TCPSTATE_MISS_BIND_PORT,
	  .lost = "bind() to port 0 failing for lack of a port is not counted" },
};

static struct tcpstate_probe_set tcpstate_port_set = {
	.name	= "ports",
	.probes	= tcpstate_port_probes,
	.count	= ARRAY_SIZE(tcpstate_port_probes),
};

static struct tcpstate_fhook tcpstate_connect_hooks[] = {
	{ .symbol = "tcp_fastopen_defer_connect", .fn = connect_hook,
	  .miss = TCPSTATE_MISS_CONNECT_PORT, .required = true,
	  .lost = "connect()'s connections are not seen" },
};

int tcpstate_port_hooks_init(void)
{
	int err;

	err = tcpstate_fhooks_register(tcpstate_connect_hooks,
				       ARRAY_SIZE(tcpstate_connect_hooks));
	if (err)
		return err;
	err = tcpstate_probes_register(&tcpstate_port_set);
	if (err)
		tcpstate_fhooks_unregister(tcpstate_connect_hooks,
					   ARRAY_SIZE(tcpstate_connect_hooks));
	return err;
}

void tcpstate_port_hooks_exit(void)
{
	tcpstate_probes_unregister(&tcpstate_port_set);
	tcpstate_fhooks_unregister(tcpstate_connect_hooks,
				   ARRAY_SIZE(tcpstate_connect_hooks));
}
