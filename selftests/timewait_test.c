// SPDX-License-Identifier: GPL-2.0
/*
 * Timewait sockets, IPv4 and IPv6: each way a TIME-WAIT ends is counted
 * under its own cause and no other (reuse by connect(), a new SYN, a RST,
 * namespace deletion, the 60-second timer), and a tcp_max_tw_buckets
 * overflow is counted without inventing a timewait entry.  Each test runs
 * in a namespace of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"

#define PORT 9000
#define WAIT_MS 3000

FIXTURE(tw) {
	int fd;
};

FIXTURE_VARIANT(tw) {
	int family;
};

FIXTURE_VARIANT_ADD(tw, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(tw, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(tw)
{
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(tw)
{
	close(self->fd);
}

/* Wait until exits[cause] == 1 and every other cause is 0. */
static void expect_only_exit(struct __test_metadata *_metadata, int fd, int cause)
{
	struct tcpstate_stats st;
	int i, waited;

	for (waited = 0; waited < WAIT_MS; waited += 20) {
		ASSERT_EQ(0, ts_stats(fd, &st));
		if (st.tw_exits[cause] == 1)
			break;
		ts_sleep_ms(20);
	}
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		EXPECT_EQ(i == cause, st.tw_exits[i])
			TH_LOG("timewait exits by %s: expected %d, saw %llu", tw_exit_name(i),
			       i == cause, (unsigned long long)st.tw_exits[i]);
	}
	EXPECT_EQ(0, st.timewait_socks);
}

static void drain_and_close(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
	close(fd);
}

static int bound_connect(int family, unsigned short lport, unsigned short port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr *a = family == AF_INET6 ? (void *)&a6 : (void *)&a4;
	socklen_t len = family == AF_INET6 ? sizeof(a6) : sizeof(a4);
	int one = 1, s;

	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a4.sin_port = htons(lport);
	a6.sin6_port = htons(lport);
	if (bind(s, a, len))
		goto fail;
	a4.sin_port = htons(port);
	a6.sin6_port = htons(port);
	if (connect(s, a, len))
		goto fail;
	return s;
fail:
	close(s);
	return -1;
}

TEST_F(tw, reuse_by_connect_is_counted_as_reused)
{
	struct ts_conn c;
	int c2;

	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/ip_local_port_range", "40000 40000"));
	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "1"));
	ASSERT_EQ(0, ts_conn_open(&c, variant->family, PORT));
	close(c.cfd);
	drain_and_close(c.sfd);
	ASSERT_EQ(TCPSTATE_TIME_WAIT, ts_wait_state(self->fd, c.ccookie,
						    TCPSTATE_TIME_WAIT, WAIT_MS));
	/* tcp_tw_reuse wants the last timestamp to be over a second old. */
	ts_sleep_ms(1500);
	c2 = ts_connect(variant->family, PORT, 0);
	ASSERT_LE(0, c2) TH_LOG("second connect from the only port: %s", strerror(errno));
	EXPECT_EQ(0, ts_wait_state(self->fd, c.ccookie, 0, WAIT_MS));
	expect_only_exit(_metadata, self->fd, TCPSTATE_TW_EXIT_REUSED);
}

TEST_F(tw, new_syn_is_counted_as_syn)
{
	struct ts_conn c;
	int c2;

	ASSERT_EQ(0, ts_conn_open(&c, variant->family, PORT));
	/* The server closes first: the TIME-WAIT is on the listening side. */
	close(c.sfd);
	drain_and_close(c.cfd);
	ASSERT_EQ(TCPSTATE_TIME_WAIT, ts_wait_state(self->fd, c.scookie,
						    TCPSTATE_TIME_WAIT, WAIT_MS));
	ts_sleep_ms(100);
	c2 = bound_connect(variant->family, c.cport, PORT);
	ASSERT_LE(0, c2) TH_LOG("reconnect from port %u: %s", c.cport, strerror(errno));
	EXPECT_EQ(0, ts_wait_state(self->fd, c.scookie, 0, WAIT_MS));
	expect_only_exit(_metadata, self->fd, TCPSTATE_TW_EXIT_SYN);
}

TEST_F(tw, rst_is_counted_as_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct tcpstate_conn *all;
	const struct tcpstate_conn *e;
	struct ts_conn c;
	long n;

	ASSERT_EQ(0, ts_conn_open(&c, variant->family, PORT));
	/* An orphaned FIN-WAIT-2 becomes a timewait socket at once. */
	close(c.cfd);
	ASSERT_EQ(TCPSTATE_FIN_WAIT2, ts_wait_state(self->fd, c.ccookie,
						    TCPSTATE_FIN_WAIT2, WAIT_MS));
	n = ts_snapshot(self->fd, &all, 64);
	e = ts_find(all, n, c.ccookie);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(TCPSTATE_F_TIMEWAIT_SOCK, e->flags);
	free(all);
	/* The peer aborts: its RST kills the timewait socket. */
	ASSERT_EQ(0, setsockopt(c.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(c.sfd);
	EXPECT_EQ(0, ts_wait_state(self->fd, c.ccookie, 0, WAIT_MS));
	expect_only_exit(_metadata, self->fd, TCPSTATE_TW_EXIT_RST);
}

TEST_F_TIMEOUT(tw, namespace_deletion_is_counted_module_wide, 60)
{
	struct tcpstate_stats before, after;
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, ts_stats(self->fd, &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ts_conn c;

		/* A namespace that dies with this child, holding 5 TIME-WAITs. */
		if (ts_new_netns())
			_exit(1);
		for (i = 0; i < 5; i++) {
			if (ts_conn_open(&c, variant->family, PORT + i))
				_exit(2);
			close(c.cfd);
			drain_and_close(c.sfd);
			close(c.lfd);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Namespaces are dismantled by a worker, some time after. */
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, ts_stats(self->fd, &after));
		if (after.all_tw_netns_exits - before.all_tw_netns_exits >= 5 &&
		    after.all_entries == before.all_entries)
			break;
		ts_sleep_ms(100);
	}
	EXPECT_EQ(5, after.all_tw_netns_exits - before.all_tw_netns_exits);
	EXPECT_EQ(before.all_entries, after.all_entries);
}

TEST_F(tw, overflow_is_counted_and_invents_no_entry)
{
	struct tcpstate_stats st;
	char line[256];
	long tw = -1;
	FILE *f;
	int i, l;

	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", "10"));
	l = ts_listen(variant->family, PORT, 64);
	ASSERT_LE(0, l);
	for (i = 0; i < 30; i++) {
		int cfd = ts_connect(variant->family, PORT, 0);
		int sfd = accept(l, NULL, NULL);

		ASSERT_LE(0, cfd);
		ASSERT_LE(0, sfd);
		close(cfd);
		drain_and_close(sfd);
	}
	ts_sleep_ms(200);
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	EXPECT_EQ(20, st.tw_overflows);
	EXPECT_EQ(10, st.timewait_socks);
	EXPECT_EQ(10, st.gauge[TCPSTATE_TIME_WAIT]);
	EXPECT_EQ(11, st.entries);	/* and the listener */

	f = fopen("/proc/net/sockstat", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %*d orphan %*d tw %ld", &tw) == 1)
			break;
	fclose(f);
	EXPECT_EQ(10, tw);
}

/*
 * One real expiry for both families at once: TCP_TIMEWAIT_LEN is 60 s
 * and cannot be shortened, so this is the slowest test of all.
 */
FIXTURE(expiry) {
	int fd;
};

FIXTURE_SETUP(expiry)
{
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(expiry)
{
	close(self->fd);
}

TEST_F_TIMEOUT(expiry, timer_expiry_is_counted_as_expired_ipv4_and_ipv6, 120)
{
	struct tcpstate_stats st;
	struct ts_conn c4, c6;
	int i;

	ASSERT_EQ(0, ts_conn_open(&c4, AF_INET, PORT));
	ASSERT_EQ(0, ts_conn_open(&c6, AF_INET6, PORT));
	close(c4.cfd);
	close(c6.cfd);
	drain_and_close(c4.sfd);
	drain_and_close(c6.sfd);
	ASSERT_EQ(TCPSTATE_TIME_WAIT, ts_wait_state(self->fd, c4.ccookie,
						    TCPSTATE_TIME_WAIT, WAIT_MS));
	ASSERT_EQ(TCPSTATE_TIME_WAIT, ts_wait_state(self->fd, c6.ccookie,
						    TCPSTATE_TIME_WAIT, WAIT_MS));
	/* The timer wheel may fire a little after the 60 s. */
	ts_sleep_ms(60500);
	EXPECT_EQ(0, ts_wait_state(self->fd, c4.ccookie, 0, 10000));
	EXPECT_EQ(0, ts_wait_state(self->fd, c6.ccookie, 0, 10000));
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	for (i = 0; i < TCPSTATE_TW_EXIT_MAX; i++) {
		EXPECT_EQ(i == TCPSTATE_TW_EXIT_EXPIRED ? 2 : 0, st.tw_exits[i])
			TH_LOG("timewait exits by %s: saw %llu", tw_exit_name(i),
			       (unsigned long long)st.tw_exits[i]);
	}
	EXPECT_EQ(0, st.timewait_socks);
}

TEST_HARNESS_MAIN
