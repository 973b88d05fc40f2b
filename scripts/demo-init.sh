#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of the `make demo` guest (scripts/demo.sh): a Debian root
# (scripts/rootfs.sh) with memattr-vfio-pci as DKMS installed it, the
# packaged udev rule and helper, memattrctl, memattr-demo and the
# test-only memattr-pte module. The admin's part is one udev rule; the
# real systemd-udevd binds the ivshmem device and sets bar2=normal-nc.
#
# Console protocol (the host prints the lines in between as they come):
# "@@memattr-demo-step TEXT" progress, "@@memattr-demo-begin" and
# "@@memattr-demo-end" around what the newcomer reads, then the kernel
# log between "@@memattr-demo-dmesg-begin/-end", and "@@memattr-demo-done".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

# shellcheck source=scripts/guest-boot.sh
. /usr/lib/memattr/guest-boot.sh

# shellcheck disable=SC2317 # called on exit, before the kernel log
demo_end() { echo "@@memattr-demo-end"; }
guest_boot @@memattr-demo demo_end

step() { echo "@@memattr-demo-step $*"; }
section() { printf '\n---- %s ----\n' "$*"; }

step "guest /init started on Linux $(uname -r) ($(uname -m))"
echo "@@memattr-demo-begin"
section "1. udev binds the device (packaged rule + one admin rule)"
rule='ACTION=="add", SUBSYSTEM=="pci", ATTR{vendor}=="0x1af4", ATTR{device}=="0x1110", ENV{MEMATTR_BARS}="bar2=normal-nc"'
echo "$rule" >/etc/udev/rules.d/60-ivshmem.rules
echo "admin rule /etc/udev/rules.d/60-ivshmem.rules:"
echo "  $rule"
echo "packaged: /usr/lib/udev/rules.d/70-memattr-vfio-pci.rules + /usr/lib/udev/memattr-vfio-pci-udev"

step "starting systemd-udevd, coldplug"
/usr/lib/systemd/systemd-udevd --daemon
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=180 || echo "udevadm settle timed out"
# The first ivshmem: vm.sh creates the 8 MiB one, backed by the host's
# ivshmem.bin, before the 1 GiB one.
bdf=$(first_pci_dev 0x1af4 0x1110)
echo "what the helper did (kernel log):"
dmesg --color=never | sed -n 's/^\[[^]]*\] //; /memattr-vfio-pci/p' | sed 's/^/  /'
echo "$bdf is bound to: $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")"

section "2. memattrctl status"
echo "# memattrctl status"
memattrctl status

step "mapping BAR2 of $bdf"
modprobe vfio_iommu_type1
modprobe memattr-pte
memattr-demo "$bdf" || echo "memattr-demo failed (exit $?)"
exit 0
