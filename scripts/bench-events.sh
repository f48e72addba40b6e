#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM (make bench): how many events per second one reader of
# /dev/tcpstate takes without losing any, and what mirroring and reading
# cost a short-connection storm.  Each round runs the same storm (two
# tcp_workload processes, N client-closed connections each, about 10
# state changes per connection) in a fresh namespace:
#   0. without the module;
#   1. no reader: the storm alone (the module still mirrors);
#   2. a raw reader (selftests/ts_read stream) draining the stream;
#   3. the CLI: tcpstate -j watch writing JSON lines to a file.
# Numbers are ratios within this one run: the machines are noisy.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

N=${BENCH_CONNS:-5000}
ts_read=selftests/ts_read
workload=selftests/tcp_workload
cli=userspace-tool/tcpstate
out=$(mktemp -d)

grep -q '^tcpstate ' /proc/modules && rmmod tcpstate

now() { date +%s.%N; }

# storm NS: two workloads in parallel; prints the seconds it took.
storm()
{
	local t0 t1

	t0=$(now)
	ip netns exec "$1" $workload -x -t "$N" -p 8000 > /dev/null &
	ip netns exec "$1" $workload -x -t "$N" -p 9000 > /dev/null &
	wait %1 %2
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

fresh_ns()
{
	ip netns del "$1" 2>/dev/null
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000
}

fresh_ns bench00
bare=$(storm bench00)
ip netns del bench00
insmod module/tcpstate.ko || exit 1
buffer=$(cat /sys/module/tcpstate/parameters/event_buffer)

fresh_ns bench0
alone=$(storm bench0)
changes=$(ip netns exec bench0 $ts_read stat trans:fin_wait2:time_wait)
total=$(ip netns exec bench0 $ts_read stat transitions)
printf 'bench: storm alone: %d connections, %d state changes in %.2f s (%.0f changes/s)\n' \
	$((2 * N)) "$total" "$alone" "$(echo "$total / $alone" | bc -l)"
[ "$changes" -eq $((2 * N)) ] || echo "bench: warning: $changes TIME-WAIT entries, expected $((2 * N))"
printf 'bench: the same storm without the module: %.2f s (mirroring costs x%.2f)\n' \
	"$bare" "$(echo "$alone / $bare" | bc -l)"

fresh_ns bench1
ip netns exec bench1 $ts_read stream 3000 > "$out/raw" &
reader=$!
while ! grep -q ready "$out/raw"; do sleep 0.1; done
with=$(storm bench1)
wait $reader
read -r _ records _ lost _ span < <(tail -n 1 "$out/raw")
printf 'bench: raw reader: %d records, %d lost, %.0f records/s over the storm; storm took %.2f s (x%.2f of alone)\n' \
	"$records" "$lost" "$(echo "$records / ($span / 1000000000)" | bc -l)" "$with" \
	"$(echo "$with / $alone" | bc -l)"

fresh_ns bench2
ip netns exec bench2 $cli -j watch > "$out/watch" &
watcher=$!
sleep 1
with=$(storm bench2)
for i in $(seq 100); do
	n=$(grep -c '"type":"state"' "$out/watch")
	[ "$n" -ge "$records" ] && break
	sleep 0.2
done
kill $watcher
wait $watcher 2>/dev/null
lines=$(grep -c '"type":"state"' "$out/watch")
cli_lost=$(awk -F'"lost":' '/"type":"lost"/ { s += $2 + 0 } END { print s + 0 }' "$out/watch")
printf 'bench: tcpstate -j watch: %d records, %d lost; storm took %.2f s (x%.2f of alone)\n' \
	"$lines" "$cli_lost" "$with" "$(echo "$with / $alone" | bc -l)"
echo "bench: event_buffer=$buffer records per reader, $(nproc) CPUs, $(uname -r)"

ip netns del bench0
ip netns del bench1
ip netns del bench2
rm -rf "$out"

scripts/bench-reconcile.sh
