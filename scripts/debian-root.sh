#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A Debian root file system as a tar, for a guest's initramfs: the named
# packages and their dependencies, made by `mmdebstrap --variant=extract`
# and cached in build/rootfs/SUITE-ARCH[-NAME].tar. Packages are unpacked
# and no maintainer script runs, so an arm64 root is made on an amd64 host
# without emulation, in seconds. What the maintainer scripts would have made
# (/etc/passwd, /etc/group, the /usr merge links) is the caller's to add.
#
# usage: scripts/debian-root.sh SUITE ARCH NAME PACKAGE[,PACKAGE...]
#   NAME   names the package set in the cache ("" for the base set)
# Prints the tar's path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE ARCH NAME PACKAGES}
arch=${2:?}
name=${3?}
packages=${4:?}

tar_file=$build/rootfs/$suite-$arch${name:+-$name}.tar
# One maker per root: a lane may ask for one that make check is making.
mkdir -p "$build/rootfs"
exec 8>"$tar_file.lock"
flock 8
if [ ! -e "$tar_file" ]; then
	need_root "building a guest root file system"
	ensure_host_packages mmdebstrap >&2 # stdout is the tar's path
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources"
	rm -f "$tar_file.tmp"
	log "rootfs: $suite $arch root${name:+ ($name)} with mmdebstrap (extract only; log: $tar_file.log)"
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
		while IFS= read -r line; do log "rootfs: mmdebstrap: ${line#I: }"; done >&2 ||
		die "mmdebstrap failed; see $tar_file.log"
	mv "$tar_file.tmp" "$tar_file"
fi
echo "$tar_file"
