#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cap: with room for 10 more entries, a namespace where 42 connections
# and listeners are born gets exactly 10 entries and counts exactly 32
# drops, all for the reason "cap", module-wide too; entries never exceed
# the cap, nothing warns, and the entries go away with the namespace.  No
# entry is kept for the initial namespace here (init_net_reserve 0): the
# cap alone is the limit.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
tap_plan 3

param=/sys/module/tcpstate/parameters/max_entries
reserve=/sys/module/tcpstate/parameters/init_net_reserve
old_cap=$(cat $param)
old_reserve=$(cat $reserve)
cleanup()
{
	stop_workload "$w"
	ip netns del ts_cap 2>/dev/null
	echo "$old_cap" > $param
	echo "$old_reserve" > $reserve
}
trap cleanup EXIT

wait_quiescent
reports_before=$(kernel_reports | wc -l)
base=$("$TS_READ" stat all_entries)
all_dropped_before=$("$TS_READ" stat all_dropped)
echo 0 > $reserve
echo $((base + 10)) > $param

# Two listeners and 20 connections: 2 + 20 clients + 20 request sockets
# are born; the first 10 births are mirrored.
new_ns ts_cap || exit 1
start_workload ts_cap -m -e 20
w=$workload_pid
entries=$(ip netns exec ts_cap "$TS_READ" stat entries)
dropped=$(ip netns exec ts_cap "$TS_READ" stat dropped)
cap_drops=$(ip netns exec ts_cap "$TS_READ" stat drop:cap)
all=$("$TS_READ" stat all_entries)
all_dropped=$(( $("$TS_READ" stat all_dropped) - all_dropped_before ))
[ "$entries" -eq 10 ] && [ "$dropped" -eq 32 ] && [ "$cap_drops" -eq 32 ] &&
	[ "$all_dropped" -eq 32 ] && [ "$all" -eq $((base + 10)) ]
tap_result cap_keeps_10_entries_and_counts_32_drops $? \
	"expected 10 entries, 32 drops (32 for the cap, 32 module-wide), $((base + 10)) in all; saw $entries, $dropped ($cap_drops, $all_dropped), $all"

stop_workload "$w"
ip netns del ts_cap
wait_quiescent
all=$("$TS_READ" stat all_entries)
[ "$all" -eq "$base" ]
tap_result entries_freed_with_the_namespace $? "expected $base entries in all, saw $all"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
