/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tcpstate selftests: reading the device, socket
 * cookies, state names as ss(8) prints them.
 */
#ifndef TCPSTATE_LIB_H
#define TCPSTATE_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/tcpstate.h>

/* State names: the CLI's tables (ss names, JSON keys). */
#include "../userspace-tool/states.h"

#define TS_DEVICE "/dev/" TCPSTATE_DEVICE_NAME
#define TS_PARAM_DIR "/sys/module/tcpstate/parameters/"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A connected loopback pair and its listener. */
struct ts_conn {
	int family;
	int lfd, cfd, sfd;	/* listener, client, accepted server side */
	__u64 lcookie, ccookie, scookie;
	unsigned short cport;	/* the client's local port */
};

int ts_open(void);
int ts_stats(int fd, struct tcpstate_stats *st);
/* All entries of the caller's namespace, malloc()ed; returns the count or -1. */
long ts_snapshot(int fd, struct tcpstate_conn **out, unsigned int chunk);
const struct tcpstate_conn *ts_find(const struct tcpstate_conn *c, long n,
				    __u64 cookie);
/* The caller's namespace's entry of @cookie, copied to @out; 0 when found. */
int ts_entry_of(__u64 cookie, struct tcpstate_conn *out);
/*
 * How many entries the snapshot of @fd has with @cookie or with the 4-tuple
 * of @family, @sport, @dport (ports: a namespace with loopback alone);
 * the last of them in @last; -1 when the snapshot failed.
 */
int ts_entries_of(int fd, __u64 cookie, int family, unsigned short sport,
		  unsigned short dport, struct tcpstate_conn *last);
__u64 ts_sock_cookie(int sock);
/* Poll the snapshot until @cookie is in @state (or gone, for state 0). */
int ts_wait_state(int fd, __u64 cookie, int state, int timeout_ms);

/* Move the calling process into a new network namespace with lo up. */
int ts_new_netns(void);
/* Write a value to a file, e.g. a sysctl under /proc/sys. */
int ts_write_file(const char *path, const char *value);
/* The IPv4 address ts_listen() and ts_connect() use (network order; 0: 127.0.0.1). */
extern in_addr_t ts_ipv4_addr;
/* The loopback address ts_listen() and ts_connect() use, with @port. */
socklen_t ts_addr(int family, unsigned short port, struct sockaddr_storage *ss);
/* Listen on loopback @port (backlog @backlog); returns the fd or -1. */
int ts_listen(int family, unsigned short port, int backlog);
/* Connect a client to the loopback @port; returns the fd or -1. */
int ts_connect(int family, unsigned short port, int nonblock);
/*
 * Connect from loopback @lport (SO_REUSEADDR: a TIME-WAIT's port) to
 * loopback @port; returns the fd or -1.
 */
int ts_bound_connect(int family, unsigned short lport, unsigned short port);
/* Listener, client and accepted socket on loopback @port. */
int ts_conn_open(struct ts_conn *c, int family, unsigned short port);
void ts_sleep_ms(int ms);
/* CLOCK_MONOTONIC, in nanoseconds. */
long long ts_now_ns(void);
/* Pin thread @tid (0: the caller) to @cpu; sched_setaffinity()'s return. */
int ts_pin(pid_t tid, int cpu);
/*
 * Up to @n CPUs of the caller's affinity mask, the first ones, into @cpus:
 * how many, or -1 with errno.
 */
int ts_first_cpus(int *cpus, int n);
/* Module parameter @name's value, without its newline; 0, or -1 with errno. */
int ts_param_read(const char *name, char *value, size_t size);
/* The loaded module's rt_mode: 1 (Y), 0 (N), or -1 with errno. */
int ts_rt_mode(void);

/* What `ss -tanHe` shows of the caller's namespace. */
struct ts_ss_view {
	unsigned long long n[TCPSTATE_STATE_MAX];	/* sockets per state */
	int state;		/* of the socket ts_ss_read() looked for; 0: none */
	__u64 cookie;		/* its cookie (ss prints it as sk:HEX) */
};

/* The state of an ss(8) state name, "ESTAB"...; 0 for none. */
int ts_state_of_ss_name(const char *name);
/*
 * Read `ss -tanHe` into @v, and the socket whose local port is @lport
 * and peer port @rport (0: any) into v->state and v->cookie.
 */
int ts_ss_read(struct ts_ss_view *v, unsigned short lport, unsigned short rport);
/* A counter of /proc/net/snmp or /proc/net/netstat, e.g. "TcpExt" "ListenDrops"; -1: none. */
long long ts_mib(const char *group, const char *field);

#endif
