#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM: load the module, make storms of short connections in
# a network namespace, and show TIME-WAIT building up as tcpstate reports
# it (summary, timewait, watch, list), next to what ss and
# /proc/net/sockstat say; then drive a namespace into local port
# exhaustion from a batch job in a cgroup of its own, and show `tcpstate
# ports` catching it and naming the process and the cgroup that did it.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
set -e

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
note() { printf '\033[2m# %s\033[0m\n' "$*"; }
tcpstate=$top/userspace-tool/tcpstate
workload=$top/selftests/tcp_workload
watch_out=$(mktemp)

say insmod module/tcpstate.ko
insmod module/tcpstate.ko
say tcpstate version
$tcpstate version

say ip netns add demo
ip netns add demo
ip -n demo link set lo up

say "tcpstate -n demo watch > watch.log &   (every transition, as it happens)"
$tcpstate -n demo watch > "$watch_out" &
watcher=$!
sleep 1

say "a storm: 2000 short connections to 127.0.0.2:8080, then 500 to 127.0.0.3:9090, each closed by its client"
note "this runs in the background while tcpstate measures rates over 2 s"
( ip netns exec demo $workload -x -a 127.0.0.2 -p 8080 -t 2000 > /dev/null
  ip netns exec demo $workload -x -a 127.0.0.3 -p 9090 -t 500 > /dev/null ) &
storm=$!
say tcpstate -n demo -i 2
$tcpstate -n demo -i 2
wait $storm

say tcpstate -n demo timewait
$tcpstate -n demo timewait

say "watch.log: one connection's life, FIN-WAIT-2 -> TIME-WAIT included"
port=$(awk '$3 == "127.0.0.2:8080" && /FIN-WAIT-2 -> TIME-WAIT/ { split($2, a, ":"); print a[2]; exit }' "$watch_out")
head -n 1 "$watch_out"
grep -E " 127\.0\.0\.1:$port " "$watch_out" | head -n 12 || true
note "$(grep -c 'FIN-WAIT-2 -> TIME-WAIT' "$watch_out") FIN-WAIT-2 -> TIME-WAIT lines in all;" \
	"tracers built on sock:inet_sock_set_state never see one"

say "tcpstate -n demo list state time-wait dst 127.0.0.3 | head -n 5"
$tcpstate -n demo list state time-wait dst 127.0.0.3 | head -n 5

say "what ss and /proc/net/sockstat say"
ip netns exec demo ss -tan | awk 'NR > 1 {print $1}' | sort | uniq -c
ip netns exec demo grep TCP: /proc/net/sockstat

say "tcpstate -n demo -j -i 0 | jq .states"
$tcpstate -n demo -j -i 0 | jq -c -M .states

kill $watcher
wait $watcher 2>/dev/null || true
say "ip netns del demo   (its TIME-WAITs end with it)"
ip netns del demo

say "port exhaustion: a namespace with ten local ports and no TIME-WAIT reuse"
ip netns add tight
ip -n tight link set lo up
ip netns exec tight sysctl -w net.ipv4.ip_local_port_range="40000 40009" net.ipv4.tcp_tw_reuse=0
cg=/sys/fs/cgroup
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg
job_cg=$cg/batch.slice/report-job.service
mkdir -p "$job_cg"
# job CMD...: CMD as a process of report-job.service, in namespace tight
job() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$job_cg" ip netns exec tight "$@"; }
say "a batch job, report_job in report-job.service, makes ten short connections to 127.0.0.1:8000: their TIME-WAITs hold all ten ports"
job $workload -N report_job -p 8000 -t 10 -x > /dev/null
say "its eleventh connect()"
job $workload -N report_job -p 8000 -t 1 -x > /dev/null || true
say tcpstate -n tight -i 0 ports
$tcpstate -n tight -i 0 ports
say "tcpstate -n tight ports --check   (for monitoring: 0 ok, 1 warning, 2 critical, 3 unknown)"
rc=0
$tcpstate -n tight -i 0 ports --check || rc=$?
note "exit status $rc"
say "tcpstate -n tight -i 0 summary | grep -A3 ^ports   (counters only: the headroom is in ports)"
$tcpstate -n tight -i 0 summary | grep -A3 ^ports
say "who ran out: tcpstate -n tight -j -i 0 ports | jq .recent_failures[0]"
$tcpstate -n tight -j -i 0 ports | jq -r '.recent_failures[0] |
	"\(.comm) (pid \(.pid)) of \(.unit // .cgroup // .cgroup_id) found no local port for \(.address):\(.port)"'
note "the TIME-WAITs outlive the process: ss -tanp names no one, tcpstate still does"
ip netns del tight
rmdir "$job_cg" "$cg/batch.slice" 2>/dev/null || true
say rmmod tcpstate
rmmod tcpstate
rm -f "$watch_out"
