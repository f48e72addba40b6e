#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `tcpstate top` on a screen: run under tmux (a 100x40 pane) against a
# known workload, its screen read back with `tmux capture-pane -p`.  In a
# namespace with ip_local_port_range 40000-40019 and tcp_tw_reuse 0:
# 3 established pairs to 127.0.0.1:7000, 10 TIME-WAITs to 127.0.0.1:8000
# and 20 to 127.0.0.2:8080, whose 20 ports are then all taken, so that the
# next connect() there fails with EADDRNOTAVAIL.  The screen must show:
# every state's count equal to `ss -tan` in the namespace; 127.0.0.2:8080
# first, at 20 used, 0 free, 0.0% headroom, "full"; the failure with the
# failing process's pid and comm.  `p` pauses (new TIME-WAITs do not show,
# the title says PAUSED) and resumes (they do, and the entry sparkline
# shows them); `s` steps through the orders to "destination"; `n` picks
# another namespace, whose counts then equal its `ss`; `q` quits with
# status 0; an unprivileged user's `n` says why on the bottom line.  Not
# on a terminal, top prints plain text frames, -c of them, the first one
# without rates.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v tmux > /dev/null || { echo "# SKIP: needs tmux"; exit $ksft_skip; }
tap_plan 18

ns=ts_top
ns_b=ts_top_b
session=ts_top
tmp=$(mktemp -d)
export TMUX_TMPDIR=$tmp
held=
cleanup()
{
	tmux kill-server 2>/dev/null
	[ -n "$held" ] && stop_workload "$held"
	ip netns del $ns 2>/dev/null
	ip netns del $ns_b 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

screen()
{
	tmux capture-pane -p -t $session
}

# screen_has REGEX: the screen shows a line matching REGEX (ERE).
screen_has()
{
	screen > "$tmp/screen" && grep -qE -- "$1" "$tmp/screen"
}

# state_counts FILE: "STATE N" lines from the gauge table of a frame
# (the first one in FILE), states with a count of 0 left out, sorted.
state_counts()
{
	awk '/^STATE +COUNT/ { on = 1; next }
		on && NF == 0 { exit }
		on { if ($2 > 0) print $1, $2; if ($6 > 0) print $5, $6 }' "$1" | sort
}

# dest_rows FILE: the destinations of the table, in the order shown.
dest_rows()
{
	awk '/^DESTINATION/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' "$1"
}

# ss_state_counts NS: the same from ss -tan.
ss_state_counts()
{
	ip netns exec "$1" ss -tanH | awk '{ n[$1]++ } END { for (s in n) print s, n[s] }' | sort
}

# screen_equals_ss NS: the screen's gauges equal ss in NS, which did not
# change while the screen was read (TIME-WAITs expire after 60 s).  Tries
# three times; sets why.
screen_equals_ss()
{
	local i before after seen

	for i in 1 2 3; do
		before=$(ss_state_counts "$1")
		screen > "$tmp/screen"
		after=$(ss_state_counts "$1")
		seen=$(state_counts "$tmp/screen")
		[ "$before" = "$after" ] || continue
		[ "$seen" = "$before" ] && return 0
		sleep 1.5	# one refresh more, then again
	done
	why="ss: $(echo $before | tr '\n' ' '); screen: $(echo $seen | tr '\n' ' ')"
	return 1
}

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
new_ns $ns_b || exit 1
ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="40000 40019" net.ipv4.tcp_tw_reuse=0

# --- the workload ----------------------------------------------------------
start_workload $ns -p 7000 -e 3
rc=$?
held=$workload_pid
ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 10 -x > /dev/null &&
	ip netns exec $ns "$TCP_WORKLOAD" -a 127.0.0.2 -p 8080 -t 20 -x > /dev/null &&
	ip netns exec $ns_b "$TCP_WORKLOAD" -p 9000 -t 7 -x > /dev/null
rc=$((rc + $?))
ss_tw()
{
	ip netns exec "$1" ss -tanH state time-wait | wc -l
}
tw_settled()
{
	[ "$(ss_tw $ns)" -eq 30 ] && [ "$(ss_tw $ns_b)" -eq 7 ]
}
wait_for 100 tw_settled
rc=$((rc + $?))
# The 21st connection to 127.0.0.2:8080 finds no port.
ip netns exec $ns "$TCP_WORKLOAD" -a 127.0.0.2 -p 8080 -t 1 -x > /dev/null 2> "$tmp/err" &
fail_pid=$!
wait $fail_pid
[ $? -ne 0 ] && grep -q "Cannot assign requested address" "$tmp/err"
rc=$((rc + $?))
tap_result workload_ready_and_21st_connect_fails $rc \
	"expected 30 and 7 TIME-WAIT and EADDRNOTAVAIL; saw status $rc, $(ss_tw $ns) and $(ss_tw $ns_b), $(cat "$tmp/err")"

# --- top in tmux -------------------------------------------------------------
inode=$(netns_inode $ns)
tmux new-session -d -s $session -x 100 -y 40 \
	"TERM=screen $TCPSTATE_CLI -n $ns -i 1 top; echo \$? > $tmp/rc; sleep 600"
title="^tcpstate top - netns $inode \\($ns\\) - every 1s"
wait_for 200 screen_has "$title"
tap_result top_draws_the_title_with_the_namespace $? \
	"expected a title matching '$title'; saw: $(head -n 2 "$tmp/screen")"

screen_equals_ss $ns
tap_result screen_state_counts_equal_ss $? "$why"

conns=$(ip netns exec $ns ss -tanH | wc -l)
screen_has "^connections $conns  timewait sockets 30 "
tap_result screen_connections_equal_ss_and_timewait_sockets_30 $? \
	"expected 'connections $conns  timewait sockets 30'; saw: $(grep ^connections "$tmp/screen")"

# The destination table: 127.0.0.2:8080 first, all 20 ports taken.
row=$(awk '/^DESTINATION/ { getline; print $1, $3, $4, $5, $8; exit }' "$tmp/screen")
order=$(dest_rows "$tmp/screen" | tr '\n' ' ')
[ "$row" = "127.0.0.2:8080 20 0 0.0% full" ] &&
	[ "$order" = "127.0.0.2:8080 127.0.0.1:8000 127.0.0.1:7000 " ]
tap_result least_headroom_first_127.0.0.2:8080_20_used_full $? \
	"expected '127.0.0.2:8080 20 0 0.0% full' first, then 127.0.0.1:8000, 127.0.0.1:7000; saw '$row', order '$order'"

# The screen, in the log.
sed 's/^/#   /' "$tmp/screen"
row=$(awk '$1 == "127.0.0.1:8000" { print $3, $4, $5; exit }' "$tmp/screen")
[ "$row" = "10 10 50.0%" ]
tap_result 127.0.0.1:8000_10_used_10_free_50_percent $? \
	"expected '10 10 50.0%'; saw '$row'"

grep -qE "^  [0-9:.]+ connect 127\.0\.0\.2:8080 (from 127\.0\.0\.1 )?pid $fail_pid \(tcp_workload\) (cgroup [^ ]+ )?EADDRNOTAVAIL" "$tmp/screen"
tap_result latest_port_failure_with_pid_and_comm $? \
	"expected the failure of pid $fail_pid; saw: $(sed -n '/^LATEST PORT FAILURES/,$p' "$tmp/screen" | head -n 3)"

# --- p pauses: new TIME-WAITs do not show until it resumes ---------------------
tmux send-keys -t $session p
wait_for 50 screen_has "^tcpstate top .* - PAUSED"
rc=$?
ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 5 -x > /dev/null
sleep 3
screen > "$tmp/paused"
shown=$(state_counts "$tmp/paused" | awk '$1 == "TIME-WAIT" { print $2 }')
[ $rc -eq 0 ] && [ "$shown" = 30 ] && [ "$(ss_tw $ns)" -eq 35 ]
tap_result p_pauses_the_screen_at_30_timewait $? \
	"expected PAUSED and TIME-WAIT 30 on screen, 35 in ss; saw status $rc, $shown, $(ss_tw $ns)"

tmux send-keys -t $session p
resumed()
{
	screen > "$tmp/screen"
	! grep -q PAUSED "$tmp/screen" &&
		[ "$(state_counts "$tmp/screen" | awk '$1 == "TIME-WAIT" { print $2 }')" = 35 ]
}
wait_for 50 resumed && screen_equals_ss $ns
tap_result p_resumes_and_counts_equal_ss_again $? "$why"

# The five entered in the last minute: the entry sparkline has a mark.
spark=$(grep '^  in  \[' "$tmp/screen")
echo "$spark" | grep -q '[.:=+*#-]'
tap_result timewait_entry_sparkline_shows_the_five $? "saw '$spark'"

# --- s: headroom -> new/s -> exhaustion -> destination -------------------
# By headroom 127.0.0.1:7000 (3 ports) comes last; by destination first.
# (The 20 TIME-WAITs to 127.0.0.2:8080 may have expired by now.)
tmux send-keys -t $session s s s
wait_for 50 screen_has "sort: destination"
rc=$?
order=$(dest_rows "$tmp/screen" | tr '\n' ' ')
sorted=$(dest_rows "$tmp/screen" | sort -t: -k1,1V -k2,2n | tr '\n' ' ')
[ $rc -eq 0 ] && [ "$order" = "$sorted" ] && [ "${order%% *}" = 127.0.0.1:7000 ] &&
	[ "$(dest_rows "$tmp/screen" | wc -l)" -ge 2 ]
tap_result s_sorts_by_destination $? \
	"expected sort: destination, rows from 127.0.0.1:7000 in address order; saw status $rc, '$order'"

# --- n: pick the other namespace --------------------------------------------
tmux send-keys -t $session n
wait_for 50 screen_has "^pick a namespace"
rc=$?
at=$(grep -n '^>' "$tmp/screen" | cut -d: -f1)
want=$(grep -n " $ns_b\$" "$tmp/screen" | cut -d: -f1)
if [ -n "$at" ] && [ -n "$want" ]; then
	while [ "$at" -lt "$want" ]; do tmux send-keys -t $session Down; at=$((at + 1)); done
	while [ "$at" -gt "$want" ]; do tmux send-keys -t $session Up; at=$((at - 1)); done
	tmux send-keys -t $session Enter
	wait_for 50 screen_has "^tcpstate top - netns $(netns_inode $ns_b) \\($ns_b\\)" &&
		screen_equals_ss $ns_b
	rc=$((rc + $?))
else
	rc=1
	why="no row of $ns_b in the picker: $(cat "$tmp/screen")"
fi
tap_result n_picks_the_other_namespace_and_its_counts_equal_ss $rc "$why"

# --- q quits, with status 0 ----------------------------------------------------
tmux send-keys -t $session q
quit()
{
	[ -s "$tmp/rc" ]
}
wait_for 50 quit
[ $? -eq 0 ] && [ "$(cat "$tmp/rc")" = 0 ]
tap_result q_quits_with_status_0 $? "expected status 0; saw '$(cat "$tmp/rc" 2>/dev/null)'"

# --- not a terminal: plain text frames -------------------------------------------
# Counts equal ss when ss did not change meanwhile; three tries.
for i in 1 2 3; do
	before=$(ss_state_counts $ns)
	"$TCPSTATE_CLI" -n $ns -i 0.5 top -c 2 > "$tmp/plain" 2> "$tmp/plain.err"
	rc=$?
	after=$(ss_state_counts $ns)
	[ "$before" = "$after" ] && break
done
frames=$(grep -c "^tcpstate top - netns $inode ($ns)" "$tmp/plain")
seen=$(state_counts "$tmp/plain")
escapes=$(grep -c "$(printf '\033')" "$tmp/plain")
[ $rc -eq 0 ] && [ "$frames" = 2 ] && [ "$escapes" = 0 ] && [ "$seen" = "$before" ] &&
	! grep -q "q quit" "$tmp/plain"
tap_result plain_text_two_frames_without_escapes_counts_equal_ss $? \
	"expected status 0, 2 frames, no escape, counts '$(echo $before)'; saw $rc, $frames, $escapes, '$(echo $seen)', $(cat "$tmp/plain.err")"

# The first frame has no previous sample: no rates; the second has them.
rates=$(awk '$1 == "ESTAB" { printf "%s %s;", $3, $4 }' "$tmp/plain")
[ "$rates" = "- -;0.0 0.0;" ]
tap_result plain_first_frame_without_rates_second_with $? \
	"expected ESTAB rates '- -;0.0 0.0;'; saw '$rates'"

# --- unprivileged: n says why on the bottom line, the screen stays ------
tmux new-session -d -s nobody -x 100 -y 40 \
	"setpriv --reuid=65534 --regid=65534 --clear-groups env TERM=screen $TCPSTATE_CLI -i 1 top; echo \$? > $tmp/rc_nobody; sleep 600"
nobody_screen()
{
	tmux capture-pane -p -t nobody > "$tmp/screen" && grep -qE -- "$1" "$tmp/screen"
}
wait_for 200 nobody_screen "^tcpstate top - netns $(netns_inode "")"
rc=$?
tmux send-keys -t nobody n
wait_for 50 nobody_screen "Operation not permitted \(needs CAP_SYS_ADMIN"
rc=$((rc + $?))
bottom=$(tail -n 1 "$tmp/screen")
grep -q "^STATE" "$tmp/screen"
rc=$((rc + $?))
tmux send-keys -t nobody q
quit_nobody()
{
	[ -s "$tmp/rc_nobody" ]
}
wait_for 50 quit_nobody && [ "$(cat "$tmp/rc_nobody")" = 0 ]
rc=$((rc + $?))
tap_result unprivileged_n_says_why_and_q_quits $rc \
	"expected the screen, then a bottom line with EPERM and the CAP_SYS_ADMIN hint, status 0; saw '$bottom', status '$(cat "$tmp/rc_nobody" 2>/dev/null)'"

"$TCPSTATE_CLI" -i 0 top > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "^tcpstate: --interval" "$tmp/err"
tap_result interval_0_is_misuse_exit_2_one_line $? \
	"expected status 2 and one line; saw $rc: $(cat "$tmp/err")"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 3)"

tap_exit
