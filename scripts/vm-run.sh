#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU with the host's root filesystem shared read-only
# (plus a throw-away writable overlay), run one command as root inside it,
# and exit with that command's status.
#
# The status comes back through a file on a second, writable 9p export that
# is absent unless the guest wrote it: a guest that crashes, panics or hangs
# is a failure.  The guest boots with panic_on_warn=1, and the run also fails
# when the kernel log shows any WARNING, BUG, Oops, KASAN, lockdep, RCU or
# refcount report, or when a guest meant to read time from the HPET (-C)
# ended on another clock.
set -u

me=vm-run
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage()
{
	cat <<EOF
Usage: $me [OPTIONS] [--] COMMAND [ARG...]
       $me [OPTIONS] -s

Boot a kernel in QEMU, run COMMAND as root in the guest (in the current
directory, which the guest sees through the shared host filesystem), and
exit with its status.

Options:
  -k, --kernel PATH    kernel image to boot (default: Debian's 6.1 vmlinuz,
                       or \$VM_KERNEL)
  -M, --modules VER    /lib/modules/VER to take the virtio and 9p modules
                       from (default: derived from the kernel file name;
                       none for a kernel with them built in; or \$VM_MODULES)
  -t, --timeout SECS   hard limit for the whole run (default: 600, or
                       \$VM_TIMEOUT)
  -m, --memory SIZE    guest memory (default: 2G)
  -a, --append ARGS    more kernel command line arguments, e.g. slab_nomerge
                       (or \$VM_APPEND)
  -c, --cpus N         vCPUs (default: 2, or \$VM_CPUS)
  -i, --icount SHIFT   instruction counting: the guest's clock advances
                       2^SHIFT ns per guest instruction and not while it
                       idles, whatever the host's load, so times measured
                       in the guest count the work done (or \$VM_ICOUNT).
                       The vCPUs take turns on one host thread, as
                       with -T single, so a second one adds no parallelism
  -T, --tcg-threads auto|single|multi
                       how TCG (not KVM) runs the vCPUs (or
                       \$VM_TCG_THREADS; default auto).  multi: each on a
                       host thread of its own, truly at once.  single: in
                       turn on one host thread.  Under multi a vCPU can
                       run code another vCPU has just rewritten, as the
                       guest's kernel does at every load and unload of the
                       module and whenever kprobes or the function tracer
                       are switched: 6.12-rt took an Oops: int3 and 6.1 a
                       call to address 0 so in selftests/code_patching.sh.
                       auto: single; KVM has no such choice
  -C, --clock auto|hpet|tsc
                       the guest's clock (or \$VM_CLOCK; default auto).
                       Under TCG without -i the guest's TSC is the host's
                       TSC as QEMU reads it, so a jump in the host's TSC
                       (as when a virtual host is saved and resumed on
                       another machine; the host's own clock does not
                       jump) moves the guest's clock on by days: every
                       timer fires at once and the soft lockup detector
                       panics the guest.  hpet: the TSC is marked
                       unstable, time is read from the emulated HPET,
                       which follows the host's monotonic clock, and the
                       scheduler's clock is held to it within a tick;
                       storms run about 14% slower.  tsc: as on real
                       hardware (tsc=reliable).  auto: hpet under TCG,
                       tsc under KVM or with -i (which derives the TSC
                       from the instructions counted)
  -P, --plugin SPEC    a QEMU TCG plugin and its arguments, as QEMU's
                       -plugin takes them (or \$VM_PLUGIN); TCG only:
                       scripts/profile.sh counts instructions with one
  -o, --out DIR        keep console.log, dmesg, kmsg, status and the QEMU
                       command (qemu) here (default: a new directory under
                       .build/vm/runs)
  -s, --shell          interactive shell in the guest instead of COMMAND
  -h, --help           this text

Exit status: COMMAND's status; 1 when the guest crashed, hung, the kernel
reported a problem or the guest's clock was not the one -C asked for; 2
for bad usage.

Examples:
  $me -- uname -r
  $me -t 300 -- make -C selftests run_tests
  $me -k ~/linux/arch/x86/boot/bzImage -M none -s
EOF
}

die()
{
	echo "$me: $*" >&2
	exit 1
}

kernel=${VM_KERNEL:-}
modver=${VM_MODULES:-}
timeout=${VM_TIMEOUT:-600}
memory=${VM_MEMORY:-2G}
extra_append=${VM_APPEND:-}
icount=${VM_ICOUNT:-}
tcg_threads=${VM_TCG_THREADS:-auto}
clock=${VM_CLOCK:-auto}
cpus=${VM_CPUS:-2}
plugin=${VM_PLUGIN:-}
out=
shell=0

while [ $# -gt 0 ]; do
	case "$1" in
	-k|--kernel) kernel=${2:?}; shift 2 ;;
	-M|--modules) modver=${2:?}; shift 2 ;;
	-t|--timeout) timeout=${2:?}; shift 2 ;;
	-m|--memory) memory=${2:?}; shift 2 ;;
	-a|--append) extra_append+=" ${2:?}"; shift 2 ;;
	-o|--out) out=${2:?}; shift 2 ;;
	-c|--cpus) cpus=${2:?}; shift 2 ;;
	-i|--icount) icount=${2:?}; shift 2 ;;
	-T|--tcg-threads) tcg_threads=${2:?}; shift 2 ;;
	-C|--clock) clock=${2:?}; shift 2 ;;
	-P|--plugin) plugin=${2:?}; shift 2 ;;
	-s|--shell) shell=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "$me: unknown option: $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
done

if [ $shell -eq 0 ] && [ $# -eq 0 ]; then
	echo "$me: no command to run (use -s for a shell)" >&2
	usage >&2
	exit 2
fi
case "$timeout" in
''|*[!0-9]*) echo "$me: timeout is not a number of seconds: $timeout" >&2; exit 2 ;;
esac
case "$cpus" in
[1-9]|[1-9][0-9]) ;;
*) echo "$me: not a number of vCPUs: $cpus" >&2; exit 2 ;;
esac
case "$icount" in
''|[0-9]|10) ;;
*) echo "$me: icount shift is not a number from 0 to 10: $icount" >&2; exit 2 ;;
esac
case "$tcg_threads" in
auto|single|multi) ;;
*) echo "$me: -T (or \$VM_TCG_THREADS) is auto, single or multi, not '$tcg_threads'" >&2; exit 2 ;;
esac
case "$clock" in
auto|hpet|tsc) ;;
*) echo "$me: -C (or \$VM_CLOCK) is auto, hpet or tsc, not '$clock'" >&2; exit 2 ;;
esac
if [ -n "$icount" ] && [ "$tcg_threads" = multi ]; then
	echo "$me: instruction counting (-i or \$VM_ICOUNT) runs the vCPUs on one thread: not with multi (-T or \$VM_TCG_THREADS)" >&2
	exit 2
fi

if [ -z "$kernel" ]; then
	kver=$("$here/kernel-version.sh") || die "no Debian 6.1 kernel installed (run scripts/deps.sh)"
	kernel=/boot/vmlinuz-$kver
fi
[ -r "$kernel" ] || die "cannot read kernel image: $kernel"
[ "$tcg_threads" = auto ] && tcg_threads=single
if [ -z "$modver" ]; then
	case "$(basename "$kernel")" in
	vmlinuz-*) modver=${kernel##*/vmlinuz-} ;;
	*) modver=none ;;
	esac
fi

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run scripts/deps.sh)"
# QEMU 7.2's TCG hangs a guest whose kernel patches its own code under load
# (selftests/code_patching.sh): the module's loads and unloads do.
qemu_major=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([0-9]*\)\..*/\1/p')
[ "${qemu_major:-0}" -ge 10 ] ||
	die "QEMU ${qemu_major:-?}.x can hang the guest while its kernel patches code; run scripts/deps.sh for QEMU 10 from bookworm-backports"
busybox=$(command -v busybox) || die "busybox not found (run scripts/deps.sh)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox is not static (install busybox-static)"

build=$top/.build/vm
mkdir -p "$build/runs"

# The initramfs: static busybox, the modules needed to reach the 9p root,
# and /init.  Rebuilt when the kernel version or the init script changes.
initrd_key=$(cat "$here/vm-init.sh" "$busybox" | md5sum | cut -c1-12)
initrd=$build/initramfs-$modver-$initrd_key.cpio.gz
if [ ! -s "$initrd" ]; then
	stage=$(mktemp -d "$build/stage.XXXXXX")
	trap 'rm -rf "$stage" "$stage.cpio.gz"' EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,modules,lower,rw,newroot}
	cp "$busybox" "$stage/bin/busybox"
	cp "$here/vm-init.sh" "$stage/init"
	chmod 755 "$stage/init"
	: > "$stage/modules/order"
	if [ "$modver" != none ]; then
		[ -d "/lib/modules/$modver" ] || die "no /lib/modules/$modver for the guest's virtio and 9p modules"
		for m in virtio_pci 9pnet_virtio 9p overlay; do
			modprobe -S "$modver" --show-depends "$m" 2>/dev/null
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$stage/order.txt"
		[ -s "$stage/order.txt" ] || die "cannot resolve the guest's modules for $modver"
		while read -r ko; do
			name=$(basename "$ko")
			case "$name" in
			*.ko.xz) xz -dc "$ko" > "$stage/modules/${name%.xz}"; name=${name%.xz} ;;
			*.ko.zst) zstd -qdc "$ko" > "$stage/modules/${name%.zst}"; name=${name%.zst} ;;
			*.ko.gz) gzip -dc "$ko" > "$stage/modules/${name%.gz}"; name=${name%.gz} ;;
			*) cp "$ko" "$stage/modules/$name" ;;
			esac
			echo "$name" >> "$stage/modules/order"
		done < "$stage/order.txt"
		rm -f "$stage/order.txt"
	fi
	# Named after the stage, which is this run's own: two runs that build
	# the same initramfs at once each rename a whole file of their own.
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$stage.cpio.gz" &&
		mv "$stage.cpio.gz" "$initrd" || die "cannot build the initramfs"
	rm -rf "$stage"
	trap - EXIT
fi

if [ -z "$out" ]; then
	out=$(mktemp -d "$build/runs/$(date +%Y%m%d-%H%M%S).XXXX")
else
	mkdir -p "$out" || die "cannot create $out"
	rm -f "$out/status" "$out/dmesg" "$out/kmsg" "$out/console.log" "$out/cmd" \
		"$out/clocksource"
fi
out=$(cd "$out" && pwd)

# The command runs in the guest from this directory, as a script file so
# that no quoting has to survive the kernel command line.
{
	echo "cd $(printf '%q' "$PWD") || exit 1"
	if [ $shell -eq 1 ]; then
		echo 'exec setsid --ctty /bin/bash -l'
	else
		printf 'exec'
		printf ' %q' "$@"
		echo
	fi
} > "$out/cmd"

# No 5-level paging: 6.1 KASAN kernels fault in early boot with it.
tcg=tcg,thread=$tcg_threads
accel=(-accel "$tcg" -cpu max,la57=off)
if [ -n "$icount" ]; then
	accel=(-accel "$tcg" -icount "shift=$icount,sleep=off" -cpu max,la57=off)
elif [ -w /dev/kvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then
	accel=(-accel kvm -cpu host)
fi
if [ "$clock" = auto ]; then
	clock=hpet
	[ -n "$icount" ] || [ "${accel[1]}" = kvm ] && clock=tsc
fi

append="console=ttyS0 rdinit=/init panic_on_warn=1 oops=panic panic=-1"
append+=" softlockup_panic=1 mitigations=off no_timer_check"
if [ "$clock" = tsc ]; then
	append+=" tsc=reliable"
else
	append+=" tsc=unstable clocksource=hpet"
fi
append+=" printk.devkmsg=on"
[ -n "$extra_append" ] && append+=" $extra_append"

qemu=(qemu-system-x86_64 -machine q35 "${accel[@]}" -smp "$cpus" -m "$memory"
	-nodefaults -no-reboot -display none
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-serial "file:$out/console.log"
	-chardev stdio,id=out,signal=off -serial chardev:out
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot
	-fsdev local,id=vmout,path="$out",security_model=none,multidevs=remap
	-device virtio-9p-pci,fsdev=vmout,mount_tag=vmout)
if [ -n "$plugin" ]; then
	[ "${accel[1]}" = kvm ] && die "a plugin (-P) needs TCG, not KVM"
	qemu+=(-plugin "$plugin")
fi

# How the guest ran (-T auto decides here), for whoever reads its logs.
{ printf '%q ' "${qemu[@]}"; echo; } > "$out/qemu"

if [ $shell -eq 1 ]; then
	"${qemu[@]}"
	exit 0
fi

start=$(date +%s)
timeout -k 5 "$timeout" "${qemu[@]}" < /dev/null
qrc=$?
elapsed=$(( $(date +%s) - start ))

status=1
problem=
# A kernel report anywhere fails the run, whatever the command returned.
pattern='WARNING:|BUG:|Oops|KASAN|UBSAN|possible circular locking|inconsistent lock state'
pattern+='|possible recursive locking|suspicious RCU usage|refcount_t:|Kernel panic'
pattern+='|general protection fault|kmemleak: tcpstate leaked'
report=$(cat "$out/console.log" "$out/dmesg" "$out/kmsg" 2>/dev/null | grep -aE "$pattern" | head -n 1)
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	problem="guest did not finish within $timeout s (hung or too slow)"
elif [ -n "$report" ]; then
	problem="kernel reported a problem: $report"
elif [ "$clock" = hpet ] && [ -s "$out/status" ] &&
	[ "$(cat "$out/clocksource" 2>/dev/null)" != hpet ]; then
	problem="the guest's clock was '$(cat "$out/clocksource" 2>/dev/null)' at the end, not the HPET that -C hpet asks for"
elif [ ! -s "$out/status" ]; then
	problem="guest stopped without reporting a status (crash or panic; qemu exit $qrc)"
else
	status=$(tr -dc '0-9' < "$out/status")
	[ -n "$status" ] || { status=1; problem="unreadable status file"; }
fi

if [ -n "$problem" ]; then
	echo "$me: FAIL: $problem" >&2
	echo "$me: console log: $out/console.log; kernel log as written: $out/kmsg" >&2
	tail -n 40 "$out/console.log" 2>/dev/null | sed 's/^/  console: /' >&2
	exit 1
fi
echo "$me: guest command exited $status after ${elapsed}s (logs in $out)" >&2
exit "$status"
