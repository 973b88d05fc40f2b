/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What qemu_l2_test's nested guest (L2) leaves in the BAR2 of each ivshmem
 * passed to it, for the host to check in the backing files after the lane
 * (check-l2-backing.sh): device 0's file is FILE, device 1's FILE.big.
 *
 *   L2_RECORD_OFFSET + run * L2_RECORD_SLOT_SIZE, run 0 to L2_RECORD_RUNS-1
 *   (0 to 2 with the variant driver, 3 to 5 in attach mode):
 *     "l2:<run>:<dev>:<$MEMATTR_TOKEN>", no terminator, stored by L2
 *     through its write-combining resource2_wc mapping.
 *
 * Every run stores in both devices, so the host expects all of them.  The
 * region lies past the ones of ivshmem_pattern.h and kvm_record.h.
 */
#ifndef MEMATTR_SELFTEST_L2_RECORD_H
#define MEMATTR_SELFTEST_L2_RECORD_H

#define L2_RECORD_OFFSET	0x12000
#define L2_RECORD_SLOT_SIZE	0x200
#define L2_RECORD_RUNS		6
#define L2_RECORD_DEVS		2

#endif /* MEMATTR_SELFTEST_L2_RECORD_H */
