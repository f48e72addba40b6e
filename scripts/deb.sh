#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: build the Debian packages tcpstate-dkms (the module's source,
# for DKMS) and tcpstate (the CLI) with dpkg-buildpackage, then check them
# with lintian.  The build runs in a copy of the files git tracks or would
# track (untracked files that .gitignore does not exclude), as they
# are in the working tree, so that nothing is written into the checkout.
#
# Usage: deb.sh OUTDIR
# OUTDIR gets the .debs, the source package, the .changes, build.log and
# lintian.log.  Exits non-zero when the build fails or lintian reports an
# error.
set -u

me=deb
[ $# -eq 1 ] || { echo "usage: scripts/deb.sh OUTDIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1

for tool in dpkg-buildpackage dh dh_dkms lintian fakeroot git; do
	command -v $tool >/dev/null ||
		{ echo "$me: $tool not found (run scripts/deps.sh)" >&2; exit 1; }
done
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -SVersion)
[ -n "$version" ] || { echo "$me: no version in debian/changelog" >&2; exit 1; }

rm -rf "$out"
src=$out/tcpstate-$version
mkdir -p "$src" || { echo "$me: cannot create $src" >&2; exit 1; }
out=$(cd "$out" && pwd)
src=$out/tcpstate-$version
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src") ||
	{ echo "$me: cannot copy the tree (is $top a git checkout?)" >&2; exit 1; }

echo "$me: dpkg-buildpackage in $src"
if ! (cd "$src" && dpkg-buildpackage -us -uc) > "$out/build.log" 2>&1; then
	echo "$me: dpkg-buildpackage failed:" >&2
	tail -n 20 "$out/build.log" | sed 's/^/  /' >&2
	exit 1
fi
rm -rf "$src"

changes=$out/tcpstate_${version}_$(dpkg --print-architecture).changes
# lintian warns when it runs as root, and needs no privilege.
as_user=
[ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null && as_user="runuser -u nobody --"
$as_user lintian --fail-on error --info "$changes" > "$out/lintian.log" 2>&1
rc=$?
sed 's/^/  lintian: /' "$out/lintian.log"
[ -s "$out/lintian.log" ] || echo "$me: lintian: no tags"
if [ $rc -ne 0 ]; then
	echo "$me: lintian found errors (or failed: exit $rc)" >&2
	exit 1
fi
ls "$out"/*.deb
