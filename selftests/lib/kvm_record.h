/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What kvm_stage2_test leaves in an ivshmem BAR2, for the host to check in
 * the backing file after the guest exits (check-ivshmem-backing.sh), in
 * both devices' BAR2 (the 1 GiB one's file is FILE.big):
 *
 *   KVM_RECORD_OFFSET + slot * KVM_RECORD_SLOT_SIZE, slot 0 to
 *   KVM_RECORD_SLOTS - 1, one slot per VM run:
 *     +0:    KVM_RECORD_HEADER (16 bytes), written by the test process
 *            through its own VFIO mapping before the VM runs: "this slot
 *            was used";
 *     +0x20: "s2:<slot>:<$MEMATTR_TOKEN>", no terminator, stored byte by
 *            byte by the KVM guest's vCPU through the BAR memslot.
 *
 * A slot without the header was not used (no KVM on this lane, or a test
 * that skipped before running a VM).  This region lies past the ones of
 * lib/ivshmem_pattern.h.
 */
#ifndef MEMATTR_SELFTEST_KVM_RECORD_H
#define MEMATTR_SELFTEST_KVM_RECORD_H

#define KVM_RECORD_OFFSET	0x10000
#define KVM_RECORD_SLOT_SIZE	0x200
#define KVM_RECORD_SLOTS	16
#define KVM_RECORD_END		(KVM_RECORD_OFFSET + \
				 KVM_RECORD_SLOTS * KVM_RECORD_SLOT_SIZE)
#define KVM_RECORD_HEADER	"kvm_stage2_test:"
#define KVM_RECORD_HEADER_LEN	16
#define KVM_RECORD_PAYLOAD	0x20
#define KVM_RECORD_PAYLOAD_MAX	(KVM_RECORD_SLOT_SIZE - KVM_RECORD_PAYLOAD)

#endif /* MEMATTR_SELFTEST_KVM_RECORD_H */
