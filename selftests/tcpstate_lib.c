// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the tcpstate selftests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpstate_lib.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

int ts_open(void)
{
	return open(TS_DEVICE, O_RDONLY | O_CLOEXEC);
}

int ts_stats(int fd, struct tcpstate_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, TCPSTATE_IOC_STATS, st);
}

long ts_snapshot(int fd, struct tcpstate_conn **out, unsigned int chunk)
{
	struct tcpstate_snapshot req = { 0 };
	struct tcpstate_conn *all = NULL, *tmp;
	long n = 0, cap = 0;

	do {
		if (n + chunk > cap) {
			cap = (n + chunk) * 2;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp) {
				free(all);
				return -1;
			}
			all = tmp;
		}
		req.size = sizeof(req);
		req.conn_size = sizeof(*all);
		req.count = chunk;
		req.conns = (uintptr_t)(all + n);
		if (ioctl(fd, TCPSTATE_IOC_SNAPSHOT, &req)) {
			free(all);
			return -1;
		}
		n += req.count;
	} while (!(req.flags & TCPSTATE_SNAPSHOT_DONE));
	*out = all;
	return n;
}

const struct tcpstate_conn *ts_find(const struct tcpstate_conn *c, long n,
				    __u64 cookie)
{
	long i;

	for (i = 0; i < n; i++)
		if (c[i].cookie == cookie)
			return &c[i];
	return NULL;
}

int ts_entry_of(__u64 cookie, struct tcpstate_conn *out)
{
	struct tcpstate_conn *all = NULL;
	const struct tcpstate_conn *c;
	int fd = ts_open();
	long n;

	if (fd < 0)
		return -1;
	n = ts_snapshot(fd, &all, 64);
	close(fd);
	c = n < 0 ? NULL : ts_find(all, n, cookie);
	if (c)
		*out = *c;
	free(all);
	return c ? 0 : -1;
}

int ts_entries_of(int fd, __u64 cookie, int family, unsigned short sport,
		  unsigned short dport, struct tcpstate_conn *last)
{
	struct tcpstate_conn *all;
	int found = 0;
	long n, k;

	n = ts_snapshot(fd, &all, 64);
	if (n < 0)
		return -1;
	for (k = 0; k < n; k++) {
		if (all[k].cookie != cookie &&
		    (all[k].family != family || all[k].sport != sport ||
		     all[k].dport != dport))
			continue;
		*last = all[k];
		found++;
	}
	free(all);
	return found;
}

__u64 ts_sock_cookie(int sock)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(sock, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

int ts_wait_state(int fd, __u64 cookie, int state, int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		struct tcpstate_conn *c;
		const struct tcpstate_conn *e;
		int seen;
		long n = ts_snapshot(fd, &c, 256);

		if (n < 0)
			return -1;
		e = ts_find(c, n, cookie);
		seen = e ? e->state : 0;
		free(c);
		if (seen == state)
			return state;
		if (waited + 10 > timeout_ms)
			return seen;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int ts_new_netns(void)
{
	struct ifreq ifr = { 0 };
	int s, err;

	if (unshare(CLONE_NEWNET))
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	err = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return err;
}

int ts_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(value);

	if (fd < 0)
		return -1;
	if (write(fd, value, len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

in_addr_t ts_ipv4_addr;	/* 0: 127.0.0.1 */

socklen_t ts_addr(int family, unsigned short port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	((struct sockaddr_in *)ss)->sin_addr.s_addr = ts_ipv4_addr ?: htonl(INADDR_LOOPBACK);
	return sizeof(struct sockaddr_in);
}

int ts_bound_connect(int family, unsigned short lport, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, s;

	s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = ts_addr(family, lport, &ss);
	if (bind(s, (struct sockaddr *)&ss, len))
		goto fail;
	len = ts_addr(family, port, &ss);
	if (connect(s, (struct sockaddr *)&ss, len))
		goto fail;
	return s;
fail:
	close(s);
	return -1;
}

int ts_listen(int family, unsigned short port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = ts_addr(family, port, &ss);
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

int ts_connect(int family, unsigned short port, int nonblock)
{
	struct sockaddr_storage ss;
	socklen_t len = ts_addr(family, port, &ss);
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) &&
	    !(nonblock && errno == EINPROGRESS)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int ts_conn_open(struct ts_conn *c, int family, unsigned short port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->lfd = ts_listen(family, port, 16);
	if (c->lfd < 0)
		return -1;
	c->cfd = ts_connect(family, port, 0);
	if (c->cfd < 0)
		return -1;
	c->sfd = accept(c->lfd, NULL, NULL);
	if (c->sfd < 0)
		return -1;
	if (getsockname(c->cfd, (struct sockaddr *)&ss, &len))
		return -1;
	c->cport = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			 ((struct sockaddr_in *)&ss)->sin_port);
	c->lcookie = ts_sock_cookie(c->lfd);
	c->ccookie = ts_sock_cookie(c->cfd);
	c->scookie = ts_sock_cookie(c->sfd);
	return 0;
}

void ts_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long long ts_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ts_pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set);
}

int ts_first_cpus(int *cpus, int n)
{
	cpu_set_t set;
	int cpu, found = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && found < n; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[found++] = cpu;
	return found;
}

int ts_param_read(const char *name, char *value, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), TS_PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(value, size, f)) {
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	fclose(f);
	value[strcspn(value, "\n")] = '\0';
	return 0;
}

int ts_rt_mode(void)
{
	char buf[4];

	if (ts_param_read("rt_mode", buf, sizeof(buf)))
		return -1;
	if (strcmp(buf, "Y") && strcmp(buf, "N")) {
		errno = EINVAL;
		return -1;
	}
	return buf[0] == 'Y';
}

int ts_state_of_ss_name(const char *name)
{
	int i;

	for (i = 1; i < TCPSTATE_STATE_MAX; i++)
		if (!strcmp(name, state_ss_name(i)))
			return i;
	return 0;
}

/* The port after the last ':' of an ss address ("127.0.0.1:9000", "[::1]:9000"). */
static int ss_port(const char *addr)
{
	const char *p = strrchr(addr, ':');

	return p ? atoi(p + 1) : -1;
}

int ts_ss_read(struct ts_ss_view *v, unsigned short lport, unsigned short rport)
{
	char line[1024], st[32], local[128], peer[128], *p;
	/* Without cgroup2 mounted, ss -e says so on stderr for every socket. */
	FILE *f = popen("ss -tanHe 2>/dev/null", "r");
	int s;

	memset(v, 0, sizeof(*v));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %*s %*s %127s %127s", st, local, peer) != 3)
			continue;
		s = ts_state_of_ss_name(st);
		if (!s)
			continue;
		v->n[s]++;
		if ((lport && ss_port(local) != lport) || (rport && ss_port(peer) != rport))
			continue;
		v->state = s;
		p = strstr(line, " sk:");
		if (p)
			v->cookie = strtoull(p + 4, NULL, 16);
	}
	return pclose(f) == 0 ? 0 : -1;
}

#define SEP "\t\n "

long long ts_mib(const char *group, const char *field)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	FILE *f = popen("cat /proc/net/snmp /proc/net/netstat", "r");
	size_t glen = strlen(group);
	long long found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		if (strncmp(names, group, glen) || names[glen] != ':')
			continue;
		n = strtok_r(names + glen + 1, SEP, &sn);
		v = strtok_r(values + glen + 1, SEP, &sv);
		for (; n && v; n = strtok_r(NULL, SEP, &sn), v = strtok_r(NULL, SEP, &sv))
			if (!strcmp(n, field))
				found = atoll(v);
	}
	pclose(f);
	return found;
}
