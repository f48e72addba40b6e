# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers of the scripts/bench-*.sh scripts, sourced by them inside the VM
# from the top of the checkout.  BENCH_OUT is where results go: the run's
# writable export (/run/vm, the directory vm-run.sh -o names on the host)
# when there is one, else a temporary directory.

ts_read=selftests/ts_read
workload=selftests/tcp_workload
cli=userspace-tool/tcpstate
module=module/tcpstate.ko

if [ -z "${BENCH_OUT:-}" ]; then
	if [ -d /run/vm ] && [ -w /run/vm ]; then
		BENCH_OUT=/run/vm
	else
		BENCH_OUT=$(mktemp -d)
	fi
fi
export BENCH_OUT

now() { date +%s.%N; }

# calc EXPR: bc, printed with 6 decimals and a leading 0 (valid JSON).
calc() { printf '%.6f\n' "$(echo "scale=9; $*" | bc -l)"; }

# stats: numbers on stdin, one a line; prints "median min max count".
stats()
{
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (!NR) { print "null null null 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.6f %.6f %.6f %d\n", m, v[1], v[NR], NR
		}'
}

module_loaded() { grep -q '^tcpstate ' /proc/modules; }

# module_load: insmod, with the parameters of BENCH_MODULE_PARAMS (e.g.
# "max_entries=2000000"), unless it is loaded.
module_load()
{
	local params

	read -r -a params <<< "${BENCH_MODULE_PARAMS:-}"
	module_loaded || insmod $module "${params[@]}"
}

module_unload()
{
	module_loaded && rmmod tcpstate
	! module_loaded
}

# fresh_ns NAME: an empty namespace with lo up and room for many
# TIME-WAITs.
fresh_ns()
{
	ip netns del "$1" 2> /dev/null
	ip netns add "$1" &&
	ip -n "$1" link set lo up &&
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_max_tw_buckets=1000000
}

# timewait_socks: timewait sockets alive in the whole machine, from the
# slab (the guest boots with slab_nomerge, so the cache is TCP's alone).
timewait_socks()
{
	awk '$1 == "tw_sock_TCP" || $1 == "tw_sock_TCPv6" { n += $2 }
	     END { print n + 0 }' /proc/slabinfo
}

# drop_ns NAME: delete the namespace and wait (at most 30 s) until its
# timewait sockets are gone, so that the next measurement does not pay for
# the teardown.
drop_ns()
{
	local _

	ip netns del "$1" 2> /dev/null
	for _ in $(seq 150); do
		[ "$(timewait_socks)" -lt 500 ] && return 0
		sleep 0.2
	done
	echo "bench: warning: $(timewait_socks) timewait sockets left 30 s after deleting $1" >&2
}

# wait_for FILE PATTERN SECS: until FILE has a line matching PATTERN.
wait_for()
{
	local _

	for _ in $(seq $(($3 * 5))); do
		grep -q "$2" "$1" 2> /dev/null && return 0
		sleep 0.2
	done
	return 1
}

# wait_open PID: until process PID holds /dev/tcpstate open (10 s).
wait_open()
{
	local _ fd

	for _ in $(seq 50); do
		for fd in /proc/"$1"/fd/*; do
			[ "$(readlink "$fd" 2> /dev/null)" = /dev/tcpstate ] && return 0
		done
		sleep 0.2
	done
	return 1
}

# slab_line NAME: "active_objs num_objs objsize objperslab pagesperslab
# num_slabs" of one cache of /proc/slabinfo, or nothing.
slab_line()
{
	awk -v n="$1" '$1 == n { print $2, $3, $4, $5, $6, $15 }' /proc/slabinfo
}

# meminfo FIELD: its value in kB.
meminfo()
{
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# tw_storm NS N: about N TIME-WAITs in a fresh namespace NS, from four
# short-connection storms to four ports at once (cheap to make: established
# pairs take minutes under emulation).  The range is widened to 1024-65000
# so that each destination has room for N/4, and tcp_tw_reuse is 0 so that
# no connect() takes over an old TIME-WAIT (loopback allows it by
# default).  Prints the seconds it took.
# tw_room NS N: room for N more entries in NS: no quota of its own, and a
# cap whose share for the namespaces but the initial one holds them (the
# defaults scale with the guest's memory: a 2 GiB guest's are below
# 100,000).
tw_room()
{
	local p=/sys/module/tcpstate/parameters need

	# Raising a quota takes the admin in the initial namespace.
	$cli -n "$1" quota none > /dev/null || return 1
	need=$(( $($ts_read stat all_entries) + $2 + 10000 + $(cat $p/init_net_reserve) ))
	[ "$(cat $p/max_entries)" -ge "$need" ] || echo "$need" > $p/max_entries
}

tw_storm()
{
	local t0 p pids=()

	fresh_ns "$1" || return 1
	tw_room "$1" "$2" || return 1
	ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_tw_reuse=0
	t0=$(now)
	for p in 8000 8100 8200 8300; do
		ip netns exec "$1" $workload -x -t $(($2 / 4)) -p $p > /dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	calc "$(now) - $t0"
}
