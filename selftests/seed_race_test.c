// SPDX-License-Identifier: GPL-2.0
/*
 * The seed walk against the hooks, at load: a socket that changes while
 * the walk holds it leaves the table equal to `ss`, IPv4 and IPv6.
 *
 * The module is loaded with debug_seed_hold_port (testing only): the walk
 * holds the first timewait or request socket of that local port it meets
 * for 2 s, after its first look at it and before making its cookie and
 * entry, with the kernel's hash bucket locked, and says so in the kernel
 * log.  Meanwhile, on another CPU:
 *
 *  - a timewait socket is killed by a new SYN from its peer's port: the
 *    timer is deleted and the kill hook runs (finding no entry yet), then
 *    the kill waits for the bucket the walk holds.  The walk must not
 *    insert the dead socket's entry (it re-reads the timer).  From 6.11
 *    on the kill waits for the bucket first, and then removes the entry
 *    the walk made: the counts are checked all the same.
 *  - a request from before the load is promoted by its first data (the
 *    listener has TCP_DEFER_ACCEPT): its child is cloned with no cookie,
 *    then waits for the bucket; the walk makes the request's cookie and
 *    mirrors it, then the child replaces it.  The child must take the
 *    request's entry (the promote hook gives it the request's cookie), or
 *    the request's entry stays beside the child's.
 *
 * Either way the module's gauges and snapshot must equal ss after the
 * load, state by state, in the test's namespace, with no correction by
 * the reconcile pass.  Each case reloads the module, and reloads it
 * plainly at the end.  Needs 2 CPUs (SKIP below).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"
#include "tcpstate_matrix.h"

#define PORT 9347
#define HOLD_MS 2000

/* The module to load, its insmod in the background, the kernel log. */
struct load {
	int kmsg;
	pid_t insmod;
	char ko[4096];
};

FIXTURE(seed) {
	struct load load;
	/*
	 * Set until the setup is done: 6.1's harness runs the test after a
	 * SKIP in the setup (later ones do not), which then returns first.
	 */
	bool unset;
};

FIXTURE_VARIANT(seed) {
	int family;
};

FIXTURE_VARIANT_ADD(seed, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(seed, ipv6) {
	.family = AF_INET6,
};

static int run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

FIXTURE_SETUP(seed)
{
	const char *ko = getenv("TCPSTATE_KO");

	self->unset = true;
	self->load.kmsg = -1;
	self->load.insmod = -1;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: the socket must change while the walk holds another");
	if (!ko || access(ko, R_OK))
		SKIP(return, "TCPSTATE_KO names no module file (run through run-selftests.sh)");
	snprintf(self->load.ko, sizeof(self->load.ko), "%s", ko);
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->load.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->load.kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	lseek(self->load.kmsg, 0, SEEK_END);
	/* Nothing of the module may see the sockets before the load. */
	run("rmmod tcpstate 2>/dev/null");
	self->unset = false;
}

FIXTURE_TEARDOWN(seed)
{
	char cmd[4200];

	if (self->load.insmod > 0)
		waitpid(self->load.insmod, NULL, 0);
	if (self->load.kmsg >= 0)
		close(self->load.kmsg);
	if (!self->load.ko[0])
		return;
	snprintf(cmd, sizeof(cmd), "rmmod tcpstate 2>/dev/null; insmod '%s'", self->load.ko);
	if (run(cmd))
		TH_LOG("could not load %s again", self->load.ko);
}

/* Load the module in the background with the walk holding port PORT. */
static pid_t insmod_holding(const char *ko)
{
	char port[64], ms[64];
	pid_t pid;

	snprintf(port, sizeof(port), "debug_seed_hold_port=%u", PORT);
	snprintf(ms, sizeof(ms), "debug_seed_hold_ms=%u", HOLD_MS);
	pid = fork();
	if (pid == 0) {
		execlp("insmod", "insmod", ko, port, ms, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait up to @ms for a kernel log line containing @what; copy it out. */
static bool kmsg_wait(int fd, const char *what, int ms, char *line, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[2048];
	size_t len;
	ssize_t n;

	for (; ms > 0; ms -= 50) {
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
			if (n <= 0)
				continue;	/* EPIPE: overwritten records, go on */
			buf[n] = '\0';
			if (strstr(buf, what)) {
				const char *text = strchr(buf, ';');

				text = text ? text + 1 : buf;
				len = strcspn(text, "\n");
				if (len >= size)
					len = size - 1;
				memcpy(line, text, len);
				line[len] = '\0';
				return true;
			}
		}
		poll(&pfd, 1, 50);
	}
	return false;
}

static int insmod_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The race of both cases: load the module with the walk holding port PORT,
 * see it hold a socket of @kind ("timewait", "request"), have @trigger
 * change that socket meanwhile from a CPU other than the walk's, wait for
 * the load, and copy the walk's "held it" line, which says what it found,
 * into @line.
 */
static void hold_during(struct __test_metadata *_metadata,
			struct load *load, const char *kind,
			void (*trigger)(struct __test_metadata *_metadata, void *arg),
			void *arg, char *line, size_t size)
{
	unsigned int held_ms;
	cpu_set_t all, others;
	const char *on;
	int n, cpu, walk_cpu;

	load->insmod = insmod_holding(load->ko);
	ASSERT_LT(0, load->insmod);
	ASSERT_TRUE(kmsg_wait(load->kmsg, "seed walk: holding", 30000, line, size))
		TH_LOG("the seed walk never held a socket of port %u", PORT);
	EXPECT_NE(NULL, strstr(line, kind)) TH_LOG("held the wrong socket: %s", line);
	/*
	 * The change comes from another CPU than the walk's.  On PREEMPT_RT
	 * this task can run on the walk's CPU, but its first
	 * local_bh_disable() there (connect()'s lock_sock(), or write()'s)
	 * waits for the walk's spin_lock_bh() until after the hold: a race
	 * the test did not make (6.1-rt: "the TIME-WAIT was not killed while
	 * the walk held it").
	 */
	on = strstr(line, " on CPU ");
	ASSERT_NE(NULL, on) TH_LOG("no CPU in: %s", line);
	n = sscanf(on, " on CPU %d", &walk_cpu);
	ASSERT_EQ(1, n) TH_LOG("no CPU in: %s", line);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	CPU_ZERO(&others);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu != walk_cpu && CPU_ISSET(cpu, &all))
			CPU_SET(cpu, &others);
	ASSERT_LT(0, CPU_COUNT(&others)) TH_LOG("no CPU but the walk's (%d) to run on", walk_cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(others), &others))
		TH_LOG("leave CPU %d: %s", walk_cpu, strerror(errno));
	trigger(_metadata, arg);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	ASSERT_EQ(0, insmod_status(load->insmod)) TH_LOG("insmod failed");
	load->insmod = -1;
	ASSERT_TRUE(kmsg_wait(load->kmsg, "seed walk: held it", 1000, line, size));
	n = sscanf(strstr(line, "held it"), "held it %u ms", &held_ms);
	ASSERT_EQ(1, n) TH_LOG("no hold time in: %s", line);
	ASSERT_LE(HOLD_MS, held_ms) TH_LOG("the walk held the socket %u ms, not %u: %s",
					   held_ms, HOLD_MS, line);
}

/*
 * The module's counts in this namespace equal what ss shows, and no
 * reconcile pass corrected them: the pass a second after the load, at its
 * confirmation a second later, removes an entry the walk should not have
 * made, and a look after it would see the counts equal.  Counts first,
 * corrections after: an entry gone in between is counted as removed.
 */
static void expect_counts_equal_ss(struct __test_metadata *_metadata)
{
	struct tcpstate_stats st;
	struct ts_ss_view v;
	int fd;

	fd = ts_open();
	ASSERT_LE(0, fd) TH_LOG("open %s after the load: %s", TS_DEVICE, strerror(errno));
	ASSERT_EQ(0, ts_ss_read(&v, 0, 0)) TH_LOG("ss failed");
	EXPECT_EQ(0, ts_counts_differ(_metadata, fd, &v))
		TH_LOG("the module's counts differ from ss after the load (above)");
	ASSERT_EQ(0, ts_stats(fd, &st));
	ts_expect_no_reconcile(_metadata, &st);
	close(fd);
}

/*
 * From 6.11 on, inet_twsk_deschedule_put() takes and drops the bucket's
 * lock before it stops the timer: a kill by a packet then waits for the
 * walk to let go of the bucket, and only the timer's own expiry can come
 * between the walk's look and its entry.  Before 6.11 (6.1), the timer
 * is stopped and the kill hook runs first.
 */
static bool kill_waits_for_the_bucket(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 11);
}

/* The TIME-WAIT's peer port connects again: its SYN kills the TIME-WAIT. */
struct reconnect {
	int family;
	unsigned short cport;	/* the TIME-WAIT's peer port */
	int fd;			/* the new connection */
};

static void connect_again(struct __test_metadata *_metadata, void *arg)
{
	struct reconnect *r = arg;

	r->fd = ts_bound_connect(r->family, r->cport, PORT);
	ASSERT_LE(0, r->fd) TH_LOG("reconnect from port %u: %s", r->cport, strerror(errno));
}

TEST_F_TIMEOUT(seed, timewait_killed_while_the_walk_holds_it_leaves_no_entry, 60)
{
	struct reconnect r;
	char line[512];
	struct ts_conn c;
	char buf[16];

	if (self->unset)	/* skipped */
		return;
	/* A server-closed TIME-WAIT on the listener's port PORT. */
	ASSERT_EQ(0, ts_conn_open(&c, variant->family, PORT));
	close(c.sfd);
	while (read(c.cfd, buf, sizeof(buf)) > 0)
		;
	close(c.cfd);
	ts_sleep_ms(100);

	r.family = variant->family;
	r.cport = c.cport;
	hold_during(_metadata, &self->load, "timewait", connect_again, &r, line, sizeof(line));
	/*
	 * Before 6.11 the kill must have come inside the hold, or nothing was
	 * tested; from 6.11 on it waited for the walk, which is checked too.
	 */
	if (!kill_waits_for_the_bucket()) {
		ASSERT_NE(NULL, strstr(line, "timer is off"))
			TH_LOG("the TIME-WAIT was not killed while the walk held it: %s", line);
	} else if (!strstr(line, "timer is off")) {
		TH_LOG("this kernel's kill waited for the walk's bucket: %s", line);
	}
	expect_counts_equal_ss(_metadata);
	close(r.fd);
	close(c.lfd);
}

/* The client's first data (at *@arg) promotes the request. */
static void first_data(struct __test_metadata *_metadata, void *arg)
{
	ASSERT_EQ(1, write(*(int *)arg, "x", 1));
}

TEST_F_TIMEOUT(seed, request_promoted_while_the_walk_holds_it_has_one_entry, 60)
{
	int secs = 30, l, cfd, sfd;
	struct sockaddr_storage ss;
	char line[512];
	socklen_t len;

	if (self->unset)	/* skipped */
		return;
	/* A request held in SYN-RECV: the bare final ACK is ignored. */
	l = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)));
	len = ts_addr(variant->family, PORT, &ss);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&ss, len)) TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ(0, listen(l, 16));
	cfd = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&ss, len))
		TH_LOG("connect: %s", strerror(errno));
	ts_sleep_ms(100);

	hold_during(_metadata, &self->load, "request", first_data, &cfd, line, sizeof(line));
	sfd = accept(l, NULL, NULL);
	ASSERT_LE(0, sfd) TH_LOG("accept: %s", strerror(errno));
	expect_counts_equal_ss(_metadata);
	close(sfd);
	close(cfd);
	close(l);
}

TEST_HARNESS_MAIN
