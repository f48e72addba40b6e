#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion (userspace-tool/tcpstate.bash-completion) against the
# CLI it completes: every command of options.c's command_names, every
# option of its getopt_long table and short option string, every filter of
# filter.c and every state of states.c (one of its names) and state group
# must be offered; and every word offered must be one the built CLI
# accepts.  Then a few completions are run as bash would.  Prints one line
# per problem; exits 1 on any.  Needs userspace-tool/tcpstate built.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
comp=userspace-tool/tcpstate.bash-completion
cli=userspace-tool/tcpstate
[ -x "$cli" ] || { echo "completion-test: $cli not built (make cli)"; exit 1; }
fail=0

problem()
{
	echo "completion-test: $*"
	fail=1
}

# shellcheck source=/dev/null
. "$comp" || { echo "completion-test: cannot source $comp"; exit 1; }

# What the completion offers at WORD...: COMPREPLY, one line.
offered()
{
	COMP_WORDS=(tcpstate "$@")
	COMP_CWORD=$#
	_tcpstate
	echo "${COMPREPLY[*]}"
}

commands=" $(offered '') "
options=" $(offered -) "
filters=" $(offered list '') "
states=" $(offered list state '') "

# From the sources.
src_commands=$(sed -n 's/^\t\[CMD_[A-Z]*\][[:space:]]*= "\([a-z]*\)",$/\1/p' userspace-tool/options.c)
src_long=$(sed -n '/longopts\[\] = {/,/^\t};/s/^\t\t{ "\([a-z0-9-]*\)",.*/--\1/p' userspace-tool/options.c)
src_short=$(sed -n 's/.*getopt_long(argc, argv, "+:\([^"]*\)".*/\1/p' userspace-tool/options.c | tr -d ':' | sed 's/./-& /g')
src_filters=$(grep -o 'strcmp(word, "[a-z]*")' userspace-tool/filter.c | sed 's/.*"\(.*\)")/\1/' | sort -u)
src_groups=$(sed -n '/groups\[\] = {/,/};/{/BIT(TCPSTATE_[A-Z0-9_]*) }/d; s/.*{ "\([a-z-]*\)",.*/\1/p}' userspace-tool/states.c)

[ "$(echo "$src_commands" | wc -w)" -ge 8 ] || problem "cannot read command_names from options.c"
[ "$(echo "$src_long" | wc -w)" -ge 12 ] || problem "cannot read the getopt_long table from options.c"
for w in $src_commands; do
	[[ $commands == *" $w "* ]] || problem "command '$w' (options.c) is not completed"
done
for w in $src_long $src_short; do
	[[ $options == *" $w "* ]] || problem "option '$w' (options.c) is not completed"
done
for w in $src_filters; do
	[[ $filters == *" $w "* ]] || problem "list filter '$w' (filter.c) is not completed"
done
for w in $src_groups; do
	[[ $states == *" $w "* ]] || problem "state group '$w' (states.c) is not completed"
done
# Each state, by either of its names in states.c (ss's, or the JSON key).
paste <(sed -n '/ss_names\[/,/^};/s/.*= "\(.*\)",/\1/p' userspace-tool/states.c) \
	<(sed -n '/ keys\[/,/^};/s/.*= "\(.*\)",/\1/p' userspace-tool/states.c) |
	while read -r ss key; do
		a=$(echo "$ss" | tr 'A-Z_' 'a-z-')
		b=$(echo "$key" | tr '_' '-')
		[[ $states == *" $a "* || $states == *" $b "* ]] ||
			echo "state $ss ($key) is not completed"
	done | while read -r line; do echo "completion-test: $line"; echo x; done | grep -v '^x$' && fail=1
[ "$(echo "$states" | wc -w)" -ge 11 ] || problem "fewer than 11 states completed: $states"

# Every word offered is one the CLI takes (its parser runs before it opens
# the device, so a device that is not there tells the two apart).
for w in $commands; do
	out=$("$cli" -D /nonexistent "$w" 2>&1)
	[[ $out == *"unknown command"* ]] && problem "completed command '$w' is refused: $out"
done
for w in $options; do
	out=$("$cli" "$w" 1 2>&1)
	[[ $out == *"unknown option"* ]] && problem "completed option '$w' is refused: $out"
done
for w in $states; do
	out=$("$cli" -D /nonexistent list state "$w" 2>&1)
	[[ $out == *"unknown state"* ]] && problem "completed state '$w' is refused: $out"
done

# Completions as bash asks for them.
expect()	# WANT WORD...
{
	local want=$1 got
	shift
	got=$(offered "$@")
	[ "$got" = "$want" ] || problem "tcpstate $*<TAB>: expected '$want', saw '$got'"
}
expect 'summary' s
expect '--all-netns' --a
expect 'watch' -i 5 w
expect 'time-wait' -j l state t
expect 'sport' li sp
expect '' summary ''
expect '' -c ''
expect 'cgroup comm' timewait --by c
expect 'pid' list pi

netns=/run/netns
if [ -d "$netns" ] || mkdir -p "$netns" 2>/dev/null; then
	name=complete-test-$$
	if touch "$netns/$name" 2>/dev/null; then
		expect "$name" -n complete-test-$$
		expect "$name" --netns = complete-test-
		rm -f "$netns/$name"
	fi
fi

[ $fail -eq 0 ] && echo "completion-test: commands, options, filters and states match the CLI"
exit $fail
