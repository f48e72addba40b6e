#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM, with the module loaded (make bench calls it through
# scripts/bench.sh): how long `tcpstate summary`, `timewait` and `list`
# take against `ss -tan state time-wait` with about 100,000 TIME-WAITs in
# one namespace, and what a table entry costs in memory.
#
#   bench-reports.sh [NS]
#
# tw_storm (bench-lib.sh: ip_local_port_range 1024-65000, tcp_tw_reuse 0)
# makes BENCH_TW TIME-WAITs in the namespace benchrp, or NS when it is
# given and already holds them (BENCH_TW_STORM_S: how long that took).  A TIME-WAIT lives 60 s, so the
# measurement starts right after the storm and the count is taken before
# every command: when the storm itself takes longer than a minute (a busy
# host), fewer than BENCH_TW are there.  BENCH_KEEP_NS=1 keeps the
# namespace.
#
# Every command runs inside the namespace with its output to /dev/null,
# BENCH_REPORT_ROUNDS rounds (default 2) in a rotated order; `list` in
# text and in JSON (-j).  As the
# TIME-WAITs expire while this runs, a command's cost is also given per
# TIME-WAIT: (its time - the median time of /bin/true) / the count before
# it, in µs, the median over its runs with at least 1000; "ss / this" is
# the ratio of those.  The same from its CPU time (user and system, as
# bash's time reads them for the child): elapsed time also holds the
# waits of a host that runs other VMs.  The cheap ones run
# three times a round: `summary`, the same in an empty namespace (-n: the
# difference is what the table's size costs it: nothing, if it is O(1)),
# and /bin/true, the cost of starting a process, the floor of every row.
# Bytes per entry: the module's kmem_caches, tcpstate_entry and the owners
# the entries share, tcpstate_who_shared (none in RT mode), read from
# /proc/slabinfo with the table full (the guest boots with slab_nomerge, so
# the caches are the module's alone).  Results: $BENCH_OUT/reports.json.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

ROUNDS=${BENCH_REPORT_ROUNDS:-2}

# Inside the namespace: one JSON line per command run.
if [ "${1:-}" = --inside ]; then
	time_wait() { $ts_read counts | awk '$1 == "TIME-WAIT" { print $2 }'; }
	# timed NAME ROUND CMD...: one line, with the TIME-WAIT count before.
	timed()
	{
		local name=$1 round=$2 tw t0 t1 cpu TIMEFORMAT='%U %S'

		shift 2
		tw=$(time_wait)
		t0=$(now)
		cpu=$( { time "$@" > /dev/null 2>&1; } 2>&1 )
		t1=$(now)
		jq -nc --arg c "$name" --argjson r "$round" --argjson tw "${tw:-0}" \
			--argjson s "$(calc "$t1 - $t0")" \
			--argjson cpu "$(echo "$cpu" | awk '{ printf "%.6f", $1 + $2 }')" \
			'{command: $c, round: $r, time_wait: $tw, seconds: $s, cpu_s: $cpu}'
	}
	run()
	{
		case "$1" in
		true) timed true "$2" /bin/true ;;
		summary) timed summary "$2" $cli -i 0 summary ;;
		summary_empty) timed summary_empty "$2" $cli -n benchempty -i 0 summary ;;
		timewait) timed timewait "$2" $cli -i 0 timewait ;;
		list) timed list "$2" $cli list state time-wait ;;
		list_json) timed list_json "$2" $cli -j list state time-wait ;;
		ss) timed ss "$2" ss -tan state time-wait ;;
		esac
	}
	cmds=(ss list timewait list_json summary summary_empty true)
	for r in $(seq "$ROUNDS"); do
		for i in $(seq 0 6); do
			c=${cmds[$(( (r + i) % 7 ))]}
			run "$c" "$r"
			# The cheap ones again: a process start is noisy.
			case "$c" in
			summary*|true) run "$c" "$r"; run "$c" "$r" ;;
			esac
		done
	done
	exit 0
fi

module_loaded || insmod $module || exit 1
ns=${1:-}
made=${BENCH_TW_STORM_S:-null}
fresh_ns benchempty || exit 1
if [ -z "$ns" ]; then
	ns=benchrp
	made=$(tw_storm "$ns" "${BENCH_TW:-100000}") || exit 1
fi

# The table full: its entries and the slab they take.
entries=$(ip netns exec "$ns" $ts_read stat entries)
all_entries=$(ip netns exec "$ns" $ts_read stat all_entries)
read -r active num objsize perslab pages slabs < <(slab_line tcpstate_entry)
read -r w_active _ w_objsize _ w_pages w_slabs < <(slab_line tcpstate_who_shared)

ip netns exec "$ns" "$top/scripts/bench-reports.sh" --inside > "$BENCH_OUT/reports.jsonl"

jq -s --argjson made "$made" --argjson entries "$entries" \
	--argjson all "$all_entries" \
	--argjson active "${active:-null}" --argjson objsize "${objsize:-null}" \
	--argjson perslab "${perslab:-null}" --argjson pages "${pages:-null}" \
	--argjson slabs "${slabs:-null}" --argjson num "${num:-null}" \
	--argjson w_active "${w_active:-0}" --argjson w_objsize "${w_objsize:-0}" \
	--argjson w_pages "${w_pages:-0}" --argjson w_slabs "${w_slabs:-0}" '
	def med: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	. as $all
	| ([$all[] | select(.command == "true") | .seconds] | med) as $true
	| ([$all[] | select(.command == "true") | .cpu_s] | med) as $true_cpu
	| {storm_s: $made, entries: $entries,
	   time_wait_min: ([$all[].time_wait] | min),
	   time_wait_max: ([$all[].time_wait] | max),
	   commands: [("summary", "summary_empty", "timewait", "list", "list_json", "ss", "true") as $c
		| [$all[] | select(.command == $c)] as $s
		| {command: $c, median_s: ([$s[].seconds] | med),
		   min_s: ([$s[].seconds] | min), max_s: ([$s[].seconds] | max),
		   runs: ($s | length),
		   time_wait_min: ([$s[].time_wait] | min),
		   time_wait_max: ([$s[].time_wait] | max),
		   us_per_tw: ([$s[] | select(.time_wait >= 1000)
				| (.seconds - $true) / .time_wait * 1e6] | med),
		   cpu_median_s: ([$s[].cpu_s] | med),
		   cpu_us_per_tw: ([$s[] | select(.time_wait >= 1000)
				| (.cpu_s - $true_cpu) / .time_wait * 1e6] | med)}]}
	| .commands |= (([.[] | select(.command == "ss") | .us_per_tw][0]) as $ss
		| ([.[] | select(.command == "ss") | .cpu_us_per_tw][0]) as $ss_cpu
		| map(. + {ss_over_this: (if .us_per_tw and .us_per_tw > 0 and $ss
					  then $ss / .us_per_tw else null end),
			   ss_over_this_cpu: (if .cpu_us_per_tw and .cpu_us_per_tw > 0 and $ss_cpu
					      then $ss_cpu / .cpu_us_per_tw else null end)}))
	| . + {slab: (if $active == null then null else
		{cache: "tcpstate_entry", object_size: $objsize,
		 objects_per_slab: $perslab, pages_per_slab: $pages,
		 active_objects: $active, objects: $num, slabs: $slabs,
		 all_entries: $all,
		 owners: {cache: "tcpstate_who_shared", object_size: $w_objsize,
			  active_objects: $w_active, slabs: $w_slabs},
		 bytes_per_entry_full_slab: ($pages * 4096 / $perslab),
		 bytes_per_entry_measured: (if $active > 0
			then ($slabs * $pages + $w_slabs * $w_pages) * 4096 / $active
			else null end)} end)}' \
	"$BENCH_OUT/reports.jsonl" > "$BENCH_OUT/reports.json" || exit 1
ip netns del benchempty
[ "${BENCH_KEEP_NS:-0}" = 1 ] || drop_ns "$ns"
echo "bench: reports done: $BENCH_OUT/reports.json"
