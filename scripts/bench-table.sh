#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the tables of a bench.json (scripts/bench.sh writes it; make bench
# prints them again on the host):
#
#   scripts/bench-table.sh .build/bench/bench.json
# shellcheck disable=SC2016  # jq programs, in single quotes
set -u

f=${1:?usage: bench-table.sh BENCH.JSON}
[ -r "$f" ] || { echo "bench-table: cannot read $f" >&2; exit 1; }

q() { jq -r "$@" "$f"; }

q '"tcpstate bench, \(.date[0:10]): kernel \(.kernel), \(.vcpus) vCPUs, " +
   (if (.cpu | test("TCG|QEMU")) then "emulated CPU (QEMU TCG)" else .cpu end) +
   (if .icount_shift != null then ", clock counting instructions (\(pow(2; .icount_shift)) ns each)" else "" end) +
   ", \(.memory_kb / 1024 | floor) MiB, \(.took_s / 60 | floor) min"'

if [ "$(q '.storm != null')" = true ]; then
	echo
	q '.storm | "Storm: \(.connections) short client-closed loopback connections from 2 clients, " +
		"\(.rounds) interleaved rounds.\nRatio: the median storm time over the no-tracer median " +
		"(\(.baseline_s * 100 | round / 100) s); spread: the fastest and slowest round;\n" +
		"paired: the median of the ratios to the no-tracer storm of the same round."'
	echo
	printf '  %-34s %8s %13s %6s %12s %7s\n' "what ran during the storm" median "spread" ratio "ratio spread" paired
	q '.storm.configs[] | [.label, .median_s, .min_s, .max_s, .ratio, .ratio_min, .ratio_max, .paired] | @tsv' |
		awk -F'\t' '{ printf "  %-34s %6.2f s %5.2f-%5.2f s %6.2f %5.2f-%5.2f %7.2f\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	if [ "$(q '.storm.baseline_cpu_s != null')" = true ]; then
		echo
		q '.storm | "CPU time of the same storms: every CPU'"'"'s time not idle (\(.cpu_clock //
			"busy ticks of /proc/stat (user, system, softirq...), 10 ms each")),\nwhich leaves out the " +
			"waits a storm'"'"'s time has; no-tracer median \(.baseline_cpu_s * 1000 | round / 1000) s."'
		printf '  %-34s %10s %6s %12s %7s\n' "what ran during the storm" "CPU median" ratio "ratio spread" paired
		q '.storm.configs[] | select(.cpu_median_s != null) |
			[.label, .cpu_median_s, .cpu_ratio, .cpu_ratio_min, .cpu_ratio_max, .cpu_paired] | @tsv' |
			awk -F'\t' '{ printf "  %-34s %8.3f s %6.3f %5.3f-%5.3f %7.3f\n", $1, $2, $3, $4, $5, $6 }'
	fi
	q '.storm.base_ko // [] | to_entries[] | "  other build \(.key + 1): \(.value)"'
	echo
	echo "Events during those storms:"
	q '.storm.configs[] | select(.key == "raw") |
		"  one raw reader: \(.readers[0].per_s // 0 | round) events/s (median), " +
		"lost \(.readers[0].lost) of \(.changes_total) in all rounds"'
	q '.storm.configs[] | select(.key == "raw2") |
		"  two raw readers: \([.readers[].per_s // 0 | round] | map(tostring) | join(" and ")) events/s, " +
		"lost \([.readers[].lost] | map(tostring) | join(" and ")) of \(.changes_total)"'
	q '.storm.configs[] | select(.key == "watch") |
		"  tcpstate -j watch: \(.records) records and \(.lost) lost of \(.changes_total) changes " +
		"(\(.lost_pct_median // 0 | . * 10 | round / 10)% lost, median storm)"'
	q '.storm.configs[] | select(.key == "bpftrace") |
		"  bpftrace counted \(.tracer_events) tracepoint hits per storm (median, in-kernel map)"'
	q '.storm.configs[] | select(.key == "bcc") |
		"  tcpstates-bpfcc printed \(.tracer_events) changes per storm (median), lost \(.tracer_lost) " +
		"in all rounds; it took \(.attach_s | round) s to attach (not timed)"'
	q '.storm.configs[] | select(.key == "module") |
		"  the module counted \(.changes) state changes per storm (median)"'
	q '[.storm.configs[] | select(.key == "module" or (.key | startswith("fill")))] |
		select(length > 1) |
		"As the table grows (the storm with 0, then N entries already mirrored in its namespace):\n" +
		"  " + (map("\(.key | sub("^fill"; "") | sub("module"; "0")): x\(.ratio * 100 | round / 100)") | join(", ")) +
		"; slowest over fastest median: +\((map(.median_s) | max / min - 1) * 100 | round)%"'
	q '.storm.configs[] | select(.key | startswith("fill")) |
		"  the stats ioctl (all summary reads) with \(.filled) entries: \(.stats_us) us (median of means), at most \(.stats_max_us) us"'
fi

if [ "$(q '.memory != null or .reports.slab != null')" = true ]; then
	echo
	echo "Memory:"
	q '.reports.slab // empty |
		"  per entry: \(.cache) objects of \(.object_size) B, \(.objects_per_slab) per " +
		"\(.pages_per_slab * 4) KiB slab = \(.bytes_per_entry_full_slab * 10 | round / 10) B; " +
		"measured with \(.active_objects) entries and \(.owners.active_objects // 0) shared owners " +
		"of \(.owners.object_size // 0) B: \(.bytes_per_entry_measured // 0 | . * 10 | round / 10) B"'
	q '.memory // empty |
		"  per empty namespace (module loaded minus unloaded, \(.namespaces) namespaces): " +
		"slab \(.module_bytes_per_netns.slab | round) B, percpu \(.module_bytes_per_netns.percpu | round) B, " +
		"all kernel pages \(.module_bytes_per_netns.kernel | round) B"'
fi

if [ "$(q '.reports != null')" = true ]; then
	echo
	q '.reports | "Reports with up to \(.time_wait_max) TIME-WAITs in one namespace " +
		"(\(.entries) mirrored after the storm; they expire 60 s after it),\n" +
		"\(.commands[0].runs) runs of summary; - true: the median less that of starting /bin/true;\n" +
		"per TW: (time - true) / TIME-WAITs, median; ss / x: the per TW of ss over this one;\n" +
		"CPU: the same from CPU time (user + system), which leaves out waits;\n" +
		"TIME-WAIT: the counts before the runs."'
	printf '  %-30s %9s %15s %9s %9s %6s %9s %6s %13s\n' command median spread "- true" "per TW" "ss / x" \
		"CPU/TW" "ss / x" "TIME-WAIT"
	q '.reports as $r | ($r.commands[] | select(.command == "true") | .median_s) as $t |
		$r.commands[] | [.command, .median_s, .min_s, .max_s, .median_s - $t,
				 (.us_per_tw // "-"), (.ss_over_this // "-"),
				 .time_wait_min, .time_wait_max,
				 (.cpu_us_per_tw // "-"), (.ss_over_this_cpu // "-")] | @tsv' |
		awk -F'\t' 'BEGIN {
			n["summary"] = "tcpstate -i 0 summary"
			n["summary_empty"] = "  the same, empty namespace"
			n["timewait"] = "tcpstate -i 0 timewait"
			n["list"] = "tcpstate list state time-wait"
			n["list_json"] = "tcpstate -j list state time-wait"
			n["ss"] = "ss -tan state time-wait"
			n["true"] = "/bin/true (starting a process)"
		}
		{ tw = $1 == "summary_empty" ? "0" : $8 "-" $9
		  per = $6 == "-" ? "-" : sprintf("%.2f us", $6)
		  ratio = $7 == "-" ? "-" : sprintf("%.1fx", $7)
		  cper = $10 == "-" ? "-" : sprintf("%.2f us", $10)
		  cratio = $11 == "-" ? "-" : sprintf("%.1fx", $11)
		  if ($1 ~ /^summary/ || $1 == "true") { per = "-"; ratio = "-"; cper = "-"; cratio = "-" }
		  printf "  %-30s %7.3f s %6.3f-%6.3f s %7.3f s %9s %6s %9s %6s %13s\n", n[$1], $2, $3, $4, $5,
			per, ratio, cper, cratio, tw }'
fi

if [ "$(q '.reconcile != null')" = true ]; then
	echo
	q '.reconcile | "Reconcile pass: \(.busy_us / 1000 | . * 10 | round / 10) ms with \(.sockets) sockets " +
		"(idle machine \(.idle_us / 1000 | . * 10 | round / 10) ms): \(.ms_per_100k_sockets) ms per 100k sockets"'
fi
