#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the module's cost goes, counted rather than sampled: the bench's
# storm (scripts/profile-storm.sh) runs in two one-vCPU guests at once,
# one with the module and one without (or with another build of it), and
# a QEMU plugin (scripts/profile-plugin.c) counts every kernel
# instruction each runs between two sync() calls.  The guests count their
# time in instructions too (vm-run.sh -i), so that what the storm meets
# (timer ticks, softirq batches) does not hang on the host's speed.  The difference, by
# kernel function and per connection, is what the module costs there: its
# own functions, and the kernel's it calls (the clock, the allocator, RCU,
# the ftrace trampolines).  "calls" counts the runs of a function's first
# instruction.  Like the bench's storm, the window leaves out what comes
# after it: the timewait sockets' expiry 60 s later (their hook, the
# entry's removal and free), and records a reader takes after the second
# sync().  A block is counted whole when it starts (a fault inside it
# counts the rest too), and each step of a rep movs or stos counts as an
# instruction (memset_erms: bytes).  The same module and storm give the same counts, whatever
# the host is doing.
#
# Usage: profile.sh [KO [BASE]]
#   KO    the module to profile (default module/tcpstate.ko), or floor:
#         this tree's module built with its hooks placed but returning at
#         once, the tracepoint probe after its first test and the ftrace
#         callbacks before the hook's body: what placing the hooks costs,
#         under which no body of theirs can go (built for KDIR, the
#         guest's kernel headers)
#   BASE  what to compare it with: none (default), or another build
# PROFILE_CONNS (2000): connections per client, two clients.
# PROFILE_READERS (0): raw readers of the stream during the storm, in the
#   guest with KO only: with BASE the same build, the difference is what
#   the readers cost.
# PROFILE_TOP (40): how many functions to list.
# PROFILE_OUT (.build/profile): the runs' logs and counts, report.txt;
#   no comma in its path (QEMU's -plugin splits its arguments there).
# VM_KERNEL: the kernel to boot (vm-run.sh's default otherwise).
set -u
me=profile
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

ko=${1:-module/tcpstate.ko}
base=${2:-none}
conns=${PROFILE_CONNS:-2000}
ntop=${PROFILE_TOP:-40}
out=${PROFILE_OUT:-.build/profile}

die() { echo "$me: $*" >&2; exit 1; }

# floor_ko DIR: build the floor module in DIR from this tree's sources.
floor_ko()
{
	local src=$1

	git rev-parse --git-dir > /dev/null 2>&1 ||
		die "floor: builds from a git checkout's sources, and $top is none"
	rm -rf "$src" && mkdir -p "$src" || return 1
	git ls-files -z Kbuild Makefile module uapi debian/changelog |
		tar --null -T - -c | tar -x -C "$src" || return 1
	# Both cuts must land, once each, or the floor is not one.
	awk '{ print }
	     /if \(!tcpstate_armed\(\) \|\| !tcpstate_is_tcp\(sk\)\)/ { hit = 1; next }
	     hit && /^\t\treturn;$/ { print "\tif (sk)\t/* profile.sh floor */"; print "\t\treturn;"; n++ }
	     { hit = 0 }
	     END { exit n != 1 }' module/hooks_state.c > "$src/module/hooks_state.c" ||
		die "floor: the state probe's first test was not found in module/hooks_state.c"
	sed 's|^\t\th->fn(fregs);$|\t\tbarrier();\t/* profile.sh floor */|' \
		module/fhooks.c > "$src/module/fhooks.c"
	[ "$(grep -c 'profile.sh floor' "$src/module/fhooks.c")" = 1 ] ||
		die "floor: the ftrace callback's call of the hook was not found in module/fhooks.c"
	make -s -C "$src" module ${KDIR:+KDIR="$KDIR"} > "$src.log" 2>&1 ||
		die "floor: the build failed: $src.log"
}

[ "$base" != floor ] || die "floor is a KO to profile, not a BASE"
for f in "$ko" "$base"; do
	[ "$f" = none ] || [ "$f" = floor ] || [ -f "$f" ] || die "$f: no such module"
done
case $conns in
''|*[!0-9]*|0) die "PROFILE_CONNS must be a positive number, not '$conns'" ;;
esac
case ${PROFILE_READERS:-0} in
''|*[!0-9]*) die "PROFILE_READERS must be a number, not '$PROFILE_READERS'" ;;
esac
[ -x selftests/tcp_workload ] || die "selftests/tcp_workload is not built (make selftests)"
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
case $out in
*,*) die "PROFILE_OUT: no comma in its path, please ($out)" ;;
esac
if [ "$ko" = floor ]; then
	floor_ko "$out/floor" || die "floor: cannot copy the sources"
	ko=$out/floor/module/tcpstate.ko
fi
ko=$(realpath "$ko")
[ "$base" = none ] || base=$(realpath "$base")

plugin=$out/profile-plugin.so
gcc -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
	-o "$plugin" scripts/profile-plugin.c || die "cannot build the plugin"

# The window's trigger: the entry of sync(2), where a guest booted without
# KASLR has it every time.
sync_addr=$(scripts/vm-run.sh -c 1 -a nokaslr -t 300 -- \
	awk '$3 == "__x64_sys_sync" { print $1 }' /proc/kallsyms 2>/dev/null |
	tr -d "\r" | grep -E "^[0-9a-f]{16}$" | grep -v '^0*$' | head -n 1)
[ -n "$sync_addr" ] || die "cannot find __x64_sys_sync in the guest's /proc/kallsyms"

# run NAME KO READERS: one counted guest, in $out/NAME.
run()
{
	rm -rf "${out:?}/$1"
	mkdir -p "$out/$1"
	scripts/vm-run.sh -c 1 -i 1 -a nokaslr -t 1800 -o "$out/$1" \
		-P "$plugin,toggle=$sync_addr,out=$out/$1/counts" -- \
		env PROFILE_KO="$2" PROFILE_CONNS="$conns" \
		PROFILE_READERS="$3" scripts/profile-storm.sh \
		> "$out/$1.log" 2>&1
}

echo "$me: $((2 * conns)) connections in two guests: $ko (${PROFILE_READERS:-0} readers) against $base"
run base "$base" 0 &
pid=$!
rc=0
run module "$ko" "${PROFILE_READERS:-0}" || rc=1
wait $pid || die "the guest with $base failed: $out/base.log"
[ $rc -eq 0 ] || die "the guest with the module failed: $out/module.log"

# sums DIR: "symbol instructions calls", kallsyms and counts merged in
# address order (16 hex digits sort as numbers do).
sums()
{
	[ "$(head -n 1 "$1/counts" | awk '{ print $3 }')" -ge 2 ] ||
		die "$1: the window did not close (no second sync?)"
	{
		awk 'NF >= 3 { name = $3; if (NF > 3) name = name $4
			       print $1, 0, name }' "$1/kallsyms"
		awk '!/^#/ { print $1, 1, $2 }' "$1/counts"
	} | sort -k1,1 -k2,2n | awk '
		$2 == 0 { sym = $3; at = $1; next }
		{ ins[sym] += $3; if ($1 == at) calls[sym] += $3 }
		END { for (s in ins) print s, ins[s], calls[s] + 0 }'
}

sums "$out/base" > "$out/base.sums" || exit 1
sums "$out/module" > "$out/module.sums" || exit 1
ib=$(awk 'NR == 1 { print $5 }' "$out/base/counts")
im=$(awk 'NR == 1 { print $5 }' "$out/module/counts")
n=$((2 * conns))
{
	echo "Kernel instructions per connection, $n connections ($(date -u +%F)):"
	awk -v b="$ib" -v m="$im" -v n="$n" 'BEGIN {
		printf "  without: %.0f  with: %.0f  added: %.0f (x%.3f)\n",
		       b / n, m / n, (m - b) / n, m / b }'
	awk -v n="$n" '$1 ~ /\[tcpstate\]$|\[__builtin__ftrace\]$/ { own += $2 }
		END { printf "  of which in the module and its ftrace trampolines: %.0f\n", own / n }' \
		"$out/module.sums"
	grep -a '^profile: reader' "$out/module.log" | tr -d '\r' | sed 's/^profile: /  /'
	echo "Where the added instructions go (per connection):"
	printf '%10s %8s  %s\n' instr calls function
	awk -v n="$n" '
		FNR == NR { bi[$1] = $2; bc[$1] = $3; next }
		{ mi[$1] = $2; mc[$1] = $3 }
		END {
			for (s in bi) if (!(s in mi)) { mi[s] = 0; mc[s] = 0 }
			for (s in mi) {
				d = mi[s] - bi[s]
				if (d != 0)
					printf "%10.1f %8.2f  %s\n", d / n,
					       (mc[s] - bc[s]) / n, s
			}
		}' "$out/base.sums" "$out/module.sums" | sort -k1,1gr | head -n "$ntop"
} | tee "$out/report.txt"
