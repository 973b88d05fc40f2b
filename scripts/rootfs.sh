#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A Debian root file system as an initramfs for a lane's kernel: what an
# admin's machine has (systemd-udevd, kmod, bash), plus memattr-vfio-pci as
# DKMS installed it (scripts/module.sh), the packaged udev rules and helper
# from udev/, memattrctl, and the start-up code the /init scripts source
# (scripts/guest-boot.sh). Used by the udev lane and by `make demo`.
#
# The root is made once per suite and architecture by `mmdebstrap
# --variant=extract` (cached in build/rootfs/SUITE-ARCH.tar): packages are
# unpacked, no maintainer script runs, so an arm64 root is made on an amd64
# host without emulation, in seconds. What the maintainer scripts would
# have made and the guest needs (/etc/passwd, /etc/group, the /usr merge
# links) is added by hand.
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

# The packages: the Essential set that a script in the guest uses, and what
# the admin path needs. Dependencies are resolved by apt.
packages=base-files,base-passwd,bash,coreutils,dash,debianutils,diffutils
packages+=,findutils,grep,gzip,mawk,sed,tar,util-linux,kmod,udev,pciutils

tar_file=$build/rootfs/$suite-$arch.tar
if [ ! -e "$tar_file" ]; then
	need_root "building the guest root file system"
	ensure_host_packages mmdebstrap
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources"
	mkdir -p "$build/rootfs"
	rm -f "$tar_file.tmp"
	log "rootfs: $suite $arch root with mmdebstrap (extract only; log: $tar_file.log)"
	mmdebstrap --variant=extract --architectures="$arch" --format=tar \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--include="$packages" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		"$suite" "$tar_file.tmp" "deb $mirror $suite main" 2>&1 |
		tee "$tar_file.log" |
		{ grep --line-buffered -E '^I: (running apt|downloading|extracting|success)' || true; } |
		while IFS= read -r line; do log "rootfs: mmdebstrap: ${line#I: }"; done ||
		die "mmdebstrap failed; see $tar_file.log"
	mv "$tar_file.tmp" "$tar_file"
fi

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
