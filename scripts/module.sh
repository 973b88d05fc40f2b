#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build and install memattr-vfio-pci.ko for one lane the way a user's
# machine does: `dkms add`, `dkms build`, `dkms install` in the suite's own
# chroot, with its dkms, compiler and headers (arm64 cross-built through
# ARCH/CROSS_COMPILE in dkms's environment), W=1 passed through as
# KBUILD_EXTRA_WARN. The lane loads the .ko that dkms installed under
# /lib/modules/KVER/updates/dkms (decompressed when that dkms compresses).
# The test-only modules under selftests/modules are built directly (W=1).
#
# usage: scripts/module.sh LANE
# result: build/lanes/LANE/memattr-vfio-pci.ko, build/lanes/LANE/test/*.ko,
#         build/lanes/LANE/dkms-make.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE}
arch=$(arch_of "$lane")
suite=$(suite_of "$lane")
root=$build/chroot/$suite
"$top/scripts/chroot.sh" "$suite"
abi=$(cat "$root/.abi")
kver=$abi-$arch
# The debug lane's kernel (scripts/debug-kernel.sh) has its own release.
case $lane in
*-debug) kver=$(cat "$build/kernel/$lane/kver") ;;
esac
kdir=/usr/src/linux-headers-$kver
out=$build/lanes/$lane
cross=()
[ "$arch" = arm64 ] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
name=memattr-vfio-pci
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

rm -rf "$out/dkms"
mkdir -p "$out/dkms"
log "$lane: dkms add/build/install $name/$ver for $kver"
# One locked chroot call: the suite's two lanes share its dkms tree. The
# source is copied in by the same call, after the previous one is removed.
stage=/tmp/memattr-dkms-src-$lane
rm -rf "${root:?}$stage"
mkdir -p "$root$stage"
cp -a "$top/dkms.conf" "$top/Kbuild" "$top/src" "$top/scripts" "$root$stage/"
in_chroot "$root" env "${cross[@]}" KBUILD_EXTRA_WARN=1 sh -ec "
	dkms remove $name/$ver --all >/dev/null 2>&1 || true
	rm -rf /usr/src/$name-$ver /var/lib/dkms/$name
	mv $stage /usr/src/$name-$ver
	dkms add $name/$ver
	status=0
	dkms build $name/$ver -k $kver || status=\$?
	rm -rf /tmp/memattr-dkms-out-$lane && mkdir -p /tmp/memattr-dkms-out-$lane
	find /var/lib/dkms/$name -name make.log -exec cp {} /tmp/memattr-dkms-out-$lane/ \\;
	[ \$status = 0 ] || exit \$status
	dkms install $name/$ver -k $kver
	cp /lib/modules/$kver/updates/dkms/$name.ko* /tmp/memattr-dkms-out-$lane/"
dout=$root/tmp/memattr-dkms-out-$lane
cp "$dout/make.log" "$out/dkms-make.log" 2>/dev/null || true
# The warnings of the W=1 build, as `make -s` would have shown them.
grep -E 'warning:|error:' "$out/dkms-make.log" || true
ko=$(find "$dout" -name "$name.ko*" | head -n 1)
[ -n "$ko" ] || die "$lane: dkms installed no $name.ko for $kver"
case $ko in
*.xz) xz -dc "$ko" >"$out/$name.ko" ;;
*.zst) zstd -qdc "$ko" >"$out/$name.ko" ;;
*.gz) gzip -dc "$ko" >"$out/$name.ko" ;;
*) cp "$ko" "$out/$name.ko" ;;
esac
echo "${ko##*/}" >"$out/dkms/installed-as"
rm -rf "$dout"

# Test-only modules: never shipped, plain Kbuild.
work=/tmp/memattr-test-$lane-$$
rm -rf "${root:?}$work"
if [ -e "$top/selftests/modules/Kbuild" ]; then
	mkdir -p "$root$work"
	cp -a "$top/selftests/modules/." "$root$work/"
	in_chroot "$root" make -s -C "$kdir" M="$work" W=1 "${cross[@]}" modules
	rm -rf "$out/test"
	mkdir -p "$out/test"
	cp "$root$work"/*.ko "$out/test/"
	rm -rf "${root:?}$work"
fi
