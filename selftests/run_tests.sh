#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# Runs every *_test binary beside this script, passing on its arguments and
# its TAP output unchanged.  Exits 1 if any test binary failed; a binary
# that skipped everything (exit 4, KSFT_SKIP) is not a failure.

dir=$(dirname "$0")
rc=0

for test in "$dir"/*_test; do
	[ -x "$test" ] || continue
	"$test" "$@"
	status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ] || rc=1
done

exit "$rc"
