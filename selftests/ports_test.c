// SPDX-License-Identifier: GPL-2.0
/*
 * Port exhaustion: every connect() that finds no free local port
 * (EADDRNOTAVAIL) and every bind() to port 0 that finds none (EADDRINUSE)
 * is counted in its namespace, by family, kept with who and where, and
 * streamed; the namespace's effective port range is reported exactly.
 * Each test runs in a namespace of its own with a ten-port range and
 * tcp_tw_reuse off.  Needs the module loaded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

#define LO 40000
#define HI 40009

struct ports_result {
	struct tcpstate_ports req;
	struct tcpstate_port_failure f[64];
};

static int ports_read(int fd, struct ports_result *r)
{
	memset(r, 0, sizeof(*r));
	r->req.size = sizeof(r->req);
	r->req.failure_size = sizeof(r->f[0]);
	r->req.count = 64;
	r->req.failures = (__u64)(uintptr_t)r->f;
	return ioctl(fd, TCPSTATE_IOC_PORTS, &r->req);
}

/* A namespace with ports LO..HI and no TIME-WAIT reuse. */
static int ports_netns(void)
{
	char range[32];

	snprintf(range, sizeof(range), "%d %d", LO, HI);
	if (ts_new_netns() ||
	    ts_write_file("/proc/sys/net/ipv4/ip_local_port_range", range) ||
	    ts_write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "0"))
		return -1;
	return 0;
}

/*
 * Connect to listener @lfd (from the per-socket @local_range, when not 0:
 * IP_LOCAL_PORT_RANGE) and close the client first: its port
 * stays held in TIME-WAIT.  Returns 0, or the connect() errno.
 */
static int client_closed(int tsfd, int lfd, int family, int local_range)
{
	int fd = socket(family, SOCK_STREAM, 0), sfd, err = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	__u64 cookie;

	if (fd < 0)
		return errno;
	if (local_range &&
	    setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &local_range,
		       sizeof(local_range))) {
		err = errno;
		close(fd);
		return err;
	}
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) ||
	    connect(fd, (struct sockaddr *)&ss, len)) {
		err = errno;
		close(fd);
		return err;
	}
	cookie = ts_sock_cookie(fd);
	sfd = accept(lfd, NULL, NULL);
	close(fd);
	if (ts_wait_state(tsfd, cookie, TCPSTATE_FIN_WAIT2, 5000) != TCPSTATE_FIN_WAIT2)
		err = ETIMEDOUT;
	close(sfd);
	if (!err && ts_wait_state(tsfd, cookie, TCPSTATE_TIME_WAIT, 5000) != TCPSTATE_TIME_WAIT)
		err = ETIMEDOUT;
	return err;
}

TEST(connect_exhaustion_is_counted_with_who_and_where)
{
	struct pollfd p;
	struct tcpstate_event ev[64];
	struct ports_result r;
	char comm[16] = "";
	int fd, sfd, lfd, i, n, found = 0;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	sfd = open(TS_DEVICE, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, sfd);
	p.fd = sfd;
	p.events = POLLIN;
	ASSERT_LE(0, poll(&p, 1, 0));
	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, client_closed(fd, lfd, AF_INET, 0))
			TH_LOG("connection %d of 10 failed", i + 1);
	EXPECT_EQ(EADDRNOTAVAIL, client_closed(fd, lfd, AF_INET, 0));

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][1]);
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_BIND][0]);
	EXPECT_EQ(LO, r.req.range_low);
	EXPECT_EQ(HI, r.req.range_high);
	EXPECT_EQ(0, r.req.reserved);
	EXPECT_EQ(10, r.req.available);
	EXPECT_EQ(0, r.req.tcp_tw_reuse);
	ASSERT_EQ(1, r.req.count);
	EXPECT_EQ(TCPSTATE_PORT_CONNECT, r.f[0].kind);
	EXPECT_EQ(-EADDRNOTAVAIL, r.f[0].error);
	EXPECT_EQ(AF_INET, r.f[0].family);
	EXPECT_EQ(8000, r.f[0].dport);
	EXPECT_EQ(127, r.f[0].daddr[0]);
	EXPECT_EQ(1, r.f[0].daddr[3]);
	EXPECT_EQ(getpid(), r.f[0].pid);
	EXPECT_STREQ(comm, r.f[0].comm);
	EXPECT_EQ(getuid(), r.f[0].uid);
	EXPECT_NE(0, r.f[0].cgroup_id);
	EXPECT_NE(0, r.f[0].time_ns);

	while ((n = read(sfd, ev, sizeof(ev)) / (int)sizeof(ev[0])) > 0) {
		for (i = 0; i < n; i++) {
			const struct tcpstate_event *e = &ev[i];

			if (e->type != TCPSTATE_EVENT_PORT_FAILURE)
				continue;
			found++;
			EXPECT_EQ(TCPSTATE_PORT_CONNECT, e->port_kind);
			EXPECT_EQ(-EADDRNOTAVAIL, e->error);
			EXPECT_EQ(8000, e->dport);
			EXPECT_EQ(getpid(), e->pid);
			EXPECT_STREQ(comm, e->comm);
			EXPECT_EQ(getuid(), e->uid);
			EXPECT_EQ(r.f[0].cgroup_id, e->cgroup_id);
			EXPECT_EQ(r.f[0].cookie, e->cookie);
		}
	}
	EXPECT_EQ(1, found);
}

/* The local port of socket @s (IPv4 or IPv6), or 0. */
static int local_port(int s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(s, (struct sockaddr *)&ss, &len))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * The entry of a connect() in SYN-SENT has the local port it was given,
 * while the SYN goes unanswered (sent on a dummy link with nobody behind
 * it), IPv4 and IPv6; close() in SYN-SENT is no lack of ports.
 */
TEST(syn_sent_entry_has_the_port_connect_picked)
{
	static const struct {
		int family;
		const char *dst;
	} to[] = { { AF_INET, "198.51.100.2" }, { AF_INET6, "2001:db8::2" } };
	struct tcpstate_conn c;
	struct ports_result r;
	unsigned int i;
	int tsfd;

	ASSERT_EQ(0, ts_new_netns());
	ASSERT_EQ(0, system("ip link add ts_dummy type dummy"));
	ASSERT_EQ(0, system("ip link set ts_dummy up"));
	ASSERT_EQ(0, system("ip addr add 198.51.100.1/24 dev ts_dummy"));
	ASSERT_EQ(0, system("ip addr add 2001:db8::1/64 dev ts_dummy nodad"));
	tsfd = ts_open();
	ASSERT_LE(0, tsfd);
	for (i = 0; i < ARRAY_SIZE(to); i++) {
		struct sockaddr_storage ss = { 0 };
		int fd = socket(to[i].family, SOCK_STREAM | SOCK_NONBLOCK, 0);

		ASSERT_LE(0, fd);
		ss.ss_family = to[i].family;
		if (to[i].family == AF_INET) {
			struct sockaddr_in *sin = (void *)&ss;

			sin->sin_port = htons(9);
			ASSERT_EQ(1, inet_pton(AF_INET, to[i].dst, &sin->sin_addr));
		} else {
			struct sockaddr_in6 *sin6 = (void *)&ss;

			sin6->sin6_port = htons(9);
			ASSERT_EQ(1, inet_pton(AF_INET6, to[i].dst, &sin6->sin6_addr));
		}
		ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&ss, sizeof(ss)));
		ASSERT_EQ(EINPROGRESS, errno);
		ASSERT_EQ(0, ts_entry_of(ts_sock_cookie(fd), &c));
		EXPECT_EQ(TCPSTATE_SYN_SENT, c.state);
		EXPECT_EQ(local_port(fd), c.sport)
			TH_LOG("family %d: the entry's local port is %u", to[i].family, c.sport);
		EXPECT_EQ(9, c.dport);
		close(fd);
	}
	ASSERT_EQ(0, ports_read(tsfd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][1]);
	close(tsfd);
}

TEST(each_destination_port_has_its_own_space)
{
	struct ports_result r;
	int fd, l1, l2, i;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	l1 = ts_listen(AF_INET, 8000, 64);
	l2 = ts_listen(AF_INET, 8001, 64);
	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, client_closed(fd, l1, AF_INET, 0));
		ASSERT_EQ(0, client_closed(fd, l2, AF_INET, 0));
	}
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.count);
}

/* A connect() of socket @s to listener @lfd's address: 0 or its errno. */
static int connect_to(int s, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(lfd, (struct sockaddr *)&ss, &len) ||
	    connect(s, (struct sockaddr *)&ss, len))
		return errno;
	return 0;
}

/* A connect() of socket @s to 127.0.0.1:8001, where nothing listens: its errno. */
static int refused(int s)
{
	struct sockaddr_storage ss;
	socklen_t len = ts_addr(AF_INET, 8001, &ss);

	return connect(s, (struct sockaddr *)&ss, len) ? errno : 0;
}

/*
 * A connect() that had its port and failed later (refused), and one from
 * a port bound beforehand whose 4-tuple is in use, are no lack of ports.
 */
TEST(refused_and_bound_conflicts_are_not_a_lack_of_ports)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(LO + 5) };
	struct ports_result r;
	int fd, lfd, s1, s2, one = 1;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	s1 = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s1);
	EXPECT_EQ(ECONNREFUSED, refused(s1));
	close(s1);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s1 = socket(AF_INET, SOCK_STREAM, 0);
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, setsockopt(s1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(s2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, bind(s1, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, bind(s2, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, connect_to(s1, lfd));
	EXPECT_EQ(EADDRNOTAVAIL, connect_to(s2, lfd));

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.count);
}

/* Fill the ten ports with TIME-WAITs towards listener @lfd. */
static int fill_ports(int tsfd, int lfd)
{
	int i, err;

	for (i = 0; i < HI - LO + 1; i++) {
		err = client_closed(tsfd, lfd, AF_INET, 0);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A socket whose connect() was refused still shows that connect()'s port
 * while its next connect() searches one: a search that fails is counted
 * all the same.
 */
TEST(a_reused_socket_that_finds_no_port_is_counted)
{
	struct ports_result r;
	int fd, lfd, s;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(ECONNREFUSED, refused(s));
	ASSERT_EQ(0, fill_ports(fd, lfd));
	EXPECT_EQ(EADDRNOTAVAIL, connect_to(s, lfd));

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	ASSERT_EQ(1, r.req.count);
	EXPECT_EQ(8000, r.f[0].dport);
	EXPECT_EQ(getpid(), r.f[0].pid);
}

/*
 * A socket refused twice, then connected: no failure is counted, and its
 * entry shows the port of its last connect().
 */
TEST(a_refused_reconnect_is_no_failure_and_keeps_its_port)
{
	struct tcpstate_conn c;
	struct ports_result r;
	int fd, lfd, s, i;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(ECONNREFUSED, refused(s));
	ASSERT_EQ(0, connect_to(s, lfd));
	ASSERT_EQ(TCPSTATE_ESTABLISHED, ts_wait_state(fd, ts_sock_cookie(s),
						      TCPSTATE_ESTABLISHED, 2000));
	ASSERT_EQ(0, ts_entry_of(ts_sock_cookie(s), &c));
	EXPECT_EQ(local_port(s), c.sport);
	EXPECT_EQ(0, c.flags);

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.count);
	close(s);
}

/*
 * A namespace with a quota of 0: each connect() of a socket, the first
 * and the reused ones alike, is one drop for the reason quota, counted
 * once although a reused socket asks for its entry twice (pending with
 * its earlier port, then with the new one), and leaves no entry.
 */
TEST(each_connect_past_the_quota_is_one_quota_drop_reused_or_not)
{
	struct tcpstate_quota q = {
		.size = sizeof(q), .flags = TCPSTATE_QUOTA_SET, .max_entries = 0,
	};
	struct tcpstate_stats st;
	int fd, s, i;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	ASSERT_EQ(0, ioctl(fd, TCPSTATE_IOC_QUOTA, &q));
	EXPECT_EQ(0, q.max_entries);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(ECONNREFUSED, refused(s));

	ASSERT_EQ(0, ts_stats(fd, &st));
	EXPECT_EQ(3, st.drops[TCPSTATE_DROP_QUOTA])
		TH_LOG("3 connect()s, 1 fresh and 2 reused: %llu quota drops",
		       (unsigned long long)st.drops[TCPSTATE_DROP_QUOTA]);
	EXPECT_EQ(3, st.dropped);
	EXPECT_EQ(0, st.entries);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ASSERT_EQ(0, ioctl(fd, TCPSTATE_IOC_QUOTA, &q));
	EXPECT_EQ(0, q.entries);
	close(s);
}

/*
 * The same with room under the quota: a reused socket's connect() finds
 * the entry it made pending already, and the entry its birth allocated
 * beforehand is given back, charge and count with it.  Nothing is
 * dropped, and once the socket is closed nothing is left charged.
 */
TEST(a_reused_connect_leaves_no_charge_behind)
{
	struct tcpstate_quota q = {
		.size = sizeof(q), .flags = TCPSTATE_QUOTA_SET, .max_entries = 10,
	};
	struct tcpstate_stats st;
	int fd, s, i;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	ASSERT_EQ(0, ioctl(fd, TCPSTATE_IOC_QUOTA, &q));
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(ECONNREFUSED, refused(s));
	close(s);

	ASSERT_EQ(0, ts_stats(fd, &st));
	EXPECT_EQ(0, st.dropped)
		TH_LOG("dropped: quota %llu, cap %llu, nomem %llu, user %llu",
		       (unsigned long long)st.drops[TCPSTATE_DROP_QUOTA],
		       (unsigned long long)st.drops[TCPSTATE_DROP_CAP],
		       (unsigned long long)st.drops[TCPSTATE_DROP_NOMEM],
		       (unsigned long long)st.drops[TCPSTATE_DROP_USER]);
	EXPECT_EQ(0, st.entries);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ASSERT_EQ(0, ioctl(fd, TCPSTATE_IOC_QUOTA, &q));
	EXPECT_EQ(0, q.entries)
		TH_LOG("3 refused connect()s, 2 reused, all closed: %llu still charged",
		       (unsigned long long)q.entries);
}

/* IP_BIND_ADDRESS_NO_PORT: bind() leaves the port to connect()'s search. */
TEST(a_bind_without_port_that_finds_none_is_counted)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ports_result r;
	int fd, lfd, s, one = 1;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, fill_ports(fd, lfd));
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
				sizeof(one)));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EADDRNOTAVAIL, connect_to(s, lfd));

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_BIND][0]);
	ASSERT_EQ(1, r.req.count);
	EXPECT_EQ(127, r.f[0].saddr[0]);
}

/*
 * TCP_FASTOPEN_CONNECT with a cookie cached defers the SYN to the first
 * write: connect() returns at once, in SYN-SENT with its port, which the
 * table shows right away.
 */
TEST(a_deferred_fast_open_connect_shows_its_port)
{
	struct tcpstate_conn c;
	int fd, lfd, s, a, one = 1, qlen = 16;

	ASSERT_EQ(0, ports_netns());
	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_fastopen", "3"));
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)));
	/* The first connection asks for the cookie. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)));
	ASSERT_EQ(0, connect_to(s, lfd));
	ASSERT_EQ(1, write(s, "x", 1));
	a = accept(lfd, NULL, NULL);
	ASSERT_LE(0, a);
	close(a);
	close(s);

	s = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)));
	ASSERT_EQ(0, connect_to(s, lfd));
	ASSERT_EQ(TCPSTATE_SYN_SENT, ts_wait_state(fd, ts_sock_cookie(s),
						   TCPSTATE_SYN_SENT, 2000))
		TH_LOG("the deferred connect() is not in SYN-SENT: was the cookie cached?");
	ASSERT_EQ(0, ts_entry_of(ts_sock_cookie(s), &c));
	EXPECT_EQ(local_port(s), c.sport);
	EXPECT_EQ(8000, c.dport);
	close(s);
}

TEST(reserved_ports_shrink_the_range_exactly)
{
	struct ports_result r;
	int fd, lfd, i;

	ASSERT_EQ(0, ports_netns());
	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/ip_local_reserved_ports",
				   "40000-40002,50000"));
	fd = ts_open();
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(3, r.req.reserved);
	EXPECT_EQ(7, r.req.available);

	lfd = ts_listen(AF_INET6, 8000, 64);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, client_closed(fd, lfd, AF_INET6, 0));
	EXPECT_EQ(EADDRNOTAVAIL, client_closed(fd, lfd, AF_INET6, 0));
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_CONNECT][1]);
	ASSERT_EQ(1, r.req.count);
	EXPECT_EQ(AF_INET6, r.f[0].family);
	EXPECT_EQ(1, r.f[0].daddr[15]);
}

TEST(bind_to_port_zero_is_counted_apart)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ports_result r;
	int fd, s, i;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 10; i++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, bind(s, (struct sockaddr *)&a, sizeof(a)));
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_EQ(-1, bind(s, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EADDRINUSE, errno);
	/* listen() on an unbound socket wants a port too. */
	EXPECT_EQ(-1, listen(socket(AF_INET, SOCK_STREAM, 0), 1));
	EXPECT_EQ(EADDRINUSE, errno);

	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(2, r.req.total[TCPSTATE_PORT_BIND][0]);
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	ASSERT_EQ(2, r.req.count);
	EXPECT_EQ(TCPSTATE_PORT_BIND, r.f[0].kind);
	EXPECT_EQ(-EADDRINUSE, r.f[0].error);
	EXPECT_EQ(0, r.f[0].dport);
	EXPECT_EQ(127, r.f[0].saddr[0]);
	EXPECT_EQ(0, r.f[1].saddr[0]);
}

TEST(a_per_socket_port_range_is_caught_too)
{
	struct ports_result r;
	int fd, lfd, range = (40004 << 16) | 40003;

	ASSERT_EQ(0, ports_netns());
	fd = ts_open();
	lfd = ts_listen(AF_INET, 8000, 64);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, client_closed(fd, lfd, AF_INET, range));
	ASSERT_EQ(0, client_closed(fd, lfd, AF_INET, range));
	/* Eight ports of the namespace are free; the socket's two are not. */
	EXPECT_EQ(EADDRNOTAVAIL, client_closed(fd, lfd, AF_INET, range));
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_CONNECT][0]);
	EXPECT_EQ(10, r.req.available);
}

TEST(reset_zeroes_the_totals)
{
	struct ports_result r;
	int fd;

	ASSERT_EQ(0, ports_netns());
	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/ip_local_port_range", "40000 40000"));
	fd = ts_open();
	ASSERT_EQ(0, bind(socket(AF_INET, SOCK_STREAM, 0),
			  (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET },
			  sizeof(struct sockaddr_in)));
	EXPECT_EQ(-1, bind(socket(AF_INET, SOCK_STREAM, 0),
			   (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET },
			   sizeof(struct sockaddr_in)));
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(1, r.req.total[TCPSTATE_PORT_BIND][0]);
	EXPECT_EQ(1, r.req.available);
	ASSERT_EQ(0, ioctl(fd, TCPSTATE_IOC_RESET));
	ASSERT_EQ(0, ports_read(fd, &r));
	EXPECT_EQ(0, r.req.total[TCPSTATE_PORT_BIND][0]);
	/* What happened is still kept. */
	EXPECT_EQ(1, r.req.count);
}

TEST_HARNESS_MAIN
