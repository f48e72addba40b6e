/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the tcpstate module.
 */
#ifndef _TCPSTATE_H
#define _TCPSTATE_H

#include <linux/in6.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include <linux/tcpstate.h>

struct net;
struct sock;
struct inet_timewait_sock;
struct request_sock;

/* Where a connection is: what the table keeps besides its times. */
struct tcpstate_tuple {
	struct in6_addr saddr;	/* IPv4: first 4 bytes */
	struct in6_addr daddr;
	u16 sport;		/* host byte order */
	u16 dport;
	u16 family;
};

/* Per-CPU counters of one namespace; summed when read. */
struct tcpstate_counters {
	s64 gauge[TCPSTATE_STATE_MAX];
	s64 timewait_socks;
	u64 transitions[TCPSTATE_STATE_MAX][TCPSTATE_STATE_MAX];
	u64 tw_exits[TCPSTATE_TW_EXIT_MAX];
	u64 tw_overflows;
	u64 dropped;
};

/* table.c: the per-namespace table */
int tcpstate_table_init(void);
void tcpstate_table_exit(void);

void tcpstate_tuple_from_sk(struct tcpstate_tuple *t, const struct sock *sk);
void tcpstate_tuple_from_tw(struct tcpstate_tuple *t,
			    const struct inet_timewait_sock *tw);
void tcpstate_tuple_from_req(struct tcpstate_tuple *t,
			     struct request_sock *req);

/*
 * How an event changes the table.  All of them may be called from any
 * context (process, softirq, timer), never sleep, and must be called under
 * rcu_read_lock().
 */
enum tcpstate_change_flags {
	TCPSTATE_CHANGE_CREATE	= 0x01,	/* create the entry when it is missing */
	TCPSTATE_CHANGE_TUPLE	= 0x02,	/* refresh the tuple */
};

/*
 * Move connection @cookie to @state with entry flags @flags; @from is the
 * state the event says it left (for the transition matrix when the entry
 * is new).  @expires_ns is kept for timewait sockets.
 */
void tcpstate_table_set(struct net *net, u64 cookie,
			const struct tcpstate_tuple *tuple, int from, int state,
			u8 flags, u64 expires_ns, unsigned int change);
/*
 * Connection @cookie reached CLOSE.  @need_flags: only when the entry has
 * all of these flags; @skip_flags: not when it has any of these.
 * @tw_exit: the TCPSTATE_TW_EXIT_* cause to count, or -1.  Returns true
 * when an entry was removed.
 */
bool tcpstate_table_close(struct net *net, u64 cookie, u8 need_flags,
			  u8 skip_flags, int tw_exit);
void tcpstate_table_count_overflow(struct net *net);

/* Seeding at load: insert an entry unless the cookie is already known. */
void tcpstate_table_seed(struct net *net, u64 cookie,
			 const struct tcpstate_tuple *tuple, int state,
			 u8 flags, u64 expires_ns);

/* Readout for the device. */
void tcpstate_table_stats(struct net *net, struct tcpstate_stats *st);
/*
 * Copy up to @room entries after @cursor into @out; returns the number
 * copied and advances @cursor; sets *@done at the end of the table.
 */
unsigned int tcpstate_table_snapshot(struct net *net, u64 cursor[2],
				     struct tcpstate_conn *out,
				     unsigned int room, bool *done);

/* hooks_*.c: where the kernel's events are seen */
int tcpstate_state_hook_init(void);
void tcpstate_state_hook_exit(void);
int tcpstate_timewait_hooks_init(void);
void tcpstate_timewait_hooks_exit(void);
int tcpstate_request_hooks_init(void);
void tcpstate_request_hooks_exit(void);
u64 tcpstate_probe_misses(void);

/* seed.c */
void tcpstate_seed(void);

/* device.c */
int tcpstate_device_init(void);
void tcpstate_device_exit(void);

/* The socket cookie, generated when it was never asked for. */
u64 tcpstate_sk_cookie(struct sock *sk);

static inline u64 tcpstate_now_ns(void)
{
	return ktime_get_boottime_ns();
}

#endif /* _TCPSTATE_H */
