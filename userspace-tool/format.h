/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the module's facts into words: addresses, durations, clock times.
 * Pure functions: they write into the caller's buffer and return it.
 */
#ifndef TCPSTATE_FORMAT_H
#define TCPSTATE_FORMAT_H

#include <stddef.h>
#include <string.h>

#include <linux/types.h>

/* "255.255.255.255" or a full IPv6 address */
#define FORMAT_ADDR_LEN		48
/* "[address]:port" */
#define FORMAT_ENDPOINT_LEN	(FORMAT_ADDR_LEN + 8)
/* "99h59m", "412us", "-" */
#define FORMAT_DURATION_LEN	16
/* "HH:MM:SS.mmm" */
#define FORMAT_CLOCK_LEN	16

/*
 * The _at() forms write at @p, with no NUL and no length check, and return
 * the end: for rows built in a buffer of known size, without printf.
 */
/* @v in decimal: at most 20 characters. */
/*
 * Lines put together by hand, where a command prints by the hundred
 * thousand (list, watch): the *_at() functions write at @p, without a NUL,
 * and return the end.  The widest value of each kind bounds their
 * buffers: a 64-bit number, a 32-bit one, an endpoint (an IPv6 address
 * with brackets and any port), a duration, a family's name.
 */
#define FORMAT_LIT_LEN(s)	(sizeof(s) - 1)
/* A string literal at @p, without its NUL; the end. */
#define FORMAT_PUT(p, lit)	((char *)memcpy(p, lit, sizeof(lit) - 1) + sizeof(lit) - 1)
#define FORMAT_U64_LONGEST	20
#define FORMAT_U32_LONGEST	10
#define FORMAT_ENDPOINT_LONGEST	(FORMAT_ENDPOINT_LEN - 1)
#define FORMAT_DURATION_LONGEST	(FORMAT_DURATION_LEN - 1)
#define FORMAT_FAMILY_LONGEST	FORMAT_LIT_LEN("unknown")

char *format_str_at(char *p, const char *s);
/* Spaces from @p up to @width characters past @start; the end. */
char *format_pad(char *p, const char *start, int width);
char *format_u64_at(char *p, __u64 v);
/* Numeric address of @family (AF_INET or AF_INET6); "?" for another family. */
char *format_addr(char *buf, size_t len, int family, const __u8 *addr);
/* "127.0.0.1:8080" or "[::1]:8080" */
char *format_endpoint(char *buf, size_t len, int family, const __u8 *addr,
		      unsigned int port);
/* At most FORMAT_ENDPOINT_LEN - 1 characters for a port below 65536. */
char *format_endpoint_at(char *p, int family, const __u8 *addr,
			 unsigned int port);
/* The length of the endpoint format_endpoint_at() would write. */
size_t format_endpoint_len(int family, const __u8 *addr, unsigned int port);
/*
 * A duration in at most six characters, truncated, never rounded up:
 * "850ns", "412us", "3.2ms", "412ms", "1.50s", "60.0s", "12m05s", "5h07m",
 * "3d04h".
 */
char *format_duration(char *buf, size_t len, __u64 ns);
/* At most FORMAT_DURATION_LEN - 1 characters. */
char *format_duration_at(char *p, __u64 ns);
/* Local wall-clock time of @wall_ns (ns since the epoch): "HH:MM:SS.mmm". */
char *format_clock(char *buf, size_t len, __s64 wall_ns);
/* "ipv4", "ipv6" or "unknown" */
const char *family_name(int family);

#endif
