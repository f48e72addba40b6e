#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: load the freshly built module and run the kselftests
# through the kselftest runner.  Usage: run-selftests.sh [TEST...]
# (default: all of selftests/Makefile's tests).  TCPSTATE_KO names another
# module to load (default module/tcpstate.ko).
#
# The TAP output flows to stdout as the runner prints it.  The 6.1 runner's
# `make run_tests` exits 0 even when a test failed, so the exit status is
# the verdict of scripts/tap-verdict.awk on that output: non-zero when any
# result, top-level or nested, is "not ok" or a skip, or when fewer tests
# reported than were asked for (scripts/tap-verdict-test.sh checks it).
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ko=${TCPSTATE_KO:-module/tcpstate.ko}

# Scenarios that delay segments use netem.
modprobe -q sch_netem || echo "run-selftests: sch_netem unavailable"
insmod "$ko" || { echo "run-selftests: insmod $ko failed"; exit 1; }
# The shell tests load the same module when they reload it.
TCPSTATE_KO=$(cd "$(dirname "$ko")" && pwd)/$(basename "$ko")
export TCPSTATE_KO

if [ $# -gt 0 ]; then
	expected=$#
else
	expected=$(make -s -C selftests list-tests | wc -w)
fi
tmp=$(mktemp -d) || exit 1
: > "$tmp/tap"
# Each top-level result is followed by a comment with the test's run time.
last=$(date +%s)
{
	if [ $# -gt 0 ]; then
		make -s -C selftests run_tests TEST_GEN_PROGS= TEST_PROGS="$*"
	else
		make -s -C selftests run_tests
	fi
	echo $? > "$tmp/make-rc"
} 2>&1 | while IFS= read -r line; do
	printf '%s\n' "$line"
	printf '%s\n' "$line" >> "$tmp/tap"
	case $line in
	"ok "*|"not ok "*)
		now=$(date +%s)
		name=${line##*: }
		echo "# run-selftests: ${name%% *} took $((now - last)) s"
		last=$now
		;;
	esac
done
rc=0
awk -v expected="$expected" -f scripts/tap-verdict.awk "$tmp/tap" || rc=1
make_rc=$(cat "$tmp/make-rc")
if [ "$make_rc" != 0 ]; then
	echo "run-selftests: make run_tests exited $make_rc"
	rc=1
fi
rm -rf "$tmp"
if grep -q '^tcpstate ' /proc/modules && ! rmmod tcpstate; then
	echo "run-selftests: rmmod tcpstate failed after the tests"
	rc=1
fi
exit $rc
