#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SYN flood: tcp_workload -F, 400 non-blocking connects from two
# processes against a listener with a backlog of 2, whose SYN-ACKs a tc
# filter on lo drops: a flood of SYNs that are never completed, as from
# spoofed sources.  Its request sockets die as requests (the listener
# closes when the flood ends; their SYN-ACK timer then drops them), never
# promoted to children.  In a namespace with tcp_syncookies=0 and then =2
# (always cookies), beside a holder with ESTABLISHED pairs and 3 SYN-RECV
# requests (a TCP_DEFER_ACCEPT listener).  Each flood checks:
#  - bounded entries: sampled while it runs, the module's SYN-RECV count
#    for the namespace never exceeds the held requests plus what the two
#    flood listeners may hold (with syncookies=0, backlog + nproc each:
#    the queue-full test races between CPUs; with =2, none: no request
#    socket is made), and its entries never exceed the held entries, the
#    4 listeners, 2 per flood client (its socket and the server side) and
#    those requests;
#  - the flood was one: the kernel counted ListenDrops (=0) or
#    SyncookiesSent (=2);
#  - no silent loss: no miss, no drop, and no correction by the reconcile
#    pass (every 10 s: the hooks alone kept the table) while it ran;
#  - after it, the requests' entries are gone: the module's SYN-RECV count
#    equals ss's, every state's count equals `ss -tan`, and still no
#    reconcile correction was needed.
# The tcpstate_entry slab's active objects (/proc/slabinfo, when the cache
# is not merged into another) are printed before and after.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v tc > /dev/null || { echo "# SKIP: needs tc"; exit $ksft_skip; }
tap_plan 9

ns=ts_synflood
clients=400
backlog=2
held_req=3
tmp=$(mktemp -d)

cleanup()
{
	stop_workload "$holder"
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

slab()
{
	awk '$1 == "tcpstate_entry" { print $2; f = 1 } END { if (!f) print "merged" }' /proc/slabinfo
}

# mod_count NS STATE: the module's count of STATE (as ss names it) in NS.
mod_count()
{
	in_ns "$1" "$TS_READ" counts | awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }'
}

ss_count()
{
	in_ns "$1" ss -tanH | awk -v s="$2" '$1 == s { n++ } END { print n + 0 }'
}

# settled NS: no state in motion but the holder's requests and timer-bound
# ones (TIME-WAIT, orphaned FIN-WAIT-2), which counts_match allows to fall.
settled()
{
	in_ns "$1" ss -tanH | awk -v sr=$held_req '
		{ n[$1]++ }
		END {
			exit !(n["LAST-ACK"] + n["CLOSING"] + n["FIN-WAIT-1"] + n["SYN-SENT"] == 0 &&
			       n["SYN-RECV"] <= sr)
		}'
}

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
in_ns $ns sysctl -qw net.ipv4.tcp_syncookies=0 || exit 1
start_workload $ns -p 7000 -e 5 -r $held_req || exit 1
holder=$workload_pid

# flood COOKIES PORT: one flood with tcp_syncookies=COOKIES; four results.
flood()
{
	local cookies=$1 port=$2 fpid base max_req=0 max_ent=0 req ent samples=0
	local req_bound ent_bound misses0 drops0 kdrops0 cookies0 misses drops kd ks why
	local recon0 recon tcfail

	in_ns $ns sysctl -qw net.ipv4.tcp_syncookies="$cookies"
	base=$(in_ns $ns "$TS_READ" stat entries)
	if [ "$cookies" -eq 2 ]; then
		req_bound=$held_req
	else
		req_bound=$((held_req + 2 * (backlog + $(nproc))))
	fi
	ent_bound=$((base + 4 + 2 * clients + req_bound - held_req))
	misses0=$("$TS_READ" stat misses)
	drops0=$(in_ns $ns "$TS_READ" stat dropped)
	recon0=$(in_ns $ns "$TS_READ" stat reconcile)
	kdrops0=$(mib $ns TcpExt ListenDrops)
	cookies0=$(mib $ns TcpExt SyncookiesSent)
	echo "# syncookies=$cookies: slab tcpstate_entry active $(slab), namespace entries $base"

	# Band 1:1 of a prio qdisc drops (netem loss 100%) what the filter
	# sends there: the flood listener's segments, i.e. its SYN-ACKs; the
	# priomap sends everything else to 1:2.
	tcfail=
	in_ns $ns tc qdisc add dev lo root handle 1: prio priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 &&
		in_ns $ns tc qdisc add dev lo parent 1:1 handle 10: netem loss 100% &&
		in_ns $ns tc filter add dev lo parent 1: protocol ip prio 1 u32 \
			match ip sport $((port + 3)) 0xffff flowid 1:1 ||
		tcfail="tc failed: SYN-ACKs not dropped; "
	in_ns $ns "$TCP_WORKLOAD" -x -p "$port" -F $clients -b $backlog \
		> /dev/null 2> "$tmp/flood.err" &
	fpid=$!
	while kill -0 $fpid 2> /dev/null; do
		req=$(mod_count $ns SYN-RECV)
		ent=$(in_ns $ns "$TS_READ" stat entries)
		[ "$req" -gt $max_req ] && max_req=$req
		[ "$ent" -gt $max_ent ] && max_ent=$ent
		samples=$((samples + 1))
	done
	wait $fpid
	rc=$?
	in_ns $ns tc qdisc del dev lo root
	misses=$(($("$TS_READ" stat misses) - misses0))
	drops=$(($(in_ns $ns "$TS_READ" stat dropped) - drops0))
	recon=$(($(in_ns $ns "$TS_READ" stat reconcile) - recon0))
	kd=$(($(mib $ns TcpExt ListenDrops) - kdrops0))
	ks=$(($(mib $ns TcpExt SyncookiesSent) - cookies0))
	echo "# syncookies=$cookies: $samples samples, the most SYN-RECV $max_req (bound $req_bound), entries $max_ent (bound $ent_bound); ListenDrops $kd, SyncookiesSent $ks, misses $misses, drops $drops, reconcile corrections $recon"

	why="${tcfail}flood exited $rc: $(head -n 1 "$tmp/flood.err")"
	[ -z "$tcfail" ] && [ $rc -eq 0 ] && [ $samples -gt 0 ] && [ $max_req -le $req_bound ] && [ $max_ent -le $ent_bound ]
	tap_result syncookies_${cookies}_entries_bounded_during_the_flood $? \
		"expected SYN-RECV <= $req_bound and entries <= $ent_bound in every sample; saw at most $max_req and $max_ent in $samples samples; $why"

	if [ "$cookies" -eq 2 ]; then
		[ $ks -gt 0 ]
	else
		[ $kd -gt 0 ]
	fi
	tap_result syncookies_${cookies}_the_flood_overflowed_the_listener $? \
		"expected ListenDrops > 0 (syncookies=0) or SyncookiesSent > 0 (=2); saw $kd and $ks"

	[ $misses -eq 0 ] && [ $drops -eq 0 ] && [ $recon -eq 0 ]
	tap_result syncookies_${cookies}_no_miss_drop_or_reconcile_correction $? \
		"expected no miss, drop or reconcile correction; saw $misses misses ($(misses_now)), $drops drops, $recon corrections ($(in_ns $ns "$TS_READ" reconcile))"

	# Left: the holder's states, and TIME-WAITs that only fall.
	why=
	wait_for 600 settled $ns ||
		why="$ns not settled after 60 s: $(echo $(ss_counts $ns)); "
	req=$(mod_count $ns SYN-RECV)
	sreq=$(ss_count $ns SYN-RECV)
	counts_match $ns || why+="$counts_why; "
	[ "$req" -eq "$sreq" ] || why+="module SYN-RECV $req, ss $sreq; "
	recon=$(($(in_ns $ns "$TS_READ" stat reconcile) - recon0))
	[ $recon -eq 0 ] ||
		why+="the reconcile pass made $recon corrections: $(in_ns $ns "$TS_READ" reconcile); "
	echo "# syncookies=$cookies after: $counts_mod; slab tcpstate_entry active $(slab)"
	tap_result syncookies_${cookies}_requests_gone_after_the_flood_counts_equal_ss \
		$([ -z "$why" ]; echo $?) "$why"
}

flood 0 9000
flood 2 9100

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
