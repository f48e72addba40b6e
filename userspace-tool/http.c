// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing HTTP/1.x requests and writing response heads (http.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "kernel.h"

/* Where the head ends (the byte after its empty line), or NULL. */
static const char *head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/* A token of RFC 9110 as methods use it: upper-case letters here. */
static bool method_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= HTTP_METHOD_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

enum http_parse http_parse_request(const char *buf, size_t len,
				   struct http_request *req)
{
	const char *end, *eol, *sp1, *sp2, *q;
	size_t n;

	memset(req, 0, sizeof(*req));
	end = head_end(buf, len);
	if (!end)
		return len >= HTTP_MAX_HEAD ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	if ((size_t)(end - buf) > HTTP_MAX_HEAD)
		return HTTP_TOO_LARGE;
	eol = memchr(buf, '\n', (size_t)(end - buf));
	if (eol > buf && eol[-1] == '\r')
		eol--;
	/* METHOD SP request-target SP HTTP/1.x */
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (!sp1 || !method_ok(buf, (size_t)(sp1 - buf)))
		return HTTP_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || sp1[1] != '/')
		return HTTP_BAD;
	n = (size_t)(eol - sp2 - 1);
	if (n != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return HTTP_BAD;
	memcpy(req->method, buf, (size_t)(sp1 - buf));
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	n = (size_t)((q ? q : sp2) - sp1 - 1);
	if (n >= HTTP_PATH_LEN)
		return HTTP_TOO_LARGE;
	memcpy(req->path, sp1 + 1, n);
	req->head = !strcmp(req->method, "HEAD");
	return HTTP_COMPLETE;
}

enum http_route http_route(const struct http_request *req)
{
	bool known = !strcmp(req->method, "GET") || req->head;

	if (!strcmp(req->path, "/metrics"))
		return known ? HTTP_ROUTE_METRICS : HTTP_ROUTE_BAD_METHOD;
	if (!strcmp(req->path, "/"))
		return known ? HTTP_ROUTE_INDEX : HTTP_ROUTE_BAD_METHOD;
	return HTTP_ROUTE_NOT_FOUND;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	}
	return "Unknown";
}

int http_response_head(char *buf, size_t len, int status,
		       const char *content_type, size_t body_len)
{
	int n;

	n = snprintf(buf, len,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%sConnection: close\r\n"
		     "\r\n",
		     status, http_reason(status), content_type, body_len,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

int http_listen_parse(const char *arg, char *host, size_t hlen,
		      unsigned int *port, char *err, size_t errlen)
{
	const char *colon, *p, *h = arg;
	size_t n;
	char *end = NULL;
	unsigned long v;

	if (arg[0] == '[') {
		p = strchr(arg, ']');
		if (!p || p[1] != ':') {
			snprintf(err, errlen,
				 "--listen '%s': expected [IPV6]:PORT", arg);
			return -1;
		}
		h = arg + 1;
		n = (size_t)(p - h);
		colon = p + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon) {
			snprintf(err, errlen,
				 "--listen '%s': expected ADDR:PORT (e.g. 127.0.0.1:9464)",
				 arg);
			return -1;
		}
		n = (size_t)(colon - arg);
		if (memchr(arg, ':', n)) {
			snprintf(err, errlen,
				 "--listen '%s': an IPv6 address goes in brackets ([::1]:9464)",
				 arg);
			return -1;
		}
	}
	if (n >= hlen) {
		snprintf(err, errlen, "--listen '%s': address too long", arg);
		return -1;
	}
	v = 0;
	if (colon[1] >= '0' && colon[1] <= '9')
		v = strtoul(colon + 1, &end, 10);
	if (!v || v > 65535 || *end || strlen(colon + 1) > 5) {
		snprintf(err, errlen,
			 "--listen '%s': port '%s' is not from 1 to 65535",
			 arg, colon + 1);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (unsigned int)v;
	return 0;
}
