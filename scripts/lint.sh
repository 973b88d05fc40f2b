#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make lint`: the static checks, each reported as a TAP line.
#   - checkpatch.pl --strict (from Debian's linux-source-6.12) on all C;
#   - sparse (KBUILD_CHECKSRC=2: C=2 is a no-op on Debian 7.x headers, which
#     lack scripts/checker-valid.sh) and W=1, against every lane's headers,
#     with the suite's own compiler: any compiler or sparse diagnostic fails;
#   - shellcheck on every shell script.
# Writes "passed failed skipped" to build/runs/lint/counts, as a lane does.
#
# usage: scripts/lint.sh [LANE...]     (default: every lane, 6.1 to 7.3)
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=(amd64-6.1 arm64-6.1 amd64-6.12 arm64-6.12
	amd64-7.2 arm64-7.2 amd64-7.3 arm64-7.3)
ensure_host_packages shellcheck
"$top/scripts/ksft.sh" >&2 || die "cannot fetch checkpatch"

passed=0 failed=0 n=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n lint: $2"
		passed=$((passed + 1))
	else
		echo "not ok $n lint: $2"
		failed=$((failed + 1))
		sed 's/^/# /' "$3"
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top" || exit 1

checkpatch=(perl "$build/ksft/checkpatch/checkpatch.pl" --strict --no-tree
	--terse --quiet --show-types -f)
# src/memattr.h holds the per-BAR writable copy of vfio-pci-core's
# vm_operations_struct (so every member of any kernel's table passes
# through): CONST_STRUCT is a false positive there, and only there.
writable_vm_ops=src/memattr.h
mapfile -t kernel_c < <(git ls-files 'src/*.[ch]' 'selftests/modules/*.c' |
	grep -vx "$writable_vm_ops")
mapfile -t user_c < <(git ls-files 'selftests/*.[ch]' 'tools/*.[ch]' |
	grep -v '^selftests/modules/')
rc=0
"${checkpatch[@]}" "${kernel_c[@]}" >"$tmp/cp" 2>&1 || rc=1
"${checkpatch[@]}" --ignore CONST_STRUCT "$writable_vm_ops" >>"$tmp/cp" 2>&1 ||
	rc=1
kernel_c+=("$writable_vm_ops")
result $rc "checkpatch --strict on kernel code (${#kernel_c[@]} files)" "$tmp/cp"
# User-space tests use <stdint.h> types, volatile MMIO accesses and
# <inttypes.h> macros, as the kernel's own selftests do.
rc=0
"${checkpatch[@]}" --ignore PREFER_KERNEL_TYPES,VOLATILE,CAMELCASE \
	"${user_c[@]}" >"$tmp/cp" 2>&1 || rc=1
result $rc "checkpatch --strict on selftests and tools (${#user_c[@]} files)" "$tmp/cp"

mapfile -t shell < <(git ls-files | while read -r f; do
	head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*(ba)?sh' && echo "$f"
	case $f in *.sh) echo "$f" ;; esac
done | sort -u)
rc=0
shellcheck -x "${shell[@]}" >"$tmp/sc" 2>&1 || rc=1
result $rc "shellcheck (${#shell[@]} scripts)" "$tmp/sc"

# One W=1 + sparse build per lane, of the module and the test modules, in
# a scratch copy inside the suite's chroot.
kbuild_lane() {
	local lane=$1 arch suite root abi work cross=()
	arch=$(arch_of "$lane")
	suite=$(suite_of "$lane")
	root=$build/chroot/$suite
	"$top/scripts/chroot.sh" "$suite" || return 1
	abi=$(cat "$root/.abi")
	[ "$arch" = arm64 ] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	work=/tmp/lint-$lane
	rm -rf "${root:?}$work"
	mkdir -p "$root$work"
	cp -a Kbuild src scripts "$root$work/"
	cp -a selftests/modules "$root$work/test-modules"
	local kbuild=(make -j"$(nproc)" -C "/usr/src/linux-headers-$abi-$arch"
		W=1 KBUILD_CHECKSRC=2 "${cross[@]}")
	in_chroot "$root" "${kbuild[@]}" M="$work" modules &&
		in_chroot "$root" "${kbuild[@]}" M="$work/test-modules" modules
	local rc=$?
	rm -rf "${root:?}$work"
	return $rc
}

for lane in "${lanes[@]}"; do
	rc=0
	kbuild_lane "$lane" >"$tmp/build" 2>&1 || rc=1
	# Anything the compiler or sparse says is a finding; BTF notes are not.
	grep -vE 'Skipping BTF generation' "$tmp/build" |
		grep -E 'warning|error|: note:' >"$tmp/diag" && rc=1
	cat "$tmp/build" >>"$tmp/diag"
	result $rc "W=1 and sparse clean on $lane" "$tmp/diag"
done

echo "1..$n"
mkdir -p "$build/runs/lint"
echo "$passed $failed 0" >"$build/runs/lint/counts"
echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
