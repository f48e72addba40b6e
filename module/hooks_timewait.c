// SPDX-License-Identifier: GPL-2.0
/*
 * Timewait sockets: what the state tracepoint never shows.
 *
 * tcp_time_wait() hands an active closer to an inet_timewait_sock and then
 * closes the full socket, so the tracepoint reports FIN_WAIT2 -> CLOSE.
 * The hand-off, and the timewait socket's life, are seen at the entry of
 * these functions (fhooks.c: ftrace, which does not drop nested hits):
 *
 *  __inet_twsk_schedule(tw, timeo, rearm)  entry into TIME-WAIT (or into
 *	FIN-WAIT-2 held by a timewait socket) when !rearm; the FIN-WAIT-2 ->
 *	TIME-WAIT change, or a restarted timer, when rearm.  On 6.1,
 *	tcp_time_wait() calls it before the hashdance, before the full
 *	socket's CLOSE.
 *  inet_twsk_hashdance_schedule(tw, sk, hashinfo, timeo)  6.11 and later:
 *	hashes and schedules in one call, and may have __inet_twsk_schedule
 *	inlined, so the entry is seen here.  It is that function's only
 *	!rearm caller (through inet_twsk_schedule()): where this hook is
 *	placed, __inet_twsk_schedule's hook leaves the entry to it and sees
 *	only the rearms.  So it is no second chance for the entry any more
 *	(Debian's 6.12 calls it out of line, and both used to set it): a
 *	call of this hook that misses (counted as tw_enter) is repaired by
 *	the reconcile pass, as any other miss.  Where this hook could not be
 *	placed, the other sees every entry, as before 6.11.
 *  inet_twsk_kill(tw)			every death of a hashed timewait socket,
 *	once.  Its cause is read here: timer expiry when the timer's time
 *	has come; in softirq, the segment tcp_timewait_state_process() was
 *	handling on this CPU (RST or SYN); in process context, connect()
 *	taking the 4-tuple over.
 *
 * The entry is created when it is missing: a connection that existed
 * before load and turns into a timewait socket while the seed walk runs is
 * caught whichever of the two sees it first (the seed keeps what a hook
 * made, and this sets what the seed made).  The entry is removed at
 * inet_twsk_kill's entry, a moment before the socket leaves the hash: a
 * walk that looks in between sees a socket the table lacks; the reconcile
 * pass acts only on differences two walks agree on, so it does not bring
 * it back.
 *
 * tcp_max_tw_buckets overflows (no timewait socket, so the CLOSE that
 * follows is real) are the kernel's own TCPTimeWaitOverflow counter, read
 * when the stats are.
 *
 * A timewait socket of a namespace being deleted is purged by TCP's pernet
 * exit.  When ours already ran, the table is gone and counted it; the
 * purge of one dying namespace also takes the timewait sockets of every
 * other dying one, whose exit may not have run yet: those are counted
 * here, as NETNS.
 */
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/tcp.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include <net/transp_v6.h>

#include "fhooks.h"
#include "tcpstate.h"

/* The segment a timewait socket is handling on this CPU (rx softirq). */
struct tcpstate_tw_segment {
	const struct inet_timewait_sock *tw;
	bool syn;
	bool rst;
};

static DEFINE_PER_CPU(struct tcpstate_tw_segment, tcpstate_tw_segment);

/*
 * inet_twsk_hashdance_schedule() is hooked (6.11 and later): the entry
 * into TIME-WAIT is seen there.  Set before the hooks are switched on.
 */
static bool tw_entry_at_hashdance __read_mostly;

/*
 * The cookie of the connection this CPU last handed to a timewait socket
 * in a softirq.  tcp_time_wait() closes the full socket right after
 * (tcp_done()), and that FIN_WAIT2/CLOSING -> CLOSE would only find the
 * entry held by the timewait socket and leave it.  Only in a softirq is
 * that close sure to follow on the same CPU: from release_sock(), in
 * process context, tcp_time_wait() may enable bh and be migrated between
 * the two, and a slot left behind could later match the same socket's
 * real close after a new connect() (a socket keeps its cookie).
 */
static DEFINE_PER_CPU(u64, tcpstate_tw_handoff);

/*
 * Whether @cookie's close is the hand-off this CPU just saw in a softirq
 * (preemption off).  A close that does not match, a hand-off in process
 * context among them, is looked up in the table, which skips an entry
 * held by a timewait socket.
 */
bool tcpstate_tw_handoff_take(u64 cookie)
{
	return cookie && this_cpu_cmpxchg(tcpstate_tw_handoff, cookie, 0) == cookie;
}

/*
 * Testing only: a hand-off to a timewait socket from this local port is
 * held for debug_handoff_hold_ms, or until the port is set back to 0 (the
 * test's release), in the timewait hook after its work and with
 * preemption off (the hook's), so between the hand-off and the full
 * socket's close that follows: a test can have the task migrated to
 * another CPU meanwhile.  Logged before and after, with the context.
 */
static unsigned int debug_handoff_hold_port;
module_param(debug_handoff_hold_port, uint, 0644);
MODULE_PARM_DESC(debug_handoff_hold_port,
		 "Testing only: the local port whose hand-offs to a timewait socket are held (0: none; writing 0 ends a hold)");
static unsigned int debug_handoff_hold_ms = 1000;
module_param(debug_handoff_hold_ms, uint, 0644);
MODULE_PARM_DESC(debug_handoff_hold_ms,
		 "Testing only: how long such a hand-off is held, in ms (at most 5000)");

static void handoff_hold(u16 port)
{
	unsigned int ms = READ_ONCE(debug_handoff_hold_ms);
	u64 held_ms;

	pr_info("timewait hook: holding the hand-off of port %u on CPU %d in %s for %u ms\n",
		port, smp_processor_id(),
		in_serving_softirq() ? "a softirq" : in_task() ? "task context" : "an interrupt",
		min(ms, 5000U));
	held_ms = tcpstate_debug_hold(ms, &debug_handoff_hold_port);
	pr_info("timewait hook: held it %llu ms on CPU %d\n", held_ms,
		smp_processor_id());
}

/*
 * DCCP has timewait sockets too.  TCP's are the ones of tcp_prot and
 * tcpv6_prot (a timewait socket keeps its full socket's sk_prot).
 */
static bool tcpstate_is_tcp_tw(const struct inet_timewait_sock *tw)
{
	const struct proto *prot = READ_ONCE(tw->tw_prot);

	if (prot == &tcp_prot)
		return true;
#if IS_ENABLED(CONFIG_IPV6)
	return prot == &tcpv6_prot;
#else
	return false;
#endif
}

static void tw_enter(struct inet_timewait_sock *tw, int timeo, bool rearm)
{
	struct tcpstate_tuple tuple;
	u64 cookie, expires;

	if (!tcpstate_is_tcp_tw(tw))
		return;
	/*
	 * Cookie 0: the full socket never had one generated, so it was never
	 * mirrored (it predates the module and the seed has not reached it);
	 * the reconcile pass adds it.
	 */
	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return;
	expires = tcpstate_now_ns() + jiffies_to_nsecs(max(timeo, 0));
	tcpstate_tuple_from_tw(&tuple, tw);
	/*
	 * A rearm may race with the socket's death on another CPU (the
	 * timer is not pinned on 6.11+): only the entry path creates.
	 */
	tcpstate_table_set(twsk_net(tw), cookie, &tuple, -1, tw->tw_substate,
			   TCPSTATE_F_TIMEWAIT_SOCK, 0, expires,
			   rearm ? 0 : TCPSTATE_CHANGE_CREATE, NULL);
	/*
	 * The entry is the timewait socket's now (or there is none): the
	 * full socket's close that follows has nothing to do.
	 */
	if (!rearm && in_serving_softirq())
		this_cpu_write(tcpstate_tw_handoff, cookie);
	if (unlikely(READ_ONCE(debug_handoff_hold_port)) && !rearm &&
	    tuple.sport == READ_ONCE(debug_handoff_hold_port))
		handoff_hold(tuple.sport);
}

static void tw_schedule_hook(struct ftrace_regs *fregs)
{
	bool rearm = tcpstate_farg(fregs, 2) & 0xff;

	/* Called by inet_twsk_hashdance_schedule(), whose hook did it. */
	if (!rearm && tw_entry_at_hashdance)
		return;
	tw_enter((void *)tcpstate_farg(fregs, 0), (int)tcpstate_farg(fregs, 1),
		 rearm);
}

static void tw_hashdance_schedule_hook(struct ftrace_regs *fregs)
{
	tw_enter((void *)tcpstate_farg(fregs, 0), (int)tcpstate_farg(fregs, 3),
		 false);
}

static void tw_segment_hook(struct ftrace_regs *fregs)
{
	struct tcpstate_tw_segment *seg = this_cpu_ptr(&tcpstate_tw_segment);
	const struct tcphdr *th = (void *)tcpstate_farg(fregs, 2);

	seg->tw = (void *)tcpstate_farg(fregs, 0);
	seg->syn = th->syn;
	seg->rst = th->rst;
}

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

static void tw_kill_hook(struct ftrace_regs *fregs)
{
	struct inet_timewait_sock *tw = (void *)tcpstate_farg(fregs, 0);
	struct tcpstate_tuple tuple;
	u64 cookie;

	if (!tcpstate_is_tcp_tw(tw))
		return;
	/*
	 * Made when missing, as the seed walk makes it, so that the two
	 * meet under the same table bucket lock: the walk re-reads the
	 * timer there (seed.c), and this caller detached it before.
	 */
	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		cookie = tcpstate_sk_cookie((struct sock *)tw);
	tcpstate_tuple_from_tw(&tuple, tw);
	tcpstate_table_close(twsk_net(tw), cookie, &tuple, TCPSTATE_F_TIMEWAIT_SOCK,
			     tw_kill_cause(tw), 0, NULL);
}

enum { TW_HOOK_SCHEDULE, TW_HOOK_HASHDANCE, TW_HOOK_KILL, TW_HOOK_SEGMENT };

static struct tcpstate_fhook tcpstate_tw_hooks[] = {
	[TW_HOOK_SCHEDULE] = {
		.symbol = "__inet_twsk_schedule", .fn = tw_schedule_hook,
		.miss = TCPSTATE_MISS_TW_ENTER, .required = true,
		.lost = "TIME-WAIT is not seen at all",
	},
	[TW_HOOK_HASHDANCE] = {
		.symbol = "inet_twsk_hashdance_schedule",
		.fn = tw_hashdance_schedule_hook, .miss = TCPSTATE_MISS_TW_ENTER,
		.alternative = "__inet_twsk_schedule serves (kernels before 6.11)",
		.lost =
		"TIME-WAIT entries may go unseen (6.11+ may inline __inet_twsk_schedule here)",
	},
	[TW_HOOK_KILL] = {
		.symbol = "inet_twsk_kill", .fn = tw_kill_hook,
		.miss = TCPSTATE_MISS_TW_KILL, .required = true,
		.lost = "timewait sockets never leave the table",
	},
	[TW_HOOK_SEGMENT] = {
		.symbol = "tcp_timewait_state_process", .fn = tw_segment_hook,
		.miss = TCPSTATE_MISS_TW_SEGMENT,
		.lost = "timewait sockets killed by RST or SYN count as 'other'",
	},
};

int tcpstate_timewait_hooks_init(void)
{
	int err = tcpstate_fhooks_register(tcpstate_tw_hooks,
					   ARRAY_SIZE(tcpstate_tw_hooks));

	if (!err)
		tw_entry_at_hashdance = tcpstate_tw_hooks[TW_HOOK_HASHDANCE].placed;
	return err;
}

void tcpstate_timewait_hooks_exit(void)
{
	tcpstate_fhooks_unregister(tcpstate_tw_hooks,
				   ARRAY_SIZE(tcpstate_tw_hooks));
}
