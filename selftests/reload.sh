#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeding and reload under load:
#  - sockets in every state but CLOSING (LISTEN, SYN-SENT, SYN-RECV
#    request sockets, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 full and
#    timewait, CLOSE-WAIT, LAST-ACK, TIME-WAIT on either side), created
#    before insmod, are in the table after it: counts equal ss;
#  - with 10,000 TIME-WAIT and live connections, rmmod leaves the kernel's
#    sockets as they were, and after insmod the counts equal ss again.
# Leaves the module loaded as it found it.
. "$(dirname "$0")/lib.sh"

require_root_and_module
tap_plan 5

was_loaded=0
module_loaded && was_loaded=1

cleanup()
{
	stop_workload "$w_init"
	stop_workload "$w"
	ip netns del ts_seed 2>/dev/null
	ip netns del ts_load 2>/dev/null
	if [ $was_loaded -eq 1 ]; then
		module_loaded || insmod "$TCPSTATE_KO"
	fi
}
trap cleanup EXIT

module_loaded && rmmod tcpstate

# Seeding: everything exists before the module does, in every state a
# workload can hold still (all but CLOSING, which lasts one round trip).
new_ns ts_seed || exit 1
start_workload ts_seed -m -t 200 -T 20 -e 30 -w 10 -o 10 -s 5 -r 6 -L 4
w=$workload_pid
# And some in the initial namespace, so that its check is not vacuous;
# none that outlive the workload (no TIME-WAIT), which would move the
# module-wide baselines of the tests after this one.
start_workload "" -p 8100 -s 3
w_init=$workload_pid
insmod "$TCPSTATE_KO" || exit 1
counts_match ts_seed
tap_result sockets_in_every_state_before_insmod_are_seeded $? "$counts_why"
counts_match ""
tap_result init_namespace_is_seeded_too $? "$counts_why"
stop_workload "$w_init"
stop_workload "$w"
# Orphans on the lossy lo would keep retrying (and the namespace alive)
# for minutes: lift the loss and abort what is still half-closed.
ip netns exec ts_seed tc qdisc del dev lo root
ip netns exec ts_seed ss -K state fin-wait-1 state last-ack state syn-recv > /dev/null
ip netns del ts_seed

# Reload under load.
new_ns ts_load || exit 1
ip netns exec ts_load sysctl -qw net.ipv4.tcp_max_tw_buckets=65536
start_workload ts_load -m -t 9000 -e 500 -w 250 -o 250
w=$workload_pid
counts_match ts_load
tap_result ten_thousand_connections_counted_before_rmmod $? "$counts_why"

# Untouched: every state as before, but TIME-WAIT, whose timers may run
# out meanwhile on a slow kernel, and which may then only fall.
before=$(ss_counts ts_load)
rmmod tcpstate
after=$(ss_counts ts_load)
if [ "$(echo "$before" | grep -v TIME-WAIT)" = "$(echo "$after" | grep -v TIME-WAIT)" ] &&
   within "$before" "$(echo "$before" | grep -v TIME-WAIT)" "$after"; then
	tap_result rmmod_leaves_kernel_sockets_untouched 0
else
	tap_result rmmod_leaves_kernel_sockets_untouched 1 \
		"ss before: $(echo $before) | after: $(echo $after)"
fi

insmod "$TCPSTATE_KO" || exit 1
counts_match ts_load
tap_result counts_equal_ss_again_after_insmod $? "$counts_why"
tap_exit
