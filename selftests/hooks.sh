#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How the module attaches, which decides whether a hook can miss.  The
# timewait and request hooks are ftrace callbacks, not kprobes: a kprobe
# hit while another kprobe's handler runs on the same CPU is dropped, and
# that lost timewait hand-offs under load (6 to 14 of 10,000 connections
# in reload.sh).  Only bind()'s port hook, which needs a return value, is
# a kretprobe: connect()'s connection is born at the entry of
# tcp_fastopen_defer_connect(), once it has its port.  The ftrace ops are permanent: ftrace cannot be switched off
# under them.  And from a load on, a workload of every kind misses nothing.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
tap_plan 4

kprobes=/sys/kernel/debug/kprobes/list
enabled=/sys/kernel/tracing/enabled_functions

# Entry hooks: on ftrace, with our callback; none is a kprobe.
ftrace_hooks="__inet_twsk_schedule inet_twsk_kill tcp_timewait_state_process
inet_csk_reqsk_queue_hash_add inet_csk_complete_hashdance tcp_v4_reqsk_destructor
tcp_v6_reqsk_destructor tcp_fastopen_defer_connect security_sock_graft"
missing=
as_kprobe=
for f in $ftrace_hooks; do
	grep -E "^$f(\+0x0)? .*tcpstate_fhook_call" "$enabled" > /dev/null || missing="$missing $f"
	grep -E "[[:space:]]$f\+0x[0-9a-f]+[[:space:]]" "$kprobes" > /dev/null && as_kprobe="$as_kprobe $f"
done
[ -z "$missing$as_kprobe" ]
tap_result entry_hooks_are_ftrace_callbacks_not_kprobes $? \
	"expected 9 functions with tcpstate_fhook_call in $enabled and none in $kprobes; not on ftrace:${missing:- none}; kprobes:${as_kprobe:- none}"

# Return probes only where a return value is needed (at +0x4 past the
# ENDBR of kernels built with IBT, 6.12).  The list names the
# probed function, not the module that placed it: in the test VM every
# probe is ours.
krps=$(grep -cE '^[0-9a-f]+ +r +inet_csk_get_port\+0x[0-9a-f]+' "$kprobes")
all=$(wc -l < "$kprobes")
[ "$krps" -eq 1 ] && [ "$all" -eq 1 ]
tap_result only_the_bind_port_hook_is_a_kretprobe $? \
	"expected 1 kretprobe (inet_csk_get_port) and nothing else; saw $krps of $all: $(awk '{ print $2, $3 }' "$kprobes" | tr '\n' ' ')"

# sysctl kernel.ftrace_enabled=0 would silence every ftrace hook.
before=$(cat /proc/sys/kernel/ftrace_enabled)
err=$(sysctl -qw kernel.ftrace_enabled=0 2>&1)
after=$(cat /proc/sys/kernel/ftrace_enabled)
echo "$before" > /proc/sys/kernel/ftrace_enabled 2>/dev/null
[ "$before" = 1 ] && [ "$after" = 1 ] && [ -n "$err" ]
tap_result ftrace_cannot_be_switched_off_under_the_hooks $? \
	"expected kernel.ftrace_enabled to stay 1 and the write to fail; was $before, then $after, error '$err'"

# And nothing missed, from the load on, under a workload of every kind
# (both sides' TIME-WAITs, resets, closes with data unread, half-closed
# and established pairs, IPv4 and IPv6).  The module is loaded afresh
# first: a test before this one may have made misses on purpose
# (debug_miss_every), and the miss counters only start again at a load.
why=
if ! { rmmod tcpstate && insmod "$TCPSTATE_KO"; }; then
	why="could not load the module afresh"
elif ! new_ns ts_hooks; then
	why="could not make namespace ts_hooks"
else
	in_ns ts_hooks "$TCP_WORKLOAD" -x -m -p 7700 -t 20 -T 10 -c 5 -k 6 -e 4 -w 4 \
		> /dev/null 2>&1 || why="the workload failed;"
	changes=$(in_ns ts_hooks "$TS_READ" stat transitions)
	total=$("$TS_READ" stat misses)
	ip netns del ts_hooks
	[ "${changes:-0}" -gt 100 ] || why="$why only ${changes:-no} state changes counted, expected over 100;"
	[ "$total" = 0 ] || why="$why expected 0 misses, saw: $(misses_now)"
fi
[ -z "$why" ]
tap_result no_miss_since_load $? "$why"
tap_exit
