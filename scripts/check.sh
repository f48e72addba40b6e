#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test this project has, ending with one line
# "N passed, N failed".  Host steps (W=1 build, checkpatch, sparse, uapi
# C90, unit tests, the bash completion) each count as results; the
# kselftests run in the VM and count one result per test case; then the
# packages are built, installed, booted in the VM with each kernel and
# purged (scripts/pkg-test.sh), one result per check.  Exits non-zero on
# any failure or skip.
#
# Environment: KDIR (headers of the VM kernel), VM_KERNEL, VM_MODULES,
# VM_TIMEOUT, SELFTESTS (names of kselftests to run, default all); the
# sizes of the long tests, which the guest gets: RELOAD_CYCLES
# (reload_storm.sh), SOAK_ROUNDS (soak.sh), NETNS_COUNT
# (netns_thousand.sh), PATCH_SECONDS (code_patching.sh), FUZZ_SECONDS and
# FUZZ_SEED (fuzz.sh: a longer run, a seed to repeat).
# RT_MODE=1 builds the module's RT mode (make module RT_MODE=1) and runs
# the kselftests with it.
# CHECK_SCOPE=kernel (scripts/check-all.sh, for every kernel after the
# first) keeps what depends on the kernel: the builds, W=1 and sparse
# against KDIR, and the kselftests in the VM; it installs nothing and
# leaves out checkpatch, the host unit tests and the packages.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/.build/check
rm -rf "$logs"
mkdir -p "$logs"

passed=0
failed=0
skipped=0

result()	# NAME STATUS [WHY]
{
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		echo "not ok - $1${3:+: $3}"
	fi
}

# Count a TAP log into the totals.
tap_add()	# LOG
{
	local p f s
	read -r p f s < <(awk -f scripts/tap-count.awk "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	echo "   $1: $p passed, $f failed, $s skipped"
}

# Lines that are compiler or checker diagnostics.
diagnostics()	# LOG
{
	grep -E '(warning|error):' "$1"
}

finish()
{
	echo
	if [ "$skipped" -gt 0 ]; then
		echo "check: $skipped tests skipped: in this VM every test must run, so skips count as failures"
		failed=$((failed + skipped))
	fi
	echo "logs in $logs"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

install_deps()
{
	echo "== dependencies"
	if [ "$scope" = kernel ]; then
		echo "(installed by the caller)"
	elif ! scripts/deps.sh; then
		result dependencies_installed 1 "scripts/deps.sh failed"
		finish
	fi
	ksft=$(scripts/ksft-unpack.sh "$top/.build") || { result kselftest_framework_unpacked 1; finish; }
	kver=$(scripts/kernel-version.sh)
	KDIR=${KDIR:-/lib/modules/$kver/build}
}

build_all()
{
	echo "== build (kernel headers: $KDIR)"
	make -s module-clean KDIR="$KDIR" >/dev/null 2>&1
	make module KDIR="$KDIR" W=1 > "$logs/module-w1.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		result module_builds_with_w1 1 "build failed: $(grep -m1 -E 'error' "$logs/module-w1.log")"
	elif diagnostics "$logs/module-w1.log" > "$logs/module-w1.diag"; then
		result module_builds_with_w1_without_warnings 1 "$(wc -l < "$logs/module-w1.diag") diagnostics, first: $(head -n 1 "$logs/module-w1.diag")"
	else
		result module_builds_with_w1_without_warnings 0
	fi

	make -C userspace-tool clean >/dev/null
	if ! make -C userspace-tool all > "$logs/cli.log" 2>&1; then
		result cli_builds 1 "$(grep -m1 error "$logs/cli.log")"
	elif diagnostics "$logs/cli.log" > "$logs/cli.diag"; then
		result cli_builds_without_warnings 1 "$(head -n 1 "$logs/cli.diag")"
	else
		result cli_builds_without_warnings 0
	fi

	if ! make -C selftests KSFT_DIR="$ksft/tools/testing/selftests" > "$logs/selftests-build.log" 2>&1; then
		result selftests_build 1 "$(grep -m1 error "$logs/selftests-build.log")"
	elif diagnostics "$logs/selftests-build.log" > "$logs/selftests-build.diag"; then
		result selftests_build_without_warnings 1 "$(head -n 1 "$logs/selftests-build.diag")"
	else
		result selftests_build_without_warnings 0
	fi
}

checkpatch_check()
{
	make -s style CHECKPATCH="$ksft/scripts/checkpatch.pl" > "$logs/checkpatch.log" 2>&1
	if [ $? -ne 0 ]; then
		result checkpatch_strict_clean 1 "$(grep -m1 -E 'ERROR|WARNING|CHECK' "$logs/checkpatch.log")"
	else
		result checkpatch_strict_clean 0
	fi
}

sparse_check()
{
	make sparse KDIR="$KDIR" > "$logs/sparse.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		result sparse_clean 1 "sparse run failed: $(tail -n 1 "$logs/sparse.log")"
	elif diagnostics "$logs/sparse.log" > "$logs/sparse.diag"; then
		result sparse_clean 1 "$(wc -l < "$logs/sparse.diag") reports, first: $(head -n 1 "$logs/sparse.diag")"
	else
		result sparse_clean 0
	fi
}

# The kernel compiles every uapi header as C90 (usr/include/Makefile).
uapi_check()
{
	if printf '#include <linux/tcpstate.h>\nint main(void) { return 0; }\n' |
		gcc -std=c90 -pedantic-errors -Wall -Werror -Iuapi -x c -o /dev/null - > "$logs/uapi-c90.log" 2>&1; then
		result uapi_header_compiles_as_c90 0
	else
		result uapi_header_compiles_as_c90 1 "$(head -n 1 "$logs/uapi-c90.log")"
	fi
}

host_unit_tests()
{
	echo "== host unit tests"
	scripts/tap-verdict-test.sh > "$logs/tap-verdict.log" 2>&1; result run_selftests_verdict_catches_failures $? "$(grep -m1 '^not ok' "$logs/tap-verdict.log")"
	scripts/completion-test.sh > "$logs/completion.log" 2>&1; result bash_completion_matches_cli $? "$(head -n 1 "$logs/completion.log")"
	scripts/module-clean-test.sh > "$logs/module-clean.log" 2>&1; result module_clean_spares_other_trees $? "$(grep -m1 '^not ok' "$logs/module-clean.log")"
	make -s -C userspace-tool test KSFT_DIR="$ksft/tools/testing/selftests" > "$logs/unit.log" 2>&1
	rc=$?
	tap_add "$logs/unit.log"
	grep -E '^not ok' "$logs/unit.log" | sed 's/^/   /'
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$logs/unit.log"; then
		result unit_tests_ran 1 "make test exited $rc: $(tail -n 1 "$logs/unit.log")"
	fi
}

kselftests_in_vm()
{
	echo "== kselftests in the VM"
	local v guest_env=()
	for v in RELOAD_CYCLES SOAK_ROUNDS NETNS_COUNT PATCH_SECONDS FUZZ_SECONDS FUZZ_SEED; do
		[ -n "${!v:-}" ] && guest_env+=("$v=${!v}")
	done
	[ "${RT_MODE:-}" = 1 ] && guest_env+=("TCPSTATE_KO=$top/.build/rtmode/module/tcpstate.ko")
	# shellcheck disable=SC2086
	scripts/vm-run.sh -t "${VM_TIMEOUT:-3000}" -o "$logs/vm" -- \
		env "${guest_env[@]}" \
		scripts/run-selftests.sh ${SELFTESTS:-} 2>&1 |
		tee "$logs/selftests.log" | grep -aE '^(not )?ok |^# (not )?ok |^vm-run|Expected|^# #.*FAIL'
	vmrc=${PIPESTATUS[0]}
	tap_add "$logs/selftests.log"
	if [ "$vmrc" -ne 0 ]; then
		why=$(grep -m1 '^vm-run: FAIL' "$logs/selftests.log")
		result vm_run_finished_cleanly 1 "${why:-the guest command exited $vmrc}"
	else
		result vm_run_finished_cleanly 0
	fi
}

# Installs both packages on this machine, boots each kernel with headers,
# purges them again (the machine is left as it was, even on failure).
packages_check()
{
	echo "== packages: make deb, install, DKMS, modprobe in the VM, purge"
	scripts/pkg-test.sh "$top/.build/pkg-test" > "$logs/packages.log" 2>&1
	pkgrc=$?
	grep -aE '^(# )?(not )?ok |^pkg-test:' "$logs/packages.log" | cut -c1-240
	tap_add "$logs/packages.log"
	if [ "$pkgrc" -ne 0 ] && ! grep -q 'not ok' "$logs/packages.log"; then
		result package_test_ran 1 "scripts/pkg-test.sh exited $pkgrc: $(grep -m1 '^pkg-test:' "$logs/packages.log")"
	fi
}

scope=${CHECK_SCOPE:-all}
case $scope in
all | kernel) ;;
*) echo "check: CHECK_SCOPE is all or kernel, not '$scope'" >&2; exit 2 ;;
esac

install_deps
build_all
echo "== static checks"
[ "$scope" = kernel ] || checkpatch_check
sparse_check
[ "$scope" = kernel ] || uapi_check
[ "$scope" = kernel ] || host_unit_tests
kselftests_in_vm
[ "$scope" = kernel ] || packages_check
finish
