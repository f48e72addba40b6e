#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-all: the suite on every kernel a Debian 12 host may run the
# module on, two at a time:
#   6.1       bookworm's kernel: the whole of `make check` (host checks,
#             every kselftest, then the packages, which DKMS builds and
#             boots on every kernel installed here, the ones below too)
#   6.1-rt    bookworm's PREEMPT_RT flavour
#   6.12      bookworm-backports' kernel
#   6.12-rt   its PREEMPT_RT flavour
#   debug     6.1 built by scripts/debug-kernel.sh: KASAN, lockdep,
#             PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak (cached outside the
#             checkout; about 12 minutes on two idle cores the first time)
#   debug-rt  the same kernel with PROVE_RAW_LOCK_NESTING
#             (scripts/debug-kernel.sh raw-lock) and the module's RT mode
#             (make module RT_MODE=1): lockdep checks the hooks as if the
#             kernel were PREEMPT_RT
# Every kernel after 6.1 runs what depends on the kernel
# (scripts/check.sh with CHECK_SCOPE=kernel): the W=1 build and sparse
# against its headers, then every kselftest in the VM.  Each runs in a
# copy of the checkout of its own (.build/check-all/KERNEL/tree), so that
# builds for two kernels never share a directory.  There the long tests
# run at the sizes of CHECK_ALL_SIZES; 6.1 keeps make check's.
#
# Versions are discovered from apt and /lib/modules, never written down
# (Debian moves the ABI number with security updates); a missing kernel
# is installed with its headers before any test starts, from
# bookworm-backports for 6.12 (added to apt's sources when missing).
#
# Environment: CHECK_ALL (the kernels, in the order they start; default
# all six, the longest first), CHECK_ALL_QUICK (kernels among them that
# run only the kernel tests, `make -C selftests list-kernel-tests`: the
# hooks, the state machine and its races, load and unload, the oracle,
# reconcile, memory charged, RT mode, without the long stress tests;
# default none), CHECK_ALL_CORE (kernels among them that run only the
# core tests, `make -C selftests list-core-tests`: a few of the kernel
# tests that between them pass through every hook, the table and its
# owners, the stream, reconcile, load and unload; what CI runs on the
# debug kernel; default none), CHECK_ALL_JOBS (how many run at once,
# default 2: the guests' vCPUs mostly wait on each other's host cores,
# while timers, grace periods and TIME-WAIT expiry leave them idle).
# Prints one line per kernel with its time, then "N passed, N failed"
# over all.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)

flavours=${CHECK_ALL:-debug debug-rt 6.1 6.12 6.1-rt 6.12-rt}
quick=${CHECK_ALL_QUICK:-}
core=${CHECK_ALL_CORE:-}
jobs=${CHECK_ALL_JOBS:-2}
sizes=${CHECK_ALL_SIZES:-RELOAD_CYCLES=10 SOAK_ROUNDS=5 NETNS_COUNT=300 FUZZ_SECONDS=30}
logs=$top/.build/check-all

case $jobs in
[1-9]) ;;
*) echo "check-all: CHECK_ALL_JOBS is a number from 1 to 9, not '$jobs'" >&2; exit 2 ;;
esac
for f in $flavours; do
	case $f in
	6.1 | 6.1-rt | 6.12 | 6.12-rt | debug | debug-rt) ;;
	*) echo "check-all: unknown kernel '$f' (6.1 6.1-rt 6.12 6.12-rt debug debug-rt)" >&2; exit 2 ;;
	esac
done
# in_list LIST WORD: is WORD one of LIST's words?
in_list() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }

# Kernels that run fewer tests: ones CHECK_ALL runs, never 6.1, which
# runs the whole of make check, and not both quick and core.
for v in CHECK_ALL_QUICK CHECK_ALL_CORE; do
	for f in ${!v:-}; do
		in_list "$flavours" "$f" ||
			{ echo "check-all: $v names '$f', which CHECK_ALL does not run" >&2; exit 2; }
		[ "$f" = 6.1 ] &&
			{ echo "check-all: 6.1 runs the whole of make check, never fewer tests ($v)" >&2; exit 2; }
	done
done
for f in $core; do
	in_list "$quick" "$f" &&
		{ echo "check-all: '$f' is in both CHECK_ALL_QUICK and CHECK_ALL_CORE" >&2; exit 2; }
done
for s in $sizes; do
	case $s in
	RELOAD_CYCLES=[0-9]* | SOAK_ROUNDS=[0-9]* | NETNS_COUNT=[0-9]* | PATCH_SECONDS=[0-9]* | \
	FUZZ_SECONDS=[0-9]*) ;;
	*) echo "check-all: CHECK_ALL_SIZES takes RELOAD_CYCLES, SOAK_ROUNDS, NETNS_COUNT, PATCH_SECONDS and FUZZ_SECONDS=N, not '$s'" >&2; exit 2 ;;
	esac
done
rm -rf "$logs"
mkdir -p "$logs"

# The package name pattern of a flavour's versioned kernel image.  A
# rebuild of a 6.12 backport carries a suffix: 6.12.90+deb12.1-amd64.
image_re()
{
	case "$1" in
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.1-rt) echo '^linux-image-6\.1\.0-[0-9]+-rt-amd64$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-amd64$' ;;
	6.12-rt) echo '^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-rt-amd64$' ;;
	esac
}

# kernel FLAVOUR: the newest version of it, installed (image and headers)
# when it was not; empty when apt has none.
kernel()
{
	local re pkg v

	re=$(image_re "$1")
	case "$1" in 6.12*) scripts/backports.sh || return ;; esac
	pkg=$(apt-cache search --names-only "$re" | awk '{ print $1 }' | sort -V | tail -n 1)
	[ -n "$pkg" ] || return
	v=${pkg#linux-image-}
	if [ ! -r "/boot/vmlinuz-$v" ] || [ ! -e "/lib/modules/$v/build/Makefile" ]; then
		echo "check-all: installing $pkg and its headers" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" "linux-headers-$v" \
			> "$logs/install-$1.log" 2>&1 ||
			{ echo "check-all: apt-get install $pkg failed ($logs/install-$1.log)" >&2; return; }
	fi
	echo "$v"
}

is_quick() { in_list "$quick" "$1"; }	# FLAVOUR
is_core() { in_list "$core" "$1"; }	# FLAVOUR

# debug_kernel FLAVOUR: build (or find in the cache) the kernel of debug or
# debug-rt; prints its build directory, or nothing when it did not build.
debug_kernel()
{
	local flavour=

	[ "$1" = debug-rt ] && flavour=raw-lock
	scripts/debug-kernel.sh $flavour 2>> "$logs/$1-kernel.log"
}

# run FLAVOUR: that kernel's part, into $logs/FLAVOUR.log, which ends with
# "N passed, N failed".
run()
{
	local f=$1 v dir tree args=()

	case $f in
	debug | debug-rt)
		dir=$(cat "$logs/$f.kdir" 2>/dev/null)
		if [ -z "$dir" ]; then
			echo "check-all: the debug kernel did not build ($logs/$f-kernel.log)"
			echo "0 passed, 1 failed"
			return
		fi
		args=(VM_KERNEL="$dir/arch/x86/boot/bzImage" KDIR="$dir" VM_MODULES=none)
		# The raw-lock kernel's lockdep flags 6.1's own printk: a
		# warning printed from a hard interrupt (under emulation,
		# "hrtimer: interrupt took N ns") takes the serial console's
		# spinlock_t there, an "Invalid wait context" that turns lockdep
		# off for the rest of the run.  The console shows errors and
		# worse only; the harness also reads the kernel log the guest
		# streams to the host as it is written (vm-init.sh: kmsg), which
		# has every warning even when the guest panics or hangs.
		[ "$f" = debug-rt ] && args+=(RT_MODE=1 VM_APPEND="${VM_APPEND:-} loglevel=4")
		;;
	*)
		v=$(cat "$logs/$f.version")
		args=(VM_KERNEL="/boot/vmlinuz-$v" KDIR="/lib/modules/$v/build")
		;;
	esac
	# Every test unless quick or core, whatever SELFTESTS the caller had.
	if is_quick "$f"; then
		args+=(SELFTESTS="$kernel_tests")
	elif is_core "$f"; then
		args+=(SELFTESTS="$core_tests")
	else
		args+=(SELFTESTS=)
	fi
	if [ "$f" = 6.1 ]; then
		env "${args[@]}" scripts/check.sh
		return
	fi
	tree=$logs/$f/tree
	mkdir -p "$tree/.build"
	tar -c --exclude=./.build . | tar -x -C "$tree"
	ln -s "$top/.build/linux-source-6.1" "$tree/.build/linux-source-6.1"
	# shellcheck disable=SC2086
	(cd "$tree" && env "${args[@]}" CHECK_SCOPE=kernel $sizes scripts/check.sh)
}

# Everything is installed before the first test starts: the packages'
# test builds for and boots every kernel that has headers.
if ! scripts/deps.sh > "$logs/deps.log" 2>&1; then
	echo "check-all: scripts/deps.sh failed ($logs/deps.log)"
	echo "0 passed, 1 failed"
	exit 1
fi
scripts/ksft-unpack.sh "$top/.build" > /dev/null || exit 1
kernel_tests=$(make -s -C selftests list-kernel-tests)
[ -n "$kernel_tests" ] || { echo "check-all: make -C selftests list-kernel-tests named no test" >&2; exit 1; }
all_tests=" $(make -s -C selftests list-tests) "
core_tests=$(make -s -C selftests list-core-tests)
[ -n "$core_tests" ] || { echo "check-all: make -C selftests list-core-tests named no test" >&2; exit 1; }
for t in $kernel_tests $core_tests; do
	case $all_tests in
	*" $t "*) ;;
	*) echo "check-all: list-kernel-tests or list-core-tests names '$t', which is not a test" >&2; exit 1 ;;
	esac
done
todo=()
summary=()
failed=0
for f in $flavours; do
	case $f in debug*) todo+=("$f"); continue ;; esac
	v=$(kernel "$f")
	if [ -z "$v" ]; then
		summary+=("$f: no such kernel in apt's sources")
		failed=$((failed + 1))
		continue
	fi
	echo "$v" > "$logs/$f.version"
	todo+=("$f")
done
# The debug kernels are built before the first guest starts too: on two
# idle cores one takes about 12 minutes, beside two guests over an hour.
# Their build directories go to $logs/FLAVOUR.kdir; a build that failed
# leaves it empty, and run() fails that kernel without building again.
for f in "${todo[@]}"; do
	case $f in debug*) ;; *) continue ;; esac
	s=$(date +%s)
	echo "== check-all: the $f kernel (scripts/debug-kernel.sh, cached)"
	debug_kernel "$f" > "$logs/$f.kdir"
	[ -s "$logs/$f.kdir" ] &&
		echo "== check-all: the $f kernel ready in $(( $(date +%s) - s )) s"
done

start=$(date +%s)
for f in "${todo[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	echo "== check-all: $f starts at $(( $(date +%s) - start )) s"
	(
		s=$(date +%s)
		run "$f" > "$logs/$f.log" 2>&1
		echo $(( $(date +%s) - s )) > "$logs/$f.seconds"
	) &
done
wait

passed=0
for f in "${todo[@]}"; do
	name=$f
	[ -s "$logs/$f.version" ] && name="$f ($(cat "$logs/$f.version"))"
	is_quick "$f" && name+=", kernel tests"
	is_core "$f" && name+=", core tests"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$f.log" | tail -n 1)
	if [ -z "$last" ]; then
		summary+=("$name: no result ($logs/$f.log)")
		failed=$((failed + 1))
		continue
	fi
	read -r p _ q _ <<< "$last"
	passed=$((passed + p))
	failed=$((failed + q))
	summary+=("$name: $last in $(cat "$logs/$f.seconds" 2>/dev/null || echo ?) s")
	[ "$q" -eq 0 ] || grep -aE '^not ok|^# not ok|^vm-run: FAIL' "$logs/$f.log" | head -n 20 | sed 's/^/   /'
done

printf '%s\n' "${summary[@]}"
echo "check-all: $(( $(date +%s) - start )) s for the kernels, logs in $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
