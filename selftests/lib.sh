#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the shell selftests: where the module is, and TAP output in
# the form the kselftest runner nests under each test.

ksft_skip=4
selftests_dir=$(cd "$(dirname "$0")" && pwd)
TCPSTATE_KO=${TCPSTATE_KO:-$selftests_dir/../module/tcpstate.ko}
TCPSTATE_DEV=/dev/tcpstate

tap_n=0
tap_failed=0

tap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

# tap_result NAME STATUS [WHY]: STATUS 0 passes, anything else fails.
tap_result()
{
	tap_n=$((tap_n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $tap_n $1"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n $1${3:+ # $3}"
	fi
}

tap_exit()
{
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

require_root_and_module()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "# SKIP: needs root"
		exit $ksft_skip
	fi
	if [ ! -r "$TCPSTATE_KO" ]; then
		echo "# SKIP: no module at $TCPSTATE_KO (build it with make)"
		exit $ksft_skip
	fi
}

module_loaded()
{
	grep -q '^tcpstate ' /proc/modules
}

# Kernel log lines that are kernel bugs, for the caller to count.
kernel_reports()
{
	dmesg | grep -aE 'WARNING:|BUG:|Oops|KASAN|possible circular locking|inconsistent lock state|suspicious RCU usage|refcount_t:'
}
