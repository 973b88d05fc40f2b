#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build, once, the kernel of the amd64-6.12-debug lane from Debian's
# linux-source-6.12 with scripts/debug-kernel.config (KASAN, lockdep,
# kmemleak, DEBUG_VM, DEBUG_OBJECTS), in the trixie chroot with trixie's
# gcc, and cache it in the layout scripts/kernel.sh gives a stock kernel.
# The external-module build tree goes to build/ and, as
# /usr/src/linux-headers-KVER with its /lib/modules/KVER/build link, into
# the chroot, where scripts/module.sh builds the lane's modules with dkms.
#
# The build runs at nice 19 with -j2 (MEMATTR_DEBUG_JOBS) and does not take
# the chroot's lock: it has its own /proc in a private mount namespace and
# touches only /usr/src/memattr-debug, so the trixie lanes keep running.
# Sources and objects stay there: a changed config rebuilds incrementally.
#
# usage: scripts/debug-kernel.sh [LANE]    (default amd64-6.12-debug)
# result: build/kernel/LANE/{vmlinuz,kver,config,modules/,modules.order,
#         build/}, the make output in build/kernel/LANE.build.log
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:-amd64-6.12-debug}
[ "$(arch_of "$lane")" = amd64 ] || die "$lane: only amd64 debug kernels"
suite=$(suite_of "$lane")
root=$build/chroot/$suite
out=$build/kernel/$lane
fragment=$top/scripts/debug-kernel.config
work=/usr/src/memattr-debug
src=$work/src
obj=$work/obj
blog=$build/kernel/$lane.build.log
jobs=${MEMATTR_DEBUG_JOBS:-2}

# A chroot command outside the chroot's lock, with a /proc that only this
# mount namespace sees and that vanishes with it.
in_chroot_private() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare --mount --propagation private -- sh -ec \
		'mount -t proc proc "$0/proc"; exec chroot "$0" "$@"' "$root" "$@"
}

# dkms builds in the chroot against /lib/modules/KVER/build; a recreated
# chroot gets the cached tree back.
install_build_tree() {
	local kver
	kver=$(cat "$out/kver")
	[ -e "$root/usr/src/linux-headers-$kver/Makefile" ] &&
		[ -L "$root/lib/modules/$kver/build" ] && return 0
	log "$lane: installing the $kver build tree in the $suite chroot"
	rm -rf "$root/usr/src/linux-headers-$kver"
	cp -a "$out/build" "$root/usr/src/linux-headers-$kver"
	mkdir -p "$root/lib/modules/$kver"
	ln -sfn "/usr/src/linux-headers-$kver" "$root/lib/modules/$kver/build"
}

# One builder at a time: a make check stopped early can leave its build
# running; the next one waits for it, then builds on from its objects.
mkdir -p "$build/kernel"
exec 7>"$build/kernel/$lane.build-lock"
flock 7

config_sum=$(sha256sum "$fragment" | cut -d' ' -f1)
if [ -e "$out/.ready" ] && [ "$(cat "$out/.config-sum" 2>/dev/null)" = "$config_sum" ]; then
	"$top/scripts/chroot.sh" "$suite"
	install_build_tree
	exit 0
fi
need_root "building the debug kernel"
"$top/scripts/chroot.sh" "$suite"
start=$(date +%s)

# Build dependencies, added to the chroot the lanes already use.
deps=(bc bison flex libssl-dev libelf-dev cpio rsync kmod xz-utils)
missing=()
for p in "${deps[@]}"; do
	chroot "$root" dpkg-query -W -f="\${Status}" "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "$lane: installing kernel build dependencies in the $suite chroot: ${missing[*]}"
	in_chroot "$root" apt-get update -q
	in_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# linux-source-6.12: Debian's patched source, unpacked once.
if [ ! -e "$root$src/.unpacked" ]; then
	log "$lane: downloading linux-source-6.12 (~150 MB)"
	rm -rf "${root:?}$work/dl" "${root:?}$src"
	mkdir -p "$root$work/dl"
	in_chroot "$root" sh -ec "
		cd $work/dl
		apt-get download -q -o APT::Sandbox::User=root linux-source-6.12
		dpkg -x linux-source-6.12_*.deb x"
	tarball=$(ls "$root$work"/dl/x/usr/src/linux-source-6.12.tar.*)
	log "$lane: unpacking $(basename "$tarball")"
	tar -xf "$tarball" -C "$root$work"
	mv "$root$work/linux-source-6.12" "$root$src"
	debs=("$root$work"/dl/linux-source-6.12_*.deb)
	deb=${debs[0]##*/linux-source-6.12_}
	echo "${deb%_all.deb}" >"$root$src/.unpacked"
	rm -rf "${root:?}$work/dl"
fi
log "$lane: linux-source-6.12 $(cat "$root$src/.unpacked")"

# Config: allnoconfig with the fragment's lines set (KCONFIG_ALLCONFIG).
# Every line of the fragment must survive (a missing dependency drops a
# symbol silently otherwise).
mkdir -p "$root$obj" "$out"
cp "$fragment" "$root$work/debug-kernel.config"
log "$lane: configuring (allnoconfig + scripts/debug-kernel.config)"
in_chroot_private make -s -C "$src" O="$obj" \
	KCONFIG_ALLCONFIG="$work/debug-kernel.config" allnoconfig
bad=$(sed -n -e 's/^\(CONFIG_[A-Z0-9_]*=.*\)/\1/p' \
	-e 's/^# \(CONFIG_[A-Z0-9_]*\) is not set/\1=n/p' "$fragment" |
	while IFS= read -r want; do
		sym=${want%%=*}
		have=$(grep -E "^$sym=" "$root$obj/.config" || echo "$sym=n")
		[ "$have" = "$want" ] || echo "$want (got $have)"
	done)
[ -z "$bad" ] || die "$lane: config lines that allnoconfig dropped:
$bad"

# bzImage and modules only, niced, with a progress line every two minutes.
log "$lane: building bzImage and modules (nice 19, -j$jobs; log: $blog)"
in_chroot_private nice -n 19 make -C "$src" O="$obj" -j"$jobs" \
	bzImage modules >"$blog" 2>&1 &
make_pid=$!
ticks=0
while kill -0 "$make_pid" 2>/dev/null; do
	sleep 5
	ticks=$((ticks + 1))
	[ $((ticks % 24)) = 0 ] || continue
	log "$lane: building, $(grep -c '^  CC' "$blog" || true) files compiled so far"
done
wait "$make_pid" || die "$lane: kernel build failed; see $blog"
grep -E 'warning:|error:' "$blog" || true

kver=$(in_chroot_private make -s -C "$src" O="$obj" kernelrelease)
log "$lane: built $kver in $(($(date +%s) - start)) s; installing modules"
stage=$work/stage
rm -rf "${root:?}$stage" "${root:?}$work/build"
in_chroot_private sh -ec "
	make -s -C $src O=$obj INSTALL_MOD_PATH=$stage INSTALL_MOD_STRIP=1 \
		modules_install
	make -s -C $src O=$obj run-command \
		KBUILD_RUN_COMMAND='\$\$srctree/scripts/package/install-extmod-build $work/build'"
# Not all of it lands there: dkms reads .config (BUILD_EXCLUSIVE_CONFIG).
cp "$root$obj/.config" "$root$work/build/.config"

rm -rf "$out"
mkdir -p "$out/modules"
cp "$root$obj/arch/x86/boot/bzImage" "$out/vmlinuz"
cp "$root$obj/.config" "$out/config"
echo "$kver" >"$out/kver"
cp -a "$root$work/build" "$out/build"
rm -rf "${root:?}$work/build"

# The modules the guest loads before ours, in dependency order, as
# kernel.sh lists them for a stock kernel.
: >"$out/modules.order"
for m in vfio_iommu_type1 vfio-pci iommufd; do
	modprobe -d "$root$stage" -S "$kver" --show-depends "$m" 2>/dev/null ||
		true
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' |
while read -r ko; do
	cp "$ko" "$out/modules/"
	basename "$ko" >>"$out/modules.order"
done
rm -rf "${root:?}$stage"
[ -s "$out/modules.order" ] || die "$lane: no vfio modules were built"

rm -rf "${root:?}/usr/src/linux-headers-$kver"
install_build_tree
echo "$config_sum" >"$out/.config-sum"
touch "$out/.ready"
log "$lane: kernel $kver ready in $(($(date +%s) - start)) s, stock modules: $(tr '\n' ' ' <"$out/modules.order")"
