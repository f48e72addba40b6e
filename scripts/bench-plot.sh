#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Draw the side-by-side storm ratios of a bench.json as a PNG, one bar per
# configuration (median over the no-tracer median) with the fastest and
# slowest round as the error bar.  Needs gnuplot (gnuplot-nox, installed by
# scripts/bench-deps.sh).
#
#   scripts/bench-plot.sh .build/bench/bench.json .build/bench/bench.png
set -u

json=${1:?usage: bench-plot.sh BENCH.JSON OUT.PNG}
png=${2:?usage: bench-plot.sh BENCH.JSON OUT.PNG}
command -v gnuplot > /dev/null || { echo "bench-plot: gnuplot not installed" >&2; exit 1; }
[ -r "$json" ] || { echo "bench-plot: cannot read $json" >&2; exit 1; }
# A run without the storms (BENCH_ONLY=memory...) has nothing to draw.
if [ "$(jq '.storm.configs // [] | length' "$json")" -eq 0 ]; then
	echo "bench-plot: no storm results in $json: no picture"
	exit 0
fi

data=$(mktemp)
trap 'rm -f "$data"' EXIT
# Where the guest's clock counts instructions (BENCH_ICOUNT), its elapsed
# times jump over idle waits and mean nothing: the storms' CPU times are
# drawn instead.
if [ "$(jq '.icount_shift != null and .storm.configs[0].cpu_ratio != null' "$json")" = true ]; then
	prefix=cpu_
	what="storm CPU time / no-tracer median"
	clock="instruction-counted, CPU time"
	digits=3
else
	prefix=
	what="storm time / no-tracer median"
	clock="elapsed time"
	digits=2
fi
# gnuplot's string columns: the label, in double quotes.
jq -r --arg p "$prefix" '.storm.configs[]
	| [(.label | @json), .[$p + "ratio"], .[$p + "ratio_min"], .[$p + "ratio_max"]]
	| map(tostring) | join(" ")' "$json" > "$data"
title=$(jq -r --arg clock "$clock" '"Cost of a storm of \(.storm.connections) short connections, " +
	"median of \(.storm.rounds) interleaved rounds\\n" +
	"kernel \(.kernel), \(.vcpus) vCPUs, emulated CPU, \($clock), \(.date[0:10])"' "$json")

gnuplot <<EOF
set terminal pngcairo size 1000,620 noenhanced font ",10"
set output "$png"
set title "$title"
set ylabel "$what (bars: fastest and slowest round)"
set yrange [0:*]
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
set xtics nomirror rotate by 20 right
set bmargin 7
unset key
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "gray40"
plot "$data" using 0:2:xtic(1) with boxes lc rgb "#4477aa", \
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt -1, \
     "" using 0:(\$4):(sprintf("%.${digits}f", \$2)) with labels offset 0,0.8
EOF
[ -s "$png" ] || { echo "bench-plot: gnuplot wrote nothing" >&2; exit 1; }
echo "bench-plot: $png"
