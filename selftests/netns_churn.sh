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

timewaits_in()
{
	in_ns "$1" ss -Htan state time-wait | wc -l
}

five_timewaits()
{
	[ "$(timewaits_in "$1")" -ge 5 ]
}

# Each namespace keeps its 5 TIME-WAITs until it is deleted: no RST ends
# one (keep_timewaits; the debug-rt lane, without it, saw 498 of 500
# ended by the deletion and no entry left), and no connect() may take one
# over (tcp_tw_reuse 0).  Before the deletion ss must show all 5 (the
# server's FIN may still be on its way), within 100 looks of ss, well
# inside TIME-WAIT's 60 s; the module must then count as ended by the
# deletion as many as ss showed.
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
	wait_for 100 five_timewaits $ns
	n=$(timewaits_in $ns)
	timewaits=$((timewaits + n))
	[ "$n" -eq 5 ] || short+=" $ns had $n ($(tw_killers $ns | sed 's/ $//'));"
	ip netns del $ns
done
tap_result hundred_namespaces_created_used_and_deleted $bad "failed in round $bad"

wait_quiescent
entries=$("$TS_READ" stat all_entries)
exits=$(( $("$TS_READ" stat all_tw_netns_exits) - exits_before ))
[ "$entries" -eq "$entries_before" ] && [ "$exits" -eq "$timewaits" ] &&
	[ "$timewaits" -eq 500 ]
tap_result no_entries_left_and_500_timewaits_ended_by_netns $? \
	"expected $entries_before entries, 500 TIME-WAITs in ss (saw $timewaits:${short:- 5 in each namespace}) and as many netns exits; saw $entries entries and $exits exits"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
