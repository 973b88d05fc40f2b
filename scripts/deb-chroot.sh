#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Create, once, the chroot in which `make deb` builds a suite's packages
# and scripts/deb-check.sh installs, upgrades and purges them: the suite's
# debhelper, dh-dkms, lintian and dkms, and its amd64 kernel headers only
# (dkms's autoinstall builds for every kernel in /lib/modules). Kept apart
# from build/chroot/SUITE, which the VM lanes use at the same time.
#
# usage: scripts/deb-chroot.sh SUITE     (bookworm, trixie, sid)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE}
root=$build/chroot/deb-$suite
# One maker at a time: make check makes it while a lane may ask for it.
mkdir -p "$build/chroot"
exec 8>"$root.setup-lock"
flock 8
[ -e "$root/.ready" ] && exit 0

case $suite in
bookworm | trixie | sid) ;;
*) die "unknown suite '$suite' (expected bookworm, trixie or sid)" ;;
esac
need_root "creating the deb-$suite chroot"
ensure_host_packages mmdebstrap
mirror=$(debian_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources"

rm -rf "$root"
log "deb-$suite: creating chroot (mmdebstrap, a few hundred MB)"
mmdebstrap --variant=apt --architectures=amd64 \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--include=build-essential,debhelper,dh-dkms,dkms,lintian,linux-headers-amd64,kmod \
	"$suite" "$root" "deb $mirror $suite main"

touch "$root/.ready"
log "deb-$suite: chroot ready"

