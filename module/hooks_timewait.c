// SPDX-License-Identifier: GPL-2.0
/*
 * Timewait sockets: what the state tracepoint never shows.
 *
 * tcp_time_wait() hands an active closer to an inet_timewait_sock and then
 * closes the full socket, so the tracepoint reports FIN_WAIT2 -> CLOSE.
 * The hand-off, and the timewait socket's life, are seen here:
 *
 *  __inet_twsk_schedule(tw, timeo, rearm)  entry into TIME-WAIT (or into
 *	FIN-WAIT-2 held by a timewait socket) when !rearm; the FIN-WAIT-2 ->
 *	TIME-WAIT change, or a restarted timer, when rearm.  Runs before the
 *	full socket's CLOSE, in the same call chain.
 *  inet_twsk_alloc() returning NULL	tcp_max_tw_buckets overflow: no
 *	timewait socket, so the CLOSE that follows is real.
 *  inet_twsk_kill(tw)			every death of a hashed timewait socket.
 *	Its cause is read at entry: timer expiry when the timer's time has
 *	come; in softirq, the segment tcp_timewait_state_process() was
 *	handling on this CPU (RST or SYN); in process context, connect()
 *	taking the 4-tuple over.  The entry is removed on return, after the
 *	socket left the hash table, so seeding at load cannot bring it back.
 *
 * A timewait socket of a namespace being deleted is purged by TCP's pernet
 * exit.  When ours already ran, the table is gone and counted it; the
 * purge of one dying namespace also takes the timewait sockets of every
 * other dying one, whose exit may not have run yet: those are counted
 * here, as NETNS.
 */
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "probes.h"
#include "tcpstate.h"

/* The segment a timewait socket is handling on this CPU (rx softirq). */
struct tcpstate_tw_segment {
	const struct inet_timewait_sock *tw;
	bool syn;
	bool rst;
};

static DEFINE_PER_CPU(struct tcpstate_tw_segment, tcpstate_tw_segment);

static bool tcpstate_is_tcp_tw(const struct inet_timewait_sock *tw)
{
	/* "TCP" and "TCPv6"; DCCP uses timewait sockets too. */
	return tw->tw_prot && !strncmp(tw->tw_prot->name, "TCP", 3);
}

static int tw_schedule_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	int timeo = (int)regs_get_kernel_argument(regs, 1);
	u64 cookie, expires;

	if (!tcpstate_is_tcp_tw(tw))
		return 0;
	/* Cookie 0: a connection we never tracked (dropped at the cap). */
	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return 0;
	expires = tcpstate_now_ns() + jiffies_to_nsecs(max(timeo, 0));
	rcu_read_lock();
	tcpstate_table_set(twsk_net(tw), cookie, NULL, -1, tw->tw_substate,
			   TCPSTATE_F_TIMEWAIT_SOCK, expires, 0);
	rcu_read_unlock();
	return 0;
}

static int tw_segment_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct tcpstate_tw_segment *seg = this_cpu_ptr(&tcpstate_tw_segment);
	const struct tcphdr *th = (void *)regs_get_kernel_argument(regs, 2);

	seg->tw = (void *)regs_get_kernel_argument(regs, 0);
	seg->syn = th->syn;
	seg->rst = th->rst;
	return 0;
}

struct tw_alloc_data {
	struct net *net;
};

static int tw_alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *sk = (void *)regs_get_kernel_argument(regs, 0);
	struct tw_alloc_data *d = (void *)ri->data;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 1;
	d->net = sock_net(sk);
	return 0;
}

static int tw_alloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tw_alloc_data *d = (void *)ri->data;

	if (!regs_return_value(regs)) {
		rcu_read_lock();
		tcpstate_table_count_overflow(d->net);
		rcu_read_unlock();
	}
	return 0;
}

struct tw_kill_data {
	struct net *net;
	u64 cookie;
	int cause;
};

static int tw_kill_cause(const struct inet_timewait_sock *tw)
{
	struct tcpstate_tw_segment *seg;

	/*
	 * A namespace being dismantled: the purge of any dying namespace
	 * kills the timewait sockets of all of them, possibly before this
	 * one's pernet exit ran.
	 */
	if (!check_net(twsk_net(tw)))
		return TCPSTATE_TW_EXIT_NETNS;
	if (time_after_eq(jiffies, tw->tw_timer.expires))
		return TCPSTATE_TW_EXIT_EXPIRED;
	if (in_serving_softirq()) {
		seg = this_cpu_ptr(&tcpstate_tw_segment);
		if (seg->tw != tw)
			return TCPSTATE_TW_EXIT_OTHER;
		seg->tw = NULL;
		if (seg->rst)
			return TCPSTATE_TW_EXIT_RST;
		return seg->syn ? TCPSTATE_TW_EXIT_SYN : TCPSTATE_TW_EXIT_OTHER;
	}
	/*
	 * Process context: connect() reusing the 4-tuple (tcp_tw_reuse), or,
	 * rarely, an administrator's ss -K, which cannot be told apart here.
	 */
	return TCPSTATE_TW_EXIT_REUSED;
}

static int tw_kill_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)regs_get_kernel_argument(regs, 0);
	struct tw_kill_data *d = (void *)ri->data;

	if (!tcpstate_is_tcp_tw(tw))
		return 1;
	d->cookie = atomic64_read(&tw->tw_cookie);
	if (!d->cookie)
		return 1;
	d->net = twsk_net(tw);
	d->cause = tw_kill_cause(tw);
	return 0;
}

static int tw_kill_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tw_kill_data *d = (void *)ri->data;

	rcu_read_lock();
	tcpstate_table_close(d->net, d->cookie, TCPSTATE_F_TIMEWAIT_SOCK, 0,
			     d->cause);
	rcu_read_unlock();
	return 0;
}

static struct kprobe tw_schedule_kp = {
	.pre_handler	= tw_schedule_pre,
};

static struct kprobe tw_segment_kp = {
	.pre_handler	= tw_segment_pre,
};

static struct kretprobe tw_alloc_krp = {
	.entry_handler	= tw_alloc_entry,
	.handler	= tw_alloc_ret,
	.data_size	= sizeof(struct tw_alloc_data),
};

static struct kretprobe tw_kill_krp = {
	.entry_handler	= tw_kill_entry,
	.handler	= tw_kill_ret,
	.data_size	= sizeof(struct tw_kill_data),
};

static struct tcpstate_probe tcpstate_tw_probes[] = {
	{ .symbol = "__inet_twsk_schedule", .kp = &tw_schedule_kp, .group = 1,
	  .lost = "TIME-WAIT is not seen at all" },
	{ .symbol = "inet_twsk_kill", .krp = &tw_kill_krp, .group = 2,
	  .lost = "timewait sockets never leave the table" },
	{ .symbol = "inet_twsk_alloc", .krp = &tw_alloc_krp,
	  .lost = "tcp_max_tw_buckets overflows are not counted" },
	{ .symbol = "tcp_timewait_state_process", .kp = &tw_segment_kp,
	  .lost = "timewait sockets killed by RST or SYN count as 'other'" },
};

static struct tcpstate_probe_set tcpstate_tw_set = {
	.name	= "timewait",
	.probes	= tcpstate_tw_probes,
	.count	= ARRAY_SIZE(tcpstate_tw_probes),
	.groups	= 2,
};

int tcpstate_timewait_hooks_init(void)
{
	return tcpstate_probes_register(&tcpstate_tw_set);
}

void tcpstate_timewait_hooks_exit(void)
{
	tcpstate_probes_unregister(&tcpstate_tw_set);
}
