#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, a debug kernel for the test VM from Debian's linux-source-6.1:
# KASAN, lockdep (PROVE_LOCKING), PROVE_RCU, DEBUG_ATOMIC_SLEEP, KMEMLEAK,
# DEBUG_LIST, DEBUG_OBJECTS, UBSAN, with kprobes and everything the tests
# need built in (virtio, 9p, overlayfs, netem, the prio qdisc and u32
# filter of synflood.sh, veth).  Cached outside the
# checkout, keyed by the source version and this script.  Prints the build
# directory (its arch/x86/boot/bzImage is the kernel, and it is the KDIR to
# build the module against).  Takes about 12 minutes on 2 cores.
#
#   make check VM_KERNEL=$(scripts/debug-kernel.sh)/arch/x86/boot/bzImage \
#              VM_KDIR=$(scripts/debug-kernel.sh) VM_MODULES=none
#
# `scripts/debug-kernel.sh raw-lock` builds the same kernel with
# PROVE_RAW_LOCK_NESTING too, cached apart: lockdep then checks, on a
# kernel that is not PREEMPT_RT, the lock nesting rules of one that is (a
# spinlock_t, which sleeps there, taken under a raw spinlock or in a
# region the module marks as atomic on PREEMPT_RT: make module RT_MODE=1).
set -eu

flavour=${1:-}
case $flavour in
'' | raw-lock) ;;
*) echo "debug-kernel.sh: unknown flavour '$flavour' (none, or raw-lock)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -n 1)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(printf '%s\n' "$srcver" "$flavour" | cat - "$0" | md5sum | cut -c1-12)
cache=${TCPSTATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstate}
dir=$cache/debug-kernel-${flavour:+$flavour-}$key

if [ -s "$dir/arch/x86/boot/bzImage" ] && [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$cache"
rm -rf "$dir"
tmp=$(mktemp -d "$cache/unpack.XXXXXX")
tar -xf "$tarball" -C "$tmp"
mv "$tmp/linux-source-6.1" "$dir"
rmdir "$tmp"
cd "$dir"
make -s defconfig kvm_guest.config >&2
scripts/config \
	-e KASAN -e KASAN_INLINE -e PROVE_LOCKING -e PROVE_RCU -e DEBUG_ATOMIC_SLEEP \
	-e DEBUG_KMEMLEAK -d DEBUG_KMEMLEAK_DEFAULT_OFF -e DEBUG_LIST -e DEBUG_OBJECTS \
	-e DEBUG_OBJECTS_TIMERS -e UBSAN -e REFCOUNT_FULL \
	-e KPROBES -e KRETPROBES -e FTRACE -e FUNCTION_TRACER -e DYNAMIC_FTRACE \
	-e MODULES -e MODULE_UNLOAD -e NET_NS -e USER_NS -e IPV6 -e INET_DIAG -e INET_TCP_DIAG \
	-e VIRTIO_PCI -e NET_9P -e NET_9P_VIRTIO -e 9P_FS -e 9P_FS_POSIX_ACL -e OVERLAY_FS \
	-e NET_SCHED -e NET_SCH_NETEM -e NET_SCH_PRIO -e NET_CLS -e NET_CLS_U32 \
	-e VETH -e DUMMY -e USERFAULTFD -e DEBUG_FS -e SCHED_DEBUG -e DEVTMPFS -e TMPFS -e BLK_DEV_INITRD \
	-e PANIC_ON_OOPS -d DEBUG_INFO_BTF -d WERROR -e MEMCG >&2
[ "$flavour" = raw-lock ] && scripts/config -e PROVE_RAW_LOCK_NESTING >&2
make -s olddefconfig >&2
make -s -j"$(nproc)" bzImage modules_prepare >&2
touch .done
echo "$dir"
