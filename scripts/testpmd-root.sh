#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DPDK's testpmd for a lane's guest: Debian's dpdk-testpmd (in the
# dpdk-dev package) from the suite's own archive, with only the files it
# runs with: the binary, the shared libraries it needs (followed through
# DT_NEEDED), the poll-mode drivers for a virtio-net on vfio-pci, and the
# dynamic loader; about 20 MB.
#
# dpdk-dev's own dependencies (libdpdk-dev: every -dev package of DPDK's
# libraries, and python3) make a 270 MB root that takes minutes to
# unpack. So the root is made from the packages dpdk-dev needs at run
# time only (its Depends minus those two, as the suite's apt says in its
# chroot) and the drivers' packages, and dpdk-dev's own files are
# unpacked over it.
#
# usage: scripts/testpmd-root.sh SUITE ARCH
# Prints the folder, build/rootfs/SUITE-ARCH-testpmd, to copy over a guest
# root (lane.sh does, on the lanes that run testpmd).
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

mkdir -p "$build/rootfs"
exec 8>"$out.lock"
flock 8
root=$build/chroot/$suite
"$top/scripts/chroot.sh" "$suite" >&2
ensure_host_packages binutils >&2 # readelf reads either architecture

# dpdk-dev's version and run-time dependencies, from the suite's apt.
info=$(in_chroot "$root" apt-cache show --no-all-versions "dpdk-dev:$arch")
version=$(sed -n 's/^Version: //p' <<<"$info")
[ -n "$version" ] || die "testpmd root: $suite has no dpdk-dev for $arch"
if [ -e "$out/.ready" ] && [ "$(cat "$out/.ready")" = "$version" ]; then
	echo "$out"
	exit 0
fi
runtime=$(sed -n 's/^Depends: //p' <<<"$info" | tr ',' '\n' |
	sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/ //g' |
	grep -vxE 'libdpdk-dev|python3' | paste -sd, -)
# The drivers testpmd does not link but loads: named as the EAL is.
abi=$(grep -o 'librte-eal[0-9]*' <<<"$runtime" | head -n 1)
abi=${abi#librte-eal}
[ -n "$abi" ] || die "testpmd root: dpdk-dev $version does not name librte-eal"
runtime+=,librte-net-virtio$abi,librte-mempool-ring$abi
tar_file=$("$top/scripts/debian-root.sh" "$suite" "$arch" \
	"testpmd-$version" "$runtime")

full=$(mktemp -d)
trap 'rm -rf "$full"' EXIT
tar -xf "$tar_file" -C "$full"
# dpdk-dev itself, downloaded in the chroot and unpacked over the root.
dl=/tmp/testpmd-root-$arch
rm -rf "${root:?}$dl"
mkdir -p "$root$dl"
in_chroot "$root" sh -ec "cd $dl
	apt-get download -q -o APT::Sandbox::User=root dpdk-dev:$arch" >&2
dpkg-deb -x "$root$dl"/dpdk-dev_*.deb "$full"
rm -rf "${root:?}$dl"
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
# EAL loads what the folder holds (librte_*.so.ABI, and the links).
for drv in bus_pci net_virtio mempool_ring; do
	found=''
	for f in "$full/$pmds/librte_$drv".so*; do
		[ -e "$f" ] && queue+=("${f#"$full"/}") && found=1
	done
	[ -n "$found" ] || die "testpmd root: no librte_$drv in $suite's DPDK"
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
echo "$version" >"$out/.ready"
log "testpmd root: $suite $arch dpdk-dev $version, $(du -sh "$out" | cut -f1) ($(find "$out" -type f | wc -l) files)"
echo "$out"
