// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_workload: put loopback TCP connections of the caller's namespace
 * into chosen states, print "ready" and hold them until SIGTERM or SIGINT.
 *
 *   -t N  TIME-WAIT on the client: the client closes first
 *   -T N  TIME-WAIT on the server: the server closes first
 *   -e N  ESTABLISHED pairs, kept open
 *   -w N  client FIN-WAIT-2 (shutdown, fd kept) + server CLOSE-WAIT
 *   -o N  client FIN-WAIT-2 orphaned (a timewait socket, or rarely a full
 *         socket the kernel keeps for tcp_fin_timeout) + server CLOSE-WAIT
 *   -s N  SYN-SENT: connects to a listener whose accept queue is full
 *   -r N  SYN-RECV request sockets: connects without data to a listener
 *         with TCP_DEFER_ACCEPT, which ignores the bare final ACK (P+2)
 *   -S N  server-closed TIME-WAITs, each ended at once by a new SYN from
 *         the client's port (the timewait socket dies with cause "syn");
 *         the new connections are aborted (RST), leaving nothing behind
 *   -L N  FIN-WAIT-1 and LAST-ACK, N of each: closes while netem drops
 *         every segment on lo (needs tc; do this last, lo stays lossy)
 *   -c N  the client closes with a byte from the server unread: a RST
 *         instead of a FIN, nothing left on either side
 *   -k N  resets: close with SO_LINGER 0, by the client for even i, the
 *         server for odd i; the other side then closes too
 *   -R N  connect() over TIME-WAIT: the client closes first, then a new
 *         socket binds the same local port and connects to the same
 *         listener, taking over the timewait socket (it dies "reused");
 *         then it closes first again, leaving a TIME-WAIT
 *   -f N  FIN-WAIT-1 orphans: the client fills the window the server never
 *         reads and closes; its FIN waits behind the data until the server
 *         socket goes at exit (a RST, as it closes with data unread)
 *   -F N  SYN flood: two processes make N non-blocking connects at once
 *         to listeners on P+3 with backlog -b, which one loop accepts
 *         slowly, closing what it accepts (every third with a RST); when
 *         every client has connected or failed (at most 5 s) they reset
 *         (SO_LINGER 0).  With tcp_abort_on_overflow=1 a full
 *         accept queue resets clients; with tcp_syncookies=2 every SYN
 *         gets a syncookie
 *   -b B  backlog of the -F listeners (default 2)
 *   -W    when connect() finds no free local port (EADDRNOTAVAIL), wait
 *         and retry, for up to 20 s (a narrow ip_local_port_range with
 *         tcp_tw_reuse: ports come free as TIME-WAITs pass 1 s of age)
 *   -6    IPv6 (::1) instead of IPv4 (127.0.0.1); -m mixes: odd ones IPv6
 *   -p P  listening port (default 8000; SYN-SENT uses P+1)
 *   -a A  IPv4 address of the listeners (default 127.0.0.1; any 127/8)
 *   -x    exit after "ready" instead of holding (timewait sockets stay)
 *
 * Owners (a server and clients in processes, and cgroups, of their own):
 *   -N NAME  name this process NAME (prctl PR_SET_NAME) before anything
 *   -P NAME  serve: listen() here on -a:-p (IPv4), and accept() in a forked
 *            child named NAME, which closes each connection when the
 *            client has (its TIME-WAIT is the client's), or at once with
 *            -q (the TIME-WAIT is the server's); no other listeners
 *   -C N     client only: N connections to -a:-p, each closed first by
 *            this client (TIME-WAIT here once the server closed too)
 *   -K N     client only: N connections to -a:-p, each closed when the
 *            server has closed it (a -q server: its TIME-WAIT)
 *   -G       the clients connect all N, print "connected" and close them
 *            only at SIGUSR1: TIME-WAITs of several clients then begin
 *            together, however slow connecting was
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpstate_lib.h"

static int port = 8000;
static int family_mode = 4;	/* 4, 6, or 'm' for mixed */
static int wait_for_port;	/* -W */
static char doing[32] = "setup";	/* the step, for reports: "-t 5" */
static int strays;		/* connections accept_from() closed */

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

/*
 * A client socket connected (or, @nonblock, connecting) to the listener on
 * loopback port @p; with @reuse SO_REUSEADDR, with @local bound there
 * first.  With -W, or @local, EADDRNOTAVAIL is waited out.  Returns the
 * fd or -1.
 */
static int client(int family, int p, int nonblock, int reuse,
		  const struct sockaddr_storage *local, socklen_t llen)
{
	struct sockaddr_storage peer;
	socklen_t plen = ts_addr(family, p, &peer);
	int fd, waited, e;

	for (waited = 0; ; waited += 10) {
		fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
		if (fd < 0)
			return -1;
		if (reuse)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
		if (local && bind(fd, (const struct sockaddr *)local, llen))
			break;
		if (!connect(fd, (struct sockaddr *)&peer, plen) ||
		    (nonblock && errno == EINPROGRESS))
			return fd;
		/*
		 * A bound port waits for its old connection to reach TIME-WAIT
		 * (the last FIN may still be on its way): up to 20 s, a bound
		 * for the machine's speed (a guest on an overloaded host stalls
		 * for seconds; a soft lockup report of 24 s was seen).
		 */
		if (errno != EADDRNOTAVAIL || (!local && !wait_for_port) ||
		    waited >= 20000)
			break;
		close(fd);
		usleep(10000);
	}
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * Who holds local port @ss: `ss -tano` of the port, to stderr, when a
 * bind() or connect() there failed (ss lists TIME-WAIT and closing
 * sockets, which hold a port as much as open ones do).
 */
static void show_port(const struct sockaddr_storage *ss)
{
	char cmd[96], line[512];
	int e = errno, p;
	FILE *f;

	p = ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port :
		  ((const struct sockaddr_in *)ss)->sin_port);
	snprintf(cmd, sizeof(cmd), "ss -tanoH '( sport = :%d or dport = :%d )' 2>&1", p, p);
	fflush(NULL);
	f = popen(cmd, "r");
	if (f) {
		fprintf(stderr, "tcp_workload: the sockets on port %d now (ss -tano):\n", p);
		while (fgets(line, sizeof(line), f))
			fprintf(stderr, "tcp_workload:   %s", line);
		pclose(f);
	}
	errno = e;
}

/* Names the step under way, for the reports: "-t 5". */
static void step(char opt, int i)
{
	snprintf(doing, sizeof(doing), "-%c %d", opt, i);
}

/*
 * The peer's FIN, or an error (a RST), and a connection to accept, must
 * come within this: on loopback each follows a close() or connect()
 * already made, so a wait this long is a hang, which fails here with the
 * socket's story instead of at the harness's timeout with none.
 */
#define EOF_TIMEOUT_MS	60000

/* Close with a RST instead of a FIN: no TIME-WAIT on either side. */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Whether @a and @b are the same address and port. */
static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
}

/*
 * accept() on @l the connection of client socket @cli, which must come
 * within EOF_TIMEOUT_MS (the client has connected).
 *
 * Another one can come first.  With syncookies a listener keeps no state
 * for a handshake, so any ACK that carries a handshake's numbers (the
 * client's first sequence number, and the cookie, the server's first, plus
 * one) makes a new connection.  Such an ACK that reaches the listener
 * after the server's socket for that connection has gone (delayed in
 * flight and overtaken by the rest of the connection, or sent again: a SYN
 * retransmitted on a guest slow enough that the SYN-ACK took over a second
 * gets a second SYN-ACK, which the client answers) makes a stray: an
 * ESTABLISHED connection with no peer.  Taking it for this client's
 * would leave a step waiting for a FIN that never comes, and every later
 * step one behind.  A stray on the very 4-tuple of this client (a port
 * bound again, -R) was reset by the client's SYN before the real one was
 * queued: it is no longer ESTABLISHED.  Strays are closed with a RST
 * (outside the window of a TIME-WAIT the client may have on that tuple)
 * and counted in strays.
 */
static int accept_from(int l, int cli)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	struct sockaddr_storage mine, peer;
	socklen_t len = sizeof(mine);
	struct tcp_info ti;
	int fd, n = 0, r;

	if (getsockname(cli, (struct sockaddr *)&mine, &len))
		die("getsockname");
	for (;;) {
		r = poll(&p, 1, EOF_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				die("poll on the listener");
			fprintf(stderr, "tcp_workload: %s: no connection to accept in %d ms\n",
				doing, EOF_TIMEOUT_MS);
			show_port(&mine);
			exit(1);
		}
		len = sizeof(peer);
		fd = accept(l, (struct sockaddr *)&peer, &len);
		if (fd < 0)
			die("accept");
		len = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
		if (same_endpoint(&mine, &peer) && ti.tcpi_state == TCP_ESTABLISHED)
			return fd;
		abort_close(fd);
		strays++;
		if (++n == 64) {
			fprintf(stderr,
				"tcp_workload: %s: 64 connections accepted, none of them this client's\n",
				doing);
			show_port(&mine);
			exit(1);
		}
	}
}

/* A connected pair: *cli and *srv. */
static void pair(int lfd[2], int i, int *cli, int *srv)
{
	int family = family_of(i);

	*cli = client(family, port, 0, 0, NULL, 0);
	if (*cli < 0)
		die("connect");
	*srv = accept_from(lfd[family == AF_INET6], *cli);
}

/* Wait until @fd has something to read, an error or a hang-up. */
static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) != 1)
		die("poll: nothing came in 10 s");
}

/* Why a read has waited too long: the socket, its state, and ss's view. */
static void show_stuck(int fd)
{
	struct sockaddr_storage local;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	const char *name;

	memset(&ti, 0, sizeof(ti));
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	name = state_ss_name(ti.tcpi_state);	/* the kernel's numbers */
	fprintf(stderr, "tcp_workload: %s: stuck socket: %s, retransmits %u,",
		doing, name ? name : "state unknown", ti.tcpi_retransmits);
	fprintf(stderr, " probes %u, backoff %u, unacked %u\n",
		ti.tcpi_probes, ti.tcpi_backoff, ti.tcpi_unacked);
	len = sizeof(local);
	if (!getsockname(fd, (struct sockaddr *)&local, &len))
		show_port(&local);
}

/*
 * Read until the peer's FIN or an error: within @timeout_ms of the last
 * byte, or, if negative, however long it takes.
 */
static void read_to_eof(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;
	int r;

	for (;;) {
		r = timeout_ms >= 0 ? poll(&p, 1, timeout_ms) : 1;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0) {
			show_stuck(fd);
			fprintf(stderr, "tcp_workload: no FIN or RST from the peer in %d ms\n",
				timeout_ms);
			exit(1);
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
	}
}

static void wait_eof(int fd)
{
	read_to_eof(fd, EOF_TIMEOUT_MS);
}

/* A socket with SO_REUSEADDR bound to @local (port 0: one bind() picks). */
static int bound(const struct sockaddr_storage *local, socklen_t llen)
{
	int fd = socket(local->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, e;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)local, llen)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * The server closes first and ends in TIME-WAIT; then a SYN from the
 * client's port, to the same listener, ends that timewait socket (the
 * kernel's TCP_TW_SYN) and makes a new connection, which is aborted.
 *
 * The client's port is one that bind() picks, with SO_REUSEADDR, not one
 * connect() picks: connect() shares a port with sockets connected to other
 * destinations (inet_hash_connect() asks only that the 4-tuple be new),
 * such as the TIME-WAITs of an earlier workload in the namespace, and
 * those, without SO_REUSEADDR, make a bind() to that port fail with
 * EADDRINUSE for as long as they live, up to 60 s.  bind() picks a port
 * no socket of the namespace has.  From then on sockets of ours, all with
 * SO_REUSEADDR, hold the port (no conflict among them; connect() passes
 * over a port bound so), until the new connection has it.
 */
static void timewait_killed_by_syn(int lfd[2], int i)
{
	struct sockaddr_storage local, peer;
	int family = family_of(i), cli, srv, held, waited;
	socklen_t llen = ts_addr(family, 0, &local), plen = ts_addr(family, port, &peer);

	if (family == AF_INET)	/* the address connect() would take */
		((struct sockaddr_in *)&local)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cli = client(family, port, 0, 1, &local, llen);
	if (cli < 0)
		die("connect from a port bind() picks");
	srv = accept_from(lfd[family == AF_INET6], cli);
	llen = sizeof(local);
	if (getsockname(cli, (struct sockaddr *)&local, &llen))
		die("getsockname");
	held = bound(&local, llen);
	if (held < 0) {
		show_port(&local);
		die("bind to the client's port while it is connected");
	}
	close(srv);
	wait_eof(cli);
	close(cli);
	/* Let the server's timewait socket take the client's FIN. */
	usleep(100000);
	/*
	 * EADDRNOTAVAIL while the old connection is still in LAST-ACK (its
	 * FIN or the ACK may still be on its way): up to 20 s, as client().
	 */
	for (waited = 0; ; waited += 10) {
		cli = bound(&local, llen);
		if (cli >= 0 && !connect(cli, (struct sockaddr *)&peer, plen))
			break;
		if (cli < 0 || errno != EADDRNOTAVAIL || waited >= 20000) {
			show_port(&local);
			die("connect from the client's port over the server's TIME-WAIT");
		}
		close(cli);
		usleep(10000);
	}
	close(held);
	srv = accept_from(lfd[family == AF_INET6], cli);
	abort_close(srv);
	abort_close(cli);
}

/* The client closes with the server's byte unread: a RST, not a FIN. */
static void close_with_unread_data(int lfd[2], int i)
{
	int cli, srv;

	pair(lfd, i, &cli, &srv);
	if (write(srv, "x", 1) != 1)
		die("write");
	wait_readable(cli);
	close(cli);
	wait_readable(srv);
	wait_eof(srv);
	close(srv);
}

/* One side closes with SO_LINGER 0 (a RST), then the other. */
static void reset_pair(int lfd[2], int i)
{
	int cli, srv;

	pair(lfd, i, &cli, &srv);
	if (i & 1) {
		abort_close(srv);
		wait_eof(cli);
		close(cli);
	} else {
		abort_close(cli);
		wait_eof(srv);
		close(srv);
	}
}

/* A connection on @cli (with SO_REUSEADDR) that the client closes first. */
static void client_closes_first(int lfd[2], int family, int cli)
{
	int srv = accept_from(lfd[family == AF_INET6], cli);

	close(cli);
	wait_eof(srv);
	close(srv);
}

/*
 * connect() over the client's own TIME-WAIT: bound to the same port, the
 * new socket takes the timewait socket's 4-tuple (tcp_twsk_unique(); a
 * bound connect() needs only timestamps, not tcp_tw_reuse).
 */
static void connect_over_timewait(int lfd[2], int i)
{
	struct sockaddr_storage local;
	int family = family_of(i), cli, tries;
	socklen_t llen;

	for (tries = 0; ; tries++) {
		cli = client(family, port, 0, 1, NULL, 0);
		if (cli < 0)
			die("connect");
		llen = sizeof(local);
		if (getsockname(cli, (struct sockaddr *)&local, &llen))
			die("getsockname");
		client_closes_first(lfd, family, cli);
		cli = client(family, port, 0, 1, &local, llen);
		if (cli >= 0)
			break;
		/*
		 * EADDRINUSE: another connection of the namespace, to another
		 * destination, has the same local port without SO_REUSEADDR,
		 * and bind() refuses it.  Take another port.
		 */
		if (errno != EADDRINUSE || tries == 20)
			die("connect over the TIME-WAIT");
	}
	client_closes_first(lfd, family, cli);
}

/*
 * An orphan in FIN-WAIT-1: the client writes until the server's window
 * and its own send buffer are full (no room for 200 ms), and closes; the
 * server never reads and its socket stays open.  The listener's small
 * receive buffer, which its children inherit, keeps that window small.
 */
static void fin_wait1_orphan(int lfd[2], int i)
{
	static const char buf[4096];
	int cli, srv, small = 4096;
	struct pollfd p = { .events = POLLOUT };

	setsockopt(lfd[family_of(i) == AF_INET6], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	pair(lfd, i, &cli, &srv);
	setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	if (fcntl(cli, F_SETFL, O_NONBLOCK))
		die("fcntl");
	p.fd = cli;
	do {
		while (write(cli, buf, sizeof(buf)) > 0)
			;
		if (errno != EAGAIN)
			die("filling the window");
	} while (poll(&p, 1, 200) == 1);
	close(cli);
}

/* A client of the flood is done: connected, refused or reset. */
static int settled(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1;
}

static void flood_clients(int n, int first)
{
	int *c = calloc(n, sizeof(*c)), i, pending, waited;

	if (!c)
		die("calloc");
	for (i = 0; i < n; i++) {
		c[i] = client(family_of(first + i), port + 3, 1, 0, NULL, 0);
		if (c[i] < 0)
			die("flood connect");
	}
	for (waited = 0; waited < 5000; waited += 10) {
		for (i = 0, pending = 0; i < n; i++)
			pending += !settled(c[i]);
		if (!pending)
			break;
		usleep(10000);
	}
	/*
	 * A client can believe it is connected while the server has nothing
	 * (a syncookie ACK dropped at a full accept queue): a FIN would then
	 * be retransmitted, with backoff, until the listener is gone.  A RST
	 * leaves nothing behind.
	 */
	for (i = 0; i < n; i++)
		abort_close(c[i]);
	free(c);
}

/* Accept what is queued, at most @max; close each, every third with a RST. */
static int accept_some(int l[2], int max)
{
	static int accepted;
	int n = 0, k, fd;

	for (k = 0; k < 2; k++) {
		while (n < max && (fd = accept(l[k], NULL, NULL)) >= 0) {
			if (++accepted % 3 == 0)
				abort_close(fd);
			else
				close(fd);
			n++;
		}
	}
	return n;
}

static void syn_flood(int n, int backlog)
{
	int l[2], k, alive = 2, status;
	pid_t kid[2];

	l[0] = ts_listen(AF_INET, port + 3, backlog);
	l[1] = ts_listen(AF_INET6, port + 3, backlog);
	if (l[0] < 0 || l[1] < 0)
		die("listen for the flood");
	if (fcntl(l[0], F_SETFL, O_NONBLOCK) || fcntl(l[1], F_SETFL, O_NONBLOCK))
		die("fcntl");
	fflush(NULL);
	for (k = 0; k < 2; k++) {
		kid[k] = fork();
		if (kid[k] < 0)
			die("fork");
		if (kid[k] == 0) {
			close(l[0]);
			close(l[1]);
			flood_clients(n / 2 + (k ? n % 2 : 0), k ? n / 2 : 0);
			_exit(0);
		}
	}
	/* Slower than the clients: one accept every 2 ms, the queue overflows. */
	while (alive) {
		accept_some(l, 1);
		usleep(2000);
		for (k = 0; k < 2; k++) {
			if (kid[k] > 0 && waitpid(kid[k], &status, WNOHANG) == kid[k]) {
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					exit(1);	/* the client said why */
				kid[k] = 0;
				alive--;
			}
		}
	}
	while (accept_some(l, 64))
		;
	close(l[0]);
	close(l[1]);
}

/*
 * -P: listen here, accept in a child named @name (each connection closed
 * once the client closed it, or at once with @server_first); -C and -K:
 * clients of such a server.  Then "ready", and hold as main() does.
 */
static int owners(const char *name, int server_first, int n_close_first,
		  int n_close_last, int gate, int hold, const sigset_t *sigs)
{
	int n = n_close_first + n_close_last;
	int *fds = calloc(n ? n : 1, sizeof(*fds));
	sigset_t usr1;
	pid_t kid = 0;
	int l, fd, i, sig;

	if (!fds)
		die("calloc");

	if (name) {
		l = ts_listen(AF_INET, port, 4096);
		if (l < 0)
			die("listen");
		kid = fork();
		if (kid < 0)
			die("fork");
		if (!kid) {
			sigprocmask(SIG_UNBLOCK, sigs, NULL);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (prctl(PR_SET_NAME, name, 0, 0, 0))
				die("prctl PR_SET_NAME");
			for (;;) {
				fd = accept(l, NULL, NULL);
				if (fd < 0)
					die("accept");
				/*
				 * The test decides when.  A stray (see
				 * accept_from()) would block this for good:
				 * none comes without syncookies=2, which the
				 * owner tests never set.
				 */
				if (!server_first)
					read_to_eof(fd, -1);
				close(fd);
			}
		}
		close(l);
	}
	for (i = 0; i < n; i++) {
		fds[i] = ts_connect(AF_INET, port, 0);
		if (fds[i] < 0)
			die("connect");
	}
	if (gate) {
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		printf("connected\n");
		fflush(stdout);
		sigwait(&usr1, &sig);
	}
	/*
	 * -C: this end closes first, and leaves the rest to the kernel (an
	 * orphan, in TIME-WAIT once the server closed too: waiting for each
	 * server close in turn is slow on a busy emulated VM); -K: the
	 * server has closed.
	 */
	for (i = 0; i < n_close_first; i++)
		close(fds[i]);
	for (i = n_close_first; i < n; i++) {
		wait_eof(fds[i]);
		close(fds[i]);
	}
	free(fds);
	printf("ready\n");
	fflush(stdout);
	if (hold)
		sigwait(sigs, &sig);
	if (kid) {
		kill(kid, SIGTERM);
		waitpid(kid, NULL, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int n_tw = 0, n_stw = 0, n_est = 0, n_cw = 0, n_orphan = 0, n_synsent = 0;
	int n_req = 0, n_lossy = 0, n_syn_kill = 0;
	int n_unread = 0, n_reset = 0, n_reuse = 0, n_fw1 = 0, n_flood = 0, backlog = 2;
	int lfd[2], opt, i, cli, srv, hold = 1;
	int n_client = 0, n_client_last = 0, server_first = 0, gate = 0;
	const char *serve = NULL;
	struct rlimit rl;
	sigset_t sigs;
	int sig;

	while ((opt = getopt(argc, argv,
			     "t:T:e:w:o:s:r:S:L:c:k:R:f:F:b:W6mp:a:xN:P:qC:K:G")) != -1) {
		switch (opt) {
		case 'N':
			if (prctl(PR_SET_NAME, optarg, 0, 0, 0))
				die("prctl PR_SET_NAME");
			break;
		case 'P':
			serve = optarg;
			break;
		case 'q':
			server_first = 1;
			break;
		case 'C':
			n_client = atoi(optarg);
			break;
		case 'K':
			n_client_last = atoi(optarg);
			break;
		case 'G':
			gate = 1;
			break;
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
		case 'c':
			n_unread = atoi(optarg);
			break;
		case 'k':
			n_reset = atoi(optarg);
			break;
		case 'R':
			n_reuse = atoi(optarg);
			break;
		case 'f':
			n_fw1 = atoi(optarg);
			break;
		case 'F':
			n_flood = atoi(optarg);
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'W':
			wait_for_port = 1;
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
	{
		sigset_t usr1;

		/* -G waits for it with sigwait(). */
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
	}

	if (serve || n_client || n_client_last)
		return owners(serve, server_first, n_client, n_client_last, gate,
			      hold, &sigs);

	lfd[0] = ts_listen(AF_INET, port, 4096);
	lfd[1] = ts_listen(AF_INET6, port, 4096);
	if (lfd[0] < 0 || lfd[1] < 0)
		die("listen");

	for (i = 0; i < n_tw; i++) {
		step('t', i);
		pair(lfd, i, &cli, &srv);
		close(cli);
		wait_eof(srv);
		close(srv);
	}
	for (i = 0; i < n_stw; i++) {
		step('T', i);
		pair(lfd, i, &cli, &srv);
		close(srv);
		wait_eof(cli);
		close(cli);
	}
	for (i = 0; i < n_syn_kill; i++) {
		step('S', i);
		timewait_killed_by_syn(lfd, i);
	}
	for (i = 0; i < n_unread; i++) {
		step('c', i);
		close_with_unread_data(lfd, i);
	}
	for (i = 0; i < n_reset; i++) {
		step('k', i);
		reset_pair(lfd, i);
	}
	for (i = 0; i < n_reuse; i++) {
		step('R', i);
		connect_over_timewait(lfd, i);
	}
	if (n_flood) {
		step('F', n_flood);
		syn_flood(n_flood, backlog);
	}
	for (i = 0; i < n_est; i++) {
		step('e', i);
		pair(lfd, i, &cli, &srv);
	}
	for (i = 0; i < n_cw; i++) {
		step('w', i);
		pair(lfd, i, &cli, &srv);
		shutdown(cli, SHUT_WR);
	}
	for (i = 0; i < n_orphan; i++) {
		step('o', i);
		pair(lfd, i, &cli, &srv);
		close(cli);
	}
	for (i = 0; i < n_fw1; i++) {
		step('f', i);
		fin_wait1_orphan(lfd, i);
	}
	if (n_synsent) {
		step('s', n_synsent);
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

		step('r', n_req);
		if (l < 0 || setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)))
			die("defer-accept listener");
		for (i = 0; i < n_req; i++)
			if (ts_connect(family_of(0), port + 2, 0) < 0)
				die("connect to the defer-accept listener");
	}
	if (n_lossy) {
		int fw1[n_lossy], la[n_lossy], peer;

		step('L', n_lossy);
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
	if (strays)
		printf("strays %d\n", strays);
	fflush(stdout);
	if (hold)
		sigwait(&sigs, &sig);
	return 0;
}
