#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test VM, with the tcpstate-dkms and tcpstate packages
# installed on the host (the guest sees the host's root): load the module
# the way a user would, by name, and run the packaged CLI against a known
# workload.  Prints TAP results (the selftests' helpers); exits 1 when any
# failed.
#
# Usage: pkg-vm-test.sh VERSION
# VERSION is the packages' version, which `tcpstate version` must show.
set -u

[ $# -eq 1 ] || { echo "usage: scripts/pkg-vm-test.sh VERSION" >&2; exit 2; }
version=$1
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"
TCP_WORKLOAD=$top/selftests/tcp_workload
cli=/usr/sbin/tcpstate
kver=$(uname -r)
ns=pkgtest

result()	# NAME STATUS [WHY]: one result, named for the kernel
{
	tap_result "$kver: $1" "$2" "${3:-}"
}

[ -x "$TCP_WORKLOAD" ] || { result workload_built 1 "no $TCP_WORKLOAD (make selftests)"; tap_exit; }

out=$(modprobe tcpstate 2>&1)
result modprobe_by_name_loads_module $? "expected modprobe tcpstate to succeed; saw: $out"
[ -d /sys/module/tcpstate ] || { result module_is_loaded 1 "no /sys/module/tcpstate after modprobe"; tap_exit; }

path=$(modinfo -n tcpstate 2>&1)
case "$path" in
"/lib/modules/$kver/updates/dkms/tcpstate.ko"*) rc=0 ;;
*) rc=1 ;;
esac
result module_is_dkms_build_for_running_kernel $rc \
	"expected /lib/modules/$kver/updates/dkms/tcpstate.ko*, saw '$path'"

mode=$(stat -c %a /dev/tcpstate 2>&1)
[ "$mode" = 444 ]
result device_mode_0444 $? "expected /dev/tcpstate mode 444, saw '$mode'"

out=$("$cli" -j version 2>&1)
echo "$out" | jq -e --arg v "$version" '.tool_version == $v and .module_abi_version == .abi_version' >/dev/null 2>&1
result packaged_cli_version $? "expected version $version and matching ABIs; saw: $out"

# 5 client-closed connections (TIME-WAIT) and 3 open pairs (6 ESTAB) on
# its two listeners (IPv4 and IPv6, port 8000), in a namespace of their own.
new_ns $ns || { result namespace_created 1 "ip netns add $ns failed"; tap_exit; }
start_workload $ns -t 5 -e 3
result workload_ready $? "expected tcp_workload -t 5 -e 3 to print ready"
wpid=$workload_pid

summary=$("$cli" -n $ns -j -i 0 summary 2>&1)
want='{"connections":13,"established":6,"time_wait":5,"listen":2,"others":0}'
got=$(echo "$summary" | jq -c '{connections} + (.states | {established, time_wait,
	listen, others: ([to_entries[] | select(.key != "established" and
		.key != "time_wait" and .key != "listen") | .value] | add)})' 2>&1)
[ "$got" = "$want" ]
result summary_counts_workload $? "expected $want; saw $got (summary: $summary)"

out=$("$cli" -n $ns audit 2>&1)
result audit_agrees_with_kernel $? "expected exit 0; saw: $out"

stop_workload "$wpid"
ip netns del $ns

out=$(modprobe -r tcpstate 2>&1)
result modprobe_r_unloads $? "expected modprobe -r tcpstate to succeed; saw: $out"
tap_exit
