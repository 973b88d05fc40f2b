#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: memattr-vfio-pci working end to end on an emulated device.
# Boots the 6.12 lane kernel (Debian trixie's, unmodified) under QEMU TCG
# with an ivshmem-plain whose BAR2 is a file on this host; in the guest the
# packaged udev rule and one admin rule bind it and set bar2=normal-nc
# under the real systemd-udevd (scripts/demo-init.sh), and memattr-demo
# (selftests/guest-tools/) maps BAR2 and writes to it. Printed: the
# memattrctl status table, the page-table entry the kernel installed, the
# KVM stage-2 leaf (arm64), and the bytes that arrived in the host's
# backing file.
#
# usage: scripts/demo.sh [arm64|amd64]   (default arm64)
# env:   MEMATTR_LANE_TIMEOUT  guest time budget in seconds (default 300)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/judge.sh
. "$(dirname "$0")/judge.sh"

arch=${1:-arm64}
lane=$arch-6.12
arch_of "$lane" >/dev/null
suite=$(suite_of "$lane")
out=$build/runs/demo-$arch
budget=${MEMATTR_LANE_TIMEOUT:-300}
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }

# Runs a preparation step with its whole output in LOG, showing as it
# goes the step's own log lines and a summary of mmdebstrap's and apt's
# progress (what is downloaded, how much, how fast).
progress() {
	local logf=$1
	shift
	"$@" 2>&1 | tee "$logf" |
		{ grep --line-buffered -E '^\[[0-9:]{8}\] |^I: (running apt|downloading|extracting|installing|success)|^(Need to get|Fetched) |^(Setting up linux-image|update-initramfs: Generating)' || true; } |
		while IFS= read -r line; do
			case $line in
			\[*) printf '%s\n' "$line" >&2 ;;
			*) log "  ${line#I: }" ;;
			esac
		done || {
		tail -n 30 "$logf" >&2
		die "$* failed; see $logf"
	}
}

need_root "make demo"
case $arch in
amd64) qemu_pkg=qemu-system-x86 ;;
arm64) qemu_pkg=qemu-system-arm ;;
esac
log "demo [1/6] host packages"
ensure_host_packages mmdebstrap "$qemu_pkg" cpio gzip xz-utils kmod
rm -rf "$out"
mkdir -p "$out"

# Each script below does nothing when its result is already in build/.
log "demo [2/6] the $suite build chroot (first run: mmdebstrap, ~2 min)"
progress "$out/chroot.log" "$top/scripts/chroot.sh" "$suite"
log "demo [3/6] Debian's $lane kernel (first run: download)"
progress "$out/kernel.log" "$top/scripts/kernel.sh" "$lane"
# The module: built again only when its sources changed since the last
# build (module.sh always rebuilds; its dkms output goes to a log).
log "demo [4/6] memattr-vfio-pci with the $suite dkms, and memattr-demo"
ko=$build/lanes/$lane/memattr-vfio-pci.ko
if [ ! -e "$ko" ] || [ ! -e "$build/lanes/$lane/test/memattr-pte.ko" ] ||
	[ -n "$(find "$top/src" "$top/Kbuild" "$top/dkms.conf" \
		"$top/selftests/modules" -newer "$ko" -print -quit)" ]; then
	progress "$out/module.log" "$top/scripts/module.sh" "$lane"
	log "dkms installed $(cat "$build/lanes/$lane/dkms/installed-as") for $(cat "$build/kernel/$lane/kver")"
else
	log "module up to date: $ko"
fi
kver=$(cat "$build/kernel/$lane/kver")
chroot_dir=$build/chroot/$suite
cc=gcc
[ "$arch" = arm64 ] && cc=aarch64-linux-gnu-gcc
work=/tmp/memattr-demo-$arch
rm -rf "${chroot_dir:?}$work"
mkdir -p "$chroot_dir$work"
cp -a "$top/selftests" "$top/tools" "$chroot_dir$work/"
in_chroot "$chroot_dir" make -s -C "$work/selftests" CC="$cc" \
	OUTPUT="$work/out" "$work/out/memattr-demo"
extra=$out/extra
mkdir -p "$extra/usr/bin" "$extra/usr/lib/modules/$kver/extra"
install -m 755 "$chroot_dir$work/out/memattr-demo" "$extra/usr/bin/"
rm -rf "${chroot_dir:?}$work"
cp "$build/lanes/$lane/test/memattr-pte.ko" "$extra/usr/lib/modules/$kver/extra/"

log "demo [5/6] the guest's Debian root and initramfs"
"$top/scripts/rootfs.sh" "$lane" "$top/scripts/demo-init.sh" \
	"$out/initrd.gz" "$extra" vfio-pci vfio_iommu_type1

log "demo [6/6] booting Linux $kver ($arch, QEMU TCG, budget ${budget}s)"
console=$out/console.log
backing=$out/ivshmem.bin
: >"$console"
timeout --kill-after=10 "$budget" "$top/scripts/vm.sh" "$lane" \
	"$out/initrd.gz" "$backing" >"$console" 2>&1 &
vm=$!
echo
echo "==== memattr-vfio-pci demo: $arch guest, Linux $kver ===="
show=
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	@@memattr-demo-step*) log "guest: ${line#@@memattr-demo-step }" ;;
	@@memattr-demo-begin) show=1 ;;
	@@memattr-demo-end) show= ;;
	@@memattr-demo-done) log "guest: done, powering off" ;;
	*) [ -n "$show" ] && printf '%s\n' "$line" ;;
	esac
done < <(tail -n +1 -F --pid="$vm" "$console" 2>/dev/null)
rc=0
wait "$vm" || rc=$?

printf '\n---- 6. On the host: the bytes in BAR2'"'"'s backing file ----\n'
echo "$backing (od -A x -t x1z; '*' = repeated lines, here zeros):"
{ od -A x -t x1z "$backing" || true; } | head -n 24 | sed 's/^/  /'
# What memattr-demo wrote: from user space, and on arm64 from a KVM vCPU.
msgs=("Hello from user space")
[ "$arch" = arm64 ] && msgs+=("Hello from a KVM/arm64 guest")
found=0
for msg in "${msgs[@]}"; do
	text=$(grep -a -o "${msg}[[:print:]]*" "$backing" | head -n 1 || true)
	if [ -n "$text" ]; then
		echo "in the file: \"$text\""
		found=$((found + 1))
	else
		echo "NOT in the file: \"$msg...\""
	fi
done

echo
ok=1
grep -q '^@@memattr-demo-done' "$console" || ok=
[ "$found" = ${#msgs[@]} ] || ok=
bad=$(sed -n '/^@@memattr-demo-dmesg-begin/,/^@@memattr-demo-dmesg-end/p' "$console" |
	judge_bad_log_lines || true)
[ -z "$bad" ] || { ok=; printf 'guest kernel log: %s\n' "$bad"; }
if [ -n "$ok" ]; then
	echo "==== demo done in $(elapsed): $found message(s) written in the guest are in the host's file ===="
	echo "(guest console: $console)"
else
	echo "==== demo FAILED after $(elapsed) (qemu exit $rc); guest console: $console ===="
	exit 1
fi
