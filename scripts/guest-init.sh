#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# /init of a lane's test guest (busybox): load the stock vfio modules, then
# ours, hand the test devices to stock vfio-pci (their "previous driver"),
# run the selftests, print the kernel log, power off. The host runner reads
# the blocks between the @@memattr markers on the serial console.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Pseudo-terminals: dpdk_testpmd_test talks to testpmd on one.
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

cmdline_value() {
	sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" /proc/cmdline
}

# Kernel messages stay in the log (dumped below), not among the TAP lines.
echo 1 >/proc/sys/kernel/printk

echo "@@memattr-tap-begin"
echo "TAP version 13"
echo "1..2"
ok=ok
while read -r m; do
	insmod "/lib/modules/stock/$m" || ok="not ok"
done </lib/modules/stock.order
echo "$ok 1 guest: load stock modules ($(tr '\n' ' ' </lib/modules/stock.order))"
# Test-only helper modules (and, for the runner's self-check, one that
# WARNs on load).
for m in /lib/modules/test/*.ko; do
	[ -e "$m" ] && insmod "$m"
done
ok=ok
insmod /lib/modules/memattr-vfio-pci.ko || ok="not ok"
echo "$ok 2 guest: load memattr-vfio-pci"

# The address of the Nth (from 1) device of a vendor:device pair.
find_device() {
	n=0
	for dev in /sys/bus/pci/devices/*; do
		[ "$(cat "$dev/vendor"):$(cat "$dev/device")" = "$1" ] || continue
		n=$((n + 1))
		[ "$n" = "$2" ] || continue
		echo "${dev##*/}"
		return
	done
}
# The same device, bound to stock vfio-pci.
claim() {
	bdf=$(find_device "$1" "$2")
	[ -n "$bdf" ] || return 0
	echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	echo "$bdf"
}
# vm.sh creates the 8 MiB ivshmem first, then the 1 GiB one.
MEMATTR_BDF=$(claim 0x1af4:0x1110 1)
MEMATTR_BDF2=$(claim 0x1af4:0x1110 2)
MEMATTR_MSIX_BDF=$(claim 0x8086:0x10d3 1)
# The modern virtio-net of the DPDK lanes, if any: its test binds it.
MEMATTR_NET_BDF=$(find_device 0x1af4:0x1041 1)
MEMATTR_TOKEN=$(cmdline_value memattr.token)
MEMATTR_KO=/lib/modules/memattr-vfio-pci.ko
MEMATTR_STRESS_SECONDS=$(cmdline_value memattr.stress_seconds)
export MEMATTR_BDF MEMATTR_BDF2 MEMATTR_MSIX_BDF MEMATTR_NET_BDF \
	MEMATTR_TOKEN MEMATTR_KO MEMATTR_STRESS_SECONDS

rounds=$(cmdline_value memattr.bench_rounds)
if [ -n "$rounds" ]; then
	# `make bench`: interleaved rounds on the 1 GiB BAR (huge leaves).
	if /tools/fault-bench -r "$rounds" "$MEMATTR_BDF2"; then
		echo "ok 3 bench: fault-bench, $rounds rounds"
	else
		echo "not ok 3 bench: fault-bench failed"
	fi
else
	# memattr.tests=A,B: a partial suite (e.g. the nopat boot), the named
	# binaries only; without it, all of them.
	tests=$(cmdline_value memattr.tests | tr , ' ')
	# shellcheck disable=SC2086 # one word per test
	cd /selftests && sh ./run_tests.sh $tests ||
		# Also a binary that died before its plan, with no result line.
		echo "not ok - guest: run_tests.sh: a test binary failed"
fi
echo "@@memattr-tap-end"

# Debug kernels (CONFIG_DEBUG_KMEMLEAK, no auto scan): scan once the suite
# is done; the runner fails the lane on any unreferenced object. Objects
# younger than 5 s are never reported, and a second scan drops those that
# were only briefly unreferenced.
if [ -e /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	echo "@@memattr-kmemleak-begin"
	cat /sys/kernel/debug/kmemleak
	echo "@@memattr-kmemleak-end"
fi

echo "@@memattr-dmesg-begin"
# busybox dmesg prints nothing straight to the serial console; a pipe works.
dmesg | cat
echo "@@memattr-dmesg-end"
echo "@@memattr-done"
poweroff -f
