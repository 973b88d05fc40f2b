#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A Debian root file system as an initramfs for a lane's kernel: what an
# admin's machine has (systemd-udevd, kmod, bash), plus memattr-vfio-pci as
# DKMS installed it (scripts/module.sh), the packaged udev rules and helper
# from udev/, memattrctl, and the start-up code the /init scripts source
# (scripts/guest-boot.sh). Used by the udev lane and by `make demo`.
#
# The root is made once per suite and architecture (scripts/debian-root.sh,
# packages unpacked, no maintainer script run). What the maintainer scripts
# would have made and the guest needs (/etc/passwd, /etc/group, the /usr
# merge links) is added here by hand.
#
# usage: scripts/rootfs.sh LANE INIT INITRD [EXTRA_DIR] [MODULE...]
#   INIT       becomes /init
#   INITRD     the gzip'ed cpio written
#   EXTRA_DIR  copied over the root (the caller's own binaries), or ""
#   MODULE     stock modules of the lane kernel to add, with what they need
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE INIT INITRD [EXTRA_DIR] [MODULE...]}
init=${2:?}
initrd=${3:?}
extra=${4:-}
shift $(($# < 4 ? $# : 4))
arch=$(arch_of "$lane")
suite=$(suite_of "$lane")

tar_file=$("$top/scripts/debian-root.sh" "$suite" "$arch" "" \
	"$admin_root_packages")

rootfs=$initrd.root
rm -rf "$rootfs"
mkdir -p "$rootfs"
trap 'rm -rf "$rootfs"' EXIT
tar -xf "$tar_file" -C "$rootfs"

# What postinsts would have made: the accounts udev's rules name, the
# aliased directories of the merged /usr, the mount points.
for f in passwd group; do
	[ -e "$rootfs/etc/$f" ] ||
		cp "$rootfs/usr/share/base-passwd/$f.master" "$rootfs/etc/$f"
done
for d in bin lib sbin; do
	[ -e "$rootfs/$d" ] || ln -s "usr/$d" "$rootfs/$d"
done
[ "$arch" = amd64 ] && { [ -e "$rootfs/lib64" ] || ln -s usr/lib64 "$rootfs/lib64"; }
mkdir -p "$rootfs"/{proc,sys,dev,run,tmp,etc/udev/rules.d}

install -m 755 "$init" "$rootfs/init"
# The path every INIT sources it from.
install -D -m 644 "$top/scripts/guest-boot.sh" "$rootfs/usr/lib/memattr/guest-boot.sh"
install -m 755 "$top/tools/memattrctl" "$rootfs/usr/sbin/memattrctl"
install -m 755 "$top/udev/memattr-vfio-pci-udev" "$rootfs/usr/lib/udev/"
install -m 644 "$top/udev/70-memattr-vfio-pci.rules" "$rootfs/usr/lib/udev/rules.d/"
[ -n "$extra" ] && cp -a "$extra/." "$rootfs/"

# The modules asked for and what they depend on, as Debian ships them
# (kmod reads compressed ones), and ours where dkms installs it.
kver=$(cat "$build/kernel/$lane/kver")
kroot=$build/kernel/$lane/root
mods=$rootfs/usr/lib/modules/$kver
mkdir -p "$mods/updates/dkms"
for m in "$@"; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m"
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u | while read -r ko; do
	rel=${ko#"$kroot"/}
	rel=usr/lib/${rel#*lib/}
	mkdir -p "$rootfs/${rel%/*}"
	cp "$ko" "$rootfs/$rel"
done
cp "$kroot/usr/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$mods/"
cp "$build/lanes/$lane/memattr-vfio-pci.ko" "$mods/updates/dkms/"
depmod -b "$rootfs" "$kver"
(cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"
