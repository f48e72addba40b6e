#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace churn: 100 times, create a namespace, make connections, delete
# it while 5 of them are in TIME-WAIT.  No kernel report, no entry left
# for a dead namespace, and every one of the 500 TIME-WAITs counted as
# ended by namespace deletion.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
tap_plan 3

wait_quiescent
reports_before=$(kernel_reports | wc -l)
entries_before=$("$TS_READ" stat all_entries)
exits_before=$("$TS_READ" stat all_tw_netns_exits)

bad=0
for i in $(seq 100); do
	ns=ts_churn$i
	if ! new_ns $ns || ! ip netns exec $ns "$TCP_WORKLOAD" -x -m -t 5 > /dev/null; then
		bad=$i
		break
	fi
	ip netns del $ns
done
tap_result hundred_namespaces_created_used_and_deleted $bad "failed in round $bad"

wait_quiescent
entries=$("$TS_READ" stat all_entries)
exits=$(( $("$TS_READ" stat all_tw_netns_exits) - exits_before ))
[ "$entries" -eq "$entries_before" ] && [ "$exits" -eq 500 ]
tap_result no_entries_left_and_500_timewaits_ended_by_netns $? \
	"expected $entries_before entries and 500 netns exits, saw $entries entries and $exits exits"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
