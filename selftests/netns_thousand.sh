#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A thousand namespaces: NETNS_COUNT (default 1000) namespaces, NETNS_BATCH
# (default 20) at a time, each with loopback up and 3 client-closed
# TIME-WAITs, and destroyed with them.  Every 50th is a named namespace
# with a stream reader (`ts_read owners`) open in it while `ip netns del`
# drops its name: the reader's open file holds the namespace (the module
# takes a reference at open), so it dies when the reader closes, 20 s
# after its last record (5 s were once too short for the workload to
# start on a PREEMPT_RT guest at load: the reader closed with no record).  The others are `unshare -n` namespaces that die
# with their one process.
#  - Budget: no batch starts once NETNS_BUDGET_S seconds (default 300)
#    would be passed by a batch as long as the longest so far; the test
#    says how many namespaces were done and fails only when fewer than
#    NETNS_MIN (default 300) were.
#  - Afterwards (up to NETNS_DRAIN_S, default 300 s, for the kernel's
#    cleanup worker): no entry of a dead namespace remains, i.e. the
#    module's all_entries equals the entries of the live namespaces.
#  - Each reader got exactly its namespace's 3 TIME-WAIT records (its
#    namespace's, not another's: they all run at once) and lost none.
#  - No file is left open: the module's reference count is what it was.
#  - No kernel report.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v unshare > /dev/null || { echo "# SKIP: needs unshare"; exit $ksft_skip; }
tap_plan 6

count=${NETNS_COUNT:-1000}
batch=${NETNS_BATCH:-20}
budget=${NETNS_BUDGET_S:-300}
min=${NETNS_MIN:-300}
drain=${NETNS_DRAIN_S:-300}
every=50
tmp=$(mktemp -d)
rpids=

cleanup()
{
	local ns

	# shellcheck disable=SC2086
	[ -n "$rpids" ] && wait $rpids
	for ns in $(ip netns list | awk '$1 ~ /^ts_thou/ { print $1 }'); do
		ip netns del "$ns"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# all_live: the entries of the live namespaces (the initial one and those
# `ip netns` lists), in $live.
all_live()
{
	local ns

	live=$("$TS_READ" stat entries)
	for ns in $(ip netns list | awk '{ print $1 }'); do
		live=$((live + $(in_ns "$ns" "$TS_READ" stat entries)))
	done
}

wait_quiescent
reports_before=$(kernel_reports | wc -l)
refcnt_before=$(cat /sys/module/tcpstate/refcnt)
exits_before=$("$TS_READ" stat all_tw_netns_exits)

# plain I: a namespace of its own process, with lo up and 3 TIME-WAITs.
plain()
{
	unshare -n sh -c 'ip link set lo up && exec "$0" -x -t 3' "$TCP_WORKLOAD" \
		> /dev/null 2> "$tmp/$1.err" || echo "namespace $1 failed: $(head -n 1 "$tmp/$1.err")" >> "$tmp/fail"
	rm -f "$tmp/$1.err"
}

# watched I: a named namespace, its reader opened, 3 TIME-WAITs, the name
# dropped with the reader open; the reader's output in $tmp/I.reader.
watched()
{
	local ns=ts_thou$1 r

	if ! new_ns $ns; then
		echo "namespace $ns not created" >> "$tmp/fail"
		return
	fi
	in_ns $ns "$TS_READ" owners 20000 > "$tmp/$1.reader" 2>&1 &
	r=$!
	wait_for 300 grep -q ready "$tmp/$1.reader" ||
		echo "$ns: the reader was not ready in 30 s" >> "$tmp/fail"
	in_ns $ns "$TCP_WORKLOAD" -x -t 3 > /dev/null 2> "$tmp/$1.err" ||
		echo "$ns: $(head -n 1 "$tmp/$1.err")" >> "$tmp/fail"
	ip netns del $ns
	kill -0 $r 2> /dev/null || echo "$ns: the reader had closed before ip netns del" >> "$tmp/fail"
	wait $r
}

start=$(date +%s)
longest=0
made=0
while [ $made -lt "$count" ]; do
	t0=$(date +%s)
	if [ $((t0 - start + longest)) -gt "$budget" ]; then
		echo "# budget: $((t0 - start)) s of $budget gone, the longest batch took $longest s; stopping at $made"
		break
	fi
	pids=
	n=$((count - made < batch ? count - made : batch))
	for i in $(seq $((made + 1)) $((made + n))); do
		if [ $((i % every)) -eq 0 ]; then
			watched "$i" &
			rpids+=" $!"
		else
			plain "$i" &
			pids+=" $!"
		fi
	done
	# shellcheck disable=SC2086
	wait $pids
	made=$((made + n))
	t=$(($(date +%s) - t0))
	[ $t -gt $longest ] && longest=$t
done
# shellcheck disable=SC2086
[ -n "$rpids" ] && wait $rpids
rpids=
secs=$(($(date +%s) - start))
echo "# $made of $count namespaces in $secs s (batches of $batch, the longest $longest s)"
why=
[ -s "$tmp/fail" ] && why="$(wc -l < "$tmp/fail") failed, the first: $(head -n 1 "$tmp/fail")"
[ "$made" -lt "$min" ] && why+=" only $made namespaces within $budget s, fewer than $min"
tap_result at_least_${min}_namespaces_created_used_and_destroyed $([ -z "$why" ]; echo $?) "$why"

t0=$(date +%s)
for i in $(seq "$drain"); do
	all=$("$TS_READ" stat all_entries)
	all_live
	[ "$all" -eq "$live" ] && break
	sleep 1
done
exits=$(($("$TS_READ" stat all_tw_netns_exits) - exits_before))
echo "# drained in $(($(date +%s) - t0)) s: all_entries $all, live $live; TIME-WAITs ended by namespace exit: $exits of $((3 * made))"
[ "$all" -eq "$live" ]
tap_result no_entry_of_a_dead_namespace_left $? \
	"expected all_entries equal to the live namespaces' entries after $drain s; saw $all and $live"

why=
readers=0
for f in "$tmp"/*.reader; do
	[ -e "$f" ] || continue
	readers=$((readers + 1))
	tw=$(awk '$2 == "time_wait"' "$f" | wc -l)
	last=$(tail -n 1 "$f")
	if [ "$tw" -ne 3 ] || [ "${last#records * lost 0 }" = "$last" ]; then
		why+="$(basename "$f" .reader): $tw TIME-WAIT records, '$last'; "
	fi
done
[ "$readers" -eq $((made / every)) ] || why+="expected $((made / every)) readers, saw $readers; "
tap_result each_reader_got_its_3_timewaits_and_lost_none $([ -z "$why" ]; echo $?) "$why"

refcnt=$(cat /sys/module/tcpstate/refcnt)
open=$(find /proc/[0-9]*/fd -lname "$TCPSTATE_DEV" 2> /dev/null | wc -l)
[ "$refcnt" -eq "$refcnt_before" ] && [ "$open" -eq 0 ]
tap_result no_file_left_open $? \
	"expected module refcnt $refcnt_before and no fd on $TCPSTATE_DEV; saw refcnt $refcnt, $open fds"

left=$(ip netns list | grep -c '^ts_thou')
[ "$left" -eq 0 ]
tap_result no_namespace_name_left $? "saw $left ts_thou namespaces"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
