#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM (make bench calls it through scripts/bench.sh): what the
# module costs per network namespace that has no connections.
#
# How: BENCH_NETNS (default 100) empty namespaces are created (ip netns
# add, nothing else) and /proc/meminfo is read before and after, caches
# dropped each time; then they are deleted and the machine waits until
# the kernel has freed them (the net_namespace slab back to where it
# was).  That is done once to warm the caches, then with the module
# unloaded and loaded, twice each, alternating.  The module's cost per namespace is the difference of the
# two medians divided by the number of namespaces, for
#   Slab        kmalloc and kmem_cache objects
#   Percpu      alloc_percpu (per-CPU counters)
#   kernel      MemTotal - MemFree - Buffers - Cached: every page taken
#               outside the page cache, including kmalloc above 8 KiB and
#               vmalloc, which Slab does not count (a per-namespace hash
#               bucket array, for instance)
# The last line is the noisiest (a few pages either way): with 100
# namespaces it resolves about 100 bytes per namespace at best.
# Results: $BENCH_OUT/memory.json.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

K=${BENCH_NETNS:-100}

# snapshot: "slab percpu kernel" in kB, caches dropped first.
snapshot()
{
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	echo "$(meminfo Slab) $(meminfo Percpu)" \
	     "$(( $(meminfo MemTotal) - $(meminfo MemFree) - $(meminfo Buffers) - $(meminfo Cached) ))"
}

netns_objs() { slab_line net_namespace | awk '{ print $1 }'; }

# cost: "dslab dpercpu dkernel" in kB for K new empty namespaces.
cost()
{
	local i base s0 p0 k0 s1 p1 k1 _

	base=$(netns_objs)
	read -r s0 p0 k0 < <(snapshot)
	for i in $(seq "$K"); do
		ip netns add "benchmem$i" || return 1
	done
	read -r s1 p1 k1 < <(snapshot)
	for i in $(seq "$K"); do
		ip netns del "benchmem$i"
	done
	for _ in $(seq 150); do
		[ "$(netns_objs)" -le "${base:-0}" ] && break
		sleep 0.2
	done
	echo $((s1 - s0)) $((p1 - p0)) $((k1 - k0))
}

module_unload || exit 1
cost > /dev/null || exit 1
: > "$BENCH_OUT/memory.jsonl"
for rep in 1 2; do
	for loaded in 0 1; do
		if [ $loaded -eq 1 ]; then
			module_load || exit 1
		else
			module_unload || exit 1
		fi
		read -r ds dp dk < <(cost) || exit 1
		jq -nc --argjson m $loaded --argjson r $rep --argjson s "$ds" \
			--argjson p "$dp" --argjson k "$dk" \
			'{module: ($m == 1), rep: $r, slab_kb: $s, percpu_kb: $p, kernel_kb: $k}' \
			>> "$BENCH_OUT/memory.jsonl"
	done
done
module_unload

jq -s --argjson k "$K" '
	def med: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def per($f): (([.[] | select(.module) | .[$f]] | med) -
		      ([.[] | select(.module | not) | .[$f]] | med)) * 1024 / $k;
	{namespaces: $k, runs: .,
	 module_bytes_per_netns: {slab: per("slab_kb"), percpu: per("percpu_kb"),
				  kernel: per("kernel_kb")}}' \
	"$BENCH_OUT/memory.jsonl" > "$BENCH_OUT/memory.json" || exit 1
echo "bench: memory done: $BENCH_OUT/memory.json"
