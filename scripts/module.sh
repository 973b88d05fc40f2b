#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build memattr-vfio-pci.ko, and the test-only modules under
# selftests/modules, for one lane with that suite's own compiler and
# headers (W=1), in a private copy of the tree so lanes never share
# objects.
#
# usage: scripts/module.sh LANE
# result: build/lanes/LANE/memattr-vfio-pci.ko, build/lanes/LANE/test/*.ko
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE}
arch=$(arch_of "$lane")
suite=$(suite_of "$lane")
root=$build/chroot/$suite
"$top/scripts/chroot.sh" "$suite"
abi=$(cat "$root/.abi")
kdir=/usr/src/linux-headers-$abi-$arch
out=$build/lanes/$lane
cross=()
[ "$arch" = arm64 ] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)

work=/tmp/memattr-$lane
rm -rf "${root:?}$work"
mkdir -p "$root$work" "$out"
cp -a "$top/Kbuild" "$top/src" "$top/scripts" "$root$work/"
mkdir -p "$root$work/test-modules"
cp -a "$top/selftests/modules/." "$root$work/test-modules/" 2>/dev/null || true

log "$lane: building memattr-vfio-pci against $abi-$arch"
in_chroot "$root" make -s -C "$kdir" M="$work" W=1 "${cross[@]}" modules
cp "$root$work/memattr-vfio-pci.ko" "$out/"
if [ -e "$root$work/test-modules/Kbuild" ]; then
	in_chroot "$root" make -s -C "$kdir" M="$work/test-modules" W=1 \
		"${cross[@]}" modules
	rm -rf "$out/test"
	mkdir -p "$out/test"
	cp "$root$work"/test-modules/*.ko "$out/test/"
fi
rm -rf "${root:?}$work"
