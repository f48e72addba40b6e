/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's trace events: `trace-cmd record -e 'tcpstate:*'` records
 * them next to the kernel's own.
 *
 *   tcpstate:state_change	every state change of a mirrored connection
 *				(these three name its owner: uid, cgroup
 *				id, pid and comm as the initial namespaces
 *				see them)
 *   tcpstate:timewait_enter	a connection entered TIME-WAIT
 *   tcpstate:timewait_exit	a timewait socket ended, and why
 *   tcpstate:port_failure	connect() or bind() found no free local port
 *   tcpstate:reconcile		a reconcile pass: the misses counted so far
 *				(all hooks), the differences it saw and
 *				the ones it corrected (seen by two passes)
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tcpstate

#if !defined(_TCPSTATE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TCPSTATE_TRACE_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/tracepoint.h>

#include "tcpstate.h"

TRACE_DEFINE_ENUM(TCPSTATE_ESTABLISHED);
TRACE_DEFINE_ENUM(TCPSTATE_SYN_SENT);
TRACE_DEFINE_ENUM(TCPSTATE_SYN_RECV);
TRACE_DEFINE_ENUM(TCPSTATE_FIN_WAIT1);
TRACE_DEFINE_ENUM(TCPSTATE_FIN_WAIT2);
TRACE_DEFINE_ENUM(TCPSTATE_TIME_WAIT);
TRACE_DEFINE_ENUM(TCPSTATE_CLOSE);
TRACE_DEFINE_ENUM(TCPSTATE_CLOSE_WAIT);
TRACE_DEFINE_ENUM(TCPSTATE_LAST_ACK);
TRACE_DEFINE_ENUM(TCPSTATE_LISTEN);
TRACE_DEFINE_ENUM(TCPSTATE_CLOSING);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_EXPIRED);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_REUSED);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_SYN);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_RST);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_NETNS);
TRACE_DEFINE_ENUM(TCPSTATE_TW_EXIT_OTHER);

#define tcpstate_show_state(s)					\
	__print_symbolic(s,					\
			 { TCPSTATE_ESTABLISHED, "ESTABLISHED" },	\
			 { TCPSTATE_SYN_SENT, "SYN_SENT" },	\
			 { TCPSTATE_SYN_RECV, "SYN_RECV" },	\
			 { TCPSTATE_FIN_WAIT1, "FIN_WAIT1" },	\
			 { TCPSTATE_FIN_WAIT2, "FIN_WAIT2" },	\
			 { TCPSTATE_TIME_WAIT, "TIME_WAIT" },	\
			 { TCPSTATE_CLOSE, "CLOSE" },		\
			 { TCPSTATE_CLOSE_WAIT, "CLOSE_WAIT" },	\
			 { TCPSTATE_LAST_ACK, "LAST_ACK" },	\
			 { TCPSTATE_LISTEN, "LISTEN" },		\
			 { TCPSTATE_CLOSING, "CLOSING" })

#define tcpstate_show_tw_exit(c)				\
	__print_symbolic(c,					\
			 { TCPSTATE_TW_EXIT_EXPIRED, "expired" },	\
			 { TCPSTATE_TW_EXIT_REUSED, "reused" },	\
			 { TCPSTATE_TW_EXIT_SYN, "syn" },	\
			 { TCPSTATE_TW_EXIT_RST, "rst" },	\
			 { TCPSTATE_TW_EXIT_NETNS, "netns" },	\
			 { TCPSTATE_TW_EXIT_OTHER, "other" })

DECLARE_EVENT_CLASS(tcpstate_change_class,
		    TP_PROTO(const struct tcpstate_event *ev,
			     const struct tcpstate_who *who),
		    TP_ARGS(ev, who),
		    TP_STRUCT__entry(__field(u64, cookie)
				     __field(u64, prev_state_ns)
				     __field(u64, cgroup)
				     __field(u32, netns)
				     __field(u32, uid)
				     __field(u32, pid)
				     __field(u16, family)
				     __field(u8, old_state)
				     __field(u8, new_state)
				     __field(u8, tw_exit)
				     __array(char, comm, TASK_COMM_LEN)
				     __array(u8, saddr, sizeof(struct sockaddr_in6))
				     __array(u8, daddr, sizeof(struct sockaddr_in6))),
		    TP_fast_assign(tcpstate_who_trace(who, &__entry->uid,
						      &__entry->cgroup,
						      &__entry->pid,
						      __entry->comm);
				   __entry->cookie = ev->cookie;
				   __entry->prev_state_ns = ev->prev_state_ns;
				   __entry->netns = ev->netns;
				   __entry->family = ev->family;
				   __entry->old_state = ev->old_state;
				   __entry->new_state = ev->new_state;
				   __entry->tw_exit = ev->tw_exit;
				   tcpstate_end_sockaddr(ev->family, ev->saddr,
							 ev->sport,
							 __entry->saddr);
				   tcpstate_end_sockaddr(ev->family, ev->daddr,
							 ev->dport,
							 __entry->daddr);),
		    TP_printk("netns=%u cookie=%llu src=%pISpc dest=%pISpc %s -> %s prev_state_ns=%llu uid=%u cgroup=%llu pid=%u comm=%s",
			      __entry->netns, __entry->cookie, __entry->saddr,
			      __entry->daddr, tcpstate_show_state(__entry->old_state),
			      tcpstate_show_state(__entry->new_state),
			      __entry->prev_state_ns, __entry->uid,
			      __entry->cgroup, __entry->pid, __entry->comm));

DEFINE_EVENT(tcpstate_change_class, state_change,
	     TP_PROTO(const struct tcpstate_event *ev,
		      const struct tcpstate_who *who),
	     TP_ARGS(ev, who));

DEFINE_EVENT(tcpstate_change_class, timewait_enter,
	     TP_PROTO(const struct tcpstate_event *ev,
		      const struct tcpstate_who *who),
	     TP_ARGS(ev, who));

DEFINE_EVENT_PRINT(tcpstate_change_class, timewait_exit,
		   TP_PROTO(const struct tcpstate_event *ev,
			    const struct tcpstate_who *who),
		   TP_ARGS(ev, who),
		   TP_printk("netns=%u cookie=%llu src=%pISpc dest=%pISpc %s -> %s cause=%s prev_state_ns=%llu uid=%u cgroup=%llu pid=%u comm=%s",
			     __entry->netns, __entry->cookie, __entry->saddr,
			     __entry->daddr, tcpstate_show_state(__entry->old_state),
			     tcpstate_show_state(__entry->new_state),
			     tcpstate_show_tw_exit(__entry->tw_exit),
			     __entry->prev_state_ns, __entry->uid,
			     __entry->cgroup, __entry->pid, __entry->comm));

TRACE_DEFINE_ENUM(TCPSTATE_PORT_CONNECT);
TRACE_DEFINE_ENUM(TCPSTATE_PORT_BIND);

TRACE_EVENT(port_failure,
	    TP_PROTO(u32 netns, const struct tcpstate_port_failure *f,
		     const struct tcpstate_who *who),
	    TP_ARGS(netns, f, who),
	    TP_STRUCT__entry(__field(u64, cookie)
			     __field(u64, cgroup)
			     __field(u32, netns)
			     __field(u32, uid)
			     __field(u32, pid)
			     __field(s32, error)
			     __field(u8, kind)
			     __array(char, comm, TASK_COMM_LEN)
			     __array(u8, saddr, sizeof(struct sockaddr_in6))
			     __array(u8, daddr, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(tcpstate_who_trace(who, &__entry->uid, &__entry->cgroup,
					      &__entry->pid, __entry->comm);
			   __entry->cookie = f->cookie;
			   __entry->netns = netns;
			   __entry->error = f->error;
			   __entry->kind = f->kind;
			   tcpstate_end_sockaddr(f->family, f->saddr, 0,
						 __entry->saddr);
			   tcpstate_end_sockaddr(f->family, f->daddr, f->dport,
						 __entry->daddr);),
	    TP_printk("netns=%u cookie=%llu %s src=%pISc dest=%pISpc pid=%u comm=%s error=%d uid=%u cgroup=%llu",
		      __entry->netns, __entry->cookie,
		      __print_symbolic(__entry->kind,
				       { TCPSTATE_PORT_CONNECT, "connect" },
				       { TCPSTATE_PORT_BIND, "bind" }),
		      __entry->saddr, __entry->daddr, __entry->pid,
		      __entry->comm, __entry->error, __entry->uid,
		      __entry->cgroup));

TRACE_EVENT(reconcile,
	    TP_PROTO(u64 pass, u64 misses, u32 differences, u32 corrected,
		     u64 duration_ns),
	    TP_ARGS(pass, misses, differences, corrected, duration_ns),
	    TP_STRUCT__entry(__field(u64, pass)
			     __field(u64, misses)
			     __field(u64, duration_ns)
			     __field(u32, differences)
			     __field(u32, corrected)),
	    TP_fast_assign(__entry->pass = pass;
			   __entry->misses = misses;
			   __entry->duration_ns = duration_ns;
			   __entry->differences = differences;
			   __entry->corrected = corrected;),
	    TP_printk("pass=%llu misses=%llu differences=%u corrected=%u duration_ns=%llu",
		      __entry->pass, __entry->misses, __entry->differences,
		      __entry->corrected, __entry->duration_ns));

/*
 * A namespace's table moved to a new generation of buckets; @longest is
 * the longest chain the move made.
 */
TRACE_EVENT(table_resize,
	    TP_PROTO(u32 netns, u32 old_buckets, u32 new_buckets, u64 entries,
		     u32 longest, u64 duration_ns),
	    TP_ARGS(netns, old_buckets, new_buckets, entries, longest, duration_ns),
	    TP_STRUCT__entry(__field(u64, entries)
			     __field(u64, duration_ns)
			     __field(u32, netns)
			     __field(u32, old_buckets)
			     __field(u32, new_buckets)
			     __field(u32, longest)),
	    TP_fast_assign(__entry->entries = entries;
			   __entry->duration_ns = duration_ns;
			   __entry->netns = netns;
			   __entry->old_buckets = old_buckets;
			   __entry->new_buckets = new_buckets;
			   __entry->longest = longest;),
	    TP_printk("netns=%u buckets=%u->%u entries=%llu longest=%u duration_ns=%llu",
		      __entry->netns, __entry->old_buckets, __entry->new_buckets,
		      __entry->entries, __entry->longest, __entry->duration_ns));

#endif /* _TCPSTATE_TRACE_H */

/* An out-of-tree header: define_trace.h finds it here. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tcpstate_trace
#include <trace/define_trace.h>
