// SPDX-License-Identifier: GPL-2.0
/*
 * Exact state sequences, IPv4 and IPv6: each scenario runs in a namespace
 * of its own, and the module's transition matrix must equal, cell for
 * cell, the transitions RFC 793 prescribes for it, and its table must hold
 * exactly the connections that are still alive, in the right states.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"
#include "tcpstate_matrix.h"

#define PORT 9000
#define WAIT_MS 3000

FIXTURE(seq) {
	int fd;
	struct ts_conn c;
};

FIXTURE_VARIANT(seq) {
	int family;
};

FIXTURE_VARIANT_ADD(seq, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(seq, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(seq)
{
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(seq)
{
	close(self->fd);
}

static const struct tcpstate_conn *snap_find(int fd, __u64 cookie,
					     struct tcpstate_conn **all, long *n)
{
	*n = ts_snapshot(fd, all, 64);
	return *n < 0 ? NULL : ts_find(*all, *n, cookie);
}

TEST_F(seq, active_close_ends_in_time_wait_passive_in_closed)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 },					/* listen() */
		{ CL, SS, 1 }, { SS, ES, 1 },			/* client open */
		{ LI, SR, 1 }, { SR, ES, 1 },			/* server open */
		{ ES, F1, 1 }, { F1, F2, 1 }, { F2, TW, 1 },	/* client close */
		{ ES, CW, 1 }, { CW, LA, 1 }, { LA, CL, 1 },	/* server close */
		{ LI, CL, 1 },					/* listener close */
	};
	const struct tcpstate_conn *e;
	struct tcpstate_conn *all;
	struct tcpstate_stats st;
	long n;

	ASSERT_EQ(0, ts_conn_open(&self->c, variant->family, PORT));
	EXPECT_EQ(ES, ts_wait_state(self->fd, self->c.ccookie, ES, WAIT_MS));
	EXPECT_EQ(ES, ts_wait_state(self->fd, self->c.scookie, ES, WAIT_MS));
	EXPECT_EQ(LI, ts_wait_state(self->fd, self->c.lcookie, LI, WAIT_MS));

	close(self->c.cfd);
	EXPECT_EQ(F2, ts_wait_state(self->fd, self->c.ccookie, F2, WAIT_MS));
	EXPECT_EQ(CW, ts_wait_state(self->fd, self->c.scookie, CW, WAIT_MS));

	close(self->c.sfd);
	close(self->c.lfd);
	EXPECT_EQ(TW, ts_wait_state(self->fd, self->c.ccookie, TW, WAIT_MS));
	EXPECT_EQ(0, ts_wait_state(self->fd, self->c.scookie, 0, WAIT_MS));
	EXPECT_EQ(0, ts_wait_state(self->fd, self->c.lcookie, 0, WAIT_MS));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));

	/* The one entry left is the client's, held by a timewait socket. */
	e = snap_find(self->fd, self->c.ccookie, &all, &n);
	ASSERT_EQ(1, n);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(TCPSTATE_F_TIMEWAIT_SOCK, e->flags);
	EXPECT_EQ(variant->family, e->family);
	EXPECT_EQ(self->c.cport, e->sport);
	EXPECT_EQ(PORT, e->dport);
	/* 60 s of TIME-WAIT, give or take the time this test took. */
	EXPECT_LT(e->expires_ns - e->state_since_ns, 61000000000ULL);
	EXPECT_GT(e->expires_ns - e->state_since_ns, 55000000000ULL);
	free(all);

	ASSERT_EQ(0, ts_stats(self->fd, &st));
	EXPECT_EQ(1, st.entries);
	EXPECT_EQ(1, st.gauge[TW]);
	EXPECT_EQ(1, st.timewait_socks);
}

TEST_F(seq, half_close_keeps_full_fin_wait2_until_peer_closes)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 }, { CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },
		{ ES, F1, 1 }, { F1, F2, 1 }, { ES, CW, 1 },
	};
	const struct tcpstate_conn *e;
	struct tcpstate_conn *all;
	long n;

	ASSERT_EQ(0, ts_conn_open(&self->c, variant->family, PORT));
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	EXPECT_EQ(F2, ts_wait_state(self->fd, self->c.ccookie, F2, WAIT_MS));
	EXPECT_EQ(CW, ts_wait_state(self->fd, self->c.scookie, CW, WAIT_MS));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));

	/* Still a full socket: no timewait flag. */
	e = snap_find(self->fd, self->c.ccookie, &all, &n);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->flags);
	free(all);
}

TEST_F(seq, simultaneous_close_goes_through_closing)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 }, { CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },
		{ ES, F1, 2 }, { F1, CG, 2 }, { CG, TW, 2 },
	};

	ASSERT_EQ(0, ts_conn_open(&self->c, variant->family, PORT));
	/* Delay every segment so both FINs are in flight at once. */
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 200ms"))
		TH_LOG("tc netem is needed for a simultaneous close");
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->c.sfd, SHUT_WR));
	EXPECT_EQ(TW, ts_wait_state(self->fd, self->c.ccookie, TW, WAIT_MS));
	EXPECT_EQ(TW, ts_wait_state(self->fd, self->c.scookie, TW, WAIT_MS));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
}

TEST_F(seq, abortive_close_resets_both_sides_without_time_wait)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 }, { CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },
		{ ES, CL, 2 },
	};
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct tcpstate_stats st;

	ASSERT_EQ(0, ts_conn_open(&self->c, variant->family, PORT));
	ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->c.cfd);
	EXPECT_EQ(0, ts_wait_state(self->fd, self->c.ccookie, 0, WAIT_MS));
	EXPECT_EQ(0, ts_wait_state(self->fd, self->c.scookie, 0, WAIT_MS));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	EXPECT_EQ(1, st.entries);	/* the listener */
	EXPECT_EQ(0, st.timewait_socks);
}

/*
 * A socket connected to its own address and port meets its own SYN in
 * SYN_SENT: a simultaneous open, SYN_SENT -> SYN_RECV, the one change to
 * SYN_RECV that is not a clone of a listener (hooks_state.c).
 */
TEST_F(seq, self_connect_is_a_simultaneous_open)
{
	const struct ts_tr want[] = { { CL, SS, 1 }, { SS, SR, 1 }, { SR, ES, 1 } };
	struct sockaddr_storage a;
	socklen_t len = ts_addr(variant->family, PORT, &a);
	struct ts_ss_view v;
	__u64 cookie;
	int c;

	c = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, bind(c, (struct sockaddr *)&a, len)) TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, len))
		TH_LOG("connect to itself: %s", strerror(errno));
	cookie = ts_sock_cookie(c);
	EXPECT_EQ(ES, ts_wait_state(self->fd, cookie, ES, WAIT_MS));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	ASSERT_EQ(0, ts_ss_read(&v, PORT, PORT));
	EXPECT_EQ(ES, v.state);
	EXPECT_EQ(cookie, v.cookie);
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	close(c);
}

TEST_F(seq, refused_connect_goes_syn_sent_to_closed)
{
	const struct ts_tr want[] = { { CL, SS, 1 }, { SS, CL, 1 } };
	struct tcpstate_stats st;
	int c;

	c = ts_connect(variant->family, PORT, 0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	ASSERT_EQ(0, ts_stats(self->fd, &st));
	EXPECT_EQ(0, st.entries);
}

TEST_F(seq, listener_closed_with_pending_request_sockets)
{
	/*
	 * Backlog 4, syncookies off.  Four connections fill the accept queue
	 * to its limit; then, with every segment delayed, three SYNs become
	 * three request sockets, the first final ACK overfills the queue and
	 * the other two ACKs are dropped: two requests stay in SYN-RECEIVED.
	 * Closing the listener resets the five queued children; the two
	 * requests die at their timer.
	 */
	struct tcpstate_conn *all;
	struct tcpstate_stats st;
	int l, c[7], i, req = 0;
	long n, k;

	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_syncookies", "0"));
	l = ts_listen(variant->family, PORT, 4);
	ASSERT_LE(0, l);
	for (i = 0; i < 4; i++) {
		c[i] = ts_connect(variant->family, PORT, 0);
		ASSERT_LE(0, c[i]);
	}
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 100ms"))
		TH_LOG("tc netem is needed to hold request sockets");
	for (i = 4; i < 7; i++) {
		c[i] = ts_connect(variant->family, PORT, 1);
		ASSERT_LE(0, c[i]);
	}
	ts_sleep_ms(1000);
	n = ts_snapshot(self->fd, &all, 64);
	ASSERT_LE(0, n);
	for (k = 0; k < n; k++)
		req += all[k].state == SR && (all[k].flags & TCPSTATE_F_REQUEST_SOCK);
	free(all);
	EXPECT_EQ(2, req);

	close(l);
	/* Request timers fire about a second apart: allow a few. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ts_stats(self->fd, &st));
		if (st.gauge[SR] == 0 && st.transitions[SR][CL] == 2)
			break;
		ts_sleep_ms(100);
	}
	EXPECT_EQ(0, st.gauge[SR]);
	EXPECT_EQ(0, st.gauge[LI]);
	EXPECT_EQ(7, st.transitions[LI][SR]);
	EXPECT_EQ(5, st.transitions[SR][ES]);
	EXPECT_EQ(2, st.transitions[SR][CL]);
}

/*
 * IPV6_ADDRFORM turns an established IPv6 socket with a v4-mapped peer
 * into an IPv4 one, with no change of state: the entry follows at the
 * next change (here FIN_WAIT1 and FIN_WAIT2), as ss does.
 */
TEST(addrform_entry_follows_the_family)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
	const int inet = AF_INET;
	const struct tcpstate_conn *e;
	struct tcpstate_conn *all;
	int fd, l, c, s;
	__u64 cookie;
	long n;

	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	fd = ts_open();
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
	l = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(1, inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr));
	c = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	cookie = ts_sock_cookie(c);
	EXPECT_EQ(ES, ts_wait_state(fd, cookie, ES, WAIT_MS));
	e = snap_find(fd, cookie, &all, &n);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(AF_INET6, e->family);
	free(all);

	ASSERT_EQ(0, setsockopt(c, IPPROTO_IPV6, IPV6_ADDRFORM, &inet, sizeof(inet)))
		TH_LOG("IPV6_ADDRFORM: %s", strerror(errno));
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(F2, ts_wait_state(fd, cookie, F2, WAIT_MS));
	e = snap_find(fd, cookie, &all, &n);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(AF_INET, e->family) TH_LOG("the entry kept family %u", e->family);
	EXPECT_EQ(0, memcmp(e->saddr, "\x7f\0\0\x01", 4))
		TH_LOG("source %u.%u.%u.%u", e->saddr[0], e->saddr[1], e->saddr[2],
		       e->saddr[3]);
	free(all);
	close(s);
	close(c);
	close(l);
	close(fd);
}

TEST_HARNESS_MAIN
