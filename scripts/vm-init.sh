#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM's initramfs (built by vm-run.sh).  Loads the virtio
# and 9p modules, mounts the host's root read-only under a tmpfs overlay,
# mounts the output export at /run/vm, makes that the root and runs
# /run/vm/cmd in it with its output on the second serial port, writes its exit status to
# /run/vm/status and powers off.  Without that status file the host counts
# the run as failed.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
	insmod "/modules/$m" || echo "init: insmod $m failed"
done < /modules/order

mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower ||
	{ echo "init: cannot mount the host root"; poweroff -f; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
if ! mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot; then
	echo "init: overlay failed; the guest root stays read-only"
	mount --bind /lower /newroot
fi

r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
ln -sf /proc/self/fd $r/dev/fd
ln -sf /proc/self/fd/0 $r/dev/stdin
ln -sf /proc/self/fd/1 $r/dev/stdout
ln -sf /proc/self/fd/2 $r/dev/stderr
mount -t devpts devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
mkdir -p $r/run/vm
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none vmout $r/run/vm ||
	{ echo "init: cannot mount the output export"; poweroff -f; }

hostname tcpstate-vm
ip link set lo up 2>/dev/null

# The new root becomes the root of the mount namespace, as switch_root
# makes it: a chroot would do for most things, but the kernel refuses to
# create user namespaces (unshare -U) inside one.  From here on this
# script runs in the new root too.
cd $r || poweroff -f
mount --move . / || { echo "init: cannot move the new root onto /"; poweroff -f; }
# On a kernel with kmemleak (the debug kernel), what the module leaked:
# forget what boot left, and after the command unload the module, let its
# objects age past kmemleak's 5 s and scan; a leak whose allocation went
# through the module is reported on the console, which fails the run.
# The kernel log also goes to the output share as it is written (kmsg),
# so that a report is read even when the guest never gets to its dmesg:
# a panic, or a hang, after a warning the console did not show.
exec chroot . /bin/busybox sh -c '
	leaks=/sys/kernel/debug/kmemleak
	[ -w $leaks ] && echo clear > $leaks
	/bin/busybox cat /dev/kmsg > /run/vm/kmsg 2>/dev/null &
	klog=$!
	/usr/bin/env -i HOME=/root TERM=${TERM:-linux} \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh /run/vm/cmd </dev/ttyS1 >/dev/ttyS1 2>&1
	rc=$?
	if [ -w $leaks ]; then
		/bin/busybox rmmod tcpstate 2>/dev/null
		/bin/busybox sleep 6
		echo scan > $leaks
		if /bin/busybox grep -q "\[tcpstate\]" $leaks; then
			echo "kmemleak: tcpstate leaked memory:"
			/bin/busybox head -n 40 $leaks
		fi > /dev/console
	fi
	/bin/busybox kill $klog 2>/dev/null
	/bin/busybox dmesg > /run/vm/dmesg
	/bin/busybox cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
		> /run/vm/clocksource 2>/dev/null
	echo $rc > /run/vm/status
	sync
	/bin/busybox umount /run/vm
	/bin/busybox poweroff -f'
