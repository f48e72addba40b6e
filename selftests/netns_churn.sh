#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace churn: 100 times, create a namespace, make connections, delete
# it while 5 of them are in TIME-WAIT (as ss shows).  No kernel report, no
# entry left for a dead namespace, and every one of the 500 TIME-WAITs
# counted as ended by namespace deletion.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
tap_plan 3

wait_quiescent
reports_before=$(kernel_reports | wc -l)
entries_before=$("$TS_READ" stat all_entries)
exits_before=$("$TS_READ" stat all_tw_netns_exits)

# Each namespace keeps its 5 TIME-WAITs until it is deleted: no RST ends
# one (keep_timewaits), and no connect() takes one over (tcp_tw_reuse 0:
# the default, 2, lets a loopback connect() reuse a TIME-WAIT older than
# a second, as a slow debug kernel's round can make them).  Before the
# deletion ss must show all 5 (the server's FIN may still be on its way);
# the module must then count as ended by the deletion what ss showed.
# The debug-rt lane saw 498 of 500 before these two settings.
bad=0
timewaits=0
short=
for i in $(seq 100); do
	ns=ts_churn$i
	if ! new_ns $ns || ! keep_timewaits $ns ||
	   ! in_ns $ns sysctl -qw net.ipv4.tcp_tw_reuse=0 ||
	   ! ip netns exec $ns "$TCP_WORKLOAD" -x -m -t 5 > /dev/null; then
		bad=$i
		break
	fi
	for _ in $(seq 100); do
		n=$(ip netns exec $ns ss -Htan state time-wait | wc -l)
		[ "$n" -ge 5 ] && break
		sleep 0.1
	done
	timewaits=$((timewaits + n))
	[ "$n" -eq 5 ] || short+="$ns had $n ($(tw_killers $ns)); "
	ip netns del $ns
done
tap_result hundred_namespaces_created_used_and_deleted $bad "failed in round $bad"

wait_quiescent
entries=$("$TS_READ" stat all_entries)
exits=$(( $("$TS_READ" stat all_tw_netns_exits) - exits_before ))
[ "$entries" -eq "$entries_before" ] && [ "$exits" -eq "$timewaits" ] &&
	[ "$timewaits" -eq 500 ]
tap_result no_entries_left_and_500_timewaits_ended_by_netns $? \
	"expected $entries_before entries and $timewaits netns exits (ss: ${short:-5 TIME-WAITs in each namespace}), saw $entries entries and $exits exits"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
