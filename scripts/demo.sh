#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM: load the module, make a storm of short connections
# in a network namespace, and show what tcpstate reports next to what ss
# and /proc/net/sockstat say.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
set -e

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
tcpstate=userspace-tool/tcpstate

say insmod module/tcpstate.ko
insmod module/tcpstate.ko
say tcpstate version
$tcpstate version

say ip netns add demo
ip netns add demo
ip -n demo link set lo up
say "a storm: 3000 short connections, each closed by its client, and 20 kept open"
ip netns exec demo selftests/tcp_workload -x -m -t 3000 -e 20 > /dev/null
say ip netns exec demo tcpstate
ip netns exec demo $tcpstate
say "ip netns exec demo ss -tan | awk '{print \$1}' | sort | uniq -c"
ip netns exec demo ss -tan | awk 'NR > 1 {print $1}' | sort | uniq -c
say "ip netns exec demo grep TCP: /proc/net/sockstat"
ip netns exec demo grep TCP: /proc/net/sockstat
say "ip netns exec demo tcpstate --json"
ip netns exec demo $tcpstate --json

say "ip netns del demo   (its TIME-WAITs end with it)"
ip netns del demo
say rmmod tcpstate
rmmod tcpstate
