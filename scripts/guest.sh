#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the user space every guest of one architecture runs: a static
# busybox and the selftests, compiled statically in the sid chroot (its
# uapi headers know every VFIO and iommufd ioctl; the tests probe the
# running kernel and skip what it lacks).
#
# usage: scripts/guest.sh ARCH
# result: build/guest/ARCH/{busybox,selftests/,tools/}
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: $0 amd64|arm64}
out=$build/guest/$arch
root=$build/chroot/sid
"$top/scripts/chroot.sh" sid
"$top/scripts/ksft.sh"

case $arch in
amd64) cc=gcc ;;
arm64) cc=aarch64-linux-gnu-gcc ;;
*) die "unknown architecture '$arch'" ;;
esac

mkdir -p "$out"
# One builder per architecture: the debug lane runs next to the others.
exec 8>"$out.lock"
flock 8
if [ ! -e "$out/busybox" ]; then
	log "$arch: downloading busybox-static"
	rm -rf "$root/tmp/busybox-$arch"
	in_chroot "$root" sh -ec "
		mkdir -p /tmp/busybox-$arch && cd /tmp/busybox-$arch
		apt-get download -q -o APT::Sandbox::User=root busybox-static:$arch
		dpkg -x busybox-static_*.deb x"
	cp "$root/tmp/busybox-$arch/x/usr/bin/busybox" "$out/busybox"
	rm -rf "$root/tmp/busybox-$arch"
fi

# The same binaries serve every lane of the architecture: rebuilt only
# when their sources, the kselftest headers or this script change.
sources=$(cd "$top" && {
	find selftests tools scripts/guest.sh -type f -print0 | sort -z |
		xargs -0 sha256sum
	sha256sum "$build"/ksft/kselftest*.h
} | sha256sum | cut -d' ' -f1)
if [ -e "$out/selftests/run_tests.sh" ] &&
	[ "$(cat "$out/sources" 2>/dev/null)" = "$sources" ]; then
	log "$arch: selftests and tools up to date"
	exit 0
fi
rm -f "$out/sources"

work=/tmp/selftests-$arch-$$
rm -rf "${root:?}$work"
mkdir -p "$root$work/ksft"
cp -a "$top/selftests" "$top/tools" "$root$work/"
cp "$build"/ksft/kselftest*.h "$root$work/ksft/"
log "$arch: building selftests and tools with $cc"
in_chroot "$root" make -s -C "$work/selftests" CC="$cc" \
	KSFT_DIR="$work/ksft" OUTPUT="$work/out"
in_chroot "$root" make -s -C "$work/selftests" CC="$cc" \
	OUTPUT="$work/guest-tools-out" guest-tools
mkdir -p "$root$work/tools-out"
in_chroot "$root" make -s -C "$work/tools" CC="$cc" LDFLAGS=-static \
	OUTPUT="$work/tools-out"
rm -rf "$out/selftests" "$out/tools"
mkdir -p "$out/selftests" "$out/tools"
cp -a "$root$work/out/." "$out/selftests/"
cp "$top/selftests/run_tests.sh" "$out/selftests/"
cp "$root$work/tools-out/memattr-bench" \
	"$root$work/guest-tools-out/fault-bench" \
	"$root$work/guest-tools-out/l2-store" "$out/tools/"
rm -rf "${root:?}$work"
echo "$sources" >"$out/sources"
