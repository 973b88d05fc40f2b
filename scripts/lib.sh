# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared helpers for the build and VM lane scripts: paths, lane names,
# logging and the Debian mirror this machine already uses.

# shellcheck disable=SC2034 # used by the scripts that source this file
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034
build=${MEMATTR_BUILD:-$top/build}
# The Debian packages of the VMM that the -l2 lanes' guests run.
# shellcheck disable=SC2034
l2_vmm_packages=qemu-system-arm

# The admin's root (scripts/rootfs.sh: the udev lane, make demo): the
# Essential set that a script in the guest uses, and what the admin path
# needs. Dependencies are resolved by apt.
# shellcheck disable=SC2034
admin_root_packages=base-files,base-passwd,bash,coreutils,dash,debianutils
admin_root_packages+=,diffutils,findutils,grep,gzip,mawk,sed,tar,util-linux
admin_root_packages+=,kmod,udev,pciutils

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# set -e exits without a word: say which command it was.
trap 'printf "error: %s: line %s: %s (exit %s)\n" "${0##*/}" "$LINENO" \
	"$BASH_COMMAND" "$?" >&2' ERR

# Lane "<arch>-<kernel>": the Debian suite that ships that kernel.
# amd64-6.12-debug: trixie's linux-source built by scripts/debug-kernel.sh.
suite_of() {
	case ${1#*-} in
	6.1) echo bookworm ;;
	6.12 | 6.12-debug) echo trixie ;;
	7.2) echo sid ;;
	7.3) echo experimental ;;
	*) die "unknown lane '$1' (expected <amd64|arm64>-<6.1|6.12|7.2|7.3>)" ;;
	esac
}

# The lanes whose guest also runs DPDK's testpmd (scripts/testpmd-root.sh):
# the 6.12 and 7.2 kernels, whose suites' DPDK the issue asks for.
lane_runs_testpmd() {
	case $(suite_of "$1") in
	trixie | sid) return 0 ;;
	*) return 1 ;;
	esac
}

arch_of() {
	case ${1%%-*} in
	amd64 | arm64) echo "${1%%-*}" ;;
	*) die "unknown architecture in lane '$1'" ;;
	esac
}

# The Debian mirror from the host's own apt sources, so every chroot
# fetches from the same place as the host.
debian_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
		[ -r "$f" ] || continue
		sed -n -e 's|^URIs: *\(.*/debian\)/*$|\1|p' \
			-e 's|^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*/debian\)/* .*|\2|p' "$f"
	done | head -n 1
}

# timed NAME CMD...: run CMD and add "NAME WALL USER SYSTEM" (seconds; the
# CPU times are CMD's and those of everything it waited for) to
# build/times, which check.sh sums up at the end. In a subshell of its
# own: a shell's children's times also count the background jobs it
# reaps meanwhile.
timed() {
	local name=$1
	shift
	mkdir -p "$build"
	(
		TIMEFORMAT="$name %R %U %S"
		{ time "$@" 2>&3 3>&-; } 3>&2 2>>"$build/times"
	)
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root (apt-get, chroot, mount)"
}

# Install host packages that are missing, with apt's own progress.
ensure_host_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	need_root "installing ${missing[*]}"
	log "installing host packages: ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Run a command in a chroot with /proc mounted (objtool reads it), and
# always unmount it again so a later rm -rf never walks the live /proc.
# Lanes of one suite share its chroot, so runs are serialised with a lock.
in_chroot() {
	local root=$1
	shift
	(
		flock 9
		mount -t proc proc "$root/proc"
		trap 'umount "$root/proc"' EXIT
		chroot "$root" "$@"
	) 9>"$root.lock"
}
