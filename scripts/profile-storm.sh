#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM, for scripts/profile.sh: the bench's storm (two
# tcp_workload clients, PROFILE_CONNS connections each, client-closed, on
# loopback in a namespace of their own), once to warm up and once between
# two sync() calls, which open and close the plugin's window.  PROFILE_KO:
# the module to load first, or "none".  /proc/kallsyms goes to the run's
# output directory, for the addresses the plugin counted.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

ko=${PROFILE_KO:?}
n=${PROFILE_CONNS:-2000}
ns=profilestorm

storm()
{
	local p1 p2 rc=0

	ip netns exec $ns "$workload" -x -t "$n" -p 8000 > /dev/null &
	p1=$!
	ip netns exec $ns "$workload" -x -t "$n" -p 9000 > /dev/null &
	p2=$!
	wait $p1 || rc=1
	wait $p2 || rc=1
	return $rc
}

echo 0 > /proc/sys/kernel/kptr_restrict
fresh_ns $ns || exit 1
if [ "$ko" != none ]; then
	insmod "$ko" || exit 1
fi
storm || { echo "profile: the warm-up storm failed" >&2; exit 1; }
sleep 1
sync
storm || { echo "profile: the storm failed" >&2; exit 1; }
sync
cp /proc/kallsyms "$BENCH_OUT/kallsyms" || exit 1
echo "profile: $((2 * n)) connections counted ($ko)"
