#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of the udev lane's guest: a Debian trixie root (mmdebstrap) in the
# initramfs, the 6.12 lane kernel, memattr-vfio-pci as DKMS installed it,
# the packaged udev rules and helper, memattrctl, and two admin rules in
# /etc/udev/rules.d. The real systemd-udevd does all binding; this script
# only starts it, checks the results and drives memattrctl.
#
# Host coordination (scripts/udev-lane.sh reads the console): the guest
# prints "@@memattr-hotadd-ready" and waits for a device on the spare root
# port; later "@@memattr-hotdel-ready" and waits for the device request a
# device_del causes, then for the device to go. TAP between the @@memattr-tap markers.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

# shellcheck source=scripts/guest-boot.sh
. /usr/lib/memattr/guest-boot.sh

# shellcheck disable=SC2317 # called on exit, before the kernel log
tap_end() {
	echo "1..$n"
	echo "@@memattr-tap-end"
}
guest_boot @@memattr tap_end

DRV=memattr-vfio-pci
n=0
t() { # t RESULT(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - udev: $2"; else echo "not ok $n - udev: $2"; fi
}
teq() { # teq ACTUAL EXPECTED DESCRIPTION
	[ "$1" = "$2" ]
	t $? "$3"
	[ "$1" = "$2" ] || echo "# got '$1', want '$2'"
}
# x EXPECTED_RC DESCRIPTION -- memattrctl ARGS: one TAP line per command.
x() {
	local want=$1 what=$2 rc=0 out
	shift 2
	out=$(memattrctl "$@" 2>&1) || rc=$?
	t $((rc != want)) "memattrctl $* -> exit $rc (want $want): $what"
	[ "$rc" = "$want" ] || printf '%s\n' "$out" | sed 's/^/# /'
	last_out=$out
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)"; }
active() { sed -n 's/.*\[\([^]]*\)\].*/\1/p' "/sys/bus/pci/devices/$1/memattr/$2" 2>/dev/null; }

echo "@@memattr-tap-begin"
echo "TAP version 13"

ivshmem=$(first_pci_dev 0x1af4 0x1110)
e1000e=$(first_pci_dev 0x8086 0x10d3)
port=$(first_pci_dev 0x1b36 0x000c)

# The e1000e starts on its native driver, as after an initramfs bound it.
modprobe e1000e
teq "$(driver_of "$e1000e")" "e1000e" "$e1000e starts on its native driver (e1000e)"
[ -d /sys/module/memattr_vfio_pci ]
t $((!$?)) "$DRV is not loaded before udev starts"

# The admin's rules: one line by hand, one from memattrctl rule --write.
echo 'ACTION=="add", SUBSYSTEM=="pci", ATTR{vendor}=="0x1af4", ATTR{device}=="0x1110", ENV{MEMATTR_BARS}="bar2=normal-nc"' \
	>/etc/udev/rules.d/60-ivshmem.rules
# The e1000e goes to stock vfio-pci (attach mode), the ivshmem to $DRV.
x 0 "writes a validated rule" rule 8086:10d3 bar0=device-ngnre --driver vfio-pci --write
[ -e /etc/udev/rules.d/60-memattr-vfio-pci-8086-10d3.rules ]
t $? "rule --write installed 60-memattr-vfio-pci-8086-10d3.rules"
# The hotplug slot's device goes to vfio-pci too (its own rule, read
# after the ivshmem one).
hp=
if [ -n "$port" ]; then
	hp=0000:$(printf '%02x' "$(cat "/sys/bus/pci/devices/$port/secondary_bus_number")"):00.0
	x 0 "writes a rule for one slot" rule 1af4:1110 --bdf "$hp" bar2=normal-nc --driver vfio-pci --write
fi

/usr/lib/systemd/systemd-udevd --daemon
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=180
t $? "coldplug settled"

# At boot, with no manual step.
teq "$(driver_of "$ivshmem")" "$DRV" "boot: ivshmem $ivshmem bound to $DRV"
teq "$(active "$ivshmem" bar2)" "normal-nc" "boot: $ivshmem bar2 is normal-nc ($(cat "/sys/bus/pci/devices/$ivshmem/memattr/bar2" 2>&1))"
[ -d /sys/module/memattr_vfio_pci ]
t $? "boot: udev loaded $DRV (modprobe of the DKMS-installed module)"
teq "$(driver_of "$e1000e")" "vfio-pci" "boot: e1000e $e1000e moved from its native driver to vfio-pci (attach mode)"
teq "$(active "$e1000e" bar0)" "device-ngnre" "boot: $e1000e bar0 is device-ngnre"
x 0 "policy lists the kernel-side rules" policy
printf '%s\n' "$last_out" | grep -qx "$e1000e,bar0=device-ngnre"
t $? "policy: the udev helper gave $e1000e its rule before the bind"
printf '%s\n' "$last_out" | grep -qx "$ivshmem,bar2=normal-nc"
t $? "policy: and $ivshmem its rule"
# The bind event found the values in place: the policy gave them at bind.
for dv in "$ivshmem bar2 normal-nc" "$e1000e bar0 device-ngnre"; do
	read -r d b v <<<"$dv"
	dmesg | grep -q "memattr-vfio-pci-udev: $d: $b = $v (unchanged)"
	t $? "boot: $d $b was $v from the bind on (the bind event changed nothing)"
done
grep -qx driver=e1000e "/run/$DRV/$e1000e"
t $? "boot: previous driver of $e1000e recorded in /run/$DRV"
udevadm info -q property -p "/sys/bus/pci/devices/$ivshmem" | grep -qx 'MEMATTR_BARS=bar2=normal-nc'
t $? "udev database keeps MEMATTR_BARS after bind"

# memattrctl: every verb and every refusal.
x 0 "help" --help
x 2 "no command" ""
x 2 "unknown command" frobnicate
x 0 "status lists the bound devices" status
echo "$last_out" | grep -Eq "^$ivshmem +1af4:1110 +$DRV +bar2 +8M +yes +normal-nc +no\$"
t $? "status: ivshmem bar2 line (BDF, id, driver, BAR, size, pref, value, open)"
echo "$last_out" | grep -Eq "^$e1000e +8086:10d3 +vfio-pci +bar0 .* device-ngnre +no\$"
t $? "status: the e1000e on vfio-pci is listed too"
printf '%s\n' "$last_out" | sed 's/^/# /'
x 0 "status of one device" status "$ivshmem"
x 3 "unknown BDF" status 0000:7f:1f.7
x 2 "not a BDF" status xyz
x 0 "set device-ngnre" set "$ivshmem" bar2 device-ngnre
teq "$(active "$ivshmem" bar2)" "device-ngnre" "set: bar2 now device-ngnre"
x 0 "set wc alias" set "${ivshmem#0000:}" bar2 wc
teq "$(active "$ivshmem" bar2)" "normal-nc" "set: bar2 back to normal-nc"
x 6 "unknown value" set "$ivshmem" bar2 bogus
x 6 "normal-nc on a non-prefetchable BAR" set "$e1000e" bar0 normal-nc
x 5 "BAR without a knob (upper half of 64-bit BAR2)" set "$ivshmem" bar3 default
x 2 "bad BAR name" set "$ivshmem" bar9 default
x 3 "set on unknown BDF" set 0000:7f:1f.7 bar2 wc
x 4 "set on a device not bound to $DRV" set 0000:00:00.0 bar0 default
x 4 "unbind a device not bound to $DRV" unbind 0000:00:00.0
x 3 "bind unknown BDF" bind 0000:7f:1f.7
x 0 "set an unchanged value" set "$e1000e" bar0 device-ngnre
x 2 "bind to another driver" bind "$e1000e" --driver e1000e
x 0 "unbind restores the previous driver" unbind "$e1000e"
teq "$(driver_of "$e1000e")" "e1000e" "unbind: $e1000e back on e1000e"
teq "$(cat "/sys/bus/pci/devices/$e1000e/driver_override")" "(null)" "unbind: the udev rule's driver_override is cleared"
x 0 "bind" bind "$e1000e" --driver vfio-pci
teq "$(driver_of "$e1000e")" "vfio-pci" "bind: $e1000e on vfio-pci"
udevadm settle --timeout=60
teq "$(active "$e1000e" bar0)" "device-ngnre" "rebind: the bind rule set bar0=device-ngnre again"
x 0 "bind when already bound" bind "$e1000e" --driver vfio-pci
x 0 "policy rule removed" policy "$e1000e"
x 0 "bind to $DRV" bind "$e1000e"
teq "$(driver_of "$e1000e")" "$DRV" "bind: $e1000e moved to $DRV"
x 0 "rule prints a rule" rule 1af4:1110 --subsystem 1af4:1100 bar2=wc
[ "$(echo "$last_out" | grep -v '^#')" = 'ACTION=="add", SUBSYSTEM=="pci", ATTR{vendor}=="0x1af4", ATTR{device}=="0x1110", ATTR{subsystem_vendor}=="0x1af4", ATTR{subsystem_device}=="0x1100", ENV{MEMATTR_BARS}="bar2=wc"' ]
t $? "rule: printed text"
x 6 "rule with an unknown value" rule 1af4:1110 bar2=bogus
x 5 "rule for a BAR without a knob" rule 1af4:1110 bar3=default
x 6 "rule with normal-nc on a non-prefetchable BAR" rule 8086:10d3 bar0=normal-nc
x 2 "rule without an ID" rule bar2=wc
x 2 "rule without a BAR" rule 1af4:1110

# Hot-add from the QEMU monitor.
if [ -n "$hp" ]; then
	hp_path=$(readlink -f "/sys/bus/pci/devices/$port")/$hp
	echo "@@memattr-hotadd-ready"
	udevadm wait --timeout=180 --settle "$hp_path"
	t $? "hotplug: $hp appeared and udev settled"
	sed "s/^/# $hp resource: /" "/sys/bus/pci/devices/$hp/resource" | head -n 3
	teq "$(driver_of "$hp")" "vfio-pci" "hotplug: $hp bound to vfio-pci (attach mode)"
	teq "$(active "$hp" bar2)" "normal-nc" "hotplug: $hp bar2 is normal-nc"
else
	t 1 "hotplug: no pcie-root-port (1b36:000c) in the guest"
fi

# Hot-remove while a user holds a mapping.
if [ -n "$hp" ] && [ "$(driver_of "$hp")" = "vfio-pci" ]; then
	coproc HOLD { memattr_holdmap "$hp" 2>&1; }
	exec 9<&"${HOLD[0]}"
	line=
	read -t 60 -r line <&9
	teq "$line" "mapped" "hot-remove: a user maps $hp bar2 ($line)"
	x 7 "set while the device is open" set "$hp" bar2 default
	x 7 "unbind while the device is open" unbind "$hp"
	x 0 "status while open" status "$hp"
	echo "$last_out" | grep -Eq "^$hp .* yes\$"
	t $? "status: OPEN is yes while a user has $hp open"
	echo "@@memattr-hotdel-ready"
	line=
	read -t 180 -r line <&9
	# Orderly removal (device_del is the attention button): vfio asks the
	# user for the device and asks again every 10 s. As on stock vfio-pci
	# the mapping keeps working until the user lets go (revocation is for
	# a device that is gone, or opt-in: revoke_after_request).
	teq "$line" "request access-ok" "hot-remove: the user is asked for $hp (vfio request) and its mapping still works"
	line=
	read -t 120 -r line <&9
	teq "$line" "second-request access-ok" "hot-remove: still usable at vfio's next request, nothing revoked (orderly removal, as stock)"
	wait "$HOLD_PID" 2>/dev/null
	udevadm wait --removed --timeout=180 --settle "$hp_path"
	t $? "hot-remove: $hp removed once the user let go"
fi
exit 0
