#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reload storm: RELOAD_CYCLES insmod/rmmod cycles (default 20; `make
# check-all` runs 100) while a connection storm runs without
# pause in three namespaces (tcp_workload in a loop: TIME-WAIT on
# either side, resets, closes with data unread,
# ESTABLISHED and half-closed pairs closed at its exit, IPv4 and IPv6),
# beside a holder per namespace that keeps ESTABLISHED pairs, FIN-WAIT-2 /
# CLOSE-WAIT, orphaned FIN-WAIT-2, SYN-SENT and SYN-RECV requests.
#  - An open file of the device holds the module: rmmod fails (EBUSY)
#    and the module stays, until the reader closes.  The cycles keep no
#    reader open, so every rmmod must succeed.
#  - Each load creates the device; each rmmod removes module and device.
#  - RELOAD_LAST_LOADS (default 5) loads in the middle of the storm, each
#    kept 3 s with the storm on and the reconcile pass every 0.5 s: the
#    pass finds nothing to add, fix or remove in any namespace.  Before
#    the hooks were switched on together (main.c), each load left 0 to 7
#    stale entries per namespace, which the pass removed.
#  - After the last of them, once the storm stops and the namespaces
#    settle, the module's per-state counts equal `ss -tan` in each of
#    them, still with nothing reconciled: what the seed walk found at load
#    plus what the hooks saw since is exactly what the kernel has.
#  - No kernel report.
# A cycle takes about 7 s in the emulated VM under the storm: no cycle
# starts once RELOAD_BUDGET_S seconds (default 600, inside the runner's
# 900 with the setup and checks) would be passed by a cycle as long as the
# longest so far; at least RELOAD_MIN_CYCLES (default 40, or all when
# fewer are asked for) must have run.
# Leaves the module loaded.
. "$(dirname "$0")/lib.sh"

require_root_and_module
tap_plan 7

cycles=${RELOAD_CYCLES:-20}
budget=${RELOAD_BUDGET_S:-600}
min_cycles=${RELOAD_MIN_CYCLES:-$(( cycles < 40 ? cycles : 40 ))}
last_loads=${RELOAD_LAST_LOADS:-5}
nss="ts_storm1 ts_storm2 ts_storm3"
tmp=$(mktemp -d)
declare -A holder

cleanup()
{
	local ns

	stop_storms "$tmp"
	for ns in $nss; do
		[ -n "${holder[$ns]:-}" ] && stop_workload "${holder[$ns]}"
		ip netns del $ns 2>/dev/null
	done
	module_loaded || insmod "$TCPSTATE_KO"
	rm -rf "$tmp"
}
trap cleanup EXIT

# reconciled NS: how many entries the reconcile pass corrected in NS.
reconciled()
{
	echo $(($(in_ns "$1" "$TS_READ" stat reconcile_added) +
		$(in_ns "$1" "$TS_READ" stat reconcile_fixed) +
		$(in_ns "$1" "$TS_READ" stat reconcile_removed)))
}

# reconcile_kinds NS: the reconcile counts of NS by kind.
reconcile_kinds()
{
	echo "added $(in_ns "$1" "$TS_READ" stat reconcile_added)," \
	     "fixed $(in_ns "$1" "$TS_READ" stat reconcile_fixed)," \
	     "removed $(in_ns "$1" "$TS_READ" stat reconcile_removed)"
}

reports_before=$(kernel_reports | wc -l)

# An open reader pins the module.
module_loaded || insmod "$TCPSTATE_KO" || exit 1
"$TS_READ" stream 3000 > "$tmp/reader" &
reader=$!
wait_for 100 grep -q ready "$tmp/reader"
rmmod tcpstate 2> "$tmp/rmmod.err"
rc=$?
module_loaded
loaded=$?
wait $reader
tap_result rmmod_with_a_reader_open_fails_and_keeps_the_module \
	$([ $rc -ne 0 ] && [ $loaded -eq 0 ]; echo $?) \
	"expected rmmod to fail with the module still loaded; saw status $rc, loaded $([ $loaded -eq 0 ] && echo yes || echo no): $(cat "$tmp/rmmod.err")"

held_synsent=2
held_synrecv=2
for ns in $nss; do
	new_ns $ns && in_ns $ns sysctl -qw net.ipv4.tcp_max_tw_buckets=65536 || exit 1
	start_workload $ns -p 7000 -m -e 4 -w 2 -o 2 -s $held_synsent -r $held_synrecv ||
		exit 1
	holder[$ns]=$workload_pid
done

for ns in $nss; do
	start_storm "$tmp" $ns $ns 8000
done

rmmod tcpstate || exit 1
start=$(date +%s)
longest=0
ran=0
bad=0
why=
for i in $(seq "$cycles"); do
	t0=$(date +%s)
	if [ $((t0 - start + longest)) -gt "$budget" ]; then
		echo "# cycle $i and later: not started, $((t0 - start)) s of the $budget s budget gone and the longest cycle took $longest s"
		break
	fi
	if ! insmod "$TCPSTATE_KO"; then
		bad=1; why="insmod failed in cycle $i"; break
	fi
	if [ ! -c "$TCPSTATE_DEV" ]; then
		bad=1; why="no $TCPSTATE_DEV after insmod in cycle $i"; break
	fi
	if ! rmmod tcpstate 2> "$tmp/rmmod.err"; then
		bad=1; why="rmmod failed in cycle $i: $(cat "$tmp/rmmod.err")"; break
	fi
	if module_loaded || [ -e "$TCPSTATE_DEV" ]; then
		bad=1; why="module or $TCPSTATE_DEV still there after rmmod in cycle $i"; break
	fi
	ran=$i
	t=$(($(date +%s) - t0))
	[ $t -gt $longest ] && longest=$t
done
if [ $bad -eq 0 ] && [ $ran -lt "$min_cycles" ]; then
	bad=1
	why="only $ran cycles within $budget s (the longest took $longest s), fewer than $min_cycles"
fi
secs=$(($(date +%s) - start))
runs=
for ns in $nss; do
	runs+="$ns $(cat "$tmp/$ns.runs") "
done
echo "# $ran of $cycles cycles in $secs s (the longest $longest s); storm runs so far: $runs"
tap_result insmod_rmmod_cycles_under_the_storm $bad "$why"

# Loads in the middle of the storm, each kept for a few reconcile passes
# (every 0.5 s) with the storm still on: the pass must find nothing to
# add, fix or remove.  A connection that opens or closes while the hooks
# are placed or while the seed walk runs must leave no stale entry and
# miss nothing.
bad=0
why=
for i in $(seq "$last_loads"); do
	if ! insmod "$TCPSTATE_KO" reconcile_ms=500; then
		bad=1; why+="insmod $i failed; "; break
	fi
	sleep 3
	for ns in $nss; do
		n=$(reconciled $ns)
		passes=$(in_ns $ns "$TS_READ" stat reconcile_passes)
		echo "# load $i, $ns: $passes passes, $(reconcile_kinds $ns)"
		[ "$passes" -ge 2 ] || { bad=1; why+="load $i, $ns: only $passes reconcile passes in 3 s; "; }
		[ "$n" -eq 0 ] || { bad=1; why+="load $i, $ns: the reconcile pass corrected $n entries ($(reconcile_kinds $ns)); "; }
	done
	[ "$i" -lt "$last_loads" ] || break
	rmmod tcpstate || { bad=1; why+="rmmod after load $i failed; "; break; }
done
tap_result loads_under_the_storm_leave_nothing_to_reconcile $bad "$why"
stop_storms "$tmp"
# shellcheck disable=SC2086
why=$(storm_failures "$tmp" $nss)
tap_result storm_ran_without_failure $([ -z "$why" ]; echo $?) "$why"

# settled NS: nothing in motion but the holder's states and timer-bound
# ones (TIME-WAIT, orphaned FIN-WAIT-2), which counts_match allows to fall.
settled()
{
	in_ns "$1" ss -tanH | awk -v ss=$held_synsent -v sr=$held_synrecv '
		{ n[$1]++ }
		END {
			exit !(n["LAST-ACK"] + n["CLOSING"] + n["FIN-WAIT-1"] == 0 &&
			       n["SYN-SENT"] <= ss && n["SYN-RECV"] <= sr)
		}'
}
why=
for ns in $nss; do
	wait_for 300 settled $ns || why+="$ns did not settle in 30 s: $(echo $(ss_counts $ns)); "
	counts_match $ns || why+="$ns: $counts_why; "
	echo "# $ns after the last load: $counts_mod | reconcile: $(reconcile_kinds $ns)"
	[ "$(reconciled $ns)" -eq 0 ] ||
		why+="$ns: the reconcile pass corrected entries: $(reconcile_kinds $ns); "
done
tap_result counts_equal_ss_in_3_namespaces_after_the_last_load $([ -z "$why" ]; echo $?) "$why"

why=
for ns in $nss; do
	stop_workload "${holder[$ns]}"
	holder[$ns]=
	wait_for 300 settled $ns || why+="$ns did not settle in 30 s: $(echo $(ss_counts $ns)); "
	counts_match $ns || why+="$ns: $counts_why; "
done
tap_result counts_equal_ss_once_the_holders_closed $([ -z "$why" ]; echo $?) "$why"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
