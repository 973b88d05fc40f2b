#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The inside of scripts/deb-check.sh, run in build/chroot/deb-SUITE:
# install, upgrade and purge the packages as an admin does, one TAP line
# per check ("ok - ..." / "not ok - ..."), apt's output to LOG.
#
# usage: deb-check-chroot.sh DIR LOG   DIR/old/*.deb, DIR/new/*.deb (a
#                                      higher version of the same tree)
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

dir=${1:?usage: $0 DIR LOG}
logf=${2:?usage: $0 DIR LOG}
name=memattr-vfio-pci
pkgs=("$name-dkms" "$name-tools")
conf=/etc/modprobe.d/$name.conf
tools=(/usr/sbin/memattrctl /usr/sbin/memattr-bench
	/usr/lib/udev/memattr-vfio-pci-udev
	/usr/lib/udev/rules.d/70-memattr-vfio-pci.rules)

t() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# Every file outside the package manager's and the kernel's own state.
snapshot() {
	find / -xdev \( -path /proc -o -path /tmp -o -path /var/cache \
		-o -path /var/log -o -path /var/lib/apt -o -path /var/lib/dpkg \) \
		-prune -o -print | sort
}

# The kernels dkms builds for: every /lib/modules/KVER with headers.
kvers() {
	local d
	for d in /lib/modules/*/build; do
		[ -e "$d" ] && basename "$(dirname "$d")"
	done
}

# KVER's module: installed, and built for KVER (vermagic).
module_ok() {
	local ko
	ko=$(ls /lib/modules/"$1"/updates/dkms/$name.ko* 2>/dev/null) || return 1
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$1" ]
}

ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# A previous run that stopped half-way must not change the baseline.
apt-get purge -y -q "${pkgs[@]}" >"$logf" 2>&1
mapfile -t kernels < <(kvers)
# A host's kernel image leaves a module index (modules.dep, ...); here
# only the headers are installed, so make one, or dkms 3.2 skips depmod.
for k in "${kernels[@]}"; do
	[ -f "/lib/modules/$k/modules.dep" ] || depmod -a "$k"
done
before=$(snapshot)
echo "# dkms $(dkms --version 2>&1 | head -n 1), kernels: ${kernels[*]}"

# Recommends left out: udev would come from the mirror and stay after
# the purge, blurring the file-list comparison.
apt-get install -y -q --no-install-recommends "$dir"/old/*.deb >>"$logf" 2>&1
t $? "apt install ./$name-*.deb ($(ver "$name-dkms"))"
rc=0
for k in "${kernels[@]}"; do
	module_ok "$k" || { echo "# no $name.ko for $k"; rc=1; }
done
[ ${#kernels[@]} -gt 0 ] || rc=1
t $rc "dkms built and installed $name.ko for ${kernels[*]} (vermagic)"
rc=0
for f in "${tools[@]}"; do
	[ -f "$f" ] || { echo "# missing: $f"; rc=1; }
done
memattrctl --help >/dev/null 2>&1 || rc=1
[ -x /usr/sbin/memattr-bench ] || rc=1
t $rc "memattrctl, memattr-bench, udev rules and helper installed"
dpkg-query -W -f='${Conffiles}\n' "$name-tools" | grep -q " $conf " &&
	grep -q '^#options memattr_vfio_pci policy=' "$conf"
t $? "$conf is a conffile, its policy commented out"
modinfo -F parm "$(ls /lib/modules/"${kernels[0]}"/updates/dkms/$name.ko*)" |
	grep -q '^policy:'
t $? "modinfo describes the policy parameter"

# The admin's policy, then the upgrade.
policy='options memattr_vfio_pci policy="1af4:1110,bar2=normal-nc"'
echo "$policy" >>"$conf"
stamp=/tmp/deb-check-stamp
touch "$stamp"
sleep 1
old=$(ver "$name-dkms")
apt-get install -y -q --no-install-recommends "$dir"/new/*.deb \
	</dev/null >>"$logf" 2>&1
rc=$?
new=$(ver "$name-dkms")
dpkg --compare-versions "$new" gt "$old" || rc=1
t $rc "upgrade $old -> $new"
rc=0
for k in "${kernels[@]}"; do
	module_ok "$k" || { echo "# no $name.ko for $k"; rc=1; }
	[ -n "$(find /lib/modules/"$k"/updates/dkms -name "$name.ko*" \
		-newer "$stamp")" ] || { echo "# $k: module not rebuilt"; rc=1; }
done
t $rc "upgrade rebuilt $name.ko for ${kernels[*]}"
grep -qxF "$policy" "$conf"
t $? "upgrade kept the configured policy in $conf"
rm -f "$stamp"

apt-get purge -y -q "${pkgs[@]}" >>"$logf" 2>&1
t $? "apt purge $name-dkms $name-tools"
# Not ours, and so not compared: dkms's own Machine Owner Key, made by
# its first build of any module, which signs every later one and may be
# enrolled for Secure Boot; and depmod's index of a kernel's modules,
# which dkms 3.2 deletes when it removes the last one (no image here).
theirs='^[<>] (/var/lib/dkms/mok\.(key|pub)|(/usr)?/lib/modules/[^/]+/modules\.[a-z.]+)$'
diff <(echo "$before") <(snapshot) | grep -E "$theirs" |
	sed 's/^\([<>]\) /# not compared (dkms, depmod): \1 /'
left=$(diff <(echo "$before") <(snapshot) | grep '^[<>]' | grep -vE "$theirs")
[ -z "$left" ]
t $? "purge leaves no file behind (file list as before the install)"
[ -z "$left" ] || printf '%s\n' "$left" | head -n 20 | sed 's/^/# /'
exit 0
