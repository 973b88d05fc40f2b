#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run one VM lane: build the module for the lane's stock kernel, boot it
# with the test devices, run the selftests, and judge the result. Prints
# the lane's TAP lines prefixed with the lane name and writes the counts
# to build/runs/RUN/counts ("passed failed skipped").
#
# usage: scripts/lane.sh LANE [RUN]   (RUN names the result folder,
#                                     default LANE: build/runs/RUN)
# env:   MEMATTR_LANE_TIMEOUT  guest time budget in seconds (default 600,
#                              2400 for the debug kernel's lane)
#        MEMATTR_STRESS_SECONDS  memattr_stress_test's run in each of
#                              its two modes (default 10, 30 on the debug
#                              kernel's lane)
#        MEMATTR_INJECT_WARN=1 load a test module that WARNs (self-check)
#        MEMATTR_BENCH_ROUNDS=N run the benchmark (tools/fault-bench, N
#                              interleaved rounds) instead of the tests
#        MEMATTR_GUEST_ARGS    more guest kernel arguments (e.g. nopat)
#        MEMATTR_GUEST_PACKAGES=P,Q  a Debian root with these packages
#                              (scripts/debian-root.sh) under the busybox
#                              one, e.g. a VMM for the guest to run
#        MEMATTR_GUEST_EXTRA=DIR  copied over the guest's root
#        MEMATTR_HOST_CHECK=CMD  after the guest, "CMD BACKING TOKEN" prints
#                              one TAP line on the ivshmem backing files
#        MEMATTR_TESTS="A B"   run only these selftest binaries (then the
#                              host's backing-file check, which needs the
#                              whole suite's writes, is left out)
# The 6.12 and 7.2 lanes also carry DPDK's testpmd (the suite's own) and
# the virtio-net it drives, when dpdk_testpmd_test is to run; the host
# then counts what the NIC sent (selftests/check-dpdk-pcap.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/judge.sh
. "$(dirname "$0")/judge.sh"

lane=${1:?usage: $0 LANE [RUN]}
arch=$(arch_of "$lane")
out=$build/runs/${2:-$lane}
modules=$build/lanes/$lane
# At least twice the longest guest measured (2026-12-07, fresh-clone make
# check on a loaded 2-core machine, the suites in both modes): 3.6 min for
# a stock kernel's lane (arm64-7.2, 215 s), so 10 min; 11 min for the
# KASAN/lockdep/kmemleak kernel's, which runs next to the VM lanes and
# the host checks, so 40 min (it took 16 min in an earlier layout).
case $lane in
*-debug) budget=${MEMATTR_LANE_TIMEOUT:-2400} ;;
*) budget=${MEMATTR_LANE_TIMEOUT:-600} ;;
esac
# memattr_stress_test's run: 20 s on every stock kernel's lane (six of
# them), 60 s on the debug kernel's, where KASAN and lockdep watch it;
# split between its two runs (variant and attach mode, run_tests.sh).
case $lane in
*-debug) stress_seconds=${MEMATTR_STRESS_SECONDS:-30} ;;
*) stress_seconds=${MEMATTR_STRESS_SECONDS:-10} ;;
esac
suite=$(suite_of "$lane")
[ "$suite" = experimental ] && suite=sid
dpdk=''
if lane_runs_testpmd "$lane"; then
	case ${MEMATTR_TESTS:-all} in
	all | *dpdk_testpmd_test*) dpdk=1 ;;
	esac
fi
rm -rf "$out"
mkdir -p "$out"

"$top/scripts/kernel.sh" "$lane"
"$top/scripts/module.sh" "$lane"
"$top/scripts/guest.sh" "$arch"

# The initramfs: busybox, /init, the stock modules in load order, ours,
# and the selftests.
log "$lane: assembling initramfs"
rootfs=$out/initramfs
rm -rf "$rootfs"
mkdir -p "$rootfs"
if [ -n "${MEMATTR_GUEST_PACKAGES:-}" ]; then
	tar_file=$("$top/scripts/debian-root.sh" "$suite" "$arch" \
		"${MEMATTR_GUEST_PACKAGES//,/+}" "$MEMATTR_GUEST_PACKAGES")
	tar -xf "$tar_file" -C "$rootfs"
	# The merged /usr's links, which no maintainer script made.
	for d in bin lib sbin; do
		[ -e "$rootfs/$d" ] || ln -s "usr/$d" "$rootfs/$d"
	done
fi
mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,selftests,tools} \
	"$rootfs"/lib/modules/{stock,test}
cp "$build/guest/$arch/busybox" "$rootfs/bin/busybox"
ln -sfn busybox "$rootfs/bin/sh"
install -m 755 "$top/scripts/guest-init.sh" "$rootfs/init"
cp "$build/kernel/$lane/modules"/*.ko "$rootfs/lib/modules/stock/"
cp "$build/kernel/$lane/modules.order" "$rootfs/lib/modules/stock.order"
cp "$modules/memattr-vfio-pci.ko" "$rootfs/lib/modules/"
for ko in "$modules"/test/*.ko; do
	case ${ko##*/}:${MEMATTR_INJECT_WARN:-0} in
	memattr-test-warn.ko:0) ;;
	*) cp "$ko" "$rootfs/lib/modules/test/" ;;
	esac
done
cp -a "$build/guest/$arch/selftests/." "$rootfs/selftests/"
cp -a "$build/guest/$arch/tools/." "$rootfs/tools/"
[ -z "${MEMATTR_GUEST_EXTRA:-}" ] || cp -a "$MEMATTR_GUEST_EXTRA/." "$rootfs/"
if [ -n "$dpdk" ]; then
	ensure_host_packages tcpdump
	cp -a "$("$top/scripts/testpmd-root.sh" "$suite" "$arch")/." "$rootfs/"
fi
(cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz"

read -ra guest_args <<<"${MEMATTR_GUEST_ARGS:-}"
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
console=$out/console.log
log "$lane: booting $(cat "$build/kernel/$lane/kver") (TCG, budget ${budget}s)"
rc=0
MEMATTR_VM_NIC_PCAP=${dpdk:+$out/nic.pcap} \
	timeout --kill-after=10 "$budget" "$top/scripts/vm.sh" "$lane" \
	"$out/initrd.gz" "$out/ivshmem.bin" "memattr.token=$token" \
	"memattr.stress_seconds=$stress_seconds" \
	${MEMATTR_BENCH_ROUNDS:+"memattr.bench_rounds=$MEMATTR_BENCH_ROUNDS"} \
	${MEMATTR_TESTS:+"memattr.tests=${MEMATTR_TESTS// /,}"} \
	"${guest_args[@]}" \
	>"$console" 2>&1 || rc=$?

judge_start "$out" "${2:-$lane}" "$console" "$budget" "$rc"

# Debug kernels only: the kmemleak report the guest read after the suite.
if grep -q '^@@memattr-kmemleak-begin' "$console"; then
	leaks=$(sed -n '/^@@memattr-kmemleak-begin/,/^@@memattr-kmemleak-end/p' \
		"$console" | tr -d '\r' | grep -v '^@@memattr' || true)
	if ! grep -q 'unreferenced object' <<<"$leaks" &&
		grep -q '^@@memattr-kmemleak-end' "$console"; then
		report ok "kmemleak: no unreferenced object after the suite"
	else
		report "not ok" "kmemleak: unreferenced objects after the suite"
		printf '%s\n' "$leaks" | head -n 80 | sed 's/^/# /' >>"$judge_results"
	fi
fi

# The host's check of what the guest wrote: the whole suite's patterns by
# default; the benchmark and a partial suite write none, unless the caller
# names the check that fits them.
host_check=${MEMATTR_HOST_CHECK:-}
if [ -z "$host_check" ] && [ -z "${MEMATTR_BENCH_ROUNDS:-}${MEMATTR_TESTS:-}" ]; then
	host_check=$top/selftests/check-ivshmem-backing.sh
fi
if [ -z "$host_check" ]; then
	:
elif $host_check "$out/ivshmem.bin" "$token" >"$out/backing.tap"; then
	report ok "host: $(sed -n '1s/^ok - //p' "$out/backing.tap")"
else
	report "not ok" "host: the guest's writes are not in the backing files"
	sed 's/^/# /' "$out/backing.tap" >>"$judge_results"
fi

# What testpmd sent, as the host saw it leave the NIC.
if [ -n "$dpdk" ]; then
	if "$top/selftests/check-dpdk-pcap.sh" "$out/nic.pcap" "$console" \
		>"$out/pcap.tap"; then
		report ok "host: $(sed -n '1s/^ok - //p' "$out/pcap.tap")"
	else
		report "not ok" "host: $(sed -n '1s/^not ok - //p' "$out/pcap.tap")"
	fi
fi

judge_finish
