#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's trace events with trace-cmd: over a workload of 5
# client-closed connections and one server-closed TIME-WAIT ended by a new
# SYN, `trace-cmd record -e 'tcpstate:*'` records 6 timewait_enter events,
# 6 FIN_WAIT2 -> TIME_WAIT state changes and one timewait_exit with cause
# syn for the same cookie, all carrying the inode of the workload's
# namespace, and as many state changes as the module counts transitions.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v trace-cmd > /dev/null || { echo "# SKIP: needs trace-cmd"; exit $ksft_skip; }
tap_plan 7

ns=ts_tr
tmp=$(mktemp -d)
cleanup()
{
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
ino=$(netns_inode $ns)

# trace-cmd writes its per-CPU files next to the output: somewhere writable.
cd "$tmp" || exit 1
trace-cmd record -e 'tcpstate:*' -o "$tmp/trace.dat" \
	ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 5 -S 1 -x > "$tmp/record.log" 2>&1
rc=$?
trace-cmd report -i "$tmp/trace.dat" > "$tmp/report.txt" 2> "$tmp/report.err"
rc2=$?
events=$(grep -c ' netns=' "$tmp/report.txt")
[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ "$events" -gt 0 ]
tap_result record_and_report $? \
	"expected both to succeed with events; saw $rc, $rc2, $events events: $(tail -n 2 "$tmp/record.log" "$tmp/report.err" | tr '\n' '|')"

# lines EVENT PATTERN: events of the namespace matching PATTERN (ERE).
lines()
{
	grep -E " $1: +netns=$ino cookie=[0-9]+ .*$2" "$tmp/report.txt"
}

to_server=$(lines timewait_enter 'dest=127\.0\.0\.1:8000 ' | wc -l)
on_server=$(lines timewait_enter 'src=127\.0\.0\.1:8000 ' | wc -l)
all=$(lines timewait_enter 'TIME_WAIT prev_state_ns=' | wc -l)
[ "$to_server" -eq 5 ] && [ "$on_server" -eq 1 ] && [ "$all" -eq 6 ]
tap_result timewait_enter_5_clients_and_1_server $? \
	"expected 5 timewait_enter to 127.0.0.1:8000, 1 from it, 6 in all; saw $to_server, $on_server, $all"

# Each event ends with its connection's owner.
owner=' uid=[0-9]+ cgroup=[0-9]+ pid=[0-9]+ comm=[^ ]*$'
fw2=$(lines state_change " FIN_WAIT2 -> TIME_WAIT prev_state_ns=[0-9]+$owner" | wc -l)
mod=$(ip netns exec $ns "$TS_READ" stat trans:fin_wait2:time_wait)
[ "$fw2" -eq 6 ] && [ "$mod" -eq 6 ]
tap_result state_change_fin_wait2_to_time_wait_6 $? \
	"expected 6 such state_change events and 6 counted by the module; saw $fw2, $mod"

exits=$(lines timewait_exit '' | wc -l)
exit_line=$(lines timewait_exit "src=127\\.0\\.0\\.1:8000 dest=127\\.0\\.0\\.1:[0-9]+ TIME_WAIT -> CLOSE cause=syn prev_state_ns=[0-9]+$owner")
exit_cookie=$(printf '%s\n' "$exit_line" | sed -n 's/.* cookie=\([0-9]*\) .*/\1/p')
enter_cookie=$(lines timewait_enter 'src=127\.0\.0\.1:8000 ' | sed -n 's/.* cookie=\([0-9]*\) .*/\1/p')
[ "$exits" -eq 1 ] && [ -n "$exit_cookie" ] && [ "$exit_cookie" = "$enter_cookie" ]
tap_result timewait_exit_cause_syn_same_cookie $? \
	"expected one timewait_exit, TIME_WAIT -> CLOSE cause=syn from 127.0.0.1:8000 with the cookie of its timewait_enter; saw $exits, cookies '$exit_cookie' and '$enter_cookie'"

# Every event of the workload's port is the namespace's, and every
# transition the module counted there was traced.
total=$(grep -c ' netns=[0-9]* .*127\.0\.0\.1:8000 ' "$tmp/report.txt")
theirs=$(grep ' netns=[0-9]* .*127\.0\.0\.1:8000 ' "$tmp/report.txt" | grep -vc " netns=$ino ")
[ "$total" -gt 0 ] && [ "$theirs" -eq 0 ]
tap_result events_carry_the_namespace_inode $? \
	"expected events of 127.0.0.1:8000 all with netns=$ino; saw $total, $theirs with another"

traced=$(grep -cE " state_change: +netns=$ino " "$tmp/report.txt")
counted=$(ip netns exec $ns "$TS_READ" stat transitions)
[ "$traced" -gt 0 ] && [ "$traced" -eq "$counted" ]
tap_result state_changes_equal_the_transitions_counted $? \
	"expected as many state_change events in netns $ino as transitions the module counted there; saw $traced, $counted"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
