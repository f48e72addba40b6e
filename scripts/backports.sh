#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Make sure apt can install from bookworm-backports: add it to apt's
# sources when it is not there, then refresh the package lists.  Used by
# deps.sh (QEMU 10) and check-all.sh (the 6.12 kernels).  A no-op when the
# sources already name it; root only.
set -eu

grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "backports: need root to add bookworm-backports to apt's sources" >&2
	exit 1
fi
echo "backports: adding bookworm-backports to apt's sources" >&2
echo 'deb http://deb.debian.org/debian bookworm-backports main' \
	> /etc/apt/sources.list.d/bookworm-backports.list
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
