# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Start-up shared by the /init of the Debian-root guests (scripts/demo-init.sh,
# selftests/udev/init.sh). scripts/rootfs.sh installs it in the guest as
# /usr/lib/memattr/guest-boot.sh, where those scripts source it.
#
#   guest_boot PREFIX [HOOK]   mounts; on exit: HOOK, the kernel log
#                              between "PREFIX-dmesg-begin/-end", then
#                              "PREFIX-done", and power off
#   first_pci_dev VENDOR DEVICE   BDF of the first such device, or nothing

guest_boot_prefix=
guest_boot_hook=

guest_boot_finish() {
	[ -z "$guest_boot_hook" ] || "$guest_boot_hook"
	echo "$guest_boot_prefix-dmesg-begin"
	dmesg --color=never
	echo "$guest_boot_prefix-dmesg-end"
	echo "$guest_boot_prefix-done"
	echo o >/proc/sysrq-trigger
}

guest_boot() {
	guest_boot_prefix=$1
	guest_boot_hook=${2:-}
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t tmpfs tmpfs /run
	mount -t tmpfs tmpfs /tmp
	mount -t debugfs debugfs /sys/kernel/debug
	ln -s /proc/self/fd /dev/fd
	echo 1 >/proc/sys/kernel/printk
	# However the script ends, the host gets the log and the guest
	# powers off (PID 1 must not exit).
	trap guest_boot_finish EXIT
}

first_pci_dev() { # VENDOR DEVICE, as in sysfs: 0x1af4 0x1110
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1:$2" ] &&
			echo "${d##*/}" && return
	done
}
