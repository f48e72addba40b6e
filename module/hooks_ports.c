// SPDX-License-Identifier: GPL-2.0
/*
 * Local port exhaustion: calls that wanted a local port and found none
 * free.  The kernel counts neither.
 *
 *  __inet_hash_connect(death_row, sk, port_offset, check_established)
 *	connect() choosing a local port for its destination, IPv4 and IPv6.
 *	-EADDRNOTAVAIL: every port of the range is taken for this
 *	destination (or, for a socket bound beforehand, its 4-tuple is).
 *	It may sleep (cond_resched): the kretprobe has room for many
 *	calls in flight per CPU, and misses are counted.  A missed return
 *	loses a failure count, or the SYN-SENT entry's local port until the
 *	next state change or reconcile pass.  On success the
 *	port is chosen: the entry of the connection, born in SYN-SENT
 *	before it had one, takes its tuple again.
 *  inet_csk_get_port(sk, snum)
 *	bind() to port 0, and listen() on an unbound socket, with snum 0:
 *	-EADDRINUSE when no port of the range is free.  On success a
 *	listener (listen() stores LISTEN first) takes its port.
 *
 * Both run in the calling process with the socket locked, so the socket's
 * addresses, current's pid and comm are the caller's.
 */
#include <linux/errno.h>
#include <linux/sched.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "probes.h"
#include "tcpstate.h"

struct port_data {
	struct sock *sk;
};

static int port_connect_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *sk = (void *)regs_get_kernel_argument(regs, 1);
	struct port_data *d = (void *)ri->data;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 1;
	d->sk = sk;
	return 0;
}

static int port_connect_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct port_data *d = (void *)ri->data;
	struct sock *sk = d->sk;
	int ret = regs_return_value(regs);
	struct tcpstate_tuple tuple;
	u64 cookie;

	if (tcpstate_fault_inject(TCPSTATE_MISS_CONNECT_PORT))
		return 0;
	if (ret == -EADDRNOTAVAIL)
		tcpstate_port_failure(sk, TCPSTATE_PORT_CONNECT, -EADDRNOTAVAIL);
	if (ret || sk->sk_state != TCP_SYN_SENT)
		return 0;
	/* Only a connection we mirror has a cookie yet. */
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie)
		return 0;
	tcpstate_tuple_from_sk(&tuple, sk);
	rcu_read_lock();
	tcpstate_table_set(sock_net(sk), cookie, &tuple, -1, TCP_SYN_SENT, 0,
			   tcpstate_sk_owner(sk), 0, TCPSTATE_CHANGE_TUPLE,
			   NULL);
	rcu_read_unlock();
	return 0;
}

static int port_bind_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *sk = (void *)regs_get_kernel_argument(regs, 0);
	unsigned short snum = regs_get_kernel_argument(regs, 1);
	struct port_data *d = (void *)ri->data;

	if (snum || sk->sk_protocol != IPPROTO_TCP)
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
	rcu_read_lock();
	tcpstate_table_set(sock_net(sk), cookie, &tuple, -1, TCP_LISTEN, 0,
			   tcpstate_sk_owner(sk), 0, TCPSTATE_CHANGE_TUPLE,
			   NULL);
	rcu_read_unlock();
	return 0;
}

static struct kretprobe port_connect_krp = {
	.entry_handler	= port_connect_entry,
	.handler	= port_connect_ret,
	.data_size	= sizeof(struct port_data),
};

static struct kretprobe port_bind_krp = {
	.entry_handler	= port_bind_entry,
	.handler	= port_bind_ret,
	.data_size	= sizeof(struct port_data),
};

static struct tcpstate_probe tcpstate_port_probes[] = {
	{ .symbol = "__inet_hash_connect", .krp = &port_connect_krp,
	  .miss = TCPSTATE_MISS_CONNECT_PORT,
	  .lost = "connect() failing for lack of a local port is not counted" },
	{ .symbol = "inet_csk_get_port", .krp = &port_bind_krp,
	  .miss = TCPSTATE_MISS_BIND_PORT,
	  .lost = "bind() to port 0 failing for lack of a port is not counted" },
};

static struct tcpstate_probe_set tcpstate_port_set = {
	.name	= "ports",
	.probes	= tcpstate_port_probes,
	.count	= ARRAY_SIZE(tcpstate_port_probes),
};

int tcpstate_port_hooks_init(void)
{
	return tcpstate_probes_register(&tcpstate_port_set);
}

void tcpstate_port_hooks_exit(void)
{
	tcpstate_probes_unregister(&tcpstate_port_set);
}
