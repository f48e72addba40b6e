#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM (make bench calls it through scripts/bench.sh): what
# mirroring, reading the stream and two peers cost a short-connection
# storm, and how many events the readers take or lose.
#
# The storm: two tcp_workload processes, BENCH_CONNS client-closed
# loopback connections each (about 10 state changes per connection), in a
# fresh namespace that is deleted (and its timewait sockets gone) before
# the next storm.  It runs under each configuration:
#   none      no tracer, the module unloaded
#   module    tcpstate.ko loaded, nobody reading
#   raw       tcpstate.ko + one raw reader (selftests/ts_read stream)
#   raw2      tcpstate.ko + two raw readers at once
#   watch     tcpstate.ko + `tcpstate -j watch` writing JSON lines to a file
#   fillN     tcpstate.ko, the storm's namespace holding N made-up entries
#             first (the test-only debug_fill parameter, module/fill.c),
#             for each N of BENCH_FILL (default "100000 1000000"): the
#             per-connection cost as the table grows, against "module"
#   baseN     other builds of tcpstate.ko, the N-th of BENCH_BASE_KO (paths,
#             e.g. of the commits before changes: "before" and "after" in
#             one run), nobody reading; only when BENCH_BASE_KO is set
#   bpftrace  bpftrace counting sock:inet_sock_set_state per state in-kernel
#   bcc       tcpstates-bpfcc printing every change (module unloaded)
# in BENCH_ROUNDS interleaved rounds (default 7): each round runs every
# configuration once.  The module is unloaded for the configurations
# without it and loaded for the others, so a round runs one group, then
# the other: the group that goes first alternates from round to round, and
# the order inside a group rotates by one each round.  Tracers start before
# the storm and are stopped after it: a peer left attached would tax the
# storms of the other configurations.  tcpstates-bpfcc compiles its
# program at every start (35-70 s under emulation): that wait is not timed.
# BENCH_PEERS=0 leaves both peers out; BENCH_MODULE_PARAMS are insmod's.
#
# Ratios are to the no-tracer median of the run; "paired" is the median of
# the per-round ratios (a storm over the no-tracer storm of its own round),
# which a host whose load changes from round to round disturbs less.
# Results: one JSON line per storm in $BENCH_OUT/storms.jsonl, and the
# summary in $BENCH_OUT/storm.json (scripts/bench.sh prints it).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

N=${BENCH_CONNS:-4000}
ROUNDS=${BENCH_ROUNDS:-7}
PEERS=${BENCH_PEERS:-1}
IDLE_MS=2000		# a raw reader stops after this long without a record
ns=benchstorm
tmp=$(mktemp -d)
samples=$BENCH_OUT/storms.jsonl
: > "$samples"

free_group=(none)
read -r -a base_ko <<< "${BENCH_BASE_KO:-}"
for i in "${!base_ko[@]}"; do
	if [ ! -f "${base_ko[$i]}" ]; then
		echo "bench: BENCH_BASE_KO: ${base_ko[$i]}: no such file" >&2
		exit 1
	fi
	free_group+=("base$((i + 1))")
done
if [ "$PEERS" = 1 ]; then
	command -v bpftrace > /dev/null && free_group+=(bpftrace) ||
		echo "bench: bpftrace not installed: left out (scripts/bench-deps.sh)"
	command -v tcpstates-bpfcc > /dev/null && free_group+=(bcc) ||
		echo "bench: tcpstates-bpfcc not installed: left out (scripts/bench-deps.sh)"
fi
FILL=${BENCH_FILL-100000 1000000}
module_group=(module raw raw2 watch)
for n in $FILL; do module_group+=("fill$n"); done

# busy_s: the CPU time of every CPU that was not idle since boot, in
# seconds.  On one CPU (BENCH_CPUS=1), in ns (calc keeps the us): the
# clock's time less the CPU's idle and iowait sleep (/proc/timer_list), up to
# date as the CPU reading it is not idle.  With more, a CPU idle at that
# moment has its current sleep left out there: the busy USER_HZ ticks of
# /proc/stat instead (user, nice, system, irq, softirq, steal), 10 ms each.
HZ_USER=$(getconf CLK_TCK)
if [ "$(getconf _NPROCESSORS_ONLN)" = 1 ]; then
	CPU_CLOCK="the clock less idle time (/proc/timer_list), in ns"
	busy_s()
	{
		awk '/^now at/ { now = $3 }
		     /\.idle_sleeptime/ { idle += $3; cpus++ }
		     /\.iowait_sleeptime:/ { idle += $2 }
		     END { if (!now || cpus != 1) exit 1
			   printf "%.9f\n", (now - idle) / 1e9 }' /proc/timer_list
	}
	busy_s > /dev/null || {
		echo "bench: no idle time of one CPU in /proc/timer_list" >&2
		exit 1
	}
else
	CPU_CLOCK="busy ticks of /proc/stat (user, system, softirq...), 10 ms each"
	busy_s()
	{
		awk -v hz="$HZ_USER" '$1 == "cpu" {
			printf "%.9f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
	}
fi

# storm: the storm in $ns; prints its seconds and the CPU seconds that
# went into it (every CPU, every task, softirqs and the tracers'
# processes), or "fail".
storm()
{
	local t0 t1 p1 p2 c0 c1 rc=0

	c0=$(busy_s)
	t0=$(now)
	ip netns exec $ns $workload -x -t "$N" -p 8000 > /dev/null &
	p1=$!
	ip netns exec $ns $workload -x -t "$N" -p 9000 > /dev/null &
	p2=$!
	wait $p1 || rc=1
	wait $p2 || rc=1
	t1=$(now)
	c1=$(busy_s)
	if [ $rc -ne 0 ]; then
		echo fail
		return
	fi
	echo "$(calc "$t1 - $t0") $(calc "$c1 - $c0")"
}

# transitions: state changes the module counted in $ns.
transitions() { ip netns exec $ns $ts_read stat transitions; }

# reader_result FILE: "records lost span_ns" of a ts_read stream.
reader_result()
{
	awk '$1 == "records" { print $2, $4, $6 }' "$1"
}

# sample CONFIG ROUND "SECONDS CPU_SECONDS" CHANGES EXTRA: one line of
# storms.jsonl; EXTRA is a JSON object of what the configuration adds.
sample()
{
	local changes=${4:-null} extra=${5:-'{}'} secs cpu

	read -r secs cpu <<< "$3"
	if [ "$secs" = fail ] || [ -z "$cpu" ]; then
		echo "bench: round $2: the storm under $1 failed: sample dropped" >&2
		return
	fi
	jq -nc --arg c "$1" --argjson r "$2" --argjson s "$secs" --argjson cpu "$cpu" \
		--argjson ch "$changes" --argjson x "$extra" \
		'{config: $c, round: $r, seconds: $s, cpu_s: $cpu, changes: $ch} + $x' >> "$samples"
}

run_none()
{
	fresh_ns $ns || return
	sample none "$1" "$(storm)"
	drop_ns $ns
}

run_module()
{
	fresh_ns $ns || return
	local s

	s=$(storm)
	sample module "$1" "$s" "$(transitions)"
	drop_ns $ns
}

# run_raw ROUND READERS: the storm with READERS raw readers draining it.
run_raw()
{
	local i s ch extra='[]' pids=() records lost span

	fresh_ns $ns || return
	for i in $(seq "$2"); do
		ip netns exec $ns $ts_read stream $IDLE_MS > "$tmp/raw$i" &
		pids+=($!)
	done
	for i in $(seq "$2"); do
		wait_for "$tmp/raw$i" ready 20 || echo "bench: raw reader $i never ready" >&2
	done
	s=$(storm)
	ch=$(transitions)
	for i in $(seq "$2"); do
		wait "${pids[$((i - 1))]}"
		read -r records lost span < <(reader_result "$tmp/raw$i")
		extra=$(jq -c --argjson rec "${records:-null}" --argjson lost "${lost:-null}" \
			--argjson span "${span:-null}" \
			'. + [{records: $rec, lost: $lost, span_ns: $span,
			       per_s: (if $span and $span > 0 then $rec / ($span / 1e9) else null end)}]' \
			<<< "$extra")
	done
	sample "$([ "$2" -eq 1 ] && echo raw || echo raw2)" "$1" "$s" "$ch" \
		"$(jq -c '{readers: .}' <<< "$extra")"
	drop_ns $ns
}

# watch_counts FILE: "records lost" of tcpstate -j watch's JSON lines.
watch_counts()
{
	awk -F'"lost":' '/"type":"state"/ { r++ }
		/"type":"lost"/ { l += $2 + 0 }
		END { print r + 0, l + 0 }' "$1"
}

run_watch()
{
	local pid s ch records lost prev=-1 _

	fresh_ns $ns || return
	ip netns exec $ns $cli -j watch > "$tmp/watch" 2> "$tmp/watch.err" &
	pid=$!
	wait_open $pid || echo "bench: tcpstate watch did not open the device" >&2
	s=$(storm)
	ch=$(transitions)
	# Until it has written everything it will: all of it, or nothing
	# more for two seconds.
	for _ in $(seq 30); do
		read -r records lost < <(watch_counts "$tmp/watch")
		[ $((records + lost)) -ge "$ch" ] && break
		[ $((records + lost)) -eq $prev ] && break
		prev=$((records + lost))
		sleep 2
	done
	kill $pid 2> /dev/null
	wait $pid 2> /dev/null
	read -r records lost < <(watch_counts "$tmp/watch")
	sample watch "$1" "$s" "$ch" \
		"$(jq -nc --argjson r "$records" --argjson l "$lost" '{watch: {records: $r, lost: $l}}')"
	drop_ns $ns
}

param=/sys/module/tcpstate/parameters

# run_fill ROUND N: the storm in a namespace that holds N made-up entries.
# The reconcile pass would remove them (no socket has their cookies), so
# it only runs after misses meanwhile; the cap makes room for them, none
# of it kept for the initial namespace, and the namespace has no quota.
run_fill()
{
	local s ch ms cap reserve have

	fresh_ns $ns || return
	ms=$(cat $param/reconcile_ms)
	cap=$(cat $param/max_entries)
	reserve=$(cat $param/init_net_reserve)
	echo 0 > $param/reconcile_ms
	[ "$cap" -ge $(($2 + 4 * N + 100000)) ] || echo $(($2 + 4 * N + 100000)) > $param/max_entries
	echo 0 > $param/init_net_reserve
	$cli -n $ns quota none > /dev/null
	# The entries are allocated as a hook's are (GFP_NOWAIT, no
	# reclaim): a million in a row came up 4,096 short in one round of
	# seven (2026-12-04, one vCPU that kswapd shares with the writer, the
	# page cache of earlier rounds filling memory).  Free pages first.
	sync
	echo 3 > /proc/sys/vm/drop_caches
	ip netns exec $ns sh -c "echo $2 > $param/debug_fill"
	have=$(ip netns exec $ns $ts_read stat entries)
	if [ "$have" != "$2" ]; then
		echo "bench: fill: expected $2 entries in the namespace, saw $have" >&2
	else
		# What summary reads, with the table full (issue 10: < 5 ms at 1M).
		read -r _ _ _ us _ max < <(ip netns exec $ns $ts_read stattime 20)
		s=$(storm)
		ch=$(transitions)
		sample "fill$2" "$1" "$s" "$ch" \
			"$(jq -nc --argjson n "$2" --argjson us "${us:-null}" --argjson max "${max:-null}" \
				'{filled: $n, stats_us: $us, stats_max_us: $max}')"
	fi
	drop_ns $ns
	echo "$ms" > $param/reconcile_ms
	echo "$cap" > $param/max_entries
	echo "$reserve" > $param/init_net_reserve
}

# run_base ROUND N: the storm with the N-th other build loaded (the free
# group runs with the module unloaded).
run_base()
{
	local s params ko=${base_ko[$(($2 - 1))]}

	read -r -a params <<< "${BENCH_MODULE_PARAMS:-}"
	insmod "$ko" "${params[@]}" || { echo "bench: insmod $ko failed" >&2; return; }
	fresh_ns $ns || return
	s=$(storm)
	sample "base$2" "$1" "$s" "$(transitions)"
	drop_ns $ns
	rmmod tcpstate || { echo "bench: rmmod of $ko failed" >&2; exit 1; }
}

run_bpftrace()
{
	local pid s seen

	fresh_ns $ns || return
	bpftrace -e 'tracepoint:sock:inet_sock_set_state { @[args->newstate] = count(); }' \
		> "$tmp/bt" 2>&1 &
	pid=$!
	if ! wait_for "$tmp/bt" Attaching 120; then
		echo "bench: bpftrace did not attach: $(head -c 300 "$tmp/bt")" >&2
		kill $pid 2> /dev/null
		wait $pid 2> /dev/null
		drop_ns $ns
		return
	fi
	sleep 1		# "Attaching" comes just before the attach
	s=$(storm)
	kill -INT $pid
	wait $pid 2> /dev/null
	# Every namespace counts; the storm's changes are nearly all of it.
	seen=$(awk -F': ' '/^@\[/ { n += $2 } END { print n + 0 }' "$tmp/bt")
	sample bpftrace "$1" "$s" null "$(jq -nc --argjson n "$seen" '{tracer_events: $n}')"
	drop_ns $ns
}

run_bcc()
{
	local pid s seen lost prev=-1 t0 t1 _

	t0=$(now)
	PYTHONUNBUFFERED=1 tcpstates-bpfcc > "$tmp/bcc" 2>&1 &
	pid=$!
	if ! wait_for "$tmp/bcc" SKADDR 300; then
		echo "bench: tcpstates-bpfcc did not start: $(head -c 300 "$tmp/bcc")" >&2
		kill $pid 2> /dev/null
		wait $pid 2> /dev/null
		return
	fi
	t1=$(now)
	fresh_ns $ns || return
	s=$(storm)
	# Until its output stops growing for a second.
	for _ in $(seq 100); do
		seen=$(wc -l < "$tmp/bcc")
		[ "$seen" -eq "$prev" ] && break
		prev=$seen
		sleep 1
	done
	kill -TERM $pid
	wait $pid 2> /dev/null
	seen=$(grep -- '->' "$tmp/bcc" | grep -vc SKADDR)
	lost=$(awk '/lost/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i }
		    END { print n + 0 }' "$tmp/bcc")
	sample bcc "$1" "$s" null "$(jq -nc --argjson n "$seen" --argjson l "$lost" \
		--argjson a "$(calc "$t1 - $t0")" \
		'{tracer_events: $n, tracer_lost: $l, attach_s: $a}')"
	drop_ns $ns
}

run()
{
	case "$1" in
	none) run_none "$2" ;;
	module) run_module "$2" ;;
	base*) run_base "$2" "${1#base}" ;;
	raw) run_raw "$2" 1 ;;
	raw2) run_raw "$2" 2 ;;
	watch) run_watch "$2" ;;
	bpftrace) run_bpftrace "$2" ;;
	bcc) run_bcc "$2" ;;
	fill*) run_fill "$2" "${1#fill}" ;;
	esac
}

# rotated R WORD...: the words, starting from the R-th (mod their count).
rotated()
{
	local r=$1 i n

	shift
	n=$#
	for i in $(seq 0 $((n - 1))); do
		echo "${@:$(( (r + i) % n + 1 )):1}"
	done
}

run_group()
{
	local c

	if [ "$1" = module ]; then
		module_load || { echo "bench: insmod failed" >&2; exit 1; }
		for c in $(rotated "$2" "${module_group[@]}"); do run "$c" "$2"; done
	else
		module_unload || { echo "bench: rmmod failed" >&2; exit 1; }
		for c in $(rotated "$2" "${free_group[@]}"); do run "$c" "$2"; done
	fi
}

module_unload
echo "bench: storm: $((2 * N)) connections, $ROUNDS rounds of: ${free_group[*]} ${module_group[*]}"
t_start=$(now)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		run_group free "$r"
		run_group module "$r"
	else
		run_group module "$r"
		run_group free "$r"
	fi
	printf 'bench: round %d of %d done (%.0f s)\n' "$r" "$ROUNDS" "$(calc "$(now) - $t_start")"
done
module_unload

labels='{"none": "no tracer",
	 "module": "tcpstate.ko loaded",
	 "raw": "tcpstate.ko + one raw reader",
	 "raw2": "tcpstate.ko + two raw readers",
	 "watch": "tcpstate.ko + tcpstate -j watch",
	 "bpftrace": "bpftrace counting the tracepoint",
	 "bcc": "tcpstates-bpfcc"}'
order='["none", "module", "raw", "raw2", "watch", "bpftrace", "bcc"'
for i in "${!base_ko[@]}"; do
	labels=$(jq -c --arg k "base$((i + 1))" --arg l "other build $((i + 1)) loaded" \
		'. + {($k): $l}' <<< "$labels")
	order+=", \"base$((i + 1))\""
done
for n in $FILL; do
	labels=$(jq -c --arg k "fill$n" --arg l "tcpstate.ko + $n entries" \
		'. + {($k): $l}' <<< "$labels")
	order+=", \"fill$n\""
done
order+=']'

jq -s --argjson labels "$labels" --argjson order "$order" \
	--argjson conns $((2 * N)) --argjson rounds "$ROUNDS" --arg cpu_clock "$CPU_CLOCK" \
	--argjson kos "$(printf '%s\n' "${base_ko[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" '
	def med: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	. as $all
	| ([$all[] | select(.config == "none") | .seconds] | med) as $base
	| ([$all[] | select(.config == "none") | .cpu_s] | med) as $cbase
	| {connections: $conns, rounds: $rounds, baseline_s: $base,
	   baseline_cpu_s: $cbase, cpu_clock: $cpu_clock, base_ko: $kos,
	   configs: [$order[] as $k
		| [$all[] | select(.config == $k)] as $s
		| select($s | length > 0)
		| ([$s[].seconds] | med) as $m
		| {key: $k, label: $labels[$k], samples: ($s | length),
		   median_s: $m, min_s: ([$s[].seconds] | min),
		   max_s: ([$s[].seconds] | max),
		   ratio: (if $base then $m / $base else null end),
		   ratio_min: (if $base then ([$s[].seconds] | min) / $base else null end),
		   ratio_max: (if $base then ([$s[].seconds] | max) / $base else null end),
		   paired: ([$s[] as $x | $all[]
				| select(.config == "none" and .round == $x.round)
				| $x.seconds / .seconds] | med),
		   cpu_median_s: ([$s[].cpu_s] | med),
		   cpu_ratio: (if $cbase and $cbase > 0 then ([$s[].cpu_s] | med) / $cbase else null end),
		   cpu_ratio_min: (if $cbase and $cbase > 0 then ([$s[].cpu_s] | min) / $cbase else null end),
		   cpu_ratio_max: (if $cbase and $cbase > 0 then ([$s[].cpu_s] | max) / $cbase else null end),
		   cpu_paired: ([$s[] as $x | $all[]
				| select(.config == "none" and .round == $x.round and .cpu_s > 0)
				| $x.cpu_s / .cpu_s] | med),
		   changes: ([$s[].changes | select(. != null)] | med)}
		+ (if $k == "raw" or $k == "raw2" then
			{readers: [range(0; ($s[0].readers | length)) as $i
				| {per_s: ([$s[].readers[$i].per_s | select(. != null)] | med),
				   records: ([$s[].readers[$i].records // 0] | add),
				   lost: ([$s[].readers[$i].lost // 0] | add),
				   lost_max: ([$s[].readers[$i].lost // 0] | max)}],
			 changes_total: ([$s[].changes // 0] | add)}
		   elif $k == "watch" then
			{records: ([$s[].watch.records] | add),
			 lost: ([$s[].watch.lost] | add),
			 lost_pct_median: ([$s[] | select(.changes > 0)
				| 100 * .watch.lost / .changes] | med),
			 changes_total: ([$s[].changes // 0] | add)}
		   elif ($k | startswith("fill")) then
			{filled: $s[0].filled,
			 stats_us: ([$s[].stats_us | select(. != null)] | med),
			 stats_max_us: ([$s[].stats_max_us | select(. != null)] | max)}
		   elif $k == "bpftrace" or $k == "bcc" then
			{tracer_events: ([$s[].tracer_events] | med),
			 tracer_lost: ([$s[].tracer_lost // 0] | add),
			 attach_s: ([$s[].attach_s | select(. != null)] | med)}
		   else {} end)]}' "$samples" > "$BENCH_OUT/storm.json" || exit 1
rm -rf "$tmp"
echo "bench: storm done: $BENCH_OUT/storm.json"
