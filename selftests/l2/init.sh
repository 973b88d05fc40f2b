#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# /init of the nested guest (L2) that qemu_l2_test boots with QEMU/KVM in
# an arm64 lane's guest (L1). For every "memattr.l2store=BDF,OFFSET,TEXT"
# on its command line it stores TEXT at OFFSET into that device's BAR2
# through sysfs's resource2_wc, so that L2's own stage 1 is Normal-NC, and
# says so on its console. Then it powers off, which ends QEMU.

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys

read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	memattr.l2store=*) spec=${arg#memattr.l2store=} ;;
	*) continue ;;
	esac
	bdf=${spec%%,*}
	rest=${spec#*,}
	dev=/sys/bus/pci/devices/$bdf
	# No driver binds the device: enable its memory decoding by hand.
	if echo 1 >"$dev/enable" &&
		/bin/l2-store "$dev/resource2_wc" "${rest%%,*}" "${rest#*,}"; then
		echo "@@l2-stored $bdf"
	else
		echo "@@l2-failed $bdf"
	fi
done
echo "@@l2-done"
poweroff -f
