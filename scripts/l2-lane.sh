#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The nested-VMM lane of an arm64 kernel: its guest (L1) runs at EL2 with
# /dev/kvm and holds the suite's own QEMU (qemu-system-arm, in a Debian
# root under the lane's busybox one), and a nested guest (L2): the lane's
# kernel and a busybox initramfs whose /init is selftests/l2/init.sh.
# selftests/qemu_l2_test.c passes two ivshmem devices to L2 with QEMU's
# vfio-pci and observes the stage-2 attribute KVM installs for each; the
# host then finds L2's stores in both backing files
# (selftests/check-l2-backing.sh).
#
# usage: scripts/l2-lane.sh LANE   (an arm64 lane; results in build/runs/LANE-l2)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE}
[ "$(arch_of "$lane")" = arm64 ] || die "$lane: the nested lane needs KVM/arm64 (an arm64 lane)"

"$top/scripts/kernel.sh" "$lane"
"$top/scripts/guest.sh" arm64

# L2's kernel and initramfs, under /l2 in L1's root.
extra=$build/l2/$lane
rm -rf "$extra"
mkdir -p "$extra/l2" "$extra/initramfs/"{bin,dev,proc,sys}
cp "$build/guest/arm64/busybox" "$build/guest/arm64/tools/l2-store" \
	"$extra/initramfs/bin/"
ln -s busybox "$extra/initramfs/bin/sh"
install -m 755 "$top/selftests/l2/init.sh" "$extra/initramfs/init"
(cd "$extra/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) \
	>"$extra/l2/initrd.gz"
rm -rf "$extra/initramfs"
cp "$build/kernel/$lane/vmlinuz" "$extra/l2/vmlinuz"

MEMATTR_GUEST_PACKAGES=$l2_vmm_packages MEMATTR_GUEST_EXTRA=$extra \
	MEMATTR_TESTS=qemu_l2_test \
	MEMATTR_HOST_CHECK=$top/selftests/check-l2-backing.sh \
	exec "$top/scripts/lane.sh" "$lane" "$lane-l2"
