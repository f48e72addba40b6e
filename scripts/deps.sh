#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building, testing and the demo need.
# Idempotent: when everything is present it only reads dpkg's database.
# Runs apt-get as root, or through sudo otherwise; it waits up to 10
# minutes for another dpkg run (an unattended upgrade, a package test) to
# let go of the dpkg lock instead of failing at once.
set -eu

# What each package is for:
#   build-essential, bc, xz-utils, file  the module, CLI and tests
#   linux-image-amd64, linux-headers-amd64  the kernel the VM boots, and its headers
#   linux-source-6.1  kselftest framework and checkpatch.pl, unpacked at build time
#   qemu-system-x86, busybox-static, cpio, kmod  the VM and its initramfs;
#           QEMU from bookworm-backports (10.0), see below
#   iproute2, trace-cmd, procps  tools the tests and the demo run in the guest
#   sparse  the static checker of `make sparse`
#   libncurses-dev, pkgconf  `tcpstate top`'s full screen
#   tmux  runs `tcpstate top` on a screen the selftests read (top.sh)
#   dkms, debhelper, dh-dkms, dpkg-dev, fakeroot, lintian, man-db  make install and
#           make deb, and the test that installs the packages
#   flex, bison, libelf-dev, libssl-dev  the debug kernels check-all
#           builds (scripts/debug-kernel.sh)
#   prometheus (with promtool), prometheus-node-exporter, curl  the real
#           scraper, linter and textfile collector of the exporter's test
#           (exporter.sh); their services are not needed: the test starts
#           its own on loopback in the VM
PACKAGES="build-essential bc xz-utils file linux-image-amd64 linux-headers-amd64
linux-source-6.1 qemu-system-x86 busybox-static cpio kmod iproute2 trace-cmd
procps sparse jq util-linux groff-base libncurses-dev pkgconf tmux dkms
debhelper dh-dkms dpkg-dev fakeroot lintian man-db prometheus
prometheus-node-exporter curl flex bison libelf-dev libssl-dev"

missing=
for p in $PACKAGES; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null; then
	sudo=sudo
else
	sudo=none
fi
export DEBIAN_FRONTEND=noninteractive

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	if [ "$sudo" = none ]; then
		echo "deps: need root or sudo to install:$missing" >&2
		exit 1
	fi
	$sudo apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
	# shellcheck disable=SC2086
	$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
fi

here=$(cd "$(dirname "$0")" && pwd)

# Bookworm's QEMU 7.2 hangs the emulated guest when the guest kernel
# patches its own code under load (kprobes, ftrace, module load and
# unload): the loop of selftests/code_patching.sh hung it within 3
# minutes in both of 2 runs, without the module; QEMU 10.0 from
# bookworm-backports ran it 700 s without a report.
qemu=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
if ! dpkg --compare-versions "$qemu" ge 1:10.0; then
	echo "deps: QEMU $qemu -> bookworm-backports' QEMU 10"
	if [ "$sudo" = none ]; then
		echo "deps: need root or sudo to install QEMU from bookworm-backports" >&2
		exit 1
	fi
	$sudo "$here/backports.sh"
	$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
		-t bookworm-backports qemu-system-x86 >/dev/null
fi

"$here/kernel-version.sh" >/dev/null || {
	echo "deps: no Debian 6.1 kernel with matching headers after install" >&2
	exit 1
}
