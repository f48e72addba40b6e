// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `tcpstate audit`'s comparison: fake kernel dumps A and B
 * and a fake snapshot T between them, with connections that agree, that
 * the table lacks, has too many of or has in another state, and the churn
 * of sockets that come, go or change state between the two dumps.  TAP
 * output.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "unit.h"

#include "../audit.h"

#define NS_S 1000000000ULL
/* When dump A began. */
#define A_START (1000 * NS_S)
#define MAX_CONNS 32

struct reading {
	struct tcpstate_conn v[MAX_CONNS];
	long n;
};

static struct reading a, t, b;

static void reset(void)
{
	a.n = 0;
	t.n = 0;
	b.n = 0;
}

/* Add connection @cookie in @state to @r; its tuple follows from the cookie. */
static struct tcpstate_conn *add(struct reading *r, __u64 cookie, int state)
{
	struct tcpstate_conn *c = &r->v[r->n++];

	fake_conn(c, cookie, AF_INET, "127.0.0.1", 40000 + (cookie % 1000),
		  "127.0.0.2", 8080, state);
	return c;
}

/*
 * An entry of the table, begun @began_ns; 0 stands for an entry seeded when
 * the module loaded, long before A.
 */
static void add_t(__u64 cookie, int state, __u64 began_ns)
{
	struct tcpstate_conn *c = add(&t, cookie, state);

	c->began_ns = began_ns;
	c->state_since_ns = began_ns ? began_ns : 10 * NS_S;
}

/*
 * An entry a reconcile pass added at @added_ns: when the connection began
 * is unknown (0), the entry's state_since_ns is when it was added.
 */
static void add_t_reconciled(__u64 cookie, int state, __u64 added_ns)
{
	add(&t, cookie, state)->state_since_ns = added_ns;
}

/* A timewait socket of @cookie from local port @sport, in TIME-WAIT. */
static void add_tw(struct reading *r, __u64 cookie, unsigned short sport)
{
	struct tcpstate_conn *c = add(r, cookie, TCPSTATE_TIME_WAIT);

	c->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	c->sport = sport;
	if (r == &t)
		c->state_since_ns = A_START - NS_S;
}

static void add_ab(__u64 cookie, int state)
{
	add(&a, cookie, state);
	add(&b, cookie, state);
}

/* Sort the three readings and compare them. */
static void compare(struct audit_report *r)
{
	a.n = audit_sort(a.v, a.n);
	t.n = audit_sort(t.v, t.n);
	b.n = audit_sort(b.v, b.n);
	if (audit_compare(r, a.v, a.n, t.v, t.n, b.v, b.n, A_START))
		ksft_exit_fail_msg("audit_compare: out of memory\n");
}

/* "kind:cookie" of every difference, in order; then the unsettled count. */
static char *verdicts(const struct audit_report *r)
{
	static char buf[512];
	long i;

	buf[0] = '\0';
	for (i = 0; i < r->n_diffs; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s:%llu ",
			 audit_kind_name(r->diffs[i].kind),
			 (unsigned long long)(r->diffs[i].kernel ?
					      r->diffs[i].kernel->cookie :
					      r->diffs[i].module->cookie));
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "unsettled %ld",
		 r->unsettled);
	return buf;
}

static void test_agree(void)
{
	struct audit_report r;

	reset();
	add_ab(1, TCPSTATE_LISTEN);
	add_t(1, TCPSTATE_LISTEN, 0);
	add_ab(2, TCPSTATE_ESTABLISHED);
	add_t(2, TCPSTATE_ESTABLISHED, A_START - NS_S);
	add_ab(3, TCPSTATE_TIME_WAIT);
	add_t(3, TCPSTATE_TIME_WAIT, A_START - NS_S);
	compare(&r);
	expect_str("same_connections_same_states_agree", "unsettled 0",
		   verdicts(&r));
	expect_u64("agree_counts_kernel_and_module", 33, r.kernel * 10 + r.module);
	audit_report_free(&r);

	reset();
	compare(&r);
	expect_str("nothing_anywhere_agrees", "unsettled 0", verdicts(&r));
	audit_report_free(&r);
}

static void test_differences(void)
{
	struct audit_report r;

	reset();
	add_ab(10, TCPSTATE_ESTABLISHED);		/* missing */
	add_t(11, TCPSTATE_TIME_WAIT, 0);		/* extra: seeded */
	add_t(12, TCPSTATE_ESTABLISHED, A_START - 1);	/* extra */
	add_t_reconciled(15, TCPSTATE_LISTEN, A_START - NS_S);	/* extra */
	add_ab(13, TCPSTATE_TIME_WAIT);			/* state */
	add_t(13, TCPSTATE_FIN_WAIT2, A_START - NS_S);
	add_ab(14, TCPSTATE_LISTEN);			/* agrees */
	add_t(14, TCPSTATE_LISTEN, 0);
	compare(&r);
	expect_str("missing_extra_and_state_found_in_cookie_order",
		   "missing:10 extra:11 extra:12 state:13 extra:15 unsettled 0",
		   verdicts(&r));
	expect_u64("counts_per_kind", 131,
		   r.count[AUDIT_MISSING] * 100 + r.count[AUDIT_EXTRA] * 10 +
		   r.count[AUDIT_STATE]);
	expect_u64("state_difference_says_what_the_module_has",
		   TCPSTATE_FIN_WAIT2, r.diffs[3].module->state);
	expect_u64("state_difference_says_what_the_kernel_has",
		   TCPSTATE_TIME_WAIT, r.diffs[3].kernel->state);
	expect_u64("missing_has_no_module_side", 1, !r.diffs[0].module);
	expect_u64("extra_has_no_kernel_side", 1, !r.diffs[1].kernel);
	audit_report_free(&r);
}

static void test_churn(void)
{
	struct audit_report r;

	reset();
	add(&a, 20, TCPSTATE_ESTABLISHED);	/* closed after A */
	add(&b, 21, TCPSTATE_SYN_SENT);		/* opened after A */
	add(&a, 22, TCPSTATE_ESTABLISHED);	/* changed between A and B */
	add(&b, 22, TCPSTATE_FIN_WAIT1);
	add_t(22, TCPSTATE_ESTABLISHED, A_START - NS_S);
	add(&a, 23, TCPSTATE_FIN_WAIT2);	/* in A and T, gone by B */
	add_t(23, TCPSTATE_FIN_WAIT2, A_START - NS_S);
	add(&b, 24, TCPSTATE_ESTABLISHED);	/* opened after A: in T and B */
	add_t(24, TCPSTATE_ESTABLISHED, A_START + NS_S);
	add_t(25, TCPSTATE_ESTABLISHED, A_START + 1);	/* lived between A and B */
	add_t_reconciled(26, TCPSTATE_ESTABLISHED, A_START + 1);	/* likewise */
	compare(&r);
	expect_str("churn_between_the_dumps_is_unsettled_not_a_difference",
		   "unsettled 7", verdicts(&r));
	audit_report_free(&r);

	reset();
	add(&a, 30, TCPSTATE_FIN_WAIT2);	/* the table lost it */
	add(&b, 30, TCPSTATE_TIME_WAIT);
	add(&a, 31, TCPSTATE_ESTABLISHED);	/* moved on, and T is stale */
	add(&b, 31, TCPSTATE_CLOSE_WAIT);
	add_t(31, TCPSTATE_SYN_RECV, A_START - NS_S);
	compare(&r);
	expect_str("in_both_dumps_not_in_the_table_is_missing_even_if_it_moved",
		   "missing:30 unsettled 1", verdicts(&r));
	expect_u64("missing_shows_the_state_of_the_second_dump",
		   TCPSTATE_TIME_WAIT, r.diffs[0].kernel->state);
	audit_report_free(&r);

	reset();
	add_ab(~0ULL, TCPSTATE_ESTABLISHED);
	add_t(~0ULL - 1, TCPSTATE_ESTABLISHED, 0);
	compare(&r);
	expect_str("largest_cookies_compare_too",
		   "extra:18446744073709551614 missing:18446744073709551615 unsettled 0",
		   verdicts(&r));
	audit_report_free(&r);
}

static void test_duplicates(void)
{
	struct audit_report r;
	char buf[128];
	long i;

	reset();
	add(&a, 5, TCPSTATE_ESTABLISHED);
	add(&a, 3, TCPSTATE_LISTEN);
	add(&a, 5, TCPSTATE_FIN_WAIT1);
	add(&a, 1, TCPSTATE_ESTABLISHED);
	add(&a, 3, TCPSTATE_LISTEN);
	a.n = audit_sort(a.v, a.n);
	buf[0] = '\0';
	for (i = 0; i < a.n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%llu/%u",
			 i ? " " : "", (unsigned long long)a.v[i].cookie,
			 a.v[i].state);
	expect_str("sort_folds_copies_and_forgets_a_disputed_state",
		   "1/1 3/10 5/0", buf);

	/* A socket seen twice by dump A, moving: no verdict on its state. */
	reset();
	add(&a, 40, TCPSTATE_FIN_WAIT2);
	add(&a, 40, TCPSTATE_TIME_WAIT);
	add(&b, 40, TCPSTATE_TIME_WAIT);
	add_t(40, TCPSTATE_FIN_WAIT2, A_START - NS_S);
	/* A table entry walked twice in two states: no verdict either. */
	add_ab(41, TCPSTATE_TIME_WAIT);
	add_t(41, TCPSTATE_FIN_WAIT2, A_START - NS_S);
	add_t(41, TCPSTATE_TIME_WAIT, A_START - NS_S);
	compare(&r);
	expect_str("disputed_states_are_unsettled", "unsettled 2", verdicts(&r));
	audit_report_free(&r);

	/*
	 * A socket connected again keeps its cookie, and so does the
	 * timewait socket of its first connection: two connections.
	 */
	reset();
	add_ab(50, TCPSTATE_ESTABLISHED);
	add(&a, 50, TCPSTATE_TIME_WAIT)->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	add(&b, 50, TCPSTATE_TIME_WAIT)->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	add_t(50, TCPSTATE_TIME_WAIT, A_START - NS_S);
	t.v[t.n - 1].flags = TCPSTATE_F_TIMEWAIT_SOCK;
	add_t(50, TCPSTATE_ESTABLISHED, A_START - NS_S);
	compare(&r);
	expect_str("a_cookie_of_a_timewait_and_a_socket_is_two_connections",
		   "unsettled 0", verdicts(&r));
	audit_report_free(&r);

	/* The table with one entry for both is a connection short. */
	reset();
	add_ab(51, TCPSTATE_ESTABLISHED);
	add(&a, 51, TCPSTATE_TIME_WAIT)->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	add(&b, 51, TCPSTATE_TIME_WAIT)->flags = TCPSTATE_F_TIMEWAIT_SOCK;
	add_t(51, TCPSTATE_ESTABLISHED, A_START - NS_S);
	compare(&r);
	expect_str("a_timewait_sharing_its_cookie_is_missed_alone",
		   "missing:51 unsettled 0", verdicts(&r));
	audit_report_free(&r);

	/* Two timewait sockets of one cookie, one per 4-tuple. */
	reset();
	add_tw(&a, 52, 40001);
	add_tw(&a, 52, 40002);
	add_tw(&b, 52, 40002);
	add_tw(&b, 52, 40001);
	add_tw(&t, 52, 40002);
	compare(&r);
	expect_str("two_timewaits_of_one_cookie_are_two_connections",
		   "missing:52 unsettled 0", verdicts(&r));
	expect_u64("the_missing_timewait_is_the_one_on_its_port", 40001,
		   r.n_diffs == 1 ? r.diffs[0].kernel->sport : 0);
	audit_report_free(&r);
}

static char *render(bool json, const struct audit_report *r)
{
	struct unit_buf buf;
	struct output o;

	out_init(&o, unit_open(&buf), json);
	audit_print(&o, r);
	out_finish(&o);
	return unit_take(&buf);
}

static void test_output(void)
{
	struct audit_report r;
	struct tcpstate_conn *c;
	char *s;

	reset();
	add_ab(10, TCPSTATE_ESTABLISHED);
	add_t(11, TCPSTATE_TIME_WAIT, 0);
	add_ab(4097, TCPSTATE_TIME_WAIT);
	add_t(4097, TCPSTATE_FIN_WAIT2, A_START - NS_S);
	c = add(&a, 12, TCPSTATE_SYN_RECV);
	fake_conn(c, 12, AF_INET6, "2001:db8::1", 443, "2001:db8::2", 50000,
		  TCPSTATE_SYN_RECV);
	b.v[b.n++] = *c;
	add(&a, 13, TCPSTATE_LISTEN);		/* unsettled */
	compare(&r);
	r.netns = 4026531840U;

	s = render(false, &r);
	{
		static const char *const want[] = {
			"Kind    Cookie Module     Kernel     Local Address:Port Peer Address:Port\n",
			"missing 10     -          ESTAB      127.0.0.1:40010    127.0.0.2:8080\n",
			"missing 12     -          SYN-RECV   [2001:db8::1]:443  [2001:db8::2]:50000\n",
			"extra   11     TIME-WAIT  -          127.0.0.1:40011    127.0.0.2:8080\n",
			"state   4097   FIN-WAIT-2 TIME-WAIT  127.0.0.1:40097    127.0.0.2:8080\n",
			"netns 4026531840: 4 differences (2 missing, 1 extra, 1 state); ",
			"kernel 3, module 2, unsettled 1\n",
			NULL
		};
		expect_str("text_a_line_per_difference_grouped_by_kind_then_counts",
			   join(want), s);
	}
	free(s);

	s = render(true, &r);
	{
		static const char *const want[] = {
			"{\"netns\":4026531840,\"kernel\":3,\"module\":2,\"unsettled\":1,",
			"\"missing\":[{\"cookie\":10,\"module\":null,\"kernel\":\"ESTAB\",",
			"\"family\":\"ipv4\",\"local\":\"127.0.0.1:40010\",",
			"\"remote\":\"127.0.0.2:8080\"},",
			"{\"cookie\":12,\"module\":null,\"kernel\":\"SYN-RECV\",",
			"\"family\":\"ipv6\",\"local\":\"[2001:db8::1]:443\",",
			"\"remote\":\"[2001:db8::2]:50000\"}],",
			"\"extra\":[{\"cookie\":11,\"module\":\"TIME-WAIT\",\"kernel\":null,",
			"\"family\":\"ipv4\",\"local\":\"127.0.0.1:40011\",",
			"\"remote\":\"127.0.0.2:8080\"}],",
			"\"state\":[{\"cookie\":4097,\"module\":\"FIN-WAIT-2\",",
			"\"kernel\":\"TIME-WAIT\",\"family\":\"ipv4\",",
			"\"local\":\"127.0.0.1:40097\",\"remote\":\"127.0.0.2:8080\"}],",
			"\"agree\":false}\n",
			NULL
		};
		expect_str("json_arrays_per_kind_and_agree_false", join(want), s);
	}
	expect_jq("json_is_valid_for_jq", s,
		  "[.kernel, (.missing | length), .state[0].module, .agree]",
		  "[3,2,\"FIN-WAIT-2\",false]");
	free(s);
	audit_report_free(&r);

	reset();
	add_ab(1, TCPSTATE_LISTEN);
	add_t(1, TCPSTATE_LISTEN, 0);
	compare(&r);
	r.netns = 4026532500U;
	s = render(false, &r);
	expect_str("text_when_they_agree_is_one_line",
		   "netns 4026532500: the module agrees with the kernel; kernel 1, module 1, unsettled 0\n",
		   s);
	free(s);
	s = render(true, &r);
	expect_str("json_when_they_agree",
		   "{\"netns\":4026532500,\"kernel\":1,\"module\":1,\"unsettled\":0,\"missing\":[],\"extra\":[],\"state\":[],\"agree\":true}\n",
		   s);
	free(s);
	audit_report_free(&r);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(3 + 6 + 4 + 6 + 5);
	test_agree();
	test_differences();
	test_churn();
	test_duplicates();
	test_output();
	ksft_finished();
}
