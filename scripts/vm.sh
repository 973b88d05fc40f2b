#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a lane's stock kernel under QEMU TCG with a virtual IOMMU and the
# emulated test devices, console on stdout. The guest powers itself off;
# the caller bounds the run with a timeout.
#
# usage: scripts/vm.sh LANE INITRD BACKING_FILE [KERNEL_ARGS...]
#   BACKING_FILE  host file behind the first ivshmem BAR2 (8 MiB, created
#                 here); BACKING_FILE.big backs a second one of 1 GiB
#                 (sparse) for huge mappings.
# env:   MEMATTR_VM_QMP  QMP fifos and a hotplug root port (see below)
#        MEMATTR_VM_NIC_PCAP=FILE  a modern virtio-net (behind the virtual
#                        IOMMU, for DPDK) whose sent frames QEMU's
#                        filter-dump writes to FILE
#        MEMATTR_VM_LOWMEM=1 (arm64) QEMU virt's 32-bit PCI window only
#                        (highmem=off, about 750 MiB): the PCI core finds no
#                        room for the 1 GiB ivshmem's BAR2 and leaves it
#                        unassigned, as a host does a GPU's too large BAR
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lane=${1:?usage: $0 LANE INITRD BACKING_FILE [KERNEL_ARGS...]}
initrd=${2:?}
backing=${3:?}
shift 3
arch=$(arch_of "$lane")
kernel=$build/kernel/$lane/vmlinuz

truncate -s 0 "$backing" "$backing.big"
truncate -s 8M "$backing"
truncate -s 1G "$backing.big"

# ivshmem-plain: 64-bit prefetchable BAR2 backed by a host file.
# e1000e: non-prefetchable memory BAR0 and its MSI-X table in BAR3.
devices=(
	-object "memory-backend-file,id=ivshmem0,size=8M,mem-path=$backing,share=on"
	-device "ivshmem-plain,memdev=ivshmem0"
	-object "memory-backend-file,id=ivshmem1,size=1G,mem-path=$backing.big,share=on"
	-device "ivshmem-plain,memdev=ivshmem1"
	-device e1000e
)
# Optional (the udev lane): a QMP monitor on the fifos MEMATTR_VM_QMP.in
# (QEMU reads) and MEMATTR_VM_QMP.out (QEMU writes), which the caller
# creates, and an empty pcie-root-port (id memattr-hp) to hot-add on, with
# a 64-bit prefetchable window the firmware reserves for hot-added BARs.
if [ -n "${MEMATTR_VM_QMP:-}" ]; then
	devices+=(-chardev "pipe,id=memattr-qmp,path=$MEMATTR_VM_QMP"
		-mon "chardev=memattr-qmp,mode=control"
		-device "pcie-root-port,id=memattr-hp,chassis=1,pref64-reserve=64M")
fi

# The NIC DPDK drives: modern only (notify area in 64-bit prefetchable
# BAR4, MSI-X table in BAR1), its DMA through the virtual IOMMU (DPDK
# programs IOVA=VA; without iommu_platform the device would bypass it and
# send nothing). Its back end is QEMU's user network, restricted: it takes
# every frame (a lone hub port would stall the NIC after one) and lets
# none out. The pcap holds what the NIC sent (the netdev's rx queue).
iommu_opts=caching-mode=on
if [ -n "${MEMATTR_VM_NIC_PCAP:-}" ]; then
	nic=virtio-net-pci,netdev=memattr-net,disable-legacy=on,iommu_platform=on
	# x86: the device's IOTLB (ATS) is how intel-iommu serves it.
	[ "$arch" = amd64 ] && nic+=,ats=on && iommu_opts+=,device-iotlb=on
	rm -f "$MEMATTR_VM_NIC_PCAP"
	devices+=(-netdev "user,id=memattr-net,restrict=on"
		-object "filter-dump,id=memattr-dump,netdev=memattr-net,queue=rx,file=$MEMATTR_VM_NIC_PCAP"
		-device "$nic")
fi

case $arch in
amd64)
	# Multi-threaded TCG races the kernel's int3-based text patching on
	# x86 (seen as an int3 Oops in sched_clock_cpu on 7.2); one TCG
	# thread runs all vCPUs and keeps cross-modified code coherent.
	qemu=(qemu-system-x86_64 -M q35 -cpu max -accel "tcg,thread=single"
		-device "intel-iommu,$iommu_opts")
	# no_timer_check: under TCG the IO-APIC timer check can time out
	# ("timer doesn't work through Interrupt-remapped IO-APIC") and panic.
	cmdline="console=ttyS0 intel_iommu=on no_timer_check"
	;;
arm64)
	qemu=(qemu-system-aarch64 -accel "tcg${MEMATTR_VM_ICOUNT:+,thread=single}"
		-M "virt,iommu=smmuv3,gic-version=3,virtualization=on${MEMATTR_VM_LOWMEM:+,highmem=off}"
		-cpu "max,pauth-impdef=on")
	cmdline="console=ttyAMA0"
	;;
esac

# MEMATTR_VM_ICOUNT=1 (make bench): the guest clock counts executed
# instructions (one per nanosecond), which needs single-threaded TCG.
[ -z "${MEMATTR_VM_ICOUNT:-}" ] || qemu+=(-icount "shift=0,sleep=off")

exec "${qemu[@]}" -smp "${MEMATTR_VM_CPUS:-2}" -m 2G \
	-nodefaults -display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "$cmdline quiet panic=-1 $*" \
	"${devices[@]}" </dev/null
