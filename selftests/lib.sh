#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the shell selftests: where the module is, and TAP output in
# the form the kselftest runner nests under each test.

ksft_skip=4
selftests_dir=$(cd "$(dirname "$0")" && pwd)
TCPSTATE_KO=${TCPSTATE_KO:-$selftests_dir/../module/tcpstate.ko}
TCPSTATE_DEV=/dev/tcpstate

tap_n=0
tap_failed=0

tap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

# tap_result NAME STATUS [WHY]: STATUS 0 passes, anything else fails.
tap_result()
{
	tap_n=$((tap_n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $tap_n $1"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n $1${3:+ # $3}"
	fi
}

tap_exit()
{
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

require_root_and_module()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "# SKIP: needs root"
		exit $ksft_skip
	fi
	if [ ! -r "$TCPSTATE_KO" ]; then
		echo "# SKIP: no module at $TCPSTATE_KO (build it with make)"
		exit $ksft_skip
	fi
}

module_loaded()
{
	grep -q '^tcpstate ' /proc/modules
}

# Kernel log lines that are kernel bugs, for the caller to count.
kernel_reports()
{
	dmesg | grep -aE 'WARNING:|BUG:|Oops|KASAN|possible circular locking|inconsistent lock state|suspicious RCU usage|refcount_t:'
}

TS_READ=$selftests_dir/ts_read
TCP_WORKLOAD=$selftests_dir/tcp_workload

# in_ns NS CMD...: run in namespace NS, or here when NS is empty.  Only
# the network namespace changes (nsenter; CMD keeps its pid): `ip netns
# exec` also makes a mount namespace and remounts /sys, which costs about a
# second per command in the emulated test VM.
in_ns()
{
	local ns=$1

	shift
	if [ -z "$ns" ]; then
		"$@"
	elif [ -e "/run/netns/$ns" ]; then
		nsenter --net="/run/netns/$ns" "$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

ss_counts()
{
	in_ns "$1" ss -tanH | awk '{ n[$1]++ } END { for (s in n) print s, n[s] }' | sort
}

sockstat_tw()
{
	in_ns "$1" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat
}

# within BEFORE AFTER SEEN: every state's count in SEEN lies between its
# counts in BEFORE and AFTER ("STATE N" lines; a missing state is 0).
within()
{
	{
		printf '%s\n' "$1" | sed 's/^/b /'
		printf '%s\n' "$2" | sed 's/^/a /'
		printf '%s\n' "$3" | sed 's/^/s /'
	} | awk 'NF == 3 { n[$1, $2] = $3; st[$2] = 1 }
		END {
			for (x in st) {
				lo = n["b", x] + 0; hi = n["a", x] + 0; v = n["s", x] + 0
				if (lo > hi) { t = lo; lo = hi; hi = t }
				if (v < lo || v > hi) exit 1
			}
		}'
}

# counts_match NS: the module's per-state gauges and its snapshot equal
# `ss -tan` in NS, and its timewait sockets equal /proc/net/sockstat's tw.
# With the workload standing still, counts can only fall, as TIME-WAIT and
# FIN-WAIT-2 timers expire while we read (on a slow kernel a 5,000
# connection workload outlives the 60 s timers): so ss and sockstat are
# read before and after the module, and the module's counts must lie
# between the two, state by state; when nothing moved that is equality.
# All that happens in one process, `ts_read oracle`: a handful of
# processes less per check, which the emulated VM feels.
# Sets counts_why, and counts_mod to the module's counts.
counts_match()
{
	local out rc nl='
'

	out=$(in_ns "$1" "$TS_READ" oracle 2>&1)
	rc=$?
	counts_mod=${out%%"$nl"*}
	counts_why=
	[ $rc -eq 0 ] && return 0
	counts_why=${out#*"$nl"}
	return 1
}

# counts_match_within NS SECONDS: counts_match, tried until it holds or
# SECONDS of the clock have passed (not a count of tries: each try's time
# grows with the namespace and the host's load).
counts_match_within()
{
	local end=$((SECONDS + $2))

	until counts_match "$1"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

# start_workload NS ARGS...: run tcp_workload in NS until stop_workload;
# waits until it holds its connections.
start_workload()
{
	local ns=$1 out i

	shift
	out=$(mktemp)
	in_ns "$ns" "$TCP_WORKLOAD" "$@" > "$out" 2> "$out.err" &
	workload_pid=$!
	for i in $(seq 600); do
		grep -q ready "$out" && break
		kill -0 $workload_pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q ready "$out"
	local rc=$?
	[ $rc -eq 0 ] || sed 's/^/# workload: /' "$out.err"
	rm -f "$out" "$out.err"
	return $rc
}

stop_workload()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# start_storm DIR NAME NS PORT: in the background, tcp_workload run after
# run in namespace NS on PORT (TIME-WAIT on either side, resets, closes
# with data unread, ESTABLISHED and half-closed pairs closed at its exit,
# IPv4 and IPv6) until stop_storms DIR; counts its runs in DIR/NAME.runs
# and its failures' first lines in DIR/NAME.err.
storm_pids=
start_storm()
{
	: > "$1/$2.err"
	echo 0 > "$1/$2.runs"
	storm_loop "$@" &
	storm_pids="$storm_pids $!"
}

storm_loop()
{
	local dir=$1 name=$2 ns=$3 port=$4 n=0

	while [ ! -e "$dir/stop" ]; do
		in_ns "$ns" "$TCP_WORKLOAD" -x -m -p "$port" -t 4 -T 2 -c 1 -k 1 -e 2 -w 1 \
			> /dev/null 2>> "$dir/$name.err" || echo "run $n failed" >> "$dir/$name.err"
		n=$((n + 1))
		echo $n > "$dir/$name.runs"
	done
}

# stop_storms DIR: stop every storm started with DIR; wait for their runs.
stop_storms()
{
	touch "$1/stop"
	# shellcheck disable=SC2086
	[ -n "$storm_pids" ] && wait $storm_pids
	storm_pids=
}

# storm_failures DIR NAME...: why these storms failed; empty when none did.
storm_failures()
{
	local dir=$1 name why=

	shift
	for name; do
		[ -s "$dir/$name.err" ] && why="$why$name: $(head -n 1 "$dir/$name.err"); "
		[ "$(cat "$dir/$name.runs")" -gt 0 ] || why="$why$name: the storm never completed a run; "
	done
	echo "$why"
}

new_ns()
{
	ip netns add "$1" && ip -n "$1" link set lo up
}

# keep_timewaits NS: no RST ends a TIME-WAIT of namespace NS
# (tcp_rfc1337), for tests that count the TIME-WAITs a workload leaves.
# Without it a few go on a busy emulated VM: a vCPU that stalls between
# building a delayed ACK and sending it delivers it after the server's
# FIN, with an older timestamp; the client's TIME-WAIT rejects it (PAWS)
# and answers with an ACK; the server's connection is gone, so its
# listener answers with a RST, which kills the TIME-WAIT (RFC 1337's
# "TIME-WAIT assassination").  Seen: 4 to 62 of 320 (nstat:
# TcpExtPAWSEstab and TcpOutRsts as many, in that namespace alone).
keep_timewaits()
{
	in_ns "$1" sysctl -qw net.ipv4.tcp_rfc1337=1
}

# tw_killers NS: the counters of namespace NS that count what can end
# TIME-WAITs before their time, for a test's message.
tw_killers()
{
	in_ns "$1" nstat -asz TcpOutRsts TcpExtPAWSEstab TcpExtTWKilled TcpExtTWRecycled \
		TcpExtTCPTimeWaitOverflow | awk '!/^#/ { printf "%s %s ", $1, $2 }'
}

# wait_quiescent: wait (up to 120 s) until no deleted namespace is still
# being dismantled, i.e. every entry of the module belongs to the initial
# namespace or to one `ip netns` lists.  Namespaces earlier tests deleted
# are taken apart by a kernel worker, which can lag far behind on a slow
# kernel; counters read before that would move under a test's feet.
wait_quiescent()
{
	local i all live ns

	for i in $(seq 1200); do
		all=$("$TS_READ" stat all_entries)
		live=$("$TS_READ" stat entries)
		for ns in $(ip netns list | awk '{print $1}'); do
			live=$((live + $(ip netns exec "$ns" "$TS_READ" stat entries)))
		done
		[ "$all" -eq "$live" ] && return 0
		sleep 0.1
	done
	echo "# namespaces still being dismantled after 120 s: $all entries, $live live"
	return 1
}

# TCPSTATE_CLI may name another build of the CLI (a mutant, for one).
TCPSTATE_CLI=${TCPSTATE_CLI:-$selftests_dir/../userspace-tool/tcpstate}

# run NAME CMD...: run CMD, keeping its output, errors and exit status in
# $out/NAME.out, NAME.err and NAME.rc ($out: the caller's directory).
run()
{
	local name=$1

	shift
	"$@" > "$out/$name.out" 2> "$out/$name.err"
	echo $? > "$out/$name.rc"
}

# wait_for TENTHS CMD...: run CMD every 0.1 s until it succeeds, at most
# TENTHS times; fails when it never did.
wait_for()
{
	local n=$1 i

	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# unshared PID TYPE: process PID is in a namespace of TYPE (net, user, ...)
# other than this shell's: an unshare(1) started in the background has
# got that far.
unshared()
{
	[ "$(readlink "/proc/$1/ns/$2")" != "$(readlink "/proc/self/ns/$2")" ]
}

# cgroup2_mounted: /sys/fs/cgroup is a cgroup2 mount (mounted now if it
# was not); fails when it cannot be.
cgroup2_mounted()
{
	grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup
}

# slab_of CG: the slab (reclaimable and not) of cgroup CG under
# /sys/fs/cgroup, in bytes, from its memory.stat.
slab_of()
{
	awk '$1 == "slab_reclaimable" || $1 == "slab_unreclaimable" { s += $2 } END { print s + 0 }' \
		"/sys/fs/cgroup/$1/memory.stat"
}

# netns_inode NS: the inode number of namespace NS (empty: this one).
netns_inode()
{
	in_ns "$1" stat -L -c %i /proc/self/ns/net
}


# have_audit: whether the CLI has `tcpstate audit`.
have_audit()
{
	"$TCPSTATE_CLI" audit --help > /dev/null 2>&1
}

# audit_clean NS: `tcpstate -n NS audit` finds the table equal to the
# kernel's sockets (exit 0).  Sets audit_why to what it printed otherwise.
audit_clean()
{
	local out rc c

	out=$("$TCPSTATE_CLI" ${1:+-n "$1"} audit 2>&1)
	rc=$?
	audit_why=
	[ $rc -eq 0 ] && return 0
	audit_why="audit exited $rc: $(echo "$out" | head -n 6 | tr '\n' ' ')"
	# The whole entry of each extra connection: its flags and times.
	for c in $(echo "$out" | awk '$1 == "extra" { print $2 }' | head -n 3); do
		audit_why+="; entry: $("$TCPSTATE_CLI" ${1:+-n "$1"} list -j 2>&1 |
			tr '{' '\n' | grep "\"cookie\":$c[,}]" | head -n 2 | tr '\n' ' ')"
	done
	return 1
}

# mib NS GROUP FIELD: a counter of /proc/net/snmp or /proc/net/netstat
# in NS, e.g. mib ns1 TcpExt ListenOverflows.
mib()
{
	in_ns "$1" awk -v g="$2:" -v f="$3" '$1 == g {
			if (!(g in seen)) { seen[g] = 1; for (i = 2; i <= NF; i++) col[$i] = i; next }
			print (f in col) ? $col[f] : -1; exit
		}' /proc/net/snmp /proc/net/netstat
}

# misses_now: the module's misses, "total N HOOK N ..." on one line (per
# hook only when the module reports them).
misses_now()
{
	"$TS_READ" misses 2> /dev/null | tr '\n' ' ' | sed 's/ $//'
}
