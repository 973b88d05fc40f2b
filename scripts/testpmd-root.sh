#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DPDK's testpmd for a lane's guest: Debian's dpdk-testpmd (in the
# dpdk-dev package) from the suite's own archive, with only the files it
# runs with: the binary, the shared libraries it needs (followed through
# DT_NEEDED), the poll-mode drivers for a virtio-net on vfio-pci, and the
# dynamic loader. The whole package set is about 270 MB; this is about a
# tenth of it, which keeps the lane's initramfs small.
#
# usage: scripts/testpmd-root.sh SUITE ARCH
# Prints the folder, build/rootfs/SUITE-ARCH-testpmd, to copy over a guest
# root (lane.sh's MEMATTR_GUEST_EXTRA).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE ARCH}
arch=${2:?usage: $0 SUITE ARCH}
out=$build/rootfs/$suite-$arch-testpmd
case $arch in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
*) die "testpmd root: unknown architecture $arch" ;;
esac

tar_file=$("$top/scripts/debian-root.sh" "$suite" "$arch" dpdk-dev dpdk-dev)
[ "$out/.ready" -nt "$tar_file" ] && { echo "$out"; exit 0; }
ensure_host_packages binutils >&2 # readelf reads either architecture
full=$(mktemp -d)
trap 'rm -rf "$full"' EXIT
tar -xf "$tar_file" -C "$full"
rm -rf "$out"
mkdir -p "$out"

# Copies a root-relative path, and what a symbolic link points to.
copy() {
	local path=$1 target
	[ -e "$out/$path" ] || [ -L "$out/$path" ] && return 0
	mkdir -p "$out/$(dirname "$path")"
	cp -P "$full/$path" "$out/$path"
	if [ -L "$full/$path" ]; then
		target=$(readlink "$full/$path")
		case $target in
		/*) copy "${target#/}" ;;
		*) copy "$(dirname "$path")/$target" ;;
		esac
	fi
}

# The libraries an ELF file needs, searched where Debian's loader looks.
needed() {
	readelf -d "$full/$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		while read -r so; do
			for d in "usr/lib/$triplet" "lib/$triplet" usr/lib; do
				[ -e "$full/$d/$so" ] && { echo "$d/$so"; break; }
			done
		done
}

pmds=$(cd "$full" && echo usr/lib/"$triplet"/dpdk/pmds-*)
[ -d "$full/$pmds" ] || die "testpmd root: no DPDK driver folder in $suite's dpdk-dev"
# The bus, the NIC and the packet pool that a virtio-net on vfio-pci needs.
queue=(usr/bin/dpdk-testpmd)
# EAL loads what the folder holds (librte_*.so and its links).
for drv in bus_pci net_virtio mempool_ring; do
	[ -e "$full/$pmds/librte_$drv.so" ] ||
		die "testpmd root: no librte_$drv in $suite's dpdk-dev"
	queue+=("$pmds/librte_$drv.so")
done
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	[ -e "$out/$f" ] && continue
	copy "$f"
	mapfile -t -O ${#queue[@]} queue < <(needed "$(realpath -m --relative-to="$full" "$full/$f")")
done
# The loader, at the path the binary names (its real file and links).
interp=$(readelf -l "$full/usr/bin/dpdk-testpmd" |
	sed -n 's/.*Requesting program interpreter: \/\(.*\)\]/\1/p')
[ -n "$interp" ] || die "testpmd root: dpdk-testpmd names no loader"
copy "usr/${interp#usr/}"
# The busybox root keeps real /bin and /lib folders: the loader's path
# (/lib or /lib64) gets the file itself.
mkdir -p "$out/$(dirname "$interp")"
cp -L "$full/usr/${interp#usr/}" "$out/$interp"
touch "$out/.ready"
log "testpmd root: $suite $arch, $(du -sh "$out" | cut -f1) ($(find "$out" -type f | wc -l) files)"
echo "$out"
