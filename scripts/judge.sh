# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Judging a guest run from its serial console, shared by every lane
# (lane.sh, udev-lane.sh): every conclusion is a TAP line in
# RUN/results.tap, and RUN/counts holds "passed failed skipped".
#
#   judge_start RUN_DIR NAME CONSOLE BUDGET QEMU_EXIT
#   report "ok"|"not ok" "what"        (more conclusions, by the caller)
#   judge_finish                       (prints, counts; fails on failures)

# Lines that fail a lane wherever they appear in the guest kernel log.
# "RCU lockdep checking is enabled" is the debug kernel's boot banner.
judge_bad_log_lines() {
	grep -E 'WARNING|BUG|Oops|lockdep|refcount_t|KASAN' |
		grep -v 'RCU lockdep checking is enabled'
}

judge_start() {
	judge_out=$1 judge_name=$2
	local console=$3 budget=$4 rc=$5 bad
	judge_results=$judge_out/results.tap
	sed -n '/^@@memattr-tap-begin/,/^@@memattr-tap-end/p' "$console" |
		tr -d '\r' | grep -v '^@@memattr' >"$judge_results" || true

	if grep -q '^@@memattr-done' "$console"; then
		report ok "guest finished within its ${budget}s budget"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		report "not ok" "guest killed after its ${budget}s budget"
	else
		report "not ok" "guest stopped early (qemu exit $rc), see $console"
	fi

	bad=$(sed -n '/^@@memattr-dmesg-begin/,/^@@memattr-dmesg-end/p' \
		"$console" | judge_bad_log_lines || true)
	if [ -z "$bad" ] && grep -q '^@@memattr-dmesg-end' "$console"; then
		report ok "guest kernel log has no WARNING/BUG/Oops/lockdep/refcount_t/KASAN"
	else
		report "not ok" "guest kernel log is not clean"
		printf '# %s\n' "$bad" >>"$judge_results"
	fi
}

report() {
	echo "$1 - $judge_name: $2" >>"$judge_results"
}

judge_finish() {
	local passed failed skipped
	sed "s/^/[$judge_name] /" "$judge_results"
	passed=$(grep -E '^ok ' "$judge_results" | grep -cv '# SKIP' || true)
	skipped=$(grep -E '^ok ' "$judge_results" | grep -c '# SKIP' || true)
	failed=$(grep -cE '^not ok ' "$judge_results" || true)
	echo "$passed $failed $skipped" >"$judge_out/counts"
	echo "[$judge_name] $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}
