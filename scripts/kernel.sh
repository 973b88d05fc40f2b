#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch, once, a lane's unmodified Debian kernel image and the stock
# modules its guest loads (vfio, vfio-pci, the IOMMU drivers), decompressed
# and in dependency order.
#
# usage: scripts/kernel.sh LANE      (e.g. amd64-6.12)
# result: build/kernel/LANE/{vmlinuz,kver,modules/,modules.order}
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE}
# The debug lane's kernel is built from source, not downloaded.
case $lane in
*-debug) exec "$top/scripts/debug-kernel.sh" "$lane" ;;
esac
arch=$(arch_of "$lane")
suite=$(suite_of "$lane")
out=$build/kernel/$lane
[ -e "$out/.ready" ] && exit 0

root=$build/chroot/$suite
"$top/scripts/chroot.sh" "$suite"
abi=$(cat "$root/.abi")
kver=$abi-$arch
pkg=linux-image-$kver

# Debian 7.x splits the image: linux-image-* is a wrapper that depends on
# linux-binary-* (the kernel) and linux-modules-* (the modules).
log "$lane: downloading $pkg"
rm -rf "$out" "$root/tmp/kernel-$lane"
in_chroot "$root" sh -ec "
	mkdir -p /tmp/kernel-$lane && cd /tmp/kernel-$lane
	apt-get download -q -o APT::Sandbox::User=root $pkg:$arch
	for dep in \$(apt-cache depends --no-recommends --no-suggests \
			$pkg:$arch | sed -n 's/^ *Depends: \(linux-\(binary\|modules\)-[^:]*\).*/\1/p'); do
		apt-get download -q -o APT::Sandbox::User=root \$dep:$arch
	done"

mkdir -p "$out/root"
for deb in "$root/tmp/kernel-$lane"/*.deb; do
	dpkg -x "$deb" "$out/root"
done
rm -rf "$root/tmp/kernel-$lane"

# 6.1 ships /lib/modules, 6.12+ /usr/lib/modules; depmod -b wants lib/.
[ -e "$out/root/lib" ] || ln -s usr/lib "$out/root/lib"
for vmlinuz in "$out/root/boot/vmlinuz-$kver" \
	"$out/root/usr/lib/modules/$kver/vmlinuz"; do
	[ -e "$vmlinuz" ] && break
done
[ -e "$vmlinuz" ] || die "$lane: no vmlinuz in $pkg"
cp "$vmlinuz" "$out/vmlinuz"
echo "$kver" >"$out/kver"

depmod -b "$out/root" "$kver"

# The stock modules the guest loads before ours. Built-in or absent ones
# (iommufd before 6.2, arm-smmu-v3 built in) are simply not listed.
mkdir -p "$out/modules"
: >"$out/modules.order"
for m in vfio_iommu_type1 vfio-pci iommufd arm_smmu_v3; do
	modprobe -d "$out/root" -S "$kver" --show-depends "$m" 2>/dev/null ||
		true
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' |
while read -r ko; do
	name=$(basename "$ko")
	name=${name%.xz}
	name=${name%.zst}
	case $ko in
	*.xz) xz -dc "$ko" >"$out/modules/$name" ;;
	*.zst) zstd -qdc "$ko" >"$out/modules/$name" ;;
	*) cp "$ko" "$out/modules/$name" ;;
	esac
	echo "$name" >>"$out/modules.order"
done
log "$lane: kernel $kver, stock modules: $(tr '\n' ' ' <"$out/modules.order")"
touch "$out/.ready"
