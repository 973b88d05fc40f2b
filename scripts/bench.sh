#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: run selftests/guest-tools/fault-bench in VM lanes and
# report, per lane, medians over interleaved rounds and ratios against
# stock vfio-pci measured in the same run. The verdict comes from a guest
# under QEMU -icount shift=0 on one vCPU, whose clock counts executed
# instructions: deterministic, whatever else the host does. Goals
# (bench-summary.awk): per-fault (4K, PMD, PUD) and mmap+munmap ratios <=
# 1.02, leaf sizes as stock, stock against itself 1.000. A second run
# without icount gives wall-clock figures, magnitude only. Exits non-zero
# when a goal is missed.
#
# usage: scripts/bench.sh [LANE...]   (default: the 6.12 and 7.2 lanes)
# env:   MEMATTR_BENCH_ROUNDS (default 5), MEMATTR_BENCH_WALL=0 to skip
#        the wall-clock run
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

# run LANE KIND [ENV...]: one benchmark guest; its log and summary.
run() {
	local lane=$1 kind=$2
	shift 2
	if ! env "$@" "$top/scripts/check.sh" "$lane" \
		>"$build/bench/$lane-$kind.log" 2>&1; then
		echo "$lane: $kind benchmark run failed, see $build/bench/$lane-$kind.log" |
			tee -a "$report"
		status=1
		return 1
	fi
	tr -d '\r' <"$build/runs/$lane/console.log" | grep '^bench: ' \
		>"$build/bench/$lane-$kind.lines"
}

for lane in "${lanes[@]}"; do
	log "$lane: benchmark under icount, $MEMATTR_BENCH_ROUNDS interleaved rounds"
	run "$lane" icount MEMATTR_VM_ICOUNT=1 MEMATTR_VM_CPUS=1 || continue
	summary=$build/bench/$lane.txt
	{
		echo "== $lane ($(cat "$build/kernel/$lane/kver")), QEMU TCG -icount shift=0, 1 vCPU: instruction counts"
		awk -v goals=1 -f "$top/scripts/bench-summary.awk" \
			"$build/bench/$lane-icount.lines"
	} >"$summary"
	grep -q '^GOALS: met' "$summary" || status=1
	if [ "${MEMATTR_BENCH_WALL:-1}" != 0 ]; then
		log "$lane: benchmark on the wall clock (magnitude only)"
		if run "$lane" wall; then
			{
				echo
				echo "-- $lane wall clock: QEMU TCG on $(nproc) host cores ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)), magnitude only"
				awk -f "$top/scripts/bench-summary.awk" \
					"$build/bench/$lane-wall.lines"
			} >>"$summary"
		fi
	fi
	tee -a "$report" <"$summary"
done
echo "report: $report"
exit $status
