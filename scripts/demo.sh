#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the demo VM: load the module and show what the CLI reports.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
set -e

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say insmod module/tcpstate.ko
insmod module/tcpstate.ko
say ls -l /dev/tcpstate
ls -l /dev/tcpstate
say tcpstate version
userspace-tool/tcpstate version
say tcpstate --json version
userspace-tool/tcpstate --json version
say rmmod tcpstate
rmmod tcpstate
