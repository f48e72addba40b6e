// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random calls on /dev/tcpstate, from several threads sharing a
 * small table of open files, so that close() races read(), poll(), epoll
 * and ioctl() on the same file.
 *
 *   fuzz [-s SEED] [-d SECONDS] [-t THREADS] [-n NETNS_PATH]... [-u UID] [-U]
 *
 * Each thread draws its calls from its own generator, seeded from SEED and
 * its index: the same SEED and THREADS make the same calls in each thread
 * (with -t 1, the same run, but for what the kernel answers).  The calls:
 * ioctls with the uapi's commands, near misses of them (other sizes,
 * directions and numbers, neighbouring magics) and random numbers; their
 * structures filled with random sizes, counts, cursors and flags; pointers
 * that are valid, short (ending at an unmapped page), read-only, unmapped,
 * NULL, kernel or non-canonical; read() with random sizes and pointers,
 * blocking or not (a signal every 20 ms ends a blocked call);
 * poll() and epoll; open(), dup() and close() of the table's files;
 * namespace selection with file descriptors of network namespaces, of
 * other namespaces, of the device itself, closed ones and -1; and, where
 * the caller may, new network namespaces, entered by one thread only,
 * where it opens the device and which it offers to the others by file
 * descriptor, closing the old ones: a namespace dies while files are
 * bound to it.  A child process makes loopback connections meanwhile, so
 * that the event stream has records to copy.
 *
 * -n opens a namespace file before anything else (as root, for -u);
 * -u drops to UID (and its number as gid) after that; -U then makes a user
 * and network namespace (the unprivileged `unshare -Urn`).  Unprivileged,
 * the fuzzer also checks what the module must refuse: the all-namespaces
 * stream and list, another namespace's file, reset outside its own user
 * namespace, and module-wide counters in the stats.
 *
 * Prints the seed first, then the calls made, calls per second and what
 * each kind of call returned.  Exit status 0; 1 when an answer broke the
 * interface's promises (an errno it never returns, a refusal not made);
 * 2 on bad usage or setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#define DEVICE		"/dev/" TCPSTATE_DEVICE_NAME
#define MAX_THREADS	16
#define SLOTS_PER_THREAD 4
#define MAX_SLOTS	(MAX_THREADS * SLOTS_PER_THREAD)
#define MAX_NS		16	/* namespace files offered to NETNS */
#define FIXED_NS	8	/* of which -n, our own and a user namespace */
#define AREA_SIZE	(1024 * 1024)
/*
 * Inaccessible after each area: the module copies records one by one at
 * strides up to 64 KiB and stops at the first fault, which must come
 * before anything else of ours.
 */
#define GUARD_SIZE	(128 * 1024)
#define MAX_VIOLATIONS	10

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

enum op {
	OP_IOCTL, OP_READ, OP_POLL, OP_EPOLL, OP_OPEN, OP_DUP, OP_CLOSE,
	OP_FCNTL, OP_MISC, OP_NETNS_NEW, OP_FORK, OP_MAX
};

static const char *const op_names[OP_MAX] = {
	"ioctl", "read", "poll", "epoll", "open", "dup", "close", "fcntl",
	"misc", "netns_new", "fork",
};

/*
 * Out of 1000: how often each call is made.  Few closes: the last close of
 * a file that streamed waits for an RCU grace period, which in an
 * emulated VM takes long enough to dominate the run.
 */
static const int op_weights[OP_MAX] = {
	580, 180, 100, 50, 15, 5, 10, 20, 30, 5, 5,
};

/* The errnos each call may return; anything else is a broken promise. */
static const int ok_errnos[] = {
	EINVAL, EFAULT, ENOTTY, EPERM, EBADF, EAGAIN, EINTR, ENOMEM, EBUSY,
	EACCES, EMFILE, ENFILE, ENOSPC, ESPIPE, EOPNOTSUPP, EEXIST, ENOENT,
	EUSERS,
};

#define NERR 134	/* errno values counted: 0 (success) .. 133 */

struct thread {
	pthread_t id;
	int index;
	__u64 rng;
	int epfd;
	char *area;		/* AREA_SIZE bytes, then GUARD_SIZE of PROT_NONE */
	__u64 cursor[2];	/* the last snapshot cursor returned */
	unsigned long calls;
	unsigned long count[OP_MAX][NERR];
	int done;
};

static struct {
	int threads;
	double seconds;
	__u64 seed;
	int unpriv;		/* -u or -U: refusals are checked */
	int userns;
	int stop;
	int slots[MAX_SLOTS];
	int nslots;
	int ns[MAX_NS];		/* namespace files; FIXED_NS.. are replaced */
	int nfixed;
	int home_ns;		/* the network namespace we run in */
	ino_t foreign[FIXED_NS];	/* -n namespaces, not ours to see */
	int nforeign;
	char *ro_page;		/* read-only */
	char *unmapped;		/* a page of PROT_NONE */
	double last_netns_new;	/* at most one new namespace a second */
	double last_fork;	/* at most one child in 0.1 s */
	int violations;
	pthread_mutex_t lock;
} g;

static __u64 splitmix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static __u64 rnd(struct thread *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(struct thread *t, unsigned int n)
{
	return n ? rnd(t) % n : 0;
}

static int chance(struct thread *t, unsigned int per_mille)
{
	return below(t, 1000) < per_mille;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether @interval seconds have passed since *@last; if so, it is now. */
static int rate_ok(double *last, double interval)
{
	double t = now();

	pthread_mutex_lock(&g.lock);
	if (t - *last < interval) {
		pthread_mutex_unlock(&g.lock);
		return 0;
	}
	*last = t;
	pthread_mutex_unlock(&g.lock);
	return 1;
}

static void violation(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&g.lock);
	if (g.violations++ < MAX_VIOLATIONS) {
		printf("# VIOLATION: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		fflush(stdout);
	}
	pthread_mutex_unlock(&g.lock);
}

/* Count the call's result; an errno outside the promised ones violates. */
static long account(struct thread *t, enum op kind, long ret, const char *what,
		    unsigned long cmd)
{
	int e = ret < 0 ? errno : 0;
	size_t i;

	t->calls++;
	t->count[kind][e < NERR ? e : 0]++;
	if (!e)
		return ret;
	for (i = 0; i < ARRAY_SIZE(ok_errnos); i++)
		if (e == ok_errnos[i])
			return ret;
	violation("%s (cmd %#lx) failed with %s (%d), not an errno it may return",
		  what, cmd, strerror(e), e);
	errno = e;
	return ret;
}

static int slot_get(struct thread *t)
{
	return __atomic_load_n(&g.slots[below(t, g.nslots)], __ATOMIC_RELAXED);
}

/*
 * Put @fd into a slot, mostly an empty one, else a random one, and close
 * the file that was there.
 */
static void slot_put(struct thread *t, int fd)
{
	int i = below(t, g.nslots), n, old;

	for (n = chance(t, 800) ? g.nslots : 0; n; n--, i = (i + 1) % g.nslots)
		if (__atomic_load_n(&g.slots[i], __ATOMIC_RELAXED) < 0)
			break;
	old = __atomic_exchange_n(&g.slots[i], fd, __ATOMIC_ACQ_REL);

	if (old >= 0)
		account(t, OP_CLOSE, close(old), "close", 0);
}

/* A pointer for the kernel to read or write @len bytes at. */
static void *pick_ptr(struct thread *t, size_t len)
{
	static const __u64 bad[] = {
		0, 1, 8, 4095, 4096, 0x00007ffffffff000ULL,
		0x0000800000000000ULL, 0x8000000000000000ULL,
		0xffff888000000000ULL, 0xffffffff81000000ULL,
		0xfffffffffffff000ULL, 0xffffffffffffffffULL,
	};
	size_t room = len < AREA_SIZE ? AREA_SIZE - len : 0;

	switch (below(t, 16)) {
	case 0:
		return (void *)(unsigned long)bad[below(t, ARRAY_SIZE(bad))];
	case 1:		/* ends in the guard after the area */
		return t->area + AREA_SIZE -
		       (len ? below(t, len < AREA_SIZE ? len : AREA_SIZE) + 1 : 1);
	case 2:
		return g.ro_page + below(t, 4096);
	case 3:
		return g.unmapped + below(t, 4096);
	case 4:		/* misaligned */
		return t->area + below(t, room + 1) / 8 * 8 + 1 + below(t, 7);
	default:
		return t->area + (room ? below(t, room + 1) / 8 * 8 : 0);
	}
}

/* A structure size around @ksize, the size the module knows. */
static __u32 pick_size(struct thread *t, __u32 ksize, __u32 minsize)
{
	switch (below(t, 12)) {
	case 0:
		return 0;
	case 1:
		return minsize ? minsize - 1 : 1;
	case 2:
		return minsize;
	case 3:
		return ksize - 1;
	case 4:
		return ksize + 1 + below(t, 64);
	case 5:
		return 64 * 1024 + below(t, 2);
	case 6:
		return 0xffffffff;
	case 7:
		return rnd(t);
	case 8:
		return below(t, 4096);
	default:
		return ksize;
	}
}

static __u32 pick_count(struct thread *t)
{
	switch (below(t, 10)) {
	case 0:
		return 0;
	case 1:
		return 4096 + below(t, 2);
	case 2:
		return 0xffffffff;
	case 3:
		return rnd(t);
	default:
		return 1 + below(t, 64);
	}
}

/* A file descriptor for NETNS: mostly a namespace, but anything goes. */
static int pick_nsfd(struct thread *t)
{
	switch (below(t, 10)) {
	case 0:
		return -1;
	case 1:
		return slot_get(t);
	case 2:
		return (int)rnd(t);
	case 3:
		return 1000 + below(t, 24);	/* closed, most likely */
	default:
		return __atomic_load_n(&g.ns[below(t, MAX_NS)], __ATOMIC_RELAXED);
	}
}

/* Is @fd one of the -n namespaces, which an unprivileged caller may not see? */
static int is_foreign(int fd)
{
	struct stat st;
	int i;

	if (fd < 0 || fstat(fd, &st))
		return 0;
	for (i = 0; i < g.nforeign; i++)
		if (st.st_ino == g.foreign[i])
			return 1;
	return 0;
}

static void check_stats(const struct tcpstate_stats *st)
{
	int i;

	if (st->flags & TCPSTATE_STATS_MODULE_WIDE || st->all_entries ||
	    st->all_dropped || st->all_tw_netns_exits || st->probe_misses)
		violation("unprivileged, module-wide: flags %#x %llu %llu %llu probe_misses %llu",
			  st->flags, (unsigned long long)st->all_entries,
			  (unsigned long long)st->all_dropped,
			  (unsigned long long)st->all_tw_netns_exits,
			  (unsigned long long)st->probe_misses);
	for (i = 0; i < TCPSTATE_MISS_SLOTS; i++)
		if (st->misses[i])
			violation("unprivileged stats show misses[%d] = %llu", i,
				  (unsigned long long)st->misses[i]);
}

static const unsigned long cmds[] = {
	TCPSTATE_IOC_VERSION, TCPSTATE_IOC_STATS, TCPSTATE_IOC_SNAPSHOT,
	TCPSTATE_IOC_NETNS, TCPSTATE_IOC_NETNS_LIST, TCPSTATE_IOC_RESET,
	TCPSTATE_IOC_PORTS, TCPSTATE_IOC_QUOTA,
};

#define NCMDS ARRAY_SIZE(cmds)

static unsigned long pick_cmd(struct thread *t)
{
	unsigned long cmd = cmds[below(t, NCMDS)];
	unsigned int r = below(t, 100);

	if (r < 60)
		return cmd;
	if (r < 72)	/* another size */
		return (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       ((unsigned long)below(t, _IOC_SIZEMASK + 1) << _IOC_SIZESHIFT);
	if (r < 80)	/* another direction */
		return (cmd & ~((unsigned long)_IOC_DIRMASK << _IOC_DIRSHIFT)) |
		       ((unsigned long)below(t, 4) << _IOC_DIRSHIFT);
	if (r < 88)	/* our magic, any number */
		return _IOC(below(t, 4), TCPSTATE_IOC_MAGIC, below(t, 256),
			    below(t, _IOC_SIZEMASK + 1));
	if (r < 94)	/* a neighbouring magic */
		return _IOC(below(t, 4), TCPSTATE_IOC_MAGIC - 2 + below(t, 5),
			    below(t, 16), below(t, _IOC_SIZEMASK + 1));
	cmd = (__u32)rnd(t);
	/* Not the filesystem freezing ioctls ('X'): they reach the superblock. */
	if (_IOC_TYPE(cmd) == 'X')
		cmd ^= 1 << _IOC_TYPESHIFT;
	return cmd;
}

/* Whether @n bytes at @p are in the thread's area (@p may be anything). */
static int in_area(struct thread *t, const void *p, size_t n)
{
	unsigned long a = (unsigned long)t->area, q = (unsigned long)p;

	return q >= a && q - a <= AREA_SIZE && n <= AREA_SIZE - (q - a);
}

/* Build the request structure of @cmd at a random place; returns the arg. */
static void *build_arg(struct thread *t, unsigned long cmd, size_t *len)
{
	union {
		struct tcpstate_stats st;
		struct tcpstate_snapshot snap;
		struct tcpstate_netns ns;
		struct tcpstate_netns_list list;
		struct tcpstate_ports ports;
		struct tcpstate_quota quota;
	} u;
	size_t n;
	void *arg;

	memset(&u, 0, sizeof(u));
	switch (_IOC_NR(cmd) | (_IOC_TYPE(cmd) == TCPSTATE_IOC_MAGIC ? 0 : 0x100)) {
	case 0x01:
		n = sizeof(u.st);
		u.st.size = pick_size(t, n, offsetof(struct tcpstate_stats, entries));
		break;
	case 0x02:
		n = sizeof(u.snap);
		u.snap.size = pick_size(t, n, n);
		u.snap.conn_size = pick_size(t, sizeof(struct tcpstate_conn),
					     sizeof(struct tcpstate_conn));
		u.snap.count = pick_count(t);
		if (chance(t, 500)) {
			u.snap.cursor[0] = t->cursor[0];
			u.snap.cursor[1] = t->cursor[1];
		} else if (chance(t, 300)) {
			u.snap.cursor[0] = rnd(t);
			u.snap.cursor[1] = rnd(t);
		}
		u.snap.conns = (unsigned long)pick_ptr(t, (size_t)(u.snap.count % 4097) *
						       (u.snap.conn_size % 4096));
		break;
	case 0x03:
		n = sizeof(u.ns);
		u.ns.size = pick_size(t, n, n);
		u.ns.fd = pick_nsfd(t);
		u.ns.flags = chance(t, 850) ? 0 : chance(t, 800) ?
			     TCPSTATE_NETNS_ALL : (__u32)rnd(t);
		if (u.ns.flags & TCPSTATE_NETNS_ALL && chance(t, 700))
			u.ns.fd = -1;
		u.ns.netns = rnd(t);
		break;
	case 0x04:
		n = sizeof(u.list);
		u.list.size = pick_size(t, n, n);
		u.list.stats_size = pick_size(t, sizeof(struct tcpstate_stats),
					      offsetof(struct tcpstate_stats, flags));
		u.list.count = chance(t, 900) ? below(t, 8) : pick_count(t);
		u.list.stats = (unsigned long)pick_ptr(t, (size_t)(u.list.count % 4097) *
						       (u.list.stats_size % 4096));
		break;
	case 0x06:
		n = sizeof(u.ports);
		u.ports.size = pick_size(t, n, n);
		u.ports.failure_size = pick_size(t, sizeof(struct tcpstate_port_failure),
						 sizeof(struct tcpstate_port_failure));
		u.ports.count = pick_count(t);
		u.ports.failures = (unsigned long)pick_ptr(t, (size_t)(u.ports.count % 4097) *
							   (u.ports.failure_size % 4096));
		break;
	case 0x07:
		n = sizeof(u.quota);
		u.quota.size = pick_size(t, n, n);
		/*
		 * Root reads, or sends flags no module takes: a quota it set
		 * would change what the tests after it see.  The others try to
		 * change theirs, which only a lowering in a user namespace of
		 * their own may (do_ioctl() checks).
		 */
		if (!g.unpriv)
			u.quota.flags = chance(t, 500) ? 0 : (__u32)rnd(t) | 0x80000000U;
		else
			u.quota.flags = chance(t, 800) ? below(t, 4) : (__u32)rnd(t);
		if (u.quota.flags & TCPSTATE_QUOTA_SET)
			u.quota.max_entries = chance(t, 500) ? below(t, 100) :
					      chance(t, 500) ? TCPSTATE_QUOTA_NONE : rnd(t);
		if (chance(t, 50))
			u.quota.pad = rnd(t);
		break;
	default:
		n = below(t, 64);
		for (size_t i = 0; i < n; i++)
			((unsigned char *)&u)[i] = rnd(t);
		break;
	}
	if (chance(t, 150)) {	/* partly unmapped, read-only or worse */
		arg = pick_ptr(t, n);
	} else {
		arg = t->area + below(t, AREA_SIZE - sizeof(u)) / 8 * 8;
	}
	if (in_area(t, arg, n))
		memcpy(arg, &u, n);
	*len = n;
	return arg;
}

static void do_ioctl(struct thread *t)
{
	unsigned long cmd = pick_cmd(t);
	int fd = slot_get(t);
	size_t len;
	void *arg = build_arg(t, cmd, &len);
	struct tcpstate_netns ns;
	struct tcpstate_quota q;
	long ret;

	if (cmd == TCPSTATE_IOC_NETNS && in_area(t, arg, sizeof(ns)))
		memcpy(&ns, arg, sizeof(ns));
	else
		memset(&ns, 0, sizeof(ns));
	if (cmd == TCPSTATE_IOC_QUOTA && in_area(t, arg, sizeof(q)))
		memcpy(&q, arg, sizeof(q));
	else
		memset(&q, 0, sizeof(q));
	ret = account(t, OP_IOCTL, ioctl(fd, cmd, arg), "ioctl", cmd);
	if (ret)
		return;

	if (cmd == TCPSTATE_IOC_VERSION && in_area(t, arg, 4) &&
	    *(__u32 *)arg != TCPSTATE_ABI_VERSION)
		violation("VERSION returned %u", *(__u32 *)arg);
	if (cmd == TCPSTATE_IOC_SNAPSHOT && in_area(t, arg, sizeof(struct tcpstate_snapshot)))
		memcpy(t->cursor, ((struct tcpstate_snapshot *)arg)->cursor,
		       sizeof(t->cursor));
	if (!g.unpriv)
		return;
	switch (cmd) {
	case TCPSTATE_IOC_STATS:
		if (in_area(t, arg, sizeof(struct tcpstate_stats)) &&
		    ((struct tcpstate_stats *)arg)->size == sizeof(struct tcpstate_stats))
			check_stats(arg);
		break;
	case TCPSTATE_IOC_NETNS:
		if (ns.flags & TCPSTATE_NETNS_ALL)
			violation("NETNS_ALL succeeded unprivileged");
		else if (!g.userns)
			violation("NETNS (fd %d) succeeded for uid %d", ns.fd, (int)getuid());
		else if (is_foreign(ns.fd))
			violation("NETNS succeeded on a foreign namespace (fd %d)", ns.fd);
		break;
	case TCPSTATE_IOC_NETNS_LIST:
		violation("NETNS_LIST succeeded unprivileged");
		break;
	case TCPSTATE_IOC_RESET:
		if (!g.userns)
			violation("RESET succeeded for uid %d", (int)getuid());
		break;
	case TCPSTATE_IOC_QUOTA:
		/* Raising takes CAP_NET_ADMIN in the initial user namespace. */
		if (q.flags & TCPSTATE_QUOTA_DEFAULT && !g.userns)
			violation("QUOTA DEFAULT succeeded for uid %d", (int)getuid());
		if (q.flags & TCPSTATE_QUOTA_SET &&
		    (!g.userns || q.max_entries == TCPSTATE_QUOTA_NONE))
			violation("QUOTA SET %llu succeeded for uid %d%s",
				  (unsigned long long)q.max_entries, (int)getuid(),
				  g.userns ? " in a user namespace" : "");
		break;
	}
}

static void do_read(struct thread *t)
{
	static const size_t rec = sizeof(struct tcpstate_event);
	static const size_t v1 = TCPSTATE_EVENT_SIZE_V1;
	size_t sizes[] = {
		0, 1, v1 - 1, v1, rec - 1, rec, rec + 1, 2 * rec, 64 * rec,
		AREA_SIZE, (size_t)-1, (size_t)rnd(t) % (4 * AREA_SIZE),
	};
	size_t n = sizes[below(t, ARRAY_SIZE(sizes))];
	ssize_t ret;

	ret = read(slot_get(t), pick_ptr(t, n), n);
	account(t, OP_READ, ret, "read", 0);
	/* Whole records; one first-version record when no whole one fits. */
	if (ret > 0 && (n < rec ? (size_t)ret != v1 : ret % rec))
		violation("read(%zu) returned %zd: not whole %zu-byte records nor one of %zu",
			  n, ret, rec, v1);
}

static void do_poll(struct thread *t)
{
	struct pollfd p[3];
	int i, n = 1 + below(t, 3);

	for (i = 0; i < n; i++) {
		p[i].fd = slot_get(t);
		p[i].events = chance(t, 800) ? POLLIN : (short)rnd(t);
	}
	account(t, OP_POLL, poll(p, n, chance(t, 900) ? 0 : 1), "poll", 0);
}

static void do_epoll(struct thread *t)
{
	struct epoll_event ev[4];
	int fd = slot_get(t);

	switch (below(t, 3)) {
	case 0:
		ev[0].events = chance(t, 800) ? EPOLLIN : (__u32)rnd(t) & ~EPOLLEXCLUSIVE;
		ev[0].data.fd = fd;
		account(t, OP_EPOLL, epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, ev),
			"epoll_ctl add", 0);
		break;
	case 1:
		account(t, OP_EPOLL, epoll_ctl(t->epfd, EPOLL_CTL_DEL, fd, NULL),
			"epoll_ctl del", 0);
		break;
	default:
		account(t, OP_EPOLL, epoll_wait(t->epfd, ev, 4, chance(t, 900) ? 0 : 1),
			"epoll_wait", 0);
		break;
	}
}

static void do_open(struct thread *t)
{
	static const int modes[] = { O_RDONLY, O_RDONLY, O_RDONLY, O_WRONLY, O_RDWR };
	int flags = modes[below(t, 5)] | O_CLOEXEC;
	int fd;

	if (chance(t, 700))
		flags |= O_NONBLOCK;
	fd = account(t, OP_OPEN, open(DEVICE, flags), "open", 0);
	if (fd >= 0)
		slot_put(t, fd);
}

static void do_dup(struct thread *t)
{
	int fd = account(t, OP_DUP, fcntl(slot_get(t), F_DUPFD_CLOEXEC, 0), "dup", 0);

	if (fd >= 0)
		slot_put(t, fd);
}

static void do_close(struct thread *t)
{
	int fd = __atomic_exchange_n(&g.slots[below(t, g.nslots)], -1, __ATOMIC_ACQ_REL);

	if (fd >= 0)
		account(t, OP_CLOSE, close(fd), "close", 0);
}

static void do_fcntl(struct thread *t)
{
	int fd = slot_get(t);
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0) {
		account(t, OP_FCNTL, fl, "fcntl", 0);
		return;
	}
	fl = chance(t, 500) ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (chance(t, 100))
		fl |= O_ASYNC;
	account(t, OP_FCNTL, fcntl(fd, F_SETFL, fl), "fcntl", 0);
}

static void do_misc(struct thread *t)
{
	int fd = slot_get(t);
	struct stat st;
	size_t n = below(t, 256);

	switch (below(t, 3)) {
	case 0:
		account(t, OP_MISC, write(fd, pick_ptr(t, n), n), "write", 0);
		break;
	case 1:
		account(t, OP_MISC, lseek(fd, rnd(t), below(t, 5)), "lseek", 0);
		break;
	default:
		account(t, OP_MISC, fstat(fd, &st), "fstat", 0);
		break;
	}
}

/*
 * A new network namespace, entered by this thread alone: open the device
 * there, offer the namespace to NETNS (closing one offered before), and
 * come back.  Unprivileged, unshare() fails, counted like any call.
 */
static void do_netns_new(struct thread *t)
{
	int nsfd, fd, old;

	if (!rate_ok(&g.last_netns_new, 1.0))
		return;
	if (account(t, OP_NETNS_NEW, unshare(CLONE_NEWNET), "unshare", 0))
		return;
	nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		slot_put(t, fd);
	if (setns(g.home_ns, CLONE_NEWNET)) {
		violation("cannot come back to our namespace: %s", strerror(errno));
		__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
	}
	if (nsfd < 0)
		return;
	old = __atomic_exchange_n(&g.ns[g.nfixed + below(t, MAX_NS - g.nfixed)], nsfd,
				  __ATOMIC_ACQ_REL);
	if (old >= 0)
		close(old);
}

/* A child that uses a file, then lets its exit drop it. */
static void do_fork(struct thread *t)
{
	int fd = slot_get(t);
	__u32 v;
	pid_t pid;

	if (!rate_ok(&g.last_fork, 0.1))
		return;
	pid = account(t, OP_FORK, fork(), "fork", 0);
	if (pid == 0) {
		if (ioctl(fd, TCPSTATE_IOC_VERSION, &v) == 0 && v != TCPSTATE_ABI_VERSION)
			_exit(3);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void (*const ops[OP_MAX])(struct thread *t) = {
	do_ioctl, do_read, do_poll, do_epoll, do_open, do_dup, do_close,
	do_fcntl, do_misc, do_netns_new, do_fork,
};

static void *worker(void *arg)
{
	struct thread *t = arg;

	while (!__atomic_load_n(&g.stop, __ATOMIC_RELAXED)) {
		int r = below(t, 1000), op;

		for (op = 0; op < OP_MAX - 1 && r >= op_weights[op]; op++)
			r -= op_weights[op];
		ops[op](t);
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int s, err;

	memset(&ifr, 0, sizeof(ifr));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	err = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return err;
}

/*
 * Loopback connections, about 100 a second, half of them ended by a RST
 * (no TIME-WAIT), until the parent dies.
 */
static pid_t start_traffic(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct linger rst = { 1, 0 };
	socklen_t len = sizeof(a);
	int l, c, s, i;
	pid_t pid;

	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		_exit(1);
	for (i = 0;; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c >= 0 && !connect(c, (struct sockaddr *)&a, sizeof(a))) {
			s = accept(l, NULL, NULL);
			if (i & 1)
				setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
			close(c);
			if (s >= 0)
				close(s);
		} else if (c >= 0) {
			close(c);
		}
		nanosleep(&pause, NULL);
	}
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Become UID, then (-U) root of a user and network namespace of its own. */
static int drop_privileges(int uid, int userns)
{
	char map[64];

	if (uid >= 0 && (setgroups(0, NULL) || setgid(uid) || setuid(uid))) {
		perror("fuzz: setuid");
		return -1;
	}
	/* A changed uid leaves /proc/self to root: uid_map must be ours. */
	prctl(PR_SET_DUMPABLE, 1);
	if (!userns)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		perror("fuzz: unshare user and network namespaces");
		return -1;
	}
	snprintf(map, sizeof(map), "0 %d 1", (int)geteuid());
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", map)) {
		perror("fuzz: uid_map");
		return -1;
	}
	snprintf(map, sizeof(map), "0 %d 1", (int)getegid());
	if (write_file("/proc/self/gid_map", map)) {
		perror("fuzz: gid_map");
		return -1;
	}
	if (lo_up()) {
		perror("fuzz: lo up");
		return -1;
	}
	return 0;
}

static void report(struct thread *th, double elapsed)
{
	unsigned long total = 0, sum[OP_MAX][NERR];
	int i, op, e;

	memset(sum, 0, sizeof(sum));
	for (i = 0; i < g.threads; i++) {
		total += th[i].calls;
		for (op = 0; op < OP_MAX; op++)
			for (e = 0; e < NERR; e++)
				sum[op][e] += th[i].count[op][e];
	}
	printf("# calls %lu in %.1f s: %.0f calls/s\n", total, elapsed, total / elapsed);
	for (op = 0; op < OP_MAX; op++) {
		unsigned long n = 0;

		for (e = 0; e < NERR; e++)
			n += sum[op][e];
		printf("#   %-9s %9lu:", op_names[op], n);
		for (e = 0; e < NERR; e++)
			if (sum[op][e])
				printf(" %s %lu", e ? strerrorname_np(e) : "ok", sum[op][e]);
		printf("\n");
	}
	printf("calls %lu\n", total);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: fuzz [-s SEED] [-d SECONDS] [-t THREADS] [-n NETNS_PATH]... [-u UID] [-U]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct thread th[MAX_THREADS];
	struct sigaction sa;
	double start, elapsed;
	int opt, i, uid = -1, fd;
	struct stat st;
	pid_t traffic;

	g.seed = splitmix64(time(NULL) ^ ((__u64)getpid() << 32));
	g.seconds = 10;
	g.threads = 4;
	g.nfixed = 0;
	pthread_mutex_init(&g.lock, NULL);
	for (i = 0; i < MAX_NS; i++)
		g.ns[i] = -1;
	while ((opt = getopt(argc, argv, "s:d:t:n:u:U")) != -1) {
		switch (opt) {
		case 's':
			g.seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			g.seconds = atof(optarg);
			break;
		case 't':
			g.threads = atoi(optarg);
			break;
		case 'n':
			if (g.nfixed >= FIXED_NS - 3)
				print_usage();
			fd = open(optarg, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st)) {
				fprintf(stderr, "fuzz: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			g.foreign[g.nforeign++] = st.st_ino;
			g.ns[g.nfixed++] = fd;
			break;
		case 'u':
			uid = atoi(optarg);
			g.unpriv = 1;
			break;
		case 'U':
			g.userns = 1;
			g.unpriv = 1;
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc || g.threads < 1 || g.threads > MAX_THREADS || g.seconds <= 0)
		print_usage();
	printf("# seed %llu\n", (unsigned long long)g.seed);
	fflush(stdout);

	if (drop_privileges(uid, g.userns))
		return 2;
	g.home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	g.ns[g.nfixed++] = g.home_ns;
	g.ns[g.nfixed++] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	g.ns[g.nfixed++] = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (g.home_ns < 0) {
		perror("fuzz: /proc/self/ns/net");
		return 2;
	}
	printf("# uid %d, %s, %d threads, %.0f s, %d namespace files from -n\n",
	       (int)getuid(), g.userns ? "in a user and network namespace of its own" :
	       "in its first namespaces", g.threads, g.seconds, g.nforeign);
	fflush(stdout);

	g.ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g.unmapped = mmap(NULL, GUARD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.ro_page == MAP_FAILED || g.unmapped == MAP_FAILED)
		return 2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocked calls end */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	traffic = start_traffic();

	g.nslots = g.threads * SLOTS_PER_THREAD;
	for (i = 0; i < g.nslots; i++)
		g.slots[i] = open(DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (g.slots[0] < 0) {
		fprintf(stderr, "fuzz: %s: %s\n", DEVICE, strerror(errno));
		return 2;
	}
	for (i = 0; i < g.threads; i++) {
		struct thread *t = &th[i];

		t->index = i;
		t->rng = splitmix64(g.seed + i) | 1;
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		t->area = mmap(NULL, AREA_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->epfd < 0 || t->area == MAP_FAILED ||
		    mprotect(t->area + AREA_SIZE, GUARD_SIZE, PROT_NONE))
			return 2;
	}

	start = now();
	for (i = 0; i < g.threads; i++)
		pthread_create(&th[i].id, NULL, worker, &th[i]);
	while (now() - start < g.seconds && !__atomic_load_n(&g.stop, __ATOMIC_RELAXED)) {
		struct timespec tick = { 0, 20 * 1000 * 1000 };

		nanosleep(&tick, NULL);
		for (i = 0; i < g.threads; i++)
			pthread_kill(th[i].id, SIGUSR1);
	}
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < g.threads; i++) {
		while (!__atomic_load_n(&th[i].done, __ATOMIC_ACQUIRE)) {
			struct timespec tick = { 0, 1000 * 1000 };

			pthread_kill(th[i].id, SIGUSR1);
			nanosleep(&tick, NULL);
		}
		pthread_join(th[i].id, NULL);
	}
	elapsed = now() - start;
	kill(traffic, SIGKILL);
	waitpid(traffic, NULL, 0);
	for (i = 0; i < g.nslots; i++)
		if (g.slots[i] >= 0)
			close(g.slots[i]);

	report(th, elapsed);
	if (g.violations) {
		printf("# %d violations (seed %llu)\n", g.violations,
		       (unsigned long long)g.seed);
		return 1;
	}
	return 0;
}
