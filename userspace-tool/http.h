/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little HTTP/1.x that `tcpstate exporter` speaks: one request per
 * connection (the response closes it), GET and HEAD only.  Pure functions
 * that parse a request head, route it and write a response head: the
 * sockets are the exporter's (exporter.c).
 */
#ifndef TCPSTATE_HTTP_H
#define TCPSTATE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* A request head longer than this is refused (431). */
#define HTTP_MAX_HEAD		8192
#define HTTP_METHOD_LEN		16
#define HTTP_PATH_LEN		1024

enum http_parse {
	HTTP_INCOMPLETE,	/* no end of head yet: read more */
	HTTP_BAD,		/* not an HTTP/1.x request: 400 */
	HTTP_TOO_LARGE,		/* no end in HTTP_MAX_HEAD bytes: 431 */
	HTTP_COMPLETE,		/* the request line is in the request */
};

struct http_request {
	char method[HTTP_METHOD_LEN];
	char path[HTTP_PATH_LEN];	/* without the query string */
	bool head;			/* the method is HEAD: no body */
};

/*
 * Parse the first @len bytes received on a connection: the request line,
 * then headers up to an empty line (CRLF or a bare LF).  The headers are
 * not kept.
 */
enum http_parse http_parse_request(const char *buf, size_t len,
				   struct http_request *req);

enum http_route {
	HTTP_ROUTE_METRICS,	/* GET or HEAD /metrics: 200, the exposition */
	HTTP_ROUTE_INDEX,	/* GET or HEAD /: 200, a page that links it */
	HTTP_ROUTE_NOT_FOUND,	/* any other path: 404 */
	HTTP_ROUTE_BAD_METHOD,	/* a known path, another method: 405 */
};

enum http_route http_route(const struct http_request *req);

/* "OK", "Not Found"...; "Unknown" for a status this server never sends. */
const char *http_reason(int status);

/*
 * The response head of @status with a body of @body_len bytes of
 * @content_type, "Connection: close", and for a 405 "Allow: GET, HEAD".
 * Returns its length, or -1 when it does not fit @len.
 */
int http_response_head(char *buf, size_t len, int status,
		       const char *content_type, size_t body_len);

/*
 * Split --listen's ADDR:PORT ("127.0.0.1:9464", "[::1]:9464",
 * "localhost:9464", ":9464" for every IPv4 address) into @host (no
 * brackets; "" for every address) and @port (1 to 65535).  0, or -1 with
 * a reason in @err.
 */
int http_listen_parse(const char *arg, char *host, size_t hlen,
		      unsigned int *port, char *err, size_t errlen);

#endif
