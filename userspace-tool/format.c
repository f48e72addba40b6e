// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, durations and clock times as the reports print them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "format.h"

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

char *format_addr(char *buf, size_t len, int family, const __u8 *addr)
{
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

char *format_endpoint(char *buf, size_t len, int family, const __u8 *addr,
		      unsigned int port)
{
	char a[FORMAT_ADDR_LEN];

	format_addr(a, sizeof(a), family, addr);
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
	return buf;
}

char *format_duration(char *buf, size_t len, __u64 ns)
{
	unsigned long long v = ns;
	unsigned long long s = v / NSEC_PER_SEC;

	if (v < NSEC_PER_USEC)
		snprintf(buf, len, "%lluns", v);
	else if (v < NSEC_PER_MSEC)
		snprintf(buf, len, "%lluus", v / NSEC_PER_USEC);
	else if (v < 10 * NSEC_PER_MSEC)
		snprintf(buf, len, "%llu.%llums", v / NSEC_PER_MSEC,
			 v / (NSEC_PER_MSEC / 10) % 10);
	else if (v < NSEC_PER_SEC)
		snprintf(buf, len, "%llums", v / NSEC_PER_MSEC);
	else if (s < 10)
		snprintf(buf, len, "%llu.%02llus", s,
			 v / (NSEC_PER_SEC / 100) % 100);
	else if (s < 100)
		snprintf(buf, len, "%llu.%llus", s, v / (NSEC_PER_SEC / 10) % 10);
	else if (s < 100 * 60)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 100 * 3600)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s / 3600 % 24);
	return buf;
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
