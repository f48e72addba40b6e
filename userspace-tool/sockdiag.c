// SPDX-License-Identifier: GPL-2.0
/*
 * TCP sockets as the kernel lists them: a NETLINK_SOCK_DIAG dump with an
 * inet_diag_req_v2 per family, the request `ss -tan` makes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "errors.h"
#include "kernel.h"
#include "netns.h"
#include "sockdiag.h"

/* Larger than any message batch of a dump (the kernel's are 32 KiB at most). */
#define SOCKDIAG_BUF_LEN	(64 * 1024)

struct conn_array {
	struct tcpstate_conn *v;
	size_t n;
	size_t cap;
};

int sockdiag_open(const char *netns)
{
	return netns_socket(netns, "sock_diag", AF_NETLINK,
			    SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

static const char *family_label(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int send_request(int sk, int family, __u32 seq)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl kernel;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = seq;
	msg.req.sdiag_family = family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = ~0U;	/* every state, as ss -a */
	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	while (sendto(sk, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0) {
		if (errno == EINTR)
			continue;
		report_error("tcpstate: sock_diag: %s request: %s\n",
			     family_label(family), strerror(errno));
		return -1;
	}
	return 0;
}

/* One socket of the dump; those the module does not mirror are skipped. */
static int add_socket(struct conn_array *a, const struct inet_diag_msg *r)
{
	struct tcpstate_conn *c, *tmp;
	size_t len;

	if (!r->idiag_state || r->idiag_state >= TCPSTATE_STATE_MAX ||
	    r->idiag_state == TCPSTATE_CLOSE)
		return 0;
	if (r->idiag_family != AF_INET && r->idiag_family != AF_INET6)
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		tmp = realloc(a->v, a->cap * sizeof(*a->v));
		if (!tmp)
			return -1;
		a->v = tmp;
	}
	c = &a->v[a->n++];
	memset(c, 0, sizeof(*c));
	c->cookie = (__u64)r->id.idiag_cookie[0] |
		    (__u64)r->id.idiag_cookie[1] << 32;
	c->family = r->idiag_family;
	c->state = r->idiag_state;
	/* A timewait socket's timer is the TIME-WAIT timer, 3 (ss: timewait). */
	if (r->idiag_timer == 3)
		c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	len = r->idiag_family == AF_INET ? 4 : 16;
	memcpy(c->saddr, r->id.idiag_src, len);
	memcpy(c->daddr, r->id.idiag_dst, len);
	c->sport = ntohs(r->id.idiag_sport);
	c->dport = ntohs(r->id.idiag_dport);
	return 0;
}

/*
 * The messages of one recv(): 1 when the dump goes on, 0 at its end, -1
 * after printing why it failed.
 */
static int parse_batch(struct conn_array *a, const void *buf, size_t len,
		       int family, __u32 seq)
{
	const struct nlmsghdr *h = buf;
	const struct nlmsgerr *err;
	int left = (int)len, e;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_seq != seq)
			continue;	/* not an answer to this request */
		switch (h->nlmsg_type) {
		case NLMSG_DONE:
			e = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
			    *(const int *)NLMSG_DATA(h) : 0;
			if (e < 0) {
				report_error("tcpstate: sock_diag: %s dump: %s\n",
					     family_label(family), strerror(-e));
				return -1;
			}
			return 0;
		case NLMSG_ERROR:
			err = NLMSG_DATA(h);
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
				report_error("tcpstate: sock_diag: %s dump: %s\n",
					     family_label(family),
					     "truncated error message");
				return -1;
			}
			if (!err->error)
				continue;	/* an ack */
			e = -err->error;
			report_error("tcpstate: sock_diag: %s dump: %s%s\n",
				     family_label(family), strerror(e),
				     e == ENOENT || e == EINVAL ?
				     " (kernel without CONFIG_INET_TCP_DIAG?)" : "");
			return -1;
		case SOCK_DIAG_BY_FAMILY:
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
				report_error("tcpstate: sock_diag: %s dump: %s\n",
					     family_label(family),
					     "truncated socket message");
				return -1;
			}
			if (add_socket(a, NLMSG_DATA(h))) {
				report_error("tcpstate: sock_diag: %s\n",
					     strerror(ENOMEM));
				return -1;
			}
			break;
		}
	}
	return 1;
}

static int dump_family(int sk, int family, __u32 seq, struct conn_array *a,
		       void *buf)
{
	ssize_t len;
	int rc;

	if (send_request(sk, family, seq))
		return -1;
	do {
		len = recv(sk, buf, SOCKDIAG_BUF_LEN, MSG_TRUNC);
		if (len < 0 && errno == EINTR) {
			rc = 1;
			continue;
		}
		if (len < 0) {
			report_error("tcpstate: sock_diag: %s dump: %s\n",
				     family_label(family), strerror(errno));
			return -1;
		}
		if (len == 0 || len > SOCKDIAG_BUF_LEN) {
			report_error("tcpstate: sock_diag: %s dump: %s\n",
				     family_label(family), len ?
				     "message larger than the buffer" :
				     "the kernel closed the socket");
			return -1;
		}
		rc = parse_batch(a, buf, (size_t)len, family, seq);
	} while (rc > 0);
	return rc;
}

long sockdiag_dump(int sk, int family, struct tcpstate_conn **conns)
{
	static const int families[] = { AF_INET, AF_INET6 };
	static __u32 seq;
	struct conn_array a = { NULL, 0, 0 };
	void *buf;
	size_t i;

	buf = malloc(SOCKDIAG_BUF_LEN);
	if (!buf) {
		report_error("tcpstate: sock_diag: %s\n", strerror(ENOMEM));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(families); i++) {
		if (family && family != families[i])
			continue;
		if (dump_family(sk, families[i], ++seq, &a, buf)) {
			free(a.v);
			free(buf);
			return -1;
		}
	}
	free(buf);
	*conns = a.v;
	return (long)a.n;
}
