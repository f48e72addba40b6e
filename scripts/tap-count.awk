# SPDX-License-Identifier: GPL-2.0
#
# Count TAP results: prints "PASSED FAILED SKIPPED".  A top-level result
# from the kselftest runner stands for the nested results printed under it
# ("# ok N ..."), when there are any; a top-level failure with no nested
# failure (a crash, a timeout) counts as one failure of its own.
function flush_nested() { np = 0; nf = 0; ns = 0 }
BEGIN { pass = 0; fail = 0; skip = 0; flush_nested() }
/^# (not )?ok [0-9]+/ {
	if ($0 ~ /^# ok [0-9]+/) {
		if ($0 ~ /# (SKIP|skip)/) ns++; else np++
	} else {
		nf++
	}
	next
}
/^(not )?ok [0-9]+/ {
	top_failed = ($0 ~ /^not ok/)
	top_skipped = ($0 ~ /# (SKIP|skip)/)
	if (np + nf + ns > 0) {
		pass += np; fail += nf; skip += ns
		if (top_failed && nf == 0) fail++
	} else if (top_failed) {
		fail++
	} else if (top_skipped) {
		skip++
	} else {
		pass++
	}
	flush_nested()
}
END { print pass, fail, skip }
