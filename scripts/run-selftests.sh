#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM: load the freshly built module and run the kselftests
# through the kselftest runner.  Usage: run-selftests.sh [TEST...]
# (default: all of selftests/Makefile's tests).
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

# Scenarios that delay segments use netem.
modprobe -q sch_netem || echo "run-selftests: sch_netem unavailable"
insmod module/tcpstate.ko || { echo "run-selftests: insmod module/tcpstate.ko failed"; exit 1; }
if [ $# -gt 0 ]; then
	make -s -C selftests run_tests TEST_GEN_PROGS= TEST_PROGS="$*"
else
	make -s -C selftests run_tests
fi
rc=$?
if grep -q '^tcpstate ' /proc/modules && ! rmmod tcpstate; then
	echo "run-selftests: rmmod tcpstate failed after the tests"
	rc=1
fi
exit $rc
