// SPDX-License-Identifier: GPL-2.0
/*
 * A listener closed while its handshakes complete leaves nothing behind.
 *
 * The final ACK of a passive open is handled without the listener's lock:
 * tcp_v4_rcv() (tcp_v6_rcv()) checks that the listener is still in LISTEN,
 * then tcp_check_req() has the listener cloned into the child
 * (inet_csk_clone_lock()).  A close() on another CPU can take the listener
 * LISTEN -> CLOSE in between, releasing its port (inet_num 0).  The clone
 * then copies CLOSE, and its first change is reported as CLOSE -> SYN_RECV
 * with the listener's cookie and its emptied tuple ([::1]:0 to [::]:0),
 * before the child takes its request's ports and cookie.
 * inet_csk_complete_hashdance() then finds the listener closed and lets the
 * child go.  The module must make no entry of that change: soak.sh once
 * found one, a SYN-RECV that no socket had and none would close.
 *
 * The window is a few microseconds, so the test makes it often: one thread
 * on one CPU connects to the listener without a pause (on loopback each
 * connect() runs the whole handshake, the clone included, before it
 * returns), while another on a second CPU closes the listener a random
 * moment after the first connect.  The kernel's own tracepoint, in a trace
 * instance of the test's, counts the CLOSE -> SYN_RECV changes; the test
 * tries until it has seen MIN_HITS of them (or fails, saying it could not
 * make the race).  The tracepoint cannot be filtered by namespace: the
 * count is the host's, and nothing else may make listeners race meanwhile
 * (the runner runs one test at a time).  Then, every socket closed, the
 * module's counts must equal ss in the test's namespace, with nothing
 * corrected by the reconcile pass, no hook call missed and no connection
 * dropped (in RT mode, but for the pool's bound: ts_expect_no_loss()).
 * IPv4 and IPv6.  Needs 2 CPUs (SKIP below).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"
#include "tcpstate_matrix.h"

#define PORT		9410
#define MAX_CONNS	256	/* per try */
#define MIN_HITS	3
#define DELAY_MAX_NS	2000000
#define BUDGET_S	120	/* per family */
#define SETTLE_MS	10000
/* The harness's limit for each family: the tries, the settling, and room. */
#define TIMEOUT_S	(BUDGET_S + SETTLE_MS / 1000 + 30)
#define INSTANCE	"/sys/kernel/tracing/instances/tcpstate_listener_close"
#define EVENT		INSTANCE "/events/sock/inet_sock_set_state"

/* The kernel's TCP_CLOSE and TCP_SYN_RECV, as the tracepoint reports them. */
#define FILTER		"protocol == 6 && oldstate == 7 && newstate == 3"

/* The two CPUs the test runs on: the first two it may. */
static int cpus[2];

struct race {
	int lfd;
	long delay_ns;		/* from go to the close */
	atomic_int go, closed;
};

/* On the second CPU: spins until go, then for delay_ns, and closes the listener. */
static void *closer(void *arg)
{
	struct race *r = arg;
	long long end;

	if (ts_pin(0, cpus[1])) {
		close(r->lfd);
		return (void *)(long)errno;
	}
	while (!atomic_load(&r->go))
		;
	end = ts_now_ns() + r->delay_ns;
	while (ts_now_ns() < end)
		;
	close(r->lfd);
	atomic_store(&r->closed, 1);
	return NULL;
}

/* CLOSE -> SYN_RECV changes the instance has recorded; -1 when unreadable. */
static long hits(void)
{
	char line[512];
	FILE *f = fopen(INSTANCE "/trace", "r");
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += line[0] != '#';
	fclose(f);
	return n;
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * One try: connect until the listener is closed; 0, or -1 with errno if
 * something went wrong.  A nonblocking connect() returns once the whole
 * handshake has run on loopback, or its refusal: both are connections.
 */
static int one_try(int family, unsigned short port, long delay_ns)
{
	struct race r = { .delay_ns = delay_ns };
	int c[MAX_CONNS], n = 0, i, ret = 0, err;
	pthread_t t;
	void *res;

	r.lfd = ts_listen(family, port, MAX_CONNS);
	if (r.lfd < 0)
		return -1;
	err = pthread_create(&t, NULL, closer, &r);
	if (err) {
		close(r.lfd);
		errno = err;
		return -1;
	}
	atomic_store(&r.go, 1);
	while (n < MAX_CONNS && !atomic_load(&r.closed)) {
		c[n] = ts_connect(family, port, 1);
		if (c[n] < 0)
			break;	/* out of files or ports: the try ends early */
		n++;
	}
	err = pthread_join(t, &res);
	if (err || res) {
		errno = err ?: (int)(long)res;	/* the closer's pin failed */
		ret = -1;
	}
	for (i = 0; i < n; i++)
		abort_close(c[i]);
	return ret;
}

/* The instance, its buffer emptied (a run killed before its teardown left it). */
static int instance_setup(void)
{
	int fd;

	if (mkdir(INSTANCE, 0700) && errno != EEXIST)
		return -1;
	if (ts_write_file(EVENT "/enable", "0") ||
	    ts_write_file(EVENT "/filter", FILTER))
		return -1;
	fd = open(INSTANCE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return ts_write_file(EVENT "/enable", "1");
}

FIXTURE(race) {
	bool unset;
	int fd;
	int rt_mode;
};

FIXTURE_VARIANT(race) {
	int family;
};

FIXTURE_VARIANT_ADD(race, ipv4) { .family = AF_INET };
FIXTURE_VARIANT_ADD(race, ipv6) { .family = AF_INET6 };

FIXTURE_SETUP(race)
{
	int n;

	self->unset = true;
	self->fd = -1;
	n = ts_first_cpus(cpus, 2);
	ASSERT_LE(0, n) TH_LOG("sched_getaffinity: %s", strerror(errno));
	if (n < 2)
		SKIP(return, "the race needs 2 CPUs to run on");
	self->unset = false;
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
	self->rt_mode = ts_rt_mode();
	ASSERT_LE(0, self->rt_mode) TH_LOG("the module's rt_mode: %s", strerror(errno));
	ASSERT_EQ(0, instance_setup())
		TH_LOG("trace instance %s: %s", INSTANCE, strerror(errno));
	ASSERT_EQ(0, ts_pin(0, cpus[0])) TH_LOG("CPU %d: %s", cpus[0], strerror(errno));
}

FIXTURE_TEARDOWN(race)
{
	if (self->unset)	/* skipped */
		return;
	if (self->fd >= 0)
		close(self->fd);
	ts_write_file(EVENT "/enable", "0");
	rmdir(INSTANCE);
}

TEST_F_TIMEOUT(race, closed_listener_clone_leaves_no_entry, TIMEOUT_S)
{
	struct tcpstate_stats st0, st;
	struct ts_ss_view v;
	unsigned int tries = 0, seed = 1;
	long seen = 0;
	int waited;
	time_t end;

	if (self->unset)	/* skipped */
		return;
	ASSERT_EQ(0, ts_stats(self->fd, &st0));
	end = time(NULL) + BUDGET_S;

	while (seen < MIN_HITS && time(NULL) < end) {
		/* A port a try: the last one's resets are still on their way. */
		ASSERT_EQ(0, one_try(variant->family, PORT + tries % 64,
				     rand_r(&seed) % DELAY_MAX_NS))
			TH_LOG("try %u: %s", tries, strerror(errno));
		tries++;
		seen = hits();
		ASSERT_LE(0, seen) TH_LOG("%s/trace: %s", INSTANCE, strerror(errno));
	}
	TH_LOG("%ld CLOSE -> SYN_RECV changes in %u tries", seen, tries);
	ASSERT_LE(MIN_HITS, seen)
		TH_LOG("the race was made %ld times in %d s, not %d: this test proves nothing here",
		       seen, BUDGET_S, MIN_HITS);

	/* Resets still in flight: wait for the gauges to meet ss, then compare all. */
	for (waited = 0; ; waited += 100) {
		ASSERT_EQ(0, ts_ss_read(&v, 0, 0));
		ASSERT_EQ(0, ts_stats(self->fd, &st));
		if (!memcmp(st.gauge, v.n, sizeof(v.n)) || waited >= SETTLE_MS)
			break;
		ts_sleep_ms(100);
	}
	ASSERT_EQ(0, ts_ss_read(&v, 0, 0));	/* ss first, then the module */
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	ts_expect_no_reconcile(_metadata, &st);
	ts_expect_no_loss(_metadata, &st0, &st, self->rt_mode);
}

TEST_HARNESS_MAIN
