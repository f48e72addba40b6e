#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host self-check of `make module-clean`: in a copy of the Makefile, with
# what kbuild leaves after building the module for one kernel (6.1's and
# 6.12's names), it removes all of that and nothing below .build/, where
# make check-all builds other kernels' modules at the same time (kbuild's
# own clean took those too).  Needs no kernel headers.  Prints TAP; exits
# non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

built="Module.symvers modules.order .Module.symvers.cmd .modules.order.cmd
.module-common.o ..module-common.o.cmd module/.kdir module/table.o
module/.table.o.cmd module/tcpstate.o module/.tcpstate.o.cmd module/tcpstate.ko
module/.tcpstate.ko.cmd module/tcpstate.mod module/.tcpstate.mod.cmd
module/tcpstate.mod.c module/tcpstate.mod.o module/.tcpstate.mod.o.cmd
module/modules.order module/.modules.order.cmd module/.table.o.d module/table.su
module/.tmp_table.tmp module/table.dwo module/table.symtypes module/table.lst"
kept="module/table.c module/tcpstate.h module/Kbuild
.build/check-all/6.12/tree/module/tcpstate.ko .build/check-all/6.12/tree/module/table.o
.build/check-all/6.12/tree/module/.table.o.cmd .build/rtmode/module/tcpstate.ko
.build/rtmode/Module.symvers"

mkdir -p "$tmp/debian"
cp "$top/Makefile" "$tmp/" && cp "$top/debian/changelog" "$tmp/debian/"
for f in $built $kept; do
	mkdir -p "$tmp/$(dirname "$f")"
	: > "$tmp/$f"
done
echo "1..2"
out=$(make -s -C "$tmp" module-clean KDIR=/nonexistent 2>&1)
left=
for f in $built; do
	[ -e "$tmp/$f" ] && left+=" $f"
done
gone=
for f in $kept; do
	[ -e "$tmp/$f" ] || gone+=" $f"
done
rc=0
if [ -z "$left" ]; then
	echo "ok 1 module_clean_removes_what_kbuild_built"
else
	echo "not ok 1 module_clean_removes_what_kbuild_built # left:$left ${out:+(make: $out)}"
	rc=1
fi
if [ -z "$gone" ]; then
	echo "ok 2 module_clean_keeps_sources_and_other_trees_builds"
else
	echo "not ok 2 module_clean_keeps_sources_and_other_trees_builds # removed:$gone"
	rc=1
fi
exit $rc
