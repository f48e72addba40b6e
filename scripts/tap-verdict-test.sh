#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host self-check of scripts/tap-verdict.awk, which gives
# scripts/run-selftests.sh its exit status: runner output with every kind
# of failure must be judged a failure (the 6.1 runner once hid a "not ok"
# behind exit 0), and a clean run a pass.  Prints TAP; exits non-zero when
# the verdict is wrong on any case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
n=0
bad=0

# case_ NAME WANT_STATUS [EXPECTED] < TAP: the verdict's status must be WANT.
case_()
{
	local name=$1 want=$2 expected=${3:-} out rc

	n=$((n + 1))
	out=$(awk -v expected="$expected" -f "$here/tap-verdict.awk")
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n $name"
	else
		bad=$((bad + 1))
		echo "not ok $n $name # expected status $want, saw $rc: $(echo $out)"
	fi
}

pass_a='# selftests: selftests: a_test
# TAP version 13
# 1..2
# # Starting 2 tests from 1 test cases.
# ok 1 x.one
# ok 2 x.two
# # Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
ok 1 selftests: selftests: a_test'
pass_b='# selftests: selftests: b.sh
# TAP version 13
# 1..1
# ok 1 b_works
ok 2 selftests: selftests: b.sh'

# runner N RESULT...: the runner's output for N planned tests.
runner()
{
	printf 'TAP version 13\n1..%s\n' "$1"
	shift
	printf '%s\n' "$@"
}

echo "TAP version 13"
echo "1..11"
case_ all_passed 0 2 < <(runner 2 "$pass_a" "$pass_b")
case_ all_passed_without_an_expected_count 0 < <(runner 2 "$pass_a" "$pass_b")
case_ nested_not_ok_under_a_top_level_ok 1 2 < <(runner 2 "$pass_a" \
	"${pass_b/ok 1 b_works/not ok 1 b_works # 3 != 4}")
case_ top_level_not_ok 1 2 < <(runner 2 "$pass_a" \
	"${pass_b/ok 2 selftests/not ok 2 selftests}")
case_ top_level_skip 1 2 < <(runner 2 "$pass_a" "$pass_b # SKIP")
case_ nested_skip 1 2 < <(runner 2 "${pass_a/ok 2 x.two/ok 2 x.two # SKIP no veth}" "$pass_b")
case_ a_test_never_reported 1 2 < <(runner 2 "$pass_a")
case_ fewer_tests_planned_than_asked_for 1 2 < <(runner 1 "$pass_a")
case_ nested_results_short_of_their_plan 1 2 < <(runner 2 \
	"${pass_a/\# ok 2 x.two/\# \# crashed}" "$pass_b")
case_ runner_never_started 1 2 < <(echo 'make: *** [Makefile:1: all] Error 2')
case_ results_out_of_order 1 2 < <(runner 2 "$pass_b" "$pass_a")
[ "$bad" -eq 0 ]
