#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Register the module's source in /usr/src/tcpstate-VERSION with DKMS and
# build and install it for every kernel whose headers are installed, or
# take it out of DKMS again (`make install`, `make uninstall`).
#
# Usage: dkms.sh install VERSION
#        dkms.sh remove VERSION
# A kernel without headers is skipped, and named; a build that fails makes
# the whole command fail, with the path of DKMS's build log.
set -u

me=dkms
name=tcpstate

usage()
{
	echo "usage: scripts/dkms.sh install|remove VERSION" >&2
	exit 2
}

[ $# -eq 2 ] || usage
action=$1
version=$2
case "$version" in
''|*[!0-9A-Za-z.+~_-]*) echo "$me: not a version: '$version'" >&2; exit 2 ;;
esac
command -v dkms >/dev/null || { echo "$me: dkms not found (apt-get install dkms)" >&2; exit 1; }

case "$action" in
install)
	[ -f "/usr/src/$name-$version/dkms.conf" ] ||
		{ echo "$me: no /usr/src/$name-$version/dkms.conf (run make install)" >&2; exit 1; }
	# Installed again, maybe from changed source: build it anew.
	if [ -n "$(dkms status -m "$name" -v "$version")" ]; then
		dkms remove -m "$name" -v "$version" --all >/dev/null || exit 1
	fi
	dkms add -m "$name" -v "$version" || exit 1
	rc=0
	for dir in /lib/modules/*; do
		kver=${dir#/lib/modules/}
		if [ ! -e "$dir/build/include" ]; then
			echo "$me: $kver: no headers (linux-headers-$kver), not built"
			continue
		fi
		if ! dkms install -m "$name" -v "$version" -k "$kver"; then
			echo "$me: $kver: build failed, see /var/lib/dkms/$name/$version/build/make.log" >&2
			rc=1
		fi
	done
	exit $rc
	;;
remove)
	if [ -n "$(dkms status -m "$name" -v "$version")" ]; then
		dkms remove -m "$name" -v "$version" --all || exit 1
	fi
	;;
*)
	echo "$me: unknown action: $action" >&2
	usage
	;;
esac
