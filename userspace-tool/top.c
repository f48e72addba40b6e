// SPDX-License-Identifier: GPL-2.0
/*
 * `tcpstate top`: the reports of report.h, refreshed every -i seconds, on
 * a full screen (ncurses) when stdout is a terminal, else as plain text
 * frames, one every interval (like `top -b`).
 *
 * Keys: q quits; s steps through the destination orders; n picks a
 * namespace (every namespace for a caller with CAP_SYS_ADMIN in the
 * initial user namespace); p pauses and resumes.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "errors.h"
#include "netns.h"
#include "report.h"
#include "stop.h"
#include "top.h"

#define NSEC_PER_SEC	1000000000ULL
#define TOP_SAMPLE	(REPORT_STATS | REPORT_TABLE | REPORT_PORTS)
/* Plain text frames are this wide unless $COLUMNS says otherwise. */
#define PLAIN_WIDTH	100
#define KEY_ESCAPE	27

struct top {
	const struct options *opts;
	int fd;
	char label[128];
	struct report_sample prev;
	struct report_sample cur;
	struct summary_report sum;
	struct ports_report ports;
	bool have;		/* sum and ports hold a sample */
	struct top_history hist;
	enum top_sort sort;
	bool paused;
	char message[256];
};

static double seconds(__u64 ns)
{
	return (double)ns / (double)NSEC_PER_SEC;
}

/* Take a sample and build the reports from it and the one before. */
static int top_sample(struct top *t)
{
	const struct options *o = t->opts;
	struct report_sample next;

	if (report_sample_read(t->fd, o->device, TOP_SAMPLE, &next))
		return -1;
	report_sample_free(&t->prev);
	t->prev = t->cur;
	t->cur = next;
	if (t->have)
		ports_report_free(&t->ports);
	t->have = false;
	report_summary(&t->sum, &t->prev, &t->cur, o->interval_s);
	if (report_ports(&t->ports, &t->prev, &t->cur, o->family, o->by,
			 o->warn_pct, o->crit_pct))
		return -1;
	t->have = true;
	top_sort_dests(&t->ports, t->sort);
	if (t->sum.rate.valid)
		top_history_add(&t->hist, seconds(t->cur.time_ns),
				t->sum.rate.enter_per_s, t->sum.rate.exit_per_s);
	return 0;
}

/* Forget what the last namespace said: rates start again. */
static void top_restart(struct top *t)
{
	report_sample_free(&t->prev);
	report_sample_free(&t->cur);
	memset(&t->hist, 0, sizeof(t->hist));
}

static void top_free(struct top *t)
{
	top_restart(t);
	if (t->have)
		ports_report_free(&t->ports);
	t->have = false;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static void top_label(struct top *t)
{
	char path[4096];

	if (t->opts->netns)
		snprintf(t->label, sizeof(t->label), "%s", t->opts->netns);
	else if (netns_lookup(t->cur.stats.netns, path, sizeof(path), t->label,
			      sizeof(t->label)))
		t->label[0] = '\0';
}

static void top_build(struct top_frame *f, const struct top *t, int width,
		      int height)
{
	struct top_input in;

	memset(&in, 0, sizeof(in));
	in.sum = &t->sum;
	in.ports = &t->ports;
	in.hist = &t->hist;
	in.now_s = seconds(t->cur.time_ns);
	in.wall_offset_ns = wall_offset_ns();
	in.netns_label = t->label[0] ? t->label : NULL;
	in.interval_s = t->opts->interval_s;
	in.sort = t->sort;
	in.paused = t->paused;
	in.message = t->message[0] ? t->message : NULL;
	in.width = width;
	in.height = height;
	in.max_dests = t->opts->top;
	top_frame_build(f, &in);
}

/* Not a terminal: a frame every interval, -c of them or until killed. */
static int top_plain(struct top *t)
{
	const char *cols = getenv("COLUMNS");
	int width = cols && atoi(cols) > 0 ? atoi(cols) : PLAIN_WIDTH;
	struct top_frame *f = malloc(sizeof(*f));
	unsigned long frames = 0;
	int i, rc = 0;

	if (!f) {
		report_error("tcpstate: top: %s\n", strerror(ENOMEM));
		return 1;
	}
	for (;;) {
		if (top_sample(t)) {
			rc = 1;
			break;
		}
		if (!frames)
			top_label(t);
		top_build(f, t, width, 0);
		if (frames)
			putchar('\n');
		for (i = 0; i < f->n; i++)
			puts(f->line[i]);
		if (report_write_failure(stdout, 0)) {
			rc = 1;
			break;
		}
		frames++;
		if ((t->opts->count && frames >= t->opts->count) || stop_requested())
			break;
		sleep_seconds(t->opts->interval_s);
	}
	free(f);
	return rc;
}

static void draw(const struct top *t, struct top_frame *f)
{
	static const attr_t attrs[] = {
		[TOP_PLAIN]	= A_NORMAL,
		[TOP_TITLE]	= A_REVERSE,
		[TOP_HEADER]	= A_BOLD,
		[TOP_ALERT]	= A_BOLD,
	};
	int i;

	top_build(f, t, COLS, LINES);
	erase();
	for (i = 0; i < f->n; i++) {
		attrset(attrs[f->attr[i]]);
		mvaddnstr(i, 0, f->line[i], COLS);
		if (f->attr[i] == TOP_TITLE)
			chgat(-1, A_REVERSE, 0, NULL);
	}
	attrset(A_NORMAL);
	refresh();
}

/* One namespace the picker offers. */
struct ns_choice {
	__u32 inode;
	__u64 conns;
	bool found;
	char path[256];
	char label[96];
};

static void draw_picker(const struct ns_choice *c, long n, long at)
{
	long i, first = at >= LINES - 3 ? at - (LINES - 4) : 0;

	erase();
	attrset(A_REVERSE);
	mvaddnstr(0, 0, "pick a namespace: up/down, enter; esc cancels", COLS);
	chgat(-1, A_REVERSE, 0, NULL);
	attrset(A_BOLD);
	mvprintw(1, 0, "  %-12s %11s  %s", "NETNS", "CONNECTIONS", "NAME");
	for (i = first; i < n && i - first < LINES - 2; i++) {
		attrset(i == at ? A_REVERSE : A_NORMAL);
		mvprintw((int)(i - first) + 2, 0, "%c %-12u %11llu  %s",
			 i == at ? '>' : ' ', c[i].inode,
			 (unsigned long long)c[i].conns,
			 c[i].found ? c[i].label : "(no file names it)");
	}
	attrset(A_NORMAL);
	refresh();
}

/* Bind a new device file to @c; the old one stays on failure. */
static int top_switch(struct top *t, const struct ns_choice *c)
{
	__u32 abi;
	int fd;

	fd = device_open(t->opts->device, &abi);
	if (fd < 0)
		return -1;
	if (netns_select(fd, c->path)) {
		close(fd);
		return -1;
	}
	close(t->fd);
	t->fd = fd;
	snprintf(t->label, sizeof(t->label), "%s", c->label);
	top_restart(t);
	return 0;
}

/* Enter on @c (NULL: the list was empty).  1 when it is another namespace. */
static int pick(struct top *t, const struct ns_choice *c)
{
	if (!c || !c->found) {
		snprintf(t->message, sizeof(t->message),
			 "netns %u: no file names it: cannot select it",
			 c ? c->inode : 0);
		return 0;
	}
	if (c->inode == t->sum.stats.netns)
		return 0;
	if (top_switch(t, c)) {
		snprintf(t->message, sizeof(t->message), "%s", last_error());
		return 0;
	}
	return 1;
}

/*
 * The `n` key: the namespaces the module knows (TCPSTATE_IOC_NETNS_LIST,
 * which takes CAP_SYS_ADMIN in the initial user namespace), each with a
 * file that names it.  Returns 1 when another namespace was picked.
 */
static int pick_namespace(struct top *t)
{
	struct summary_report *all;
	struct ns_choice *c;
	long n, i, at = 0;
	int key, picked = 0;

	n = report_overview(t->fd, &all);
	if (n < 0) {
		snprintf(t->message, sizeof(t->message), "%s", last_error());
		return 0;
	}
	c = calloc(n > 0 ? (size_t)n : 1, sizeof(*c));
	if (!c) {
		free(all);
		snprintf(t->message, sizeof(t->message), "tcpstate: top: %s",
			 strerror(ENOMEM));
		return 0;
	}
	for (i = 0; i < n; i++) {
		c[i].inode = all[i].stats.netns;
		c[i].conns = all[i].stats.entries;
		c[i].found = !netns_lookup(c[i].inode, c[i].path,
					   sizeof(c[i].path), c[i].label,
					   sizeof(c[i].label));
		if (c[i].inode == t->sum.stats.netns)
			at = i;
	}
	free(all);
	timeout(1000);	/* still notice SIGINT and SIGTERM */
	while (!stop_requested()) {
		draw_picker(c, n, at);
		key = getch();
		if (key == KEY_UP || key == 'k') {
			at = at > 0 ? at - 1 : 0;
		} else if ((key == KEY_DOWN || key == 'j') && at + 1 < n) {
			at++;
		} else if (key == KEY_ESCAPE || key == 'q') {
			break;
		} else if (key == '\n' || key == KEY_ENTER) {
			picked = pick(t, n ? &c[at] : NULL);
			break;
		}
	}
	free(c);
	return picked;
}

static int top_key(struct top *t, int key, bool *resample)
{
	switch (key) {
	case 'q':
	case 'Q':
		return 1;
	case 's':
		t->sort = (t->sort + 1) % TOP_SORT_MAX;
		if (t->have)
			top_sort_dests(&t->ports, t->sort);
		break;
	case 'p':
		t->paused = !t->paused;
		*resample = !t->paused;
		break;
	case 'n':
		*resample = pick_namespace(t);
		break;
	}
	return 0;
}

/* The full screen.  stderr goes to /dev/null meanwhile: errors are shown. */
static int top_screen(struct top *t)
{
	struct top_frame *f = malloc(sizeof(*f));
	int saved_err = -1, null_fd, key, rc = 0;
	const char *term;
	SCREEN *screen;
	unsigned long frames = 0;
	__u64 next, now;
	bool resample;

	if (!f) {
		report_error("tcpstate: top: %s\n", strerror(ENOMEM));
		return 1;
	}
	if (top_sample(t)) {
		free(f);
		return 1;
	}
	top_label(t);
	term = getenv("TERM");
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		report_error("tcpstate: top: cannot drive terminal type '%s' (TERM)\n",
			     term ? term : "");
		free(f);
		return 1;
	}
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd >= 0) {
		saved_err = dup(STDERR_FILENO);
		dup2(null_fd, STDERR_FILENO);
		close(null_fd);
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	next = t->cur.time_ns + (__u64)(t->opts->interval_s * NSEC_PER_SEC);
	frames = 1;
	while (!stop_requested()) {
		draw(t, f);
		now = boottime_ns();
		if (t->paused)
			timeout(1000);	/* still notice SIGINT and SIGTERM */
		else
			timeout(next > now ? (int)((next - now) / 1000000) : 0);
		key = getch();
		resample = false;
		if (key != ERR && key != KEY_RESIZE && t->message[0] &&
		    key != 'n')
			t->message[0] = '\0';
		if (key != ERR && top_key(t, key, &resample))
			break;
		now = boottime_ns();
		if (!t->paused && (resample || now >= next)) {
			if (top_sample(t)) {
				rc = 1;
				break;
			}
			next = t->cur.time_ns +
			       (__u64)(t->opts->interval_s * NSEC_PER_SEC);
			if (t->opts->count && ++frames > t->opts->count)
				break;
		}
	}
	endwin();
	delscreen(screen);
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	if (rc)
		fprintf(stderr, "%s\n", last_error());
	free(f);
	return rc;
}

int cmd_top(const struct options *opts)
{
	struct top t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.opts = opts;
	stop_on_signals();
	t.fd = device_open_selected(opts, false);
	if (t.fd < 0)
		return 1;
	rc = isatty(STDOUT_FILENO) ? top_screen(&t) : top_plain(&t);
	top_free(&t);
	return rc;
}
