#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM, for scripts/profile.sh: the bench's storm (two
# tcp_workload clients, PROFILE_CONNS connections each, client-closed, on
# loopback in a namespace of their own), once to warm up and once between
# two sync() calls, which open and close the plugin's window.  PROFILE_KO:
# the module to load first, or "none".  PROFILE_READERS (0): raw readers
# of the module's stream (ts_read) draining it during the counted storm.
# /proc/kallsyms goes to the run's output directory, for the addresses the
# plugin counted.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

ko=${PROFILE_KO:?}
n=${PROFILE_CONNS:-2000}
readers=${PROFILE_READERS:-0}
ns=profilestorm
tmp=$(mktemp -d) || exit 1

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
pids=()
if [ "$ko" != none ]; then
	for i in $(seq "$readers"); do
		ip netns exec $ns "$ts_read" stream 2000 > "$tmp/reader$i" &
		pids+=($!)
	done
	for i in $(seq "$readers"); do
		wait_for "$tmp/reader$i" ready 20 ||
			{ echo "profile: reader $i never ready" >&2; exit 1; }
	done
fi
sleep 1
sync
storm || { echo "profile: the storm failed" >&2; exit 1; }
sync
for i in "${!pids[@]}"; do
	wait "${pids[$i]}"
	echo "profile: reader $((i + 1)): $(awk '$1 == "records" {
		print $2, "records,", $4, "lost" }' "$tmp/reader$((i + 1))")"
done
cp /proc/kallsyms "$BENCH_OUT/kallsyms" || exit 1
echo "profile: $((2 * n)) connections counted ($ko)"
