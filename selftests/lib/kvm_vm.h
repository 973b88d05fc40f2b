/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MEMATTR_SELFTEST_KVM_VM_H
#define MEMATTR_SELFTEST_KVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVM_DEV_PATH "/dev/kvm"

/*
 * A KVM/arm64 VM with one vCPU, driven with the raw KVM API the way
 * tools/testing/selftests/kvm do it, without a VMM.  Unused descriptors
 * are -1.  Built on arm64 only: elsewhere every function fails with
 * -EOPNOTSUPP.
 */
struct kvm_vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	void *run;		/* struct kvm_run, mmap()ed from the vCPU */
	size_t run_size;
	char debugfs[64];	/* /sys/kernel/debug/kvm/<pid>-<fd> */
};

/* How a KVM_RUN ended, when it ended with a guest MMIO access. */
struct kvm_vm_mmio {
	uint64_t addr;
	uint64_t data;		/* little endian, len bytes */
	unsigned int len;
	bool write;
};

void kvm_vm_init(struct kvm_vm *vm);
int kvm_vm_create(struct kvm_vm *vm);
int kvm_vm_add_memslot(struct kvm_vm *vm, unsigned int slot, uint64_t ipa,
		       void *hva, size_t size);
int kvm_vm_add_vcpu(struct kvm_vm *vm);
int kvm_vm_set_xreg(struct kvm_vm *vm, unsigned int n, uint64_t val);
int kvm_vm_set_pc(struct kvm_vm *vm, uint64_t val);
int kvm_vm_set_vbar(struct kvm_vm *vm, uint64_t val);
int kvm_vm_run_to_mmio(struct kvm_vm *vm, struct kvm_vm_mmio *mmio);
int kvm_vm_complete_exit(struct kvm_vm *vm);
void kvm_vm_destroy(struct kvm_vm *vm);
bool kvm_vm_debugfs_exists(const struct kvm_vm *vm);

#endif /* MEMATTR_SELFTEST_KVM_VM_H */
