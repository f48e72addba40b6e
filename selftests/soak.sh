#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak: SOAK_ROUNDS rounds (default 20) of mixed load in three namespaces
# at once.  After every round, in every namespace, the module's per-state
# counts equal `ss -tan` (and its timewait sockets sockstat's tw),
# `tcpstate audit` finds no difference, and no hook missed a fact.
#
# Every round, in each namespace: 2 x nproc concurrent clients, each with
# listeners of its own on IPv4 and IPv6 loopback (mixed), closing first,
# letting the server close first, closing with data unread (RST),
# resetting with SO_LINGER 0 and connecting over their own TIME-WAIT
# (tcp_workload -t -T -c -k -R); and a holder that keeps ESTABLISHED
# pairs, half-closed FIN-WAIT-2 / CLOSE-WAIT, orphaned FIN-WAIT-2 (timewait
# sockets, now and then full ones), FIN-WAIT-1 orphans, SYN-SENT and
# SYN-RECV requests through the round's checks, and lets them all go during
# the next round.
#  ts_soak1: tcp_abort_on_overflow=1, and a SYN flood from two processes
#            against listeners with a backlog of 1 to 4: a full accept
#            queue resets clients.
#  ts_soak2: tcp_syncookies=2 and the same flood: every SYN is answered
#            with a cookie, children are born without a request socket.
#            A late ACK can make a connection no client made there, which
#            the clients close and count (tcp_workload.c, accept_from());
#            in the other two, none may come.
#  ts_soak3: tcp_fin_timeout=3, so orphaned FIN-WAIT-2 expire within a
#            round; tcp_tw_reuse=1 and 64 local ports, so connect() takes
#            over TIME-WAITs older than a second (tcp_workload -W waits
#            when none is).
# (-R, connect() over TIME-WAIT from a bound port, runs in the first two:
# in the third the 64 ports are all shared and bind() would find them
# taken.)  A slow machine (an emulated VM on a host running others) gets
# through fewer rounds: no round starts once SOAK_BUDGET_S seconds
# (default 480, well inside the runner's 900) would be passed by a round
# as long as the longest so far, and the TAP plan, printed last, counts
# the rounds that ran; at least SOAK_MIN_ROUNDS (default 5) must have.
# Each round prints each namespace's counts and reconcile
# corrections, the misses per hook, and how long its parts took.  Misses are module-wide and counted since the load,
# so the soak asserts that none is added while it runs.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }

rounds=${SOAK_ROUNDS:-20}
budget_ms=$((${SOAK_BUDGET_S:-480} * 1000))
min_rounds=${SOAK_MIN_ROUNDS:-5}
clients=$((2 * $(nproc)))
nss="ts_soak1 ts_soak2 ts_soak3"
tmp=$(mktemp -d)
declare -A holder strays

# The audit is part of the oracle: a CLI without it fails, never skips.
audit=1
if ! have_audit; then
	tap_plan 1
	tap_result tcpstate_audit_available 1 "expected \`$TCPSTATE_CLI audit --help\` to succeed; it failed"
	tap_exit
fi
# The plan comes last: how many rounds fit is known at the end.
echo "TAP version 13"

cleanup()
{
	local ns

	for ns in $nss; do
		[ -n "${holder[$ns]:-}" ] && stop_workload "${holder[$ns]}"
		ip netns del $ns 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

for ns in $nss; do
	new_ns $ns && in_ns $ns sysctl -qw net.ipv4.tcp_max_tw_buckets=65536 || exit 1
done
in_ns ts_soak1 sysctl -qw net.ipv4.tcp_abort_on_overflow=1 &&
	in_ns ts_soak2 sysctl -qw net.ipv4.tcp_syncookies=2 &&
	in_ns ts_soak3 sysctl -qw net.ipv4.tcp_fin_timeout=3 \
		net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="40000 40063" || exit 1

# Held by each round's holder: the states that stay put while we look.
held_fw1=2
held_synsent=2
held_synrecv=2
holder_args="-m -e 6 -w 3 -o 3 -f $held_fw1 -s $held_synsent -r $held_synrecv"

# settled NS: nothing left in motion but what the holder keeps and what
# only ends by a timer (TIME-WAIT, orphaned FIN-WAIT-2: counts that can
# only fall, which counts_match allows for).
settled()
{
	in_ns "$1" ss -tanH | awk -v fw1=$held_fw1 -v ss=$held_synsent -v sr=$held_synrecv '
		{ n[$1]++ }
		END {
			exit !(n["LAST-ACK"] + n["CLOSING"] == 0 && n["FIN-WAIT-1"] <= fw1 &&
			       n["SYN-SENT"] <= ss && n["SYN-RECV"] <= sr)
		}'
}

# stamp: milliseconds of the wall clock, in $ms (no process started).
stamp()
{
	ms=$((${EPOCHREALTIME/./} / 1000))
}

# check_ns LABEL NS: waits for NS to settle, prints its counts and
# reconcile corrections, and writes why the counts or the audit failed to
# $tmp/NS.counts and $tmp/NS.audit (empty files when all is well).
check_ns()
{
	local ns=$2 t moving

	stamp
	t=$ms
	: > "$tmp/$ns.counts"
	: > "$tmp/$ns.audit"
	moving=
	until settled $ns; do
		[ -z "$moving" ] && moving=$(echo $(ss_counts $ns))
		stamp
		if [ $((ms - t)) -gt 30000 ]; then
			echo -n "$ns still moving after 30 s: $(echo $(ss_counts $ns)), such as" \
				"$(in_ns $ns ss -tanoH state fin-wait-1 state last-ack state closing \
				   state syn-sent state syn-recv | head -n 8 | tr -s ' \n' ' '); " \
				>> "$tmp/$ns.counts"
			break
		fi
		sleep 0.1
	done
	stamp
	t="$((ms - t)) ms"
	[ -n "$moving" ] && t+=", moving at first: $moving"
	counts_match $ns || echo -n "$ns: $counts_why; " >> "$tmp/$ns.counts"
	if [ $audit -eq 1 ] && ! audit_clean $ns; then
		echo -n "$ns: $audit_why; " >> "$tmp/$ns.audit"
	fi
	echo "# $1 $ns: $counts_mod | reconcile: $(in_ns $ns "$TS_READ" reconcile 2>&1) | settled in $t"
}

# check_all LABEL: check_ns in the three namespaces at once.  Sets
# check_counts_why and check_audit_why (empty when all is well).
check_all()
{
	local ns pids=

	for ns in $nss; do
		check_ns "$1" $ns > "$tmp/$ns.out" &
		pids+=" $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	check_counts_why=
	check_audit_why=
	for ns in $nss; do
		cat "$tmp/$ns.out"
		check_counts_why+=$(cat "$tmp/$ns.counts")
		check_audit_why+=$(cat "$tmp/$ns.audit")
	done
}

misses0=$("$TS_READ" stat misses) || exit 1
echo "# misses before the soak: $(misses_now)"
stamp
start=$ms
longest=0
ran=0
for r in $(seq "$rounds"); do
	stamp
	t0=$ms
	if [ $((ms - start + longest)) -gt $budget_ms ]; then
		echo "# round $r and later: not started, $((ms - start)) ms of the ${budget_ms} ms budget gone and the longest round took $longest ms"
		break
	fi
	why=
	# New holders first, on other ports; the old ones go during the load.
	old=
	for ns in $nss; do
		old+=" ${holder[$ns]:-}"
		in_ns $ns "$TCP_WORKLOAD" $holder_args -p $((7000 + 100 * (r % 2))) \
			> "$tmp/$ns.holder" 2>&1 &
		holder[$ns]=$!
	done
	for ns in $nss; do
		# (read, not grep: a process less per look)
		for i in $(seq 600); do
			read -r line < "$tmp/$ns.holder" && [ "$line" = ready ] && break
			kill -0 "${holder[$ns]}" 2>/dev/null || break
			sleep 0.1
		done
		[ "$line" = ready ] ||
			why+="the holder failed in $ns: $(head -n 1 "$tmp/$ns.holder"); "
	done
	# shellcheck disable=SC2086
	[ -n "${old// /}" ] && kill $old

	stamp
	t1=$ms
	pids=
	for ns in $nss; do
		mode="-R 2"
		[ $ns = ts_soak3 ] && mode=-W
		for j in $(seq $clients); do
			in_ns $ns "$TCP_WORKLOAD" -x -m $mode -p $((8000 + 10 * j)) \
				-t 20 -T 6 -c 2 -k 2 > "$tmp/$ns.$j.out" 2> "$tmp/$ns.$j.err" &
			pids+=" $!"
		done
		if [ $ns != ts_soak3 ]; then
			in_ns $ns "$TCP_WORKLOAD" -x -m -p 9000 -F 60 -b $((1 + r % 4)) \
				> /dev/null 2> "$tmp/$ns.flood.err" &
			pids+=" $!"
		fi
	done
	for pid in $pids $old; do
		wait "$pid"
	done
	for f in "$tmp"/*.err; do
		# All of it: a stuck read's report is several lines.
		[ -s "$f" ] && why+="$(basename "$f" .err): $(head -c 4000 "$f" | tr '\n' ' '); "
	done
	[ ${#why} -gt 8000 ] && why="${why:0:8000}... (cut at 8000 characters)"
	# Connections no step made, which the clients closed: with
	# tcp_syncookies=2 a late ACK can make one (tcp_workload.c,
	# accept_from()).  The holders' go uncounted: their listeners close
	# them at exit.
	round_strays=
	for ns in $nss; do
		n=$(awk '$1 == "strays" { n += $2 } END { print n + 0 }' "$tmp/$ns".*.out)
		strays[$ns]=$((${strays[$ns]:-0} + n))
		round_strays+=" $ns $n"
	done
	rm -f "$tmp"/*.err "$tmp"/*.out
	stamp
	t2=$ms

	check_all "round $r"
	misses=$("$TS_READ" stat misses)
	stamp
	echo "# round $r misses: $((misses - misses0)) new; $(misses_now); stray connections:$round_strays"
	echo "# round $r took $((ms - t0)) ms: holders $((t1 - t0)), load $((t2 - t1)), checks $((ms - t2))"
	[ $((ms - t0)) -gt $longest ] && longest=$((ms - t0))
	ran=$r
	tap_result round_${r}_counts_equal_ss_in_3_namespaces \
		$([ -z "$why$check_counts_why" ]; echo $?) "$why$check_counts_why"
	[ $audit -eq 1 ] &&
		tap_result round_${r}_audit_clean_in_3_namespaces \
			$([ -z "$check_audit_why" ]; echo $?) "$check_audit_why"
	tap_result round_${r}_no_misses $((misses != misses0)) \
		"expected no new miss, saw $((misses - misses0)): $(misses_now)"
done

# The last holders go; everything they held must leave the table too.
for ns in $nss; do
	stop_workload "${holder[$ns]}"
	holder[$ns]=
done
check_all "after the last round"
tap_result after_the_last_holders_close_counts_equal_ss_and_audit_clean \
	$([ -z "$check_counts_why$check_audit_why" ]; echo $?) "$check_counts_why$check_audit_why"

# The load drove the paths it is meant to drive (the kernel's counters).
overflows=$(mib ts_soak1 TcpExt ListenOverflows)
embryonic=$(mib ts_soak1 TcpExt EmbryonicRsts)
cookies=$(mib ts_soak2 TcpExt SyncookiesSent)
recycled=$(mib ts_soak3 TcpExt TWRecycled)
aborts=$(mib ts_soak1 TcpExt TCPAbortOnData)
stamp
echo "# soak: $ran of $rounds rounds in $(((ms - start) / 1000)) s; ts_soak1 ListenOverflows $overflows EmbryonicRsts $embryonic TCPAbortOnData $aborts; ts_soak2 SyncookiesSent $cookies; ts_soak3 TWRecycled $recycled"
echo "# soak: stray connections closed: ts_soak1 ${strays[ts_soak1]:-0}" \
	"ts_soak2 ${strays[ts_soak2]:-0} ts_soak3 ${strays[ts_soak3]:-0}"
[ "$overflows" -gt 0 ] && [ "$cookies" -gt 0 ] && [ "$recycled" -gt 0 ] && [ "$aborts" -gt 0 ]
tap_result load_drove_overflows_syncookies_unread_closes_and_timewait_reuse $? \
	"expected each > 0: ListenOverflows $overflows, SyncookiesSent $cookies, TCPAbortOnData $aborts, TWRecycled $recycled"
# Without syncookies for every SYN, a late ACK at a listener gets a RST.
[ "${strays[ts_soak1]:-0}" -eq 0 ] && [ "${strays[ts_soak3]:-0}" -eq 0 ]
tap_result no_stray_connection_without_syncookies_2 $? \
	"expected none in ts_soak1 and ts_soak3 (tcp_syncookies=1); saw ${strays[ts_soak1]:-0} and ${strays[ts_soak3]:-0}"
[ "$ran" -ge "$min_rounds" ]
tap_result at_least_${min_rounds}_rounds_ran $? \
	"expected at least $min_rounds rounds within ${budget_ms} ms; $ran ran (the longest took $longest ms)"
echo "1..$tap_n"
tap_exit
