#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces cannot starve each other (issue 12):
#  - the defaults are sized from the kernel's TCP established hash;
#  - an unprivileged user in a namespace of its own (setpriv + unshare
#    -Urn) that makes more connections than its quota gets exactly its
#    quota, and the rest counted as dropped for the reason "quota", as
#    many as `ss -tan` there shows beyond it; the summary, its JSON and the
#    exporter say so; it may lower its quota but not raise it, nor go back
#    to a larger default (EPERM, one clear line from the CLI), and neither
#    may an unprivileged user of the initial namespace change that one's;
#  - however many connections such a user makes, the namespaces other than
#    the initial one share at most max_entries - init_net_reserve entries:
#    the user gets what is left of that share, its other connections are
#    dropped for the reason "cap", and the initial namespace still mirrors
#    every connection it has (ss there);
#  - the namespaces of one user share its limit (user_max_entries): a
#    second namespace of the same user, even in a user namespace nested
#    in another of its own, gets what the first left, the rest dropped
#    for the reason "user"; another user's namespace is not affected;
#    in a container (a user namespace root made), the namespaces its
#    users make are the container's, one user;
#  - a namespace that restrains itself to today's default still follows
#    a later cut of netns_max_entries; a ceiling the admin set does not;
#  - root of a namespace of the initial user namespace (a CNI plugin, a
#    mesh's init container: CAP_NET_ADMIN, no user namespace of its own)
#    may lower its quota but not raise it; the admin, from the initial
#    namespace through a file switched to it, may;
#  - TCPSTATE_IOC_QUOTA refuses bad sizes, flags and values with EINVAL;
#  - memory goes to the memory cgroup that caused it: entries made with
#    no socket (debug_fill) to the cgroup the namespace was created in,
#    not to the writer's; those of sockets, request sockets included, to
#    the socket's (the listener's) cgroup;
#  - a memory cgroup at memory.max gets no entry past it: the connection
#    is dropped for the reason "nomem" and memory.current stays within
#    memory.max;
#  - a child whose request was dropped for the quota makes its entry when
#    it leaves SYN-RECV, if there is room by then.
. "$(dirname "$0")/lib.sh"

params=/sys/module/tcpstate/parameters
cgroot=/sys/fs/cgroup

# --- inside an unprivileged user's namespace (unshare -Urn below) ---------
# Its quota is 30 (netns_max_entries): 2 listeners and 20 connected pairs
# are 42 sockets.
if [ "$1" = --quota-userns ]; then
	out=$2
	ip link set lo up || exit 1
	start_workload "" -m -e 20 -p 18200 || exit 1
	w=$workload_pid
	{
		echo "entries $("$TS_READ" stat entries)"
		for r in quota cap nomem; do
			echo "drop_$r $("$TS_READ" stat drop:$r)"
		done
		echo "quota $("$TS_READ" stat quota)"
		echo "ss $(ss -tanH | wc -l)"
	} > "$out/u_counts"
	run u_summary "$TCPSTATE_CLI" -j -i 0 summary
	run u_text "$TCPSTATE_CLI" -i 0 summary
	run u_prom "$TCPSTATE_CLI" -i 0 -c 1 exporter --textfile "$out"
	run u_raise "$TCPSTATE_CLI" quota 1000
	run u_raise_raw "$TS_READ" quota 56 1 1000 0
	run u_lower "$TCPSTATE_CLI" -j quota 20
	run u_back "$TCPSTATE_CLI" quota default
	run u_none "$TCPSTATE_CLI" quota none
	echo "entries $("$TS_READ" stat entries) quota $("$TS_READ" stat quota)" \
		> "$out/u_after"
	stop_workload "$w"
	exit 0
fi

# --- a namespace that holds its connections until told -----------------------
# --hold-userns OUT NAME PORT [wait0]: 2 listeners and 20 pairs (42
# sockets); NAME_counts has what it got, then NAME_ready is made, and it
# holds them until NAME_stop.  wait0: first wait until its user has no
# entry (namespaces of an earlier part may still be on their way out).
if [ "$1" = --hold-userns ]; then
	out=$2
	name=$3
	ip link set lo up || exit 1
	if [ "$5" = wait0 ]; then
		for i in $(seq 600); do
			"$TS_READ" quota 56 0 0 0 | grep -q ' user 0 of ' && break
			sleep 0.1
		done
	fi
	start_workload "" -m -e 20 -p "$4" || exit 1
	echo "entries $("$TS_READ" stat entries) user $("$TS_READ" stat drop:user)" \
		"quota $("$TS_READ" stat drop:quota) cap $("$TS_READ" stat drop:cap)" \
		"ss $(ss -tanH | wc -l) | $("$TS_READ" quota 56 0 0 0)" > "$out/${name}_counts"
	touch "$out/${name}_ready"
	for i in $(seq 1200); do
		[ -e "$out/${name}_stop" ] && break
		sleep 0.1
	done
	stop_workload "$workload_pid"
	exit 0
fi

# --- a container: a user namespace root made, uids 1000 and 1001 mapped ------
# --container-userns OUT: in it, its users 1000 and 1001 each make a
# namespace of their own (unshare -Urn): the user of both is the
# container, and they share its limit.
if [ "$1" = --container-userns ]; then
	out=$2
	as_uid()
	{
		setpriv --reuid=$1 --regid=$1 --clear-groups "${@:2}"
	}
	as_uid 1000 unshare -Urn "$0" --hold-userns "$out" f1 18280 wait0 &
	p1=$!
	for i in $(seq 900); do [ -e "$out/f1_ready" ] && break; sleep 0.1; done
	as_uid 1001 unshare -Urn "$0" --hold-userns "$out" f2 18290 &
	p2=$!
	for i in $(seq 600); do [ -e "$out/f2_ready" ] && break; sleep 0.1; done
	touch "$out/f1_stop" "$out/f2_stop"
	wait $p1 $p2
	exit 0
fi

# --- an unprivileged user trying to take the initial namespace's share -----
if [ "$1" = --reserve-userns ]; then
	out=$2
	ip link set lo up || exit 1
	start_workload "" -e 100 -p 18220 || exit 1
	echo "entries $("$TS_READ" stat entries) cap $("$TS_READ" stat drop:cap)" \
		"quota $("$TS_READ" stat drop:quota) ss $(ss -tanH | wc -l)" \
		> "$out/a_counts"
	touch "$out/a_ready"
	# Hold the connections until the initial namespace was checked.
	for i in $(seq 1200); do
		[ -e "$out/a_stop" ] && break
		sleep 0.1
	done
	stop_workload "$workload_pid"
	exit 0
fi

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v jq > /dev/null || { echo "# SKIP: needs jq"; exit $ksft_skip; }
command -v setpriv > /dev/null || { echo "# SKIP: needs setpriv"; exit $ksft_skip; }
tap_plan 25

out=$(mktemp -d)
# The unprivileged user writes its findings here.
chmod 0777 "$out"
old_max=$(cat $params/max_entries)
old_netns=$(cat $params/netns_max_entries)
old_reserve=$(cat $params/init_net_reserve)
old_user=$(cat $params/user_max_entries)
old_ms=$(cat $params/reconcile_ms)
attacker=
holders=
cleanup()
{
	touch "$out/a_stop" "$out/e1_stop" "$out/e2_stop" "$out/e3_stop" \
		"$out/f1_stop" "$out/f2_stop"
	[ -n "$attacker" ] && wait "$attacker" 2>/dev/null
	[ -n "$holders" ] && wait $holders 2>/dev/null
	stop_workload "$w_init"
	stop_workload "$w_a"
	stop_workload "$w_mem"
	stop_workload "$w_late"
	echo "$old_ms" > $params/reconcile_ms
	for ns in ts_q_a ts_q_abi ts_q_c ts_q_mem ts_q_mem2 ts_q_lim ts_q_late; do
		ip netns del $ns 2>/dev/null
	done
	echo "$old_max" > $params/max_entries
	echo "$old_netns" > $params/netns_max_entries
	echo "$old_reserve" > $params/init_net_reserve
	echo "$old_user" > $params/user_max_entries
	for c in ts_q_ns ts_q_ns2 ts_q_work ts_q_lim; do
		rmdir "$cgroot/$c" 2>/dev/null
	done
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

# value FILE KEY: the word after KEY in FILE.
value()
{
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$out/$1"
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

wait_quiescent
reports_before=$(kernel_reports | wc -l)

# --- the defaults ------------------------------------------------------------
# The initial namespace's tcp_max_tw_buckets is half the established
# hash's buckets (tcp_sk_init()): the cap is 8 entries per bucket, a
# namespace's quota 2, and the initial namespace keeps half of the cap.
tw=$(sysctl -n net.ipv4.tcp_max_tw_buckets)
want="$((16 * tw)) $((4 * tw)) $((8 * tw)) $((4 * tw))"
seen="$old_max $old_netns $old_reserve $old_user"
echo "# tcp_max_tw_buckets $tw: max_entries $old_max, netns_max_entries $old_netns, init_net_reserve $old_reserve, user_max_entries $old_user"
[ "$seen" = "$want" ]
tap_result defaults_sized_from_the_established_hash $? \
	"expected max_entries, netns_max_entries, init_net_reserve, user_max_entries $want (tcp_max_tw_buckets $tw); saw $seen"

# --- an unprivileged user's namespace past its quota -------------------------
echo 30 > $params/netns_max_entries
nobody unshare -Urn "$0" --quota-userns "$out"
rc=$?
got=$(cat "$out/u_counts" 2>/dev/null | tr '\n' ' ')
ss_n=$(value u_counts ss)
entries=$(value u_counts entries)
echo "# unprivileged namespace, quota 30: $got"
[ $rc -eq 0 ] && [ "$ss_n" = 42 ] && [ "$entries" = 30 ] &&
	[ "$(value u_counts drop_quota)" = $((ss_n - 30)) ] &&
	[ "$(value u_counts drop_cap)" = 0 ] && [ "$(value u_counts drop_nomem)" = 0 ] &&
	[ "$(value u_counts quota)" = 30 ]
tap_result userns_gets_its_quota_and_drops_the_excess_for_quota $? \
	"expected status 0, ss 42, entries 30, drop_quota ss - 30 = 12, drop_cap 0, drop_nomem 0, quota 30; saw $rc, $got"

got=$(jq -c '[.connections, .dropped, .drops.quota, .drops.cap, .drops.nomem, .quota, .quota_own]' \
	"$out/u_summary.out" 2>/dev/null)
[ "$(rc_of u_summary)" -eq 0 ] && [ "$got" = "[30,12,12,0,0,30,false]" ] &&
	grep -qE '^  quota +12$' "$out/u_text.out" &&
	grep -qE '^quota +30$' "$out/u_text.out"
tap_result summary_counts_12_quota_drops_text_and_json $? \
	"expected [30,12,12,0,0,30,false] and the text lines '  quota 12', 'quota 30'; saw $got, $(grep -E 'quota' "$out/u_text.out" | tr '\n' '|')"

got=$(grep '^tcpstate_dropped_total' "$out/tcpstate.prom" 2>/dev/null | sed 's/netns="[0-9]*",//' | tr '\n' ' ')
want='tcpstate_dropped_total{reason="quota"} 12 tcpstate_dropped_total{reason="cap"} 0 tcpstate_dropped_total{reason="nomem"} 0 tcpstate_dropped_total{reason="user"} 0 '
[ "$(rc_of u_prom)" -eq 0 ] && [ "$got" = "$want" ]
tap_result exporter_dropped_total_has_a_reason_label $? \
	"expected status 0 and '$want'; saw $(rc_of u_prom), '$got' $(head -c 200 "$out/u_prom.err")"

one_line_error u_raise 1 '^tcpstate: quota: Operation not permitted .*raising it CAP_NET_ADMIN in the initial user namespace'
r1=$?
raw=$(cat "$out/u_raise_raw.out")
[ $r1 -eq 0 ] && [ "$raw" = "error EPERM" ]
tap_result userns_root_cannot_raise_its_quota $? "$why; raw ioctl: '$raw'"

got=$(jq -c '[.quota, .own, .entries, .default]' "$out/u_lower.out" 2>/dev/null)
[ "$(rc_of u_lower)" -eq 0 ] && [ "$got" = "[20,true,30,30]" ] &&
	[ "$(cat "$out/u_after")" = "entries 30 quota 20" ]
tap_result userns_root_may_lower_its_quota_entries_stay $? \
	"expected status 0, [20,true,30,30] and 'entries 30 quota 20' after; saw $(rc_of u_lower), $got, '$(cat "$out/u_after")' $(head -c 200 "$out/u_lower.err")"

one_line_error u_back 1 '^tcpstate: quota: Operation not permitted' && r1=0 || r1=1
w1=$why
one_line_error u_none 1 '^tcpstate: quota: Operation not permitted'
[ $r1 -eq 0 ] && [ $? -eq 0 ]
tap_result userns_root_cannot_go_back_to_a_larger_default_or_none $? "default: $w1; none: $why"

run n_init nobody "$TCPSTATE_CLI" quota 5
one_line_error n_init 1 '^tcpstate: quota: Operation not permitted'
tap_result nobody_cannot_set_the_initial_namespace_quota $? "$why"
echo "$old_netns" > $params/netns_max_entries

# --- the initial namespace keeps its reserve ---------------------------------
# The other namespaces' share is what they hold now plus 100: a namespace
# of root takes 70 of it (2 listeners and 34 pairs), an unprivileged
# user's the 30 left, and the initial namespace, whose reserve is its
# entries plus 100, still mirrors the 42 sockets of a workload of its own.
wait_quiescent
# The others' entries are all_entries - entries: read between two equal
# readings of the initial namespace's (TIME-WAITs of earlier tests expire
# there in bursts, and one between the two reads would give the
# unprivileged namespace their room too).
for i in $(seq 100); do
	init_n=$("$TS_READ" stat entries)
	all=$("$TS_READ" stat all_entries)
	[ "$("$TS_READ" stat entries)" = "$init_n" ] && break
done
init_dropped=$("$TS_READ" stat dropped)
echo 1000 > $params/netns_max_entries
echo $((all + 200)) > $params/max_entries
echo $((init_n + 100)) > $params/init_net_reserve
new_ns ts_q_a || exit 1
start_workload ts_q_a -e 34 -p 18215 && w_a=$workload_pid
a="$(in_ns ts_q_a "$TS_READ" stat entries) $(in_ns ts_q_a "$TS_READ" stat dropped)"
[ "$a" = "70 0" ]
tap_result root_namespace_takes_70_of_the_share $? "expected 70 entries, 0 drops; saw $a"

nobody unshare -Urn "$0" --reserve-userns "$out" &
attacker=$!
wait_for 600 test -e "$out/a_ready"
ss_n=$(value a_counts ss)
got=$(cat "$out/a_counts" 2>/dev/null)
echo "# share of the others $((all + 200 - init_n - 100)) (max_entries $((all + 200)), init_net_reserve $((init_n + 100))): root namespace $a, unprivileged one $got"
[ "$(value a_counts entries)" = 30 ] && [ -n "$ss_n" ] &&
	[ "$(value a_counts cap)" = $((ss_n - 30)) ] && [ "$(value a_counts quota)" = 0 ]
tap_result userns_gets_the_30_left_and_drops_the_rest_for_cap $? \
	"expected entries 30, cap drops ss - 30, no quota drop; saw '$got'"

start_workload "" -m -e 20 -p 18210 && w_init=$workload_pid
counts_match ""
r1=$?
init_now=$("$TS_READ" stat dropped)
[ $r1 -eq 0 ] && [ "$init_now" = "$init_dropped" ]
tap_result initial_namespace_still_mirrors_everything $? \
	"expected the module's counts to equal ss and $init_dropped drops; saw $counts_why, $init_now drops (module: $counts_mod)"
stop_workload "$w_init"
w_init=
stop_workload "$w_a"
w_a=
touch "$out/a_stop"
wait "$attacker"
attacker=
echo "$old_max" > $params/max_entries
echo "$old_reserve" > $params/init_net_reserve
echo "$old_netns" > $params/netns_max_entries
ip netns del ts_q_a

# --- one user's namespaces share its limit -----------------------------------
# user_max_entries 50, a namespace's quota 1000: nobody's first namespace
# (unshare -Urn) mirrors its 42 sockets; its second, in a user namespace
# nested in another of nobody's (the user is the one who made the
# outermost), gets the 8 its user has left, and its 34 other connections
# are dropped for the reason "user"; then another user's namespace (uid
# 65533) gets its 42, whatever nobody holds.
echo 1000 > $params/netns_max_entries
echo 50 > $params/user_max_entries
nobody unshare -Urn "$0" --hold-userns "$out" e1 18240 wait0 &
holders=$!
wait_for 900 test -e "$out/e1_ready"
nobody unshare -Ur unshare -Urn "$0" --hold-userns "$out" e2 18250 &
holders="$holders $!"
wait_for 600 test -e "$out/e2_ready"
setpriv --reuid=65533 --regid=65533 --clear-groups \
	unshare -Urn "$0" --hold-userns "$out" e3 18260 &
holders="$holders $!"
wait_for 600 test -e "$out/e3_ready"
e1=$(cat "$out/e1_counts" 2>/dev/null)
e2=$(cat "$out/e2_counts" 2>/dev/null)
e3=$(cat "$out/e3_counts" 2>/dev/null)
touch "$out/e1_stop" "$out/e2_stop" "$out/e3_stop"
wait $holders
holders=
echo "# user_max_entries 50: nobody's first namespace '$e1'"
echo "# nobody's second, nested: '$e2'"
echo "# uid 65533's: '$e3'"
want="entries 42 user 0 quota 0 cap 0 ss 42 | quota 1000 own 0 entries 42 default 1000 admin 0 user 42 of 50"
[ "$e1" = "$want" ]
tap_result first_namespace_of_a_user_gets_its_42 $? "expected '$want'; saw '$e1'"
want="entries 8 user 34 quota 0 cap 0 ss 42 | quota 1000 own 0 entries 8 default 1000 admin 0 user 50 of 50"
[ "$e2" = "$want" ]
tap_result second_namespace_of_the_user_gets_8_and_34_user_drops $? "expected '$want'; saw '$e2'"
want="entries 42 user 0 quota 0 cap 0 ss 42 | quota 1000 own 0 entries 42 default 1000 admin 0 user 42 of 50"
[ "$e3" = "$want" ]
tap_result another_user_gets_its_42 $? "expected '$want'; saw '$e3'"

# A container (a user namespace root made, its uids 1000 and 1001 mapped
# to 101000 and 101001; its root stays root, which keeps the test
# simple): the namespaces its users 1000 and 1001 make in user
# namespaces of their own are the container's, one user: 42 and 8, 34
# dropped for "user".  Its user namespace is made first, then mapped (in
# one write each, which the kernel wants).
mkfifo "$out/go"
unshare -U sh -c 'read x < "$1"; exec "$2" --container-userns "$3"' sh \
	"$out/go" "$0" "$out" &
cpid=$!
wait_for 100 unshared $cpid user
for m in uid_map gid_map; do
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, b"0 0 1\n1000 101000 2\n")' /proc/$cpid/$m
done
echo go > "$out/go"
wait $cpid
f1=$(cat "$out/f1_counts" 2>/dev/null)
f2=$(cat "$out/f2_counts" 2>/dev/null)
echo "# a container's users 1000 and 1001: '$f1', '$f2'"
got="$f1|$f2"
want="entries 42 user 0 quota 0 cap 0 ss 42 | quota 1000 own 0 entries 42 default 1000 admin 0 user 42 of 50|entries 8 user 34 quota 0 cap 0 ss 42 | quota 1000 own 0 entries 8 default 1000 admin 0 user 50 of 50"
[ "$got" = "$want" ]
tap_result a_containers_users_share_its_limit $? "expected '$want'; saw '$got'"
echo "$old_user" > $params/user_max_entries
echo "$old_netns" > $params/netns_max_entries

# --- the ioctl's edges ---------------------------------------------------------
new_ns ts_q_abi || exit 1
q()
{
	in_ns ts_q_abi "$TS_READ" quota "$@" 2>&1
}
# The same, from the initial namespace through a file switched to it.
q_admin()
{
	TS_NETNS=/run/netns/ts_q_abi "$TS_READ" quota "$@" 2>&1
}
got="$(q 8 0 0 0)|$(q 40 1 5 0)|$(q 56 8 0 0)|$(q 56 3 5 0)|$(q 56 0 5 0)|$(q 56 1 9223372036854775808 0)|$(q 56 1 5 1)|$(q 56 4 0 0)"
want="error EINVAL|error EINVAL|error EINVAL|error EINVAL|error EINVAL|error EINVAL|error EINVAL|error EINVAL"
[ "$got" = "$want" ]
tap_result quota_ioctl_refuses_bad_size_flags_values $? \
	"expected (size 8, size 40, flag 8, SET|DEFAULT, a value without SET, 2^63, pad, OWN in) '$want'; saw '$got'"

# Root in ts_q_abi has CAP_NET_ADMIN in the initial user namespace, but
# is not in the initial network namespace: it may lower its quota, not
# raise it.  The admin may, through a file switched to it.
d=$old_netns
got="$(q 56 1 5 0)|$(in_ns ts_q_abi "$TS_READ" stat quota)|$(q 72 0 0 0)|$(q 56 1 none 0)|$(q 56 1 6 0)|$(q 56 2 0 0)"
want="quota 5 own 1 entries 0 default $d admin 0 user 0 of none|5|quota 5 own 1 entries 0 default $d admin 0 user 0 of none|error EPERM|error EPERM|error EPERM"
[ "$got" = "$want" ]
tap_result netns_root_in_init_userns_lowers_but_cannot_raise $? "expected '$want'; saw '$got'"

got="$(q_admin 56 1 none 0)|$(in_ns ts_q_abi "$TS_READ" stat quota)|$(q_admin 56 2 0 0)"
want="quota none own 1 entries 0 default $d admin 1 user 0 of none|none|quota $d own 0 entries 0 default $d admin 0 user 0 of none"
[ "$got" = "$want" ]
tap_result admin_from_the_initial_namespace_raises_and_resets $? "expected '$want'; saw '$got'"
ip netns del ts_q_abi

# --- a later cut of the default applies to a namespace's own quota ------------
# ts_q_c's root restrains it to today's default, 30; the admin then cuts
# the default to 10: its quota is 10, and of a workload's 42 sockets 10
# are mirrored, 32 dropped for the reason "quota".  A ceiling the admin
# set (50) stands when the default is cut again (to 5).
new_ns ts_q_c || exit 1
echo 30 > $params/netns_max_entries
c1=$(in_ns ts_q_c "$TS_READ" quota 56 1 30 0 2>&1)
echo 10 > $params/netns_max_entries
c2=$(in_ns ts_q_c "$TS_READ" stat quota)
w_c=
start_workload ts_q_c -m -e 20 -p 18270 && w_c=$workload_pid
c3="$(in_ns ts_q_c "$TS_READ" stat entries) $(in_ns ts_q_c "$TS_READ" stat drop:quota) $(in_ns ts_q_c ss -tanH | wc -l)"
stop_workload "$w_c"
got="$c1|$c2|$c3"
want="quota 30 own 1 entries 0 default 30 admin 0 user 0 of none|10|10 32 42"
[ "$got" = "$want" ]
tap_result own_quota_at_the_default_follows_a_later_cut $? \
	"expected (set 30 at default 30 | quota after the cut to 10 | entries, quota drops, ss) '$want'; saw '$got'"

c1=$(TS_NETNS=/run/netns/ts_q_c "$TS_READ" quota 56 1 50 0 2>&1 | sed 's/ entries [0-9]*//')
echo 5 > $params/netns_max_entries
c2=$(in_ns ts_q_c "$TS_READ" stat quota)
got="$c1|$c2"
want="quota 50 own 1 default 10 admin 1 user 0 of none|50"
[ "$got" = "$want" ]
tap_result admin_ceiling_stands_when_the_default_is_cut $? "expected '$want'; saw '$got'"
echo "$old_netns" > $params/netns_max_entries
ip netns del ts_q_c

# --- memory cgroups --------------------------------------------------------------
# in_cg CG CMD...: CMD in cgroup CG.
in_cg()
{
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroot/$1" "${@:2}"
}

# The entries debug_fill makes have no socket: no reconcile pass may
# remove them while they are measured (0: a pass only after a miss, and
# the one that confirms it, which the sleep below outlasts).
echo 0 > $params/reconcile_ms
mem_ok=1
if ! grep -q " $cgroot cgroup2 " /proc/mounts; then
	mount -t cgroup2 none $cgroot 2>/dev/null
fi
if grep -qw memory $cgroot/cgroup.controllers 2>/dev/null &&
	echo +memory > $cgroot/cgroup.subtree_control &&
	mkdir -p $cgroot/ts_q_ns $cgroot/ts_q_ns2 $cgroot/ts_q_work; then
	mem_ok=0
fi
# Namespaces created by processes of ts_q_ns and ts_q_ns2: their memory
# cgroups.
[ $mem_ok -eq 0 ] && in_cg ts_q_ns ip netns add ts_q_mem &&
	in_cg ts_q_ns2 ip netns add ts_q_mem2 && ip -n ts_q_mem2 link set lo up
mem_ok=$?
# The counters of memory.stat are flushed every 2 s; a CPU caches up to a
# page of them: after 2.5 s a reading is as exact as the 4 KiB per CPU.
sleep 2.5
ns0=$(slab_of ts_q_ns)
work0=$(slab_of ts_q_work)
# 2000 entries without a socket, written by a process of ts_q_work: each
# is a 96 byte object (104 charged, with its pointer to the cgroup; 160
# in RT mode), with no owner.
# Lower bound: 2000 * 96 less 8 KiB per CPU of cached counts (16 KiB on
# this 2-CPU guest, 32 KiB to be safe); the writer's own slab, freed when
# it exits, must stay below a quarter of that in ts_q_work.
[ $mem_ok -eq 0 ] && in_cg ts_q_work nsenter --net=/run/netns/ts_q_mem \
	sh -c "echo 2000 > $params/debug_fill"
low=$((2000 * 96 - 32768))
# grown: ts_q_ns's slab grew by $low since $base.
grown()
{
	[ $(($(slab_of ts_q_ns) - base)) -ge $low ]
}
base=$ns0
wait_for 100 grown
sleep 2.5
ns1=$(slab_of ts_q_ns)
work1=$(slab_of ts_q_work)
echo "# 2000 entries without a socket: ts_q_ns slab +$((ns1 - ns0)) bytes ($(( (ns1 - ns0) / 2000 )) per entry), ts_q_work +$((work1 - work0))"
[ $mem_ok -eq 0 ] && [ $((ns1 - ns0)) -ge $low ] && [ $((work1 - work0)) -lt $((low / 4)) ]
tap_result entries_without_socket_charged_to_the_namespace_creator $? \
	"expected ts_q_ns slab +$low bytes or more, ts_q_work less than +$((low / 4)); saw +$((ns1 - ns0)), +$((work1 - work0)) (memory cgroups usable: $mem_ok)"

# The next namespace's creator is another cgroup: whatever becomes of the
# 2000 (a pass after a miss would remove them) is not measured there.
b0=$(slab_of ts_q_ns2)
work1=$(slab_of ts_q_work)

# 500 connected pairs made by a process of ts_q_work, in the namespace
# ts_q_ns2 made: all 1002 entries go to the sockets' cgroup, ts_q_work,
# the 500 server ends too, which are born as request sockets with no
# memory cgroup of their own: their listener's pays.  ts_q_ns2 pays only
# for its table: the buckets it grows to, 1024 of 8 bytes, a 16 KiB
# allocation, and the smaller ones before it until a grace period has
# passed (16 KiB more at most), and the cached counts (8 KiB): at most
# 40 KiB, 48 KiB with 8 to spare, where the 500 request entries charged
# there would add at least 500 * 96 - 8 KiB to the 16 KiB of buckets.
# The entries share a few owners (40 bytes each) between them.
w_mem=
if [ $mem_ok -eq 0 ]; then
	in_cg ts_q_work nsenter --net=/run/netns/ts_q_mem2 "$TCP_WORKLOAD" -e 500 -p 18230 \
		> "$out/mem.out" 2>&1 &
	w_mem=$!
	wait_for 600 grep -q ready "$out/mem.out"
fi
low=$((1002 * 96 - 32768))
high=49152
grown2()
{
	[ $(($(slab_of ts_q_work) - work1)) -ge $low ]
}
wait_for 100 grown2
sleep 2.5
b1=$(slab_of ts_q_ns2)
work2=$(slab_of ts_q_work)
entries=$(in_ns ts_q_mem2 "$TS_READ" stat entries)
echo "# 500 pairs: $entries entries, ts_q_ns2 slab +$((b1 - b0)) bytes, ts_q_work +$((work2 - work1))"
[ $mem_ok -eq 0 ] && [ "$entries" = 1002 ] &&
	[ $((b1 - b0)) -le $high ] && [ $((work2 - work1)) -ge $low ]
tap_result socket_entries_charged_to_the_socket_cgroup $? \
	"expected 1002 entries, ts_q_ns2 slab at most +$high, ts_q_work +$low or more; saw $entries, +$((b1 - b0)), +$((work2 - work1))"
stop_workload "$w_mem"
w_mem=

# --- a memory cgroup at its limit --------------------------------------------------
# ts_q_lim creates ts_q_lim, then gets 64 KiB of room (its per-CPU stock
# of charges drained first by a limit below its use): 2000 entries of
# debug_fill, charged there and written by a process of ts_q_work, do
# not fit.  Each is mirrored or dropped for the reason "nomem", and
# memory.current never passes memory.max: no charge is forced past it.
lim_ok=1
if [ $mem_ok -eq 0 ] && mkdir -p $cgroot/ts_q_lim &&
	in_cg ts_q_lim ip netns add ts_q_lim; then
	echo 0 > $cgroot/ts_q_lim/memory.max
	sleep 1
	echo $(($(cat $cgroot/ts_q_lim/memory.current) + 65536)) > $cgroot/ts_q_lim/memory.max &&
		in_cg ts_q_work nsenter --net=/run/netns/ts_q_lim \
		sh -c "echo 2000 > $params/debug_fill"
	lim_ok=$?
fi
entries=$(in_ns ts_q_lim "$TS_READ" stat entries 2>/dev/null)
nomem=$(in_ns ts_q_lim "$TS_READ" stat drop:nomem 2>/dev/null)
cur=$(cat $cgroot/ts_q_lim/memory.current 2>/dev/null)
max=$(cat $cgroot/ts_q_lim/memory.max 2>/dev/null)
echo "# memory.max 64 KiB above use: $entries entries, $nomem nomem drops, memory.current $cur, memory.max $max"
[ $lim_ok -eq 0 ] && [ $((entries + nomem)) -eq 2000 ] && [ "$entries" -gt 0 ] &&
	[ "$nomem" -gt 0 ] && [ "$cur" -le "$max" ]
tap_result memcg_at_its_limit_drops_for_nomem_never_past_it $? \
	"expected entries + nomem drops = 2000, both more than 0, memory.current <= memory.max; saw $entries + $nomem, $cur <= $max (usable: $lim_ok)"
ip netns del ts_q_lim

# --- a child whose request found no room -----------------------------------
# In ts_q_late, with a quota of 1 (netns_max_entries) that its IPv4
# listener takes, its IPv6 listener, a connection's client and its request
# are dropped for the reason "quota".  netem delays every segment on lo by a second: once the request
# shows in SYN-RECV, the quota is raised, and a second later the client,
# then a second after that the server's child, leave their SYN states
# with the cookies the hooks gave them but no entry.  The child makes its
# entry then, uncounted (as after a request the kernel freed first); the
# client's is not made at SYN-SENT -> ESTABLISHED, and no reconcile pass
# (reconcile_ms 0, no miss) adds it meanwhile.
w_late=
late_ok=1
# No reconcile pass may run meanwhile, or it would add what the case
# leaves out: the nomem drops above count as misses, and passes follow
# them a second apart while each finds differences.  Until none has run
# for 3 s.
passes=$("$TS_READ" stat reconcile_passes)
still=0
for i in $(seq 600); do
	sleep 0.1
	now=$("$TS_READ" stat reconcile_passes)
	if [ "$now" != "$passes" ]; then
		passes=$now
		still=0
	elif [ $((still += 1)) -ge 30 ]; then
		break
	fi
done
echo 1 > $params/netns_max_entries
if new_ns ts_q_late && in_ns ts_q_late tc qdisc add dev lo root netem delay 1s; then
	in_ns ts_q_late "$TCP_WORKLOAD" -e 1 -p 18300 > "$out/late" 2>&1 &
	w_late=$!
	for i in $(seq 100); do
		[ -n "$(in_ns ts_q_late ss -tanH state syn-recv)" ] && break
		sleep 0.1
	done
	echo "$old_netns" > $params/netns_max_entries
	for i in $(seq 100); do
		grep -q ready "$out/late" && break
		sleep 0.1
	done
	grep -q ready "$out/late"
	late_ok=$?
fi
echo "$old_netns" > $params/netns_max_entries
got="entries $(in_ns ts_q_late "$TS_READ" stat entries 2>/dev/null)"
got="$got quota $(in_ns ts_q_late "$TS_READ" stat drop:quota 2>/dev/null)"
got="$got estab $(in_ns ts_q_late ss -tanH state established | wc -l)"
got="$got passes +$(($("$TS_READ" stat reconcile_passes) - passes))"
echo "# a child whose request had no room: $got"
[ $late_ok -eq 0 ] && [ "$got" = "entries 2 quota 3 estab 2 passes +0" ]
tap_result child_of_a_dropped_request_makes_its_entry $? \
	"expected the pair established, entries 2 (the IPv4 listener, the child), quota 3 (the IPv6 listener, the client, the request), estab 2, no reconcile pass; saw ready $late_ok, $got"
stop_workload "$w_late"
w_late=
ip netns del ts_q_late

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
