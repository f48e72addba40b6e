#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-all: the whole of `make check` on every kernel a Debian 12
# host may run the module on, one after the other:
#   6.1       bookworm's kernel (what `make check` boots)
#   6.1-rt    bookworm's PREEMPT_RT flavour
#   6.12      bookworm-backports' kernel
#   6.12-rt   its PREEMPT_RT flavour
#   debug     6.1 built by scripts/debug-kernel.sh: KASAN, lockdep,
#             DEBUG_ATOMIC_SLEEP, kmemleak (about 12 minutes the first time)
# Versions are discovered from apt and /lib/modules, never written down
# (Debian moves the ABI number with security updates); a missing kernel
# is installed with its headers, from bookworm-backports for 6.12 (which
# is added to apt's sources when it is not there).  CHECK_ALL="6.1 6.12"
# picks some.  reload_storm.sh runs its full 100 insmod/rmmod cycles
# here (RELOAD_CYCLES; 20 in `make check`).  One line per kernel, then
# "N passed, N failed" over all.
set -u
cd "$(dirname "$0")/.." || exit 1

flavours=${CHECK_ALL:-6.1 6.1-rt 6.12 6.12-rt debug}
logs=.build/check-all
mkdir -p $logs
passed=0
failed=0
summary=()

# The package name pattern of a flavour's versioned kernel image.
image_re()
{
	case "$1" in
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.1-rt) echo '^linux-image-6\.1\.0-[0-9]+-rt-amd64$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
	6.12-rt) echo '^linux-image-6\.12\.[0-9]+\+deb12-rt-amd64$' ;;
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

for f in $flavours; do
	args=()
	case "$f" in
	debug)
		dir=$(scripts/debug-kernel.sh 2> "$logs/debug-kernel.log")
		if [ -z "$dir" ]; then
			summary+=("debug: the debug kernel did not build ($logs/debug-kernel.log)")
			failed=$((failed + 1))
			continue
		fi
		args=(VM_KERNEL="$dir/arch/x86/boot/bzImage" VM_KDIR="$dir" VM_MODULES=none)
		name="debug ($dir)"
		;;
	6.1 | 6.1-rt | 6.12 | 6.12-rt)
		v=$(kernel "$f")
		if [ -z "$v" ]; then
			summary+=("$f: no such kernel in apt's sources")
			failed=$((failed + 1))
			continue
		fi
		args=(VM_KERNEL="/boot/vmlinuz-$v" VM_KDIR="/lib/modules/$v/build")
		name="$f ($v)"
		;;
	*)
		echo "check-all: unknown kernel '$f' (6.1 6.1-rt 6.12 6.12-rt debug)" >&2
		exit 2
		;;
	esac
	echo "== check-all: $name"
	make -s vm-check "${args[@]}" RELOAD_CYCLES="${RELOAD_CYCLES:-100}" \
		> "$logs/$f.log" 2>&1
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$f.log" | tail -n 1)
	if [ -z "$last" ]; then
		summary+=("$name: no result ($logs/$f.log)")
		failed=$((failed + 1))
		continue
	fi
	read -r p _ q _ <<< "$last"
	passed=$((passed + p))
	failed=$((failed + q))
	summary+=("$name: $last")
done

printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
