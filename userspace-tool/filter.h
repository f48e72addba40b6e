/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Selecting connections: the iproute2-style filter words of `tcpstate list`
 * ("state time-wait dst 10.0.0.0/8 dport 443", "comm nginx uid 33") and
 * the -4/-6 options.
 */
#ifndef TCPSTATE_FILTER_H
#define TCPSTATE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/tcpstate.h>

struct prefix {
	int family;		/* AF_INET or AF_INET6; 0: match any address */
	unsigned int len;	/* prefix length in bits */
	__u8 addr[16];
};

struct conn_filter {
	unsigned int states;	/* mask of (1 << state); 0: any state */
	int family;		/* AF_INET, AF_INET6; 0: both */
	struct prefix src;
	struct prefix dst;
	int sport;		/* -1: any */
	int dport;		/* -1: any */
	/* The owner */
	long long pid;		/* -1: any */
	long long uid;		/* -1: any */
	char comm[16];		/* "": any */
	bool has_comm;
	bool has_cgroup;
	__u64 cgroup_id;	/* with has_cgroup; 0 until a path is resolved */
	const char *cgroup_path;	/* "cgroup PATH": for the caller to
					 * resolve into cgroup_id, else NULL
					 */
};

/* A filter that lets every connection through. */
void filter_init(struct conn_filter *f);
/*
 * Parse the filter words args[0..argc) into @f (not reset first).  Returns
 * 0, or -1 with a one-line reason in err, for a word or value that is not
 * understood.
 */
int filter_parse(struct conn_filter *f, int argc, char *const *args,
		 char *err, size_t errlen);
/* "ADDR" or "ADDR/LEN", IPv4 or IPv6: 0, or -1 when it is neither. */
int prefix_parse(struct prefix *p, const char *s);
/* A decimal number from @min to @max, digits only: 0, or -1. */
int decimal_parse(const char *s, unsigned long min, unsigned long max,
		  unsigned long *out);
/* A port number 0-65535: 0, or -1. */
int port_parse(int *port, const char *s);
bool filter_match(const struct conn_filter *f, const struct tcpstate_conn *c);

#endif
