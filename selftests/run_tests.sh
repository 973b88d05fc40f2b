#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# usage: run_tests.sh [TEST...]
#
# Runs the named *_test binaries beside this script, or every one, with
# their TAP output.  The suites that drive the module in either of its
# modes (selftests/lib/test_mode.h) run twice, MEMATTR_TEST_MODE=variant
# then attach, each result line tagged with its mode ("not ok 3 [attach]
# policy.debugfs_report") so that a failure says which mode it was in.
# Exits 1 if any test binary failed or a named one is missing; a binary
# that skipped everything (exit 4, KSFT_SKIP) is not a failure.

dir=$(dirname "$0")
status_file=$(mktemp) || exit 1
rc=0

# run_test TEST [MODE]: its TAP lines, then how long it took as a comment
# ("# memattr_policy_test [attach]: 31 s"), to see where a lane's time goes.
run_test() {
	t0=$(date +%s)
	if [ -z "$2" ]; then
		"$dir/$1"
		status=$?
	else
		{
			MEMATTR_TEST_MODE=$2 "$dir/$1" 2>&1
			echo $? >"$status_file"
		} | sed -e "s/^ok \([0-9]*\) /ok \1 [$2] /" \
			-e "s/^not ok \([0-9]*\) /not ok \1 [$2] /"
		status=$(cat "$status_file")
	fi
	echo "# $1${2:+ [$2]}: $(($(date +%s) - t0)) s"
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ] || rc=1
}

if [ $# -eq 0 ]; then
	for test in "$dir"/*_test; do
		[ -x "$test" ] && set -- "$@" "${test##*/}"
	done
fi

for test in "$@"; do
	if [ ! -x "$dir/$test" ]; then
		echo "not ok - run_tests.sh: no test binary $test"
		rc=1
		continue
	fi
	case $test in
	memattr_policy_test | memattr_fuzz_test | memattr_stress_test | \
		memattr_lifecycle_test | kvm_stage2_test)
		run_test "$test" variant
		run_test "$test" attach
		;;
	*)
		run_test "$test"
		;;
	esac
done

rm -f "$status_file"
exit "$rc"
