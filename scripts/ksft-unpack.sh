#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unpack the kselftest framework and checkpatch.pl from Debian's
# linux-source-6.1 tarball into a build directory, once.  Nothing from
# the kernel tree is ever committed to this repository.
#
# Usage: ksft-unpack.sh DIR   (prints the unpacked tree's top directory)
set -eu

dest=${1:?usage: ksft-unpack.sh DIR}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "ksft-unpack: linux-source-6.1 is not installed (run scripts/deps.sh)" >&2; exit 1; }

tree=$dest/linux-source-6.1
stamp=$tree/.unpacked
if [ ! -e "$stamp" ] || [ "$tarball" -nt "$stamp" ]; then
	rm -rf "$tree"
	mkdir -p "$dest"
	tar -xf "$tarball" -C "$dest" \
		linux-source-6.1/tools/testing/selftests/lib.mk \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch "$stamp"
fi
echo "$tree"
