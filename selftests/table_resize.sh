#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The table grows and shrinks with its entries while the hooks and the
# readers go on:
#  - a namespace starts with 16 buckets; 40,000 made-up entries (the
#    test-only debug_fill parameter) and a storm of 1,000 real TIME-WAITs
#    at the same time grow it, resize by resize (the tcpstate:table_resize
#    trace event), to 65,536 buckets, where no chain is longer than 16
#    (a load of 0.63: a hash that sends entries to few buckets fails);
#  - meanwhile snapshots in chunks of 7 records (at least 8: the fill
#    goes in 8 steps, each after a snapshot ended) never return a cookie
#    twice and never see fewer made-up entries than the one before (none
#    is removed while it grows);
#  - after it: exactly 40,000 ESTABLISHED entries more than `ss` shows,
#    the TIME-WAITs equal to ss and /proc/net/sockstat (loopback connect()
#    takes over some of the storm's own), and a snapshot of every entry
#    once;
#  - then the reconcile pass, which finds no socket for the made-up
#    entries, removes them: the table shrinks (65,536 buckets down to at
#    most 4,096), the snapshots still never repeat a cookie nor see more
#    made-up entries than the one before, and
#    the counts equal ss again, `tcpstate audit` clean;
#  - and no hook missed a fact nor was a connection dropped meanwhile.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }

params=/sys/module/tcpstate/parameters
tracing=/sys/kernel/tracing
event=$tracing/events/tcpstate/table_resize
ns=ts_rsz
fill=40000
tws=1000
tmp=$(mktemp -d)

tap_plan 9
if [ ! -w $params/debug_fill ] || [ ! -d $event ]; then
	tap_result module_has_debug_fill_and_table_resize_event 1 \
		"expected $params/debug_fill and $event; this module has: $(ls $params | tr '\n' ' ')"
	misses=$("$TS_READ" stat misses)
dropped=$("$TS_READ" stat all_dropped)
[ "$misses" -eq "$misses0" ] && [ "$dropped" -eq "$dropped0" ]
tap_result no_miss_and_no_drop_while_resizing $? \
	"expected no new miss and no new drop; saw misses $misses0 -> $misses ($(misses_now)), drops $dropped0 -> $dropped"

tap_exit
fi
tap_result module_has_debug_fill_and_table_resize_event 0

old_ms=$(cat $params/reconcile_ms)
old_cap=$(cat $params/max_entries)
old_reserve=$(cat $params/init_net_reserve)
misses0=$("$TS_READ" stat misses) || exit 1
dropped0=$("$TS_READ" stat all_dropped) || exit 1
checker=
cleanup()
{
	[ -n "$checker" ] && kill "$checker" 2>/dev/null && wait "$checker" 2>/dev/null
	echo 0 > $event/enable
	echo "$old_ms" > $params/reconcile_ms
	echo "$old_cap" > $params/max_entries
	echo "$old_reserve" > $params/init_net_reserve
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The made-up entries must stay until phase 2: no reconcile pass before.
# reconcile_ms 0 stops the periodic passes, not one already due: the pass
# a second after the last load (reconcile.sh reloads the module just
# before), and its confirmations, which go on 4,096 differences at a time
# while there are more.  One of them, under the fill, once removed 8,192
# made-up entries.  So wait until no pass has run for 3 s.
echo 0 > $params/reconcile_ms
passes=$("$TS_READ" stat reconcile_passes) || exit 1
quiet=0
for _ in $(seq 60); do
	sleep 1
	now=$("$TS_READ" stat reconcile_passes) || exit 1
	if [ "$now" = "$passes" ]; then
		quiet=$((quiet + 1))
		[ $quiet -ge 3 ] && break
	else
		quiet=0
		passes=$now
	fi
done
[ $quiet -ge 3 ] || { echo "# reconcile passes still running after 60 s with reconcile_ms 0"; exit 1; }
# Room for them all: the cap, none of it kept for the initial namespace,
# and no quota on the test namespace (its default is smaller).
[ "$old_cap" -ge 100000 ] || echo 100000 > $params/max_entries
echo 0 > $params/init_net_reserve
new_ns $ns || exit 1
"$TCPSTATE_CLI" -n $ns quota none > /dev/null || exit 1
in_ns $ns sysctl -qw net.ipv4.tcp_max_tw_buckets=65536
ino=$(netns_inode $ns)
echo 0 > $event/enable
echo > $tracing/trace
echo 1 > $event/enable

# snapshots OUT: snapshot the namespace in chunks of 7 until $tmp/stop.
snapshots()
{
	while [ ! -e "$tmp/stop" ]; do
		in_ns $ns "$TS_READ" snapcheck 7 >> "$1"
	done
}

# resizes: "OLD NEW" per resize of the namespace, in order.
resizes()
{
	sed -nE "s/.* table_resize: netns=$ino buckets=([0-9]+)->([0-9]+) .*/\1 \2/p" \
		$tracing/trace
}

# snap_ok FILE DIRECTION MIN: at least MIN snapshots, none with a
# duplicate, and the made-up entries never go against DIRECTION (up: never
# fall; down: never rise) from one snapshot to the next.
snap_ok()
{
	awk -v dir="$2" -v min="$3" '
		$1 != "entries" || $4 != 0 || $5 != "testnet" { bad = "duplicates or an error: " $0; exit }
		NR > 1 && dir == "up" && $6 < prev { bad = "made-up entries fell from " prev " to " $6; exit }
		NR > 1 && dir == "down" && $6 > prev { bad = "made-up entries rose from " prev " to " $6; exit }
		{ prev = $6; n++ }
		END { if (bad) { print bad; exit 1 } if (n < min) { print "only " n " snapshots, " min " expected"; exit 1 } }' "$1"
}

# Phase 1: grow.  The fill goes in 8 steps, each only once a snapshot
# has ended since the last: at least 8 snapshots overlap the growth, on
# however fast or slow a machine.
snapshots "$tmp/grow" &
checker=$!
in_ns $ns "$TCP_WORKLOAD" -p 8000 -t $tws -x > "$tmp/storm" 2>&1 &
storm=$!
fill_rc=0
for step in $(seq 8); do
	seen=$(wc -l < "$tmp/grow")
	in_ns $ns sh -c "echo $((fill / 8)) > $params/debug_fill" || fill_rc=1
	wait_for 600 sh -c "[ \$(wc -l < $tmp/grow) -gt $seen ]"
done
wait $storm
storm_rc=$?
# The last resize may still be under way: until the trace shows 65,536.
wait_for 300 sh -c "grep -q 'netns=$ino buckets=[0-9]*->65536 ' $tracing/trace"
touch "$tmp/stop"
wait $checker
checker=
rm -f "$tmp/stop"

grew=$(resizes | tr '\n' ',')
first=$(resizes | head -n 1)
last=$(resizes | tail -n 1)
[ $fill_rc -eq 0 ] && [ $storm_rc -eq 0 ] && [ "${first%% *}" = 16 ] &&
	[ "${last##* }" = 65536 ] && resizes | awk '$2 <= $1 { exit 1 }'
tap_result grows_from_16_to_65536_buckets $? \
	"expected the fill and the storm to succeed and resizes from 16 up to 65536 buckets; saw fill $fill_rc, storm $storm_rc, resizes $grew"

longest=$(sed -nE "s/.* table_resize: netns=$ino buckets=[0-9]+->65536 .*longest=([0-9]+) .*/\1/p" \
	$tracing/trace | tail -n 1)
[ -n "$longest" ] && [ "$longest" -le 16 ]
tap_result no_chain_longer_than_16_at_65536_buckets $? \
	"expected the move to 65536 buckets to make no chain longer than 16; saw longest=${longest:-none}"

why=$(snap_ok "$tmp/grow" up 8)
tap_result snapshots_while_growing_never_repeat_nor_lose $? \
	"$why ($(wc -l < "$tmp/grow") snapshots, last: $(tail -n 1 "$tmp/grow"))"

est=$(in_ns $ns "$TS_READ" counts | awk '$1 == "ESTAB" { print $2 }')
tw=$(in_ns $ns "$TS_READ" counts | awk '$1 == "TIME-WAIT" { print $2 }')
ss_est=$(in_ns $ns ss -tanH state established | wc -l)
ss_tw=$(in_ns $ns ss -tanH state time-wait | wc -l)
sock_tw=$(sockstat_tw $ns)
entries=$(in_ns $ns "$TS_READ" stat entries)
snap=$(in_ns $ns "$TS_READ" snapcheck 4096)
[ "${est:-0}" -eq $((fill + ss_est)) ] && [ "${tw:-0}" -eq "$ss_tw" ] &&
	[ "$ss_tw" -eq "$sock_tw" ] && [ "$ss_tw" -gt $((tws / 2)) ] &&
	[ "$snap" = "entries $entries duplicates 0 testnet $fill" ] && [ "$entries" -eq $((fill + ss_tw)) ]
tap_result after_growing_counts_equal_ss_plus_the_fill $? \
	"expected ESTAB $fill + ss $ss_est, TIME-WAIT = ss = sockstat (most of $tws: loopback connect() reuses some), entries $fill + ss $ss_tw each once; saw ESTAB $est, TIME-WAIT $tw, ss $ss_tw, sockstat $sock_tw, entries $entries, snapshot: $snap"

# Phase 2: the reconcile pass removes the made-up entries; the table shrinks.
before=$(resizes | wc -l)
snapshots "$tmp/shrink" &
checker=$!
echo 1000 > $params/reconcile_ms
wait_for 600 sh -c "[ \$(nsenter --net=/run/netns/$ns $TS_READ stat entries) -le $tws ]"
gone=$?
# Then the shrink, which the last removals queue.
wait_for 300 sh -c "[ \$(sed -nE 's/.* netns=$ino buckets=[0-9]+->([0-9]+) .*/\1/p' $tracing/trace | tail -n 1) -le 4096 ]"
# At least one snapshot whole, so that the check below is never empty.
wait_for 600 test -s "$tmp/shrink"
touch "$tmp/stop"
wait $checker
checker=

shrank=$(resizes | tail -n +$((before + 1)) | tr '\n' ',')
last=$(resizes | tail -n 1)
[ $gone -eq 0 ] && [ -n "$shrank" ] && [ "${last##* }" -le 4096 ] &&
	resizes | tail -n +$((before + 1)) | awk '$2 >= $1 { exit 1 }'
tap_result shrinks_when_the_fill_is_removed $? \
	"expected the fill removed within 60 s ($gone) and resizes down to at most 4096 buckets; saw entries $(in_ns $ns "$TS_READ" stat entries), resizes $shrank"

why=$(snap_ok "$tmp/shrink" down 1)
tap_result snapshots_while_shrinking_never_repeat_nor_grow $? \
	"$why ($(wc -l < "$tmp/shrink") snapshots, last: $(tail -n 1 "$tmp/shrink"))"

counts_match $ns && { ! have_audit || audit_clean $ns; }
tap_result after_shrinking_counts_equal_ss_and_audit_is_clean $? \
	"${counts_why}${audit_why:-}"

misses=$("$TS_READ" stat misses)
dropped=$("$TS_READ" stat all_dropped)
[ "$misses" -eq "$misses0" ] && [ "$dropped" -eq "$dropped0" ]
tap_result no_miss_and_no_drop_while_resizing $? \
	"expected no new miss and no new drop; saw misses $misses0 -> $misses ($(misses_now)), drops $dropped0 -> $dropped"

tap_exit
