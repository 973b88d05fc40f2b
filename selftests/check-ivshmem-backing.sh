#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of memattr_bind_test's bar2_write_pattern and of
# memattr_policy_test's normal-nc data path: after the guest has exited,
# check that the file behind the ivshmem BAR2 holds what the guest wrote
# through its mappings (contract in lib/ivshmem_pattern.h):
#
#   offset 0:    TOKEN, its ASCII bytes, no terminator;
#   offset 4096: 4096 bytes, byte i == (i * 31 + 7) & 0xff;
#   offset 8192: 4096 bytes, byte i == (i * 17 + 3) & 0xff (normal-nc).
#
# and kvm_stage2_test's KVM guest stores (lib/kvm_record.h), in FILE and in
# FILE.big: every 0x200-byte slot from offset 0x10000 that starts with the
# test's header holds "s2:<slot>:TOKEN" at +0x20.
#
# usage: check-ivshmem-backing.sh FILE TOKEN
# Prints one TAP line; exits 0 when all three are there, 1 otherwise.
set -euo pipefail

readonly page_size=4096
# "offset mul add writer": byte i == (i * mul + add) & 0xff
readonly pages=("4096 31 7 memattr_bind_test"
	"8192 17 3 memattr_policy_test's normal-nc mapping")
readonly pattern_end=$((8192 + page_size))
name="ivshmem backing file holds the guest's BAR2 patterns"

result() {
	echo "$1 - $name${2:+: $2}"
	[ "$1" = ok ]
}

# page MUL ADD: the page_size bytes (i * MUL + ADD) & 0xff.
page() {
	local i oct out=
	for ((i = 0; i < page_size; i++)); do
		printf -v oct '%03o' $(((i * $1 + $2) & 0xff))
		out+="\\0$oct"
	done
	printf '%b' "$out"
}

# The first differing byte of EXPECTED and ACTUAL, LEN bytes long, as
# "offset N: X instead of Y" (octal bytes, as cmp -l shows them), N counted
# from BASE.
first_diff() {
	cmp -l -n "$3" "$1" "$2" 2>/dev/null | awk -v base="$4" 'NR == 1 {
		printf "offset %d: %s instead of %s", base + $1 - 1, $3, $2 }' ||
		true
}

if [ $# -ne 2 ]; then
	echo "usage: $0 FILE TOKEN" >&2
	result "not ok" "bad arguments" || exit 1
fi
file=$1
token=$2

if [[ ! $token =~ ^[0-9a-fA-F]{1,256}$ ]]; then
	result "not ok" "TOKEN must be 1 to 256 hex digits" || exit 1
fi
if [ ! -r "$file" ]; then
	result "not ok" "cannot read $file" || exit 1
fi
size=$(stat -c %s "$file")
if [ "$size" -lt "$pattern_end" ]; then
	result "not ok" "$file is $size bytes, too short" || exit 1
fi

if ! cmp -s -n "${#token}" <(printf '%s' "$token") "$file"; then
	diff=$(first_diff <(printf '%s' "$token") "$file" "${#token}" 0)
	result "not ok" "token not at offset 0 ($diff)" || exit 1
fi

at_page() { tail -c +$(($1 + 1)) "$file"; }
for p in "${pages[@]}"; do
	read -r offset mul add writer <<<"$p"
	if ! cmp -s -n "$page_size" <(page "$mul" "$add") <(at_page "$offset"); then
		diff=$(first_diff <(page "$mul" "$add") <(at_page "$offset") \
			"$page_size" "$offset")
		result "not ok" "page at offset $offset ($writer) differs ($diff)" ||
			exit 1
	fi
done

readonly kvm_header="kvm_stage2_test:"
at() { tail -c +$(($2 + 1)) "$1"; }
for f in "$file" "$file.big"; do
	[ -r "$f" ] || continue
	for ((slot = 0; slot < 16; slot++)); do
		offset=$((0x10000 + slot * 0x200))
		cmp -s -n "${#kvm_header}" <(printf '%s' "$kvm_header") \
			<(at "$f" "$offset") || continue
		want="s2:$slot:$token"
		if ! cmp -s -n "${#want}" <(printf '%s' "$want") \
			<(at "$f" $((offset + 0x20))); then
			diff=$(first_diff <(printf '%s' "$want") \
				<(at "$f" $((offset + 0x20))) "${#want}" \
				$((offset + 0x20)))
			result "not ok" "${f##*/}: KVM guest record $slot differs ($diff)" ||
				exit 1
		fi
	done
done

result ok
