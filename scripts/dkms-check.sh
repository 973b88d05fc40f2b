#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DKMS round trip with a suite's own dkms, in its chroot: add, build and
# install for the suite's amd64 kernel, then uninstall and remove, checking
# the installed file and `dkms status` after each step. Then the same as an
# admin does it, `make dkms-install` and `make dkms-uninstall`, which also
# put memattrctl, memattr-bench and the udev rules in place and take them
# away. Prints TAP lines like a lane and writes the counts to
# build/runs/dkms-SUITE/counts.
#
# usage: scripts/dkms-check.sh SUITE      (bookworm, trixie, sid)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: $0 SUITE}
root=$build/chroot/$suite
"$top/scripts/chroot.sh" "$suite"
kver=$(cat "$root/.abi")-amd64
name=memattr-vfio-pci
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
run=dkms-$suite
out=$build/runs/$run
rm -rf "$out"
mkdir -p "$out"

stage=/tmp/memattr-dkms-check
rm -rf "${root:?}$stage"
mkdir -p "$root$stage"
cp -a "$top/dkms.conf" "$top/Kbuild" "$top/src" "$top/scripts" "$root$stage/"
# The whole release tree, for `make dkms-install`.
tree=/tmp/memattr-dkms-tree
rm -rf "${root:?}$tree"
mkdir -p "$root$tree"
cp -a "$top/Makefile" "$top/dkms.conf" "$top/Kbuild" "$top/src" \
	"$top/scripts" "$top/tools" "$top/udev" "$root$tree/"
results=$out/results.tap
in_chroot "$root" sh -c "
	t() { if [ \$1 = 0 ]; then echo \"ok - \$2\"; else echo \"not ok - \$2\"; fi; }
	# The hand-run path: without the package the lanes install (module.sh).
	dpkg --purge $name-dkms >/dev/null 2>&1
	dkms remove $name/$ver --all >/dev/null 2>&1
	rm -rf /usr/src/$name-$ver /var/lib/dkms/$name
	mv $stage /usr/src/$name-$ver
	v=\$(dkms --version)
	dkms add $name/$ver >/tmp/dkms-check.log 2>&1
	t \$? \"\$v: add $name/$ver\"
	dkms build $name/$ver -k $kver >>/tmp/dkms-check.log 2>&1
	t \$? \"\$v: build for $kver\"
	# The chroot has the headers, not the kernel image, whose postinst
	# creates modules.dep; dkms 3.2 skips depmod without it.
	[ -f /lib/modules/$kver/modules.dep ] || depmod -a $kver
	dkms install $name/$ver -k $kver >>/tmp/dkms-check.log 2>&1
	rc=\$?
	ko=\$(ls /lib/modules/$kver/updates/dkms/$name.ko* 2>/dev/null)
	[ -n \"\$ko\" ] && [ \"\$(modinfo -F vermagic \$ko | cut -d' ' -f1)\" = $kver ] || rc=1
	t \$rc \"\$v: install puts \${ko:-no module} (vermagic $kver)\"
	grep -q \"updates/dkms/$name.ko\" /lib/modules/$kver/modules.dep
	t \$? \"\$v: install ran depmod: $name is in modules.dep\"
	dkms status $name 2>&1 | grep -q installed
	t \$? \"\$v: status says installed\"
	dkms uninstall $name/$ver -k $kver >>/tmp/dkms-check.log 2>&1
	rc=\$?
	ls /lib/modules/$kver/updates/dkms/$name.ko* >/dev/null 2>&1 && rc=1
	t \$rc \"\$v: uninstall removes the module file\"
	dkms remove $name/$ver --all >>/tmp/dkms-check.log 2>&1
	rc=\$?
	[ -z \"\$(dkms status $name 2>/dev/null)\" ] || rc=1
	t \$rc \"\$v: remove leaves dkms status empty\"
	rm -rf /usr/src/$name-$ver

	pieces=\"/usr/sbin/memattrctl /usr/sbin/memattr-bench /usr/lib/udev/memattr-vfio-pci-udev /usr/lib/udev/rules.d/70-memattr-vfio-pci.rules\"
	make -C $tree dkms-install KVER=$kver >>/tmp/dkms-check.log 2>&1
	rc=\$?
	ls /lib/modules/$kver/updates/dkms/$name.ko* >/dev/null 2>&1 || rc=1
	for f in \$pieces; do [ -x \$f ] || [ -f \$f ] || { echo \"# missing: \$f\"; rc=1; }; done
	t \$rc \"\$v: make dkms-install: module, memattrctl, memattr-bench, udev rules\"
	make -C $tree dkms-install KVER=$kver DESTDIR=/tmp/stage >>/tmp/dkms-check.log 2>&1
	[ \$? != 0 ] && [ ! -e /tmp/stage ]
	t \$? \"\$v: make dkms-install refuses DESTDIR, installing nothing\"
	make -C $tree dkms-uninstall KVER=$kver >>/tmp/dkms-check.log 2>&1
	rc=\$?
	ls /lib/modules/$kver/updates/dkms/$name.ko* >/dev/null 2>&1 && rc=1
	[ -z \"\$(dkms status $name 2>/dev/null)\" ] || rc=1
	[ ! -e /usr/src/$name-$ver ] || rc=1
	for f in \$pieces; do [ ! -e \$f ] || { echo \"# left behind: \$f\"; rc=1; }; done
	t \$rc \"\$v: make dkms-uninstall removes all of it\"
	rm -rf $tree
" >"$results" 2>&1 || true
cp "$root/tmp/dkms-check.log" "$out/dkms.log" 2>/dev/null || true
grep -q '^not ok' "$results" && sed 's/^/# /' "$out/dkms.log" >>"$results"

sed "s/^/[$run] /" "$results"
passed=$(grep -cE '^ok ' "$results" || true)
failed=$(grep -cE '^not ok ' "$results" || true)
[ $((passed + failed)) -gt 0 ] || failed=1
echo "$passed $failed 0" >"$out/counts"
[ "$failed" = 0 ]
