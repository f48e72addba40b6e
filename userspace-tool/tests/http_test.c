// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP: request heads complete, incomplete, malformed and
 * too large; the query string cut off; routes to 200, 404 and 405;
 * response heads with Content-Length, Connection: close and Allow on a
 * 405; --listen's ADDR:PORT accepted and refused.
 */
#include "unit.h"

#include "../http.h"

static enum http_parse parse(const char *s, struct http_request *req)
{
	return http_parse_request(s, strlen(s), req);
}

static void test_parse(void)
{
	struct http_request req;
	char big[HTTP_MAX_HEAD + 16];

	expect_u64("get_metrics_complete", HTTP_COMPLETE,
		   parse("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
			 &req));
	expect_str("method", "GET", req.method);
	expect_str("path", "/metrics", req.path);
	expect_u64("bare_lf_head_complete", HTTP_COMPLETE,
		   parse("HEAD /metrics?x=1 HTTP/1.0\n\n", &req));
	expect_str("query_string_cut_off", "/metrics", req.path);
	expect_u64("head_flag", 1, req.head);
	expect_u64("no_empty_line_yet_incomplete", HTTP_INCOMPLETE,
		   parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &req));
	expect_u64("nothing_yet_incomplete", HTTP_INCOMPLETE, parse("", &req));
	expect_u64("half_a_crlf_incomplete", HTTP_INCOMPLETE,
		   parse("GET / HTTP/1.1\r\n\r", &req));
	expect_u64("no_version_bad", HTTP_BAD, parse("GET /metrics\r\n\r\n", &req));
	expect_u64("http2_bad", HTTP_BAD,
		   parse("GET /metrics HTTP/2.0\r\n\r\n", &req));
	expect_u64("lower_case_method_bad", HTTP_BAD,
		   parse("get /metrics HTTP/1.1\r\n\r\n", &req));
	expect_u64("target_without_slash_bad", HTTP_BAD,
		   parse("GET metrics HTTP/1.1\r\n\r\n", &req));
	expect_u64("tls_hello_bad", HTTP_BAD, parse("\x16\x03\x01\n\n", &req));
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	expect_u64("head_past_the_limit_too_large", HTTP_TOO_LARGE,
		   http_parse_request(big, HTTP_MAX_HEAD, &req));
}

static enum http_route route(const char *s)
{
	struct http_request req;

	if (parse(s, &req) != HTTP_COMPLETE)
		return (enum http_route)-1;
	return http_route(&req);
}

static void test_route(void)
{
	expect_u64("get_metrics_200", HTTP_ROUTE_METRICS,
		   route("GET /metrics HTTP/1.1\r\n\r\n"));
	expect_u64("head_metrics_200", HTTP_ROUTE_METRICS,
		   route("HEAD /metrics HTTP/1.1\r\n\r\n"));
	expect_u64("get_index_200", HTTP_ROUTE_INDEX,
		   route("GET / HTTP/1.1\r\n\r\n"));
	expect_u64("other_path_404", HTTP_ROUTE_NOT_FOUND,
		   route("GET /metricsx HTTP/1.1\r\n\r\n"));
	expect_u64("post_metrics_405", HTTP_ROUTE_BAD_METHOD,
		   route("POST /metrics HTTP/1.1\r\n\r\n"));
	expect_u64("delete_index_405", HTTP_ROUTE_BAD_METHOD,
		   route("DELETE / HTTP/1.1\r\n\r\n"));
	expect_u64("post_other_path_404", HTTP_ROUTE_NOT_FOUND,
		   route("POST /x HTTP/1.1\r\n\r\n"));
}

static void test_response(void)
{
	char buf[512];

	http_response_head(buf, sizeof(buf), 200,
			   "text/plain; version=0.0.4; charset=utf-8", 1234);
	expect_str("head_200",
		   "HTTP/1.1 200 OK\r\n"
		   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		   "Content-Length: 1234\r\n"
		   "Connection: close\r\n\r\n", buf);
	http_response_head(buf, sizeof(buf), 405, "text/plain", 0);
	expect_str("head_405_allows_get_head",
		   "HTTP/1.1 405 Method Not Allowed\r\n"
		   "Content-Type: text/plain\r\n"
		   "Content-Length: 0\r\n"
		   "Allow: GET, HEAD\r\n"
		   "Connection: close\r\n\r\n", buf);
	expect_u64("head_too_small_buffer", (unsigned long long)-1,
		   (unsigned long long)http_response_head(buf, 20, 404,
							   "text/plain", 0));
}

static void expect_listen(const char *arg, const char *want)
{
	char host[64], err[200], seen[256], name[128];
	unsigned int port;

	if (http_listen_parse(arg, host, sizeof(host), &port, err, sizeof(err)))
		snprintf(seen, sizeof(seen), "error: %s", err);
	else
		snprintf(seen, sizeof(seen), "%s %u", host, port);
	snprintf(name, sizeof(name), "listen '%s'", arg);
	expect_str(name, want, seen);
}

static void test_listen(void)
{
	expect_listen("127.0.0.1:9464", "127.0.0.1 9464");
	expect_listen("[::1]:9464", "::1 9464");
	expect_listen(":80", " 80");
	expect_listen("localhost:1", "localhost 1");
	expect_listen("127.0.0.1",
		      "error: --listen '127.0.0.1': expected ADDR:PORT (e.g. 127.0.0.1:9464)");
	expect_listen("::1:9464",
		      "error: --listen '::1:9464': an IPv6 address goes in brackets ([::1]:9464)");
	expect_listen("[::1]9464",
		      "error: --listen '[::1]9464': expected [IPV6]:PORT");
	expect_listen("127.0.0.1:0",
		      "error: --listen '127.0.0.1:0': port '0' is not from 1 to 65535");
	expect_listen("127.0.0.1:65536",
		      "error: --listen '127.0.0.1:65536': port '65536' is not from 1 to 65535");
	expect_listen("127.0.0.1:http",
		      "error: --listen '127.0.0.1:http': port 'http' is not from 1 to 65535");
	expect_listen("127.0.0.1:",
		      "error: --listen '127.0.0.1:': port '' is not from 1 to 65535");
	expect_listen("127.0.0.1:94x",
		      "error: --listen '127.0.0.1:94x': port '94x' is not from 1 to 65535");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(37);
	test_parse();
	test_route();
	test_response();
	test_listen();
	ksft_finished();
}
