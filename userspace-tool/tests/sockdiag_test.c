// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the sock_diag reader behind `tcpstate audit`, on real
 * sockets of this machine (no module needed): the dump finds our own
 * listener, connections and timewait socket by the cookie SO_COOKIE
 * gives, agrees with `ss -tan` on them, and reads another network
 * namespace through -n.  TAP output.
 */
#define _GNU_SOURCE		/* unshare() */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"

#include "../errors.h"
#include "../format.h"
#include "../sockdiag.h"
#include "../states.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define PLAN 10

static __u64 cookie_of(int fd)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		ksft_exit_fail_msg("SO_COOKIE: %s\n", strerror(errno));
	return cookie;
}

static unsigned int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		ksft_exit_fail_msg("getsockname: %s\n", strerror(errno));
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static socklen_t make_addr(struct sockaddr_storage *ss, int family,
			   const char *addr, unsigned int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		return sizeof(*in);
	}
	in6->sin6_port = htons(port);
	inet_pton(AF_INET6, addr, &in6->sin6_addr);
	return sizeof(*in6);
}

/* A listener on @addr, port chosen by the kernel; -1 when it cannot be. */
static int listener(int family, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, addr, 0);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int family, const char *addr, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, addr, port);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		ksft_exit_fail_msg("connect: %s\n", strerror(errno));
	return fd;
}

/* The socket @cookie of a fresh dump of @sk, or NULL. */
static const struct tcpstate_conn *find(const struct tcpstate_conn *v, long n,
					__u64 cookie)
{
	long i;

	for (i = 0; i < n; i++)
		if (v[i].cookie == cookie)
			return &v[i];
	return NULL;
}

static long dump(int sk, int family, struct tcpstate_conn **v)
{
	long n = sockdiag_dump(sk, family, v);

	if (n < 0)
		ksft_exit_fail_msg("sockdiag_dump: %s\n", last_error());
	return n;
}

/* "STATE LOCAL REMOTE" of @c, as ss -tan prints them. */
static void describe(char *buf, size_t len, const struct tcpstate_conn *c)
{
	char l[FORMAT_ENDPOINT_LEN], p[FORMAT_ENDPOINT_LEN];

	snprintf(buf, len, "%s %s %s", state_ss_name(c->state),
		 format_endpoint(l, sizeof(l), c->family, c->saddr, c->sport),
		 format_endpoint(p, sizeof(p), c->family, c->daddr, c->dport));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Our sockets on @port, one line each, sorted, as ss_lines() has them. */
static char *our_lines(const struct tcpstate_conn *v, long n, unsigned int port)
{
	static char out[4096];
	char lines[16][128], *sorted[16];
	long i, m = 0;

	for (i = 0; i < n && m < 16; i++) {
		if (v[i].sport != port && v[i].dport != port)
			continue;
		describe(lines[m], sizeof(lines[m]), &v[i]);
		sorted[m] = lines[m];
		m++;
	}
	qsort(sorted, m, sizeof(sorted[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < m; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n",
			 sorted[i]);
	return out;
}

/* What `ss -tan` shows on @port, likewise (its port * as 0); NULL without ss. */
static char *ss_lines(unsigned int port)
{
	static char out[4096];
	char cmd[256];
	size_t len;
	FILE *p;

	if (system("command -v ss >/dev/null 2>&1"))
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "ss -Htan '( sport = :%u or dport = :%u )' | awk '{print $1, $4, $5}' | sed 's/:[*]/:0/g' | LC_ALL=C sort",
		 port, port);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	pclose(p);
	return out;
}

/* Poll dumps of @sk for @cookie in @state, up to two seconds. */
static bool wait_for_state(int sk, __u64 cookie, int state)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	const struct tcpstate_conn *c;
	struct tcpstate_conn *v;
	bool seen = false;
	int tries;
	long n;

	for (tries = 0; tries < 200 && !seen; tries++) {
		n = dump(sk, 0, &v);
		c = find(v, n, cookie);
		seen = c && c->state == state;
		free(v);
		if (!seen)
			nanosleep(&ts, NULL);
	}
	return seen;
}

static void test_own_sockets(int sk)
{
	const struct tcpstate_conn *c;
	struct tcpstate_conn *v;
	int lfd, cfd, afd;
	unsigned int port;
	__u64 client;
	char *ss;
	long n;

	lfd = listener(AF_INET, "127.0.0.1");
	if (lfd < 0)
		ksft_exit_fail_msg("listener on 127.0.0.1: %s\n", strerror(errno));
	port = port_of(lfd);
	cfd = connect_to(AF_INET, "127.0.0.1", port);
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		ksft_exit_fail_msg("accept: %s\n", strerror(errno));
	client = cookie_of(cfd);

	n = dump(sk, 0, &v);
	c = find(v, n, cookie_of(lfd));
	ksft_test_result(c && c->state == TCPSTATE_LISTEN && c->sport == port &&
			 c->family == AF_INET && c->saddr[0] == 127,
			 "listener_found_by_its_cookie_in_listen_on_its_port\n");
	c = find(v, n, client);
	ksft_test_result(c && c->state == TCPSTATE_ESTABLISHED &&
			 c->dport == port && c->sport == port_of(cfd),
			 "client_side_established_towards_the_port\n");
	c = find(v, n, cookie_of(afd));
	ksft_test_result(c && c->state == TCPSTATE_ESTABLISHED &&
			 c->sport == port && c->dport == port_of(cfd),
			 "server_side_established_from_the_client_port\n");
	ss = ss_lines(port);
	if (!ss)
		ksft_test_result_skip("same_sockets_as_ss_tan: no ss\n");
	else
		expect_str("same_sockets_as_ss_tan", ss, our_lines(v, n, port));
	free(v);

	/* The client closes first: a timewait socket takes its cookie over. */
	close(cfd);
	close(afd);
	ksft_test_result(wait_for_state(sk, client, TCPSTATE_TIME_WAIT),
			 "active_closer_in_time_wait_with_the_cookie_of_its_socket\n");
	close(lfd);
}

static void test_families(int sk)
{
	struct tcpstate_conn *v;
	__u64 v4, v6;
	int l4, l6;
	long n;

	l4 = listener(AF_INET, "127.0.0.1");
	l6 = listener(AF_INET6, "::1");
	if (l4 < 0)
		ksft_exit_fail_msg("listener on 127.0.0.1: %s\n", strerror(errno));
	v4 = cookie_of(l4);
	n = dump(sk, AF_INET, &v);
	ksft_test_result(find(v, n, v4) && !(l6 >= 0 && find(v, n, cookie_of(l6))),
			 "ipv4_dump_has_the_ipv4_listener_only\n");
	free(v);
	if (l6 < 0) {
		ksft_test_result_skip("ipv6_dump_has_the_ipv6_listener_only: no ::1\n");
		close(l4);
		return;
	}
	v6 = cookie_of(l6);
	n = dump(sk, AF_INET6, &v);
	ksft_test_result(find(v, n, v6) && !find(v, n, v4) &&
			 find(v, n, v6)->family == AF_INET6 &&
			 find(v, n, v6)->sport == port_of(l6),
			 "ipv6_dump_has_the_ipv6_listener_only\n");
	free(v);
	close(l6);
	close(l4);
}

/*
 * A child in a network namespace of its own, listening; its cookie.
 * @flags: CLONE_NEWNET, with CLONE_NEWUSER when we are not root.
 */
static pid_t spawn_in_netns(int flags, __u64 *cookie)
{
	int p[2], l;
	__u64 c = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (!unshare(flags)) {
			l = listener(AF_INET, "0.0.0.0");
			if (l >= 0)
				c = cookie_of(l);
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c) || !c)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && (read(p[0], &c, sizeof(c)) != sizeof(c) || !c)) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	*cookie = c;
	return pid;
}

static ino_t own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/* How many sockets `ss -tan` shows in the namespace of @pid; -1: no nsenter. */
static long ss_count_in(pid_t pid)
{
	char cmd[256];
	long n = -1;
	FILE *p;

	if (system("command -v nsenter >/dev/null 2>&1 && command -v ss >/dev/null 2>&1"))
		return -1;
	snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/ns/net ss -Htan | wc -l",
		 (int)pid);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%ld", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/*
 * Without privilege, the namespace of a child's own user namespace can be
 * opened but not entered: one error line that says what is needed.
 */
static void test_netns_unprivileged(void)
{
	static const char name[] = "other_netns_unprivileged_is_one_error_line";
	char arg[32], want[256];
	__u64 theirs;
	pid_t pid;
	int sk;

	pid = spawn_in_netns(CLONE_NEWUSER | CLONE_NEWNET, &theirs);
	if (pid < 0) {
		ksft_test_result_skip("%s: no user namespaces\n", name);
		return;
	}
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	snprintf(want, sizeof(want),
		 "tcpstate: netns %s: cannot enter it: %s (needs CAP_SYS_ADMIN over that namespace)",
		 arg, strerror(EPERM));
	sk = sockdiag_open(arg);
	expect_str(name, want, sk < 0 ? last_error() : "(opened)");
	if (sk >= 0)
		close(sk);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void test_netns(void)
{
	struct tcpstate_conn *v;
	__u64 ours, theirs;
	char arg[32];
	ino_t before;
	long n, ss;
	int sk, l;
	pid_t pid;

	/* -n naming our own namespace needs no setns(), hence no privilege. */
	l = listener(AF_INET, "127.0.0.1");
	ours = cookie_of(l);
	sk = sockdiag_open("/proc/self/ns/net");
	n = sk < 0 ? 0 : dump(sk, 0, &v);
	ksft_test_result(sk >= 0 && find(v, n, ours),
			 "netns_of_our_own_is_read_without_entering_it\n");
	if (sk >= 0) {
		free(v);
		close(sk);
	}

	sk = sockdiag_open("/nonexistent/ns");
	expect_str("bad_netns_is_one_error_line",
		   "tcpstate: netns /nonexistent/ns: No such file or directory",
		   sk < 0 ? last_error() : "(opened)");

	if (geteuid()) {
		test_netns_unprivileged();
		close(l);
		return;
	}
	pid = spawn_in_netns(CLONE_NEWNET, &theirs);
	if (pid < 0) {
		ksft_test_result_skip("%s: cannot unshare\n",
				      "other_netns_dump_has_its_sockets_not_ours");
		close(l);
		return;
	}
	before = own_netns();
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	sk = sockdiag_open(arg);
	n = sk < 0 ? 0 : dump(sk, 0, &v);
	ss = ss_count_in(pid);
	ksft_test_result(sk >= 0 && find(v, n, theirs) && !find(v, n, ours) &&
			 own_netns() == before && (ss < 0 || ss == n),
			 "other_netns_dump_has_its_sockets_not_ours\n");
	if (sk < 0)
		ksft_print_msg("sockdiag_open(%s): %s\n", arg, last_error());
	else
		ksft_print_msg("netns of pid %d: %ld sockets; ss -tan there: %ld\n",
			       (int)pid, n, ss);
	if (sk >= 0) {
		free(v);
		close(sk);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(l);
}

int main(void)
{
	int sk;

	ksft_print_header();
	sk = sockdiag_open(NULL);
	if (sk < 0)
		ksft_exit_skip("no sock_diag here: %s\n", last_error());
	ksft_set_plan(PLAN);
	test_own_sockets(sk);
	test_families(sk);
	close(sk);
	test_netns();
	ksft_finished();
}
