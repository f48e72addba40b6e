#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzzer (fuzz.c) on /dev/tcpstate: random ioctls, reads, polls, opens
# and closes racing each other from 4 threads, with random sizes, pointers
# and namespace files, as root, as nobody (holding files of namespaces it
# may not see), and as nobody in a user and network namespace of its own.
# Each run must keep every promise of the interface (fuzz.c checks the
# errnos and the refusals); afterwards the module must still mirror a
# known workload exactly as `ss -tan` shows it, no file may be left open,
# and the kernel must have reported nothing.
#
# FUZZ_SECONDS (default 45) is the fuzzing time of the three runs together,
# FUZZ_SEED (default random) the seed of the first (the others take the
# next ones), FUZZ_THREADS the threads per run (default 4).  A longer run:
#   make check FUZZ_SECONDS=600 SELFTESTS=fuzz.sh
#   scripts/vm-run.sh -- env FUZZ_SECONDS=600 scripts/run-selftests.sh fuzz.sh
# (the runner stops a test after the timeout in selftests/settings, 900 s;
# for more, run selftests/fuzz.sh itself in the VM after an insmod).
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
command -v setpriv > /dev/null || { echo "# SKIP: needs setpriv"; exit $ksft_skip; }
tap_plan 7

FUZZ=$selftests_dir/fuzz
seconds=${FUZZ_SECONDS:-45}
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
threads=${FUZZ_THREADS:-4}
ns=ts_fuzz
after=ts_fuzz_after
out=$(mktemp -d)

cleanup()
{
	stop_workload "$w_ns"
	stop_workload "$w_after"
	ip netns del $ns 2>/dev/null
	ip netns del $after 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT

echo "# seed $seed (FUZZ_SEED=$seed repeats this run), $seconds s, $threads threads"
reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
# Something in the other namespace's table for snapshots to copy.
start_workload $ns -p 18140 -e 5 -w 2 || exit 1
w_ns=$workload_pid

# fuzz_run NAME SECONDS SEED ARGS...: runs the fuzzer, shows its report
# and sets why; succeeds when it exited 0 after a thousand calls or more.
fuzz_run()
{
	local name=$1 secs=$2 s=$3 rc calls

	shift 3
	"$FUZZ" -s "$s" -d "$secs" -t "$threads" "$@" > "$out/$name" 2>&1
	rc=$?
	sed -e 's/^\([^#]\)/# \1/' "$out/$name"
	calls=$(sed -n 's/^calls //p' "$out/$name")
	why="expected exit 0 after 1000 calls or more; saw exit $rc after ${calls:-no} calls (seed $s): $(grep -m1 -E 'VIOLATION|fuzz:' "$out/$name")"
	[ "$rc" -eq 0 ] && [ "${calls:-0}" -ge 1000 ]
}

fuzz_run root $((seconds * 2 / 5)) "$seed" -n /run/netns/$ns
tap_result fuzz_as_root $? "$why"

# Files of the initial namespace and of $ns, opened as root, then uid
# nobody: neither may be selected.
fuzz_run nobody $((seconds * 3 / 10)) $((seed + 1)) \
	-n /proc/self/ns/net -n /run/netns/$ns -u 65534
tap_result fuzz_as_nobody_refused_what_it_may_not_see $? "$why"

fuzz_run userns $((seconds * 3 / 10)) $((seed + 2)) \
	-n /proc/self/ns/net -n /run/netns/$ns -u 65534 -U
tap_result fuzz_in_a_user_namespace_sees_its_own_only $? "$why"

stop_workload "$w_ns"
w_ns=

# The module still works: a known workload is mirrored exactly, and so is
# the initial namespace the fuzzer's connections went through.
new_ns $after || exit 1
start_workload $after -m -t 300 -T 30 -e 30 -w 10 -o 10 -s 5
tap_result workload_after_the_fuzz_ready $? "tcp_workload failed"
w_after=$workload_pid
counts_match $after
tap_result module_mirrors_a_new_namespace_exactly $? "$counts_why"
counts_match ""
tap_result module_mirrors_the_initial_namespace_exactly $? "$counts_why"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 1)"
tap_exit
