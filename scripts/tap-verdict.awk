# SPDX-License-Identifier: GPL-2.0
#
# The verdict on a kselftest runner's TAP output, for run-selftests.sh:
# the 6.1 runner's `make run_tests` exits 0 whatever its tests did, so the
# output itself is judged.  Exits 0 only when
#  - the runner printed its plan "1..N", and N is `expected` when given
#    (awk -v expected=N);
#  - tests 1..N all reported, in order, each "ok" without "# SKIP"
#    (in this VM every test must run: a skip is a failure, as in check.sh);
#  - no nested result ("# not ok M ...", "# ok M ... # SKIP") failed or
#    skipped, and each test that printed a plan ("# 1..M") reported M
#    nested results.
# Prints one line per problem and a last line "N of N tests passed" or
# "FAIL: ...", each prefixed "run-selftests: ", never a TAP result line.

function problem(msg) { problems[++nproblems] = msg }

# The end of test `name`: its nested results against its plan.
function close_test(name) {
	if (nested_plan != "" && nested_seen != nested_plan)
		problem(name ": " nested_seen " of its " nested_plan " results reported")
	nested_plan = ""
	nested_seen = 0
}

BEGIN {
	nproblems = 0; top_plan = ""; top_seen = 0; passed = 0
	nested_plan = ""; nested_seen = 0; current = "(before the first test)"
}

/^# selftests: / { current = $NF }

/^# 1\.\.[0-9]+/ {
	nested_plan = $2; sub(/^1\.\./, "", nested_plan); nested_plan += 0
	if ($0 ~ /# (SKIP|skip)/)
		problem(current ": skipped as a whole: " substr($0, 3))
	next
}

/^# (not )?ok [0-9]+/ {
	nested_seen++
	line = substr($0, 3)
	if (line ~ /^not ok/)
		problem(current ": " line)
	else if (line ~ /# (SKIP|skip)/)
		problem(current ": skipped: " line)
	next
}

/^1\.\.[0-9]+/ {
	if (top_plan == "") {
		top_plan = $1; sub(/^1\.\./, "", top_plan); top_plan += 0
	}
	next
}

/^(not )?ok [0-9]+/ {
	num = ($1 == "not") ? $3 : $2
	top_seen++
	if (num + 0 != top_seen)
		problem("result " num " came where " top_seen " was due: " $0)
	if ($1 == "not")
		problem($0)
	else if ($0 ~ /# (SKIP|skip)/)
		problem("skipped: " $0)
	else
		passed++
	close_test(current)
	current = "(between tests)"
	next
}

END {
	if (top_plan == "")
		problem("the runner printed no plan (1..N): it never started")
	else if (expected != "" && top_plan != expected + 0)
		problem("the runner planned " top_plan " tests, " expected " were asked for")
	if (top_plan != "" && top_seen != top_plan)
		problem(top_seen " of " top_plan " tests reported a result")
	for (i = 1; i <= nproblems; i++)
		print "run-selftests: " problems[i]
	if (nproblems == 0) {
		print "run-selftests: " passed " of " top_plan " tests passed"
		exit 0
	}
	print "run-selftests: FAIL: " nproblems " problem(s); " passed " of " \
		(top_plan == "" ? "?" : top_plan) " tests passed"
	exit 1
}
