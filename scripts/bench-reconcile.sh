#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM, with the module loaded (make bench calls it): what one
# reconcile pass costs with about 100,000 sockets, against an idle
# machine.  The sockets are TIME-WAITs of four short-connection storms to
# four ports of one namespace (tw_storm in bench-lib.sh); the pass walks
# the kernel's hash tables and the table, so the kind of socket matters
# little.  A pass's duration is what its tcpstate:reconcile trace event
# says; passes are forced by a 1 s reconcile_ms.  BENCH_TW sets the number
# of sockets.
#
#   bench-reconcile.sh             idle passes, the storm, busy passes
#   bench-reconcile.sh --idle      idle passes only, kept for --busy
#   bench-reconcile.sh --busy NS   three busy passes with the sockets of NS,
#                                  which bench.sh made and measures the
#                                  reports in next (TIME-WAITs last 60 s)
# Results: printed, and in $BENCH_OUT/reconcile.json.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

N=${BENCH_TW:-100000}
param=/sys/module/tcpstate/parameters/reconcile_ms
tracing=/sys/kernel/tracing
old_period=$(cat $param) || exit 1

# passes K: the durations in µs of the next K passes, one a line.
passes()
{
	local out _

	out=$(mktemp)
	echo > $tracing/trace
	echo 1 > $tracing/events/tcpstate/reconcile/enable
	echo 1000 > $param
	timeout $(($1 * 2 + 6)) cat $tracing/trace_pipe > "$out" &
	for _ in $(seq 100); do
		[ "$(grep -c 'reconcile:' "$out")" -ge "$1" ] && break
		sleep 0.5
	done
	echo "$old_period" > $param
	echo 0 > $tracing/events/tcpstate/reconcile/enable
	kill %% 2>/dev/null
	wait 2>/dev/null
	sed -n 's/.*corrected=\([0-9]*\) duration_ns=\([0-9]*\).*/\2 \1/p' "$out" | head -n "$1" |
		awk '{ printf "%d %d\n", $1 / 1000, $2 }'
	rm -f "$out"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

mode=${1:-all}
idle_file=$BENCH_OUT/reconcile-idle-us
if [ "$mode" != --busy ]; then
	read -r idle_us _ < <(passes 5 | sort -n | awk 'NR == 3')
	echo "${idle_us:-0}" > "$idle_file"
	[ "$mode" = --idle ] && exit 0
else
	idle_us=$(cat "$idle_file" 2> /dev/null || echo 0)
fi

made=null
if [ "$mode" = --busy ]; then
	ns=${2:?--busy needs a namespace}
else
	ns=benchrc
	made=$(tw_storm "$ns" "$N") || exit 1
fi
socks=$(ip netns exec "$ns" ss -tanH | wc -l)
mirrored=$(ip netns exec "$ns" $ts_read stat entries)
npasses=5
[ "$mode" = --busy ] && npasses=3
res=$(passes $npasses)
busy_us=$(echo "$res" | median)
corrected=$(echo "$res" | awk '{ s += $2 } END { print s + 0 }')
per100k=$(( (busy_us - idle_us) * 100000 / (socks > 0 ? socks : 1) / 1000 ))
printf 'bench: reconcile pass: %d us with %d sockets in all (idle machine: %d us); %d ms per 100k sockets\n' \
	"$busy_us" "$socks" "$idle_us" "$per100k"
printf 'bench: reconcile: %d sockets in ss, %d mirrored, %d corrected in %d passes\n' \
	"$socks" "$mirrored" "$corrected" $npasses
jq -n --argjson idle "${idle_us:-null}" --argjson busy "${busy_us:-null}" \
	--argjson socks "$socks" --argjson mirrored "$mirrored" \
	--argjson corrected "$corrected" --argjson per "$per100k" --argjson made "$made" \
	--argjson n $npasses \
	'{idle_us: $idle, busy_us: $busy, sockets: $socks, mirrored: $mirrored,
	  passes: $n, corrected: $corrected, ms_per_100k_sockets: $per,
	  storm_s: $made}' > "$BENCH_OUT/reconcile.json"
[ "$mode" = --busy ] || drop_ns "$ns"
