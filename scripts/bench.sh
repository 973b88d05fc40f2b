#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: run tools/fault-bench in VM lanes and report, per lane,
# medians over interleaved rounds and ratios against stock vfio-pci
# measured in the same run. Goals: fault-path overhead <= 2% (median of
# the per-round ratios), identical page-table leaf sizes.
#
# usage: scripts/bench.sh [LANE...]   (default: the 6.12 and 7.2 lanes)
# env:   MEMATTR_BENCH_ROUNDS (default 5)
# result: build/bench/report.txt
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(amd64-6.12 arm64-6.12 amd64-7.2 arm64-7.2)
export MEMATTR_BENCH_ROUNDS=${MEMATTR_BENCH_ROUNDS:-5}
mkdir -p "$build/bench"
report=$build/bench/report.txt
: >"$report"
status=0

for lane in "${lanes[@]}"; do
	log "$lane: benchmark, $MEMATTR_BENCH_ROUNDS interleaved rounds"
	"$top/scripts/check.sh" "$lane" >"$build/bench/$lane.log" 2>&1 || {
		echo "$lane: benchmark run failed, see $build/bench/$lane.log" |
			tee -a "$report"
		status=1
		continue
	}
	summary=$build/bench/$lane.txt
	{
		echo "== $lane ($(cat "$build/kernel/$lane/kver"), QEMU TCG on" \
			"$(nproc) host cores: $(sed -n 's/^model name\t*: //p' \
			/proc/cpuinfo | head -n 1))"
		tr -d '\r' <"$build/runs/$lane/console.log" | grep '^bench: ' |
			awk -f "$top/scripts/bench-summary.awk"
	} >"$summary"
	tee -a "$report" <"$summary"
	grep -q '^GOALS: met' "$summary" || status=1
done
echo "report: $report"
exit $status
