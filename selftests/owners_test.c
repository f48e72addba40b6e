// SPDX-License-Identifier: GPL-2.0
/*
 * Owners of connections, in the corners owners.sh does not reach:
 *  - a Fast Open child accepted in SYN_RECV (no request socket of ours,
 *    no state change yet) is the accepting process's;
 *  - a thread that connects names its process (as ps and ss -p do), not
 *    the thread;
 *  - a socket made by one user and connected by another user's process
 *    does not show that process to the first user while it lives;
 *  - a listener listened on again by another process gives its requests
 *    to that one from then on.
 * Each test runs in a network namespace of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpstate_lib.h"
#include "kselftest_harness.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

#define NOBODY 65534

/*
 * Fast Open with no cookie needed, and every segment on lo delayed 300 ms:
 * the server's child is queued for accept() in SYN_RECV, with the client's
 * ACK still 600 ms away, and a forked child of this process accepts it.
 */
TEST(fast_open_child_accepted_in_syn_recv_is_the_acceptors)
{
	struct sockaddr_storage ss;
	struct tcpstate_conn e;
	int lfd, cfd, qlen = 8, status, p[2];
	socklen_t len = ts_addr(AF_INET, 8000, &ss);
	unsigned char state = 0;
	pid_t acceptor, parent;
	__u64 cookie = 0;

	ASSERT_EQ(0, ts_new_netns());
	ASSERT_EQ(0, ts_write_file("/proc/sys/net/ipv4/tcp_fastopen", "519"));
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 300ms"));
	lfd = ts_listen(AF_INET, 8000, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)));
	ASSERT_EQ(0, pipe(p));

	parent = getpid();
	acceptor = fork();
	ASSERT_LE(0, acceptor);
	if (!acceptor) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		int s;

		/* Gone with the test, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		prctl(PR_SET_NAME, "tfo_acceptor");
		s = accept(lfd, NULL, NULL);
		if (s < 0 || getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tl))
			_exit(1);
		cookie = ts_sock_cookie(s);
		/* Accepted before the handshake ended: what this test is for. */
		if (write(p[1], &cookie, sizeof(cookie)) != sizeof(cookie) ||
		    write(p[1], &ti.tcpi_state, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(4, sendto(cfd, "ping", 4, MSG_FASTOPEN, (struct sockaddr *)&ss, len));
	ASSERT_EQ(sizeof(cookie), read(p[0], &cookie, sizeof(cookie)));
	ASSERT_EQ(1, read(p[0], &state, 1));
	ASSERT_EQ(TCP_SYN_RECV, state)
		TH_LOG("the child was accepted in state %d, not SYN_RECV: nothing tested", state);
	ASSERT_EQ(0, ts_entry_of(cookie, &e))
		TH_LOG("no entry for the accepted child (cookie %llu)",
		       (unsigned long long)cookie);
	EXPECT_EQ(acceptor, e.pid);
	EXPECT_STREQ("tfo_acceptor", e.comm);
	kill(acceptor, SIGKILL);
	waitpid(acceptor, &status, 0);
	close(cfd);
	close(lfd);
}

static int thread_fd = -1;

static void *connect_thread(void *arg)
{
	prctl(PR_SET_NAME, "some_thread");
	thread_fd = ts_connect(AF_INET, 8000, 0);
	return NULL;
}

TEST(thread_connecting_names_its_process)
{
	char comm[16] = "";
	struct tcpstate_conn e;
	pthread_t t;
	int lfd;

	ASSERT_EQ(0, ts_new_netns());
	lfd = ts_listen(AF_INET, 8000, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	ASSERT_EQ(0, pthread_create(&t, NULL, connect_thread, NULL));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_LE(0, thread_fd);
	ASSERT_EQ(0, ts_entry_of(ts_sock_cookie(thread_fd), &e));
	EXPECT_EQ(getpid(), e.pid);
	EXPECT_STREQ(comm, e.comm);
	close(thread_fd);
	close(lfd);
}

/* Pass @fd over the unix socket @s. */
static int send_fd(int s, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int s)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(s, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * In a child as uid NOBODY: the owner fields of @cookie's entry as that
 * user reads them, written to @out_fd as "uid pid comm".
 */
static pid_t read_as_nobody(__u64 cookie, int out_fd)
{
	pid_t pid = fork();

	if (!pid) {
		struct tcpstate_conn e;
		char line[64];
		int n;

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		if (ts_entry_of(cookie, &e))
			_exit(3);
		n = snprintf(line, sizeof(line), "%u %u %s", e.uid, e.pid,
			     e.comm[0] ? e.comm : "-");
		_exit(write(out_fd, line, n) == n ? 0 : 4);
	}
	return pid;
}

TEST(socket_of_one_user_connected_by_another_hides_the_process)
{
	char got[64] = "", want[64];
	int lfd, sp[2], p[2], fd, status;
	struct sockaddr_storage ss;
	socklen_t len = ts_addr(AF_INET, 8000, &ss);
	pid_t maker, reader;
	__u64 cookie;
	ssize_t n;

	ASSERT_EQ(0, ts_new_netns());
	lfd = ts_listen(AF_INET, 8000, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	ASSERT_EQ(0, pipe(p));

	/* nobody makes the socket and hands it over */
	maker = fork();
	ASSERT_LE(0, maker);
	if (!maker) {
		int s;

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		s = socket(AF_INET, SOCK_STREAM, 0);
		_exit(s < 0 || send_fd(sp[1], s) ? 1 : 0);
	}
	ASSERT_EQ(maker, waitpid(maker, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	fd = recv_fd(sp[0]);
	ASSERT_LE(0, fd);
	/* root's process connects it: its uid stays nobody's */
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&ss, len));
	cookie = ts_sock_cookie(fd);

	reader = read_as_nobody(cookie, p[1]);
	ASSERT_LE(0, reader);
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	n = read(p[0], got, sizeof(got) - 1);
	ASSERT_LT(0, n);
	got[n] = '\0';
	snprintf(want, sizeof(want), "%u 0 -", NOBODY);
	EXPECT_STREQ(want, got)
		TH_LOG("socket of nobody, connected by root pid %d: expected uid %u, no process",
		       getpid(), NOBODY);
	close(fd);
	close(lfd);
}

/* The local port of socket @fd, or 0. */
static unsigned short local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

/*
 * The process a request takes is its listener's entry's: a listener closed
 * (connect(AF_UNSPEC)) and listened on again by another process, with the
 * same cookie, must give that one its requests from then on.  The test
 * keeps to one CPU, where each SYN it sends is handled: whatever a CPU
 * kept of the listener's owner at the first SYN meets the second there.
 */
TEST(listener_listened_on_again_gives_its_requests_to_the_new_process)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int lfd, c1, c2, fd, status, p[2];
	struct tcpstate_conn e;
	pid_t relistener;
	char go;

	ASSERT_EQ(0, ts_pin(0, sched_getcpu()));
	ASSERT_EQ(0, ts_new_netns());
	fd = ts_open();
	ASSERT_LE(0, fd);
	lfd = ts_listen(AF_INET, 8000, 8);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pipe(p));

	/* A connection this process has not accepted is its own. */
	c1 = ts_connect(AF_INET, 8000, 0);
	ASSERT_LE(0, c1);
	ASSERT_EQ(1, ts_entries_of(fd, 0, AF_INET, 8000, local_port(c1), &e));
	ASSERT_EQ(getpid(), e.pid)
		TH_LOG("the first request's connection is pid %u's, not the listener's %d",
		       e.pid, getpid());

	relistener = fork();
	ASSERT_LE(0, relistener);
	if (!relistener) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "relistener");
		if (connect(lfd, &unspec, sizeof(unspec)) || listen(lfd, 8) ||
		    write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(p[0], &go, 1));

	c2 = ts_connect(AF_INET, 8000, 0);
	ASSERT_LE(0, c2);
	ASSERT_EQ(1, ts_entries_of(fd, 0, AF_INET, 8000, local_port(c2), &e));
	EXPECT_EQ(relistener, e.pid)
		TH_LOG("the request after listen() again is pid %u's (%s), not %d's",
		       e.pid, e.comm, relistener);
	EXPECT_STREQ("relistener", e.comm);
	kill(relistener, SIGKILL);
	waitpid(relistener, &status, 0);
	close(p[0]);
	close(p[1]);
	close(c2);
	close(c1);
	close(lfd);
	close(fd);
}

TEST_HARNESS_MAIN
