#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packages, end to end, on this machine (`make check` runs it): build
# tcpstate-dkms and tcpstate (scripts/deb.sh, lintian included), install
# both, check that DKMS built and installed tcpstate.ko for every installed
# kernel with headers and that depmod finds it there, boot the VM with each
# of those kernels to load the module by name and run the packaged CLI
# against a workload (scripts/pkg-vm-test.sh), then purge both and check
# that nothing is left: no package, none of their files, no DKMS tree, no
# module that depmod still lists.
#
# It changes the machine, so it needs root and refuses to start when
# tcpstate is installed already (by package or make install).  Whatever
# happens, it leaves the machine as it found it: an EXIT trap purges the
# packages and removes what they left behind.
#
# Usage: pkg-test.sh [OUTDIR]      (default .build/pkg-test)
# Environment: PKG_VM_TIMEOUT, seconds per VM run (default 300).
# Prints TAP results (the selftests' helpers); exits 1 when any failed.
set -u

me=pkg-test
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=${1:-$top/.build/pkg-test}
vm_timeout=${PKG_VM_TIMEOUT:-300}
pkgs="tcpstate tcpstate-dkms"
# shellcheck source=selftests/lib.sh
. "$top/selftests/lib.sh"

die()
{
	echo "$me: $*" >&2
	exit 1
}

case "$vm_timeout" in
''|*[!0-9]*) die "PKG_VM_TIMEOUT is not a number of seconds: $vm_timeout" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root: it installs and purges packages"
command -v dkms >/dev/null || die "dkms not found (run scripts/deps.sh)"
version=$(dpkg-parsechangelog -l debian/changelog -SVersion) || die "cannot read debian/changelog"

installed()	# PACKAGE: installed, or config files left
{
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" in
	''|un*|pn*) return 1 ;;
	esac
	return 0
}

rm -rf "$out"
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
log=$out/pkg.log
# Present while the packages may be installed: a run killed (SIGKILL, a
# power cut) before its trap ran leaves it, and the next run cleans up
# first.  It holds whether DKMS's signing key was there before.
marker=/var/tmp/tcpstate-pkg-test.installed

# Kernels DKMS must build for: every one whose headers are installed.
kernels=
for dir in /lib/modules/*; do
	[ -e "$dir/build/include" ] && kernels="$kernels ${dir#/lib/modules/}"
done
[ -n "$kernels" ] || die "no kernel headers installed (run scripts/deps.sh)"

# What the packages leave behind, one line each; nothing when clean.
leftovers()
{
	local p k f

	for p in $pkgs; do
		installed "$p" && echo "package $p: $(dpkg-query -W -f='${db:Status-Abbrev}' "$p")"
	done
	if [ -s "$out/files" ]; then
		while read -r f; do
			[ -e "$f" ] && [ ! -d "$f" ] && echo "file $f"
		done < "$out/files"
	fi
	[ -e /var/lib/dkms/tcpstate ] && echo "DKMS tree /var/lib/dkms/tcpstate"
	[ -e "/usr/src/tcpstate-$version" ] && echo "source /usr/src/tcpstate-$version"
	for k in /lib/modules/*; do
		find "$k" -name 'tcpstate.ko*' 2>/dev/null | sed 's/^/module /'
		grep -qs '/tcpstate\.ko' "$k/modules.dep" && echo "depmod: $k/modules.dep lists tcpstate"
	done
	md5sum --quiet -c "$out/depmod.before" 2>/dev/null | sed 's/^/depmod: not as before: /'
}

# The EXIT trap: the machine as it was, whatever failed.
# shellcheck disable=SC2317
restore()
{
	local p k f left

	for p in $pkgs; do
		installed "$p" && dpkg --purge "$p" >> "$log" 2>&1
	done
	[ -z "$mok_before" ] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	left=$(leftovers)
	if [ -z "$left" ]; then
		rm -f "$marker"
		return
	fi
	echo "$me: restoring: $(echo "$left" | tr '\n' ';')" >&2
	dkms remove -m tcpstate -v "$version" --all >> "$log" 2>&1
	for p in $pkgs; do
		installed "$p" && dpkg --purge --force-all "$p" >> "$log" 2>&1
	done
	rm -rf /var/lib/dkms/tcpstate "/usr/src/tcpstate-$version"
	[ -s "$out/files" ] && while read -r f; do
		[ -e "$f" ] && [ ! -d "$f" ] && rm -f "$f"
	done < "$out/files"
	for k in /lib/modules/*; do
		find "$k" -name 'tcpstate.ko*' -delete 2>/dev/null
		grep -qs '/tcpstate\.ko' "$k/modules.dep" && depmod -a "${k#/lib/modules/}"
	done
	left=$(leftovers)
	if [ -n "$left" ]; then
		echo "$me: could not restore: $(echo "$left" | tr '\n' ';')" >&2
		return
	fi
	rm -f "$marker"
}

# One run at a time on a machine: two would install, build and purge the
# same packages under each other (make check in two worktrees).
exec 9> /var/tmp/tcpstate-pkg-test.lock || die "cannot open /var/tmp/tcpstate-pkg-test.lock"
if ! flock -n 9; then
	echo "$me: another run holds /var/tmp/tcpstate-pkg-test.lock: waiting (at most 30 min)"
	flock -w 1800 9 || die "another run held /var/tmp/tcpstate-pkg-test.lock for 30 min"
fi

if [ -e "$marker" ]; then
	echo "$me: a run before this one was killed with the packages installed: cleaning up first"
	mok_before=$(cat "$marker")
	restore
	[ -e "$marker" ] && die "could not clean up after the killed run"
fi
for p in $pkgs; do
	installed "$p" && die "package $p is installed: purge it first (dpkg --purge $p)"
done
[ -e /var/lib/dkms/tcpstate ] && die "tcpstate is in DKMS already (make uninstall, or dkms remove tcpstate --all)"
[ -e "/usr/src/tcpstate-$version" ] && die "/usr/src/tcpstate-$version exists (make uninstall)"

# depmod's results before: after the purge they must be the same again.
for k in $kernels; do
	md5sum "/lib/modules/$k/modules.dep" "/lib/modules/$k/modules.alias"
done > "$out/depmod.before" 2>/dev/null
# DKMS makes its module signing key (MOK) at its first build: one made by
# this test goes again with the rest.
mok_before=$(ls /var/lib/dkms/mok.key /var/lib/dkms/mok.pub 2>/dev/null)

echo "$mok_before" > "$marker" || die "cannot write $marker"
trap restore EXIT
trap 'exit 1' INT TERM HUP

finish()
{
	echo "1..$tap_n"
	echo "$me: logs in $out"
	tap_exit
}

# The guest runs the selftests' workload generator.
make -s selftests > "$out/selftests-build.log" 2>&1 ||
	{ tap_result workload_builds 1 "make selftests failed: $(grep -m1 error "$out/selftests-build.log")"; finish; }

scripts/deb.sh "$out/deb" > "$out/deb.log" 2>&1
tap_result packages_build_lintian_clean $? "$(grep -m1 -E '^deb:|^  lintian: E:' "$out/deb.log")"
arch=$(dpkg --print-architecture)
debs="$out/deb/tcpstate-dkms_${version}_all.deb $out/deb/tcpstate_${version}_$arch.deb"
for f in $debs; do
	[ -s "$f" ] || { tap_result packages_exist 1 "no $f"; finish; }
done

# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs > "$out/install.log" 2>&1
tap_result packages_install $? "apt-get install failed: $(grep -m1 -iE 'error|fail' "$out/install.log")"
for p in $pkgs; do
	dpkg-query -L "$p" 2>/dev/null
done > "$out/files"

# The tool package's other files, used as a user would.
got=$(bash -c '. /usr/share/bash-completion/completions/tcpstate &&
	COMP_WORDS=(tcpstate su) COMP_CWORD=1 && _tcpstate && echo "${COMPREPLY[*]}"' 2>&1)
[ "$got" = summary ]
tap_result packaged_completion_completes $? "expected tcpstate su<TAB> to give summary; saw '$got'"
got=$(man -w tcpstate 2>&1)
[ "$got" = /usr/share/man/man8/tcpstate.8.gz ]
tap_result packaged_man_page_found $? "expected man -w tcpstate to give /usr/share/man/man8/tcpstate.8.gz; saw '$got'"
got=$(printf '#include <linux/tcpstate.h>\nunsigned int v = TCPSTATE_ABI_VERSION;\n' |
	gcc -fsyntax-only -Wall -Werror -x c - 2>&1)
tap_result packaged_uapi_header_compiles $? "expected <linux/tcpstate.h> from /usr/include to compile; saw: $got"
grep -qs 'KERNEL=="tcpstate".*MODE="0444"' /lib/udev/rules.d/60-tcpstate.rules
tap_result packaged_udev_rule_mode_0444 $? "expected /lib/udev/rules.d/60-tcpstate.rules to set MODE=\"0444\" for tcpstate"

for k in $kernels; do
	st=$(dkms status -m tcpstate -v "$version" -k "$k" 2>/dev/null)
	echo "# dkms status: $st"
	case "$st" in
	*": installed"*) rc=0 ;;
	*) rc=1 ;;
	esac
	tap_result "dkms_installed_module_for_$k" $rc "expected 'tcpstate/$version, $k, ...: installed'; saw '$st'"
	path=$(modinfo -k "$k" -n tcpstate 2>&1)
	case "$path" in
	"/lib/modules/$k/updates/dkms/tcpstate.ko"*) rc=0 ;;
	*) rc=1 ;;
	esac
	tap_result "depmod_finds_module_for_$k" $rc "expected /lib/modules/$k/updates/dkms/tcpstate.ko*; saw '$path'"
	vermagic=$(modinfo -k "$k" -F vermagic tcpstate 2>&1)
	[ "${vermagic%% *}" = "$k" ]
	tap_result "module_built_for_$k" $? "expected vermagic '$k ...'; saw '$vermagic'"
done

# Each kernel in the VM: the guest reads the host's root, packages and all.
for k in $kernels; do
	if [ ! -r "/boot/vmlinuz-$k" ]; then
		echo "# $k: headers but no /boot/vmlinuz-$k to boot: not booted"
		continue
	fi
	scripts/vm-run.sh -k "/boot/vmlinuz-$k" -t "$vm_timeout" -o "$out/vm-$k" -- \
		scripts/pkg-vm-test.sh "$version" > "$out/vm-$k.log" 2>&1
	rc=$?
	grep -aE '^(not )?ok [0-9]+ ' "$out/vm-$k.log" | sed 's/^/# /'
	tap_result "vm_boots_$k" $rc "$(grep -a -m1 -E '^not ok|^vm-run: FAIL' "$out/vm-$k.log")"
done

# shellcheck disable=SC2086
dpkg --purge $pkgs > "$out/purge.log" 2>&1
tap_result packages_purge $? "dpkg --purge failed: $(tail -n 1 "$out/purge.log")"
left=$(leftovers)
[ -z "$left" ]
tap_result nothing_left_after_purge $? "$(echo "$left" | head -n 5 | tr '\n' ';')"
finish
