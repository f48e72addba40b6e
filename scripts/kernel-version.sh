#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the version of the newest installed Debian 6.1 kernel of the plain
# amd64 flavour that has both its image and its headers, e.g.
# 6.1.0-57-amd64.  Debian moves the ABI number with security updates, so
# it is discovered here, never written down.  The -rt and -cloud flavours
# and the 6.12 backports (6.12.N+deb12-amd64) are not picked: boot one of
# them with VM_KERNEL and VM_KDIR.  Exit 1 when there is none.
best=$(for d in /lib/modules/*; do
	v=${d#/lib/modules/}
	echo "$v" | grep -Eqx '6\.1\.[0-9]+-[0-9]+-amd64' || continue
	[ -r "/boot/vmlinuz-$v" ] && [ -d "/usr/src/linux-headers-$v" ] && echo "$v"
done | sort -V | tail -n 1)
[ -n "$best" ] || exit 1
echo "$best"
