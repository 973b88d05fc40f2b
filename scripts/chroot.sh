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

# dkms (the lanes install the module with it) and the arm64 headers'
# /lib/modules/<kver>/build link (dkms looks for the headers there). Also
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
		mkdir -p /lib/modules/$abi-arm64
		ln -sfn /usr/src/linux-headers-$abi-arm64 /lib/modules/$abi-arm64/build"
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

log "$suite: installing amd64 kernel headers"
in_chroot "$root" apt-get update -q
in_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${release[@]}" linux-headers-amd64

hdrs=("$root"/usr/src/linux-headers-*-amd64)
hdr=${hdrs[-1]##*/}
abi=${hdr#linux-headers-}
abi=${abi%-amd64}
echo "$abi" >"$root/.abi"

# The arm64 headers package depends on gcc:arm64 in some suites, so it is
# unpacked by hand; it reuses the -common package and the amd64 kbuild
# tools that the amd64 headers already brought in.
log "$suite: unpacking arm64 kernel headers ($abi)"
in_chroot "$root" sh -ec "
	rm -rf /tmp/arm64-headers && mkdir -p /tmp/arm64-headers
	cd /tmp/arm64-headers
	apt-get download -q -o APT::Sandbox::User=root linux-headers-$abi-arm64:arm64
	dpkg -x linux-headers-$abi-arm64_*.deb x
	cp -a x/usr/src/. /usr/src/
	cd / && rm -rf /tmp/arm64-headers"
[ -d "$root/usr/src/linux-headers-$abi-arm64" ] ||
	die "$suite: arm64 headers for $abi did not unpack"

dkms_ready
touch "$root/.ready"
log "$suite: chroot ready (kernel ABI $abi)"
