/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpstate: a mirror of the TCP state machine of every network namespace.
 *
 * The tcpstate module follows every TCP connection through all eleven
 * states of RFC 793, TIME-WAIT included, and keeps one table per network
 * namespace.  It is read through the character device /dev/tcpstate.
 *
 * An open file is bound to the network namespace of the process that
 * opened it.  Requests are ioctls on that file:
 *
 *   TCPSTATE_IOC_VERSION	returns TCPSTATE_ABI_VERSION as a __u32.  A
 *				program built against this header checks it
 *				before anything else.
 *   TCPSTATE_IOC_STATS		fills a struct tcpstate_stats: connections
 *				per state, the transition matrix, TIME-WAIT
 *				exits by cause, overflows and drops.
 *   TCPSTATE_IOC_SNAPSHOT	copies the namespace's table, one struct
 *				tcpstate_conn per connection, in chunks the
 *				caller sizes; a cursor resumes the walk.
 *				Each connection names its owner: uid,
 *				cgroup, and the process that made it.
 *   TCPSTATE_IOC_NETNS		binds the file to another namespace, given a
 *				namespace file descriptor, or, for the event
 *				stream, to all of them.  It needs what
 *				entering them with setns(2) needs: no
 *				namespace shows that its reader could not
 *				enter.  One: CAP_SYS_ADMIN over that
 *				namespace's user namespace and in the
 *				caller's; all: CAP_SYS_ADMIN in the initial
 *				user namespace.
 *   TCPSTATE_IOC_NETNS_LIST	one struct tcpstate_stats per namespace (needs
 *				CAP_SYS_ADMIN in the initial user namespace).
 *   TCPSTATE_IOC_RESET		zeroes the namespace's cumulative counters
 *				(needs CAP_NET_ADMIN over its user namespace).
 *   TCPSTATE_IOC_PORTS		local port exhaustion: connect() and bind()
 *				calls that found no free local port, counted
 *				and the last ones kept, and the namespace's
 *				effective local port range.
 *   TCPSTATE_IOC_QUOTA		the namespace's quota of table entries: read
 *				it, or set one of its own (see struct
 *				tcpstate_quota for who may).
 *
 * read() streams the namespace's state changes as struct tcpstate_event
 * records, whole records only, as many as fit; a reader steps through a
 * buffer by each record's size.  Records grew from TCPSTATE_EVENT_SIZE_V1
 * to 128 bytes: a buffer smaller than one record but not than
 * TCPSTATE_EVENT_SIZE_V1 gets records of that first size (the first
 * fields, size set to it); a smaller one fails with EINVAL.  The
 * stream starts at the first read() or poll() on the file.  Each file has
 * a buffer of its own (module parameter event_buffer, in records); when a
 * slow reader lets it fill up, later
 * events are dropped and a TCPSTATE_EVENT_LOST record says how many, in the
 * place where they were lost.  The network never waits for a reader.
 * poll() reports EPOLLIN when records are waiting; O_NONBLOCK reads fail
 * with EAGAIN when none are.
 *
 * A connection is known by its socket cookie: the number SO_COOKIE and
 * `ss -e` show.  It follows the connection from the request socket of a
 * passive open, through the full socket, to its timewait socket.  A
 * socket connected again keeps its cookie while the timewait socket of
 * its earlier connection still holds the same one: then two connections
 * share it, told apart by TCPSTATE_F_TIMEWAIT_SOCK, as ss shows both.
 *
 * Times are CLOCK_BOOTTIME nanoseconds.
 *
 * Rules of this interface: every structure uses fixed-width types, has no
 * implicit padding, starts with a __u32 size that the caller fills in, and
 * only ever grows at its end.  The kernel copies min(size, its own size).
 * Unknown commands fail with ENOTTY, bad sizes with EINVAL, bad pointers
 * with EFAULT.  Kernel pointers never cross this interface.
 */
#ifndef _UAPI_LINUX_TCPSTATE_H
#define _UAPI_LINUX_TCPSTATE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TCPSTATE_DEVICE_NAME	"tcpstate"
#define TCPSTATE_ABI_VERSION	1

/* 0xE7 is not claimed in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define TCPSTATE_IOC_MAGIC	0xE7

/*
 * The states of RFC 793, numbered as the kernel numbers them (TCP_* in
 * include/net/tcp_states.h; the module checks this at build time).
 */
enum tcpstate_state {
	TCPSTATE_ESTABLISHED = 1,
	TCPSTATE_SYN_SENT,
	TCPSTATE_SYN_RECV,
	TCPSTATE_FIN_WAIT1,
	TCPSTATE_FIN_WAIT2,
	TCPSTATE_TIME_WAIT,
	TCPSTATE_CLOSE,
	TCPSTATE_CLOSE_WAIT,
	TCPSTATE_LAST_ACK,
	TCPSTATE_LISTEN,
	TCPSTATE_CLOSING,
	TCPSTATE_STATE_MAX	/* one past the last state; rows of the matrix */
};

/* Why a timewait socket ended. */
enum tcpstate_tw_exit {
	TCPSTATE_TW_EXIT_EXPIRED,	/* its timer ran out */
	TCPSTATE_TW_EXIT_REUSED,	/* connect() took over its 4-tuple */
	TCPSTATE_TW_EXIT_SYN,		/* a new SYN for the same 4-tuple */
	TCPSTATE_TW_EXIT_RST,		/* killed by a RST */
	TCPSTATE_TW_EXIT_NETNS,		/* its network namespace was deleted */
	TCPSTATE_TW_EXIT_OTHER,		/* anything else (e.g. ss -K) */
	TCPSTATE_TW_EXIT_MAX
};

/*
 * Where a fact about a connection can be lost before it reaches the table
 * (tcpstate_stats.misses).  Each hook names the kernel function or
 * tracepoint it follows.  A miss is repaired by the next reconcile pass,
 * which compares the table with the kernel's sockets; the module runs one
 * soon after any miss, and every reconcile_ms (module parameter).  Not a
 * miss of a connection's owner (ACCEPT, OWNER): the kernel keeps none.
 */
enum tcpstate_miss {
	TCPSTATE_MISS_STATE,		/* sock:inet_sock_set_state */
	TCPSTATE_MISS_TW_ENTER,		/* a timewait socket takes over */
	TCPSTATE_MISS_TW_KILL,		/* a timewait socket dies */
	TCPSTATE_MISS_TW_SEGMENT,	/* the RST or SYN that kills one */
	TCPSTATE_MISS_REQ_HASH,		/* a request socket is hashed */
	TCPSTATE_MISS_REQ_PROMOTE,	/* a request becomes a full socket */
	TCPSTATE_MISS_REQ_FREE,		/* a request socket is freed */
	TCPSTATE_MISS_CONNECT_PORT,	/* connect() has its local port */
	TCPSTATE_MISS_BIND_PORT,	/* bind() to port 0 */
	TCPSTATE_MISS_ALLOC,		/* no memory for an entry (not the cap) */
	TCPSTATE_MISS_ACCEPT,		/* accept() takes a connection over:
					 * its process stays the listener's
					 */
	TCPSTATE_MISS_OWNER,		/* no memory for a connection's new
					 * owner: it keeps the one it had
					 */
	TCPSTATE_MISS_MAX
};

#define TCPSTATE_MISS_SLOTS		16	/* room in tcpstate_stats.misses */

/*
 * Why a connection was not mirrored (tcpstate_stats.drops).  Each table
 * entry is counted four times: against its namespace's quota, against its
 * user's limit (namespaces of a user namespace only), against the entries
 * the namespaces other than the initial one may share (all of max_entries
 * but init_net_reserve), and against max_entries.
 */
enum tcpstate_drop {
	TCPSTATE_DROP_QUOTA,		/* the namespace's quota was reached */
	TCPSTATE_DROP_CAP,		/* the module's cap: max_entries, or for
					 * a namespace other than the initial
					 * one, max_entries - init_net_reserve
					 * for all of them together
					 */
	TCPSTATE_DROP_NOMEM,		/* no memory for the entry, or the
					 * memory cgroup it is charged to (its
					 * socket's, else its namespace's; see
					 * struct tcpstate_quota) is at its
					 * memory.max: entries are allocated
					 * without waiting and without the
					 * atomic reserves, so such a charge
					 * fails rather than being forced
					 * past the limit
					 */
	TCPSTATE_DROP_USER,		/* the limit of the namespace's user
					 * (all its namespaces together; see
					 * struct tcpstate_quota) was reached
					 */
	TCPSTATE_DROP_MAX
};

#define TCPSTATE_DROP_SLOTS		4	/* room in tcpstate_stats.drops */

/* A quota of no limit (tcpstate_stats.quota, tcpstate_quota) */
#define TCPSTATE_QUOTA_NONE		(~(__u64)0)

/* tcpstate_conn.flags */
#define TCPSTATE_F_TIMEWAIT_SOCK	0x01	/* held by a timewait socket: TIME-WAIT,
						 * or FIN-WAIT-2 after close()
						 */
#define TCPSTATE_F_REQUEST_SOCK		0x02	/* a request socket: SYN-RECEIVED before
						 * the handshake completed
						 */
#define TCPSTATE_F_SEEDED		0x04	/* existed when the module loaded:
						 * began_ns is unknown (0)
						 */
#define TCPSTATE_F_RECONCILED		0x08	/* added or corrected by the
						 * reconcile pass after a missed
						 * fact: began_ns may be unknown (0)
						 */

/* One connection of the table. */
struct tcpstate_conn {
	__u64 cookie;		/* socket cookie, as SO_COOKIE */
	__u64 began_ns;		/* when the connection was opened (0: before load) */
	__u64 state_since_ns;	/* when it entered its current state */
	__u64 expires_ns;	/* timewait sockets: when the timer fires, else 0 */
	__u8  saddr[16];	/* local address; IPv4 in the first 4 bytes */
	__u8  daddr[16];	/* remote address; network byte order */
	__u16 sport;		/* local port, host byte order */
	__u16 dport;		/* remote port, host byte order */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u8  state;		/* enum tcpstate_state */
	__u8  flags;		/* TCPSTATE_F_* */
	/* ABI 1, second part: who owns the connection (see below) */
	__u32 uid;		/* the socket's uid, TCPSTATE_UID_UNKNOWN */
	__u32 pid;		/* the owning process, or 0 */
	__u64 cgroup_id;	/* the socket's cgroup v2 id, or 0 */
	char  comm[16];		/* the owning process's name, or "" */
};

/*
 * The owner of a connection, in struct tcpstate_conn, tcpstate_event and
 * tcpstate_port_failure:
 *
 *   uid	the socket's uid (sk_uid: whoever created the socket, or
 *		accepted it), in the user namespace of the file's opener, as
 *		/proc/net/tcp shows it (65534 when it has no mapping there);
 *		TCPSTATE_UID_UNKNOWN when the module never saw the full
 *		socket (a timewait socket or request that existed at load).
 *   cgroup_id	the socket's cgroup v2 id, as `ss --cgroup` shows it and as
 *		name_to_handle_at() on the cgroup's directory gives it; an
 *		accepted connection keeps its listener's.  0: unknown.
 *   pid, comm	the process that made the connection: connect() for a
 *		client, listen() for a listener, accept() for a connection
 *		accepted (the listener's owner until then).  The pid is the
 *		thread group id in the PID namespace of the file's opener.
 *		Both are kept after that process exits, through TIME-WAIT.
 *		They are shown only to an opener who could see that
 *		process: one whose effective uid is the socket's uid (the
 *		uid of the process that made the socket), or with
 *		CAP_SYS_PTRACE or CAP_NET_ADMIN over the user namespace of
 *		the file's network namespace; and only when the process has
 *		a pid in the opener's PID namespace.  Otherwise pid is 0 and
 *		comm empty, as they are when the module does not know them
 *		(connections that existed at load).
 *
 * uid and cgroup_id are visible to every reader of the namespace.
 */
#define TCPSTATE_UID_UNKNOWN		0xffffffffU

/*
 * Sizes of the first version of the growing records: a caller may still
 * ask for these (conn_size, failure_size) and gets the fields they had.
 */
#define TCPSTATE_CONN_SIZE_V1		72
#define TCPSTATE_EVENT_SIZE_V1		112
#define TCPSTATE_PORT_FAILURE_SIZE_V1	80

/* Counters of the caller's network namespace, and a few module-wide ones. */
struct tcpstate_stats {
	__u32 size;		/* in: sizeof as the caller knows it; out: bytes filled */
	__u32 state_max;	/* out: TCPSTATE_STATE_MAX of the module */
	__u64 entries;		/* connections in this namespace's table */
	__u64 timewait_socks;	/* those held by timewait sockets: equals the
				 * "tw" of /proc/net/sockstat
				 */
	__u64 gauge[TCPSTATE_STATE_MAX];	/* connections per state */
	__u64 transitions[TCPSTATE_STATE_MAX][TCPSTATE_STATE_MAX]; /* [from][to] */
	__u64 tw_exits[TCPSTATE_TW_EXIT_MAX];	/* NETNS: see all_tw_netns_exits */
	__u64 tw_overflows;	/* no timewait socket created (tcp_max_tw_buckets) */
	__u64 dropped;		/* connections not mirrored, whatever the
				 * reason: the sum of drops[]
				 */
	/* Module-wide */
	__u64 all_entries;	/* connections in all namespaces' tables */
	__u64 max_entries;	/* the cap (module parameter max_entries) */
	__u64 all_dropped;	/* drops in all namespaces, dead ones included,
				 * for any reason
				 */
	__u64 all_tw_netns_exits;	/* timewait sockets ended by namespace
					 * deletion, in any namespace: the dead
					 * namespace's own counters are gone
					 */
	__u64 probe_misses;	/* facts lost: the sum of misses[] */
	/* ABI 1, second part */
	__u32 netns;		/* the namespace's inode number, as in
				 * `readlink /proc/self/ns/net` and lsns(8)
				 */
	__u32 flags;		/* TCPSTATE_STATS_* */
	__u64 since_ns;		/* cumulative counters count from here: the
				 * namespace's creation, the module's load or
				 * the last TCPSTATE_IOC_RESET
				 */
	__u64 events_lost;	/* records this file's event stream dropped */
	/* ABI 1, third part: exactness */
	__u64 misses[TCPSTATE_MISS_SLOTS];	/* facts lost, per enum
						 * tcpstate_miss, since load;
						 * module-wide (see flags)
						 */
	__u64 reconcile_added;	/* connections the kernel had and the table
				 * missed, added by the reconcile pass
				 */
	__u64 reconcile_removed;	/* entries the kernel no longer had,
					 * removed by it
					 */
	__u64 reconcile_fixed;	/* entries in the wrong state, corrected */
	__u64 reconcile_passes;	/* passes run since load (module-wide, but
				 * not secret: filled in for every caller)
				 */
	__u64 reconcile_last_ns;	/* when the last pass ended; 0: none */
	/* ABI 1, fourth part: the namespace's share of the table */
	__u64 drops[TCPSTATE_DROP_SLOTS];	/* connections not mirrored,
						 * per enum tcpstate_drop
						 */
	__u64 quota;		/* the namespace's quota in force:
				 * TCPSTATE_QUOTA_NONE for none
				 * (TCPSTATE_STATS_OWN_QUOTA: its own)
				 */
	__u64 init_net_reserve;	/* entries only the initial namespace may
				 * use (module parameter init_net_reserve;
				 * not secret: filled in for every caller)
				 */
};

/*
 * tcpstate_stats.flags: all_entries, all_dropped, all_tw_netns_exits,
 * probe_misses and misses[] cross namespaces; they are filled in only for a
 * caller with CAP_NET_ADMIN in the initial user namespace, and read 0
 * otherwise.  The reconcile counters of the namespace itself are not
 * gated: a miss anywhere shows to everyone as a correction of their own
 * table.
 */
#define TCPSTATE_STATS_MODULE_WIDE	0x01
/* The namespace has a quota of its own, set with TCPSTATE_IOC_QUOTA. */
#define TCPSTATE_STATS_OWN_QUOTA	0x02

/* TCPSTATE_IOC_SNAPSHOT: walk the table in chunks. */
struct tcpstate_snapshot {
	__u32 size;		/* sizeof(struct tcpstate_snapshot) */
	__u32 conn_size;	/* sizeof(struct tcpstate_conn) as the caller knows it */
	__u32 count;		/* in: room in conns; out: records written */
	__u32 flags;		/* out: TCPSTATE_SNAPSHOT_DONE when the walk is over */
	__u64 cursor[2];	/* in: zero to start, else as returned; opaque */
	__u64 conns;		/* user pointer to count records of conn_size bytes */
};

#define TCPSTATE_SNAPSHOT_DONE		0x01
#define TCPSTATE_SNAPSHOT_MAX_COUNT	4096	/* larger requests are cut to this */

/* Kinds of event records. */
enum tcpstate_event_type {
	TCPSTATE_EVENT_STATE = 1,	/* a connection changed state */
	TCPSTATE_EVENT_LOST,		/* lost records were dropped here */
	TCPSTATE_EVENT_PORT_FAILURE	/* no free local port: port_kind,
					 * daddr, dport, saddr (if bound),
					 * pid, comm and error say where and
					 * who
					 */
};

/* tcpstate_event.tw_exit when no timewait socket ended */
#define TCPSTATE_TW_EXIT_NONE		0xff

/* One record of the event stream (read()). */
struct tcpstate_event {
	__u32 size;		/* sizeof(struct tcpstate_event) of the module:
				 * step through a buffer by it
				 */
	__u16 type;		/* enum tcpstate_event_type */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u64 cookie;		/* socket cookie, as SO_COOKIE */
	__u64 time_ns;		/* when it happened */
	__u64 prev_state_ns;	/* time spent in old_state; 0 for a new
				 * connection (old_state is where it came from)
				 */
	__u64 lost;		/* TCPSTATE_EVENT_LOST: records dropped */
	__u32 netns;		/* inode number of the connection's namespace */
	__u16 sport;		/* local port, host byte order */
	__u16 dport;		/* remote port, host byte order */
	__u8  saddr[16];	/* local address; IPv4 in the first 4 bytes */
	__u8  daddr[16];	/* remote address; network byte order */
	__u8  old_state;	/* enum tcpstate_state */
	__u8  new_state;	/* enum tcpstate_state */
	__u8  tw_exit;		/* enum tcpstate_tw_exit when a timewait socket
				 * ended, else TCPSTATE_TW_EXIT_NONE
				 */
	__u8  flags;		/* TCPSTATE_F_* of the connection after it */
	__u32 pid;		/* STATE: the connection's owning process;
				 * PORT_FAILURE: the calling process (see
				 * "The owner" above); else 0
				 */
	char  comm[16];		/* its name, NUL-padded */
	__s32 error;		/* an errno, for records that report one, else 0 */
	__u32 port_kind;	/* PORT_FAILURE: enum tcpstate_port_kind */
	/* ABI 1, second part (records grew from 112 to 128 bytes) */
	__u32 uid;		/* STATE, PORT_FAILURE: the socket's uid, or
				 * TCPSTATE_UID_UNKNOWN; else 0
				 */
	__u32 pad;		/* 0 */
	__u64 cgroup_id;	/* STATE, PORT_FAILURE: the socket's cgroup
				 * v2 id, or 0
				 */
};

/* Where a local port was wanted and none was free. */
enum tcpstate_port_kind {
	TCPSTATE_PORT_CONNECT,	/* connect(): none for this destination
				 * (EADDRNOTAVAIL)
				 */
	TCPSTATE_PORT_BIND,	/* bind() to port 0, or listen() unbound
				 * (EADDRINUSE)
				 */
	TCPSTATE_PORT_KIND_MAX
};

/* One call that found no free local port. */
struct tcpstate_port_failure {
	__u64 time_ns;		/* when */
	__u64 cookie;		/* the socket's cookie */
	__u8  saddr[16];	/* the source address: for connect() the one
				 * it was to use (bound, or chosen by the
				 * route: ports are unique per source,
				 * destination and port), for bind() the
				 * bound one or all zero
				 */
	__u8  daddr[16];	/* connect(): the destination */
	__u16 dport;		/* connect(): the destination port */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u32 pid;		/* the calling process (thread group id in the
				 * PID namespace of the file's opener; 0 when
				 * not visible to it, see "The owner")
				 */
	char  comm[16];		/* its name, NUL-padded; "" when pid is 0 */
	__s32 error;		/* what the call returned: -EADDRNOTAVAIL or
				 * -EADDRINUSE
				 */
	__u8  kind;		/* enum tcpstate_port_kind */
	__u8  pad[3];		/* 0 */
	/* ABI 1, second part */
	__u32 uid;		/* the socket's uid */
	__u32 pad2;		/* 0 */
	__u64 cgroup_id;	/* the socket's cgroup v2 id */
};

/* TCPSTATE_IOC_PORTS */
struct tcpstate_ports {
	__u32 size;		/* sizeof(struct tcpstate_ports) */
	__u32 failure_size;	/* sizeof(struct tcpstate_port_failure) as
				 * the caller knows it
				 */
	__u32 count;		/* in: room in failures; out: records
				 * written, oldest first
				 */
	__u32 kept;		/* out: failures the module keeps (module
				 * parameter port_failures)
				 */
	__u64 failures;		/* user pointer to count records of
				 * failure_size bytes
				 */
	/* out: the namespace's failures since counting began */
	__u64 total[TCPSTATE_PORT_KIND_MAX][2];	/* [kind][0: IPv4, 1: IPv6] */
	/* out: the namespace's effective local port range */
	__u32 range_low;	/* net.ipv4.ip_local_port_range */
	__u32 range_high;
	__u32 reserved;		/* ports of net.ipv4.ip_local_reserved_ports
				 * inside the range
				 */
	__u32 available;	/* range_high - range_low + 1 - reserved */
	__u32 tcp_tw_reuse;	/* net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 for
				 * loopback only
				 */
	__u32 pad;		/* 0 */
};

/* TCPSTATE_IOC_NETNS */
struct tcpstate_netns {
	__u32 size;		/* sizeof(struct tcpstate_netns) */
	__s32 fd;		/* in: a network namespace file descriptor
				 * (/proc/PID/ns/net, /run/netns/NAME), or -1
				 * with TCPSTATE_NETNS_ALL
				 */
	__u32 flags;		/* in: TCPSTATE_NETNS_* */
	__u32 netns;		/* out: inode number of the namespace now
				 * bound, 0 for all of them
				 */
};

/*
 * Stream the events of every namespace.  The stats and snapshot requests
 * of such a file fail with EINVAL: bind it to one namespace for those.
 */
#define TCPSTATE_NETNS_ALL	0x01

#define TCPSTATE_NETNS_LIST_MAX_COUNT	4096

/* TCPSTATE_IOC_NETNS_LIST */
struct tcpstate_netns_list {
	__u32 size;		/* sizeof(struct tcpstate_netns_list) */
	__u32 stats_size;	/* sizeof(struct tcpstate_stats) as the caller
				 * knows it
				 */
	__u32 count;		/* in: room in stats (at most
				 * TCPSTATE_NETNS_LIST_MAX_COUNT are written);
				 * out: records written
				 */
	__u32 total;		/* out: namespaces there are */
	__u64 stats;		/* user pointer to count records of stats_size
				 * bytes, each with its netns set
				 */
};

/*
 * TCPSTATE_IOC_QUOTA: the most entries the file's namespace may hold in
 * the table.  Past it, its new connections are counted as dropped
 * (TCPSTATE_DROP_QUOTA) and not mirrored; entries it already has stay.
 *
 * The quota in force is the smaller of two:
 *  - the ceiling: the module's default (none for the initial namespace,
 *    module parameter netns_max_entries, read at each connection, for
 *    the others), unless the initial namespace's admin gave the
 *    namespace a quota of its own (TCPSTATE_QUOTA_ADMIN), which then
 *    stands whatever the default becomes;
 *  - the namespace's own restraint, if it set one: whatever its value,
 *    it never lifts the ceiling, so a later cut of netns_max_entries
 *    applies to a namespace that restrained itself to today's default.
 *
 * The initial namespace's admin is a caller with CAP_NET_ADMIN in the
 * initial user namespace that is in the initial network namespace (a
 * container that shares the host's user namespace but not its network,
 * as a CNI plugin or a service mesh's init container does, is not): with
 * TCPSTATE_QUOTA_SET it sets the ceiling to max_entries, with
 * TCPSTATE_QUOTA_DEFAULT it returns the namespace to the default, and
 * either way clears the restraint.  It reaches another namespace's quota
 * through a file switched to it (TCPSTATE_IOC_NETNS).
 *
 * Anyone else with CAP_NET_ADMIN over the namespace's user namespace (its
 * own root, as unshare -Urn gives) may only set or clear its restraint,
 * and only so that the quota in force does not grow: EPERM otherwise.
 *
 * However many namespaces there are, their entries are limited twice
 * more: the namespaces other than the initial one hold at most
 * max_entries - init_net_reserve entries together (the initial namespace
 * always keeps init_net_reserve), and those of one user at most
 * user_max_entries (TCPSTATE_DROP_USER).  The user of a namespace is the
 * one who made the outermost user namespace above the namespace's own,
 * or, for an outermost user namespace made by root (a container
 * manager's), that user namespace: each is a user of its own.  Namespaces
 * of the initial user namespace have no such limit.
 *
 * Memory: an entry is charged to its socket's memory cgroup (a request
 * socket's: its listener's), and an entry with no such socket (a
 * timewait socket's whose connection was never mirrored, one made with
 * debug_fill), like what the namespace itself takes (its table's buckets,
 * counters and port failure ring), to the memory cgroup of the process
 * that created the namespace.  Namespaces that existed before the module
 * was loaded charge what is not an entry to no one.
 */
struct tcpstate_quota {
	__u32 size;		/* sizeof(struct tcpstate_quota) */
	__u32 flags;		/* in: 0 to read, TCPSTATE_QUOTA_SET or
				 * TCPSTATE_QUOTA_DEFAULT to change; out:
				 * TCPSTATE_QUOTA_OWN when the namespace has
				 * a quota of its own, a ceiling or a
				 * restraint, and TCPSTATE_QUOTA_ADMIN when
				 * its ceiling is the admin's (after the
				 * change)
				 */
	__u64 max_entries;	/* in: with TCPSTATE_QUOTA_SET the new quota
				 * (TCPSTATE_QUOTA_NONE, or 2^63 - 1: no
				 * limit; other values above 2^63 - 1 are
				 * EINVAL), else 0; out: the quota in force
				 */
	__u64 entries;		/* out: entries counted against it */
	__u64 default_max_entries;	/* out: the quota of the namespace
					 * without one of its own
					 */
	__u32 netns;		/* out: the namespace's inode number */
	__u32 pad;		/* 0 */
	__u64 user_entries;	/* out: entries of all the namespaces of
				 * the namespace's user
				 */
	__u64 user_max_entries;	/* out: that user's limit
				 * (user_max_entries); TCPSTATE_QUOTA_NONE
				 * for a namespace of the initial user
				 * namespace, which has none
				 */
};

/*
 * The out-only fields must be 0 on the way in, as must flags other than
 * one of these two: anything else is EINVAL.
 */
#define TCPSTATE_QUOTA_SET	0x01	/* give the namespace its own quota */
#define TCPSTATE_QUOTA_DEFAULT	0x02	/* back to the module's default */
#define TCPSTATE_QUOTA_OWN	0x04	/* out only */
#define TCPSTATE_QUOTA_ADMIN	0x08	/* out only */

#define TCPSTATE_IOC_VERSION	_IOR(TCPSTATE_IOC_MAGIC, 0x00, __u32)
#define TCPSTATE_IOC_STATS	_IOWR(TCPSTATE_IOC_MAGIC, 0x01, struct tcpstate_stats)
#define TCPSTATE_IOC_SNAPSHOT	_IOWR(TCPSTATE_IOC_MAGIC, 0x02, struct tcpstate_snapshot)
#define TCPSTATE_IOC_NETNS	_IOWR(TCPSTATE_IOC_MAGIC, 0x03, struct tcpstate_netns)
#define TCPSTATE_IOC_NETNS_LIST	_IOWR(TCPSTATE_IOC_MAGIC, 0x04, struct tcpstate_netns_list)
#define TCPSTATE_IOC_RESET	_IO(TCPSTATE_IOC_MAGIC, 0x05)
#define TCPSTATE_IOC_PORTS	_IOWR(TCPSTATE_IOC_MAGIC, 0x06, struct tcpstate_ports)
#define TCPSTATE_IOC_QUOTA	_IOWR(TCPSTATE_IOC_MAGIC, 0x07, struct tcpstate_quota)

#endif /* _UAPI_LINUX_TCPSTATE_H */
