#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection and self-healing.  With debug_miss_every=5 the module
# drops every fifth call of every hook on purpose and counts it as a miss
# of that hook; a mixed workload in two namespaces (IPv4 and IPv6: every
# state a workload can hold, TIME-WAITs on both sides, TIME-WAITs killed
# by a SYN and taken over by connect(), resets, request sockets) then
# leaves the table wrong.  The misses must be counted, per hook; and with
# reconcile_ms=1000 the reconcile pass must bring the table back to the
# kernel's sockets within HEAL_S seconds (default 20; a look at both
# namespaces takes seconds in the emulated VM): per-state counts
# equal `ss -tan` in each namespace, `tcpstate audit` clean, and the
# corrections counted.  The parameters are restored on any exit
# (debug_miss_every=0), and the module is loaded afresh at the end, so that
# the misses injected here, counted since the load, are not charged to the
# tests after this one.  A module without these parameters fails here.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }

params=/sys/module/tcpstate/parameters
nss="ts_rec1 ts_rec2"
heal_s=${HEAL_S:-20}
declare -A holder counts_why_of audit_why_of

audit=0
if have_audit; then
	audit=1
else
	echo "# tcpstate audit --help failed: this CLI has no audit command; audits not asserted"
fi
tap_plan $((6 + audit))

if [ ! -w $params/debug_miss_every ] || [ ! -w $params/reconcile_ms ]; then
	tap_result module_has_debug_miss_every_and_reconcile_ms 1 \
		"expected writable $params/debug_miss_every and reconcile_ms; this module has: $(ls $params | tr '\n' ' ')"
	tap_exit
fi
tap_result module_has_debug_miss_every_and_reconcile_ms 0
old_ms=$(cat $params/reconcile_ms)

restore()
{
	echo 0 2>/dev/null > $params/debug_miss_every
	echo "$old_ms" 2>/dev/null > $params/reconcile_ms
}

cleanup()
{
	local ns

	restore
	for ns in $nss; do
		[ -n "${holder[$ns]:-}" ] && stop_workload "${holder[$ns]}"
		ip netns del $ns 2>/dev/null
	done
}
trap cleanup EXIT

# hook_misses: "HOOK N" lines, and "total N".
hook_misses()
{
	"$TS_READ" misses
}

# reconcile_sum NS: added + removed + fixed in NS.
reconcile_sum()
{
	in_ns "$1" "$TS_READ" stat reconcile
}

for ns in $nss; do
	new_ns $ns && in_ns $ns sysctl -qw net.ipv4.tcp_max_tw_buckets=65536 || exit 1
done
before=$(hook_misses) || exit 1

echo 1000 > $params/reconcile_ms && echo 5 > $params/debug_miss_every || exit 1
rc=0
for ns in $nss; do
	start_workload $ns -m -p 7000 -e 20 -w 10 -o 10 -f 2 -s 3 -r 3 || rc=1
	holder[$ns]=$workload_pid
done
pids=
for ns in $nss; do
	in_ns $ns "$TCP_WORKLOAD" -x -m -p 8000 -t 150 -T 40 -S 10 -R 10 -c 10 -k 10 > /dev/null &
	pids+=" $!"
done
for pid in $pids; do
	wait "$pid" || rc=1
done
[ $rc -eq 0 ] || { echo "# a workload failed"; exit 1; }
after=$(hook_misses)

# The misses the injection caused, per hook.
delta=$(printf '%s\n' "$before" | sed 's/^/b /'; printf '%s\n' "$after" | sed 's/^/a /')
delta=$(echo "$delta" | awk '{ v[$1, $2] = $3; h[$2] = 1 }
	END { for (k in h) print k, v["a", k] - v["b", k] }' | sort)
echo "# misses under injection: $(echo $delta)"
per_hook()
{
	echo "$delta" | awk -v h="$1" '$1 == h { print $2 }'
}
ok=0
for hook in total state tw_enter tw_kill req_hash; do
	[ "$(per_hook $hook)" -gt 0 ] 2>/dev/null || ok=1
done
tap_result injected_misses_counted_per_hook $ok \
	"expected misses > 0 in total and for state, tw_enter, tw_kill and req_hash; saw $(echo $delta)"

# Healing: every namespace equal to the kernel again, and corrections counted.
healed()
{
	local ns bad=0

	for ns in $nss; do
		counts_why_of[$ns]=
		audit_why_of[$ns]=
		counts_match $ns || { counts_why_of[$ns]=$counts_why; bad=1; }
		if [ $audit -eq 1 ] && ! audit_clean $ns; then
			audit_why_of[$ns]=$audit_why
			bad=1
		fi
		[ "$(reconcile_sum $ns)" -gt 0 ] 2>/dev/null || bad=1
	done
	return $bad
}

start=${EPOCHREALTIME/./}
until healed; do
	[ $(((${EPOCHREALTIME/./} - start) / 1000000)) -ge "$heal_s" ] && break
	sleep 0.2
done
took=$(((${EPOCHREALTIME/./} - start) / 1000))
for ns in $nss; do
	echo "# $ns after $took ms: $(in_ns $ns "$TS_READ" reconcile 2>&1) | module: $(in_ns $ns "$TS_READ" counts | tr '\n' ' ')"
done
for ns in $nss; do
	tap_result ${ns}_counts_equal_ss_within_${heal_s}_s $([ -z "${counts_why_of[$ns]}" ]; echo $?) \
		"after $took ms: ${counts_why_of[$ns]}"
done
[ $audit -eq 1 ] &&
	tap_result audit_clean_in_both_namespaces_within_${heal_s}_s \
		$([ -z "${audit_why_of[ts_rec1]}${audit_why_of[ts_rec2]}" ]; echo $?) \
		"after $took ms: ts_rec1: ${audit_why_of[ts_rec1]} ts_rec2: ${audit_why_of[ts_rec2]}"
sums=
ok=0
for ns in $nss; do
	sum=$(reconcile_sum $ns 2>&1)
	sums+="$ns $sum; "
	[ "$sum" -gt 0 ] 2>/dev/null || ok=1
done
tap_result reconcile_counted_corrections_in_each_namespace $ok \
	"expected added + removed + fixed > 0 in each namespace; saw $sums"

restore
every=$(cat $params/debug_miss_every)
ms=$(cat $params/reconcile_ms)
for ns in $nss; do
	stop_workload "${holder[$ns]}"
	holder[$ns]=
done
rmmod tcpstate && insmod "$TCPSTATE_KO"
rc=$?
misses=$("$TS_READ" stat misses)
[ "$every" = 0 ] && [ "$ms" = "$old_ms" ] && [ $rc -eq 0 ] && [ "$misses" = 0 ]
tap_result parameters_restored_and_module_reloaded $? \
	"expected debug_miss_every 0, reconcile_ms $old_ms, a reload and 0 misses; saw $every, $ms, status $rc, $misses misses"
tap_exit
