#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the version of the newest installed Debian 6.1 kernel that has both
# its image and its headers, e.g. 6.1.0-56-amd64.  Debian moves the ABI
# number with security updates, so it is discovered here, never written
# down.  Exit 1 when there is none.
best=$(for d in /lib/modules/6.1.*-amd64; do
	v=${d#/lib/modules/}
	[ -r "/boot/vmlinuz-$v" ] && [ -d "/usr/src/linux-headers-$v" ] && echo "$v"
done | sort -V | tail -n 1)
[ -n "$best" ] || exit 1
echo "$best"
