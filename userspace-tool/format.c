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

/* The number of decimal digits of @v. */
static int digits(__u64 v)
{
	static const __u64 pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};
	/* log10(2) is about 1233 / 4096: n is the digits of 2^bits - 1 or one less */
	int n = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return v ? n + (v >= pow10[n]) : 1;
}

/* "00" to "99" in one run of 200 characters (each row without a NUL). */
static const char pairs[10][20] = {
	"00010203040506070809", "10111213141516171819",
	"20212223242526272829", "30313233343536373839",
	"40414243444546474849", "50515253545556575859",
	"60616263646566676869", "70717273747576777879",
	"80818283848586878889", "90919293949596979899",
};

char *format_u64_at(char *p, __u64 v)
{
	char *end = p + digits(v);
	unsigned int r, w, i;

	/*
	 * From the end, two digits for each division by 100; above eight
	 * digits, the lowest eight at a time, in 32-bit arithmetic.
	 */
	p = end;
	while (v >= 100000000) {
		r = v % 100000000;
		v /= 100000000;
		for (i = 0; i < 4; i++, r /= 100) {
			p -= 2;
			memcpy(p, (const char *)pairs + 2 * (r % 100), 2);
		}
	}
	for (w = v; w >= 100; w /= 100) {
		p -= 2;
		memcpy(p, (const char *)pairs + 2 * (w % 100), 2);
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, (const char *)pairs + 2 * w, 2);
	} else {
		*--p = (char)('0' + w);
	}
	return end;
}

/* Up to @width digits of @v, zero-padded to @width. */
static char *put_padded(char *p, unsigned long long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

char *format_str_at(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

char *format_pad(char *p, const char *start, int width)
{
	if (p - start >= width)
		return p;
	memset(p, ' ', width - (p - start));
	return (char *)start + width;
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

/* A byte in decimal. */
static char *put_byte(char *p, unsigned int v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		memcpy(p, (const char *)pairs + 2 * (v % 100), 2);
		return p + 2;
	}
	if (v >= 10) {
		memcpy(p, (const char *)pairs + 2 * v, 2);
		return p + 2;
	}
	*p++ = (char)('0' + v);
	return p;
}

static char *put_ipv4(char *p, const __u8 *a)
{
	p = put_byte(p, a[0]);
	*p++ = '.';
	p = put_byte(p, a[1]);
	*p++ = '.';
	p = put_byte(p, a[2]);
	*p++ = '.';
	return put_byte(p, a[3]);
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

size_t format_endpoint_len(int family, const __u8 *addr, unsigned int port)
{
	char e[FORMAT_ENDPOINT_LEN + 8];
	size_t n;
	int i;

	if (family != AF_INET)
		return format_endpoint_at(e, family, addr, port) - e;
	/* "a.b.c.d:port" without writing it: the widths of a table. */
	n = 3 + 1 + digits(port);
	for (i = 0; i < 4; i++)
		n += digits(addr[i]);
	return n;
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
		return format_str_at(format_u64_at(p, v), "ns");
	if (v < NSEC_PER_MSEC)
		return format_str_at(format_u64_at(p, v / NSEC_PER_USEC), "us");
	if (v < 10 * NSEC_PER_MSEC) {
		p = format_u64_at(p, v / NSEC_PER_MSEC);
		*p++ = '.';
		return format_str_at(format_u64_at(p, v / (NSEC_PER_MSEC / 10) % 10), "ms");
	}
	if (v < NSEC_PER_SEC)
		return format_str_at(format_u64_at(p, v / NSEC_PER_MSEC), "ms");
	if (s < 10) {
		p = format_u64_at(p, s);
		*p++ = '.';
		return format_str_at(put_padded(p, v / (NSEC_PER_SEC / 100) % 100, 2), "s");
	}
	if (s < 100) {
		p = format_u64_at(p, s);
		*p++ = '.';
		return format_str_at(format_u64_at(p, v / (NSEC_PER_SEC / 10) % 10), "s");
	}
	if (s < 100 * 60) {
		p = format_str_at(format_u64_at(p, s / 60), "m");
		return format_str_at(put_padded(p, s % 60, 2), "s");
	}
	if (s < 100 * 3600) {
		p = format_str_at(format_u64_at(p, s / 3600), "h");
		return format_str_at(put_padded(p, s / 60 % 60, 2), "m");
	}
	p = format_str_at(format_u64_at(p, s / 86400), "d");
	return format_str_at(put_padded(p, s / 3600 % 24, 2), "h");
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
