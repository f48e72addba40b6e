// SPDX-License-Identifier: GPL-2.0
/*
 * Connection filters: parsed from words, matched against table entries.
 * No I/O here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "kernel.h"
#include "states.h"

void filter_init(struct conn_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->sport = -1;
	f->dport = -1;
	f->pid = -1;
	f->uid = -1;
}

static const char *const filter_words[] = {
	"state", "src", "dst", "sport", "dport", "pid", "comm", "uid", "cgroup",
};

static bool filter_word(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(filter_words); i++)
		if (!strcmp(word, filter_words[i]))
			return true;
	return false;
}

/* The owner's words: pid, uid, comm, cgroup.  0, or -1 with err set. */
static int owner_parse(struct conn_filter *f, const char *word,
		       const char *val, char *err, size_t errlen)
{
	unsigned long v;

	if (!strcmp(word, "pid") || !strcmp(word, "uid")) {
		if (decimal_parse(val, 0, 0xffffffffUL, &v)) {
			snprintf(err, errlen, "%s '%s': not a number", word, val);
			return -1;
		}
		if (word[0] == 'p')
			f->pid = (long long)v;
		else
			f->uid = (long long)v;
	} else if (!strcmp(word, "comm")) {
		if (!*val || strlen(val) >= sizeof(f->comm)) {
			snprintf(err, errlen,
				 "comm '%s': not a process name (1-15 characters)",
				 val);
			return -1;
		}
		snprintf(f->comm, sizeof(f->comm), "%s", val);
		f->has_comm = true;
	} else {
		f->has_cgroup = true;
		f->cgroup_id = 0;
		f->cgroup_path = NULL;
		if (*val >= '0' && *val <= '9') {
			if (decimal_parse(val, 1, ULONG_MAX, &v)) {
				snprintf(err, errlen,
					 "cgroup '%s': not an id or a path", val);
				return -1;
			}
			f->cgroup_id = v;
		} else {
			f->cgroup_path = val;
		}
	}
	return 0;
}

int decimal_parse(const char *s, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	unsigned long v;
	char *end;

	/* Digits only: strtoul() would take a sign or leading blanks. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int port_parse(int *port, const char *s)
{
	unsigned long v;

	if (decimal_parse(s, 0, 65535, &v))
		return -1;
	*port = (int)v;
	return 0;
}

int prefix_parse(struct prefix *p, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;

	if (alen >= INET6_ADDRSTRLEN)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	p->len = max;
	if (slash) {
		unsigned long v;
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (errno || *end || v > max)
			return -1;
		p->len = (unsigned int)v;
	}
	return 0;
}

static bool prefix_match(const struct prefix *p, int family, const __u8 *addr)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (!p->family)
		return true;
	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full))
		return false;
	if (rest) {
		__u8 mask = (__u8)(0xff << (8 - rest));

		if ((p->addr[full] ^ addr[full]) & mask)
			return false;
	}
	return true;
}

int filter_parse(struct conn_filter *f, int argc, char *const *args,
		 char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc; i += 2) {
		const char *word = args[i], *val;

		if (!filter_word(word)) {
			snprintf(err, errlen,
				 "filter '%s': unknown (state, src, dst, sport, dport, pid, comm, uid or cgroup)",
				 word);
			return -1;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "filter '%s': needs a value", word);
			return -1;
		}
		val = args[i + 1];
		if (!strcmp(word, "state")) {
			unsigned int mask = state_parse_mask(val);

			if (!mask) {
				snprintf(err, errlen,
					 "state '%s': unknown state name", val);
				return -1;
			}
			f->states |= mask;
		} else if (!strcmp(word, "pid") || !strcmp(word, "uid") ||
			   !strcmp(word, "comm") || !strcmp(word, "cgroup")) {
			if (owner_parse(f, word, val, err, errlen))
				return -1;
		} else if (!strcmp(word, "src") || !strcmp(word, "dst")) {
			struct prefix *p = word[0] == 's' ? &f->src : &f->dst;

			if (prefix_parse(p, val)) {
				snprintf(err, errlen,
					 "%s '%s': not an address[/prefix length]",
					 word, val);
				return -1;
			}
		} else {
			int *port = word[0] == 's' ? &f->sport : &f->dport;

			if (port_parse(port, val)) {
				snprintf(err, errlen, "%s '%s': not a port (0-65535)",
					 word, val);
				return -1;
			}
		}
	}
	return 0;
}

bool filter_match(const struct conn_filter *f, const struct tcpstate_conn *c)
{
	if (f->states && (c->state >= TCPSTATE_STATE_MAX ||
			  !(f->states & BIT(c->state))))
		return false;
	if (f->family && c->family != f->family)
		return false;
	if (f->sport >= 0 && c->sport != f->sport)
		return false;
	if (f->dport >= 0 && c->dport != f->dport)
		return false;
	if (f->pid >= 0 && c->pid != f->pid)
		return false;
	if (f->uid >= 0 && c->uid != f->uid)
		return false;
	if (f->has_comm && strncmp(c->comm, f->comm, sizeof(c->comm)))
		return false;
	if (f->has_cgroup && c->cgroup_id != f->cgroup_id)
		return false;
	return prefix_match(&f->src, c->family, c->saddr) &&
	       prefix_match(&f->dst, c->family, c->daddr);
}
