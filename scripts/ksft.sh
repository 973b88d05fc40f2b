#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Extract, once, the kselftest harness headers and checkpatch from Debian's
# linux-source-6.12 package. They are build inputs, never committed.
#
# usage: scripts/ksft.sh      result: build/ksft/{kselftest*.h,checkpatch/}
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

out=$build/ksft
# One maker at a time: lanes (guest.sh) and lint ask for it at once.
mkdir -p "$build"
exec 8>"$out.lock"
flock 8
[ -e "$out/.ready" ] && exit 0
root=$build/chroot/trixie
"$top/scripts/chroot.sh" trixie

log "downloading linux-source-6.12 for kselftest_harness.h and checkpatch.pl (~150 MB)"
rm -rf "$root/tmp/ksft"
in_chroot "$root" sh -ec '
	mkdir -p /tmp/ksft && cd /tmp/ksft
	apt-get download -q -o APT::Sandbox::User=root linux-source-6.12
	dpkg -x linux-source-6.12_*.deb x'
tarball=$(ls "$root"/tmp/ksft/x/usr/src/linux-source-6.12.tar.*)
log "extracting from $(basename "$tarball")"
mkdir -p "$out/checkpatch"
tar -xf "$tarball" -C "$root/tmp/ksft" --wildcards \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/tools/testing/selftests/kselftest.h' \
	'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch'
src=$root/tmp/ksft/linux-source-6.12
cp "$src"/tools/testing/selftests/kselftest*.h "$out/"
cp "$src"/scripts/checkpatch.pl "$src"/scripts/spelling.txt \
	"$src"/scripts/const_structs.checkpatch "$out/checkpatch/"
rm -rf "$root/tmp/ksft"
touch "$out/.ready"
log "kselftest headers and checkpatch ready in $out"
