// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_workload: put loopback TCP connections of the caller's namespace
 * into chosen states, print "ready" and hold them until SIGTERM or SIGINT.
 *
 *   -t N  TIME-WAIT on the client: the client closes first
 *   -T N  TIME-WAIT on the server: the server closes first
 *   -e N  ESTABLISHED pairs, kept open
 *   -w N  client FIN-WAIT-2 (shutdown, fd kept) + server CLOSE-WAIT
 *   -o N  client FIN-WAIT-2 orphaned (a timewait socket) + server CLOSE-WAIT
 *   -s N  SYN-SENT: connects to a listener whose accept queue is full
 *   -r N  SYN-RECV request sockets: connects without data to a listener
 *         with TCP_DEFER_ACCEPT, which ignores the bare final ACK (P+2)
 *   -S N  server-closed TIME-WAITs, each ended at once by a new SYN from
 *         the client's port (the timewait socket dies with cause "syn");
 *         the new connections are aborted (RST), leaving nothing behind
 *   -L N  FIN-WAIT-1 and LAST-ACK, N of each: closes while netem drops
 *         every segment on lo (needs tc; do this last, lo stays lossy)
 *   -6    IPv6 (::1) instead of IPv4 (127.0.0.1); -m mixes: odd ones IPv6
 *   -p P  listening port (default 8000; SYN-SENT uses P+1)
 *   -a A  IPv4 address of the listeners (default 127.0.0.1; any 127/8)
 *   -x    exit after "ready" instead of holding (timewait sockets stay)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpstate_lib.h"

static int port = 8000;
static int family_mode = 4;	/* 4, 6, or 'm' for mixed */

static void die(const char *what)
{
	fprintf(stderr, "tcp_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int family_of(int i)
{
	if (family_mode == 'm')
		return (i & 1) ? AF_INET6 : AF_INET;
	return family_mode == 6 ? AF_INET6 : AF_INET;
}

/* A connected pair: *cli and *srv. */
static void pair(int lfd[2], int i, int *cli, int *srv)
{
	int family = family_of(i);

	*cli = ts_connect(family, port, 0);
	if (*cli < 0)
		die("connect");
	*srv = accept(lfd[family == AF_INET6], NULL, NULL);
	if (*srv < 0)
		die("accept");
}

static void wait_eof(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
}

/* Close with a RST instead of a FIN: no TIME-WAIT on either side. */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * The server closes first and ends in TIME-WAIT; then a SYN from the
 * client's port, to the same listener, ends that timewait socket (the
 * kernel's TCP_TW_SYN) and makes a new connection, which is aborted.
 */
static void timewait_killed_by_syn(int lfd[2], int i)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	int family = family_of(i), cli, srv, one = 1;

	pair(lfd, i, &cli, &srv);
	if (getsockname(cli, (struct sockaddr *)&local, &llen) ||
	    getpeername(cli, (struct sockaddr *)&peer, &plen))
		die("getsockname");
	close(srv);
	wait_eof(cli);
	close(cli);
	/* Let the server's timewait socket take the client's FIN. */
	usleep(100000);
	cli = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cli < 0)
		die("socket");
	setsockopt(cli, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(cli, (struct sockaddr *)&local, llen))
		die("bind to the client's port");
	if (connect(cli, (struct sockaddr *)&peer, plen))
		die("connect over the TIME-WAIT");
	srv = accept(lfd[family == AF_INET6], NULL, NULL);
	if (srv < 0)
		die("accept");
	abort_close(srv);
	abort_close(cli);
}

int main(int argc, char **argv)
{
	int n_tw = 0, n_stw = 0, n_est = 0, n_cw = 0, n_orphan = 0, n_synsent = 0;
	int n_req = 0, n_lossy = 0, n_syn_kill = 0;
	int lfd[2], opt, i, cli, srv, hold = 1;
	struct rlimit rl;
	sigset_t sigs;
	int sig;

	while ((opt = getopt(argc, argv, "t:T:e:w:o:s:r:S:L:6mp:a:x")) != -1) {
		switch (opt) {
		case 't':
			n_tw = atoi(optarg);
			break;
		case 'T':
			n_stw = atoi(optarg);
			break;
		case 'e':
			n_est = atoi(optarg);
			break;
		case 'w':
			n_cw = atoi(optarg);
			break;
		case 'o':
			n_orphan = atoi(optarg);
			break;
		case 's':
			n_synsent = atoi(optarg);
			break;
		case 'r':
			n_req = atoi(optarg);
			break;
		case 'S':
			n_syn_kill = atoi(optarg);
			break;
		case 'L':
			n_lossy = atoi(optarg);
			break;
		case '6':
			family_mode = 6;
			break;
		case 'm':
			family_mode = 'm';
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &ts_ipv4_addr) != 1)
				die("-a takes an IPv4 address");
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'x':
			hold = 0;
			break;
		default:
			fprintf(stderr, "usage: see the comment at the top of tcp_workload.c\n");
			return 2;
		}
	}
	/* Die with whoever started us (ip netns exec forks). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Held until SIGTERM or SIGINT, taken synchronously by sigwait(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	lfd[0] = ts_listen(AF_INET, port, 4096);
	lfd[1] = ts_listen(AF_INET6, port, 4096);
	if (lfd[0] < 0 || lfd[1] < 0)
		die("listen");

	for (i = 0; i < n_tw; i++) {
		pair(lfd, i, &cli, &srv);
		close(cli);
		wait_eof(srv);
		close(srv);
	}
	for (i = 0; i < n_stw; i++) {
		pair(lfd, i, &cli, &srv);
		close(srv);
		wait_eof(cli);
		close(cli);
	}
	for (i = 0; i < n_syn_kill; i++)
		timewait_killed_by_syn(lfd, i);
	for (i = 0; i < n_est; i++)
		pair(lfd, i, &cli, &srv);
	for (i = 0; i < n_cw; i++) {
		pair(lfd, i, &cli, &srv);
		shutdown(cli, SHUT_WR);
	}
	for (i = 0; i < n_orphan; i++) {
		pair(lfd, i, &cli, &srv);
		close(cli);
	}
	if (n_synsent) {
		/* Backlog 0: one queued connection fills it; later SYNs are dropped. */
		if (ts_listen(family_of(0), port + 1, 0) < 0)
			die("listen");
		if (ts_connect(family_of(0), port + 1, 0) < 0)
			die("connect to the full listener");
		for (i = 0; i < n_synsent; i++)
			if (ts_connect(family_of(0), port + 1, 1) < 0)
				die("non-blocking connect");
	}
	if (n_req) {
		int l = ts_listen(family_of(0), port + 2, 4096), secs = 60;

		if (l < 0 || setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)))
			die("defer-accept listener");
		for (i = 0; i < n_req; i++)
			if (ts_connect(family_of(0), port + 2, 0) < 0)
				die("connect to the defer-accept listener");
	}
	if (n_lossy) {
		int fw1[n_lossy], la[n_lossy], peer;

		for (i = 0; i < n_lossy; i++) {
			pair(lfd, i, &fw1[i], &peer);
			pair(lfd, i, &peer, &la[i]);
			shutdown(peer, SHUT_WR);	/* la[i]: CLOSE-WAIT */
		}
		usleep(100000);
		if (system("tc qdisc add dev lo root netem loss 100%"))
			die("tc netem loss");
		for (i = 0; i < n_lossy; i++) {
			close(fw1[i]);		/* FIN lost: FIN-WAIT-1 */
			close(la[i]);		/* FIN lost: LAST-ACK */
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (hold)
		sigwait(&sigs, &sig);
	return 0;
}
