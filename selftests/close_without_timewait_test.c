// SPDX-License-Identifier: GPL-2.0
/*
 * Connections that die in FIN-WAIT-2 or CLOSING without becoming a
 * timewait socket, IPv4 and IPv6, each in a namespace of its own.  Their
 * FIN_WAIT2/CLOSING -> CLOSE is no hand-off to a timewait socket
 * (hooks_state.c): nothing holds the connection after it, and the module
 * must drop its entry there and then, not keep a stale FIN-WAIT-2 one.
 *
 *  - tcp_max_tw_buckets 0: the client's close() takes its socket through
 *    FIN_WAIT1 and FIN_WAIT2 to tcp_time_wait(), which gets no timewait
 *    socket (TcpExtTCPTimeWaitOverflow) and closes it (tcp_done).
 *  - A RST in FIN-WAIT-2: after the client's shutdown(SHUT_WR) is acked,
 *    the server aborts (SO_LINGER 0); the client's socket is closed while
 *    its fd stays open.
 *  - tcp_max_tw_buckets 0 and a simultaneous close: both sockets go
 *    through CLOSING, and the ACK of each FIN finds no timewait socket.
 *
 * Once ss shows no socket for a connection, the module must hold no entry
 * for it, by cookie or by 4-tuple.  The state hook runs in the call that
 * unhashes the socket, a moment after ss can no longer see it, so the
 * module gets GRACE_MS; a stale entry would stay until the reconcile pass
 * confirmed it gone, a second or more later, so the reconcile pass must
 * have corrected nothing.  The transition matrix must be the one the
 * scenario makes, cell for cell, and the module's per-state counts and
 * snapshot must equal `ss -tan`'s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"
#include "tcpstate_matrix.h"

#define PORT 9000
#define WAIT_MS 3000
#define GRACE_MS 500

FIXTURE(notw) {
	int fd;
	struct ts_conn c;
};

FIXTURE_VARIANT(notw) {
	int family;
};

FIXTURE_VARIANT_ADD(notw, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(notw, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(notw)
{
	ASSERT_EQ(0, ts_new_netns()) TH_LOG("new netns: %s", strerror(errno));
	self->fd = ts_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TS_DEVICE, strerror(errno));
	ASSERT_EQ(0, ts_conn_open(&self->c, variant->family, PORT))
		TH_LOG("a loopback connection to port %d: %s", PORT, strerror(errno));
	ASSERT_EQ(ES, ts_wait_state(self->fd, self->c.ccookie, ES, WAIT_MS));
	ASSERT_EQ(ES, ts_wait_state(self->fd, self->c.scookie, ES, WAIT_MS));
}

FIXTURE_TEARDOWN(notw)
{
	close(self->fd);
}

/* Poll ss until the listener is its only socket; the last view in @v. */
static void assert_only_listener(struct __test_metadata *_metadata,
				 struct ts_ss_view *v, unsigned short cport)
{
	unsigned long long others = 0;
	int waited, i;

	for (waited = 0; waited < WAIT_MS; waited += 20) {
		ASSERT_EQ(0, ts_ss_read(v, cport, PORT)) TH_LOG("ss -tanHe failed");
		for (i = 1, others = 0; i < TCPSTATE_STATE_MAX; i++)
			others += i == LI ? 0 : v->n[i];
		if (!others && v->n[LI] == 1)
			return;
		ts_sleep_ms(20);
	}
	ASSERT_EQ(0, others)
		TH_LOG("after %d ms ss shows %llu sockets besides %llu listeners, the client's: %s",
		       WAIT_MS, others, v->n[LI], ts_state_name(v->state, "no socket"));
	ASSERT_EQ(1, v->n[LI]) TH_LOG("ss shows %llu listeners", v->n[LI]);
}

/* One connection of the test: its socket's cookie and its 4-tuple. */
struct side {
	const char *who;
	__u64 cookie;
	int family;
	unsigned short sport, dport;
};

static struct side client_of(const struct ts_conn *c, const char *who)
{
	return (struct side){ who, c->ccookie, c->family, c->cport, PORT };
}

static struct side server_of(const struct ts_conn *c, const char *who)
{
	return (struct side){ who, c->scookie, c->family, PORT, c->cport };
}

/*
 * ss shows no socket for @s: the module must drop its entry within
 * GRACE_MS.  Logs what it still has.
 */
static int module_dropped(struct __test_metadata *_metadata, int fd, struct side s)
{
	struct tcpstate_conn e;
	int waited, n = -1;

	for (waited = 0; waited <= GRACE_MS; waited += 10) {
		n = ts_entries_of(fd, s.cookie, s.family, s.sport, s.dport, &e);
		if (n == 0)
			return 1;
		ts_sleep_ms(10);
	}
	if (n < 0)
		TH_LOG("%s: cannot read the module's snapshot: %s", s.who, strerror(errno));
	else
		TH_LOG("%s: no socket in ss, %d entries %d ms later: 0x%llx %u -> %u %s flags 0x%x",
		       s.who, n, GRACE_MS, (unsigned long long)e.cookie, e.sport, e.dport,
		       ts_state_name(e.state, "no socket"), e.flags);
	return 0;
}

/*
 * The namespace's timewait sockets, overflows (the module's count and the
 * kernel's TcpExtTCPTimeWaitOverflow) and reconcile corrections.
 */
static void expect_timewaits(struct __test_metadata *_metadata, int fd, int overflows)
{
	struct tcpstate_stats st;
	long long kernel = ts_mib("TcpExt", "TCPTimeWaitOverflow");

	ASSERT_EQ(0, ts_stats(fd, &st));
	EXPECT_EQ(overflows, kernel)
		TH_LOG("TcpExtTCPTimeWaitOverflow: expected %d, saw %lld", overflows, kernel);
	EXPECT_EQ(overflows, st.tw_overflows)
		TH_LOG("the module's tw_overflows: expected %d, saw %llu", overflows,
		       (unsigned long long)st.tw_overflows);
	EXPECT_EQ(0, st.timewait_socks)
		TH_LOG("the module holds %llu timewait sockets",
		       (unsigned long long)st.timewait_socks);
	EXPECT_EQ(1, st.entries)
		TH_LOG("the module holds %llu entries, expected the listener's alone",
		       (unsigned long long)st.entries);
	ts_expect_no_reconcile(_metadata, &st);
}

/* A socket's own state (TCP_INFO) and its pending error (SO_ERROR). */
static void expect_closed_fd(struct __test_metadata *_metadata, int sock, int err,
			     const char *who)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof(ti);
	int soerr = -1;

	ASSERT_EQ(0, getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len))
		TH_LOG("%s: TCP_INFO: %s", who, strerror(errno));
	EXPECT_EQ(TCP_CLOSE, ti.tcpi_state)
		TH_LOG("%s: its fd is open, its socket in state %u, not CLOSE (%d)", who,
		       ti.tcpi_state, TCP_CLOSE);
	len = sizeof(soerr);
	ASSERT_EQ(0, getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &len));
	EXPECT_EQ(err, soerr)
		TH_LOG("%s: SO_ERROR %d (%s), expected %d (%s)", who, soerr,
		       strerror(soerr), err, strerror(err));
}

TEST_F(notw, fin_wait2_without_timewait_bucket_drops_the_entry)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 },					/* listen() */
		{ CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },	/* open */
		{ ES, F1, 1 }, { F1, F2, 1 }, { F2, CL, 1 },	/* client close, no bucket */
		{ ES, CW, 1 }, { CW, LA, 1 }, { LA, CL, 1 },	/* server close */
	};
	struct ts_ss_view v;
	char ch;

	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0"));
	close(self->c.cfd);
	ASSERT_EQ(0, read(self->c.sfd, &ch, 1)) TH_LOG("the server read no EOF");
	close(self->c.sfd);

	assert_only_listener(_metadata, &v, self->c.cport);
	EXPECT_TRUE(module_dropped(_metadata, self->fd, client_of(&self->c, "the client")));
	EXPECT_TRUE(module_dropped(_metadata, self->fd, server_of(&self->c, "the server")));
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	expect_timewaits(_metadata, self->fd, 1);
}

TEST_F(notw, rst_in_fin_wait2_drops_the_entry_of_an_open_fd)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 },					/* listen() */
		{ CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },	/* open */
		{ ES, F1, 1 }, { F1, F2, 1 }, { F2, CL, 1 },	/* client shutdown, RST */
		{ ES, CW, 1 }, { CW, CL, 1 },			/* server abort */
	};
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct ts_ss_view v;
	int waited;
	char ch;

	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	ASSERT_EQ(0, read(self->c.sfd, &ch, 1)) TH_LOG("the server read no EOF");
	/* The server's ACK of the FIN may be delayed. */
	for (waited = 0; waited < WAIT_MS; waited += 20) {
		ASSERT_EQ(0, ts_ss_read(&v, self->c.cport, PORT));
		if (v.state == F2)
			break;
		ts_sleep_ms(20);
	}
	ASSERT_EQ(F2, v.state) TH_LOG("ss shows the client in %s, not FIN-WAIT-2",
				      ts_state_name(v.state, "no socket"));
	ASSERT_EQ(F2, ts_wait_state(self->fd, self->c.ccookie, F2, WAIT_MS));

	ASSERT_EQ(0, setsockopt(self->c.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->c.sfd);
	assert_only_listener(_metadata, &v, self->c.cport);
	EXPECT_TRUE(module_dropped(_metadata, self->fd,
				   client_of(&self->c, "the client, its fd open")));
	expect_closed_fd(_metadata, self->c.cfd, ECONNRESET, "the client");
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	expect_timewaits(_metadata, self->fd, 0);
	close(self->c.cfd);
}

TEST_F(notw, closing_without_timewait_bucket_drops_both_entries)
{
	const struct ts_tr want[] = {
		{ CL, LI, 1 },					/* listen() */
		{ CL, SS, 1 }, { SS, ES, 1 }, { LI, SR, 1 }, { SR, ES, 1 },	/* open */
		{ ES, F1, 2 }, { F1, CG, 2 }, { CG, CL, 2 },
	};
	struct ts_ss_view v;

	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", "0"));
	/* Delay every segment so both FINs are in flight at once. */
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 200ms"))
		TH_LOG("tc netem is needed for a simultaneous close");
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->c.sfd, SHUT_WR));

	assert_only_listener(_metadata, &v, self->c.cport);
	EXPECT_TRUE(module_dropped(_metadata, self->fd,
				   client_of(&self->c, "the client, its fd open")));
	EXPECT_TRUE(module_dropped(_metadata, self->fd,
				   server_of(&self->c, "the server, its fd open")));
	expect_closed_fd(_metadata, self->c.cfd, 0, "the client");
	expect_closed_fd(_metadata, self->c.sfd, 0, "the server");
	EXPECT_EQ(0, ts_wait_matrix(_metadata, self->fd, want, ARRAY_SIZE(want)));
	EXPECT_EQ(0, ts_counts_differ(_metadata, self->fd, &v));
	expect_timewaits(_metadata, self->fd, 2);
	close(self->c.cfd);
	close(self->c.sfd);
}

TEST_HARNESS_MAIN
