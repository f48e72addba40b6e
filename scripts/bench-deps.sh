#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that only `make bench` needs, apart from
# scripts/deps.sh so that `make check` never waits for them.  Idempotent:
# when everything is present it only reads dpkg's database.  The guest
# shares the host's root filesystem, so what is installed here runs there.
set -eu

# What each package is for:
#   bpftrace     a peer: counting sock:inet_sock_set_state per state in-kernel
#   bpfcc-tools  a peer: tcpstates-bpfcc (it compiles against the headers of
#                the VM's kernel, which scripts/deps.sh installs)
#   gnuplot-nox  the PNG of the side-by-side ratios
PACKAGES="bpftrace bpfcc-tools gnuplot-nox"

missing=
for p in $PACKAGES; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "bench-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null; then
	sudo=sudo
else
	echo "bench-deps: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# shellcheck disable=SC2086
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
