#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Create, once, the Debian chroot in which a suite's lanes build: that
# suite's own gcc, kernel headers for amd64 and arm64, the arm64 cross
# compiler, and an apt that can download the suite's kernel images.
#
# usage: scripts/chroot.sh SUITE     (bookworm, trixie, sid, experimental)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE}
root=$build/chroot/$suite
# One caller at a time (make check makes every chroot at once while the
# debug kernel's build asks for trixie's): a second one waits, then finds
# it ready.
mkdir -p "$build/chroot"
exec 8>"$root.setup-lock"
flock 8

# dkms (the lanes install the module with it) and the headers'
# /lib/modules/<kver>/build links (dkms looks for the headers there). Also
# run on chroots made before either was needed.
dkms_ready() {
	local abi
	abi=$(cat "$root/.abi")
	if [ ! -x "$root/usr/sbin/dkms" ]; then
		log "$suite: installing dkms"
		in_chroot "$root" apt-get update -q
		in_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends dkms
	fi
	in_chroot "$root" sh -ec "
		for arch in amd64 arm64; do
			mkdir -p /lib/modules/$abi-\$arch
			ln -sfn /usr/src/linux-headers-$abi-\$arch \
				/lib/modules/$abi-\$arch/build
		done"
}

if [ -e "$root/.ready" ]; then
	[ -x "$root/usr/sbin/dkms" ] &&
		[ -L "$root/lib/modules/$(cat "$root/.abi")-arm64/build" ] && exit 0
	need_root "updating the $suite chroot"
	dkms_ready
	exit 0
fi
need_root "creating the $suite chroot"
ensure_host_packages mmdebstrap

mirror=$(debian_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources"

case $suite in
bookworm | trixie | sid) base=$suite sources=("deb $mirror $suite main") ;;
experimental)
	base=sid
	sources=("deb $mirror sid main" "deb $mirror experimental main") ;;
*) die "unknown suite '$suite'" ;;
esac

if [ ! -e "$root/.base" ]; then
	rm -rf "$root"
	mkdir -p "$build/chroot"
	log "$suite: creating chroot (mmdebstrap, a few hundred MB)"
	mmdebstrap --variant=apt --architectures=amd64,arm64 \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--include=gcc,make,kmod,perl,sparse,dkms,xz-utils,zstd,libc6-dev,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross \
		"$base" "$root" "${sources[@]}"
	touch "$root/.base"
fi

# experimental's kernel is only picked when asked for by release.
release=()
[ "$suite" = experimental ] && release=(-t experimental)

# The kernel headers, both architectures, without the kernel image that
# linux-headers-*-amd64 depends on from 6.12 on (its modules, an
# initramfs and systemd would be unpacked for nothing; kernel.sh fetches
# each lane's image). apt installs what the headers need but the image:
# the -common package and the kbuild tools, then each architecture's
# package is unpacked by hand (arm64's also depends on gcc:arm64 in some
# suites).
log "$suite: installing kernel headers (amd64 and arm64) without the image"
in_chroot "$root" apt-get update -q
abi=$(in_chroot "$root" apt-get install -s -q --no-install-recommends \
	"${release[@]}" linux-headers-amd64 |
	sed -n 's/^Inst linux-headers-\(.*\)-amd64 .*/\1/p')
[ -n "$abi" ] || die "$suite: apt names no linux-headers-*-amd64"
mapfile -t deps < <(in_chroot "$root" apt-cache depends \
	"linux-headers-$abi-amd64" |
	sed -n 's/^ *|\{0,1\}Depends: \([^<][^ ]*\)$/\1/p' | grep -v '^linux-image-')
in_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${release[@]}" "${deps[@]}"
echo "$abi" >"$root/.abi"

for arch in amd64 arm64; do
	log "$suite: unpacking $arch kernel headers ($abi)"
	in_chroot "$root" sh -ec "
		rm -rf /tmp/headers-$arch && mkdir -p /tmp/headers-$arch
		cd /tmp/headers-$arch
		apt-get download -q -o APT::Sandbox::User=root \
			linux-headers-$abi-$arch:$arch
		dpkg -x linux-headers-$abi-${arch}_*.deb x
		cp -a x/usr/src/. /usr/src/
		cd / && rm -rf /tmp/headers-$arch"
	[ -d "$root/usr/src/linux-headers-$abi-$arch" ] ||
		die "$suite: $arch headers for $abi did not unpack"
done

dkms_ready
touch "$root/.ready"
log "$suite: chroot ready (kernel ABI $abi)"
