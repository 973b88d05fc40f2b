#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian packages with a suite's own tools, in build/chroot/deb-SUITE
# (amd64 headers only, so dkms's autoinstall builds for exactly those):
# `make deb` for the suite (lintian clean), a second set one version
# higher from a scratch copy, then scripts/deb-check-chroot.sh installs,
# upgrades and purges them. Prints TAP lines like a lane and writes the
# counts to build/runs/deb-SUITE/counts.
#
# usage: scripts/deb-check.sh SUITE      (bookworm, trixie, sid)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE}
root=$build/chroot/deb-$suite
run=deb-$suite
out=$build/runs/$run
rm -rf "$out"
mkdir -p "$out"
results=$out/results.tap
start=$(date +%s)

t() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

{
	# Its own folders: build/deb/SUITE is the lanes' (module.sh), which
	# the debug lane may be reading meanwhile.
	rc=0
	MEMATTR_DEB_OUT=$build/deb/$suite-check \
		"$top/scripts/deb.sh" "$suite" >"$out/deb.log" 2>&1 || rc=$?
	t $rc "make deb ($suite): packages built, lintian reports no error or warning"
	[ $rc = 0 ] || sed 's/^/# /' "$out/deb.log"
	# A higher version of the same tree: debian/changelog's version + "+1".
	v=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
	rc=0
	MEMATTR_DEB_VERSION=$v+1 MEMATTR_DEB_LINTIAN=0 \
		MEMATTR_DEB_OUT=$build/deb/$suite-upgrade \
		"$top/scripts/deb.sh" "$suite" >"$out/deb-upgrade.log" 2>&1 || rc=$?
	t $rc "packages built again as $v+1 (the upgrade)"
	[ $rc = 0 ] || sed 's/^/# /' "$out/deb-upgrade.log"
} >"$results"

if ! grep -q '^not ok' "$results"; then
	work=/tmp/memattr-deb-check
	rm -rf "${root:?}$work"
	mkdir -p "$root$work/old" "$root$work/new"
	cp "$build/deb/$suite-check"/*.deb "$root$work/old/"
	cp "$build/deb/$suite-upgrade"/*.deb "$root$work/new/"
	cp "$top/scripts/deb-check-chroot.sh" "$root$work/"
	in_chroot "$root" bash "$work/deb-check-chroot.sh" "$work" \
		"$work/apt.log" >>"$results" 2>&1 || true
	cp "$root$work/apt.log" "$out/apt.log" 2>/dev/null || true
	rm -rf "${root:?}$work"
	grep -q '^not ok' "$results" && sed 's/^/# /' "$out/apt.log" >>"$results"
fi
echo "# $run: $(($(date +%s) - start)) s" >>"$results"

sed "s/^/[$run] /" "$results"
passed=$(grep -cE '^ok ' "$results" || true)
failed=$(grep -cE '^not ok ' "$results" || true)
[ $((passed + failed)) -gt 0 ] || failed=1
echo "$passed $failed 0" >"$out/counts"
[ "$failed" = 0 ]
