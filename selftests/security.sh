#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who sees what, through the CLI: an unprivileged user sees the namespace
# they are in and nothing else; a process in a user and network namespace
# of its own sees its own connections only; viewing another namespace needs
# what entering it with setns(2) needs, CAP_SYS_ADMIN over it and in the
# caller's own user namespace (CAP_NET_ADMIN is not enough; a user
# namespace's owner, from outside it, is refused; a reader in a user
# namespace sees owners' uids as that namespace maps them), and the all-namespaces
# overview CAP_SYS_ADMIN in the initial user namespace; the module-wide
# counters (probe_misses and misses included) need CAP_NET_ADMIN there,
# and reset, which zeroes counters but not the table, over the namespace.
# Root, doing the same, succeeds, so no refusal here can pass by accident.
. "$(dirname "$0")/lib.sh"

# Inside the user namespace (unshare -Urn below): a workload on port
# 18125, then what the CLI shows from there.
if [ "$1" = --in-userns ]; then
	out=$2
	ip link set lo up || exit 1
	start_workload "" -p 18125 -e 2 || exit 1
	run u_list "$TCPSTATE_CLI" -j list
	run u_summary "$TCPSTATE_CLI" -j -i 0 summary
	run u_select "$TCPSTATE_CLI" -n /run/netns/ts_sec list
	run u_all "$TCPSTATE_CLI" --all-netns
	stop_workload "$workload_pid"
	exit 0
fi

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v jq > /dev/null || { echo "# SKIP: needs jq"; exit $ksft_skip; }
command -v setpriv > /dev/null || { echo "# SKIP: needs setpriv"; exit $ksft_skip; }
tap_plan 23

ns=ts_sec
out=$(mktemp -d)
params=/sys/module/tcpstate/parameters
old_every=$(cat $params/debug_miss_every)
cleanup()
{
	stop_workload "$w_init"
	stop_workload "$w_ns"
	[ -n "$owner" ] && kill "$owner" 2>/dev/null && wait "$owner" 2>/dev/null
	[ -n "$mapped" ] && kill "$mapped" 2>/dev/null && wait "$mapped" 2>/dev/null
	echo "$old_every" > $params/debug_miss_every
	ip netns del $ns 2>/dev/null
	ip netns del ts_sec_miss 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT

nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

rc_of()
{
	cat "$out/$1.rc"
}

# port_conns NAME PORT: connections of a `-j list` with PORT at either end,
# but for TIME-WAIT: a run of this test in the last minute left one behind.
port_conns()
{
	jq --arg p ":$2" '[.connections[] | select(.state != "TIME-WAIT") |
		select((.local | endswith($p)) or (.remote | endswith($p)))] | length' \
		"$out/$1.out"
}

# one_line_error NAME STATUS PATTERN: NAME exited STATUS, printed nothing
# and one line matching PATTERN on stderr.  Sets why.
one_line_error()
{
	local rc lines bytes

	rc=$(rc_of "$1")
	lines=$(wc -l < "$out/$1.err")
	bytes=$(wc -c < "$out/$1.out")
	why="expected exit $2, no output, one line matching '$3'; saw $rc, $bytes bytes, $lines lines: $(head -n 3 "$out/$1.err" | tr '\n' '|')"
	[ "$rc" -eq "$2" ] && [ "$bytes" -eq 0 ] && [ "$lines" -eq 1 ] &&
		grep -qE "$3" "$out/$1.err"
}

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
init_ino=$(netns_inode "")
ns_ino=$(netns_inode $ns)

# On a port of its own in each namespace: in the initial one, listeners
# (IPv4 and IPv6: 2 connections) that leave no TIME-WAIT behind; in the
# test namespace, listeners and a connected pair (4).  And in each, one
# timewait socket ended by a SYN, for the counters reset zeroes.
start_workload "" -p 18123 && w_init=$workload_pid &&
	start_workload $ns -p 18124 -e 1 && w_ns=$workload_pid &&
	"$TCP_WORKLOAD" -p 18126 -S 1 -x > /dev/null &&
	ip netns exec $ns "$TCP_WORKLOAD" -p 18126 -S 1 -x > /dev/null
tap_result workloads_ready $? "tcp_workload failed"

# --- an unprivileged user sees the namespace they are in ------------------
run n_list nobody "$TCPSTATE_CLI" -j list
seen="$(port_conns n_list 18123) $(port_conns n_list 18124)"
[ "$(rc_of n_list)" -eq 0 ] && [ "$seen" = "2 0" ]
tap_result nobody_sees_the_initial_namespace_only $? \
	"expected status 0, 2 connections on port 18123 and none on 18124; saw $(rc_of n_list), $seen $(head -c 200 "$out/n_list.err")"

run n_select nobody "$TCPSTATE_CLI" -n $ns list
one_line_error n_select 1 "^tcpstate: netns $ns: Operation not permitted"
tap_result nobody_cannot_select_another_namespace $? "$why"

run r_select "$TCPSTATE_CLI" -j -n $ns list
seen="$(port_conns r_select 18124) $(port_conns r_select 18123)"
[ "$(rc_of r_select)" -eq 0 ] && [ "$seen" = "4 0" ]
tap_result root_selects_the_namespace_and_sees_its_listener $? \
	"expected status 0, 4 connections on port 18124 and none on 18123; saw $(rc_of r_select), $seen $(head -c 200 "$out/r_select.err")"

# --- another namespace takes what setns(2) takes: CAP_SYS_ADMIN -------------
# CAP_NET_ADMIN lets no process into another namespace: alone, it shows
# none either, one or all.
run r_no_sys_admin setpriv --bounding-set -sys_admin "$TCPSTATE_CLI" -n $ns list
one_line_error r_no_sys_admin 1 "^tcpstate: netns $ns: Operation not permitted .*CAP_SYS_ADMIN"
tap_result root_without_cap_sys_admin_cannot_select_a_namespace $? "$why"

run r_no_sys_admin_all setpriv --bounding-set -sys_admin "$TCPSTATE_CLI" --all-netns
one_line_error r_no_sys_admin_all 1 '^tcpstate: --all-netns: Operation not permitted .*CAP_SYS_ADMIN'
tap_result root_without_cap_sys_admin_cannot_see_all_namespaces $? "$why"

run r_no_sys_admin_watch setpriv --bounding-set -sys_admin timeout 10 "$TCPSTATE_CLI" --all-netns watch
one_line_error r_no_sys_admin_watch 1 '^tcpstate: --all-netns: Operation not permitted .*CAP_SYS_ADMIN'
tap_result root_without_cap_sys_admin_cannot_stream_all_namespaces $? "$why"

# CAP_SYS_ADMIN without CAP_NET_ADMIN could enter it: it may see it.
run r_no_net_admin setpriv --bounding-set -net_admin "$TCPSTATE_CLI" -j -n $ns list
seen=$(port_conns r_no_net_admin 18124)
[ "$(rc_of r_no_net_admin)" -eq 0 ] && [ "$seen" = 4 ]
tap_result root_without_cap_net_admin_selects_the_namespace $? \
	"expected status 0 and 4 connections on port 18124; saw $(rc_of r_no_net_admin), $seen $(head -c 200 "$out/r_no_net_admin.err")"

# The owner of a user namespace holds every capability over it, but none
# in its own: setns(2) refuses it that namespace's network namespace from
# outside, and so does the device; once inside the user namespace, both
# let it.
setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn sleep 600 &
owner=$!
wait_for 100 unshared $owner net
run n_owner nobody "$TCPSTATE_CLI" -n /proc/$owner/ns/net list
one_line_error n_owner 1 "^tcpstate: netns /proc/$owner/ns/net: Operation not permitted"
tap_result userns_owner_cannot_select_its_namespace_from_outside $? "$why"

run n_owner_inside nobody nsenter -t $owner -U -n --preserve-credentials "$TCPSTATE_CLI" -j -n /proc/$owner/ns/net list
got=$(jq -c '.connections | length' "$out/n_owner_inside.out" 2>/dev/null)
[ "$(rc_of n_owner_inside)" -eq 0 ] && [ "$got" = 0 ]
tap_result userns_owner_selects_its_namespace_from_inside $? \
	"expected status 0 and an empty namespace; saw $(rc_of n_owner_inside), '$got' $(head -c 200 "$out/n_owner_inside.err")"
kill $owner
wait $owner 2>/dev/null
owner=

# --- a process in a user and network namespace of its own ------------------
unshare -Urn "$0" --in-userns "$out"
rc=$?
seen="$(port_conns u_list 18125) $(port_conns u_list 18123) $(port_conns u_list 18124)"
[ $rc -eq 0 ] && [ "$(rc_of u_list)" -eq 0 ] && [ "$seen" = "6 0 0" ]
tap_result userns_sees_its_own_connections_only $? \
	"expected status 0 and 0, 6 connections on port 18125, none on 18123 or 18124; saw $rc, $(rc_of u_list), $seen"

got=$(jq -c '[.connections, has("module_wide")]' "$out/u_summary.out")
[ "$(rc_of u_summary)" -eq 0 ] && [ "$got" = "[6,false]" ]
tap_result userns_summary_counts_6_and_no_module_wide $? \
	"expected status 0, connections 6, no module_wide; saw $(rc_of u_summary), $got"

one_line_error u_select 1 "^tcpstate: netns /run/netns/$ns: Operation not permitted"
tap_result userns_cannot_select_another_namespace $? "$why"

one_line_error u_all 1 '^tcpstate: --all-netns: Operation not permitted .*CAP_SYS_ADMIN'
tap_result userns_all_netns_refused $? "$why"

# --- a reader whose user namespace maps its root to uid 300000 -------------
# The same workload and CLI, run as that root: its connections belong to
# uid 300000, which the reader's namespace shows as its own uid 0.
unshare -Un sleep 600 &
mapped=$!
wait_for 100 unshared $mapped user
echo "0 300000 1" > /proc/$mapped/uid_map && echo "0 300000 1" > /proc/$mapped/gid_map &&
	chmod 711 "$out" && mkdir "$out/mapped" && chown 300000:300000 "$out/mapped" &&
	nsenter -t $mapped -U -n -- "$0" --in-userns "$out/mapped"
rc=$?
uids=$(jq -c '[.connections[] | select(.state != "TIME-WAIT") |
	select((.local | endswith(":18125")) or (.remote | endswith(":18125"))) | .uid]' \
	"$out/mapped/u_list.out" 2>/dev/null)
[ $rc -eq 0 ] && [ "$uids" = "[0,0,0,0,0,0]" ]
tap_result userns_reader_sees_its_root_mapped_to_uid_0 $? \
	"expected status 0 and uid 0 for the 6 connections on port 18125; saw $rc, '$uids' $(head -c 200 "$out/mapped/u_list.err" 2>/dev/null)"
kill $mapped
wait $mapped 2>/dev/null
mapped=

# --- the all-namespaces overview -------------------------------------------
run n_all nobody "$TCPSTATE_CLI" --all-netns
one_line_error n_all 1 '^tcpstate: --all-netns: Operation not permitted .*CAP_SYS_ADMIN'
tap_result nobody_all_netns_refused $? "$why"

run r_all "$TCPSTATE_CLI" -j --all-netns
run r_all_text "$TCPSTATE_CLI" --all-netns
json=$(jq --argjson a "$init_ino" --argjson b "$ns_ino" \
	'[.namespaces[] | select(.netns == $a or .netns == $b) | .netns] | sort | map(tostring) | join(" ")' \
	-r "$out/r_all.out")
text=$(awk -v a="$init_ino" -v b="$ns_ino" 'NR > 1 && ($1 == a || $1 == b) { print $1 }' \
	"$out/r_all_text.out" | sort | xargs)
want=$(printf '%s\n' "$init_ino" "$ns_ino" | sort | xargs)
[ "$(rc_of r_all)" -eq 0 ] && [ "$(rc_of r_all_text)" -eq 0 ] &&
	[ "$json" = "$want" ] && [ "$text" = "$want" ]
tap_result root_all_netns_lists_both_namespaces $? \
	"expected status 0 and namespaces $want in JSON and text; saw $(rc_of r_all)/$(rc_of r_all_text), '$json', '$text'"

# --- reset ------------------------------------------------------------------
syn_exits()
{
	"$TCPSTATE_CLI" "$@" -j -i 0 summary | jq .timewait_exits.syn
}
before=$(syn_exits)
run n_reset nobody "$TCPSTATE_CLI" reset
after=$(syn_exits)
one_line_error n_reset 1 '^tcpstate: reset: Operation not permitted' &&
	[ "$before" -ge 1 ] && [ "$after" = "$before" ]
tap_result nobody_reset_refused_and_counters_kept $? \
	"$why; and syn exits of the initial namespace at least 1 and kept: $before, then $after"

run r_before "$TCPSTATE_CLI" -n $ns -j -i 0 summary
run r_reset "$TCPSTATE_CLI" -n $ns -j reset
run r_after "$TCPSTATE_CLI" -n $ns -j -i 0 summary
got="$(jq -c '[.timewait_exits.syn, .connections]' "$out/r_before.out") $(cat "$out/r_reset.out") $(jq -c '[.timewait_exits.syn, .connections]' "$out/r_after.out")"
[ "$(rc_of r_reset)" -eq 0 ] && [ "$got" = '[1,4] {"reset":true} [0,4]' ]
tap_result root_reset_zeroes_counters_not_connections $? \
	"expected status 0 and syn exits, connections: [1,4] {\"reset\":true} [0,4]; saw $(rc_of r_reset), $got $(cat "$out/r_reset.err")"

# --- module-wide counters ---------------------------------------------------
run n_summary nobody "$TCPSTATE_CLI" -j -i 0 summary
got=$(jq -c '[.connections, has("module_wide")]' "$out/n_summary.out")
[ "$(rc_of n_summary)" -eq 0 ] && [ "$got" = "[$(jq .connections "$out/n_summary.out"),false]" ] &&
	[ "$(jq .connections "$out/n_summary.out")" -ge 2 ]
tap_result nobody_summary_has_no_module_wide $? \
	"expected status 0, at least 2 connections and no module_wide; saw $(rc_of n_summary), $got"

run r_summary "$TCPSTATE_CLI" -j -i 0 summary
mine=$(jq .connections "$out/r_summary.out")
theirs=$(jq .connections "$out/r_after.out")
all=$(jq '.module_wide.all_entries // -1' "$out/r_summary.out")
cap=$(jq '.module_wide.max_entries // -1' "$out/r_summary.out")
param=$(cat /sys/module/tcpstate/parameters/max_entries)
[ "$(rc_of r_summary)" -eq 0 ] && [ "$mine" -ge 2 ] && [ "$all" -ge $((mine + theirs)) ] &&
	[ "$cap" = "$param" ]
tap_result root_summary_has_module_wide $? \
	"expected status 0, all_entries >= $mine + $theirs, max_entries $param; saw $(rc_of r_summary), $all, $cap"

# probe_misses and misses[] count facts lost in every namespace: a few
# injected (in a namespace of their own, deleted after) show to root, and
# as 0 to nobody and to a user namespace's root.
misses()
{
	echo "$("$@" "$TS_READ" stat probe_misses) $("$@" "$TS_READ" stat miss:state)"
}
new_ns ts_sec_miss &&
	echo 1 > $params/debug_miss_every &&
	in_ns ts_sec_miss "$TCP_WORKLOAD" -p 18127 -S 1 -x > /dev/null
echo "$old_every" > $params/debug_miss_every
ip netns del ts_sec_miss
r_misses=$(misses)
n_misses=$(misses nobody)
u_misses=$(misses unshare -Urn)
[ "${r_misses% *}" -gt 0 ] && [ "${r_misses#* }" -gt 0 ] &&
	[ "$n_misses" = "0 0" ] && [ "$u_misses" = "0 0" ]
tap_result probe_misses_module_wide_for_root_only $? \
	"expected probe_misses and miss:state > 0 for root, 0 0 for nobody and in a user namespace; saw '$r_misses', '$n_misses', '$u_misses'"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
