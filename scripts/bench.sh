#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM (make bench): every benchmark, then bench.json and the
# table.  The VM is booted with slab_nomerge (the module's kmem_cache
# shows in /proc/slabinfo under its own name) and vm-run.sh -o DIR, whose
# directory the guest writes to as /run/vm: bench.json lands there.
#
#   1. the storm under each configuration, interleaved rounds (bench-events.sh)
#   2. bytes per empty namespace (bench-memory.sh)
#   3. about 100k TIME-WAITs in one namespace (tw_storm): the reconcile
#      pass (bench-reconcile.sh), then summary/timewait/list against ss and
#      bytes per entry (bench-reports.sh)
#
# The environment variables of each script pass through: BENCH_CONNS,
# BENCH_ROUNDS, BENCH_PEERS, BENCH_MODULE_PARAMS, BENCH_BASE_KO, BENCH_NETNS, BENCH_TW,
# BENCH_REPORT_ROUNDS.  BENCH_ONLY="events memory reports" runs a subset.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

only=${BENCH_ONLY:-events memory reports}
has() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }

grep -qw slab_nomerge /proc/cmdline ||
	echo "bench: warning: booted without slab_nomerge: tcpstate_entry may be merged into another cache"
rm -f "$BENCH_OUT"/storm.json "$BENCH_OUT"/memory.json "$BENCH_OUT"/reports.json \
	"$BENCH_OUT"/reconcile.json "$BENCH_OUT"/bench.json
t0=$(now)
rc=0
# phase NAME CMD...: run it, say how long it took.
phase()
{
	local t name=$1

	t=$(now)
	shift
	"$@" || rc=1
	printf 'bench: %s took %.0f s\n' "$name" "$(calc "$(now) - $t")"
}
# About 100k TIME-WAITs, which live 60 s: three reconcile passes right
# after the storm, then the reports in the same namespace.
# shellcheck disable=SC2317  # called through phase
reports()
{
	local made

	module_load || return 1
	scripts/bench-reconcile.sh --idle || rc=1
	made=$(tw_storm benchrp "${BENCH_TW:-100000}") || { rc=1; return; }
	scripts/bench-reconcile.sh --busy benchrp || rc=1
	BENCH_TW_STORM_S=$made scripts/bench-reports.sh benchrp || rc=1
	module_unload
}
has events && phase "the storms" scripts/bench-events.sh
has memory && phase "memory" scripts/bench-memory.sh
has reports && phase "reconcile and reports" reports

part()
{
	if [ -s "$BENCH_OUT/$1.json" ]; then
		cat "$BENCH_OUT/$1.json"
	else
		echo null
	fi
}

jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	--argjson cpus "$(nproc)" --argjson mem "$(meminfo MemTotal)" \
	--arg cmdline "$(cat /proc/cmdline)" --arg version "$(git describe --always --dirty 2> /dev/null)" \
	--argjson took "$(calc "$(now) - $t0")" --arg icount "${BENCH_ICOUNT:-}" \
	--argjson storm "$(part storm)" --argjson memory "$(part memory)" \
	--argjson reconcile "$(part reconcile)" --argjson reports "$(part reports)" \
	'{date: $date, kernel: $kernel, cpu: $cpu,
	  emulated: ($cpu | test("TCG|QEMU")), vcpus: $cpus,
	  memory_kb: $mem, cmdline: $cmdline, version: $version, took_s: $took,
	  icount_shift: (if $icount == "" then null else ($icount | tonumber) end),
	  storm: $storm, memory: $memory, reconcile: $reconcile, reports: $reports}' \
	> "$BENCH_OUT/bench.json" || exit 1
scripts/bench-table.sh "$BENCH_OUT/bench.json"
exit $rc
