#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make deb`: the Debian packages memattr-vfio-pci-dkms (arch all) and
# memattr-vfio-pci-tools (amd64), built from this tree by each suite's own
# dpkg-buildpackage, debhelper and dh-dkms in build/chroot/deb-SUITE, then
# checked by that suite's lintian (any error or warning fails).
#
# usage: scripts/deb.sh [SUITE...]     (default: bookworm trixie sid)
# env:   MEMATTR_DEB_VERSION=V  build as Debian version V: a changelog
#                               entry on top, in the scratch copy only
#                               (the upgrade test of scripts/deb-check.sh)
#        MEMATTR_DEB_OUT=DIR    where the .debs go (default build/deb/SUITE)
#        MEMATTR_DEB_LINTIAN=0  skip lintian (that upgrade set)
# result: build/deb/SUITE/*.deb, build.log, lintian.txt
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie sid)
need_root "make deb"

# The tree a package is built from: what the packages ship and what
# debian/rules calls, nothing of the test infrastructure.
tree=(COPYING README Makefile Kbuild dkms.conf src tools udev debian)

build_suite() {
	local suite=$1 root out work start
	root=$build/chroot/deb-$suite
	out=${MEMATTR_DEB_OUT:-$build/deb/$suite}
	"$top/scripts/deb-chroot.sh" "$suite"
	start=$(date +%s)
	work=/tmp/memattr-deb-$$
	rm -rf "${root:?}$work" "$out"
	mkdir -p "$root$work/src/scripts" "$out"
	(cd "$top" && cp -a "${tree[@]}" "$root$work/src/")
	cp -a "$top/scripts/probe-features.sh" "$root$work/src/scripts/"
	if [ -n "${MEMATTR_DEB_VERSION:-}" ]; then
		local cl=$root$work/src/debian/changelog
		{
			echo "memattr-vfio-pci ($MEMATTR_DEB_VERSION) unstable; urgency=medium"
			echo
			echo "  * Rebuilt as $MEMATTR_DEB_VERSION (scripts/deb.sh)."
			echo
			echo " -- $(sed -n 's/^Maintainer: //p' "$top/debian/control")  $(date -R)"
			echo
			cat "$cl"
		} >"$cl.new"
		mv "$cl.new" "$cl"
	fi
	log "deb-$suite: dpkg-buildpackage (log: $out/build.log)"
	# No -dbgsym package: `apt install ./*.deb` installs just the two.
	if ! in_chroot "$root" sh -ec "cd $work/src &&
		DEB_BUILD_OPTIONS=noautodbgsym nice -n 10 \
		dpkg-buildpackage -b -us -uc" >"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" >&2
		die "deb-$suite: the package build failed; see $out/build.log"
	fi
	cp "$root$work"/*.deb "$root$work"/*.changes "$out/"
	rm -rf "${root:?}$work/src"
	# Errors (E:) and warnings (W:) fail; info tags and the overridden
	# ones (O:, each after its reason) are shown. Not --fail-on: with
	# --show-overrides, bookworm's lintian fails on overridden tags.
	local rc=0
	if [ "${MEMATTR_DEB_LINTIAN:-1}" != 0 ]; then
		# As nobody: lintian warns when run as root.
		chmod 1777 "$root$work"
		in_chroot "$root" runuser -u nobody -- sh -c "cd $work &&
			export TMPDIR=$work HOME=$work && lintian --version &&
			lintian -I --show-overrides *.changes" \
			>"$out/lintian.txt" 2>&1 || rc=$?
		sed "s/^/[deb-$suite] lintian: /" "$out/lintian.txt"
		grep -qE '^[EW]: ' "$out/lintian.txt" && rc=1
	fi
	rm -rf "${root:?}$work"
	[ "$rc" = 0 ] || die "deb-$suite: lintian reports errors or warnings"
	log "deb-$suite: $(cd "$out" && echo *.deb) in $(($(date +%s) - start)) s"
}

# Chroots are downloads: make the missing ones at once.
mkdir -p "$build"
pids=()
for s in "${suites[@]}"; do
	[ -e "$build/chroot/deb-$s/.ready" ] && continue
	log "deb-$s: creating its chroot (log: build/chroot-deb-$s.log)"
	"$top/scripts/deb-chroot.sh" "$s" >"$build/chroot-deb-$s.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || die "a chroot failed; see $build/chroot-deb-*.log"
done
for s in "${suites[@]}"; do
	build_suite "$s"
done
