#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The udev lane: udev rules, their helper and memattrctl under the real
# systemd-udevd, in an amd64 guest running the 6.12 lane kernel. The
# guest's root is a Debian trixie (scripts/rootfs.sh, shared with `make
# demo`) packed into the initramfs with the lane kernel's vfio and e1000e
# modules, memattr-vfio-pci as DKMS installed it (scripts/module.sh), and
# this tree's udev/ and tools/. Its /init is selftests/udev/init.sh.
#
# The guest asks for hotplug on its console ("@@memattr-hotadd-ready",
# "@@memattr-hotdel-ready"); this script follows the console and answers
# through QMP (device_add / device_del of an ivshmem-plain on the spare
# pcie-root-port that vm.sh adds with MEMATTR_VM_QMP). No sleeps: each side
# waits for the other's message.
#
# usage: scripts/udev-lane.sh [RUN]   (results in build/runs/RUN, default udev)
# env:   MEMATTR_LANE_TIMEOUT  guest time budget in seconds (default 600)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/judge.sh
. "$(dirname "$0")/judge.sh"

lane=amd64-6.12
suite=trixie
run=${1:-udev}
out=$build/runs/$run
budget=${MEMATTR_LANE_TIMEOUT:-600}
rm -rf "$out"
mkdir -p "$out"

"$top/scripts/kernel.sh" "$lane"
"$top/scripts/module.sh" "$lane"
kver=$(cat "$build/kernel/$lane/kver")
chroot_dir=$build/chroot/$suite

# The test user that holds a BAR mapping across hot-remove, built with
# the suite's own compiler against the guest's glibc.
log "udev: building memattr_holdmap"
work=/tmp/memattr-holdmap
rm -rf "${chroot_dir:?}$work"
mkdir -p "$chroot_dir$work"
mkdir -p "$chroot_dir$work/tools-lib"
cp -a "$top/selftests/lib" "$top/selftests/udev/memattr_holdmap.c" \
	"$chroot_dir$work/"
cp -a "$top/tools/lib/." "$chroot_dir$work/tools-lib/"
in_chroot "$chroot_dir" sh -ec "cd $work && gcc -O2 -Wall -Wextra -Werror \
	-D_GNU_SOURCE -Ilib -Itools-lib -o memattr_holdmap memattr_holdmap.c \
	tools-lib/vfio_open.c tools-lib/vfio_group.c tools-lib/vfio_cdev.c \
	tools-lib/vfio_region.c tools-lib/vfio_dev.c lib/kmsg_cursor.c \
	lib/access_probe.c lib/vfio_request.c"
mkdir -p "$out/extra/usr/bin"
install -m 755 "$chroot_dir$work/memattr_holdmap" "$out/extra/usr/bin/"
rm -rf "${chroot_dir:?}$work"

# The Debian root (scripts/rootfs.sh) with what vfio-pci, vfio_iommu_type1
# and e1000e need.
log "udev: assembling the initramfs"
"$top/scripts/rootfs.sh" "$lane" "$top/selftests/udev/init.sh" \
	"$out/initrd.gz" "$out/extra" vfio-pci vfio_iommu_type1 e1000e

# QMP on a fifo pair; opened read-write here so neither side blocks.
qmp=$out/qmp
mkfifo "$qmp.in" "$qmp.out"
exec 7<>"$qmp.in" 8<>"$qmp.out"
qmp_greeted=
qmp_cmd() {
	local reply
	if [ -z "$qmp_greeted" ]; then
		qmp_greeted=1
		qmp_cmd '{"execute":"qmp_capabilities"}'
	fi
	echo ">>> $1" >>"$out/qmp.log"
	printf '%s\n' "$1" >&7
	# Skip the greeting and events up to this command's reply.
	while read -r -t 60 -u 8 reply; do
		echo "<<< $reply" >>"$out/qmp.log"
		case $reply in
		*'"return"'*) return 0 ;;
		*'"error"'*) return 1 ;;
		esac
	done
	return 1
}

console=$out/console.log
: >"$console"
log "udev: booting $kver with systemd-udevd (TCG, budget ${budget}s)"
MEMATTR_VM_QMP=$qmp timeout --kill-after=10 "$budget" \
	"$top/scripts/vm.sh" "$lane" "$out/initrd.gz" "$out/ivshmem.bin" \
	>"$console" 2>&1 &
vm=$!
truncate -s 4M "$out/hotplug.bin"
while IFS= read -r line; do
	case ${line%$'\r'} in
	@@memattr-hotadd-ready)
		log "udev: guest ready for hot-add: device_add ivshmem-plain"
		if ! qmp_cmd '{"execute":"object-add","arguments":{"qom-type":"memory-backend-file","id":"hpmem","size":4194304,"share":true,"mem-path":"'"$out/hotplug.bin"'"}}' ||
			! qmp_cmd '{"execute":"device_add","arguments":{"driver":"ivshmem-plain","id":"hp0","memdev":"hpmem","bus":"memattr-hp"}}'; then
			log "udev: device_add failed, see $out/qmp.log"
		fi
		;;
	@@memattr-hotdel-ready)
		log "udev: guest holds a mapping: device_del"
		qmp_cmd '{"execute":"device_del","arguments":{"id":"hp0"}}' ||
			log "udev: device_del failed, see $out/qmp.log"
		;;
	esac
done < <(tail -n +1 -F --pid="$vm" "$console" 2>/dev/null)
rc=0
wait "$vm" || rc=$?
exec 7>&- 8<&-

judge_start "$out" "$run" "$console" "$budget" "$rc"
judge_finish
