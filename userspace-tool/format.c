// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, durations and clock times as the reports print them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "format.h"

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

char *format_u64_at(char *p, __u64 v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/* Up to @width digits of @v, zero-padded to @width. */
static char *put_padded(char *p, unsigned long long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Copy @s[0..n) into @buf of @len bytes, cut like snprintf() would. */
static char *copy_out(char *buf, size_t len, const char *s, size_t n)
{
	if (!len)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static char *put_ipv4(char *p, const __u8 *a)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = format_u64_at(p, a[i]);
	}
	return p;
}

static char *put_hex16(char *p, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

/*
 * What inet_ntop() writes (RFC 5952): the first longest run of two or more
 * zero groups as "::", groups in lower-case hex without leading zeros, and
 * the last 32 bits dotted when the address is IPv4-mapped (::ffff:a.b.c.d)
 * or IPv4-compatible (::a.b.c.d).
 */
static char *put_ipv6(char *p, const __u8 *a)
{
	unsigned int w[8];
	int i, base = -1, len = 0, cur = -1, cur_len = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i]) {
			cur = -1;
			continue;
		}
		if (cur < 0) {
			cur = i;
			cur_len = 0;
		}
		if (++cur_len > len) {
			base = cur;
			len = cur_len;
		}
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && base == 0 &&
		    (len == 6 || (len == 5 && w[5] == 0xffff)))
			return put_ipv4(p, a + 12);
		p = put_hex16(p, w[i]);
	}
	if (base >= 0 && base + len == 8)
		*p++ = ':';
	return p;
}

/* The address at @p, no NUL; "?" for another family. */
static char *put_addr(char *p, int family, const __u8 *addr)
{
	if (family == AF_INET)
		return put_ipv4(p, addr);
	if (family == AF_INET6)
		return put_ipv6(p, addr);
	*p++ = '?';
	return p;
}

char *format_addr(char *buf, size_t len, int family, const __u8 *addr)
{
	char a[FORMAT_ADDR_LEN];
	size_t n = put_addr(a, family, addr) - a;

	/* inet_ntop() writes nothing that does not fit. */
	if (n >= len)
		return copy_out(buf, len, "?", 1);
	return copy_out(buf, len, a, n);
}

char *format_endpoint_at(char *p, int family, const __u8 *addr,
			 unsigned int port)
{
	if (family == AF_INET6)
		*p++ = '[';
	p = put_addr(p, family, addr);
	if (family == AF_INET6)
		*p++ = ']';
	*p++ = ':';
	return format_u64_at(p, port);
}

char *format_endpoint(char *buf, size_t len, int family, const __u8 *addr,
		      unsigned int port)
{
	char e[FORMAT_ENDPOINT_LEN + 8];	/* any unsigned int port */

	return copy_out(buf, len, e,
			format_endpoint_at(e, family, addr, port) - e);
}

char *format_duration_at(char *p, __u64 ns)
{
	unsigned long long v = ns;
	unsigned long long s = v / NSEC_PER_SEC;

	if (v < NSEC_PER_USEC)
		return put_str(format_u64_at(p, v), "ns");
	if (v < NSEC_PER_MSEC)
		return put_str(format_u64_at(p, v / NSEC_PER_USEC), "us");
	if (v < 10 * NSEC_PER_MSEC) {
		p = format_u64_at(p, v / NSEC_PER_MSEC);
		*p++ = '.';
		return put_str(format_u64_at(p, v / (NSEC_PER_MSEC / 10) % 10), "ms");
	}
	if (v < NSEC_PER_SEC)
		return put_str(format_u64_at(p, v / NSEC_PER_MSEC), "ms");
	if (s < 10) {
		p = format_u64_at(p, s);
		*p++ = '.';
		return put_str(put_padded(p, v / (NSEC_PER_SEC / 100) % 100, 2), "s");
	}
	if (s < 100) {
		p = format_u64_at(p, s);
		*p++ = '.';
		return put_str(format_u64_at(p, v / (NSEC_PER_SEC / 10) % 10), "s");
	}
	if (s < 100 * 60) {
		p = put_str(format_u64_at(p, s / 60), "m");
		return put_str(put_padded(p, s % 60, 2), "s");
	}
	if (s < 100 * 3600) {
		p = put_str(format_u64_at(p, s / 3600), "h");
		return put_str(put_padded(p, s / 60 % 60, 2), "m");
	}
	p = put_str(format_u64_at(p, s / 86400), "d");
	return put_str(put_padded(p, s / 3600 % 24, 2), "h");
}

char *format_duration(char *buf, size_t len, __u64 ns)
{
	char d[FORMAT_DURATION_LEN + 8];

	return copy_out(buf, len, d, format_duration_at(d, ns) - d);
}

char *format_clock(char *buf, size_t len, __s64 wall_ns)
{
	time_t secs = (time_t)(wall_ns / (__s64)NSEC_PER_SEC);
	long ms = (long)(wall_ns % (__s64)NSEC_PER_SEC / (__s64)NSEC_PER_MSEC);
	struct tm tm;

	if (wall_ns < 0 || !localtime_r(&secs, &tm)) {
		snprintf(buf, len, "??:??:??.???");
		return buf;
	}
	snprintf(buf, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ms);
	return buf;
}

const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "ipv4";
	case AF_INET6:
		return "ipv6";
	}
	return "unknown";
}
