#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of qemu_l2_test: after the lane's guest has exited, check that
# the files behind the two ivshmem BAR2s hold what the nested guest stored
# through them (contract in lib/l2_record.h): at 0x12000 + run * 0x200,
# "l2:<run>:<dev>:TOKEN", for runs 0 to 5 (both modes), device 0 in FILE
# and device 1 in FILE.big. Each device holds its own records and not the
# other's.
#
# usage: check-l2-backing.sh FILE TOKEN
# Prints one TAP line; exits 0 when every record is there, 1 otherwise.
set -euo pipefail

readonly offset=$((0x12000)) slot=$((0x200)) runs=6
name="the nested guest's stores are in both devices' backing files"

result() {
	echo "$1 - $name${2:+: $2}"
	[ "$1" = ok ]
}

if [ $# -ne 2 ] || [[ ! $2 =~ ^[0-9a-fA-F]{1,256}$ ]]; then
	echo "usage: $0 FILE TOKEN (TOKEN: 1 to 256 hex digits)" >&2
	result "not ok" "bad arguments" || exit 1
fi
files=("$1" "$1.big")
token=$2

for ((dev = 0; dev < 2; dev++)); do
	f=${files[dev]}
	[ -r "$f" ] || { result "not ok" "cannot read $f" || exit 1; }
	for ((run = 0; run < runs; run++)); do
		want="l2:$run:$dev:$token"
		at=$((offset + run * slot))
		got=$(dd if="$f" iflag=skip_bytes,count_bytes skip="$at" \
			count="${#want}" status=none | tr -c '[:print:]' '.')
		[ "$got" = "$want" ] ||
			{ result "not ok" "${f##*/} at $at: \"$got\", not \"$want\"" || exit 1; }
	done
done
result ok
