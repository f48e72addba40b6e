// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate exporter`: the reports of report.h as Prometheus metrics
 * (prom.h), served over HTTP on --listen (GET /metrics) and/or written
 * every -i seconds to DIR/tcpstate.prom with --textfile, for
 * node_exporter's textfile collector.
 *
 * One thread and poll(2): every socket is non-blocking, each connection
 * has a deadline (EXPORTER_CLIENT_TIMEOUT_MS for the whole exchange) and
 * at most EXPORTER_MAX_CLIENTS are open; when they are all taken, a new
 * one pushes out the oldest that has not finished sending its request.
 * So a client that sends nothing, or reads nothing, holds one slot for a
 * while and never the others, nor the collection.  Metrics are collected
 * at each scrape (and each textfile write): a few ioctls, no waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "commands.h"
#include "device.h"
#include "errors.h"
#include "http.h"
#include "netns.h"
#include "prom.h"
#include "report.h"
#include "stop.h"

#define EXPORTER_MAX_CLIENTS		16
#define EXPORTER_CLIENT_TIMEOUT_MS	10000ULL
#define EXPORTER_SAMPLE		(REPORT_STATS | REPORT_TABLE | REPORT_PORTS)
#define TEXTFILE_NAME		"tcpstate.prom"
#define NSEC_PER_MSEC		1000000ULL

struct client {
	int fd;			/* -1: a free slot */
	__u64 deadline_ms;
	__u64 accepted_ms;
	char in[HTTP_MAX_HEAD];
	size_t in_len;
	char *out;		/* the response, once the request is read */
	size_t out_len;
	size_t out_off;
	bool metrics;		/* it is a /metrics response */
};

struct exporter {
	const struct options *opts;
	int fd;			/* the device, bound as -n says */
	int listen_fd;		/* -1: no HTTP */
	struct client clients[EXPORTER_MAX_CLIENTS];
	struct prom_buf buf;
	unsigned long served;	/* /metrics responses sent in full */
	unsigned long written;	/* textfile writes */
	bool up;		/* the last collection read the device */
};

static __u64 now_ms(void)
{
	return boottime_ns() / NSEC_PER_MSEC;
}

/* One namespace's sample and reports. */
struct collected {
	struct report_sample sample;
	struct summary_report sum;
	struct ports_report ports;
	bool has_ports;
};

static void collected_free(struct collected *c)
{
	if (c->has_ports)
		ports_report_free(&c->ports);
	report_sample_free(&c->sample);
	c->has_ports = false;
}

/* Sample the namespace @fd is bound to and build its reports. */
static int collect_one(const struct options *o, int fd, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	if (report_sample_read(fd, o->device, EXPORTER_SAMPLE, &c->sample))
		return -1;
	report_summary(&c->sum, NULL, &c->sample, 0);
	if (report_ports(&c->ports, NULL, &c->sample, o->family, o->by,
			 o->warn_pct, o->crit_pct)) {
		report_sample_free(&c->sample);
		return -1;
	}
	c->has_ports = true;
	return 0;
}

/*
 * --all-netns: each namespace the module knows.  Those a file names
 * (netns_lookup()) are sampled whole, through a device file bound to
 * them; the others have their counters only.
 */
static long collect_all(const struct options *o, int fd,
			struct collected **out)
{
	struct summary_report *all;
	struct collected *c;
	char path[4096], label[128];
	long n, i;
	int nfd;
	__u32 abi;

	n = report_overview(fd, &all);
	if (n < 0)
		return -1;
	c = calloc(n > 0 ? (size_t)n : 1, sizeof(*c));
	if (!c) {
		report_error("tcpstate: exporter: %s\n", strerror(ENOMEM));
		free(all);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c[i].sum = all[i];
		if (netns_lookup(all[i].stats.netns, path, sizeof(path), label,
				 sizeof(label)))
			continue;
		nfd = device_open(o->device, &abi);
		if (nfd < 0)
			continue;
		if (!netns_select(nfd, path) && !collect_one(o, nfd, &c[i]) &&
		    c[i].sum.stats.netns != all[i].stats.netns) {
			/* The file names another namespace by now. */
			collected_free(&c[i]);
			c[i].sum = all[i];
		}
		if (!c[i].sample.what)
			c[i].sum = all[i];
		close(nfd);
	}
	free(all);
	*out = c;
	return n;
}

/*
 * The exposition, fresh, into e->buf; e->up says whether the device
 * answered (else the exposition is tcpstate_up 0 and why is on stderr).
 * 0, or -1 when out of memory.
 */
static int collect(struct exporter *e)
{
	const struct options *o = e->opts;
	struct collected one, *c = &one;
	struct prom_netns *ns = NULL;
	long n = 1, i;
	int rc;

	prom_buf_reset(&e->buf);
	if (o->all_netns)
		n = collect_all(o, e->fd, &c);
	else if (collect_one(o, e->fd, &one))
		n = -1;
	if (n >= 0)
		ns = calloc(n > 0 ? (size_t)n : 1, sizeof(*ns));
	if (!ns) {
		/* The reason is on stderr; Prometheus sees tcpstate_up 0. */
		rc = prom_format(&e->buf, NULL, 0, o->top, false);
		e->up = false;
		n = n >= 0 ? n : 0;
	} else {
		for (i = 0; i < n; i++) {
			ns[i].sum = &c[i].sum;
			ns[i].ports = c[i].has_ports ? &c[i].ports : NULL;
		}
		rc = prom_format(&e->buf, ns, (size_t)n, o->top, true);
		e->up = true;
	}
	for (i = 0; i < n; i++)
		collected_free(&c[i]);
	if (c != &one)
		free(c);
	free(ns);
	if (rc)
		report_error("tcpstate: exporter: %s\n", strerror(ENOMEM));
	return rc;
}

/* Write the file whole: a temporary file in DIR, then rename(2). */
static int textfile_write(struct exporter *e)
{
	const char *dir = e->opts->textfile;
	char tmp[4096], path[4096];
	size_t off = 0;
	ssize_t w;
	int fd;

	if (collect(e))
		return -1;
	snprintf(path, sizeof(path), "%s/" TEXTFILE_NAME, dir);
	snprintf(tmp, sizeof(tmp), "%s/." TEXTFILE_NAME ".%d.tmp", dir,
		 (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		report_error("tcpstate: --textfile %s: %s\n", dir,
			     strerror(errno));
		return -1;
	}
	while (off < e->buf.len) {
		w = write(fd, e->buf.text + off, e->buf.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto err_write;
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) || close(fd)) {
		fd = -1;
		goto err_write;
	}
	if (rename(tmp, path)) {
		report_error("tcpstate: --textfile: rename to %s: %s\n", path,
			     strerror(errno));
		unlink(tmp);
		return -1;
	}
	e->written++;
	return 0;

err_write:
	report_error("tcpstate: --textfile: %s: %s\n", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* Bind and listen on --listen.  The socket, or -1 after printing why. */
static int listen_open(const char *arg)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port_s[8];
	unsigned int port;
	char err[256];
	int fd, rc, one = 1;

	if (http_listen_parse(arg, host, sizeof(host), &port, err,
			      sizeof(err))) {
		report_error("tcpstate: %s\n", err);
		return -1;
	}
	snprintf(port_s, sizeof(port_s), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = host[0] ? AF_UNSPEC : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port_s, &hints, &ai);
	if (rc) {
		report_error("tcpstate: --listen %s: %s\n", arg,
			     gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(fd, EXPORTER_MAX_CLIENTS * 4))
		goto err;
	freeaddrinfo(ai);
	return fd;

err:
	report_error("tcpstate: --listen %s: %s\n", arg, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->in_len = 0;
	c->out_len = 0;
	c->out_off = 0;
	c->metrics = false;
}

static const char index_page[] =
	"<html><head><title>tcpstate exporter</title></head><body>\n"
	"<h1>tcpstate exporter</h1>\n"
	"<p><a href=\"/metrics\">Metrics</a></p>\n"
	"</body></html>\n";

/* The response to @status with @body (NULL: e->buf's exposition). */
static void client_respond(struct exporter *e, struct client *c, int status,
			   const char *type, const char *body, bool head_only)
{
	size_t blen = body ? strlen(body) : e->buf.len;
	char head[512];
	int hlen;

	hlen = http_response_head(head, sizeof(head), status, type, blen);
	if (hlen < 0)
		hlen = 0;
	if (head_only)
		blen = 0;
	c->out = malloc((size_t)hlen + blen + 1);
	if (!c->out) {
		client_close(c);
		return;
	}
	memcpy(c->out, head, (size_t)hlen);
	memcpy(c->out + hlen, body ? body : e->buf.text, blen);
	c->out_len = (size_t)hlen + blen;
	c->out_off = 0;
}

static void client_error(struct exporter *e, struct client *c, int status)
{
	char body[64];

	snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	client_respond(e, c, status, "text/plain; charset=utf-8", body, false);
}

/* A request head is in: answer it. */
static void client_request(struct exporter *e, struct client *c,
			   const struct http_request *req)
{
	switch (http_route(req)) {
	case HTTP_ROUTE_METRICS:
		if (collect(e)) {
			client_error(e, c, 500);
			return;
		}
		c->metrics = true;
		client_respond(e, c, 200, PROM_CONTENT_TYPE, NULL, req->head);
		break;
	case HTTP_ROUTE_INDEX:
		client_respond(e, c, 200, "text/html; charset=utf-8",
			       index_page, req->head);
		break;
	case HTTP_ROUTE_NOT_FOUND:
		client_error(e, c, 404);
		break;
	case HTTP_ROUTE_BAD_METHOD:
		client_error(e, c, 405);
		break;
	}
}

static void client_read(struct exporter *e, struct client *c)
{
	struct http_request req;
	ssize_t r;

	r = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_close(c);	/* gone, or closed before a request */
		return;
	}
	c->in_len += (size_t)r;
	switch (http_parse_request(c->in, c->in_len, &req)) {
	case HTTP_INCOMPLETE:
		return;
	case HTTP_BAD:
		client_error(e, c, 400);
		break;
	case HTTP_TOO_LARGE:
		client_error(e, c, 431);
		break;
	case HTTP_COMPLETE:
		client_request(e, c, &req);
		break;
	}
}

/* Send what the socket takes; close once all is sent. */
static void client_write(struct exporter *e, struct client *c)
{
	ssize_t w;

	while (c->out_off < c->out_len) {
		w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			client_close(c);
			return;
		}
		c->out_off += (size_t)w;
	}
	if (c->metrics)
		e->served++;
	shutdown(c->fd, SHUT_WR);
	client_close(c);
}

/* A free slot; when none, the oldest client still reading is dropped. */
static struct client *client_slot(struct exporter *e)
{
	struct client *c, *oldest = NULL;
	int i;

	for (i = 0; i < EXPORTER_MAX_CLIENTS; i++) {
		c = &e->clients[i];
		if (c->fd < 0)
			return c;
		if (!c->out && (!oldest || c->accepted_ms < oldest->accepted_ms))
			oldest = c;
	}
	if (oldest)
		client_close(oldest);
	return oldest;
}

static void accept_clients(struct exporter *e)
{
	struct client *c;
	int fd;

	for (;;) {
		fd = accept4(e->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or a connection already gone */
		c = client_slot(e);
		if (!c) {
			/* Every slot is sending a response: try later. */
			close(fd);
			return;
		}
		c->fd = fd;
		c->accepted_ms = now_ms();
		c->deadline_ms = c->accepted_ms + EXPORTER_CLIENT_TIMEOUT_MS;
	}
}

static bool done(const struct exporter *e)
{
	unsigned long count = e->opts->count;

	if (!count)
		return false;
	return e->opts->textfile ? e->written >= count : e->served >= count;
}

/* Until a signal, or -c: the textfile's writes are already one. */
static int serve(struct exporter *e)
{
	struct pollfd pfd[EXPORTER_MAX_CLIENTS + 1];
	struct client *slot[EXPORTER_MAX_CLIENTS + 1];
	__u64 interval_ms = (__u64)(e->opts->interval_s * 1000);
	__u64 now, next_write = now_ms() + interval_ms, wake;
	int i, n, timeout;
	struct client *c;

	while (!stop_requested() && !done(e)) {
		now = now_ms();
		if (e->opts->textfile && now >= next_write) {
			textfile_write(e);
			next_write = now + interval_ms;
			continue;
		}
		wake = e->opts->textfile ? next_write : now + 60000;
		n = 0;
		if (e->listen_fd >= 0) {
			pfd[n].fd = e->listen_fd;
			pfd[n].events = POLLIN;
			slot[n++] = NULL;
		}
		for (i = 0; i < EXPORTER_MAX_CLIENTS; i++) {
			c = &e->clients[i];
			if (c->fd < 0)
				continue;
			if (c->deadline_ms <= now) {
				client_close(c);	/* too slow */
				continue;
			}
			if (c->deadline_ms < wake)
				wake = c->deadline_ms;
			pfd[n].fd = c->fd;
			pfd[n].events = c->out ? POLLOUT : POLLIN;
			slot[n++] = c;
		}
		timeout = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			report_error("tcpstate: exporter: poll: %s\n",
				     strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			c = slot[i];
			if (!c)
				accept_clients(e);
			else if (c->fd < 0)
				continue;	/* pushed out meanwhile */
			else if (c->out)
				client_write(e, c);
			else
				client_read(e, c);
			/* A response is sent as soon as it is made. */
			if (c && c->fd >= 0 && c->out)
				client_write(e, c);
		}
	}
	return 0;
}

int cmd_exporter(const struct options *opts)
{
	struct exporter e;
	int i, rc = 1;

	memset(&e, 0, sizeof(e));
	e.opts = opts;
	e.listen_fd = -1;
	for (i = 0; i < EXPORTER_MAX_CLIENTS; i++)
		e.clients[i].fd = -1;
	prom_buf_init(&e.buf);
	stop_on_signals();

	e.fd = device_open_selected(opts, false);
	if (e.fd < 0)
		return 1;
	/* A device that cannot be read now is an error now, not at a scrape. */
	if (collect(&e) || !e.up)
		goto out;
	if (opts->textfile) {
		if (textfile_write(&e))
			goto out;
		if (done(&e)) {
			rc = 0;
			goto out;
		}
	}
	if (opts->listen) {
		e.listen_fd = listen_open(opts->listen);
		if (e.listen_fd < 0)
			goto out;
	}
	rc = serve(&e);
out:
	for (i = 0; i < EXPORTER_MAX_CLIENTS; i++)
		client_close(&e.clients[i]);
	if (e.listen_fd >= 0)
		close(e.listen_fd);
	close(e.fd);
	prom_buf_free(&e.buf);
	return rc;
}
