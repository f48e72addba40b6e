#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, creates /dev/tcpstate as a character device, unloads,
# removes it again, and survives 20 load/unload cycles without a kernel
# report.  It places every hook on this kernel (hooks_missing empty); one
# it may not place (debug_skip_hook) is named with what is lost, in the
# parameter and in `tcpstate summary`, an ftrace hook and a kprobe alike;
# one with an alternative, only on a kernel that has its function.  A
# read-only parameter, or debug_fill, given at load is refused, and no
# kernel report.
# Leaves the module loaded if it was loaded before.
. "$(dirname "$0")/lib.sh"

require_root_and_module
tap_plan 9

was_loaded=0
if module_loaded; then
	was_loaded=1
	rmmod tcpstate || { echo "# cannot unload the loaded module"; exit 1; }
fi
reports_before=$(kernel_reports | wc -l)

# reload ARGS...: the module unloaded and loaded again with ARGS; on
# failure, why says which step failed.
reload()
{
	! module_loaded || rmmod tcpstate ||
		{ why="rmmod failed (status $?)"; return 1; }
	insmod "$TCPSTATE_KO" "$@" || { why="insmod $* failed (status $?)"; return 1; }
}

insmod "$TCPSTATE_KO"
if [ -c "$TCPSTATE_DEV" ]; then
	tap_result device_node_exists_after_insmod 0
else
	tap_result device_node_exists_after_insmod 1 "expected a character device at $TCPSTATE_DEV, saw: $(ls -l $TCPSTATE_DEV 2>&1)"
fi

missing=$(cat /sys/module/tcpstate/parameters/hooks_missing)
[ -z "$missing" ]
tap_result every_hook_placed_on_this_kernel $? "hooks_missing: $(echo "$missing" | tr '\n' '|')"

if reload debug_skip_hook=security_sock_graft; then
	missing=$(cat /sys/module/tcpstate/parameters/hooks_missing)
	text=$("$TCPSTATE_CLI" summary | sed -n '/^not hooked on this kernel:/,/^[^ ]/p' | head -n 2)
	if command -v jq > /dev/null; then
		json=$("$TCPSTATE_CLI" -j summary | jq -c '[.hooks_missing[] | .symbol]')
	else
		json="not read (needs jq)"
	fi
	[ "$(printf '%s\n' "$missing" | grep -c .)" -eq 1 ] &&
		echo "$missing" | grep -q "^security_sock_graft: .*listener's process" &&
		echo "$text" | grep -q "^  security_sock_graft  .*listener's process" &&
		[ "$json" = '["security_sock_graft"]' ]
	tap_result a_hook_not_placed_is_named_with_what_is_lost $? \
		"hooks_missing '$(echo "$missing" | tr '\n' '|')', summary text '$(echo "$text" | tr '\n' '|')', JSON $json"
else
	tap_result a_hook_not_placed_is_named_with_what_is_lost 1 "$why"
fi

if reload debug_skip_hook=inet_csk_get_port; then
	missing=$(cat /sys/module/tcpstate/parameters/hooks_missing)
	[ "$(printf '%s\n' "$missing" | grep -c .)" -eq 1 ] &&
		echo "$missing" | grep -q "^inet_csk_get_port: bind() to port 0 failing for lack of a port"
	tap_result a_kprobe_not_placed_is_named_too $? "hooks_missing '$(echo "$missing" | tr '\n' '|')'"
else
	tap_result a_kprobe_not_placed_is_named_too 1 "$why"
fi

# The read-only parameters, given at load: refused (the kernel calls a
# parameter's set for them; without one it would jump to address 0), and
# debug_fill, which would fill tables that do not exist yet.
# debug_shared_owners exists outside RT mode only: elsewhere it is an
# unknown parameter, which the kernel ignores.
ro_bad=0
ro_why=
ro_params="hooks_missing debug_fill"
if ! reload; then
	ro_bad=1
	ro_why=" $why;"
elif [ "$(cat /sys/module/tcpstate/parameters/rt_mode)" = N ]; then
	ro_params="$ro_params debug_shared_owners"
fi
for p in $ro_params; do
	! module_loaded || rmmod tcpstate || { ro_bad=1; ro_why="$ro_why rmmod failed;"; }
	if insmod "$TCPSTATE_KO" $p=1 2> /dev/null || module_loaded; then
		ro_bad=1
		ro_why="$ro_why insmod $p=1 loaded the module;"
	fi
done
insmod "$TCPSTATE_KO" || { ro_bad=1; ro_why="$ro_why insmod without parameters failed;"; }
[ $ro_bad -eq 0 ] && [ "$(kernel_reports | wc -l)" -eq "$reports_before" ]
tap_result load_time_values_refused_for_run_time_parameters $? \
	"tried $ro_params:$ro_why $(($(kernel_reports | wc -l) - reports_before)) new kernel reports: $(kernel_reports | tail -n 1)"

# inet_twsk_hashdance_schedule exists from 6.11; before, the hook on
# __inet_twsk_schedule sees all it would, and its absence loses nothing.
# Refused where the kernel has it, it is named; where it lacks it, not.
if awk '$3 == "inet_twsk_hashdance_schedule" { f = 1 } END { exit !f }' /proc/kallsyms; then
	has=yes
	want="inet_twsk_hashdance_schedule: TIME-WAIT entries may go unseen (6.11+ may inline __inet_twsk_schedule here)"
else
	has=no
	want=
fi
if reload debug_skip_hook=inet_twsk_hashdance_schedule; then
	missing=$(cat /sys/module/tcpstate/parameters/hooks_missing)
	[ "$missing" = "$want" ]
	tap_result an_alternative_hook_is_named_where_the_kernel_has_it $? \
		"$(uname -r) has inet_twsk_hashdance_schedule: $has; expected hooks_missing '$want', saw '$(echo "$missing" | tr '\n' '|')'"
else
	tap_result an_alternative_hook_is_named_where_the_kernel_has_it 1 "$why"
fi

# Still without it, the hook on __inet_twsk_schedule makes the TIME-WAIT
# entries: where the hashdance hook is placed (6.11+) it leaves them to
# that one, and here it must not.  Five client-closed connections: five
# TIME-WAITs in ss and in the module, with no miss and no correction by
# the reconcile pass (its period is 10 s; this looks at once).
ns=lifecycle_tw
tw_counts()
{
	ss_tw=$(in_ns $ns ss -tanH state time-wait | wc -l)
	mod_tw=$(in_ns $ns "$TS_READ" stat timewait_socks)
	[ "$ss_tw" -eq 5 ] && [ "$mod_tw" -eq 5 ]
}
if module_loaded && new_ns $ns && keep_timewaits $ns &&
	in_ns $ns "$TCP_WORKLOAD" -t 5 -x > /dev/null; then
	wait_for 50 tw_counts
	rc=$?
	fixed=$(in_ns $ns "$TS_READ" stat reconcile)
	missed=$(in_ns $ns "$TS_READ" stat miss:tw_enter)
	[ $rc -eq 0 ] && [ "$fixed" = 0 ] && [ "$missed" = 0 ]
	tap_result timewait_seen_without_the_hashdance_hook $? \
		"$(uname -r), hashdance hook refused: TIME-WAIT in ss $ss_tw, in the module $mod_tw (expected 5 and 5), reconcile corrections $fixed, tw_enter misses $missed (expected 0)"
else
	tap_result timewait_seen_without_the_hashdance_hook 1 \
		"no module loaded without the hashdance hook, or the workload failed: $why"
fi
ip netns del $ns 2> /dev/null

rmmod tcpstate
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$TCPSTATE_DEV" ] && ! module_loaded; then
	tap_result device_node_gone_after_rmmod 0
else
	tap_result device_node_gone_after_rmmod 1 "expected rmmod to succeed, no $TCPSTATE_DEV and no module, saw: rmmod status $rc; $(ls -l $TCPSTATE_DEV 2>&1); $(grep '^tcpstate ' /proc/modules)"
fi

bad=0
why=
i=1
while [ $i -le 20 ]; do
	if ! insmod "$TCPSTATE_KO"; then
		bad=1; why="insmod failed in cycle $i"; break
	fi
	if [ ! -c "$TCPSTATE_DEV" ]; then
		bad=1; why="no $TCPSTATE_DEV in cycle $i"; break
	fi
	if ! rmmod tcpstate; then
		bad=1; why="rmmod failed in cycle $i"; break
	fi
	i=$((i + 1))
done
reports_after=$(kernel_reports | wc -l)
if [ $bad -eq 0 ] && [ "$reports_after" -ne "$reports_before" ]; then
	bad=1
	why="expected no new kernel reports, saw $((reports_after - reports_before)): $(kernel_reports | tail -n 1)"
fi
tap_result twenty_load_unload_cycles_leave_no_kernel_report $bad "$why"

if [ $was_loaded -eq 1 ] && ! module_loaded; then
	insmod "$TCPSTATE_KO"
fi
tap_exit
