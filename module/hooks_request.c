// SPDX-License-Identifier: GPL-2.0
/*
 * Request sockets: a passive open in SYN-RECEIVED before the handshake
 * completes lives as a request_sock in the established hash, which the
 * state tracepoint never sees.
 *
 *  inet_csk_reqsk_queue_hash_add(listener, req, timeout)  the request is
 *	hashed.  Its cookie is generated here and the entry created before
 *	the request becomes visible, so its promotion cannot overtake it.
 *	Where the function returns bool (whether it hashed), a false return
 *	removes the entry again.
 *  __inet_csk_reqsk_queue_drop / inet_csk_reqsk_queue_drop  the request
 *	leaves the hash.  They return true only when this call unlinked it:
 *	on expiry, on a RST, or when the listener closed; never on promotion,
 *	where the child has already replaced the request in the hash.  The
 *	static one is inlined at some call sites, so both are probed and the
 *	second removal finds nothing.
 *
 * On promotion the child inherits the request's cookie, and its
 * SYN_RECV -> ESTABLISHED through the tracepoint updates the same entry.
 */
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "probes.h"
#include "tcpstate.h"

struct req_data {
	struct net *net;
	u64 cookie;
};

static int req_hash_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *listener = (void *)regs_get_kernel_argument(regs, 0);
	struct request_sock *req = (void *)regs_get_kernel_argument(regs, 1);
	struct req_data *d = (void *)ri->data;
	struct tcpstate_tuple tuple;

	if (listener->sk_protocol != IPPROTO_TCP)
		return 1;
	d->net = sock_net(listener);
	d->cookie = tcpstate_sk_cookie(req_to_sk(req));
	tcpstate_tuple_from_req(&tuple, req);
	rcu_read_lock();
	tcpstate_table_set(d->net, d->cookie, &tuple, TCP_LISTEN, TCP_SYN_RECV,
			   TCPSTATE_F_REQUEST_SOCK, 0,
			   TCPSTATE_CHANGE_CREATE | TCPSTATE_CHANGE_TUPLE);
	rcu_read_unlock();
	return 0;
}

static int req_hash_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
#ifdef TCPSTATE_REQSK_HASH_ADD_RETURNS_BOOL
	struct req_data *d = (void *)ri->data;

	if (!tcpstate_ret_bool(regs)) {
		rcu_read_lock();
		tcpstate_table_close(d->net, d->cookie, TCPSTATE_F_REQUEST_SOCK, 0, -1);
		rcu_read_unlock();
	}
#endif
	return 0;
}

static int req_drop_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *listener = (void *)regs_get_kernel_argument(regs, 0);
	struct request_sock *req = (void *)regs_get_kernel_argument(regs, 1);
	struct req_data *d = (void *)ri->data;

	if (listener->sk_protocol != IPPROTO_TCP)
		return 1;
	d->cookie = atomic64_read(&req_to_sk(req)->sk_cookie);
	if (!d->cookie)
		return 1;
	d->net = sock_net(listener);
	return 0;
}

static int req_drop_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct req_data *d = (void *)ri->data;

	if (!tcpstate_ret_bool(regs))
		return 0;
	rcu_read_lock();
	tcpstate_table_close(d->net, d->cookie, TCPSTATE_F_REQUEST_SOCK, 0, -1);
	rcu_read_unlock();
	return 0;
}

static struct kretprobe req_hash_krp = {
	.entry_handler	= req_hash_entry,
	.handler	= req_hash_ret,
	.data_size	= sizeof(struct req_data),
};

static struct kretprobe req_drop_static_krp = {
	.entry_handler	= req_drop_entry,
	.handler	= req_drop_ret,
	.data_size	= sizeof(struct req_data),
};

static struct kretprobe req_drop_krp = {
	.entry_handler	= req_drop_entry,
	.handler	= req_drop_ret,
	.data_size	= sizeof(struct req_data),
};

static struct tcpstate_probe tcpstate_req_probes[] = {
	{ .symbol = "inet_csk_reqsk_queue_hash_add", .krp = &req_hash_krp,
	  .group = 1, .lost = "SYN-RECEIVED request sockets are not seen" },
	{ .symbol = "__inet_csk_reqsk_queue_drop", .krp = &req_drop_static_krp,
	  .group = 2,
	  .lost = "request sockets that expire from the timer stay in the table" },
	{ .symbol = "inet_csk_reqsk_queue_drop", .krp = &req_drop_krp,
	  .group = 2,
	  .lost = "request sockets dropped outside the timer stay in the table" },
};

static struct tcpstate_probe_set tcpstate_req_set = {
	.name	= "request",
	.probes	= tcpstate_req_probes,
	.count	= ARRAY_SIZE(tcpstate_req_probes),
	.groups	= 2,
};

int tcpstate_request_hooks_init(void)
{
	return tcpstate_probes_register(&tcpstate_req_set);
}

void tcpstate_request_hooks_exit(void)
{
	tcpstate_probes_unregister(&tcpstate_req_set);
}
