#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `tcpstate ports` on a namespace driven into port exhaustion: with
# ip_local_port_range 40000 40009 and tcp_tw_reuse 0, ten client-closed
# connections to 127.0.0.1:8000 hold all ten ports in TIME-WAIT; the
# eleventh connect() fails with EADDRNOTAVAIL; tcpstate shows the
# destination at 10 of 10 ports (100%), the failure with the failing
# process's pid, comm and cgroup, and --check exits 2 (critical).  A bind() to
# port 0 that finds nothing free is counted apart.  A healthy namespace
# checks OK (0); a connection in SYN-SENT is counted with its port.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v jq > /dev/null || { echo "# SKIP: needs jq"; exit $ksft_skip; }
tap_plan 12

ns=ts_ports
ok_ns=ts_ports_ok
tmp=$(mktemp -d)
cg=/sys/fs/cgroup/ts-ports.slice/ts-ports-job.service
cleanup()
{
	rmdir "$cg" "${cg%/*}" 2>/dev/null
	ip netns del $ns 2>/dev/null
	ip netns del $ok_ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="40000 40009" net.ipv4.tcp_tw_reuse=0

ss_timewait()
{
	ip netns exec $ns ss -tanH state time-wait | wc -l
}

ss_says_10()
{
	[ "$(ss_timewait)" -eq 10 ]
}

ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 10 -x > /dev/null
rc=$?
wait_for 100 ss_says_10
tap_result ten_connections_hold_ten_ports_in_timewait $((rc + $?)) \
	"expected tcp_workload to succeed and ss to count 10 TIME-WAIT; saw status $rc, $(ss_timewait)"

# The eleventh, run by a service of its own: its pid, comm and cgroup are
# what the module must name.
cgroup2_mounted || { echo "# SKIP: cannot mount cgroup2"; exit $ksft_skip; }
mkdir -p "$cg" || exit 1
cg_id=$(stat -c %i "$cg")
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
	ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 1 -x > /dev/null 2> "$tmp/err" &
pid=$!
wait $pid
rc=$?
[ $rc -ne 0 ] && grep -q "Cannot assign requested address" "$tmp/err"
tap_result eleventh_connect_fails_with_eaddrnotavail $? \
	"expected a failure with EADDRNOTAVAIL; saw status $rc, stderr: $(cat "$tmp/err")"

"$TCPSTATE_CLI" -n $ns -i 0 ports > "$tmp/ports.txt"
rc=$?
row=$(awk '$2 == "127.0.0.1:8000" { print $1, $3, $4, $5; exit }' "$tmp/ports.txt")
[ $rc -eq 0 ] && [ "$row" = "127.0.0.1 10 0 100.0" ]
tap_result text_shows_10_of_10_ports_used $? \
	"expected exit 0 and a row '127.0.0.1 127.0.0.1:8000 10 0 100.0'; saw $rc, '$row'"

"$TCPSTATE_CLI" -n $ns -i 0 -j ports > "$tmp/ports.json"
got=$(jq -c '[.destinations[0].address, .destinations[0].port, .destinations[0].used,
	.destinations[0].free, .destinations[0].used_pct, .destinations[0].states.time_wait,
	.range.low, .range.high, .range.available, .tcp_tw_reuse, .failures.connect.ipv4,
	.failures.bind.ipv4, (.destinations | length)]' "$tmp/ports.json")
want='["127.0.0.1",8000,10,0,100,10,40000,40009,10,0,1,0,1]'
[ "$got" = "$want" ]
tap_result json_carries_the_same_numbers $? "expected $want, saw $got"

got=$(jq -c '.recent_failures[0] | [.kind, .address, .port, .pid, .comm, .error, .family]' \
	"$tmp/ports.json")
want="[\"connect\",\"127.0.0.1\",8000,$pid,\"tcp_workload\",\"EADDRNOTAVAIL\",\"ipv4\"]"
[ "$got" = "$want" ]
tap_result failure_names_destination_pid_and_comm $? "expected $want, saw $got"

# The cgroup outlives the process: JSON gives its id, path and unit, the
# text its unit, on the failure's line and in the owners' table.
got=$(jq -c '[.recent_failures[0] | .cgroup_id, .cgroup, .unit]' "$tmp/ports.json")
want="[$cg_id,\"/ts-ports.slice/ts-ports-job.service\",\"ts-ports-job.service\"]"
line=$(grep -c "connect 127.0.0.1:8000 from 127.0.0.1 pid $pid (tcp_workload) cgroup ts-ports-job.service EADDRNOTAVAIL" \
	"$tmp/ports.txt")
[ "$got" = "$want" ] && [ "$line" -eq 1 ]
tap_result failure_names_the_cgroup $? \
	"expected $want and one text line 'connect 127.0.0.1:8000 from 127.0.0.1 pid $pid (tcp_workload) cgroup ts-ports-job.service EADDRNOTAVAIL'; saw $got and $line lines: $(grep -i "pid $pid" "$tmp/ports.txt")"

out=$("$TCPSTATE_CLI" -n $ns -i 0 ports --check)
rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	case "$out" in "TCPSTATE CRITICAL - 127.0.0.1:8000 uses 10 of 10"*) true ;; *) false ;; esac
tap_result check_exits_2_with_one_line $? \
	"expected exit 2 and one line 'TCPSTATE CRITICAL - 127.0.0.1:8000 uses 10 of 10 ...'; saw $rc, '$out'"

# bind() to port 0: every port of the range is held by a timewait socket.
ip netns exec $ns python3 -c '
import socket
s = socket.socket()
try:
    s.bind(("127.0.0.1", 0))
except OSError as e:
    raise SystemExit(e.errno)
' 2> /dev/null
bind_rc=$?
got=$("$TCPSTATE_CLI" -n $ns -i 0 -j ports |
	jq -c '[.failures.connect.ipv4, .failures.bind.ipv4, .recent_failures[0].kind]')
want='[1,1,"bind"]'
[ $bind_rc -eq 98 ] && [ "$got" = "$want" ]
tap_result bind_to_port_zero_counted_apart $? \
	"expected bind() to fail with EADDRINUSE (98) and $want; saw $bind_rc, $got"

got=$("$TCPSTATE_CLI" -n $ns -i 0 -j summary | jq -c '[(.ports | has("worst")), .ports.available, .ports.failures]')
want='[false,10,2]'
[ "$got" = "$want" ]
tap_result summary_shows_port_range_and_failures_without_a_table_walk $? "expected $want, saw $got"

# The trace event: trace-cmd records the next failure with who and where.
inode=$(netns_inode $ns)
(cd "$tmp" && trace-cmd record -q -e tcpstate:port_failure -o "$tmp/t.dat" \
	ip netns exec $ns "$TCP_WORKLOAD" -p 8000 -t 1 -x > /dev/null 2>&1)
trace-cmd report -i "$tmp/t.dat" 2> /dev/null > "$tmp/t.txt"
n=$(grep -c "port_failure:.*netns=$inode .* connect .*dest=127.0.0.1:8000 .*comm=tcp_workload error=-99" "$tmp/t.txt")
[ "$n" -eq 1 ]
tap_result trace_event_port_failure_recorded $? \
	"expected one tcpstate:port_failure 'connect ... dest=127.0.0.1:8000 ... comm=tcp_workload error=-99' in netns $inode; saw $n: $(grep port_failure "$tmp/t.txt" | head -n 2)"

# A healthy namespace: ten connections in the default range.
new_ns $ok_ns || exit 1
ip netns exec $ok_ns "$TCP_WORKLOAD" -p 8000 -t 10 -x > /dev/null
out=$("$TCPSTATE_CLI" -n $ok_ns -i 0 ports --check)
rc=$?

# A connect() left in SYN-SENT (its SYN goes into a dummy device) holds
# the port it was given after its state changed: list and ports know it.
ip -n $ok_ns link add d0 type dummy && ip -n $ok_ns addr add 10.9.0.1/24 dev d0 &&
	ip -n $ok_ns link set d0 up
ip netns exec $ok_ns python3 -c '
import socket, sys, time
s = socket.socket()
s.setblocking(False)
s.connect_ex(("10.9.0.2", 80))
print(s.getsockname()[1], flush=True)
time.sleep(30)
' > "$tmp/synsent" &
syn_pid=$!
wait_for 50 test -s "$tmp/synsent"
port=$(cat "$tmp/synsent")
got=$("$TCPSTATE_CLI" -n $ok_ns -j list state syn-sent | jq -c '[.count, .connections[0].local]')
got2=$("$TCPSTATE_CLI" -n $ok_ns -i 0 -j ports |
	jq -c '[.destinations[] | select(.address == "10.9.0.2") | .port, .used, .states.syn_sent]')
kill $syn_pid 2>/dev/null
wait $syn_pid 2>/dev/null
[ "$got" = "[1,\"10.9.0.1:$port\"]" ] && [ "$got2" = "[80,1,1]" ]
tap_result syn_sent_connection_holds_its_port $? \
	"expected [1,\"10.9.0.1:$port\"] and [80,1,1]; saw $got and $got2"

reports_after=$(kernel_reports | wc -l)
[ $rc -eq 0 ] && case "$out" in "TCPSTATE OK - "*) true ;; *) false ;; esac &&
	[ "$reports_after" -eq "$reports_before" ]
tap_result healthy_namespace_checks_ok_and_no_kernel_report $? \
	"expected exit 0, 'TCPSTATE OK - ...' and no kernel report; saw $rc, '$out', $(kernel_reports | tail -n 1)"
tap_exit
