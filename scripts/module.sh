#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build and install memattr-vfio-pci.ko for one lane the way a Debian
# admin's machine does: the suite's memattr-vfio-pci-dkms package (`make
# deb`, built again only when the tree changed) installed with dpkg in
# the suite's own chroot, and dkms building the module with that suite's
# dkms, compiler and headers. The package's postinst would build for
# every kernel in the chroot, the other architecture's and the debug
# kernel's included, without a cross compiler: it is told not to
# (/etc/dkms/no-autoinstall, for that one dpkg call), and `dkms add`,
# `build -k KVER`, `install -k KVER` follow with this lane's environment
# (arm64: ARCH/CROSS_COMPILE; W=1 passed through as KBUILD_EXTRA_WARN).
# The lane loads the .ko that dkms installed under
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

# The package: experimental's chroot is sid's plus experimental, so it
# takes sid's (arch all, identical but for dh-dkms's maintainer scripts).
deb_suite=$suite
[ "$suite" = experimental ] && deb_suite=sid
debs=$build/deb/$deb_suite
# One builder of a suite's packages at a time: its lanes (the debug lane
# among them) may ask at once.
mkdir -p "$build/deb"
exec 7>"$debs.lock"
flock 7
# None yet on a fresh tree: find fails on the missing folder, which
# pipefail would make this script's silent exit.
deb=
[ -d "$debs" ] &&
	deb=$(find "$debs" -maxdepth 1 -name "${name}-dkms_*_all.deb" | head -n 1)
if [ -z "$deb" ] || [ -n "$(cd "$top" && find src Kbuild dkms.conf \
	scripts/probe-features.sh debian Makefile -newer "$deb" -print -quit)" ]; then
	log "$lane: building the $deb_suite packages (make deb, log: $debs/build.log)"
	# lintian is deb-check's business (make check), not the lanes'.
	MEMATTR_DEB_LINTIAN=0 "$top/scripts/deb.sh" "$deb_suite" >/dev/null
	deb=$(find "$debs" -maxdepth 1 -name "${name}-dkms_*_all.deb" | head -n 1)
fi
[ -n "$deb" ] || die "$lane: no ${name}-dkms package in $debs"

# The lane's module is built once per package and kernel: a later boot of
# the lane's kernel (the nopat, lowmem, -l2 and self-check runs) loads the
# one dkms built for the first.
# The kernel's build configuration is part of the key: the debug kernel
# keeps its release name across configurations.
stamp=$({
	sha256sum "$deb" "$0"
	echo "$kver"
	sha256sum "$root$kdir/.config" "$root$kdir/Module.symvers" 2>/dev/null || true
	find "$top/selftests/modules" -type f -print0 | sort -z | xargs -0 sha256sum
} | sha256sum | cut -d' ' -f1)
if [ -e "$out/$name.ko" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	log "$lane: $name.ko from ${deb##*/} up to date"
	exit 0
fi
rm -f "$out/stamp"

rm -rf "$out/dkms"
mkdir -p "$out/dkms"
log "$lane: dpkg -i ${deb##*/}; dkms build/install $name/$ver for $kver"
# One locked chroot call: the suite's two lanes share its dkms tree.
stage=/tmp/memattr-dkms-deb-$lane
rm -rf "${root:?}$stage"
mkdir -p "$root$stage"
cp "$deb" "$root$stage/"
exec 7>&- # the package is copied: others may rebuild theirs
in_chroot "$root" env "${cross[@]}" KBUILD_EXTRA_WARN=1 sh -ec "
	dkms remove $name/$ver --all >/dev/null 2>&1 || true
	# A source tree that an earlier hand-run dkms left, not the package's.
	dpkg -S /usr/src/$name-$ver >/dev/null 2>&1 ||
		rm -rf /usr/src/$name-$ver /var/lib/dkms/$name
	mkdir -p /etc/dkms
	touch /etc/dkms/no-autoinstall
	status=0
	dpkg -i $stage/${deb##*/} || status=\$?
	rm -f /etc/dkms/no-autoinstall
	[ \$status = 0 ]
	[ -d /var/lib/dkms/$name/$ver ] || dkms add $name/$ver
	rm -rf /tmp/memattr-dkms-out-$lane && mkdir -p /tmp/memattr-dkms-out-$lane
	dkms build $name/$ver -k $kver || status=\$?
	find /var/lib/dkms/$name -name make.log -exec cp {} /tmp/memattr-dkms-out-$lane/ \\;
	[ \$status = 0 ] || exit \$status
	dkms install $name/$ver -k $kver
	cp /lib/modules/$kver/updates/dkms/$name.ko* /tmp/memattr-dkms-out-$lane/"
rm -rf "${root:?}$stage"
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
echo "$stamp" >"$out/stamp"
