#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make check`: install what is missing, build every lane, run every VM
# lane, and end with the summary line "N passed, N failed, N skipped".
#
# usage: scripts/check.sh [LANE...]     (default: all run lanes)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# amd64-6.12-debug builds its kernel (KASAN, lockdep, kmemleak) from
# linux-source-6.12 on the first run (~14 core-minutes), then reuses it.
# LANE-l2: QEMU in the arm64 guest passes two devices to a KVM guest.
run_lanes=(amd64-6.1 arm64-6.1 amd64-6.12 arm64-6.12 amd64-7.2 arm64-7.2
	arm64-6.1-l2 arm64-6.12-l2 arm64-7.2-l2 amd64-6.12-debug)
# Release candidates: built, not booted, by make lint (W=1 and sparse
# against their headers), part of the full run.
build_only_lanes=(amd64-7.3 arm64-7.3)
[ $# -gt 0 ] && run_lanes=("$@") && build_only_lanes=()

start=$(date +%s)
# The machine's busy and idle time over the run: "cpu" in /proc/stat.
read -r _ u0 n0 s0 i0 w0 _ </proc/stat
need_root "make check"
ensure_host_packages mmdebstrap qemu-system-x86 qemu-system-arm cpio gzip \
	xz-utils zstd kmod coreutils util-linux shellcheck tcpdump binutils

# The guest roots made from Debian's packages (mmdebstrap on the host;
# testpmd's also asks the suite's chroot for dpdk-dev's dependencies):
# the -l2 lanes' QEMU, the 6.12 and 7.2 lanes' testpmd, and (full run)
# the udev lane's admin root. Made in the background from
# the start; a lane that needs one before it is ready waits on its lock.
mkdir -p "$build"
rm -f "$build/times"
root_pids=()
if [ ${#build_only_lanes[@]} -gt 0 ]; then
	log "preparing the trixie amd64 admin root in the background (log: build/rootfs-trixie-admin.log)"
	timed root-trixie-admin "$top/scripts/debian-root.sh" trixie amd64 "" \
		"$admin_root_packages" >"$build/rootfs-trixie-admin.log" 2>&1 &
	root_pids+=($!)
fi
for l in "${run_lanes[@]}"; do
	case $l in
	*-debug) continue ;;
	*-l2)
		s=$(suite_of "${l%-l2}")
		log "preparing the $s arm64 root with QEMU in the background (log: build/rootfs-$s-qemu.log)"
		timed "root-$s-qemu" "$top/scripts/debian-root.sh" "$s" arm64 \
			"${l2_vmm_packages//,/+}" "$l2_vmm_packages" \
			>"$build/rootfs-$s-qemu.log" 2>&1 &
		root_pids+=($!)
		;;
	*)
		lane_runs_testpmd "$l" || continue
		s=$(suite_of "$l") a=$(arch_of "$l")
		log "preparing the $s $a root with testpmd in the background (log: build/rootfs-$s-$a-testpmd.log)"
		timed "root-$s-$a-testpmd" "$top/scripts/testpmd-root.sh" "$s" "$a" \
			>"$build/rootfs-$s-$a-testpmd.log" 2>&1 &
		root_pids+=($!)
		;;
	esac
done

# Downloads are network bound: fetch every suite's chroot at once.
suites=$(for l in "${run_lanes[@]}" "${build_only_lanes[@]}"; do
	suite_of "${l%-l2}"; done | sort -u)
pids=()
for s in $suites; do
	log "preparing the $s chroot (log: build/chroot-$s.log)"
	timed "chroot-$s" "$top/scripts/chroot.sh" "$s" >"$build/chroot-$s.log" 2>&1 &
	pids+=($!)
done
# The package chroots: module.sh installs each lane's module from its
# suite's -dkms package (experimental's from sid's), the full run also
# tests the packages (deb-check.sh).
deb_suites=$(for s in $suites; do
	case $s in experimental) echo sid ;; *) echo "$s" ;; esac; done | sort -u)
[ ${#build_only_lanes[@]} -gt 0 ] && deb_suites="bookworm sid trixie"
for s in $deb_suites; do
	log "preparing the deb-$s chroot (log: build/chroot-deb-$s.log)"
	timed "chroot-deb-$s" "$top/scripts/deb-chroot.sh" "$s" \
		>"$build/chroot-deb-$s.log" 2>&1 &
	pids+=($!)
done
# The debug kernel is a build (~14 core-minutes, at nice 19 next to the
# lanes), started as soon as its chroot is there (chroot.sh lets one
# caller at a time make it). Its lane (one TCG thread) follows at once, in
# the background too: the machine has two cores, and the longest single
# job is best started first.
debug_pid='' debug_lane=''
debug_tests=(memattr_attach_test memattr_bind_test memattr_fuzz_test
	memattr_lifecycle_test memattr_policy_test memattr_stress_test)
for l in "${run_lanes[@]}"; do
	case $l in *-debug) ;; *) continue ;; esac
	debug_lane=$l
	log "building the $l kernel, then running its lane, in the background (logs: build/kernel-$l.log, build/debug-lane.log)"
	rm -f "$build/runs/$l/counts"
	{
		timed "kernel-$l" "$top/scripts/kernel.sh" "$l" \
			>"$build/kernel-$l.log" 2>&1 ||
			die "$l: building its kernel failed; see $build/kernel-$l.log"
		# The suites that drive the module's kernel paths hardest
		# (binds, opens, revocation, races, cdev + iommufd), and the
		# host's check of their BAR writes.
		MEMATTR_INJECT_WARN=0 MEMATTR_TESTS="${debug_tests[*]}" \
			MEMATTR_HOST_CHECK=$top/selftests/check-ivshmem-backing.sh \
			timed "$l" "$top/scripts/lane.sh" "$l" || true
	} >"$build/debug-lane.log" 2>&1 &
	debug_pid=$!
done
for p in "${pids[@]}"; do
	wait "$p" || die "a chroot failed; see $build/chroot-*.log"
done
# Full run only. Host checks, in the background from here on at nice 10
# (package and module builds, mostly; the lanes come first): a DKMS round
# trip (make dkms-install and plain dkms commands) with the oldest and the
# newest dkms (trixie's is sid's, 3.2.2, and every trixie lane and
# deb-trixie build with it), the Debian packages in each suite (build,
# lintian, install, upgrade, purge), and make lint. Each script leaves its
# counts; they are read once the job is done.
dkms_suites=(bookworm sid)
host_checks=()
host_pid=''
if [ ${#build_only_lanes[@]} -gt 0 ]; then
	host_checks+=("${dkms_suites[@]/#/dkms-}" deb-bookworm deb-trixie deb-sid)
	host_checks+=(lint)
	for c in "${host_checks[@]}"; do
		rm -f "$build/runs/$c/counts"
	done
	log "host checks (DKMS, packages, lint) run alongside the lanes (log: build/host-checks.log)"
	{
		renice -n 10 -p "$BASHPID" >/dev/null
		for s in "${dkms_suites[@]}"; do
			timed "dkms-$s" "$top/scripts/dkms-check.sh" "$s" || true
		done
		for s in bookworm trixie sid; do
			timed "deb-$s" "$top/scripts/deb-check.sh" "$s" || true
		done
		timed lint "$top/scripts/lint.sh" || true
	} >"$build/host-checks.log" 2>&1 &
	host_pid=$!
fi

# Stock kernels are downloads, all at once (each lane has its own folder;
# a suite's chroot takes one apt call at a time). An -l2 lane boots its
# base lane's kernel: each kernel once.
kernel_pids=()
mapfile -t kernel_lanes < <(printf '%s\n' "${run_lanes[@]%-l2}" | awk '!seen[$0]++')
for l in "${kernel_lanes[@]}"; do
	case $l in *-debug) continue ;; esac
	log "fetching the $l kernel (log: build/kernel-$l.log)"
	timed "kernel-$l" "$top/scripts/kernel.sh" "$l" \
		>"$build/kernel-$l.log" 2>&1 &
	kernel_pids+=("$!:$l")
done
for p in "${kernel_pids[@]}"; do
	wait "${p%%:*}" ||
		die "fetching the ${p#*:} kernel failed; see $build/kernel-${p#*:}.log"
done

passed=0 failed=0 skipped=0
# A lane that stopped before judging (a build or setup step failed) has
# no counts: that is one failure, never a stale or empty result.
# run NAME CMD...: a lane (or check) whose results go to build/runs/NAME.
run() {
	local name=$1
	shift
	rm -f "$build/runs/$name/counts"
	timed "$name" "$@" || true
	count "$name"
}
count() {
	local p f s
	if [ -r "$build/runs/$1/counts" ]; then
		read -r p f s <"$build/runs/$1/counts"
	else
		echo "not ok - [$1] lane did not complete (see the messages above)"
		p=0 f=1 s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for l in "${run_lanes[@]}"; do
	case $l in
	*-debug) continue ;;
	*-l2) run "$l" "$top/scripts/l2-lane.sh" "${l%-l2}" ;;
	*) run "$l" env MEMATTR_INJECT_WARN=0 "$top/scripts/lane.sh" "$l" ;;
	esac
done
# Every root is there by now (each lane made what it lacked).
for p in "${root_pids[@]}"; do
	wait "$p" || log "making a guest root failed; see $build/rootfs-*.log"
done

# Guest checks (full run only): udev rules + memattrctl under the real
# systemd-udevd, and two boots of special machines.
if [ ${#build_only_lanes[@]} -gt 0 ]; then
	run udev "$top/scripts/udev-lane.sh" udev
	# x86 without PAT: normal-nc must be refused, never silently UC-.
	run amd64-6.12-nopat env MEMATTR_GUEST_ARGS=nopat \
		MEMATTR_TESTS=memattr_nopat_test \
		"$top/scripts/lane.sh" amd64-6.12 amd64-6.12-nopat
	# A BAR the PCI core leaves unassigned (no window has room for it).
	run arm64-6.12-lowmem env MEMATTR_VM_LOWMEM=1 \
		MEMATTR_TESTS=memattr_claimed_bar_test \
		"$top/scripts/lane.sh" arm64-6.12 arm64-6.12-lowmem
fi

# Self-check of the runner itself: a guest kernel WARNING must fail a lane.
if [ ${#build_only_lanes[@]} -gt 0 ]; then
	warn_lane=${run_lanes[0]}
	log "self-check: a lane whose guest WARNs must fail"
	# One test that skips at once is enough: the WARN comes at boot.
	if MEMATTR_INJECT_WARN=1 MEMATTR_TESTS=memattr_nopat_test \
		"$top/scripts/lane.sh" "$warn_lane" "$warn_lane-warn" \
		>"$build/self-check.log" 2>&1; then
		echo "not ok - self-check: $warn_lane passed with an injected WARNING"
		failed=$((failed + 1))
	elif grep -q "not ok - $warn_lane-warn: guest kernel log is not clean" \
		"$build/self-check.log"; then
		echo "ok - self-check: an injected guest WARNING fails the lane"
		passed=$((passed + 1))
	else
		echo "not ok - self-check: $warn_lane failed, but not on its log"
		failed=$((failed + 1))
	fi
fi

if [ -n "$host_pid" ]; then
	log "waiting for the host checks (log: build/host-checks.log)"
	wait "$host_pid" || true
	cat "$build/host-checks.log"
	for c in "${host_checks[@]}"; do
		count "$c"
	done
fi

if [ -n "$debug_pid" ]; then
	log "waiting for the $debug_lane lane (log: build/debug-lane.log)"
	wait "$debug_pid" || true
	cat "$build/debug-lane.log"
	count "$debug_lane"
fi

# Where the time went: each step's wall and CPU time, longest CPU first,
# and how busy the machine was.
read -r _ u1 n1 s1 i1 w1 _ </proc/stat
busy=$(((u1 + n1 + s1) - (u0 + n0 + s0)))
idle=$(((i1 + w1) - (i0 + w0)))
hz=$(getconf CLK_TCK)
log "time per step (wall s, CPU s: user + system), from build/times:"
awk '{ printf "  %-28s %7.0f %7.0f\n", $1, $2, $3 + $4 }' "$build/times" |
	sort -k3 -rn >&2
log "wall time: $(($(date +%s) - start)) s; CPU busy $((busy / hz)) s, idle $((idle / hz)) s (all cores)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
