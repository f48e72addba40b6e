// SPDX-License-Identifier: GPL-2.0
/*
 * A hand-off to a timewait socket in process context, then the same socket
 * connected again: it keeps its cookie, so a hand-off slot left behind on
 * a CPU (hooks_timewait.c) would make the module skip its next real
 * FIN_WAIT2 -> CLOSE there and keep a FIN-WAIT-2 entry ss does not show.
 *
 * tcp_time_wait() runs in process context when the peer's FIN waits in
 * the socket's backlog and release_sock() processes it.  Here the client's
 * recv() owns its socket while the FIN arrives: it copies the byte the
 * server sent into a page that userfaultfd leaves missing, so it sleeps in
 * that copy with the socket owned.  A helper thread, on another CPU, sees
 * the fault, closes the server's socket and waits until ss -m shows its
 * FIN in the client's backlog, then fills the page: the recv() ends, and
 * its release_sock() hands the connection to a timewait socket in the
 * test's own task.  The module holds that hand-off (debug_handoff_hold_port,
 * testing only) until the helper ends the hold (writing 0 there; at most
 * HOLD_MS), and says in the kernel log on which CPU and in which context
 * it held it and for how long.  Nothing depends on timing: each step waits
 * for the one before, and a hold that was not ended by the helper fails.
 *
 *  - migrated: while the hand-off is held on CPU A, a thread of the helper
 *    asks to move the task to CPU B (sched_setaffinity()); the hold ends
 *    once /proc shows that request waiting.  The kernel's preemption mode
 *    is full for the test (debugfs), so the task moves at the first
 *    preemption point after the hook, before tcp_done(): the full
 *    socket's close runs on B.  A slot written on A in process context
 *    would stay there.
 *  - pinned: the task stays on A throughout.
 *  - dropped: the hand-off in a softirq instead (the test's close() of the
 *    server's socket sends the FIN, and its softirq on CPU A delivers it);
 *    while it is held, the helper sets debug_miss_every to 1, ends the
 *    hold, and sets it back to 0 once the client's socket is CLOSE: the
 *    state probe's call for that close, which follows the hand-off, was
 *    dropped (it is made before the state is stored).  A slot the hand-off
 *    filled must not survive that dropped call.  Other calls dropped
 *    meanwhile (the server's LAST-ACK -> CLOSE) are repaired by the
 *    reconcile pass, before the reconnect.
 *
 * Then, on CPU A again, the client's fd connects again from its bound port
 * to the listener, taking over its own TIME-WAIT (a bound connect() may),
 * with the same cookie; it is half-closed to FIN-WAIT-2, and the server
 * resets it (SO_LINGER 0): a real FIN_WAIT2 -> CLOSE on CPU A, with the fd
 * open.  Once ss no longer shows it, the module must hold no entry of it
 * within GRACE_MS; its counts and snapshot must equal `ss -tan` state by
 * state, the transition matrix must be the scenario's, cell for cell, and
 * the reconcile pass must have corrected nothing (dropped: nothing after
 * the reconnect, the matrix not checked).  IPv4 and IPv6 migrated, IPv4
 * pinned and dropped.  Needs 2 CPUs, userfaultfd, the module's test hold
 * and, for the migrated cases, the preemption mode in debugfs (SKIP
 * without).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"
#include "tcpstate_matrix.h"

#define PORT 9451
#define CPORT 9452
#define HOLD_MS 5000	/* the longest hold: the helper ends it sooner */
#define WAIT_MS 3000
#define GRACE_MS 500

#define PARAM TS_PARAM_DIR
#define PREEMPT "/sys/kernel/debug/sched/preempt"

/* What the helper thread does and saw. */
struct helper {
	pthread_t thread;
	int uffd, kmsg, sfd;	/* sfd: the server's socket, closed by the helper */
	int cfd;		/* the client's socket */
	char *page;
	size_t pagesz;
	pid_t tid;		/* the test's task, which the helper moves */
	int cpu_b;
	int mode;
	int ready;		/* set once the helper runs on cpu_b */
	char holding[512];	/* the module's "holding" line */
	long affinity_ms;	/* how long sched_setaffinity() waited */
	char why[256];		/* what failed, empty when nothing did */
};

FIXTURE(handoff) {
	int fd, kmsg, lfd, cfd;
	int cpu_a, cpu_b;
	char preempt[32];	/* the preemption mode to put back */
	char hold_ms[32];	/* debug_handoff_hold_ms to put back */
	struct helper h;
	__u64 cookie;
	/*
	 * Set until the setup is done: 6.1's harness runs the test after a
	 * SKIP in the setup (later ones do not), which then returns first.
	 */
	bool unset;
};

/* Where the hand-off runs: see the top of the file. */
enum { MIGRATED, PINNED, DROPPED };

FIXTURE_VARIANT(handoff) {
	int family;
	int mode;
};

FIXTURE_VARIANT_ADD(handoff, ipv4_migrated) {
	.family = AF_INET,
	.mode = MIGRATED,
};

FIXTURE_VARIANT_ADD(handoff, ipv6_migrated) {
	.family = AF_INET6,
	.mode = MIGRATED,
};

FIXTURE_VARIANT_ADD(handoff, ipv4_pinned) {
	.family = AF_INET,
	.mode = PINNED,
};

FIXTURE_VARIANT_ADD(handoff, ipv4_dropped) {
	.family = AF_INET,
	.mode = DROPPED,
};

/* The mode in parentheses of debugfs's "none (voluntary) full". */
static int preempt_mode(char *mode, size_t size)
{
	char buf[128], *open, *close;
	FILE *f = fopen(PREEMPT, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	open = strchr(buf, '(');
	close = open ? strchr(open, ')') : NULL;
	if (!close || (size_t)(close - open) > size)
		return -1;
	*close = '\0';
	snprintf(mode, size, "%s", open + 1);
	return 0;
}

/*
 * A kernel built fully preemptible, PREEMPT_RT's included, has no mode
 * to choose in debugfs: uname -v says "PREEMPT" or "PREEMPT_RT" there,
 * "PREEMPT_DYNAMIC" where the mode is a choice.
 */
static bool fully_preemptible(void)
{
	struct utsname u;

	if (uname(&u))
		return false;
	return strstr(u.version, " PREEMPT_RT ") || strstr(u.version, " PREEMPT ");
}

/* Wait up to @ms for a kernel log line containing @what; copy its text out. */
static bool kmsg_wait(int fd, const char *what, int ms, char *line, size_t size)
{
	char buf[2048];
	ssize_t n;

	for (; ms > 0; ms -= 20) {
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
			const char *text;

			if (n <= 0)
				continue;	/* EPIPE: overwritten records, go on */
			buf[n] = '\0';
			if (!strstr(buf, what))
				continue;
			text = strchr(buf, ';');
			text = text ? text + 1 : buf;
			snprintf(line, size, "%.*s", (int)strcspn(text, "\n"), text);
			return true;
		}
		ts_sleep_ms(20);
	}
	return false;
}

/* End the module's hold: the hand-off goes on. */
static int release_hold(struct helper *h)
{
	if (!ts_write_file(PARAM "debug_handoff_hold_port", "0"))
		return 0;
	snprintf(h->why, sizeof(h->why), "end the hold: %s", strerror(errno));
	return -1;
}

/* The TCP state of socket @fd, or -1. */
static int tcp_state(int fd)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

/*
 * Dropped: every hook call is dropped from the hold on until the client's
 * socket is CLOSE: the state probe's call for that close, which follows
 * the hand-off, was made before the state was stored.
 */
static void *drop_after_hold(struct helper *h)
{
	long long deadline;
	int state;

	if (!kmsg_wait(h->kmsg, "timewait hook: holding the hand-off", 5000, h->holding,
		       sizeof(h->holding))) {
		snprintf(h->why, sizeof(h->why), "the module never said it held the hand-off");
		return NULL;
	}
	if (ts_write_file(PARAM "debug_miss_every", "1")) {
		snprintf(h->why, sizeof(h->why), "debug_miss_every=1: %s", strerror(errno));
		release_hold(h);
		return NULL;
	}
	if (release_hold(h))
		return NULL;
	deadline = ts_now_ns() / 1000000 + 10000;
	while ((state = tcp_state(h->cfd)) != TCP_CLOSE && state >= 0 &&
	       ts_now_ns() / 1000000 < deadline)
		ts_sleep_ms(1);
	if (state != TCP_CLOSE)
		snprintf(h->why, sizeof(h->why),
			 "the client is in state %d, not CLOSE, 10 s after the hold", state);
	if (ts_write_file(PARAM "debug_miss_every", "0"))
		snprintf(h->why, sizeof(h->why), "debug_miss_every=0: %s", strerror(errno));
	return NULL;
}

/* Migrated: moves the test's task to the other CPU. */
struct mover {
	pthread_t thread;
	pid_t tid, target;
	int cpu, err;
	long ms;		/* how long sched_setaffinity() waited */
};

static void *mover_run(void *arg)
{
	struct mover *m = arg;
	long long t0;

	__atomic_store_n(&m->tid, gettid(), __ATOMIC_RELEASE);
	t0 = ts_now_ns() / 1000000;
	m->err = ts_pin(m->target, m->cpu) ? errno : 0;
	m->ms = ts_now_ns() / 1000000 - t0;
	return NULL;
}

/* Whether thread @tid is blocked in sched_setaffinity(). */
static bool in_setaffinity(pid_t tid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return atol(buf) == SYS_sched_setaffinity && buf[0] != 'r';
}

/*
 * Migrated: while the task holds the hand-off (preemption off), a thread
 * asks for it to move to CPU B, and the hold ends only once that request
 * waits for it: the task moves at its first preemption point after the
 * hook, before tcp_done().
 */
static void move_during_hold(struct helper *h)
{
	struct mover m = { .target = h->tid, .cpu = h->cpu_b };
	long long deadline = ts_now_ns() / 1000000 + 4000;
	bool waiting = false;

	if (pthread_create(&m.thread, NULL, mover_run, &m)) {
		snprintf(h->why, sizeof(h->why), "start the mover: %s", strerror(errno));
		release_hold(h);
		return;
	}
	while (!waiting && ts_now_ns() / 1000000 < deadline) {
		pid_t tid = __atomic_load_n(&m.tid, __ATOMIC_ACQUIRE);

		waiting = tid && in_setaffinity(tid);
		if (!waiting)
			ts_sleep_ms(1);
	}
	if (!waiting)
		snprintf(h->why, sizeof(h->why),
			 "sched_setaffinity() did not wait for the hold in 4 s");
	release_hold(h);
	pthread_join(m.thread, NULL);
	if (m.err && !h->why[0])
		snprintf(h->why, sizeof(h->why), "move the test to CPU %d: %s", h->cpu_b,
			 strerror(m.err));
	h->affinity_ms = m.ms;
}

/*
 * Wait up to 5 s for a segment in the backlog of the socket of local port
 * @port (ss -m: skmem's bl, the bytes waiting for its owner).
 */
static bool backlog_wait(unsigned short port)
{
	char cmd[128], line[512];
	const char *bl;
	bool found = false;
	int waited;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ss -tmnH state fin-wait-2 'sport = :%u'", port);
	for (waited = 0; waited < 5000 && !found; waited += 10) {
		f = popen(cmd, "r");
		if (!f)
			return false;
		while (fgets(line, sizeof(line), f)) {
			bl = strstr(line, ",bl");
			if (bl && atol(bl + 3) > 0)
				found = true;
		}
		pclose(f);
		if (!found)
			ts_sleep_ms(10);
	}
	return found;
}

static void *helper_run(void *arg)
{
	struct helper *h = arg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	struct uffdio_copy copy = { 0 };
	struct uffd_msg msg;
	char *src;

	if (ts_pin(0, h->cpu_b)) {
		snprintf(h->why, sizeof(h->why), "pin the helper to CPU %d: %s", h->cpu_b,
			 strerror(errno));
		return NULL;
	}
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	if (h->mode == DROPPED)
		return drop_after_hold(h);
	/* The client's recv() faults with its socket owned. */
	if (poll(&pfd, 1, 10000) != 1 || read(h->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		snprintf(h->why, sizeof(h->why), "no page fault of the client's recv() in 10 s: %s",
			 strerror(errno));
		return NULL;
	}
	/* The server's FIN, to the backlog of the owned socket. */
	close(h->sfd);
	if (!backlog_wait(CPORT)) {
		snprintf(h->why, sizeof(h->why),
			 "the server's FIN did not reach the client's backlog in 5 s");
		return NULL;
	}
	src = calloc(1, h->pagesz);
	if (!src) {
		snprintf(h->why, sizeof(h->why), "no memory");
		return NULL;
	}
	copy.dst = (unsigned long)h->page;
	copy.src = (unsigned long)src;
	copy.len = h->pagesz;
	if (ioctl(h->uffd, UFFDIO_COPY, &copy)) {
		snprintf(h->why, sizeof(h->why), "UFFDIO_COPY: %s", strerror(errno));
		free(src);
		return NULL;
	}
	free(src);
	/* The recv() goes on: release_sock() hands the connection off. */
	if (!kmsg_wait(h->kmsg, "timewait hook: holding the hand-off", 5000, h->holding,
		       sizeof(h->holding))) {
		snprintf(h->why, sizeof(h->why), "the module never said it held the hand-off");
		return NULL;
	}
	if (h->mode == MIGRATED)
		move_during_hold(h);
	else
		release_hold(h);
	return NULL;
}

FIXTURE_SETUP(handoff)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	char value[32];
	int two[2], n;

	self->unset = true;
	self->fd = -1;
	self->kmsg = -1;
	self->lfd = -1;
	self->cfd = -1;
	self->h.uffd = -1;
	self->h.kmsg = -1;
	self->h.sfd = -1;
	self->preempt[0] = '\0';
	self->hold_ms[0] = '\0';
	n = ts_first_cpus(two, 2);
	ASSERT_LE(0, n) TH_LOG("sched_getaffinity: %s", strerror(errno));
	if (n < 2)
		SKIP(return, "needs 2 CPUs: the hand-off must move between two");
	self->cpu_a = two[0];
	self->cpu_b = two[1];
	if (access(PARAM "debug_handoff_hold_port", W_OK))
		SKIP(return, "the module has no debug_handoff_hold_port");
	self->h.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (self->h.uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	if (variant->mode == MIGRATED && !fully_preemptible()) {
		if (preempt_mode(self->preempt, sizeof(self->preempt)))
			SKIP(return, "no preemption mode to set in %s", PREEMPT);
		ASSERT_EQ(0, ts_write_file(PREEMPT, "full"))
			TH_LOG("write full to %s: %s", PREEMPT, strerror(errno));
		ASSERT_EQ(0, preempt_mode(value, sizeof(value)));
		ASSERT_STREQ("full", value);
	}
	ASSERT_EQ(0, ioctl(self->h.uffd, UFFDIO_API, &api))
		TH_LOG("UFFDIO_API: %s", strerror(errno));
	self->h.pagesz = sysconf(_SC_PAGESIZE);
	self->h.page = mmap(NULL, self->h.pagesz, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->h.page);
	reg.range.start = (unsigned long)self->h.page;
	reg.range.len = self->h.pagesz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(self->h.uffd, UFFDIO_REGISTER, &reg))
		TH_LOG("UFFDIO_REGISTER: %s", strerror(errno));

	ASSERT_EQ(0, ts_pin(0, self->cpu_a))
		TH_LOG("pin to CPU %d: %s", self->cpu_a, strerror(errno));
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	self->h.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, self->h.kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	lseek(self->kmsg, 0, SEEK_END);
	lseek(self->h.kmsg, 0, SEEK_END);
	ASSERT_EQ(0, ts_param_read("debug_handoff_hold_ms", self->hold_ms, sizeof(self->hold_ms)));
	snprintf(value, sizeof(value), "%d", HOLD_MS);
	ASSERT_EQ(0, ts_write_file(PARAM "debug_handoff_hold_ms", value));
	self->unset = false;
}

FIXTURE_TEARDOWN(handoff)
{
	ts_write_file(PARAM "debug_handoff_hold_port", "0");
	ts_write_file(PARAM "debug_miss_every", "0");
	if (self->hold_ms[0])
		ts_write_file(PARAM "debug_handoff_hold_ms", self->hold_ms);
	if (self->preempt[0] && ts_write_file(PREEMPT, self->preempt))
		TH_LOG("could not set the preemption mode back to %s", self->preempt);
	if (self->h.uffd >= 0)
		close(self->h.uffd);
	if (self->h.kmsg >= 0)
		close(self->h.kmsg);
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* Wait until ss shows the client (CPORT -> PORT) in @state; the view in @v. */
static int ss_wait(struct ts_ss_view *v, int state)
{
	int waited;

	for (waited = 0; waited < WAIT_MS; waited += 20) {
		if (ts_ss_read(v, CPORT, PORT))
			return -1;
		if (v->state == state)
			return state;
		ts_sleep_ms(20);
	}
	return v->state;
}

/* The client's one entry in the module is @state, with its cookie and ports. */
static void expect_entry(struct __test_metadata *_metadata, int fd, __u64 cookie,
			 int family, int state, const char *when)
{
	struct tcpstate_conn e = { 0 };
	int n;

	EXPECT_EQ(state, ts_wait_state(fd, cookie, state, WAIT_MS))
		TH_LOG("%s: the client's entry is not %s", when, state_ss_name(state));
	n = ts_entries_of(fd, cookie, family, CPORT, PORT, &e);
	EXPECT_EQ(1, n) TH_LOG("%s: %d entries with the client's cookie or ports", when, n);
	EXPECT_EQ(cookie, e.cookie);
	EXPECT_EQ(CPORT, e.sport);
	EXPECT_EQ(PORT, e.dport);
	EXPECT_EQ(state, e.state);
}

/* @line says "on CPU @cpu in @context". */
static bool held_on(const char *line, int cpu, const char *context)
{
	char want[64];

	snprintf(want, sizeof(want), "on CPU %d in %s", cpu, context);
	return strstr(line, want);
}

/*
 * Dropped: wait until the reconcile pass has repaired what was dropped
 * with the close: the listener and the timewait socket are the
 * namespace's entries, and its reconcile counters stand still.  Returns
 * the corrections so far, or -1.
 */
static long long settled(struct __test_metadata *_metadata, int fd)
{
	long long last = -1, now;
	struct tcpstate_stats st;
	int waited, still = 0;

	for (waited = 0; waited < 30000; waited += 100) {
		if (ts_stats(fd, &st))
			return -1;
		now = st.reconcile_added + st.reconcile_removed + st.reconcile_fixed;
		still = now == last && st.entries == 2 && st.timewait_socks == 1 ? still + 1 : 0;
		if (still == 20)	/* 2 s */
			return now;
		last = now;
		ts_sleep_ms(100);
	}
	TH_LOG("still moving after 30 s: %llu entries, %llu timewait, corrections %lld",
	       (unsigned long long)st.entries, (unsigned long long)st.timewait_socks, last);
	return -1;
}

/* The hold, and in the dropped case the reconcile pass, take their time. */
TEST_F_TIMEOUT(handoff, reconnected_socket_closes_after_its_hand_off, 90)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 },						/* listen() */
		{ CL, SS, 2 }, { SS, ES, 2 }, { LI, SR, 2 }, { SR, ES, 2 },	/* two opens */
		{ ES, F1, 2 }, { F1, F2, 2 }, { ES, CW, 2 },		/* two half-closes */
		{ CW, LA, 1 }, { F2, TW, 1 }, { LA, CL, 1 },		/* the hand-off */
		{ TW, CL, 1 },						/* reused */
		{ F2, CL, 1 }, { CW, CL, 1 },				/* the reset */
	};
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	struct tcpstate_conn e = { 0 };
	struct tcpstate_stats st;
	struct ts_ss_view v;
	char port[16], held[512] = "";
	int sfd, n, waited, soerr = -1, cpu;
	long long fixed = 0;
	long held_ms;
	__u64 dropped;
	struct tcp_info ti = { 0 };
	socklen_t len;
	char ch;

	if (self->unset)	/* skipped */
		return;
	self->lfd = ts_listen(variant->family, PORT, 8);
	ASSERT_LE(0, self->lfd) TH_LOG("listen on %d: %s", PORT, strerror(errno));
	self->cfd = ts_bound_connect(variant->family, CPORT, PORT);
	ASSERT_LE(0, self->cfd) TH_LOG("connect from %d: %s", CPORT, strerror(errno));
	sfd = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, sfd);
	self->cookie = ts_sock_cookie(self->cfd);
	ASSERT_NE(0, self->cookie);
	expect_entry(_metadata, self->fd, self->cookie, variant->family, ES, "open");

	/* A byte for the recv(), and the client in FIN-WAIT-2. */
	ASSERT_EQ(1, write(sfd, "x", 1));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, read(sfd, &ch, 1)) TH_LOG("the server read no EOF");
	ASSERT_EQ(F2, ss_wait(&v, F2)) TH_LOG("ss shows the client in %s, not FIN-WAIT-2",
					      ts_state_name(v.state, "no socket"));
	expect_entry(_metadata, self->fd, self->cookie, variant->family, F2, "half-closed");

	/* The hand-off, in this task, held on CPU A. */
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	dropped = st.misses[TCPSTATE_MISS_STATE];	/* module-wide, since load */
	snprintf(port, sizeof(port), "%d", CPORT);
	ASSERT_EQ(0, ts_write_file(PARAM "debug_handoff_hold_port", port));
	self->h.sfd = sfd;
	self->h.cfd = self->cfd;
	self->h.tid = gettid();
	self->h.cpu_b = self->cpu_b;
	self->h.mode = variant->mode;
	ASSERT_EQ(0, pthread_create(&self->h.thread, NULL, helper_run, &self->h));
	/*
	 * The helper starts on this CPU: it must be on the other before the
	 * hold keeps this one busy.
	 */
	for (waited = 0; !__atomic_load_n(&self->h.ready, __ATOMIC_ACQUIRE) && waited < 5000;
	     waited++)
		ts_sleep_ms(1);
	if (variant->mode == DROPPED) {
		/* The FIN, delivered by this close()'s softirq on CPU A. */
		n = close(sfd) ? -1 : 1;
	} else {
		n = recv(self->cfd, self->h.page, 1, 0);
	}
	ASSERT_EQ(0, pthread_join(self->h.thread, NULL));
	ASSERT_EQ(0, ts_write_file(PARAM "debug_handoff_hold_port", "0"));
	ASSERT_STREQ("", self->h.why);
	ASSERT_EQ(1, n) TH_LOG("recv or close: %s", n < 0 ? strerror(errno) : "no byte");
	/* (Not read when untouched: it would fault for good.) */
	if (variant->mode != DROPPED)
		ASSERT_EQ('x', self->h.page[0]);
	EXPECT_TRUE(kmsg_wait(self->kmsg, "timewait hook: held it", 2000, held, sizeof(held)))
		TH_LOG("the module never said it ended the hold");
	TH_LOG("%s; %s", self->h.holding, held);
	/* Ended by the helper's release, so it did its part during the hold. */
	held_ms = strstr(held, "held it ") ? atol(strstr(held, "held it ") + 8) : HOLD_MS;
	ASSERT_GT(HOLD_MS, held_ms) TH_LOG("the hold was not ended by the helper: %s", held);
	ASSERT_TRUE(held_on(self->h.holding, self->cpu_a,
			    variant->mode == DROPPED ? "a softirq" : "task context"))
		TH_LOG("expected the hand-off on CPU %d in %s, saw: %s", self->cpu_a,
		       variant->mode == DROPPED ? "a softirq" : "task context", self->h.holding);
	cpu = sched_getcpu();
	if (variant->mode == DROPPED) {
		ASSERT_EQ(0, ts_stats(self->fd, &st));
		dropped = st.misses[TCPSTATE_MISS_STATE] - dropped;
		ASSERT_LE(1, dropped) TH_LOG("no call of the state probe was dropped");
		fixed = settled(_metadata, self->fd);
		ASSERT_LE(0, fixed);
		TH_LOG("%llu state probe calls dropped; %lld reconcile corrections before",
		       (unsigned long long)dropped, fixed);
	}
	if (variant->mode == MIGRATED) {
		ASSERT_EQ(self->cpu_b, cpu) TH_LOG("the test was not moved to CPU %d", self->cpu_b);
		TH_LOG("sched_setaffinity() waited %ld ms for the hold", self->h.affinity_ms);
		ASSERT_EQ(0, ts_pin(0, self->cpu_a));
		cpu = sched_getcpu();
	}
	ASSERT_EQ(self->cpu_a, cpu) TH_LOG("the test is on CPU %d, not %d", cpu, self->cpu_a);

	/* The timewait socket holds the connection, under the same cookie. */
	ASSERT_EQ(TW, ss_wait(&v, TW)) TH_LOG("ss shows the client in %s, not TIME-WAIT",
					      ts_state_name(v.state, "no socket"));
	EXPECT_EQ(self->cookie, v.cookie);
	expect_entry(_metadata, self->fd, self->cookie, variant->family, TW, "handed off");

	/* Connected again from its port: its TIME-WAIT is taken over. */
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&ss, sizeof(ss.ss_family)))
		TH_LOG("connect(AF_UNSPEC): %s", strerror(errno));
	len = ts_addr(variant->family, PORT, &ss);
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&ss, len))
		TH_LOG("connect again from %d: %s", CPORT, strerror(errno));
	sfd = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(self->cookie, ts_sock_cookie(self->cfd));
	expect_entry(_metadata, self->fd, self->cookie, variant->family, ES, "connected again");

	/* FIN-WAIT-2 again, then the server's reset: a real close, on CPU A. */
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, read(sfd, &ch, 1)) TH_LOG("the server read no EOF");
	ASSERT_EQ(F2, ss_wait(&v, F2)) TH_LOG("ss shows the client in %s, not FIN-WAIT-2",
					      ts_state_name(v.state, "no socket"));
	EXPECT_EQ(self->cookie, v.cookie);
	expect_entry(_metadata, self->fd, self->cookie, variant->family, F2,
		     "half-closed again");
	ASSERT_EQ(0, setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(sfd);

	/* ss shows the listener alone, and the module holds nothing else. */
	ASSERT_EQ(0, ss_wait(&v, 0)) TH_LOG("ss still shows the client in %s",
					    ts_state_name(v.state, "no socket"));
	for (waited = 0; waited <= GRACE_MS; waited += 10) {
		n = ts_entries_of(self->fd, self->cookie, variant->family, CPORT, PORT, &e);
		if (n == 0)
			break;
		ts_sleep_ms(10);
	}
	EXPECT_EQ(0, n)
		TH_LOG("no socket in ss, %d entries %d ms later: 0x%llx %u -> %u %s flags 0x%x",
		       n, GRACE_MS, (unsigned long long)e.cookie, e.sport, e.dport,
		       ts_state_name(e.state, "no socket"), e.flags);
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(self->cfd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TCP_CLOSE, ti.tcpi_state);
	len = sizeof(soerr);
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_ERROR, &soerr, &len));
	EXPECT_EQ(ECONNRESET, soerr) TH_LOG("SO_ERROR %d (%s)", soerr, strerror(soerr));

	ASSERT_EQ(0, ts_ss_read(&v, 0, 0));
	EXPECT_EQ(1, v.n[LI]);
	if (variant->mode != DROPPED)
		EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	EXPECT_EQ(1, st.entries)
		TH_LOG("the module holds %llu entries, expected the listener's alone",
		       (unsigned long long)st.entries);
	EXPECT_EQ(0, st.timewait_socks);
	EXPECT_EQ(1, st.tw_exits[TCPSTATE_TW_EXIT_REUSED])
		TH_LOG("timewait sockets taken over by connect(): %llu",
		       (unsigned long long)st.tw_exits[TCPSTATE_TW_EXIT_REUSED]);
	if (variant->mode != DROPPED) {
		ts_expect_no_reconcile(_metadata, &st);
		return;
	}
	EXPECT_EQ(fixed, (long long)(st.reconcile_added + st.reconcile_removed +
				     st.reconcile_fixed))
		TH_LOG("the reconcile pass corrected something after the reconnect");
}

TEST_HARNESS_MAIN
