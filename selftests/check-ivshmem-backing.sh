#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of memattr_bind_test's bar2_write_pattern: after the guest has
# exited, check that the file behind the ivshmem BAR2 holds what the guest
# wrote through its mapping (contract in lib/ivshmem_pattern.h):
#
#   offset 0:    TOKEN, its ASCII bytes, no terminator;
#   offset 4096: 4096 bytes, byte i == (i * 31 + 7) & 0xff.
#
# usage: check-ivshmem-backing.sh FILE TOKEN
# Prints one TAP line; exits 0 when both are there, 1 otherwise.
set -euo pipefail

readonly page_offset=4096
readonly page_size=4096
name="ivshmem backing file holds the guest's BAR2 pattern"

result() {
	echo "$1 - $name${2:+: $2}"
	[ "$1" = ok ]
}

page() {
	local i oct out=
	for ((i = 0; i < page_size; i++)); do
		printf -v oct '%03o' $(((i * 31 + 7) & 0xff))
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
if [ "$size" -lt $((page_offset + page_size)) ]; then
	result "not ok" "$file is $size bytes, too short" || exit 1
fi

if ! cmp -s -n "${#token}" <(printf '%s' "$token") "$file"; then
	diff=$(first_diff <(printf '%s' "$token") "$file" "${#token}" 0)
	result "not ok" "token not at offset 0 ($diff)" || exit 1
fi

at_page() { tail -c +$((page_offset + 1)) "$file"; }
if ! cmp -s -n "$page_size" <(page) <(at_page); then
	diff=$(first_diff <(page) <(at_page) "$page_size" "$page_offset")
	result "not ok" "page at offset $page_offset differs ($diff)" || exit 1
fi

result ok
