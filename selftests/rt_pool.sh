#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RT mode (issue 12): on PREEMPT_RT kernels the hooks run with preemption
# off, where allocating, charging a memory cgroup and freeing take
# sleeping locks.  There (or with a module built with `make module
# RT_MODE=1`, on any kernel) the module says so (rt_mode=Y), and:
#  - pool_per_cpu outside 1..4096 is refused at load, with one line;
#  - a hook's entry comes from the pool, charged to no one, and is charged
#    to the socket's memory cgroup later, by a work item
#    (debug_lease_delay_ms holds it back): the cgroup's slab grows by the
#    entries' size once the leases are done, the connections untouched;
#  - an empty pool (pool_per_cpu=1 and a burst) drops connections for the
#    reason "nomem", counts alloc misses, and the reconcile pass brings
#    the table back to ss;
#  - a namespace deleted, and the module unloaded, while leases are
#    pending leave no entry behind: kmem_cache_destroy() would warn (and
#    the guest, with panic_on_warn, panic) at the unload below;
#  - under a lockdep kernel, lockdep is still on at the end;
#  - no kernel report.
# A module that is not in RT mode passes only where the kernel is not
# PREEMPT_RT: the rest needs RT mode.
. "$(dirname "$0")/lib.sh"

require_root_and_module

params=/sys/module/tcpstate/parameters
cgroot=/sys/fs/cgroup
reports_before=$(kernel_reports | wc -l)

reload()
{
	! module_loaded || rmmod tcpstate || return 1
	insmod "$TCPSTATE_KO" "$@"
}

cleanup()
{
	local ns

	for ns in ts_rt_pool ts_rt_charge ts_rt_exit ts_rt_rm; do
		ip netns del $ns 2>/dev/null
	done
	[ -n "${w:-}" ] && stop_workload "$w"
	rmdir $cgroot/ts_rt_work 2>/dev/null
	# The next test gets the module as the runner loaded it.
	reload > /dev/null 2>&1
}
trap cleanup EXIT

module_loaded || insmod "$TCPSTATE_KO" || exit 1
rt_kernel=0
[ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] && rt_kernel=1
rt=$(cat $params/rt_mode 2>/dev/null)
if [ "$rt" != Y ]; then
	tap_plan 1
	[ "$rt" = N ] && [ $rt_kernel -eq 0 ]
	tap_result rt_mode_is_on_for_preempt_rt_kernels $? \
		"expected rt_mode N on a kernel without PREEMPT_RT; saw rt_mode '$rt', /sys/kernel/realtime: $rt_kernel"
	echo "# not in RT mode: the pool is not used (build with make module RT_MODE=1)"
	tap_exit
fi
lockdep=0
[ -r /proc/lockdep_stats ] && lockdep=1
tap_plan $((7 + lockdep))
tap_result rt_mode_is_on_for_preempt_rt_kernels 0

# --- pool_per_cpu at load ----------------------------------------------------
why=
for n in 0 4097; do
	if reload pool_per_cpu=$n 2> /dev/null; then
		why="${why}pool_per_cpu=$n loaded; "
	elif ! dmesg | tail -n 5 | grep -q "tcpstate: pool_per_cpu=$n is out of range 1..4096"; then
		why="${why}no kernel line for pool_per_cpu=$n: $(dmesg | tail -n 1); "
	fi
done
reload || exit 1
[ -z "$why" ]
tap_result pool_per_cpu_out_of_range_refused $? "$why"

# --- charged later, to the socket's memory cgroup ----------------------------
cg_ok=1
if cgroup2_mounted && grep -qw memory $cgroot/cgroup.controllers &&
	echo +memory > $cgroot/cgroup.subtree_control && mkdir -p $cgroot/ts_rt_work; then
	cg_ok=0
fi

ready_or_gone()
{
	grep -q ready "$1" || ! kill -0 $w 2> /dev/null
}

# start_in_cg NS ARGS...: tcp_workload ARGS in namespace NS and cgroup
# ts_rt_work, until stop_workload $w; waits for "ready".
start_in_cg()
{
	local ns=$1 out

	shift
	out=$(mktemp)
	sh -c 'echo $$ > "$0/cgroup.procs" && n=$1 && shift && exec nsenter --net=/run/netns/"$n" "$@"' \
		$cgroot/ts_rt_work "$ns" "$TCP_WORKLOAD" "$@" > "$out" 2>&1 &
	w=$!
	wait_for 600 ready_or_gone "$out"
	grep -q ready "$out"
	local rc=$?
	[ $rc -eq 0 ] || sed 's/^/# workload: /' "$out"
	rm -f "$out"
	return $rc
}

# 300 pairs held in ts_rt_work while the leases wait 30 s: 600 entries
# (and 2 listeners) charged to no one.  Their sockets are charged as they
# are made; once they are all made nothing else changes in that cgroup
# but the leases' copies: 600 objects of at least 128 bytes, less 8 KiB
# per CPU of cached counts (memory.stat is flushed every 2 s: read after
# 2.5 s).
echo 30000 > $params/debug_lease_delay_ms
new_ns ts_rt_charge
before=
after=
if [ $cg_ok -eq 0 ] && start_in_cg ts_rt_charge -e 300 -p 18300; then
	sleep 2.5
	before=$(slab_of ts_rt_work)
	low=$((600 * 128 - 16384))
	charged()
	{
		[ $(($(slab_of ts_rt_work) - before)) -ge $low ]
	}
	wait_for 600 charged
	sleep 2.5
	after=$(slab_of ts_rt_work)
fi
entries=$(in_ns ts_rt_charge "$TS_READ" stat entries)
echo "# 300 pairs, leases held 30 s: slab of their cgroup $before, then $after (+$((after - before)))"
[ $cg_ok -eq 0 ] && [ -n "$after" ] && [ $((after - before)) -ge $low ] && [ "$entries" = 602 ]
tap_result leased_entries_charged_to_the_socket_cgroup_later $? \
	"expected 602 entries, and the cgroup's slab +$low bytes or more after the leases; saw $entries entries, $before then $after (memory cgroups usable: $cg_ok)"
stop_workload "$w"
w=
ip netns del ts_rt_charge
echo 0 > $params/debug_lease_delay_ms

# --- an empty pool -------------------------------------------------------------
# One entry per CPU, not topped up while the burst runs (debug_pool_hold):
# a connect() needs one for each end at once.  Topped up, the refill on
# another CPU could keep pace with a burst slowed by a busy host, and
# nothing would be dropped (a CI run saw 0 and 0 once).
reload pool_per_cpu=1 reconcile_ms=1000 || exit 1
misses0=$("$TS_READ" stat miss:alloc)
new_ns ts_rt_pool
echo 1 > $params/debug_pool_hold
start_workload ts_rt_pool -e 100 -t 50 -p 18310 && w=$workload_pid
nomem=$(in_ns ts_rt_pool "$TS_READ" stat drop:nomem)
misses=$(($("$TS_READ" stat miss:alloc) - misses0))
echo 0 > $params/debug_pool_hold
counts_match_within ts_rt_pool 30
rc=$?
echo "# pool of 1 per CPU: $nomem nomem drops, $misses alloc misses; $counts_why"
[ -n "$w" ] && [ $rc -eq 0 ] && [ "$nomem" -gt 0 ] && [ "$misses" -gt 0 ]
tap_result empty_pool_drops_for_nomem_and_reconcile_heals $? \
	"expected nomem drops and alloc misses, then counts equal to ss; saw $nomem, $misses; $counts_why"
[ -n "$w" ] && stop_workload "$w"
w=
ip netns del ts_rt_pool

# --- leases pending when their namespace goes ---------------------------------
reload || exit 1
echo 20000 > $params/debug_lease_delay_ms
all0=$("$TS_READ" stat all_entries)
new_ns ts_rt_exit
ok=1
if [ $cg_ok -eq 0 ] && start_in_cg ts_rt_exit -t 100 -e 20 -p 18320; then
	ok=0
	stop_workload "$w"
	w=
fi
tw=$(in_ns ts_rt_exit "$TS_READ" stat timewait_socks)
ip netns del ts_rt_exit
gone()
{
	[ "$("$TS_READ" stat all_entries)" -le "$all0" ]
}
wait_for 1200 gone
left=$(($("$TS_READ" stat all_entries) - all0))
[ $ok -eq 0 ] && [ "$tw" -ge 100 ] && [ "$left" -le 0 ]
tap_result namespace_deleted_with_leases_pending $? \
	"expected 100 TIME-WAITs or more, then no entry left once the namespace is gone; saw $tw, $left left"

# --- leases pending at unload ----------------------------------------------------
echo 60000 > $params/debug_lease_delay_ms
new_ns ts_rt_rm
ok=1
if [ $cg_ok -eq 0 ] && start_in_cg ts_rt_rm -e 50 -p 18330; then
	entries=$(in_ns ts_rt_rm "$TS_READ" stat entries)
	start=$(date +%s)
	rmmod tcpstate && ok=0
	took=$(($(date +%s) - start))
fi
echo "# rmmod with $entries entries leased: status $ok after ${took:-?} s"
[ $ok -eq 0 ] && [ "$entries" = 102 ] && [ "$took" -lt 30 ]
tap_result unload_with_leases_pending $? \
	"expected 102 entries, then rmmod at once (not after the 60 s delay); saw $entries, status $ok after ${took:-?} s"
[ -n "${w:-}" ] && stop_workload "$w"
w=
ip netns del ts_rt_rm
reload || exit 1

# Under a lockdep kernel (scripts/debug-kernel.sh raw-lock), lockdep is
# still on: its first report would have turned it off, and any later
# sleeping lock in a hook would have gone unseen.
if [ $lockdep -eq 1 ]; then
	on=$(awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats)
	[ "$on" = 1 ]
	tap_result lockdep_still_checking $? "expected debug_locks 1 in /proc/lockdep_stats; saw '$on'"
fi

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
